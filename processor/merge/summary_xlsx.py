"""The summary workbook (汇总.xlsx), written with xlsxwriter.

Sheets: 项目汇总, 分数段统计 (with a native column chart), 报告文字, 部门整体 (one per
部门整体支出绩效自评表 merged, :mod:`jixiao.processor.merge.department_sheet`), 部门指标 (when the
department's totals file is given), the dashboard (单位排名, 金额与得分, 问题分类:
:mod:`jixiao.processor.merge.dashboard`), 问题清单, 文件清单, 报送情况 (with a roster).
Every sheet prints on A4 (:mod:`jixiao.processor.merge.summary_format`). Text that
comes from submissions is always written as text (the workbook is
:func:`~jixiao.processor.files.xlsx_out.output_workbook`): "=HYPERLINK(…)" in a project
name stays visible text, and a control or bidi character (U+202E) shows as ``\\u202e``. Document properties are fixed and rows are in a stable order, so the same
inputs (and summary date) give the same bytes. The file is written to a temporary file
beside the target and then renamed over it (``jixiao.processor.files.atomic``).

Speed and memory: the rows of the three long sheets (项目汇总, 问题清单, 文件清单) are not
written through xlsxwriter, which spends more time per cell than reading the form took,
but as sheet XML streamed into the finished package (:mod:`jixiao.processor.merge.summary_lists`,
:mod:`jixiao.processor.merge.sheet_xml`); xlsxwriter writes everything else.
"""

from __future__ import annotations

import io
import os
from datetime import datetime

from jixiao.processor.merge.collector import paused
from jixiao.processor.merge.report_text import DEPT_EVAL, METHODS, TOTAL, UNIT_EVAL, rounded
from jixiao.processor.merge.sheet_xml import splice
from jixiao.processor.merge.summary_format import (
    Formats,
    header,
    lines_needed,
    page_setup,
    put,
    row_height,
    text,
    title_row,
)
from jixiao.processor.merge.summary_lists import (
    SHEET_FILES,
    SHEET_FINDINGS,
    SHEET_PROJECTS,
    files_sheet,
    findings_sheet,
    projects_sheet,
)

FIXED_CREATED = datetime(2000, 1, 1, 0, 0, 0)
SHEET_BANDS = "分数段统计"
SHEET_TEXT = "报告文字"
SHEET_DEPT = "部门指标"
SHEET_ROSTER = "报送情况"
__all__ = ["SHEET_BANDS", "SHEET_DEPT", "SHEET_FILES", "SHEET_FINDINGS", "SHEET_PROJECTS", "SHEET_ROSTER",
           "SHEET_TEXT", "render", "write_summary"]


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
    with paused():  # (merge.collector: ~100,000 cells, all kept until the package is written)
        _workbook(result, target)


def _workbook(result, target) -> None:
    from jixiao.processor.files.xlsx_out import output_workbook
    from jixiao.processor.merge.dashboard import write_dashboard

    package = io.BytesIO()
    wb = output_workbook(package)
    wb.set_properties({
        "title": "项目支出绩效自评汇总",
        "subject": "部门整体绩效评价报告·评价得分情况",
        "author": "jixiao",
        "company": "",
        "comments": f"规则：{result.profile.name}",
        "created": FIXED_CREATED,
    })
    f = Formats(wb)
    bodies = [projects_sheet(wb, f, result)]
    _bands_sheet(wb, f, result)
    _text_sheet(wb, f, result)
    if getattr(result, "departments", None):  # 部门整体支出绩效自评表 forms among the inputs
        from jixiao.processor.merge.department_sheet import write_department_forms

        write_department_forms(wb, f, result)
    if result.department is not None:
        _department_sheet(wb, f, result)
    bodies += write_dashboard(wb, f, result)
    if getattr(result, "year_review", None) is not None:  # jixiao merge --archive
        from jixiao.processor.archive.sheet import write_year_sheet

        ws = write_year_sheet(wb, result.year_review)
        page_setup(ws, landscape=True, department=result.department_name, on=result.summary_date, print_cols=0)
    bodies.append(findings_sheet(wb, f, result))
    bodies.append(files_sheet(wb, f, result))
    if result.roster is not None:
        _roster_sheet(wb, f, result)
    for fmt in f.spliced():
        fmt._get_xf_index()
    wb.close()
    splice(package.getvalue(), bodies, target)


def _setup(ws, result, print_cols: int, last_row: int, landscape: bool = False) -> None:
    page_setup(ws, landscape=landscape, department=result.department_name, on=result.summary_date,
               print_cols=print_cols, last_row=last_row)


# ---------------------------------------------------------------------- 分数段统计


def _bands_sheet(wb, f: Formats, result) -> None:
    ws = wb.add_worksheet(SHEET_BANDS)
    table = result.bands
    title_row(ws, f, "评价得分分数段统计（金额为全年执行数，万元）", 8)
    groups = (DEPT_EVAL, UNIT_EVAL, TOTAL)
    for g, name in enumerate(groups[:2]):  # row by row: row 2, then the merge into row 3
        ws.merge_range(2, 1 + 2 * g, 2, 2 + 2 * g, name, f.head)
    ws.merge_range(2, 5, 2, 8, TOTAL, f.head)
    ws.merge_range(2, 0, 3, 0, "分数段", f.head)
    for g in range(len(groups)):
        ws.write_string(3, 1 + 2 * g, "项目数（个）", f.head)
        ws.write_string(3, 2 + 2 * g, "涉及金额（万元）", f.head)
    ws.write_string(3, 7, "其中有错误（个）", f.head)
    ws.write_string(3, 8, "其中需更正（个）", f.head)
    ws.set_row(3, 30)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 6, 11)
    ws.set_column(7, 8, 10)
    errors = [0] * len(table.bands)
    invalid = [0] * len(table.bands)
    for p in result.projects:
        if p.standing.status != "通过":
            errors[p.band] += 1
        if p.standing.invalid:
            invalid[p.band] += 1
    for b, band in enumerate(table.bands):
        r = 4 + b
        ws.write_string(r, 0, band.label, f.text)
        for g, name in enumerate(groups):
            cell = table.cells[name][b]
            ws.write_number(r, 1 + 2 * g, cell.count, f.int)
            ws.write_number(r, 2 + 2 * g, float(rounded(cell.amount)), f.money)
        ws.write_number(r, 7, errors[b], f.bad if errors[b] else f.int)
        ws.write_number(r, 8, invalid[b], f.bad if invalid[b] else f.int)
    tr = 4 + len(table.bands)
    ws.write_string(tr, 0, "合计", f.total_text)
    for g, name in enumerate(groups):
        ws.write_number(tr, 1 + 2 * g, table.totals[name].count, f.total_int)
        ws.write_number(tr, 2 + 2 * g, float(rounded(table.totals[name].amount)), f.total_money)
    ws.write_number(tr, 7, sum(errors), f.total_int)
    ws.write_number(tr, 8, sum(invalid), f.total_int)
    note = ("说明：分数段按计算总分归类（与公开报告的口径一致：超过100分的计入最高分数段；总分无法计算的计入最低分数段）。"
            "“其中有错误”为自评表有“错误”级问题的项目，“其中需更正”为分值合计不为100、总分超过100或总分无法计算的项目，"
            "其得分不是有效得分。") + (result.caveat or "")
    ws.merge_range(tr + 1, 0, tr + 1, 8, "", f.note)
    ws.write_string(tr + 1, 0, note, f.note)
    ws.set_row(tr + 1, row_height(lines_needed(note, 102)))
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
    chart.set_size({"width": 640, "height": 320})
    ws.insert_chart(tr + 3, 0, chart)
    _setup(ws, result, 9, tr + 19, landscape=True)


# ---------------------------------------------------------------------- 报告文字

PARA_WIDTH = 70  # the column's width; 12-pt 仿宋 takes some 1.2 units per half-width character


def _para_height(value: str) -> float:
    return round(lines_needed(value, PARA_WIDTH / 1.2) * 17 + 6, 1)


def _text_sheet(wb, f: Formats, result) -> None:
    ws = wb.add_worksheet(SHEET_TEXT)
    ws.set_column(0, 0, PARA_WIDTH)
    title_row(ws, f, "部门整体绩效评价报告·可直接复制的段落", 0)
    ws.write_string(1, 0, "（五）总体评价结论　1.评价得分情况", f.h2)
    text(ws, 2, 0, result.paragraph, f.para)
    ws.set_row(2, _para_height(result.paragraph))
    row = 3
    if result.caveat:
        text(ws, row, 0, result.caveat, f.para)
        ws.set_row(row, _para_height(result.caveat))
        row += 1
    row += 1
    if result.department_sentences:
        ws.write_string(row, 0, "当年预算执行情况、结转结余率与预决算差异率（按部门整体自评表或部门数据重新计算）", f.h2)
        for s in result.department_sentences:
            row += 1
            text(ws, row, 0, s, f.para)
            ws.set_row(row, _para_height(s))
        row += 2
    note = ("说明：项目数与金额来自“项目汇总”表，涉及金额为年度资金总额的全年执行数（万元，保留至0.01万元，"
            "末尾的0不写）；第一段按各表所填归类，与公开的报告口径一致；第二段说明其中有错误、需更正的项目。")
    ws.write_string(row, 0, note, f.note)
    ws.set_row(row, row_height(lines_needed(note, PARA_WIDTH)))
    _setup(ws, result, 1, row)


# ---------------------------------------------------------------------- 部门指标


def _department_sheet(wb, f: Formats, result) -> None:
    ws = wb.add_worksheet(SHEET_DEPT)
    rep = result.department
    cols = [("指标", 14), ("填报值", 12), ("按部门数据计算", 14), ("公式", 34), ("结论", 8), ("单元格", 8)]
    title_row(ws, f, "部门预算执行与结转结余指标", len(cols) - 1)
    header(ws, f, 1, cols)
    for i, row in enumerate(rep.rows, start=2):
        fmt = f.pct if row.kind == "rate" else f.money
        ws.write_string(i, 0, row.name, f.text)
        put(ws, i, 1, row.stated, fmt)
        put(ws, i, 2, row.computed, fmt)
        ws.write_string(i, 3, row.formula, f.wrap)
        ws.write_string(i, 4, row.verdict, f.bad if row.verdict == "不一致" else f.text)
        put(ws, i, 5, row.cell, f.text)
    r = len(rep.rows) + 3
    text(ws, r, 0, f"部门数据文件：{rep.totals.file}", f.note)
    if rep.totals.name:
        text(ws, r + 1, 0, f"部门名称：{rep.totals.name}", f.note)
    ws.freeze_panes(2, 1)
    _setup(ws, result, len(cols), r + 1, landscape=True)


# ---------------------------------------------------------------------- 报送情况

ROSTER_COLUMNS: list[tuple[str, float]] = [
    ("序号", 5), ("单位", 24), ("联系人", 8), ("邮箱", 24), ("状态", 12), ("匹配方式", 8),
    ("文件", 34), ("错误数", 6),
]


def _roster_sheet(wb, f: Formats, result) -> None:
    """Every unit on the roster: 未提交 / 有错误 / 已提交, with the files matched to it."""
    report = result.roster
    ws = wb.add_worksheet(SHEET_ROSTER)
    title_row(ws, f, "应报送单位报送情况", len(ROSTER_COLUMNS) - 1)
    header(ws, f, 1, ROSTER_COLUMNS)
    order = {"missing": 0, "no_workbook": 1, "errors": 2, "ok": 3}
    units = sorted(report.units, key=lambda u: (order.get(u.status, 9), u.unit.row))
    for i, u in enumerate(units, start=2):
        files = "、".join(fc.entry.saved_path for fc in u.files)
        put(ws, i, 0, i - 1, f.int)
        put(ws, i, 1, u.unit.name, f.wrap)
        put(ws, i, 2, u.unit.contact, f.text)
        put(ws, i, 3, "、".join(u.unit.emails), f.wrap)
        ws.write_string(i, 4, u.label, f.good if u.status == "ok" else f.bad)
        put(ws, i, 5, u.matched_by, f.text)
        put(ws, i, 6, files, f.wrap)
        put(ws, i, 7, sum(len(fc.errors) + (1 if fc.unreadable else 0) for fc in u.files), f.int)
        ws.set_row(i, row_height(max(lines_needed(u.unit.name, 24), lines_needed(files, 34))))
    ws.freeze_panes(2, 2)
    ws.autofilter(1, 0, max(len(units) + 1, 2), len(ROSTER_COLUMNS) - 1)
    _setup(ws, result, len(ROSTER_COLUMNS), len(units) + 1, landscape=True)

