"""What the archive keeps of one checked form: plain data made from a ``SheetResult``.

:func:`form_entry` is a pure function of one form, its scores and findings and the rule
profile, so it can run wherever the form was checked (merge's worker processes included) and
be sent back as a small picklable object. Targets and actuals are parsed with the engine's own
parser (``core.values.parse_target`` through ``core.compute.target_of``), never a second one.

The same types come back when the archive is read (:mod:`.store`), then with ``id`` and the
file's name and hash filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.processor.core.audit import all_full_without_deviation
from jixiao.processor.core.compute import target_of
from jixiao.processor.core.engine import SheetResult
from jixiao.processor.core.findings import Finding
from jixiao.processor.core.model import FundingRow, Record
from jixiao.processor.core.rules import Profile
from jixiao.processor.core.values import parse_actual


@dataclass
class IndicatorEntry:
    position: int  # 0-based order on the form
    row: int | None
    level1: str
    level2: str
    level3: str
    target_text: str
    target_op: str | None  # ">=", "<=", "=" or None (qualitative / no number)
    target_value: float | None
    target_unit: str | None
    kind: str  # higher | lower | equal | qualitative | unknown (as scored)
    actual_text: str
    actual_value: float | None
    actual_unit: str | None
    weight: float | None
    score_stated: float | None
    score_computed: float | None
    score: float | None  # the score used in the total
    met: bool | None
    deviation: str
    target_cell: str | None = None
    actual_cell: str | None = None

    @property
    def name(self) -> str:
        return self.level3 or self.level2 or self.level1


@dataclass
class FundingEntry:
    kind: str  # total | current | carryover | other
    initial: float | None
    budget: float | None
    executed: float | None
    rate: float | None  # computed
    rate_stated: float | None
    score_stated: float | None


@dataclass
class FileInfo:
    sha256: str
    name: str  # as shown to the user (relative to the folder given)
    path: str  # the source as opened
    size: int | None = None
    modified: str = ""  # ISO time of the file
    sender: str = ""  # from the collect register, when known
    received: str = ""


@dataclass
class FormEntry:
    sheet: str
    form_index: int  # the n-th form on this sheet (reports sometimes stack several)
    year: int | None
    project: str
    unit: str
    department: str
    method: str  # 部门评价 | 单位自评 | "" (as merge decided, when known)
    money_unit: str
    initial: float | None  # 年度资金总额: 年初预算数, 全年预算数, 全年执行数 (万元)
    budget: float | None
    executed: float | None
    execution_rate: float | None
    execution_rate_stated: float | None
    execution_weight: float | None
    execution_score: float | None
    execution_score_stated: float | None
    indicator_score: float | None  # None: the reader could not read every 分值/得分 (R findings)
    total_score: float | None
    total_score_stated: float | None
    weights_total: float | None
    grade: str
    grade_stated: str
    goal_expected: str
    goal_actual: str
    project_cell: str | None
    budget_cell: str | None
    full_marks_no_deviation: bool  # every indicator at full marks and no 偏差原因 (as I208)
    error_count: int
    warning_count: int
    funding: list[FundingEntry] = field(default_factory=list)
    indicators: list[IndicatorEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # filled when read back from the archive
    id: int | None = None
    file_name: str = ""
    file_sha256: str = ""


@dataclass
class FileEntry:
    """One file to add: its identity and the forms kept from it."""

    info: FileInfo
    forms: list[FormEntry]
    findings: list[Finding] = field(default_factory=list)  # file-level (macros, skipped sheets)


def form_entry(sheet: SheetResult, profile: Profile, *, form_index: int = 0, method: str = "") -> FormEntry:
    """Everything the archive keeps of one checked form."""
    rec, sc = sheet.record, sheet.scores
    total = rec.funding_row("total")
    rates = {id(f.row): f.rate for f in sc.funding}
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in sheet.findings:
        counts[f.severity] += 1
    return FormEntry(
        sheet=sheet.sheet, form_index=form_index, year=rec.year,
        project=rec.project.text, unit=rec.unit.text, department=rec.department.text, method=method,
        money_unit=rec.money_unit,
        initial=_money(total, "initial"), budget=_money(total, "budget"), executed=_money(total, "executed"),
        execution_rate=sc.execution_rate, execution_rate_stated=total.rate.value if total else None,
        execution_weight=sc.execution_weight, execution_score=sc.execution_score,
        execution_score_stated=total.score.value if total else None,
        indicator_score=sc.indicator_score, total_score=sc.total_score,
        total_score_stated=rec.total.score.value if rec.total else None,
        weights_total=sc.weights_total, grade=sc.grade or "",  # "": no grade (the total is unknown)
        grade_stated=_stated_grade(rec),
        goal_expected=rec.goal_expected.text, goal_actual=rec.goal_actual.text,
        project_cell=rec.project.cell, budget_cell=total.budget.cell if total else None,
        full_marks_no_deviation=all_full_without_deviation(rec),
        error_count=counts["error"], warning_count=counts["warning"],
        funding=[FundingEntry(r.kind, _num(r.initial.value), _num(r.budget.value), _num(r.executed.value),
                              rates.get(id(r)), _num(r.rate.value), _num(r.score.value)) for r in rec.funding],
        indicators=_indicators(sheet, profile),
        findings=list(sheet.findings),
    )


def _indicators(sheet: SheetResult, profile: Profile) -> list[IndicatorEntry]:
    out = []
    for pos, s in enumerate(sheet.scores.indicators):
        ind = s.indicator
        target = target_of(ind, profile)
        actual = parse_actual(ind.actual.raw)
        out.append(IndicatorEntry(
            position=pos, row=ind.row, level1=ind.level1.text, level2=ind.level2.text, level3=ind.level3.text,
            target_text=ind.target.text, target_op=target.op, target_value=target.value, target_unit=target.unit,
            kind=s.kind, actual_text=ind.actual.text, actual_value=actual.value, actual_unit=actual.unit,
            weight=_num(ind.weight.value), score_stated=_num(ind.score.value), score_computed=s.computed,
            score=s.score, met=s.met, deviation=ind.deviation.text,
            target_cell=ind.target.cell or ind.cells.get("target"),
            actual_cell=ind.actual.cell or ind.cells.get("actual")))
    return out


def _num(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _money(row: FundingRow | None, attr: str) -> float | None:
    return None if row is None else _num(getattr(row, attr).value)


def _stated_grade(rec: Record) -> str:
    if rec.total is not None and rec.total.grade.text:
        return rec.total.grade.text
    return rec.grade.text
