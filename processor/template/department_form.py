"""The blank 部门整体支出绩效自评表 template (``templates/部门整体自评表.xlsx``), built by code.

The department's own form, next to the project template and built from the same blocks
(:mod:`jixiao.processor.template.project_form`: title, money table, goals, indicator table,
总分 and 自评等级, legend, page setup), scored by the department rules
(``rules/department.json`` composed onto the profile, :meth:`Profile.for_form`).

====  =====================================================================
row   content
====  =====================================================================
1     部门整体支出绩效自评表 (title, merged A:I)
2     （2024 年度）
3     部门（单位）名称 | value B:I
4     年度预算（万元）(A4:A13) | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分
5     年度资金总额 (分值 10, 执行率 and 得分 by formula)
6–8   by source: 其中：当年财政拨款 / 上年结转资金 / 其他资金
9–13  by use: 其中：基本支出 / 其中：人员经费 / 公用经费 / 项目支出 / 其他支出
14    年末结转结余（万元）| amount | 结转结余率 (formula) | 预决算差异率 (formula)
15–16 年度总体目标 | 预期目标 B:E | 实际完成情况 F:I
17    绩效指标 header; 18–28 indicator rows (产出 / 效益 / 满意度 pre-laid)
29    总分 | 分值合计 | 总分;  30 自评等级;  31 说明
====  =====================================================================

The two rates follow the department rules (:func:`jixiao.processor.core.department.evaluate`):
结转结余率 = (全年预算数 − 全年执行数) ÷ 全年预算数 (or ÷ 全年执行数, ``carryover_base``) and
预决算差异率 = (全年预算数 − 全年执行数) ÷ 全年预算数 (``variance_base``); the 年末结转结余 the
department states from its accounts is checked against 全年预算数 − 全年执行数 (D401).
"""

from __future__ import annotations

import sys
from pathlib import Path

from jixiao.processor.core.rules import Profile
from jixiao.processor.template.conditional import add_conditional_formats, rate_base
from jixiao.processor.template.project_form import (
    _RIGHT,
    FMT_MONEY,
    FMT_RATE,
    FUNDING_COLS,
    INDICATOR_COLS,
    MIN_SPARE_ROWS,
    N_INDICATOR_ROWS,
    TemplateLayout,
    _add_names,
    _dv,
    _page_setup,
    _put,
    _resolve_profile,
    build_template,
    common_validations,
    funding_block,
    goals_block,
    indicator_block,
    legend_row,
    new_workbook,
    prelaid_rows,
    title_block,
    total_block,
    total_row_names,
)
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

SHEET_NAME = "部门整体自评表"
TEMPLATE_KIND = "部门整体支出绩效自评表"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "templates" / "部门整体自评表.xlsx"
FORM = "department"  # the form type: the profile's rules for it are Profile.for_form(FORM)

FUNDING_TITLE = "年度预算\n（万元）"
FUNDING_ROW_LABELS = {
    "total": "年度资金总额",
    "current": "其中：当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
    "basic": "其中：基本支出",
    "personnel": "　其中：人员经费",
    "public": "　　　　公用经费",
    "project": "项目支出",
    "other_use": "其他支出",
}
FIGURE_ROW = 14
FIGURE_LABELS = {"carryover": "年末结转结余（万元）", "carryover_rate": "结转结余率", "variance_rate": "预决算差异率"}


def _make_layout() -> TemplateLayout:
    funding_rows = {kind: 5 + i for i, kind in enumerate(FUNDING_ROW_LABELS)}
    rows = tuple(range(18, 18 + N_INDICATOR_ROWS))
    total_row = rows[-1] + 1
    names = {
        "JX_Year": "$A$2",
        "JX_DepartmentName": "$B$3",
        "JX_Funding": f"$A$4:$I${funding_rows['other_use']}",
        **total_row_names(funding_rows["total"]),
        "JX_ProjectBudget": f"$E${funding_rows['project']}",
        "JX_ProjectExecuted": f"$F${funding_rows['project']}",
        "JX_Carryover": f"$D${FIGURE_ROW}",
        "JX_CarryoverRate": f"$F${FIGURE_ROW}",
        "JX_VarianceRate": f"$I${FIGURE_ROW}",
        "JX_GoalExpected": "$B$16",
        "JX_GoalActual": "$F$16",
        "JX_Indicators": f"$B$17:$I${rows[-1]}",
        "JX_WeightTotal": f"$G${total_row}",
        "JX_ScoreTotal": f"$H${total_row}",
        "JX_Grade": f"$H${total_row + 1}",
    }
    return TemplateLayout(
        sheet=SHEET_NAME, last_col="I", title_row=1, year_row=2, project_row=3, dept_row=None, method_row=None,
        funding_header_row=4, funding_rows=funding_rows, funding_cols=FUNDING_COLS,
        goal_header_row=15, goal_row=16, indicator_header_row=17, indicator_rows=rows,
        indicator_cols=INDICATOR_COLS, total_row=total_row, grade_row=total_row + 1, note_row=total_row + 2,
        names=names,
    )


LAYOUT = _make_layout()


# ---------------------------------------------------------------------------------------
# formulas (pure, also used by the tests)
# ---------------------------------------------------------------------------------------


def _base(profile: Profile, key: str) -> str:
    return rate_base(profile, key, LAYOUT.funding_cols)


def carryover_rate_formula(profile: Profile) -> str:
    """结转结余率 = (全年预算数 − 全年执行数) ÷ base — the carry-over the money gives, as the engine
    computes it (the stated 年末结转结余 is checked against that difference, not divided)."""
    t, fc = LAYOUT.funding_rows["total"], LAYOUT.funding_cols
    b, e, d = f"{fc['budget']}{t}", f"{fc['executed']}{t}", f"{_base(profile, 'carryover_base')}{t}"
    return f'=IF(OR({b}="",{e}=""),"",IF({d}>0,({b}-{e})/{d},""))'


def variance_rate_formula(profile: Profile) -> str:
    """预决算差异率 = (全年预算数 − 全年执行数) ÷ base."""
    t, fc = LAYOUT.funding_rows["total"], LAYOUT.funding_cols
    b, e, d = f"{fc['budget']}{t}", f"{fc['executed']}{t}", f"{_base(profile, 'variance_base')}{t}"
    return f'=IF(OR({b}="",{e}=""),"",IF({d}>0,({b}-{e})/{d},""))'


def department_prelaid_rows(profile: Profile) -> list[tuple[str, str]]:
    """The self-evaluation framework's rows (产出 / 效益 / 满意度, 成本): the 部门管理 framework's
    first levels stay in the dropdown for departments that use it."""
    keep = {*profile["weights"]["level1"], profile["framework"]["cost_level1"]}
    return [r for r in prelaid_rows(profile) if r[0] in keep][: N_INDICATOR_ROWS - MIN_SPARE_ROWS]


# ---------------------------------------------------------------------------------------
# the sheet
# ---------------------------------------------------------------------------------------


def _figures_row(ws: Worksheet, profile: Profile) -> None:
    r = FIGURE_ROW
    _put(ws, f"A{r}:C{r}", FIGURE_LABELS["carryover"], "label")
    _put(ws, f"D{r}", None, "input", number_format=FMT_MONEY, align=_RIGHT)  # as the money above it
    _put(ws, f"E{r}", FIGURE_LABELS["carryover_rate"], "label")
    _put(ws, f"F{r}", carryover_rate_formula(profile), "computed", number_format=FMT_RATE)
    _put(ws, f"G{r}:H{r}", FIGURE_LABELS["variance_rate"], "label")
    _put(ws, f"I{r}", variance_rate_formula(profile), "computed", number_format=FMT_RATE)
    ws.row_dimensions[r].height = 24


def _validations(ws: Worksheet, profile: Profile) -> None:
    L = LAYOUT
    fr, fc = L.funding_rows, L.funding_cols
    _dv(ws, f"B{L.project_row}", title="部门（单位）名称", prompt="填写部门（单位）全称，与部门预算批复一致。")
    money = f"{fc['initial']}{fr['total']}:{fc['executed']}{fr['other_use']}"
    _dv(ws, money, title="金额（万元）", type="decimal", operator="greaterThanOrEqual", formula1="0",
        prompt="填写金额，单位万元，不小于 0。年度资金总额应等于按来源分的三行之和，也等于按用途分的"
               "基本支出、项目支出、其他支出之和；基本支出等于人员经费与公用经费之和。",
        error="金额应为不小于 0 的数字（单位：万元），不要带“万元”等文字。")  # fmt: skip
    _dv(ws, f"D{FIGURE_ROW}", title="年末结转结余", type="decimal", operator="greaterThanOrEqual", formula1="0",
        prompt="按部门决算填写年末结转结余（万元）。应等于全年预算数减全年执行数；不等时请在说明中写明原因。",
        error="金额应为不小于 0 的数字（单位：万元）。")  # fmt: skip
    common_validations(ws, profile, L)


def _build_sheet(ws: Worksheet, profile: Profile) -> None:
    L = LAYOUT
    title_block(ws, L, TEMPLATE_KIND)
    _put(ws, f"A{L.project_row}", "部门（单位）名称", "label")
    _put(ws, f"B{L.project_row}:I{L.project_row}", None, "input")
    ws.row_dimensions[L.project_row].height = 36  # the label wraps: 部门（单位）/ 名称
    funding_block(ws, profile, L, FUNDING_TITLE, FUNDING_ROW_LABELS)
    _figures_row(ws, profile)
    goals_block(ws, L)
    indicator_block(ws, profile, L, department_prelaid_rows(profile))
    total_block(ws, profile, L)
    legend_row(ws, profile, L, "结转结余率、预决算差异率由全年预算数和全年执行数算出；")
    ws.row_dimensions[L.note_row].height = 66  # the department checks make the legend longer
    _validations(ws, profile)
    add_conditional_formats(ws, profile, L)
    _add_names(ws, L)
    _page_setup(ws, L)


def make_workbook(profile: Profile | str | None = None) -> Workbook:
    """The department template as an in-memory workbook, scored by the department rules."""
    prof = _resolve_profile(profile).for_form(FORM)
    wb = new_workbook(prof, TEMPLATE_KIND, "部门整体支出绩效自评表模板")
    _build_sheet(wb.active, prof)
    return wb


def build_department_template(path: Path, profile: Profile | str | None = None) -> Path:
    """Write the blank 部门整体支出绩效自评表 template to ``path`` (deterministic, like the project one)."""
    return build_template(path, profile, make_workbook)


def main(argv: list[str] | None = None) -> int:
    """``python -m jixiao.processor.template.department_form [输出路径] [规则]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else DEFAULT_PATH
    build_department_template(out, args[1] if len(args) > 1 else None)
    print(f"已生成模板：{out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
