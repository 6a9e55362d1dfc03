"""How each table was read, in plain Chinese (``jixiao check --explain``, ``Report.to_text(explain=True)``).

Prints the read map the reader left beside the record (``record.read``): the header rows of
both tables, which column is which field and which word of the vocabulary made it so, the
role of every row (funding, indicator, total, or ignored and why), where weights came from,
and what could not be identified — with the figures that are therefore not given.
"""

from __future__ import annotations

from jixiao.processor.core.grid import parse_addr
from jixiao.processor.core.model import (
    DEPARTMENT_FIGURES,
    READ_KEY_CN,
    BlockRead,
    ColumnRead,
    Record,
    Scores,
)
from jixiao.processor.core.values import fmt_num, fmt_pct
from jixiao.processor.core.visible import visible

FIELD_CN = {
    # funding table
    "initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数", "rate": "执行率",
    # indicator table
    "level1": "一级指标", "level2": "二级指标", "level3": "三级指标", "target": "年度指标值", "actual": "实际完成值",
    "deviation": "偏差原因分析", "unit": "计量单位", "direction": "指标性质/方向",
    # both
    "weight": "分值", "score": "得分",
}
FORM_CN = {"project": "项目支出绩效自评表", "department": "部门整体支出绩效自评表"}
FRAMEWORK_CN = {"self": "自评指标体系（产出、效益、满意度）", "evaluation": "项目评价指标体系（决策、过程、产出、效益）"}
FIGURES_CN = {"execution_rate": "执行率", "execution_score": "预算执行率得分", "indicator_score": "指标得分",
              "total_score": "总分", "weights_total": "权重合计", "grade": "等级"}


def plain(text: str, limit: int = 40) -> str:
    """Submission text as one printable line: line breaks as spaces, control characters shown
    escaped (never obeyed), cut at ``limit`` characters."""
    out = " ".join(str(text).split())
    out = out if len(out) <= limit else out[: limit - 1] + "…"
    return visible(out)


def _rows_text(rows: list[int]) -> str:
    """[13, 14, 15, 17] → “第 13–15、17 行”."""
    if not rows:
        return "无"
    runs: list[list[int]] = []
    for r in sorted(rows):
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    parts = [f"{run[0]}–{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs]
    return f"第 {'、'.join(parts)} 行"


def _why(col: ColumnRead) -> str:
    label = col.label.split(" / ")[-1]
    from jixiao.processor.core.values import label_key

    return f"即“{col.word}”" if label_key(label) == col.word else f"含“{col.word}”"


def _block(title: str, b: BlockRead) -> list[str]:
    first, last = b.header_rows
    rows = f"第 {first} 行" if first == last else f"第 {first}–{last} 行（两行表头）"
    out = [f"  {title}：表头在{rows}"]
    for col in sorted(b.columns.values(), key=lambda c: parse_addr(c.cell)[1]):
        out.append(f"    {col.cell:<6}“{plain(col.label)}” → {FIELD_CN.get(col.field, col.field)}（{_why(col)}）")
    if b.ignored:
        out.append("    不参与计算的列：" + "；".join(f"{c}“{plain(t)}”" for c, t in b.ignored))
    if b.unmatched:
        out.append("    未认出的表头：" + "；".join(f"{c}“{plain(t)}”" for c, t in b.unmatched))
    return out


def _figure_text(key: str, f) -> str:
    if f.value is None:
        return plain(f.text, 16) or "（空）"
    return fmt_pct(f.value) if key.endswith("_rate") else f"{fmt_num(f.value)} 万元"


def explain_lines(record: Record, scores: Scores) -> list[str]:
    rm = record.read
    lines = ["  【读表说明】", f"  表格：{FORM_CN.get(rm.form, rm.form)}；{FRAMEWORK_CN.get(rm.framework, rm.framework)}"
             + (f"；标题 {rm.title_cell}" if rm.title_cell else "")]
    if record.money_unit != "万元":
        lines.append(f"  金额单位：{record.money_unit}（已换算为万元计算）")
    ignored = [r for r in rm.rows if r.role == "ignored"]
    if rm.funding is not None and rm.indicators is not None and rm.funding.header_rows[0] < rm.indicators.header_rows[0]:
        # rows skipped in the funding table (a 其中 breakdown, an unnamed money row) are told there
        below = rm.indicators.header_rows[0]
        in_funding = [r for r in ignored if rm.funding.header_rows[1] < r.row < below]
    else:
        in_funding = [r for r in ignored if rm.indicators is None]
    if rm.funding is not None:
        lines += _block("项目资金表", rm.funding)
        funding = [r for r in rm.rows if r.role == "funding"]
        if funding:
            lines.append("    资金行：" + "；".join(f"第 {r.row} 行 {r.what}" for r in funding))
        for r in in_funding:
            lines.append(f"    跳过第 {r.row} 行：{plain(r.what, 60)}")
        if record.rate_denominator:
            lines.append(f"    执行率分母：{FIELD_CN[record.rate_denominator]}（按表头的字母）")
    else:
        lines.append("  项目资金表：未找到")
    if record.figures:  # a 部门整体 form's labelled figures
        lines.append("  部门数字：" + "；".join(
            f"{f.cell} {DEPARTMENT_FIGURES[k]} {_figure_text(k, f)}" for k, f in record.figures.items()))
    if rm.indicators is not None:
        lines += _block("绩效指标表", rm.indicators)
        inds = [r.row for r in rm.rows if r.role == "indicator"]
        lines.append(f"    指标行：{_rows_text(inds)}，共 {len(inds)} 行")
        for r in ignored:
            if r not in in_funding:
                lines.append(f"    跳过第 {r.row} 行：{plain(r.what, 60)}")
    else:
        lines.append("  绩效指标表：未找到")
    totals = [f"第 {r.row} 行“{plain(r.what, 12)}”" for r in rm.rows if r.role == "total"]
    if record.stated_total.raw is not None:
        totals.append(f"标题区 {record.stated_total.cell}（{plain(record.stated_total.text, 20)}）")
    lines.append("  总分：" + ("；".join(totals) if totals else "未找到"))
    if record.grade.raw is not None:
        lines.append(f"  等级：{record.grade.cell}（{plain(record.grade.text, 10)}）")
    sources = dict(rm.sources)
    if scores.execution_weight_source:
        sources["execution.weight"] = scores.execution_weight_source
    for key in ("indicator.weight", "execution.weight"):
        if key in sources:
            lines.append(f"  {READ_KEY_CN[key]}：{plain(sources[key], 80)}")
    for cell, what in rm.guesses:
        lines.append(f"  推定：{cell} {plain(what, 80)}")
    if scores.unknown:
        missing = "、".join(f"{READ_KEY_CN[k]}（{code}）" for k, code in scores.unknown.items())
        figures = "、".join(FIGURES_CN[k] for k, v in scores.as_json().items() if v is None and k != "execution_rate")
        lines.append(f"  未能识别：{missing}" + (f" → 不给出{figures}" if figures else ""))
    return lines
