"""The 部门整体支出绩效自评表 forms of a merge, checked against the merged project forms.

A department form is not a project: it stays out of 项目汇总 and of the score bands. Its own
findings (D401–D404, F-family arithmetic …) came from the worker like a project form's; here its
项目支出 row is set against the project forms of the same department — 全年执行数 against their
Σ 全年执行数 (D405), 全年预算数 against their Σ 全年预算数 (D416) — by the same
:func:`jixiao.processor.core.department.evaluate` that checks the form and the side file, under the
department rules (``Profile.for_form("department")``). The seed: 项目支出 55.05 / 54.93 against
the five project forms it prints (48.38 / 48.38 — the department evaluated 8 projects; the
fictional example 06 names another unit and is left out).

Which project forms are the department's: those whose 实施单位 or 主管部门 names it; when none
does and the merge holds one department form (a department's own folder, its projects naming
their sub-units), all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jixiao.processor.core.department import PROJECT_CHECKS, DepartmentReport, evaluate, from_plain
from jixiao.processor.core.findings import Finding
from jixiao.processor.core.rules import Profile
from jixiao.processor.core.values import norm
from jixiao.processor.merge.discover import InputFile
from jixiao.processor.merge.projection import SheetRow, to_finding


@dataclass
class DepartmentForm:
    """One merged 部门整体支出绩效自评表."""

    input: InputFile
    row: SheetRow
    report: DepartmentReport  # its figures, 项目支出 against the projects included
    projects: list[Any] = field(default_factory=list)  # the result.Project forms it was checked against
    findings: list[Finding] = field(default_factory=list)  # its own and the cross-checks

    @property
    def name(self) -> str:
        """部门（单位）名称."""
        return self.row.unit

    def as_json(self) -> dict[str, Any]:
        r = self.row
        return {"file": self.input.name, "sheet": r.sheet, "name": r.unit, "year": r.year,
                "budget": r.budget, "executed": r.executed, "scores": r.scores,
                "figures": [{"name": x.name, "stated": x.stated, "computed": x.computed, "formula": x.formula,
                             "verdict": x.verdict, "cell": x.cell} for x in self.report.rows],
                "projects": len(self.projects), "findings": [f.as_json() for f in self.findings]}


def department_forms(pairs: list[tuple[InputFile, SheetRow]], projects: list, profile: Profile) -> list[DepartmentForm]:
    """Each department form with its figures re-checked against its department's project forms."""
    rules = profile.for_form("department")
    out = []
    for (f, row), mine in zip(pairs, projects_of([row for _f, row in pairs], projects), strict=True):
        totals = from_plain(row.department_values or {}, file=f.name, sheet=row.sheet)
        executed = [p.amount for p in mine if p.amount is not None]
        budget = [p.row.budget for p in mine if p.row.budget is not None]
        report = evaluate(totals, rules, projects_executed=sum(executed) if executed else None,
                          projects_budget=sum(budget) if budget else None)
        own = [to_finding(x, f.name) for x in row.findings]
        cross = rules.apply_severity([x for x in report.findings if x.code in PROJECT_CHECKS])
        out.append(DepartmentForm(f, row, report, mine, own + cross))
    return out


def projects_of(rows: list[SheetRow], projects: list) -> list[list]:
    """For each department form, the project forms (in their order) whose 实施单位 or 主管部门
    names its department (normalised names); all of them when none does and it is the only form.

    The projects are indexed by name once: a merge of many departments' folders stays linear."""
    named: dict[str, list] = {}
    if rows:
        for p in projects:
            for name in {norm(p.row.unit), norm(p.row.department)} - {""}:
                named.setdefault(name, []).append(p)
    return [list(named.get(norm(row.unit), ())) or (list(projects) if len(rows) == 1 else []) for row in rows]
