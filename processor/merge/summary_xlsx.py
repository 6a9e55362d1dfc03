"""The summary workbook (汇总.xlsx), written with xlsxwriter.

Sheets: 项目汇总, 分数段统计 (with a native column chart), 报告文字, 部门整体 (one per
部门整体支出绩效自评表 merged, :mod:`jixiao.processor.merge.department_sheet`), 部门指标 (when the
department's totals file is given), 问题清单, 文件清单. Text that comes from submissions
is always written with ``write_string`` and the workbook is created with
``strings_to_formulas=False``: "=HYPERLINK(…)" in a project name stays visible text.
Document properties are fixed and rows are in a stable order, so the same inputs give
the same bytes. The file is written to a temporary file beside the target and then
renamed over it (``jixiao.processor.files.atomic``).

Speed and memory: the rows of the three long sheets (项目汇总, 问题清单, 文件清单) are not
written through xlsxwriter, which spends more time per cell than reading the form took,
but as sheet XML streamed into the finished package (:mod:`jixiao.processor.merge.sheet_xml`);
xlsxwriter writes everything else. Nothing of a summary is held twice in memory.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from jixiao.processor.core.findings import SEVERITY_CN
from jixiao.processor.merge.report_text import DEPT_EVAL, METHODS, TOTAL, UNIT_EVAL, rounded
from jixiao.processor.merge.sheet_xml import Body, Cells, splice, style

FIXED_CREATED = datetime(2000, 1, 1, 0, 0, 0)
MONEY = "#,##0.00"
PERCENT = "0.00%"
SCORE = "0.00"

SHEET_PROJECTS = "项目汇总"
SHEET_BANDS = "分数段统计"
SHEET_TEXT = "报告文字"
SHEET_DEPT = "部门指标"
SHEET_FINDINGS = "问题清单"
SHEET_FILES = "文件清单"
SHEET_ROSTER = "报送情况"


def render(result) -> bytes:
    """The summary workbook of a :class:`~jixiao.processor.merge.result.MergeResult`, as bytes."""
    buf = io.BytesIO()
    _write(result, buf)
    return buf.getvalue()


def write_summary(result, path: str | os.PathLike) -> None:
    """Write the summary workbook to ``path`` atomically (never half a file, never a stale one)."""
    from jixiao.processor.files.atomic import atomic_write

    atomic_write(path, lambda tmp: _write(result, str(tmp)))


def _write(result, target) -> None:
    import xlsxwriter

    package = io.BytesIO()
    wb = xlsxwriter.Workbook(package, {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    wb.set_properties({
        "title": "项目支出绩效自评汇总",
        "subject": "部门整体绩效评价报告·评价得分情况",
        "author": "jixiao",
        "company": "",
        "comments": f"规则：{result.profile.name}",
        "created": FIXED_CREATED,
    })
    f = _Formats(wb)
    bodies = [_projects_sheet(wb, f, result)]
    _bands_sheet(wb, f, result)
    _text_sheet(wb, f, result)
    if getattr(result, "departments", None):  # 部门整体支出绩效自评表 forms among the inputs
        from jixiao.processor.merge.department_sheet import write_department_forms

        write_department_forms(wb, f, result)
    if result.department is not None:
        _department_sheet(wb, f, result)
    if getattr(result, "year_review", None) is not None:  # jixiao merge --archive
        from jixiao.processor.archive.sheet import write_year_sheet

        write_year_sheet(wb, result.year_review)
    bodies.append(_findings_sheet(wb, f, result))
    bodies.append(_files_sheet(wb, f, result))
    if result.roster is not None:
        _roster_sheet(wb, f, result.roster)
    for ws in wb.worksheets():  # printable: A4 landscape, one page wide
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
    for fmt in (f.text, f.int, f.money, f.pct, f.score, f.bad):  # styles the spliced rows use
        fmt._get_xf_index()  # registered now: xlsxwriter only numbers the formats its own cells use
    wb.close()
    splice(package.getvalue(), bodies, target)


class _Formats:
    def __init__(self, wb) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1,
                                   "align": "center", "text_wrap": True})
        self.text = wb.add_format({**base})
        self.wrap = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.money = wb.add_format({**base, "num_format": MONEY})
        self.pct = wb.add_format({**base, "num_format": PERCENT})
        self.score = wb.add_format({**base, "num_format": SCORE})
        self.int = wb.add_format({**base, "num_format": "0"})
        self.title = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True})
        self.note = wb.add_format({**base, "font_color": "#595959", "italic": True})
        self.total_text = wb.add_format({**base, "bold": True, "top": 1})
        self.total_money = wb.add_format({**base, "bold": True, "top": 1, "num_format": MONEY})
        self.total_int = wb.add_format({**base, "bold": True, "top": 1, "num_format": "0"})
        self.para = wb.add_format({"font_name": "仿宋", "font_size": 12, "text_wrap": True, "valign": "top"})
        self.bad = wb.add_format({**base, "font_color": "#C00000", "bold": True})
        self.good = wb.add_format({**base, "font_color": "#375623"})


def _put(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """Numbers as numbers, everything else as text (never a formula); for the small sheets."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        _text(ws, row, col, str(value), fmt)


def _text(ws, row: int, col: int, value: str, fmt=None) -> None:
    """Text as text. xlsxwriter writes a string that starts with ``<r>`` and ends with ``</r>``
    unescaped (as rich text), so such a string goes in as two plain runs."""
    if value.startswith("<r>") and value.endswith("</r>"):
        ws.write_rich_string(row, col, value[:1], value[1:], fmt)
    else:
        ws.write_string(row, col, value, fmt)


def _header(ws, f: _Formats, row: int, columns: list[tuple[str, float]]) -> None:
    for c, (title, width) in enumerate(columns):
        ws.write_string(row, c, title, f.head)
        ws.set_column(c, c, width)
    ws.set_row(row, 30)
    ws.repeat_rows(row)  # the header on every printed page


# ---------------------------------------------------------------------- 项目汇总

PROJECT_COLUMNS: list[tuple[str, float]] = [
    ("序号", 6), ("项目名称", 40), ("主管部门", 16), ("实施单位", 24), ("年度", 7), ("评价方式", 10),
    ("年初预算数（万元）", 12), ("全年预算数（万元）", 12), ("全年执行数（万元）", 12), ("执行率", 10),
    ("得分（计算）", 10), ("等级", 6), ("错误数", 7), ("提示数", 7), ("来源文件", 40), ("工作表", 14),
    ("评价方式依据", 12),
]


def _projects_sheet(wb, f: _Formats, result) -> Body:
    ws = wb.add_worksheet(SHEET_PROJECTS)
    _header(ws, f, 0, PROJECT_COLUMNS)
    last = len(result.projects)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(last, 1), len(PROJECT_COLUMNS) - 1)
    # totals below the filtered range
    tr = last + 2
    ws.write_string(tr, 1, f"合计（{last} 个项目）", f.total_text)
    for col, attr in ((6, "initial"), (7, "budget"), (8, "executed")):
        total = float(rounded(_dec_sum(getattr(p.row, attr) for p in result.projects)))
        if last:
            letter = chr(ord("A") + col)
            ws.write_formula(tr, col, f"=SUBTOTAL(109,{letter}2:{letter}{last + 1})", f.total_money, total)
        else:
            ws.write_number(tr, col, 0, f.total_money)
    ws.write_string(tr + 1, 1, "说明：得分为按规则重新计算的总分；涉及金额取年度资金总额的全年执行数。", f.note)

    def rows() -> Iterator[str]:
        t, i, m, pc, sc_ = style(f.text), style(f.int), style(f.money), style(f.pct), style(f.score)
        c = Cells()
        for n, p in enumerate(result.projects, start=1):
            row, sc = p.row, p.row.scores
            counts = p.counts()
            c.start(n + 1)
            c.number(0, n, i)
            c.text(1, row.project, t)
            c.text(2, row.department, t)
            c.text(3, row.unit, t)
            c.number(4, row.year, i)
            c.text(5, p.method, t)
            c.number(6, row.initial, m)
            c.number(7, row.budget, m)
            c.number(8, row.executed, m)
            c.number(9, sc["execution_rate"], pc)
            c.number(10, sc["total_score"], sc_)
            c.text(11, sc["grade"], t)
            c.number(12, counts["error"], i)
            c.number(13, counts["warning"], i)
            c.text(14, p.input.name, t)
            c.text(15, row.sheet, t)
            c.text(16, p.method_source, t)
            yield c.xml()

    return Body(ws.index, rows, last + 1, len(PROJECT_COLUMNS))


def _dec_sum(values):
    from decimal import Decimal

    from jixiao.processor.merge.report_text import to_decimal

    total = Decimal(0)
    for v in values:
        if v is not None:
            total += to_decimal(v)
    return total


# ---------------------------------------------------------------------- 分数段统计


def _bands_sheet(wb, f: _Formats, result) -> None:
    ws = wb.add_worksheet(SHEET_BANDS)
    table = result.bands
    ws.write_string(0, 0, "评价得分分数段统计（金额为全年执行数，万元）", f.title)
    groups = (DEPT_EVAL, UNIT_EVAL, TOTAL)
    for g, name in enumerate(groups):  # row by row (constant_memory): row 2, then the merge into row 3
        ws.merge_range(2, 1 + 2 * g, 2, 2 + 2 * g, name, f.head)
    ws.merge_range(2, 0, 3, 0, "分数段", f.head)
    for g in range(len(groups)):
        ws.write_string(3, 1 + 2 * g, "项目数（个）", f.head)
        ws.write_string(3, 2 + 2 * g, "涉及金额（万元）", f.head)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 6, 14)
    for b, band in enumerate(table.bands):
        r = 4 + b
        ws.write_string(r, 0, band.label, f.text)
        for g, name in enumerate(groups):
            cell = table.cells[name][b]
            ws.write_number(r, 1 + 2 * g, cell.count, f.int)
            ws.write_number(r, 2 + 2 * g, float(rounded(cell.amount)), f.money)
    tr = 4 + len(table.bands)
    ws.write_string(tr, 0, "合计", f.total_text)
    for g, name in enumerate(groups):
        ws.write_number(tr, 1 + 2 * g, table.totals[name].count, f.total_int)
        ws.write_number(tr, 2 + 2 * g, float(rounded(table.totals[name].amount)), f.total_money)
    ws.freeze_panes(4, 1)

    chart = wb.add_chart({"type": "column"})
    first, last = 4, 3 + len(table.bands)
    for g in range(len(METHODS)):
        col = 1 + 2 * g
        chart.add_series({
            "name": [SHEET_BANDS, 2, col],
            "categories": [SHEET_BANDS, first, 0, last, 0],
            "values": [SHEET_BANDS, first, col, last, col],
            "data_labels": {"value": True},
        })
    chart.set_title({"name": "评价得分分布（项目数）"})
    chart.set_x_axis({"name": "分数段"})
    chart.set_y_axis({"name": "项目数（个）", "min": 0, "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 340})
    ws.insert_chart(tr + 2, 0, chart)


# ---------------------------------------------------------------------- 报告文字


def _text_sheet(wb, f: _Formats, result) -> None:
    ws = wb.add_worksheet(SHEET_TEXT)
    ws.set_column(0, 0, 100)
    ws.write_string(0, 0, "（五）总体评价结论　1.评价得分情况（可直接复制到部门整体绩效评价报告）", f.title)
    _text(ws, 1, 0, result.paragraph, f.para)
    ws.set_row(1, 150)
    row = 3
    if result.department_sentences:
        ws.write_string(row, 0, "当年预算执行情况、结转结余率与预决算差异率（按部门整体自评表或部门数据重新计算）", f.title)
        for s in result.department_sentences:
            row += 1
            _text(ws, row, 0, s, f.para)
            ws.set_row(row, 36)
        row += 2
    ws.write_string(row, 0, "说明：项目数与金额来自“项目汇总”表；得分为按规则重新计算的总分；"
                            "涉及金额为年度资金总额的全年执行数。", f.note)


# ---------------------------------------------------------------------- 部门指标


def _department_sheet(wb, f: _Formats, result) -> None:
    ws = wb.add_worksheet(SHEET_DEPT)
    rep = result.department
    cols = [("指标", 16), ("填报值", 14), ("按部门数据计算", 16), ("公式", 30), ("结论", 10), ("单元格", 10)]
    _header(ws, f, 0, cols)
    for i, row in enumerate(rep.rows, start=1):
        fmt = f.pct if row.kind == "rate" else f.money
        ws.write_string(i, 0, row.name, f.text)
        _put(ws, i, 1, row.stated, fmt)
        _put(ws, i, 2, row.computed, fmt)
        ws.write_string(i, 3, row.formula, f.text)
        ws.write_string(i, 4, row.verdict, f.bad if row.verdict == "不一致" else f.text)
        _put(ws, i, 5, row.cell, f.text)
    r = len(rep.rows) + 2
    _text(ws, r, 0, f"部门数据文件：{rep.totals.file}", f.note)
    if rep.totals.name:
        _text(ws, r + 1, 0, f"部门名称：{rep.totals.name}", f.note)
    ws.freeze_panes(1, 1)


# ---------------------------------------------------------------------- 问题清单

FINDING_COLUMNS: list[tuple[str, float]] = [
    ("来源文件", 36), ("工作表", 14), ("单元格", 9), ("代码", 7), ("级别", 6), ("问题", 60), ("修改建议", 50),
]


def _findings_sheet(wb, f: _Formats, result) -> Body:
    ws = wb.add_worksheet(SHEET_FINDINGS)
    _header(ws, f, 0, FINDING_COLUMNS)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(result.findings), 1), len(FINDING_COLUMNS) - 1)

    def rows() -> Iterator[str]:
        t, bad = style(f.text), style(f.bad)
        c = Cells()
        for n, fd in enumerate(result.findings, start=2):
            c.start(n)
            c.text(0, fd.file or "", t)
            c.text(1, fd.sheet or "", t)
            c.text(2, fd.cell or "", t)
            c.text(3, fd.code, t)
            c.text(4, SEVERITY_CN.get(fd.severity, fd.severity), bad if fd.severity == "error" else t)
            c.text(5, fd.message, t)
            c.text(6, fd.fix, t)
            yield c.xml()

    return Body(ws.index, rows, len(result.findings) + 1, len(FINDING_COLUMNS))


# ---------------------------------------------------------------------- 文件清单

FILE_COLUMNS: list[tuple[str, float]] = [
    ("序号", 6), ("文件", 44), ("状态", 8), ("说明", 50), ("项目数", 7), ("工作表", 20), ("大小（字节）", 12),
    ("修改时间", 19), ("发件人", 24), ("收到时间", 20), ("SHA-256", 20),
]


def _files_sheet(wb, f: _Formats, result) -> Body:
    ws = wb.add_worksheet(SHEET_FILES)
    _header(ws, f, 0, FILE_COLUMNS)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(result.files), 1), len(FILE_COLUMNS) - 1)

    def rows() -> Iterator[str]:
        t, i, bad = style(f.text), style(f.int), style(f.bad)
        c = Cells()
        for n, item in enumerate(result.files, start=1):
            c.start(n + 1)
            c.number(0, n, i)
            c.text(1, item.name, t)
            c.text(2, item.status_cn, bad if item.status == "failed" else t)
            c.text(3, item.reason, t)
            c.number(4, len(item.kept_sheets), i)
            c.text(5, "、".join(item.kept_sheets), t)
            c.number(6, item.size, i)
            c.text(7, item.mtime_text, t)
            c.text(8, item.sender, t)
            c.text(9, item.received, t)
            c.text(10, item.sha256 or "", t)
            yield c.xml()

    return Body(ws.index, rows, len(result.files) + 1, len(FILE_COLUMNS))


# ---------------------------------------------------------------------- 报送情况

ROSTER_COLUMNS: list[tuple[str, float]] = [
    ("序号", 6), ("单位", 30), ("联系人", 10), ("邮箱", 28), ("状态", 16), ("匹配方式", 10),
    ("文件", 50), ("错误数", 8),
]


def _roster_sheet(wb, f: _Formats, report) -> None:
    """Every unit on the roster: 未提交 / 有错误 / 已提交, with the files matched to it."""
    ws = wb.add_worksheet(SHEET_ROSTER)
    _header(ws, f, 0, ROSTER_COLUMNS)
    order = {"missing": 0, "no_workbook": 1, "errors": 2, "ok": 3}
    units = sorted(report.units, key=lambda u: (order.get(u.status, 9), u.unit.row))
    for i, u in enumerate(units, start=1):
        _put(ws, i, 0, i, f.int)
        _put(ws, i, 1, u.unit.name, f.text)
        _put(ws, i, 2, u.unit.contact, f.text)
        _put(ws, i, 3, "、".join(u.unit.emails), f.text)
        ws.write_string(i, 4, u.label, f.good if u.status == "ok" else f.bad)
        _put(ws, i, 5, u.matched_by, f.text)
        _put(ws, i, 6, "、".join(fc.entry.saved_path for fc in u.files), f.text)
        _put(ws, i, 7, sum(len(fc.errors) + (1 if fc.unreadable else 0) for fc in u.files), f.int)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(units), 1), len(ROSTER_COLUMNS) - 1)

