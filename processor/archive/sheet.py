"""The 年度对比 worksheet, written with xlsxwriter into a workbook someone else owns.

:func:`write_year_sheet` adds one sheet to an open ``xlsxwriter.Workbook`` (the merge summary,
or the workbook of ``jixiao compare -o``): a project table (延续 / 更名 / 人工指定 / 无法确定 /
新增 / 终止, with budget, execution rate and score of both years and what was found), each
unit's mean score over the archived years, and the targets made easier. Text from submissions
is written as text only (never a formula; control and bidi characters shown escaped:
:mod:`jixiao.processor.files.xlsx_out`).
"""

from __future__ import annotations

from typing import Any

from jixiao.processor.archive.compare import YearReview
from jixiao.processor.archive.entry import FormEntry
from jixiao.processor.archive.match import KIND_RENAMED
from jixiao.processor.core.values import fmt_num

SHEET_NAME = "年度对比"
BASE = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}

PROJECT_COLUMNS: list[tuple[str, float]] = [
    ("序号", 5), ("对应关系", 8), ("实施单位", 18), ("项目名称（本年）", 26), ("项目名称（上年）", 26),
    ("上年预算（万元）", 10), ("本年预算（万元）", 10), ("预算增减", 8), ("上年执行率", 9), ("本年执行率", 9),
    ("执行率变化（百分点）", 9), ("上年得分", 8), ("本年得分", 8), ("得分变化", 8), ("上年等级", 5),
    ("本年等级", 5), ("发现的问题", 40), ("本年来源文件", 26),
]


class _Formats:
    def __init__(self, wb) -> None:
        self.title = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True})
        self.h2 = wb.add_format({"font_name": "黑体", "font_size": 12, "bold": True})
        self.head = wb.add_format({**BASE, "bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center",
                                   "text_wrap": True})
        self.text = wb.add_format(BASE)
        self.wrap = wb.add_format({**BASE, "text_wrap": True})
        self.note = wb.add_format({**BASE, "font_color": "#595959", "italic": True})
        self.money = wb.add_format({**BASE, "num_format": "#,##0.00"})
        self.pct = wb.add_format({**BASE, "num_format": "0.00%"})
        self.change_pct = wb.add_format({**BASE, "num_format": "+0.0%;-0.0%;0.0%"})
        self.change = wb.add_format({**BASE, "num_format": "+0.00;-0.00;0.00"})
        self.score = wb.add_format({**BASE, "num_format": "0.00"})
        self.int = wb.add_format({**BASE, "num_format": "0"})
        self.bad = wb.add_format({**BASE, "font_color": "#C00000", "bold": True, "text_wrap": True})
        self.status = {k: wb.add_format({**BASE, "bg_color": c}) for k, c in
                       (("新增", "#E2EFDA"), ("终止", "#EDEDED"), ("无法确定", "#FFF2CC"), (KIND_RENAMED, "#FCE4D6"),
                        ("人工指定", "#FCE4D6"))}


def _put(ws, row: int, col: int, value: Any, fmt) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _rows(review: YearReview) -> list[tuple[str, FormEntry | None, FormEntry | None, Any, str]]:
    """(对应关系, this year's form, last year's form, pair review or None, 发现的问题), what needs a
    reviewer first: pairs with findings, undecided, renamed, the other pairs, new, ended."""
    flagged, plain, renamed = [], [], []
    for p in review.pairs:
        note = "；".join(p.flags)
        if p.match.kind != "同名" and p.match.evidence:
            note = "；".join(x for x in (note, f"{p.match.kind}：{p.match.evidence}") if x)
        row = (p.match.kind, p.new, p.old, p, note)
        (flagged if p.flags else renamed if p.match.kind != "同名" else plain).append(row)
    undecided = []
    for u in review.undecided:
        cands = "、".join(f"“{c.project}”" for c in u.candidates)
        undecided.append(("无法确定", u.form, None, None, f"{u.reason}；候选：{cands}；请在对照文件中指定"))
    return (flagged + undecided + renamed + plain + [("新增", f, None, None, "") for f in review.new]
            + [("终止", None, f, None, "") for f in review.ended])


def write_year_sheet(wb, review: YearReview, *, scope: str = "") -> Any:
    """Add the 年度对比 sheet to ``wb`` and return it. ``scope`` says what the comparison covers."""
    f = _Formats(wb)
    ws = wb.add_worksheet(SHEET_NAME)
    last = ncols = len(PROJECT_COLUMNS)
    title = (f"年度对比：{review.year} 年度与 {review.against} 年度" if review.against
             else f"年度对比：{review.year} 年度")
    ws.write_string(0, 0, title, f.title)
    r = 1
    for line in review.summary_lines():
        ws.merge_range(r, 0, r, ncols - 1, line, f.wrap)
        r += 1
    notes = [scope, "得分为按规则重新计算的总分；预算为年度资金总额的全年预算数；执行率变化以百分点计。"
                    "“发现的问题”对应问题清单中的 Y 类问题；匹配规则与对照文件见 docs/档案.md。"]
    for line in filter(None, notes):
        ws.merge_range(r, 0, r, ncols - 1, line, f.note)
        r += 1
    r += 1
    head = r
    for c, (name, width) in enumerate(PROJECT_COLUMNS):
        ws.write_string(head, c, name, f.head)
        ws.set_column(c, c, width)
    ws.set_row(head, 30)
    rows = _rows(review)
    for i, (status, new, old, pair, note) in enumerate(rows, start=1):
        r = head + i
        any_form = new or old
        _put(ws, r, 0, i, f.int)
        ws.write_string(r, 1, "延续" if status == "同名" else status, f.status.get(status, f.text))
        _put(ws, r, 2, any_form.unit or any_form.department, f.text)
        _put(ws, r, 3, new.project if new else "", f.text)
        _put(ws, r, 4, old.project if old else "", f.text)
        _put(ws, r, 5, old.budget if old else None, f.money)
        _put(ws, r, 6, new.budget if new else None, f.money)
        _put(ws, r, 7, round(pair.budget_change, 6) if pair and pair.budget_change is not None else None,
             f.change_pct)
        _put(ws, r, 8, old.execution_rate if old else None, f.pct)
        _put(ws, r, 9, new.execution_rate if new else None, f.pct)
        _put(ws, r, 10, round(pair.rate_change * 100, 6) if pair and pair.rate_change is not None else None,
             f.change)
        _put(ws, r, 11, old.total_score if old else None, f.score)
        _put(ws, r, 12, new.total_score if new else None, f.score)
        _put(ws, r, 13, round(pair.score_change, 6) if pair and pair.score_change is not None else None, f.change)
        _put(ws, r, 14, old.grade if old else "", f.text)
        _put(ws, r, 15, new.grade if new else "", f.text)
        _put(ws, r, 16, note, f.bad if pair and pair.flags else f.wrap)
        if len(note) > 20:  # about 20 characters a line in this column
            ws.set_row(r, 13.5 * min(4, -(-len(note) // 20)))
        _put(ws, r, 17, new.file_name if new else "", f.text)
    end = head + max(len(rows), 1)
    ws.autofilter(head, 0, end, last - 1)
    ws.freeze_panes(head + 1, 4)
    ws.repeat_rows(head)
    r = end + 2
    r = _units(ws, f, review, r)
    _lowered(ws, f, review, r + 1)
    return ws


def _units(ws, f: _Formats, review: YearReview, r: int) -> int:
    """Each unit's mean score by year: unit, trend, remarks, then per year 项目数 and 平均得分."""
    ws.write_string(r, 2, "各单位得分趋势（平均得分，按规则重新计算）", f.h2)
    r += 1
    years = review.trend_years
    cols = ["实施单位", "得分走势", "说明"] + [x for y in years for x in (f"{y} 项目数", f"{y} 平均得分")] + ["得分变化"]
    for c, name in enumerate(cols, start=2):
        ws.write_string(r, c, name, f.head)
    ws.set_row(r, 30)
    for u in review.units:
        r += 1
        ws.write_string(r, 2, u.unit, f.text)
        trail = " → ".join(fmt_num(m) for _y, (_n, m) in sorted(u.scores.items()) if _y in years)
        ws.write_string(r, 3, f"{trail}（{u.direction}）", f.bad if u.direction == "下降" else f.text)
        remarks = []
        if u.rose or u.fell:
            remarks.append(f"得分上升 {u.rose} 个、下降 {u.fell} 个项目")
        if u.full_marks_both:
            remarks.append("连续两年全部满分且无偏差说明")
        ws.write_string(r, 4, "；".join(remarks), f.bad if u.full_marks_both else f.text)
        c = 5
        for y in years:
            n, mean = u.scores.get(y, (None, None))
            _put(ws, r, c, n, f.int)
            _put(ws, r, c + 1, mean, f.score)
            c += 2
        _put(ws, r, c, None if u.change is None else round(u.change, 6), f.change)
    return r + 1


def _lowered(ws, f: _Formats, review: YearReview, r: int) -> None:
    items = [(p, n, o) for p in review.pairs for n, o in p.lowered]
    ws.write_string(r, 2, f"目标调低而得分上升的指标（{len(items)} 项）", f.h2)
    if not items:
        return
    r += 1
    cols = ["实施单位", "项目名称", "指标", "上年指标值", "本年指标值", "上年实际", "本年实际", "单元格"]
    for c, name in enumerate(cols, start=2):
        ws.write_string(r, c, name, f.head)
    for p, n, o in items:
        r += 1
        for c, value in enumerate((p.new.unit, p.new.project, n.name, o.target_text, n.target_text, o.actual_text,
                                   n.actual_text, n.target_cell or ""), start=2):
            _put(ws, r, c, value, f.text)


def write_workbook(review, path: str) -> None:
    """年度对比 and the Y findings (问题清单), written atomically."""
    import io

    from jixiao.processor.core.findings import SEVERITY_CN
    from jixiao.processor.files.atomic import atomic_write_bytes
    from jixiao.processor.files.xlsx_out import output_workbook

    buf = io.BytesIO()
    wb = output_workbook(buf)
    write_year_sheet(wb, review)
    ws = wb.add_worksheet("问题清单")
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "宋体", "font_size": 10})
    text = wb.add_format({"font_name": "宋体", "font_size": 10})
    cols = [("来源文件", 36), ("工作表", 14), ("单元格", 9), ("代码", 7), ("级别", 6), ("问题", 70), ("修改建议", 50)]
    for c, (name, width) in enumerate(cols):
        ws.write_string(0, c, name, head)
        ws.set_column(c, c, width)
    for r, f in enumerate(review.findings, start=1):
        for c, v in enumerate((f.file or "", f.sheet or "", f.cell or "", f.code, SEVERITY_CN[f.severity],
                               f.message, f.fix)):
            ws.write_string(r, c, v, text)
    ws.autofilter(0, 0, max(len(review.findings), 1), len(cols) - 1)
    ws.freeze_panes(1, 0)
    for sheet in wb.worksheets():
        sheet.set_paper(9)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
    wb.close()
    atomic_write_bytes(path, buf.getvalue())
