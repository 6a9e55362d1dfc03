"""The blank 项目支出绩效自评表 template (``templates/自评表.xlsx``), built by code.

``build_template(path)`` writes the workbook; ``python -m jixiao.processor.template [path]``
regenerates the committed file. The output is deterministic (fixed document properties
and ZIP timestamps), and ``tests/test_template.py`` rebuilds it and compares the content,
so the committed file never drifts from this source.

Layout (one project, one sheet, columns A–I, the familiar paper form):

====  =====================================================================
row   content
====  =====================================================================
1     项目支出绩效自评表 (title, merged A:I)
2     （2024 年度）(input: the user edits the year)
3     项目名称 | value B:I
4     主管部门 | value B:D | 实施单位 (E) | value F:I
5     评价方式 | dropdown B:I (单位自评 / 部门评价)
6     项目资金（万元）(A6:A10) | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分
7–10  年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金
11–12 年度总体目标 (A11:A12) | 预期目标 B:E | 实际完成情况 F:I
13    绩效指标 (A13:A24) | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 |
      分值 | 得分 | 偏差原因分析及改进措施
14–24 indicator rows (pre-laid 一级/二级 labels, empty 三级, spare rows)
25    总分 (A:F) | 分值合计 (formula) | 总分 (formula)
26    自评等级 (A:G) | 等级 (formula, H:I)
27    说明 (legend, grade bands, what the conditional formats mean; outside the table)
====  =====================================================================

Computed cells carry Excel formulas (执行率, 预算执行率得分, 总分, 等级) so the form works
in Excel, WPS and LibreOffice without the add-in, and conditional formats
(:mod:`jixiao.processor.template.conditional`) colour the mistakes a formula can see;
everything that needs judgement of text (indicator scores) stays an input cell. See
``docs/模板说明.md``.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jixiao.processor.core.rules import Profile, load_profile
from jixiao.processor.template.conditional import add_conditional_formats, legend
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import ARC_CORE
from openpyxl.xml.functions import tostring

TEMPLATE_VERSION = "1.1.0"
"""Bumped whenever the layout, formulas or validations change."""

SHEET_NAME = "自评表"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "templates" / "自评表.xlsx"

# custom document properties (File → Properties → Custom in Excel / WPS / LibreOffice)
PROP_TEMPLATE = "jixiao_template"
PROP_VERSION = "jixiao_template_version"
PROP_PROFILE = "jixiao_rule_profile"
TEMPLATE_KIND = "项目支出绩效自评表"

FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)

DASH = "—"
YEAR_TEXT = "（2024 年度）"
EVAL_METHODS = ("单位自评", "部门评价")

# fonts: body 仿宋 (values) / 宋体 (labels), title 黑体 — present on every Chinese Windows and in WPS
FONT_TITLE = "黑体"
FONT_LABEL = "宋体"
FONT_BODY = "仿宋"

FILL_INPUT = "FFFFF7D6"  # light yellow: the filler types here
FILL_COMPUTED = "FFE4E4E4"  # light grey: formulas, do not type
FILL_LABEL = "FFFFFFFF"

# ---------------------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------------------

N_INDICATOR_ROWS = 11
MIN_SPARE_ROWS = 2

# preferred pre-laid second-level rows per first level (filtered by the profile's framework)
_PRELAID: dict[str, tuple[str, ...]] = {
    "产出指标": ("数量指标", "数量指标", "质量指标", "时效指标"),
    "成本指标": ("经济成本指标",),
    "效益指标": ("社会效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
}


@dataclass(frozen=True)
class TemplateLayout:
    """Where things are on the template sheet. Row numbers are 1-based.

    ``names`` maps every defined name (sheet-scoped, so copies of the sheet keep their
    own) to its absolute reference on the sheet. Defined names are a fast path for
    readers; the label reader stays the general path.
    """

    sheet: str
    last_col: str
    title_row: int
    year_row: int
    project_row: int  # the name row (项目名称; 部门（单位）名称 on the department form)
    dept_row: int | None  # 主管部门 / 实施单位 (None on the department form)
    method_row: int | None  # 评价方式 (None on the department form)
    funding_header_row: int
    funding_rows: Mapping[str, int]  # kind (model.FUNDING_KINDS) -> row
    funding_cols: Mapping[str, str]  # initial/budget/executed/weight/rate/score -> column
    goal_header_row: int
    goal_row: int
    indicator_header_row: int
    indicator_rows: tuple[int, ...]
    indicator_cols: Mapping[str, str]  # level1/level2/level3/target/actual/weight/score/deviation
    total_row: int
    grade_row: int
    note_row: int
    names: Mapping[str, str] = field(default_factory=dict)

    def cell(self, name: str) -> str:
        """A1 address (without ``$``) of a defined name, e.g. ``cell("JX_ExecScore") == "I7"``."""
        return self.names[name].replace("$", "")

    @property
    def first_indicator_row(self) -> int:
        return self.indicator_rows[0]

    @property
    def last_indicator_row(self) -> int:
        return self.indicator_rows[-1]

    @property
    def print_area(self) -> str:
        return f"A{self.title_row}:{self.last_col}{self.note_row}"


# the columns of both templates (the department form's too)
FUNDING_COLS = {"initial": "D", "budget": "E", "executed": "F", "weight": "G", "rate": "H", "score": "I"}
INDICATOR_COLS = {
    "level1": "B", "level2": "C", "level3": "D", "target": "E",
    "actual": "F", "weight": "G", "score": "H", "deviation": "I",
}  # fmt: skip


def total_row_names(t: int) -> dict[str, str]:
    """The defined names of the 年度资金总额 row ``t`` (both templates)."""
    keys = {"initial": "JX_TotalInitial", "budget": "JX_TotalBudget", "executed": "JX_TotalExecuted",
            "weight": "JX_ExecWeight", "rate": "JX_ExecRate", "score": "JX_ExecScore"}
    return {name: f"${FUNDING_COLS[k]}${t}" for k, name in keys.items()}


def _make_layout() -> TemplateLayout:
    funding_rows = {"total": 7, "current": 8, "carryover": 9, "other": 10}
    first = 14
    rows = tuple(range(first, first + N_INDICATOR_ROWS))
    total_row = rows[-1] + 1
    names = {
        "JX_Year": "$A$2",
        "JX_ProjectName": "$B$3",
        "JX_Department": "$B$4",
        "JX_Unit": "$F$4",
        "JX_EvalMethod": "$B$5",
        "JX_Funding": f"$A$6:$I${funding_rows['other']}",
        **total_row_names(funding_rows["total"]),
        "JX_GoalExpected": "$B$12",
        "JX_GoalActual": "$F$12",
        "JX_Indicators": f"$B$13:$I${rows[-1]}",
        "JX_WeightTotal": f"$G${total_row}",
        "JX_ScoreTotal": f"$H${total_row}",
        "JX_Grade": f"$H${total_row + 1}",
    }
    return TemplateLayout(
        sheet=SHEET_NAME,
        last_col="I",
        title_row=1,
        year_row=2,
        project_row=3,
        dept_row=4,
        method_row=5,
        funding_header_row=6,
        funding_rows=funding_rows,
        funding_cols=FUNDING_COLS,
        goal_header_row=11,
        goal_row=12,
        indicator_header_row=13,
        indicator_rows=rows,
        indicator_cols=INDICATOR_COLS,
        total_row=total_row,
        grade_row=total_row + 1,
        note_row=total_row + 2,
        names=names,
    )


LAYOUT = _make_layout()
"""The layout of the template; the same for every rule profile."""

FUNDING_ROW_LABELS = {
    "total": "年度资金总额",
    "current": "其中：当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
}
# broken where a reader of the paper form would break it (labels are matched without white space)
FUNDING_TITLE = "项目资金\n（万元）"
FUNDING_HEADERS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
INDICATOR_HEADERS = (
    "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施",
)  # fmt: skip
# column A holds 项目名称 / 主管部门 / 评价方式 on one line (tests/test_template_rendering.py)
COLUMN_WIDTHS = {"A": 10, "B": 10, "C": 15, "D": 16, "E": 12, "F": 13, "G": 7.5, "H": 10.5, "I": 18}

# ---------------------------------------------------------------------------------------
# formulas (pure: profile + layout -> formula text); also used by the tests
# ---------------------------------------------------------------------------------------


def _num(x: float) -> str:
    """A number as formula text: 1.0 -> '1', 0.8 -> '0.8'."""
    return f"{float(x):.15g}"


def rate_formula(row: int, profile: Profile, layout: TemplateLayout = LAYOUT) -> str:
    """执行率 of one funding row: blank when either number is blank or the denominator ≤ 0.

    Same rule as ``compute.funding_rate``; text in a money cell (blocked by the data
    validation) shows as #VALUE! rather than a silent blank.
    """
    cols = layout.funding_cols
    den = cols["initial"] if profile["execution"]["denominator"] == "initial" else cols["budget"]
    d, e = f"{den}{row}", f"{cols['executed']}{row}"
    return f'=IF(OR({d}="",{e}=""),"",IF({d}>0,{e}/{d},""))'


def execution_score_formula(profile: Profile, layout: TemplateLayout = LAYOUT) -> str:
    """预算执行率得分 = ROUND(MIN(执行率, cap) × 分值, 2); blank without a rate."""
    cols, row = layout.funding_cols, layout.funding_rows["total"]
    rate, weight = f"{cols['rate']}{row}", f"{cols['weight']}{row}"
    cap = _num(profile["execution"]["cap"])
    return f'=IF({rate}="","",ROUND(MIN({rate},{cap})*{weight},2))'


def _indicator_range(col: str, layout: TemplateLayout = LAYOUT) -> str:
    # from the header row (text, ignored by SUM/COUNT) so rows inserted at the top are counted
    return f"{col}{layout.indicator_header_row}:{col}{layout.last_indicator_row}"


def weight_total_formula(layout: TemplateLayout = LAYOUT) -> str:
    """分值合计 = 预算执行率分值 + Σ 指标分值."""
    c = layout.funding_cols
    exec_weight = f"{c['weight']}{layout.funding_rows['total']}"
    return f"=SUM({exec_weight},{_indicator_range(layout.indicator_cols['weight'], layout)})"


def _cap_expr(sum_expr: str, rate: str, caps: list[dict[str, Any]]) -> str:
    """Wrap the total in the profile's score caps tied to a low 执行率 (none by default)."""
    if not caps:
        return sum_expr
    belows = sorted({float(c["below"]) for c in caps})
    # rate in [belows[i-1], belows[i]) -> every cap whose 'below' > rate applies
    expr = sum_expr
    for b in reversed(belows):
        limit = min(float(c["max_total"]) for c in caps if float(c["below"]) >= b)
        expr = f"IF({rate}<{_num(b)},MIN({sum_expr},{_num(limit)}),{expr})"
    return f'IF({rate}="",{sum_expr},{expr})'


def total_score_formula(profile: Profile, layout: TemplateLayout = LAYOUT) -> str:
    """总分 = ROUND(预算执行率得分 + Σ 指标得分, 2), capped per profile; blank when nothing is scored."""
    c = layout.funding_cols
    t = layout.funding_rows["total"]
    exec_score, rate = f"{c['score']}{t}", f"{c['rate']}{t}"
    scores = _indicator_range(layout.indicator_cols["score"], layout)
    sum_expr = f"SUM({exec_score},{scores})"
    capped = _cap_expr(sum_expr, rate, list(profile["execution"]["score_caps"]))
    return f'=IF(COUNT({exec_score},{scores})=0,"",ROUND({capped},2))'


def grade_formula(profile: Profile, layout: TemplateLayout = LAYOUT) -> str:
    """自评等级 from 总分 and the profile's grades (highest first, last one min 0)."""
    total = f"{layout.indicator_cols['score']}{layout.total_row}"
    grades = profile["grades"]
    expr = f'"{grades[-1]["name"]}"'
    for g in reversed(grades[:-1]):
        expr = f'IF({total}>={_num(g["min"])},"{g["name"]}",{expr})'
    return f'=IF({total}="","",{expr})'


# ---------------------------------------------------------------------------------------
# styles
# ---------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="FF000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
_LEFT_TOP = Alignment(horizontal="left", vertical="top", wrap_text=True, indent=1)
_RIGHT = Alignment(horizontal="right", vertical="center", indent=1)
_UNLOCKED = Protection(locked=False)
_LOCKED = Protection(locked=True)

FMT_MONEY = "#,##0.00"
FMT_RATE = "0.00%"
FMT_SCORE = "0.00"


def _fill(color: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=color, end_color=color)


def _style(ws: Worksheet, ref: str, kind: str, number_format: str | None = None,
           align: Alignment | None = None, font: Font | None = None) -> None:
    """Style every cell of ``ref`` (a cell or a range) as label / header / input / computed."""
    if kind == "label":
        f, fill, prot, al = Font(name=FONT_LABEL, size=10.5), _fill(FILL_LABEL), _LOCKED, _CENTER
    elif kind == "header":
        f, fill, prot, al = Font(name=FONT_LABEL, size=10.5, bold=True), _fill(FILL_LABEL), _LOCKED, _CENTER
    elif kind == "input":
        f, fill, prot, al = Font(name=FONT_BODY, size=11), _fill(FILL_INPUT), _UNLOCKED, _LEFT
    elif kind == "computed":
        f, fill, prot, al = Font(name=FONT_BODY, size=11, bold=False), _fill(FILL_COMPUTED), _LOCKED, _RIGHT
    else:  # pragma: no cover - programming error
        raise ValueError(kind)
    cells = ws[ref]
    if not isinstance(cells, tuple):
        cells = ((cells,),)
    elif cells and not isinstance(cells[0], tuple):
        cells = (cells,)
    for row in cells:
        for cell in row:
            cell.font = font or f
            cell.fill = fill
            cell.protection = prot
            cell.alignment = align or al
            cell.border = _BORDER
            if number_format:
                cell.number_format = number_format


def _put(ws: Worksheet, ref: str, value: Any, kind: str, **kw: Any) -> None:
    """Write ``value`` into the top-left cell of ``ref``, merge ``ref`` when it is a range, style it."""
    top_left = ref.split(":")[0]
    ws[top_left] = value
    if ":" in ref:
        ws.merge_cells(ref)
    _style(ws, ref, kind, **kw)


# ---------------------------------------------------------------------------------------
# data validation
# ---------------------------------------------------------------------------------------


def _list_formula(items: list[str], what: str) -> str:
    for item in items:
        if "," in item or '"' in item:
            raise ValueError(f"{what}“{item}”含有逗号或引号，无法做成下拉列表")
    text = ",".join(items)
    if len(text) > 255:
        raise ValueError(f"{what}下拉列表过长（{len(text)} 字符，Excel 上限 255）")
    return f'"{text}"'


def _dv(ws: Worksheet, sqref: str, *, prompt: str, title: str, type: str | None = None,
        formula1: str | None = None, formula2: str | None = None, operator: str | None = None,
        error: str | None = None, error_style: str = "stop", show_error: bool = True) -> None:
    dv = DataValidation(
        type=type, formula1=formula1, formula2=formula2, operator=operator, allow_blank=True,
        showInputMessage=True, promptTitle=title, prompt=prompt,
        showErrorMessage=bool(type) and show_error, errorStyle=error_style if type else None,
        errorTitle=title if error else None, error=error,
    )  # fmt: skip
    assert len(title) <= 32 and len(prompt) <= 255 and (error is None or len(error) <= 225)
    for ref in sqref.split():
        dv.add(ref)
    ws.add_data_validation(dv)


def level2_names(profile: Profile) -> list[str]:
    """Every second-level name of the profile's framework, first occurrence order."""
    out: list[str] = []
    for names in profile["framework"]["level1"].values():
        for n in names:
            if n not in out:
                out.append(n)
    return out


def prelaid_rows(profile: Profile) -> list[tuple[str, str]]:
    """(一级, 二级) labels of the pre-laid indicator rows; the remaining rows stay empty."""
    rows: list[tuple[str, str]] = []
    for level1, allowed in profile["framework"]["level1"].items():
        wanted = [n for n in _PRELAID.get(level1, ()) if n in allowed] or list(allowed[:1])
        rows.extend((level1, n) for n in wanted)
    return rows[: N_INDICATOR_ROWS - MIN_SPARE_ROWS]


def _weights_hint(profile: Profile) -> str:
    parts = [f"{k} {_num(v)} 分" for k, v in profile["weights"]["level1"].items()]
    total = _num(profile["weights"]["total"])
    ew = _num(profile.execution_weight)
    return f"一级指标分值原则上为：{'，'.join(parts)}；与预算执行率 {ew} 分合计 {total} 分。"


# ---------------------------------------------------------------------------------------
# the sheet
# ---------------------------------------------------------------------------------------


def _build_sheet(ws: Worksheet, profile: Profile) -> None:
    L = LAYOUT
    title_block(ws, L, TEMPLATE_KIND)

    # header block
    _put(ws, f"A{L.project_row}", "项目名称", "label")
    _put(ws, f"B{L.project_row}:I{L.project_row}", None, "input")
    _put(ws, f"A{L.dept_row}", "主管部门", "label")
    _put(ws, f"B{L.dept_row}:D{L.dept_row}", None, "input")
    _put(ws, f"E{L.dept_row}", "实施单位", "label")
    _put(ws, f"F{L.dept_row}:I{L.dept_row}", None, "input")
    _put(ws, f"A{L.method_row}", "评价方式", "label")
    _put(ws, f"B{L.method_row}:I{L.method_row}", None, "input")  # blank: the department's list decides
    for r in (L.project_row, L.dept_row, L.method_row):
        ws.row_dimensions[r].height = 24

    funding_block(ws, profile, L, FUNDING_TITLE, FUNDING_ROW_LABELS)
    goals_block(ws, L)
    indicator_block(ws, profile, L)
    total_block(ws, profile, L)
    legend_row(ws, profile, L, "")
    _add_validations(ws, profile)
    add_conditional_formats(ws, profile, LAYOUT)
    _add_names(ws)
    _page_setup(ws)


def title_block(ws: Worksheet, L: TemplateLayout, title: str) -> None:
    """Column widths, the title and the （2024 年度） line."""
    ws.title = L.sheet
    for col, width in COLUMN_WIDTHS.items():
        ws.column_dimensions[col].width = width
    _put(ws, f"A{L.title_row}:I{L.title_row}", title, "label",
         font=Font(name=FONT_TITLE, size=18))  # fmt: skip
    title_cells = ws[f"A{L.title_row}:I{L.title_row}"][0]
    for c in title_cells:
        c.border = Border()
    _put(ws, f"A{L.year_row}:I{L.year_row}", YEAR_TEXT, "input", align=_CENTER,
         font=Font(name=FONT_BODY, size=12))  # fmt: skip
    for c in ws[f"A{L.year_row}:I{L.year_row}"][0]:
        c.border = Border()
    ws.row_dimensions[L.title_row].height = 36
    ws.row_dimensions[L.year_row].height = 22


def funding_block(ws: Worksheet, profile: Profile, L: TemplateLayout, title: str, labels: Mapping[str, str]) -> None:
    """The money table: header, one row per kind of ``L.funding_rows`` (its label from ``labels``)."""
    fr, fc = L.funding_rows, L.funding_cols
    h = L.funding_header_row
    _put(ws, f"A{h}:A{max(fr.values())}", title, "header")
    _put(ws, f"B{h}:C{h}", None, "header")
    for col, text in zip(fc.values(), FUNDING_HEADERS, strict=True):
        _put(ws, f"{col}{h}", text, "header")
    ws.row_dimensions[h].height = 24
    for kind, row in fr.items():
        _put(ws, f"B{row}:C{row}", labels[kind], "label",
             align=_CENTER if kind == "total" else Alignment(horizontal="left", vertical="center",
                                                             wrap_text=True, indent=1))  # fmt: skip
        for key in ("initial", "budget", "executed"):
            _put(ws, f"{fc[key]}{row}", None, "input", number_format=FMT_MONEY, align=_RIGHT)
        _put(ws, f"{fc['rate']}{row}", rate_formula(row, profile, L), "computed", number_format=FMT_RATE)
        if kind == "total":
            _put(ws, f"{fc['weight']}{row}", profile.execution_weight, "input",
                 number_format="General", align=_CENTER)  # fmt: skip
            _put(ws, f"{fc['score']}{row}", execution_score_formula(profile, L), "computed",
                 number_format=FMT_SCORE, align=_CENTER)  # fmt: skip
        else:
            _put(ws, f"{fc['weight']}{row}", DASH, "computed", align=_CENTER)
            _put(ws, f"{fc['score']}{row}", DASH, "computed", align=_CENTER)
        ws.row_dimensions[row].height = 22


def goals_block(ws: Worksheet, L: TemplateLayout) -> None:
    g0, g1 = L.goal_header_row, L.goal_row
    _put(ws, f"A{g0}:A{g1}", "年度总体目标", "header")
    _put(ws, f"B{g0}:E{g0}", "预期目标", "header")
    _put(ws, f"F{g0}:I{g0}", "实际完成情况", "header")
    _put(ws, f"B{g1}:E{g1}", None, "input", align=_LEFT_TOP)
    _put(ws, f"F{g1}:I{g1}", None, "input", align=_LEFT_TOP)
    ws.row_dimensions[g0].height = 22
    ws.row_dimensions[g1].height = 110


def indicator_block(ws: Worksheet, profile: Profile, L: TemplateLayout,
                    labels: list[tuple[str, str]] | None = None) -> None:
    """The indicator table; ``labels``: the (一级, 二级) pre-laid on its first rows."""
    ic = L.indicator_cols
    hr = L.indicator_header_row
    _put(ws, f"A{hr}:A{L.last_indicator_row}", "绩效指标", "header")
    for col, text in zip(ic.values(), INDICATOR_HEADERS, strict=True):
        _put(ws, f"{col}{hr}", text, "header")
    ws.row_dimensions[hr].height = 30
    labels = prelaid_rows(profile) if labels is None else labels
    for i, row in enumerate(L.indicator_rows):
        l1, l2 = labels[i] if i < len(labels) else (None, None)
        _put(ws, f"{ic['level1']}{row}", l1, "input", align=_CENTER)
        _put(ws, f"{ic['level2']}{row}", l2, "input", align=_CENTER)
        for key in ("level3", "target", "actual", "deviation"):
            _put(ws, f"{ic[key]}{row}", None, "input")
        for key in ("weight", "score"):
            _put(ws, f"{ic[key]}{row}", None, "input", number_format="General", align=_CENTER)
        ws.row_dimensions[row].height = 42


def total_block(ws: Worksheet, profile: Profile, L: TemplateLayout) -> None:
    """总分 and 自评等级."""
    ic = L.indicator_cols
    t = L.total_row
    _put(ws, f"A{t}:F{t}", "总分", "header")
    _put(ws, f"{ic['weight']}{t}", weight_total_formula(L), "computed", number_format="General",
         align=_CENTER)  # fmt: skip
    _put(ws, f"{ic['score']}{t}", total_score_formula(profile, L), "computed", number_format=FMT_SCORE,
         align=_CENTER)  # fmt: skip
    _put(ws, f"{ic['deviation']}{t}", None, "label")
    g = L.grade_row
    _put(ws, f"A{g}:G{g}", "自评等级", "header")
    # the grade spans H:I so nothing else stands right of the label (readers take the next value)
    _put(ws, f"{ic['score']}{g}:{ic['deviation']}{g}", grade_formula(profile, L), "computed",
         align=_CENTER, font=Font(name=FONT_BODY, size=11, bold=True))  # fmt: skip
    ws.row_dimensions[t].height = 24
    ws.row_dimensions[g].height = 24


def legend_row(ws: Worksheet, profile: Profile, L: TemplateLayout, extra: str) -> None:
    """The 说明 line under the table (no border): colours, units, grades, the automatic checks."""
    n = L.note_row
    ws[f"A{n}"] = (
        "说明：浅黄色单元格为填写项，灰色单元格由公式自动计算，请勿改写；金额单位为万元；"
        "指标行不够时，在两行指标之间插入整行（公式会自动包含新行）。"
        f"{extra}等级划分：{profile.grade_bands_text()}。{legend(profile, L)}"
    )
    ws.merge_cells(f"A{n}:I{n}")
    ws[f"A{n}"].font = Font(name=FONT_LABEL, size=9)
    ws[f"A{n}"].alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
    ws.row_dimensions[n].height = 42


def _add_validations(ws: Worksheet, profile: Profile) -> None:
    L = LAYOUT
    fr, fc = L.funding_rows, L.funding_cols

    _dv(ws, f"B{L.project_row}", title="项目名称", prompt="填写项目全称，与预算批复中的项目名称一致。")
    _dv(ws, f"B{L.dept_row}", title="主管部门", prompt="填写主管部门名称（或部门编码）。")
    _dv(ws, f"F{L.dept_row}", title="实施单位", prompt="填写负责实施项目的单位名称。")
    _dv(ws, f"B{L.method_row}", title="评价方式", type="list",
        formula1=_list_formula(list(EVAL_METHODS), "评价方式"),
        prompt="从下拉列表选择：单位自评，或部门评价。",
        error="请从下拉列表中选择“单位自评”或“部门评价”。")  # fmt: skip

    money = f"{fc['initial']}{fr['total']}:{fc['executed']}{fr['other']}"
    _dv(ws, money, title="金额（万元）", type="decimal", operator="greaterThanOrEqual", formula1="0",
        prompt="填写金额，单位万元，不小于 0（如 20.9）。没有该项资金填 0 或留空。"
               "年度资金总额应等于下面三行之和。",
        error="金额应为不小于 0 的数字（单位：万元），不要带“万元”等文字。")  # fmt: skip
    common_validations(ws, profile, L)


def common_validations(ws: Worksheet, profile: Profile, L: TemplateLayout) -> None:
    """The year, the execution weight, the goals and the indicator rows (both templates)."""
    fr, fc = L.funding_rows, L.funding_cols
    _dv(ws, f"A{L.year_row}", title="评价年度", prompt="把括号中的年份改为本次自评的年度，例如：（2024 年度）。")
    ew = _num(profile.execution_weight)
    _dv(ws, f"{fc['weight']}{fr['total']}", title="预算执行率分值", type="decimal", operator="between",
        formula1="0", formula2="100",
        prompt=f"预算执行率的分值，规则默认 {ew} 分。执行率和得分由公式自动计算。",
        error="分值应为 0–100 之间的数字。")  # fmt: skip
    _dv(ws, f"B{L.goal_row}", title="预期目标",
        prompt="填写年初设定的年度总体目标：做什么、做多少、达到什么效果。")
    _dv(ws, f"F{L.goal_row}", title="实际完成情况",
        prompt="对照预期目标逐项写明实际完成情况，尽量给出数字。")

    indicator_validations(ws, profile, L)


def indicator_validations(ws: Worksheet, profile: Profile, L: TemplateLayout) -> None:
    """Dropdowns and input messages of the indicator rows (both templates)."""
    ic = L.indicator_cols
    first, last = L.first_indicator_row, L.last_indicator_row
    level1 = list(profile["framework"]["level1"])
    _dv(ws, f"{ic['level1']}{first}:{ic['level1']}{last}", title="一级指标", type="list",
        formula1=_list_formula(level1, "一级指标"), error_style="warning",
        prompt="从下拉列表选择一级指标：" + "、".join(level1) + "。",
        error="该名称不在本规则的指标框架中。确定要保留吗？")  # fmt: skip
    level2 = level2_names(profile)
    _dv(ws, f"{ic['level2']}{first}:{ic['level2']}{last}", title="二级指标", type="list",
        formula1=_list_formula(level2, "二级指标"), error_style="warning",
        prompt="从下拉列表选择与一级指标对应的二级指标，如产出指标下的数量指标、质量指标、时效指标。",
        error="该名称不在本规则的指标框架中。确定要保留吗？")  # fmt: skip
    _dv(ws, f"{ic['level3']}{first}:{ic['level3']}{last}", title="三级指标",
        prompt="填写具体指标名称，如“培训人次”。不用的行保持空白即可。")
    _dv(ws, f"{ic['target']}{first}:{ic['target']}{last}", title="年度指标值",
        prompt="定量指标写符号、数字和单位，如 ≥50个、≤90万元、8小时内、≥90%；"
               "定性指标写预期效果的文字描述。")  # fmt: skip
    levels = [lvl["name"] for lvl in profile["qualitative"]["levels"]]
    _dv(ws, f"{ic['actual']}{first}:{ic['actual']}{last}", title="实际完成值", type="list",
        formula1=_list_formula(levels, "定性档次"), show_error=False,
        prompt="定量指标写实际数字和单位（如 52个、95%）；定性指标从下拉列表选择完成档次。")  # fmt: skip
    _dv(ws, f"{ic['weight']}{first}:{ic['weight']}{last}", title="指标分值", type="decimal",
        operator="between", formula1="0", formula2="100",
        prompt="填写本指标的分值（数字）。" + _weights_hint(profile),
        error="分值应为 0–100 之间的数字。")  # fmt: skip
    w, s = f"{ic['weight']}{first}", f"{ic['score']}{first}"
    _dv(ws, f"{ic['score']}{first}:{ic['score']}{last}", title="指标得分", type="custom",
        formula1=f'AND(ISNUMBER({s}),{s}>=0,OR({w}="",{s}<={w}))',
        prompt="填写本指标得分，不小于 0、不大于分值。定量指标可由“校验/计算”按钮或 jixiao fill 自动算出。",
        error="得分应为不小于 0、不大于本行分值的数字。")  # fmt: skip
    _dv(ws, f"{ic['deviation']}{first}:{ic['deviation']}{last}", title="偏差原因分析及改进措施",
        prompt="未完成目标或超额较多时，写明原因和下一步改进措施。")  # fmt: skip


def _add_names(ws: Worksheet, layout: TemplateLayout = LAYOUT) -> None:
    for name, ref in layout.names.items():
        ws.defined_names[name] = DefinedName(name, attr_text=f"'{ws.title}'!{ref}")


def _page_setup(ws: Worksheet, layout: TemplateLayout = LAYOUT) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_title_rows = f"{layout.title_row}:{layout.year_row}"
    ws.print_area = layout.print_area
    ws.freeze_panes = f"A{layout.project_row}"
    ws.sheet_view.zoomScale = 100


# ---------------------------------------------------------------------------------------
# workbook
# ---------------------------------------------------------------------------------------


def _resolve_profile(profile: Profile | str | None) -> Profile:
    if isinstance(profile, Profile):
        return profile
    return load_profile(profile)


def make_workbook(profile: Profile | str | None = None) -> Workbook:
    """The template as an in-memory openpyxl workbook (timestamps not yet fixed)."""
    prof = _resolve_profile(profile)
    wb = new_workbook(prof, TEMPLATE_KIND, "项目支出绩效自评表模板")
    _build_sheet(wb.active, prof)
    return wb


def new_workbook(prof: Profile, kind: str, subject: str) -> Workbook:
    """An empty workbook with the template's properties (kind, version, rules)."""
    wb = Workbook()
    wb.calculation.fullCalcOnLoad = True  # every application recalculates on open
    p = wb.properties
    p.title = kind
    p.subject = subject
    p.creator = "jixiao"
    p.lastModifiedBy = "jixiao"
    p.description = f"模板版本 {TEMPLATE_VERSION}；规则 {prof.id}（{prof.name}）"
    p.keywords = "绩效自评;jixiao"
    p.created = FIXED_TIME
    p.modified = FIXED_TIME
    wb.custom_doc_props.append(StringProperty(name=PROP_TEMPLATE, value=kind))
    wb.custom_doc_props.append(StringProperty(name=PROP_VERSION, value=TEMPLATE_VERSION))
    wb.custom_doc_props.append(StringProperty(name=PROP_PROFILE, value=prof.id))
    return wb


def _deterministic_bytes(wb: Workbook) -> bytes:
    """Save ``wb`` with fixed core-property times and fixed ZIP member timestamps."""
    raw = io.BytesIO()
    wb.save(raw)  # openpyxl stamps properties.modified with "now": undo it below
    wb.properties.modified = FIXED_TIME
    core = tostring(wb.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = core if info.filename == ARC_CORE else src.read(info.filename)
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, data)
    return out.getvalue()


def build_template(path: Path, profile: Profile | str | None = None, make=None) -> Path:
    """Write the blank 自评表 template to ``path`` (``.xlsx``) for ``profile`` (default rules);
    ``make`` builds another template's workbook (the department form's ``make_workbook``).

    Deterministic: building twice gives byte-identical files with the same openpyxl.
    Returns ``path``.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"模板只能保存为 .xlsx（不含宏）：{path}")
    from jixiao.processor.files.atomic import atomic_write_bytes

    data = _deterministic_bytes((make or make_workbook)(profile))
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)  # never half a file, never through a link planted there
    return path


def template_info(path: Path) -> dict[str, str]:
    """The template metadata stored in a workbook's custom properties ({} when absent)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=False)
    wanted = (PROP_TEMPLATE, PROP_VERSION, PROP_PROFILE)
    return {p.name: str(p.value) for p in wb.custom_doc_props if p.name in wanted}


def main(argv: list[str] | None = None) -> int:
    """``python -m jixiao.processor.template [输出路径] [规则]`` — regenerate the template."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else DEFAULT_PATH
    profile = args[1] if len(args) > 1 else None
    build_template(out, profile)
    print(f"已生成模板：{out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
