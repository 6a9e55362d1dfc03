"""The summary's 部门整体 sheet, one per 部门整体支出绩效自评表 merged: its scores, its money, its
figures as stated and as recomputed (with the cross-checks against the merged project forms) and
its findings. Text from the submission is written as text (``summary_format.text``), never a formula."""

from __future__ import annotations

from jixiao.processor.core.findings import SEVERITY_CN
from jixiao.processor.core.values import fmt_num
from jixiao.processor.merge.summary_format import (
    header,
    lines_needed,
    page_setup,
    put,
    row_height,
    text,
    title_row,
)

SHEET = "部门整体"
FIGURE_COLUMNS = [("指标", 18), ("填报值", 14), ("按表内资金或各项目计算", 18), ("公式", 30), ("结论", 10),
                  ("单元格", 10)]


def sheet_names(count: int) -> list[str]:
    """部门整体, or 部门整体1, 部门整体2 … when the merge holds several department forms."""
    return [SHEET] if count == 1 else [f"{SHEET}{i}" for i in range(1, count + 1)]


def write_department_forms(wb, f, result) -> None:
    for name, d in zip(sheet_names(len(result.departments)), result.departments, strict=True):
        ws = wb.add_worksheet(name)
        last = _sheet(ws, f, d)
        page_setup(ws, landscape=True, department=result.department_name, on=result.summary_date,
                   print_cols=len(FIGURE_COLUMNS), last_row=last)


def _sheet(ws, f, d) -> int:
    """The sheet's rows; returns the last row written (0-based)."""
    r, sc = d.row, d.row.scores
    title_row(ws, f, f"部门整体支出绩效自评表　{d.name or '（未填部门名称）'}", len(FIGURE_COLUMNS) - 1)
    facts = [
        ("部门（单位）名称", d.name or "（未填）"), ("年度", str(r.year) if r.year else "（未填）"), ("文件", d.input.name), ("工作表", r.sheet),
        ("全年预算数（万元）", r.budget), ("全年执行数（万元）", r.executed),
        ("预算执行率", sc["execution_rate"] if sc["execution_rate"] is not None else "无法计算"),
        ("预算执行率得分", sc["execution_score"]), ("指标得分", sc["indicator_score"]),
        ("总分", sc["total_score"] if sc["total_score"] is not None else "无法确定"), ("等级", sc["grade"] or "—"),
        ("核对的项目自评表", f"{len(d.projects)} 个"),
    ]
    for i, (label, value) in enumerate(facts, start=2):
        ws.write_string(i, 0, label, f.text)
        fmt = f.pct if label == "预算执行率" else f.money if "万元" in label else f.score
        put(ws, i, 1, value, fmt if isinstance(value, (int, float)) else f.text)
    row = len(facts) + 3
    header(ws, f, row, FIGURE_COLUMNS, repeat=False)  # the findings below are no rows of this table
    for x in d.report.rows:
        row += 1
        fmt = f.pct if x.kind == "rate" else f.money
        ws.write_string(row, 0, x.name, f.text)
        put(ws, row, 1, x.stated, fmt)
        put(ws, row, 2, x.computed, fmt)
        ws.write_string(row, 3, x.formula, f.indented)
        ws.write_string(row, 4, x.verdict, f.bad if x.verdict == "不一致" else f.text)
        put(ws, row, 5, x.cell, f.text)
    row += 2
    ws.write_string(row, 0, f"问题（{len(d.findings)} 条）", f.title)
    for fd in d.findings:
        row += 1
        ws.write_string(row, 0, f"{SEVERITY_CN.get(fd.severity, fd.severity)} {fd.code}", f.bad if fd.severity == "error" else f.text)
        put(ws, row, 1, fd.cell, f.text)
        ws.merge_range(row, 2, row, len(FIGURE_COLUMNS) - 1, "", f.wrap)
        text(ws, row, 2, fd.message, f.wrap)  # (text: submitted words never become markup or a formula)
        ws.set_row(row, row_height(lines_needed(fd.message, sum(w for _n, w in FIGURE_COLUMNS[2:]))))
    row += 2
    executed = sum(p.amount for p in d.projects if p.amount is not None)
    ws.merge_range(row, 0, row, len(FIGURE_COLUMNS) - 1, "", f.note)
    text(ws, row, 0, f"各项目自评表：{len(d.projects)} 个，全年执行数合计 {fmt_num(executed)} 万元；"
                      "结转结余率、预决算差异率按全年预算数与全年执行数重新计算（规则见 docs/部门整体自评表.md）。", f.note)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 2, 18)
    ws.set_column(3, 3, 34)
    return row
