"""The three long sheets of the summary: 项目汇总, 问题清单, 文件清单.

xlsxwriter writes each sheet's title row, column headers, widths, filters, print setup
and the rows after the body; the body rows are streamed as sheet XML
(:mod:`jixiao.processor.merge.sheet_xml`), with a row height wherever wrapped text needs
more than one line. The printed columns come first; the technical ones (来源文件,
工作表, sizes, SHA-256) follow outside the print area.
"""

from __future__ import annotations

from collections.abc import Iterator

from jixiao.processor.core.findings import SEVERITY_CN
from jixiao.processor.merge.report_text import decimal_sum, rounded
from jixiao.processor.merge.sheet_xml import Body, Cells, Tails, style
from jixiao.processor.merge.standing import FILE_RULE, INVALID, file_verdict
from jixiao.processor.merge.summary_format import (
    Formats,
    header,
    lines_needed,
    page_setup,
    row_height,
    title_row,
)

SHEET_PROJECTS = "项目汇总"
SHEET_FINDINGS = "问题清单"
SHEET_FILES = "文件清单"

# (title, width); the first PROJECT_PRINTED columns are printed
# (title, width); the first *_PRINTED columns are printed. Widths: LibreOffice prints a width
# unit some 2.6 mm wide, so ~120 units fill a landscape A4 page at 85 %.
PROJECT_COLUMNS: list[tuple[str, float]] = [
    ("序号", 4), ("实施单位", 11), ("项目名称", 22), ("评价方式", 8), ("全年预算数（万元）", 10),
    ("全年执行数（万元）", 10), ("执行率", 8), ("填报总分", 7), ("计算总分", 12), ("等级", 4), ("核定", 7),
    ("错误数", 5), ("核定说明", 13),
    ("提示数", 6), ("年初预算数（万元）", 11), ("主管部门", 16), ("年度", 6), ("来源文件", 30), ("工作表", 12),
    ("评价方式依据", 10),
]
PROJECT_PRINTED = 13
FINDING_COLUMNS: list[tuple[str, float]] = [
    ("序号", 4), ("实施单位", 12), ("项目名称", 16), ("单元格", 6), ("代码", 5), ("级别", 4), ("问题", 42),
    ("修改建议", 30), ("来源文件", 30), ("工作表", 12),
]
FINDING_PRINTED = 8
FILE_COLUMNS: list[tuple[str, float]] = [
    ("序号", 4), ("文件", 26), ("状态", 6), ("结论", 6), ("说明", 36), ("项目数", 5), ("发件人", 16),
    ("收到时间", 17), ("逾期", 4),
    ("工作表", 20), ("大小（字节）", 12), ("修改时间", 19), ("SHA-256", 20),
]
FILE_PRINTED = 9


def _title(result, what: str) -> str:
    year = f"{result.year}年度" if result.year else ""
    return f"{result.department_name}{year}{what}"


def _lines(*cells: tuple[str, float]) -> int:
    return max(lines_needed(v, w) for v, w in cells)


def _setup(ws, result, print_cols: int, last_row: int, landscape: bool = True) -> None:
    page_setup(ws, landscape=landscape, department=result.department_name, on=result.summary_date,
               print_cols=print_cols, last_row=last_row)


# ---------------------------------------------------------------------- 项目汇总


def projects_sheet(wb, f: Formats, result) -> Body:
    ws = wb.add_worksheet(SHEET_PROJECTS)
    title_row(ws, f, _title(result, "项目支出绩效自评汇总表"), PROJECT_PRINTED - 1)
    header(ws, f, 1, PROJECT_COLUMNS)
    n = len(result.projects)
    first, last = 2, n + 1  # 0-based rows of the body
    ws.freeze_panes(2, 3)
    ws.autofilter(1, 0, max(last, 2), len(PROJECT_COLUMNS) - 1)
    tr = last + 2
    ws.write_string(tr, 2, f"合计（{n}个项目）", f.total_text)
    for col, attr in ((4, "budget"), (5, "executed"), (14, "initial")):
        total = float(rounded(decimal_sum(getattr(p.row, attr) for p in result.projects)))
        if n:
            letter = chr(ord("A") + col)
            ws.write_formula(tr, col, f"=SUBTOTAL(109,{letter}{first + 1}:{letter}{last + 1})", f.total_money, total)
        else:
            ws.write_number(tr, col, 0, f.total_money)
    invalid = len(result.invalid_projects)
    note = ("说明：计算总分为按规则重新计算的总分，填报总分为表内“总分”行所填；涉及金额取年度资金总额的全年执行数。"
            f"核定为“{INVALID}”的项目（本表{invalid}个）分值合计不为100、总分超过100或总分无法计算，其分数标为“(无效)”，"
            "不评定等级，须由实施单位更正后重新报送。每个单位内按计算总分从高到低排列。")
    ws.merge_range(tr + 1, 0, tr + 1, PROJECT_PRINTED - 1, "", f.note)
    ws.write_string(tr + 1, 0, note, f.note)
    ws.set_row(tr + 1, row_height(lines_needed(note, sum(w for _t, w in PROJECT_COLUMNS[:PROJECT_PRINTED]))))
    _setup(ws, result, PROJECT_PRINTED, tr + 1)

    def rows() -> Iterator[str]:
        t, w, i, m = style(f.text), style(f.wrap), style(f.int), style(f.money)
        pc, sc, bad_sc, bad = style(f.pct), style(f.score), style(f.bad_score), style(f.bad)
        c = Cells()
        for k, p in enumerate(result.projects, start=1):
            row, scores, st = p.row, p.row.scores, p.standing
            counts = p.counts()
            score_style = bad_sc if st.invalid else sc
            c.start(k + first)
            c.number(0, k, i)
            c.text(1, row.unit, w)
            c.text(2, row.project, w)
            c.text(3, p.method, t)
            c.number(4, row.budget, m)
            c.number(5, row.executed, m)
            c.number(6, scores["execution_rate"], pc)
            c.number(7, row.stated_total, score_style if (row.stated_total or 0) > 100 else sc)
            c.number(8, scores["total_score"], score_style)
            c.text(9, p.grade, t)
            c.text(10, st.status, bad if st.status == INVALID else t)
            c.number(11, counts["error"], i)
            c.text(12, st.note, w)
            c.number(13, counts["warning"], i)
            c.number(14, row.initial, m)
            c.text(15, row.department, t)
            c.number(16, row.year, i)
            c.text(17, p.input.name, t)
            c.text(18, row.sheet, t)
            c.text(19, p.method_source, t)
            yield c.xml(row_height(_lines((row.unit, 11), (row.project, 22), (st.note, 13))))

    return Body(ws.index, rows, last + 1, len(PROJECT_COLUMNS), header_row=2)


# ---------------------------------------------------------------------- 问题清单


def findings_sheet(wb, f: Formats, result) -> Body:
    ws = wb.add_worksheet(SHEET_FINDINGS)
    title_row(ws, f, _title(result, "自评表问题清单"), FINDING_PRINTED - 1)
    header(ws, f, 1, FINDING_COLUMNS)
    n = len(result.findings)
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, max(n + 1, 2), len(FINDING_COLUMNS) - 1)
    _setup(ws, result, FINDING_PRINTED, n + 1)
    # (file, sheet) → its project's unit and name, and the lines they need in their columns
    where: dict[tuple[str, str | None], tuple[str, str, int]] = {}
    for p in result.projects:
        unit, project = p.row.unit, p.row.project
        lines = max(lines_needed(unit, 12), lines_needed(project, 16))
        where.setdefault((p.input.name, p.row.sheet), (unit, project, lines))
        where.setdefault((p.input.name, None), (unit, "", lines_needed(unit, 12)))
    nowhere = ("", "", 1)

    def rows() -> Iterator[str]:
        # the longest sheet (tens of rows a form): each row one f-string, as Cells would write it
        t, w, i, bad = style(f.text), style(f.wrap), style(f.int), style(f.bad)
        tails = Tails()
        heights: dict[int, str] = {}  # lines → the row's ht attribute
        for k, fd in enumerate(result.findings, start=1):
            file, sheet, severity = fd.file or "", fd.sheet or "", fd.severity
            unit, project, lines = where.get((file, fd.sheet)) or where.get((file, None), nowhere)
            r = k + 2
            lines = max(lines, lines_needed(fd.message, 42), lines_needed(fd.fix, 30))
            ht = heights.get(lines) or heights.setdefault(lines, f"{row_height(lines):g}")
            yield (f'<row r="{r}" ht="{ht}" customHeight="1">'
                   f'<c r="A{r}" s="{i}"><v>{k:.16G}</v></c>'
                   f'<c r="B{r}" s="{w}"{tails[unit]}<c r="C{r}" s="{w}"{tails[project]}'
                   f'<c r="D{r}" s="{t}"{tails[fd.cell or ""]}<c r="E{r}" s="{t}"{tails[fd.code]}'
                   f'<c r="F{r}" s="{bad if severity == "error" else t}"{tails[SEVERITY_CN.get(severity, severity)]}'
                   f'<c r="G{r}" s="{w}"{tails[fd.message]}<c r="H{r}" s="{w}"{tails[fd.fix]}'
                   f'<c r="I{r}" s="{t}"{tails[file]}<c r="J{r}" s="{t}"{tails[sheet]}</row>')

    return Body(ws.index, rows, n + 2, len(FINDING_COLUMNS), header_row=2)


# ---------------------------------------------------------------------- 文件清单


def files_sheet(wb, f: Formats, result) -> Body:
    ws = wb.add_worksheet(SHEET_FILES)
    title_row(ws, f, _title(result, "报送文件清单"), FILE_PRINTED - 1)
    ws.merge_range(1, 0, 1, FILE_PRINTED - 1, "", f.note)
    ws.write_string(1, 0, FILE_RULE, f.note)
    ws.set_row(1, row_height(lines_needed(FILE_RULE, sum(w for _t, w in FILE_COLUMNS[:FILE_PRINTED]))))
    header(ws, f, 2, FILE_COLUMNS)
    n = len(result.files)
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, max(n + 2, 3), len(FILE_COLUMNS) - 1)
    _setup(ws, result, FILE_PRINTED, n + 2)
    verdicts = file_verdicts(result)
    deadline = result.deadline.isoformat() if result.deadline else None

    def rows() -> Iterator[str]:
        t, w, i, bad, good = style(f.text), style(f.wrap), style(f.int), style(f.bad), style(f.good)
        c = Cells()
        for k, item in enumerate(result.files, start=1):
            verdict = verdicts.get(id(item), "")
            c.start(k + 3)
            c.number(0, k, i)
            c.text(1, item.shown, w)
            c.text(2, item.status_cn, bad if item.status == "failed" else t)
            c.text(3, verdict, good if verdict == "合格" else bad if verdict else t)
            c.text(4, item.reason, w)
            c.number(5, len(item.kept_sheets), i)
            c.text(6, item.sender, w)
            c.text(7, item.received, w)
            c.text(8, "是" if is_late(item.received, deadline) else "", bad)
            c.text(9, "、".join(item.kept_sheets), t)
            c.number(10, item.size, i)
            c.text(11, item.mtime_text, t)
            c.text(12, item.sha256 or "", t)
            yield c.xml(row_height(_lines((item.shown, 26), (item.reason, 36), (item.sender, 16),
                                          (item.received, 17))))

    return Body(ws.index, rows, n + 3, len(FILE_COLUMNS), header_row=3)


def is_late(received: str, deadline: str | None) -> bool:
    """Received (ISO text) after the deadline day (ISO date)."""
    return bool(deadline and received and received[:10] > deadline)


def file_verdicts(result) -> dict[int, str]:
    """id(InputFile) → 合格 / 需整改 / 不合格 ('' for a duplicate)."""
    by_file: dict[int, list] = {}
    for p in result.projects:
        by_file.setdefault(id(p.input), []).append(p.standing)
    return {id(item): file_verdict(item.status, by_file.get(id(item), ()),
                                   sum(1 for x in item.findings if x[1] == "error"))
            for item in result.files}
