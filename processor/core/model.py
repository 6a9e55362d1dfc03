"""Plain data types shared by every part of the engine.

A :class:`Record` is what the reader found on one worksheet: every value keeps the
cell it came from, so findings and the write plan can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    """One value read from the form: the raw cell content, its parsed form and its cell."""

    raw: Any = None
    value: Any = None  # parsed: float for numbers, str for text, None when empty
    cell: str | None = None

    @property
    def text(self) -> str:
        """The raw content as text ('' when empty)."""
        raw = self.raw
        if raw is None:
            return ""
        if isinstance(raw, str):
            return raw.strip()
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return str(raw).strip()

    @property
    def empty(self) -> bool:
        return self.value is None


EMPTY = Field()

# funding row kinds, in the order of the paper form
FUNDING_KINDS = ("total", "current", "carryover", "other")
FUNDING_LABELS = {
    "total": "年度资金总额",
    "current": "当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
}


@dataclass
class FundingRow:
    kind: str  # one of FUNDING_KINDS
    label: Field
    row: int  # 1-based worksheet row
    initial: Field = EMPTY  # 年初预算数
    budget: Field = EMPTY  # 全年预算数
    executed: Field = EMPTY  # 全年执行数
    weight: Field = EMPTY  # 分值
    rate: Field = EMPTY  # 执行率 as stated on the form (fraction)
    score: Field = EMPTY  # 得分 as stated on the form
    # cells of columns that exist in the table but were empty on this row
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class Indicator:
    row: int
    level1: Field
    level2: Field
    level3: Field
    target: Field = EMPTY  # 年度指标值
    actual: Field = EMPTY  # 实际完成值
    weight: Field = EMPTY  # 分值
    score: Field = EMPTY  # 得分
    deviation: Field = EMPTY  # 偏差原因分析及改进措施
    cells: dict[str, str] = field(default_factory=dict)  # column key -> cell on this row

    @property
    def name(self) -> str:
        return self.level3.text or self.level2.text or self.level1.text


@dataclass
class Level1Group:
    """A first-level indicator label, possibly carrying its weight: “产出指标(50分)”."""

    name: str
    cell: str | None
    stated_weight: float | None = None


@dataclass
class TotalRow:
    row: int
    label: Field
    weight: Field = EMPTY
    score: Field = EMPTY
    grade: Field = EMPTY
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class Record:
    """One 自评表 (one project) as read from one worksheet."""

    file: str
    sheet: str
    title: Field = EMPTY
    year: int | None = None
    project: Field = EMPTY  # 项目名称
    department: Field = EMPTY  # 主管部门
    unit: Field = EMPTY  # 实施单位
    method: Field = EMPTY  # 评价方式 (部门评价 / 单位自评) when the form says so
    funding: list[FundingRow] = field(default_factory=list)
    funding_columns: dict[str, str] = field(default_factory=dict)  # key -> header cell
    # which column the form's own 执行率 header divides by: "budget" or "initial"
    rate_denominator: str | None = None
    money_unit: str = "万元"  # the unit the form's money is written in ("元" tables are converted)
    goal_expected: Field = EMPTY
    goal_actual: Field = EMPTY
    indicators: list[Indicator] = field(default_factory=list)
    indicator_columns: dict[str, str] = field(default_factory=dict)
    level1_groups: list[Level1Group] = field(default_factory=list)
    total: TotalRow | None = None
    grade: Field = EMPTY  # a stated 等级 / 自评等级 outside the total row
    ignored_rows: list[int] = field(default_factory=list)  # placeholder rows skipped
    # problems met while reading: (code, cell, params) turned into findings by audit
    notes: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)

    def funding_row(self, kind: str) -> FundingRow | None:
        return next((f for f in self.funding if f.kind == kind), None)

    @property
    def is_blank(self) -> bool:
        """A recognised form with nothing filled in: no project name, no money, no
        indicator values (the template's pre-laid indicator names do not count)."""
        if not self.project.empty:
            return False
        if any(not (r.initial.empty and r.budget.empty and r.executed.empty) for r in self.funding):
            return False
        return all(i.target.empty and i.actual.empty for i in self.indicators)


@dataclass
class IndicatorScore:
    indicator: Indicator
    kind: str  # higher | lower | equal | qualitative | unknown
    computed: float | None  # computed score (None when it cannot be computed)
    score: float  # the score used in the total (computed, else a valid stated one, else 0)
    met: bool | None = None
    ratio: float | None = None  # actual / target for quantitative indicators
    level: str | None = None  # qualitative level name when one was recognised
    note: str | None = None


@dataclass
class FundingScore:
    row: FundingRow
    rate: float | None  # executed / denominator, a fraction


@dataclass
class Scores:
    execution_rate: float | None
    execution_weight: float
    execution_score: float
    indicator_score: float
    total_score: float
    weights_total: float
    grade: str
    uncapped_total: float | None = None  # total before a low-execution cap, if one applied
    funding: list[FundingScore] = field(default_factory=list)
    indicators: list[IndicatorScore] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "execution_rate": self.execution_rate,
            "execution_score": self.execution_score,
            "indicator_score": self.indicator_score,
            "total_score": self.total_score,
            "weights_total": self.weights_total,
            "grade": self.grade,
        }
