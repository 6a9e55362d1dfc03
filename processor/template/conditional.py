"""The template's conditional formats: the checks a spreadsheet formula can express.

So that a filler without the add-in (WPS, LibreOffice, Excel without jixiao) sees the
plain arithmetic mistakes as they type, the template colours a cell in the same colour
the engine's mark would have (:data:`jixiao.processor.core.marks.MARK_FILL`, by the
severity the rule profile gives the matching finding code):

====  ======================================================================  =======
code  what turns the cell red                                                  cells
====  ======================================================================  =======
T301  分值合计 is not the profile's total (100)                               G25
I203  a score above its weight, or below 0                                     H14:H24, I7
F103  a typed 执行率 that disagrees with the money (the formula never does)    H7:H10
I205  a score below its weight with no 偏差原因分析                             I14:I24
F101  年度资金总额 ≠ the sum of the 其中 rows                                  D7:F7
F106  全年执行数 above the budget                                              F7:F10
T304  a typed 总分 that is not the sum of the scores                           H25
====  ======================================================================  =======

The department template (:mod:`jixiao.processor.template.department_form`) adds F101 for the
split by use (基本支出 + 项目支出 + 其他支出), F113 (基本支出 = 人员经费 + 公用经费), D401
(年末结转结余 = 全年预算数 − 全年执行数) and D402 / D404 (a 结转结余率 or 预决算差异率 typed over
its formula that the money does not give).

Everything that needs reading text (targets, qualitative levels, units) stays with the
engine. The rules are pure functions of the layout and the profile; the tests render
filled copies in LibreOffice and find the colours on the cells named here.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.processor.core.findings import catalogue
from jixiao.processor.core.marks import MARK_FILL
from jixiao.processor.core.rules import Profile
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class Check:
    code: str  # the finding the engine reports for the same mistake
    cells: str  # the range coloured (its first cell is the formula's anchor)
    formula: str
    what: str  # the legend's words


def _num(x: float) -> str:
    return f"{float(x):.15g}"


def checks(profile: Profile, layout) -> list[Check]:
    """The conditional checks of the template ``layout`` under ``profile``."""
    fr, fc, ic = layout.funding_rows, layout.funding_cols, layout.indicator_cols
    t, first, last, total = fr["total"], layout.first_indicator_row, layout.last_indicator_row, layout.total_row
    bottom = max(fr.values())  # the last funding row (其他资金; 其他支出 on the department form)
    money, rate_tol = _num(profile.tol["money"]), _num(profile.tol["rate"])
    score_tol = _num(profile.tol["score"])
    den = fc["initial"] if profile["execution"]["denominator"] == "initial" else fc["budget"]
    w, s, dev = (f"{ic[k]}{first}" for k in ("weight", "score", "deviation"))
    d, e, r = f"{den}{t}", f"{fc['executed']}{t}", f"{fc['rate']}{t}"
    rounded = ",".join(f"ABS({r}*100-ROUND({e}/{d}*100,{k}))>0.000001" for k in (0, 1, 2))
    scores = f"{fc['score']}{t},{ic['score']}{layout.indicator_header_row}:{ic['score']}{last}"
    out = [
        Check("T301", f"{ic['weight']}{total}",  # once an indicator has a weight: a blank form stays white
              f"AND(ISNUMBER({ic['weight']}{total}),COUNT({ic['weight']}{first}:{ic['weight']}{last})>0,"
              f"ABS({ic['weight']}{total}-{_num(profile['weights']['total'])})>{score_tol})",
              f"分值合计不是 {_num(profile['weights']['total'])}"),
        Check("I203", f"{ic['score']}{first}:{ic['score']}{last}",
              f"AND(ISNUMBER({s}),OR({s}<0,AND(ISNUMBER({w}),{s}>{w}+{score_tol})))", "得分超过分值或小于 0"),
        Check("I203", f"{fc['score']}{t}",
              f"AND(ISNUMBER({fc['score']}{t}),ISNUMBER({fc['weight']}{t}),"
              f"OR({fc['score']}{t}<0,{fc['score']}{t}>{fc['weight']}{t}+{score_tol}))", "得分超过分值或小于 0"),
        Check("F103", f"{fc['rate']}{t}:{fc['rate']}{bottom}",
              f"AND(ISNUMBER({r}),ISNUMBER({d}),ISNUMBER({e}),{d}>0,ABS({r}-{e}/{d})>{rate_tol},{rounded})",
              "填写的执行率与金额不符"),
        Check("I205", f"{ic['deviation']}{first}:{ic['deviation']}{last}",
              f'AND(ISNUMBER({s}),ISNUMBER({w}),{s}<{w}-{score_tol},LEN(TRIM({dev}))=0)',
              "得分低于分值却未写偏差原因"),
        Check("F101", f"{fc['initial']}{t}:{fc['executed']}{t}",
              f"AND(ISNUMBER({fc['initial']}{t}),COUNT({fc['initial']}{fr['current']}:{fc['initial']}{fr['other']})>0,"
              f"ABS({fc['initial']}{t}-SUM({fc['initial']}{fr['current']}:{fc['initial']}{fr['other']}))>{money})",
              "年度资金总额不等于下面三行之和"),
        Check("F106", f"{fc['executed']}{t}:{fc['executed']}{bottom}",
              f"AND(ISNUMBER({e}),ISNUMBER({d}),{e}>{d}+{money})", "全年执行数超过预算数"),
    ]
    if "basic" in fr:  # the department form: the split by use, 基本支出's own 明细, 年末结转结余
        out += _department_checks(profile, layout, money, rate_tol)
    if not profile["execution"]["score_caps"]:  # with caps the total is the capped one: the engine checks it
        h = f"{ic['score']}{total}"
        out.append(Check("T304", h, f"AND(ISNUMBER({h}),ABS({h}-ROUND(SUM({scores}),2))>{score_tol})",
                         "填写的总分不是各项得分之和"))
    return out


def rate_base(profile: Profile, key: str, funding_cols: dict[str, str]) -> str:
    """The column a department rate divides by (``department.carryover_base`` / ``variance_base``):
    全年预算数, or 全年执行数 when the rule says so."""
    cfg = profile.data.get("department") or {}
    return funding_cols["executed" if cfg.get(key) == "executed" else "budget"]


def _department_checks(profile: Profile, layout, money: str, rate_tol: str) -> list[Check]:
    fr, fc = layout.funding_rows, layout.funding_cols
    t = fr["total"]
    out = []
    uses = ",".join(f"{{c}}{fr[k]}" for k in ("basic", "project", "other_use"))
    parts = [f"{c}{fr['personnel']}:{c}{fr['public']}" for c in (fc["initial"], fc["budget"], fc["executed"])]
    for c, part in zip((fc["initial"], fc["budget"], fc["executed"]), parts, strict=True):
        u = uses.format(c=c)
        out.append(Check("F101", f"{c}{t}", f"AND(ISNUMBER({c}{t}),COUNT({u})>0,ABS({c}{t}-SUM({u}))>{money})",
                         "年度资金总额不等于基本支出、项目支出、其他支出之和"))
        b = f"{c}{fr['basic']}"
        out.append(Check("F113", b, f"AND(ISNUMBER({b}),COUNT({part})>0,ABS({b}-SUM({part}))>{money})",
                         "基本支出不等于人员经费与公用经费之和"))
    carry = layout.names["JX_Carryover"].replace("$", "")
    b, e = f"{fc['budget']}{t}", f"{fc['executed']}{t}"
    out.append(Check("D401", carry, f"AND(ISNUMBER({carry}),ISNUMBER({b}),ISNUMBER({e}),ABS({carry}-({b}-{e}))>{money})",
                     "年末结转结余不等于全年预算数减全年执行数"))
    for code, name, key, what in (("D402", "JX_CarryoverRate", "carryover_base", "结转结余率"),
                                  ("D404", "JX_VarianceRate", "variance_base", "预决算差异率")):
        x, d = layout.names[name].replace("$", ""), f"{rate_base(profile, key, fc)}{t}"
        out.append(Check(code, x, f"AND(ISNUMBER({x}),ISNUMBER({b}),ISNUMBER({e}),{d}>0,ABS({x}-({b}-{e})/{d})>{rate_tol})",
                         f"改填的{what}与金额不符"))  # (the formula's own value never differs)
    return out


def colour_of(check: Check, profile: Profile) -> str | None:
    """RRGGBB of the mark the engine would put there; None when the profile turns it off."""
    severity = profile.severity_of(check.code, catalogue()[check.code]["severity"])
    return MARK_FILL.get(severity)


def add_conditional_formats(ws: Worksheet, profile: Profile, layout) -> list[Check]:
    """Add every check to ``ws``; returns those added (in order)."""
    added = []
    for check in checks(profile, layout):
        colour = colour_of(check, profile)
        if colour is None:
            continue
        fill = PatternFill(fill_type="solid", start_color="FF" + colour, end_color="FF" + colour)
        ws.conditional_formatting.add(check.cells, FormulaRule(formula=[check.formula], fill=fill, stopIfTrue=False))
        added.append(check)
    return added


def legend(profile: Profile, layout) -> str:
    """The template's words for what a coloured cell means."""
    from jixiao.processor.core.marks import MARK_CN

    found = [c for c in checks(profile, layout) if colour_of(c, profile)]
    by_colour: dict[str, list[str]] = {}
    for c in found:
        severity = profile.severity_of(c.code, catalogue()[c.code]["severity"])
        by_colour.setdefault(severity, [])
        if c.what not in by_colour[severity]:
            by_colour[severity].append(c.what)
    colour_cn = {"error": "红色", "warning": "黄色", "info": "蓝色"}
    parts = [f"{colour_cn[sev]}底纹为{MARK_CN[sev]}：" + "、".join(whats) for sev, whats in by_colour.items()]
    return "自动检查：" + "；".join(parts) + "（不装加载项，在 WPS、LibreOffice 中同样显示）。"


__all__ = ["Check", "add_conditional_formats", "checks", "colour_of", "legend"]
