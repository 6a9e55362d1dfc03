"""Department-level figures: 预算执行率, 结转结余率, 预决算差异率 recomputed from the department's money.

One calculation for both sources of the figures: the 部门整体支出绩效自评表 itself (its
年度资金总额 row, its 项目支出 row, its 年末结转结余 / 结转结余率 / 预决算差异率 cells and its
indicator rows of those names — :func:`totals_from_record`) and the side file ``merge --department``
reads (:mod:`jixiao.processor.merge.department`). :func:`evaluate` recomputes every rate and returns
the rows of the summary's 部门整体 sheet plus D40x findings on the cell of each stated figure that
does not follow — the seed's 结转结余 24.68 万元 against 794.51 − 775.77 = 18.74 is the model case.

Formulas *(configurable in the profile's ``department`` object)*:

- 预算执行率 = 执行数 ÷ 预算数;
- 结转结余 = 预算数 − 执行数; 结转结余率 = 结转结余 ÷ 预算数 (``carryover_base``:
  ``"budget"``, or ``"executed"`` for ÷ 执行数);
- 预决算差异率 = (预算数 − 决算数) ÷ 预算数 (``variance_base``: ``"budget"`` or
  ``"executed"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jixiao.processor.core.findings import Finding, make
from jixiao.processor.core.model import Field, Record
from jixiao.processor.core.values import fmt_num, fmt_pct, norm, parse_actual

SHEET = "部门数据"

# canonical key → its Chinese name (the side file's aliases: merge.department.FIELDS)
NAMES: dict[str, str] = {
    "name": "部门名称", "year": "年度", "total_projects": "部门项目总数", "budget": "预算数", "executed": "执行数",
    "project_budget": "项目支出预算数", "project_executed": "项目支出", "carryover": "结转结余",
    "carryover_rate": "结转结余率", "execution_rate": "预算执行率", "variance_rate": "预决算差异率",
    "dept_evaluated": "部门评价项目",
    # the split by use a 部门整体 form states (for the report's 当年预算执行情况 sentence)
    "basic_budget": "基本支出预算数", "basic_executed": "基本支出", "other_budget": "其他支出预算数",
    "other_executed": "其他支出",
}
# the cross-checks against the merged project forms (the rest is the department's own arithmetic)
PROJECT_CHECKS = frozenset({"D405", "D416"})


@dataclass
class Stated:
    """One value as the department file states it, with where it came from."""

    label: str
    raw: Any
    value: Any
    cell: str | None = None


@dataclass
class DepartmentTotals:
    file: str
    sheet: str | None = SHEET
    values: dict[str, Stated] = field(default_factory=dict)
    dept_evaluated: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # labels not recognised
    findings: list[Finding] = field(default_factory=list)  # D406 while reading

    def get(self, key: str) -> Any:
        s = self.values.get(key)
        return None if s is None else s.value

    @property
    def name(self) -> str | None:
        v = self.get("name")
        return str(v).strip() or None if v is not None else None

    @property
    def year(self) -> int | None:
        v = self.get("year")
        return int(v) if isinstance(v, float) and 1990 <= v <= 2100 else None

    @property
    def total_projects(self) -> int | None:
        v = self.get("total_projects")
        return int(v) if isinstance(v, float) and v >= 0 else None


@dataclass
class FigureRow:
    """One line of the 部门指标 sheet."""

    name: str
    stated: float | None
    computed: float | None
    formula: str
    kind: str  # "money" | "rate" | "count"
    verdict: str  # 一致 | 不一致 | 未填报 | 无法计算
    cell: str | None = None


@dataclass
class DepartmentReport:
    totals: DepartmentTotals
    rows: list[FigureRow]
    findings: list[Finding]

    def as_json(self) -> dict:
        return {
            "file": self.totals.file,
            "name": self.totals.name,
            "figures": [
                {"name": r.name, "stated": r.stated, "computed": r.computed, "formula": r.formula,
                 "verdict": r.verdict}
                for r in self.rows
            ],
            "findings": [f.as_json() for f in self.findings],
        }


def evaluate(totals: DepartmentTotals, profile, *, projects_executed: float | None = None,
             projects_budget: float | None = None) -> DepartmentReport:
    """Recompute the department figures; D401–D404 where a stated figure does not follow, and —
    given the merged project forms' 全年执行数 / 全年预算数 — D405 / D416 where the department's
    项目支出 is not their sum."""
    cfg = (profile.data.get("department") if profile is not None else None) or {}
    tol = profile.tol if profile is not None else {"money": 0.005, "rate": 0.0005}
    money_tol, rate_tol = float(tol["money"]), float(tol["rate"])
    file, sheet = totals.file, totals.sheet
    findings: list[Finding] = list(totals.findings)
    rows: list[FigureRow] = []

    def stated(key: str) -> tuple[float | None, str | None]:
        s = totals.values.get(key)
        return (None, None) if s is None else (s.value, s.cell)

    budget, budget_cell = stated("budget")
    executed, executed_cell = stated("executed")
    for key, value, cell in (("budget", budget, budget_cell), ("executed", executed, executed_cell)):
        rows.append(FigureRow(NAMES[key], value, None, "填报数", "money",
                              "已填报" if value is not None else "未填报", cell))

    # 预算执行率
    exec_rate = executed / budget if budget and executed is not None else None
    found, cell = stated("execution_rate")
    rows.append(_row("预算执行率", found, exec_rate, "执行数 ÷ 预算数", "rate", rate_tol, cell))
    if _differs(found, exec_rate, rate_tol):
        findings.append(make("D403", sheet=sheet, cell=cell, file=file, expected=fmt_pct(exec_rate),
                             found=fmt_pct(found)))

    # 结转结余 and its rate
    carry = budget - executed if budget is not None and executed is not None else None
    found, cell = stated("carryover")
    rows.append(_row("结转结余", found, carry, "预算数 − 执行数", "money", money_tol, cell))
    if _differs(found, carry, money_tol):
        findings.append(make("D401", sheet=sheet, cell=cell, file=file, found=fmt_num(found),
                             budget=fmt_num(budget), executed=fmt_num(executed), expected=fmt_num(carry)))
    base_key = cfg.get("carryover_base", "budget")
    base = executed if base_key == "executed" else budget
    base_name = "执行数" if base_key == "executed" else "预算数"
    numerator = carry if carry is not None else stated("carryover")[0]
    carry_rate = numerator / base if base and numerator is not None else None
    formula = f"结转结余 {fmt_num(numerator)} ÷ {base_name} {fmt_num(base)}" if carry_rate is not None \
        else f"结转结余 ÷ {base_name}"
    found, cell = stated("carryover_rate")
    rows.append(_row("结转结余率", found, carry_rate, f"结转结余 ÷ {base_name}", "rate", rate_tol, cell))
    if _differs(found, carry_rate, rate_tol):
        findings.append(make("D402", sheet=sheet, cell=cell, file=file, expected=fmt_pct(carry_rate),
                             formula=formula, found=fmt_pct(found)))

    # 预决算差异率
    vbase_key = cfg.get("variance_base", "budget")
    vbase = executed if vbase_key == "executed" else budget
    vname = "决算数" if vbase_key == "executed" else "预算数"
    variance = (budget - executed) / vbase if vbase and budget is not None and executed is not None else None
    found, cell = stated("variance_rate")
    vformula = f"（预算数 − 决算数）÷ {vname}"
    rows.append(_row("预决算差异率", found, variance, vformula, "rate", rate_tol, cell))
    if _differs(found, variance, rate_tol):
        findings.append(make("D404", sheet=sheet, cell=cell, file=file, expected=fmt_pct(variance),
                             formula=f"（{fmt_num(budget)} − {fmt_num(executed)}）÷ {fmt_num(vbase)}",
                             found=fmt_pct(found)))

    # 项目支出 vs the merged projects
    tol = max(money_tol, 0.01)
    for key, name, merged, formula, code in (
            ("project_budget", "项目支出预算数", projects_budget, "各项目全年预算数合计", "D416"),
            ("project_executed", "项目支出", projects_executed, "各项目全年执行数合计", "D405")):
        found, cell = stated(key)
        # the 执行数 row stands with either side known; the 预算数 row only as a comparison
        shown = (found is not None and merged is not None) if key == "project_budget" else (
            found is not None or merged is not None)
        if not shown:
            continue
        rows.append(_row(name, found, merged, formula, "money", tol, cell))
        if _differs(found, merged, tol):
            findings.append(make(code, sheet=sheet, cell=cell, file=file, found=fmt_num(found),
                                 expected=fmt_num(merged)))
    return DepartmentReport(totals, rows, findings)


def _differs(found: float | None, expected: float | None, tol: float) -> bool:
    return found is not None and expected is not None and abs(found - expected) > tol + 1e-12


def _row(name: str, found: float | None, computed: float | None, formula: str, kind: str,
         tol: float, cell: str | None) -> FigureRow:
    if computed is None:
        verdict = "无法计算" if found is not None else "未填报"
    elif found is None:
        verdict = "未填报"
    else:
        verdict = "不一致" if _differs(found, computed, tol) else "一致"
    return FigureRow(name, found, computed, formula, kind, verdict, cell)


# ------------------------------------------------------------------------- from the form


def plain(totals: DepartmentTotals) -> dict[str, tuple[str, Any, Any, str | None]]:
    """The stated figures as plain tuples (what a merge worker sends back)."""
    return {k: (s.label, s.raw, s.value, s.cell) for k, s in totals.values.items()}


def from_plain(values: dict[str, tuple[str, Any, Any, str | None]], *, file: str, sheet: str | None) -> DepartmentTotals:
    return DepartmentTotals(file=file, sheet=sheet, values={k: Stated(*v) for k, v in values.items()})


def totals_from_record(record: Record, profile, den: str = "budget") -> DepartmentTotals:
    """The figures a 部门整体支出绩效自评表 states, each with its cell: the 年度资金总额 row's
    全年预算数 / 全年执行数, the 项目支出 row, the labelled 年末结转结余 / 结转结余率 / 预决算差异率 and
    the 实际完成值 of indicator rows named 预算执行率 / 结转结余率 / 预决算差异率 (names: the profile's
    ``department.indicators``). ``den``: the budget column the form's 执行率 divides by (“budget”
    全年预算数, or “initial” 年初预算数 on a form that has only that one)."""
    out = DepartmentTotals(file=record.file, sheet=record.sheet)

    def put(key: str, f: Field, value: Any = None) -> None:
        value = f.value if value is None else value
        if value is not None and key not in out.values:
            out.values[key] = Stated(NAMES[key], f.raw, value, f.cell)

    if not record.unit.empty:
        put("name", record.unit, record.unit.text)
    if record.year is not None:
        out.values["year"] = Stated(NAMES["year"], record.year, float(record.year))
    total, project = record.funding_row("total"), record.funding_row("project")
    if total is not None:
        put("budget", getattr(total, den))
        put("executed", total.executed)
    if project is not None:
        put("project_budget", getattr(project, den))
        put("project_executed", project.executed)
    for kind, key in (("basic", "basic"), ("other_use", "other")):
        row = record.funding_row(kind)
        if row is not None:
            put(f"{key}_budget", getattr(row, den))
            put(f"{key}_executed", row.executed)
    for key, f in record.figures.items():
        put(key, f)
    names = ((profile.data.get("department") or {}).get("indicators") or {}) if profile is not None else {}
    for ind in record.indicators:
        name = norm(ind.level3.text)
        key = next((k for k, words in names.items() if any(norm(w) in name for w in words)), None)
        if key is None or ind.actual.empty:
            continue
        rate = _rate_of(ind.actual.raw)
        if rate is not None:
            put(key, ind.actual, rate)
    if total is not None:  # after an indicator row stating it (its D403 would be F103's twin: audit keeps F103)
        put("execution_rate", total.rate)
    return out


def _rate_of(raw: Any) -> float | None:
    """A rate written as an indicator's 实际完成值: “2.36%”, 0.0236 (a % cell), “2.36”."""
    a = parse_actual(raw)
    if not a.quantitative or a.unit not in ("%", "百分比", None):
        return None
    return a.value / 100 if a.unit or abs(a.value) > 1 else a.value
