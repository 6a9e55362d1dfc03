"""The department head's dashboard: 单位排名 (the 红黑榜), 金额与得分, 问题分类.

Three sheets of the summary workbook, each with a native chart where a picture helps:

- 单位排名 — per 实施单位: projects, money, execution, the average of the scores that
  stand, projects to correct, errors, files that could not be read, late or missing
  submissions; ranked by average score, with 红榜 / 黑榜 by the rule stated on the sheet.
- 金额与得分 — executed amount against score as a scatter chart with quadrant lines at the
  median amount and 90 points; the projects listed quadrant by quadrant, the high-money
  low-score ones first. Scores that cannot stand (需更正) are not plotted, only listed.
- 问题分类 — the findings by kind (catalogue code), with a bar chart of the most frequent.

单位排名 and 问题分类 have one row per unit or per code (small); the 金额与得分 list has
one row per project and is streamed like the other long sheets.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field

from jixiao.processor.core.findings import SEVERITY_CN, catalogue
from jixiao.processor.core.values import norm
from jixiao.processor.merge.sheet_xml import Body, Cells, style
from jixiao.processor.merge.standing import ERRORS, INVALID
from jixiao.processor.merge.summary_format import (
    Formats,
    header,
    lines_needed,
    page_setup,
    row_height,
    title_row,
)
from jixiao.processor.merge.summary_lists import is_late

SHEET_UNITS = "单位排名"
SHEET_MONEY = "金额与得分"
SHEET_KINDS = "问题分类"
GOOD_SCORE = 90.0
RED, BLACK = "红榜", "黑榜"
UNIT_RULE = (f"排名按各单位有效得分（核定不是“{INVALID}”的项目）的平均分从高到低；没有有效得分的单位列在最后。"
             f"{RED}：全部项目核定为“通过”、平均分不低于90分、按时报送；"
             f"{BLACK}：名单中未提交、逾期报送、有文件无法读取，或有项目核定为“{INVALID}”。")
QUADRANTS = ("高金额·低得分", "高金额·高得分", "低金额·低得分", "低金额·高得分")
NOT_PLOTTED = "未画入图中"


def write_dashboard(wb, f: Formats, result) -> list[Body]:
    units_sheet(wb, f, result)
    body = money_sheet(wb, f, result)
    kinds_sheet(wb, f, result)
    return [body]


def _setup(ws, result, cols: int, last_row: int, landscape: bool) -> None:
    page_setup(ws, landscape=landscape, department=result.department_name, on=result.summary_date,
               print_cols=cols, last_row=last_row)


def _note(ws, f: Formats, row: int, last_col: int, value: str, width: float) -> None:
    ws.merge_range(row, 0, row, last_col, "", f.note)
    ws.write_string(row, 0, value, f.note)
    ws.set_row(row, row_height(lines_needed(value, width)))


# ---------------------------------------------------------------------- 单位排名


@dataclass
class UnitLine:
    unit: str
    projects: int = 0
    budget: float = 0.0
    executed: float = 0.0
    scores: list[float] = field(default_factory=list)  # the scores that stand
    invalid: int = 0
    with_errors: int = 0
    errors: int = 0
    unreadable: int = 0
    late: int = 0
    roster: str = ""  # the roster's status label, '' without a roster

    @property
    def average(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None

    @property
    def rate(self) -> float | None:
        return self.executed / self.budget if self.budget else None

    @property
    def board(self) -> str:
        if self.roster == "未提交" or self.late or self.unreadable or self.invalid:
            return BLACK
        avg = self.average
        if self.projects and not self.with_errors and avg is not None and avg >= GOOD_SCORE - 1e-9:
            return RED
        return ""

    @property
    def submission(self) -> str:
        parts = [self.roster] if self.roster else []
        if self.late:
            parts.append(f"逾期{self.late}份")
        return "，".join(parts) or ("已提交" if self.projects or self.unreadable else "")


def unit_lines(result) -> list[UnitLine]:
    """One line per unit (from the forms, and from the roster), ranked."""
    lines: dict[str, UnitLine] = {}

    def line(unit: str) -> UnitLine:
        key = norm(unit)
        if key not in lines:
            lines[key] = UnitLine(unit.strip() or "（表内未填实施单位）")
        return lines[key]

    deadline = result.deadline.isoformat() if result.deadline else None
    late_files: set[int] = set()
    for p in result.projects:
        u = line(p.row.unit)
        u.projects += 1
        u.budget += p.row.budget or 0.0
        u.executed += p.row.executed or 0.0
        if p.standing.invalid:
            u.invalid += 1
        elif p.total_score is not None:
            u.scores.append(p.total_score)
        if p.standing.status in (ERRORS, INVALID):
            u.with_errors += 1
        u.errors += p.counts()["error"]
        if id(p.input) not in late_files and is_late(p.input.received, deadline):
            late_files.add(id(p.input))
            u.late += 1
    if result.roster is not None:
        for status in result.roster.units:
            u = line(status.unit.name)
            u.roster = status.label
            u.unreadable += sum(1 for fc in status.files if fc.unreadable)
    order = result.unit_order
    return sorted(lines.values(), key=lambda u: (u.average is None, -(u.average or 0), order.key(u.unit)))


UNIT_COLUMNS: list[tuple[str, float]] = [
    ("排名", 5), ("实施单位", 22), ("项目数", 6), ("全年预算数（万元）", 11), ("全年执行数（万元）", 11),
    ("执行率", 8), ("平均得分", 8), ("需更正项目", 7), ("有错误项目", 7), ("错误数", 6), ("无法读取文件", 7),
    ("报送情况", 14), ("榜单", 6),
]


def units_sheet(wb, f: Formats, result) -> None:
    ws = wb.add_worksheet(SHEET_UNITS)
    last_col = len(UNIT_COLUMNS) - 1
    title_row(ws, f, "各单位绩效自评排名（红黑榜）", last_col)
    _note(ws, f, 1, last_col, UNIT_RULE, sum(w for _t, w in UNIT_COLUMNS))
    header(ws, f, 2, UNIT_COLUMNS)
    lines = unit_lines(result)
    rank = 0
    for i, u in enumerate(lines, start=3):
        if u.average is not None:
            rank += 1
        ws.write_number(i, 0, rank, f.int) if u.average is not None else ws.write_string(i, 0, "—", f.text)
        ws.write_string(i, 1, u.unit, f.wrap)
        ws.write_number(i, 2, u.projects, f.int)
        ws.write_number(i, 3, round(u.budget, 2), f.money)
        ws.write_number(i, 4, round(u.executed, 2), f.money)
        ws.write_number(i, 5, u.rate, f.pct) if u.rate is not None else ws.write_blank(i, 5, None, f.pct)
        ws.write_number(i, 6, u.average, f.score) if u.average is not None else ws.write_string(i, 6, "—", f.text)
        ws.write_number(i, 7, u.invalid, f.bad if u.invalid else f.int)
        ws.write_number(i, 8, u.with_errors, f.int)
        ws.write_number(i, 9, u.errors, f.int)
        ws.write_number(i, 10, u.unreadable, f.bad if u.unreadable else f.int)
        ws.write_string(i, 11, u.submission, f.wrap)
        ws.write_string(i, 12, u.board, f.bad if u.board == BLACK else f.good)
        ws.set_row(i, row_height(max(lines_needed(u.unit, 22), lines_needed(u.submission, 14))))
    last = 2 + len(lines)
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, max(last, 3), last_col)
    chart_row = last + 2
    if lines:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({
            "name": "平均得分",
            "categories": [SHEET_UNITS, 3, 1, last, 1],
            "values": [SHEET_UNITS, 3, 6, last, 6],
            "data_labels": {"value": True, "num_format": "0.0"},
        })
        chart.set_title({"name": "各单位平均得分（有效得分）"})
        chart.set_x_axis({"min": 0, "max": 100, "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 760, "height": max(220, min(24 * len(lines) + 80, 900)) // 20 * 20})
        ws.insert_chart(chart_row, 0, chart)
    chart_rows = max(220, min(24 * len(lines) + 80, 900)) // 20 + 2 if lines else 0
    _setup(ws, result, len(UNIT_COLUMNS), chart_row + chart_rows, landscape=True)


# ---------------------------------------------------------------------- 金额与得分


@dataclass(frozen=True)
class Placed:
    quadrant: str
    project: object  # merge.result.Project


def place(result) -> tuple[list[Placed], float | None]:
    """Every project with its quadrant (or 未画入图中), in listing order; and the median amount."""
    plotted = [p for p in result.projects if not p.standing.invalid and p.amount is not None]
    median = statistics.median(p.amount for p in plotted) if plotted else None
    groups: dict[str, list] = {q: [] for q in (*QUADRANTS, NOT_PLOTTED)}
    for p in result.projects:
        if p.standing.invalid or p.amount is None or median is None:
            groups[NOT_PLOTTED].append(p)
            continue
        high = p.amount >= median
        good = p.total_score >= GOOD_SCORE - 1e-9
        groups[QUADRANTS[(0 if high else 2) + (1 if good else 0)]].append(p)
    out: list[Placed] = []
    for q, items in groups.items():
        if q != NOT_PLOTTED:
            items.sort(key=lambda p: (-(p.amount or 0), p.total_score))
        out += [Placed(q, p) for p in items]
    return out, median


MONEY_COLUMNS: list[tuple[str, float]] = [
    ("序号", 5), ("象限", 13), ("实施单位", 20), ("项目名称", 34), ("全年执行数（万元）", 12), ("计算总分", 12),
    ("核定", 7),
]
CHART_ROWS = 20  # rows the chart takes above the list


def money_sheet(wb, f: Formats, result) -> Body:
    ws = wb.add_worksheet(SHEET_MONEY)
    last_col = len(MONEY_COLUMNS) - 1
    placed, median = place(result)
    n_plotted = sum(1 for x in placed if x.quadrant != NOT_PLOTTED)
    hi_lo = sum(1 for x in placed if x.quadrant == QUADRANTS[0])
    title_row(ws, f, "项目金额与得分", last_col)
    median_text = "—" if median is None else f"{median:,.2f}万元"
    note = (f"横轴为全年执行数（万元），纵轴为计算总分；竖线为执行数的中位数（{median_text}），横线为{GOOD_SCORE:g}分。"
            f"“高金额·低得分”（执行数不低于中位数、得分低于{GOOD_SCORE:g}分）的项目共{hi_lo}个，列在下表最前，应优先关注。"
            f"核定为“{INVALID}”或没有执行数的项目不画入图中，列在表末。")
    _note(ws, f, 1, last_col, note, sum(w for _t, w in MONEY_COLUMNS))
    head = 2 + CHART_ROWS
    header(ws, f, head, MONEY_COLUMNS)
    first = head + 1  # 0-based first body row
    # the quadrant lines' points, beside the print area
    top_x = max((x.project.amount for x in placed if x.quadrant != NOT_PLOTTED), default=1.0) * 1.05 or 1.0
    helper = [("中位数线", median or 0, 0), ("", median or 0, 100), (f"{GOOD_SCORE:g}分线", 0, GOOD_SCORE),
              ("", top_x, GOOD_SCORE)]
    hc = last_col + 3
    hr = 2  # above the list's header: the streamed rows follow the header
    ws.write_string(hr, hc, "辅助线（横轴）", f.text)
    ws.write_string(hr, hc + 1, "辅助线（纵轴）", f.text)
    for k, (label, x, y) in enumerate(helper, start=1):
        ws.write_string(hr + k, hc - 1, label, f.text)
        ws.write_number(hr + k, hc, x, f.money)
        ws.write_number(hr + k, hc + 1, y, f.score)
    if n_plotted:
        chart = wb.add_chart({"type": "scatter"})
        colours = ("#C00000", "#2E75B6", "#ED7D31", "#70AD47")
        row = first
        for q, colour in zip(QUADRANTS, colours):
            count = sum(1 for x in placed if x.quadrant == q)
            if count:
                chart.add_series({
                    "name": q,
                    "categories": [SHEET_MONEY, row, 4, row + count - 1, 4],
                    "values": [SHEET_MONEY, row, 5, row + count - 1, 5],
                    "marker": {"type": "circle", "size": 6, "fill": {"color": colour}, "border": {"color": colour}},
                })
            row += count
        for k in (0, 2):
            chart.add_series({
                "name": helper[k][0],
                "categories": [SHEET_MONEY, hr + 1 + k, hc, hr + 2 + k, hc],
                "values": [SHEET_MONEY, hr + 1 + k, hc + 1, hr + 2 + k, hc + 1],
                "line": {"color": "#7F7F7F", "dash_type": "dash", "width": 1.25},
                "marker": {"type": "none"},
            })
        chart.set_title({"name": "全年执行数与计算总分"})
        chart.set_x_axis({"name": "全年执行数（万元）", "min": 0, "num_format": "#,##0"})
        chart.set_y_axis({"name": "计算总分", "min": 0, "max": 100, "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 760, "height": 20 * CHART_ROWS - 10})
        ws.insert_chart(2, 0, chart, {"x_offset": 4, "y_offset": 4})
    ws.freeze_panes(first, 0)
    _setup(ws, result, len(MONEY_COLUMNS), first + len(placed) - 1 if placed else first, landscape=True)

    def rows() -> Iterator[str]:
        t, w, i, m = style(f.text), style(f.wrap), style(f.int), style(f.money)
        sc, bad_sc, bad = style(f.score), style(f.bad_score), style(f.bad)
        c = Cells()
        for k, x in enumerate(placed, start=1):
            p = x.project
            c.start(first + k)
            c.number(0, k, i)
            c.text(1, x.quadrant, bad if x.quadrant == QUADRANTS[0] else t)
            c.text(2, p.row.unit, w)
            c.text(3, p.row.project, w)
            c.number(4, p.amount, m)
            c.number(5, p.total_score, bad_sc if p.standing.invalid else sc)
            c.text(6, p.standing.status, bad if p.standing.invalid else t)
            yield c.xml(row_height(max(lines_needed(p.row.unit, 20), lines_needed(p.row.project, 34))))

    return Body(ws.index, rows, first + len(placed), len(MONEY_COLUMNS), header_row=head + 1)


# ---------------------------------------------------------------------- 问题分类

KIND_COLUMNS: list[tuple[str, float]] = [
    ("序号", 5), ("代码", 7), ("级别", 6), ("问题类别", 40), ("出现次数", 8), ("涉及项目数", 8), ("涉及文件数", 8),
]
CHART_TOP = 12  # kinds shown in the chart


def kinds(result) -> list[tuple[str, str, str, int, int, int]]:
    """(code, severity, title, findings, projects, files) per code, the most frequent first."""
    cat = catalogue()
    counts: dict[str, list] = {}
    for fd in result.findings:
        c = counts.setdefault(fd.code, [fd.severity, 0, set(), set()])
        c[1] += 1
        if fd.sheet:
            c[2].add((fd.file, fd.sheet))
        c[3].add(fd.file)
    rank = {"error": 0, "warning": 1, "info": 2}
    rows = [(code, sev, cat.get(code, {}).get("title", code), n, len(projects), len(files))
            for code, (sev, n, projects, files) in counts.items()]
    rows.sort(key=lambda r: (-r[3], rank.get(r[1], 3), r[0]))
    return rows


def kinds_sheet(wb, f: Formats, result) -> None:
    ws = wb.add_worksheet(SHEET_KINDS)
    last_col = len(KIND_COLUMNS) - 1
    title_row(ws, f, "问题分类统计", last_col)
    header(ws, f, 1, KIND_COLUMNS)
    rows = kinds(result)
    for i, (code, sev, title, n, projects, files) in enumerate(rows, start=2):
        ws.write_number(i, 0, i - 1, f.int)
        ws.write_string(i, 1, code, f.text)
        ws.write_string(i, 2, SEVERITY_CN.get(sev, sev), f.bad if sev == "error" else f.text)
        ws.write_string(i, 3, title, f.wrap)
        ws.write_number(i, 4, n, f.int)
        ws.write_number(i, 5, projects, f.int)
        ws.write_number(i, 6, files, f.int)
        ws.set_row(i, row_height(lines_needed(title, 40)))
    last = 1 + len(rows)
    tr = last + 1
    ws.write_string(tr, 3, f"合计（{len(rows)}类）", f.total_text)
    ws.write_number(tr, 4, sum(r[3] for r in rows), f.total_int)
    ws.freeze_panes(2, 0)
    chart_row = tr + 2
    if rows:
        shown = min(CHART_TOP, len(rows))
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({
            "name": "出现次数",
            "categories": [SHEET_KINDS, 2, 3, 1 + shown, 3],
            "values": [SHEET_KINDS, 2, 4, 1 + shown, 4],
            "data_labels": {"value": True},
            "fill": {"color": "#2E75B6"},
        })
        chart.set_title({"name": f"出现最多的{shown}类问题"})
        chart.set_y_axis({"reverse": True})
        chart.set_x_axis({"min": 0, "major_gridlines": {"visible": True}})
        chart.set_legend({"none": True})
        chart.set_size({"width": 600, "height": 26 * shown + 90})
        ws.insert_chart(chart_row, 0, chart)
    chart_rows = (26 * min(CHART_TOP, len(rows)) + 90) // 20 + 2 if rows else 0
    _setup(ws, result, len(KIND_COLUMNS), chart_row + chart_rows, landscape=False)
