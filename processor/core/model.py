"""Plain data types shared by every part of the engine.

A :class:`Record` is what the reader found on one worksheet: every value keeps the
cell it came from, so findings and the write plan can point at it. Beside it the reader leaves a
:class:`ReadMap`: how the table was read (header rows, which column is which field and
which label made it so, the role of every row) and which fields it could *not* identify.
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

    def __init__(self, raw: Any = None, value: Any = None, cell: str | None = None) -> None:
        # the dataclass's own __init__ for a frozen class sets each field through object.__setattr__,
        # twice the cost of writing the instance dict; the reader makes a hundred Fields per form
        d = self.__dict__
        d["raw"], d["value"], d["cell"] = raw, value, cell

    @classmethod
    def of_text(cls, raw: Any, cell: str | None) -> Field:
        """A non-empty cell whose stripped text is its value."""
        text = _text_of(raw)
        f = cls(raw, text, cell)
        f.__dict__["_text"] = text
        return f

    @property
    def text(self) -> str:
        """The raw content as text ('' when empty)."""
        d = self.__dict__  # (a frozen dataclass still has its __dict__)
        text = d.get("_text")  # read many times by the checks: made once
        if text is None:
            text = d["_text"] = _text_of(self.raw)
        return text

    @property
    def empty(self) -> bool:
        return self.value is None


def _text_of(raw: Any) -> str:
    """A cell's content as text: stripped, a whole float without its “.0”, '' for None."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


EMPTY = Field()

# funding row kinds, in the order of the paper form; 基本支出 / 项目支出 / 其他支出 split the total by
# use (部门整体支出绩效自评表), and 人员经费 / 公用经费 split 基本支出 again
FUNDING_KINDS = ("total", "current", "carryover", "other", "basic", "personnel", "public", "project", "other_use")
FUNDING_LABELS = {
    "total": "年度资金总额",
    "current": "当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
    "basic": "基本支出",
    "personnel": "人员经费",
    "public": "公用经费",
    "project": "项目支出",
    "other_use": "其他支出",
}
# rows that split the money by use: only a 部门整体支出 table has them
DEPARTMENT_KINDS = frozenset({"basic", "personnel", "public", "project", "other_use"})
# the figures a 部门整体支出绩效自评表 states under labels of their own (vocabulary department_form.figures)
DEPARTMENT_FIGURES = {"carryover": "年末结转结余", "carryover_rate": "结转结余率", "variance_rate": "预决算差异率"}

# ------------------------------------------------------------------ what the reader knows
# The fields a figure or a finding can be derived from. When the reader cannot identify one
# (no 分值 column, no 年度资金总额 row …) it is *unknown*: one R finding says so, and nothing
# derived from it is computed or reported (catalogue entries list what they read, ``reads``).
FUNDING_ROWS = "funding.rows"  # the 年度资金总额 row and its parts
FUNDING_MONEY = "funding.money"  # the budget (denominator) and 执行数 columns
FUNDING_PARTS = "funding.parts"  # every 其中 row of the total (a row of money without a known name: not)
EXECUTION_WEIGHT = "execution.weight"  # 预算执行率 分值
INDICATOR_ROWS = "indicator.rows"  # the indicator rows themselves
INDICATOR_WEIGHT = "indicator.weight"  # 分值 of each indicator
INDICATOR_WEIGHTS_TOTAL = "indicator.weights_total"  # Σ 分值 (known alone when a block label states it)
INDICATOR_SCORE = "indicator.score"  # 得分 stated on the indicator rows
READ_KEYS = (FUNDING_ROWS, FUNDING_MONEY, FUNDING_PARTS, EXECUTION_WEIGHT, INDICATOR_ROWS, INDICATOR_WEIGHT,
             INDICATOR_WEIGHTS_TOTAL, INDICATOR_SCORE)
READ_KEY_CN = {
    FUNDING_ROWS: "年度资金总额行", FUNDING_MONEY: "预算数、执行数列", FUNDING_PARTS: "资金分项行",
    EXECUTION_WEIGHT: "预算执行率分值",
    INDICATOR_ROWS: "绩效指标行", INDICATOR_WEIGHT: "各指标分值", INDICATOR_WEIGHTS_TOTAL: "指标分值合计",
    INDICATOR_SCORE: "指标得分",
}
# what each computed figure is derived from
TOTAL_READS = frozenset(READ_KEYS) - {FUNDING_PARTS}
WEIGHTS_READS = frozenset({EXECUTION_WEIGHT, INDICATOR_ROWS, INDICATOR_WEIGHTS_TOTAL})
# (whether the funding row or an indicator row scores 预算执行率 is known only once both are read)
EXECUTION_READS = frozenset({FUNDING_ROWS, FUNDING_MONEY, EXECUTION_WEIGHT, INDICATOR_ROWS})
INDICATOR_SCORE_READS = frozenset({INDICATOR_ROWS, INDICATOR_WEIGHT, INDICATOR_SCORE})


HEADLESS = "（表头空白）"  # what the read map says of a column whose header cell holds no words


@dataclass(frozen=True)
class ColumnRead:
    """One header column the reader identified: its field, the header text, the word that matched."""

    field: str
    cell: str  # the header cell (the lowest header row holding a label for this column)
    label: str  # the header text as written; two header rows joined by " / "
    word: str  # the vocabulary word that matched


@dataclass
class BlockRead:
    """A header the reader found: the funding table's or the indicator table's."""

    header_rows: tuple[int, int]  # first and last header row (two-row headers span two)
    columns: dict[str, ColumnRead] = field(default_factory=dict)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (cell, text) header cells not read
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (cell, text) known columns not used
    # header cells (among ``unmatched``) whose column holds figures on the data rows: it may be a
    # field the reader needs (a 分值 column under a word it does not know, or under no word at all)
    figures: list[str] = field(default_factory=list)
    # header cells (among ``unmatched``) of a column the sheet leaves empty from top to bottom: a
    # spacer of the layout, no field (a column with no header but used below is a field unnamed)
    spacers: list[str] = field(default_factory=list)

    @property
    def band(self) -> str:
        """The header as an A1 range: where a finding about the header points."""
        from jixiao.processor.core.grid import addr, parse_addr

        cells = [c.cell for c in self.columns.values()] + [c for c, _ in self.unmatched]
        cols = sorted(parse_addr(c)[1] for c in cells) or [1]
        return f"{addr(self.header_rows[0], cols[0])}:{addr(self.header_rows[1], cols[-1])}"


@dataclass(frozen=True)
class RowRead:
    row: int
    role: str  # funding | indicator | total | ignored
    what: str  # the funding kind or indicator name; for ignored rows the reason


@dataclass
class ReadMap:
    """How one table was read — for ``check --explain``, the JSON and the trust rules."""

    VERSION = 1
    form: str = "project"  # project | department (部门整体支出绩效自评表)
    framework: str = "self"  # self (产出/效益/满意度) | evaluation (决策/过程/产出/效益)
    title_cell: str | None = None
    funding: BlockRead | None = None
    indicators: BlockRead | None = None
    rows: list[RowRead] = field(default_factory=list)
    # how a field was obtained when not from a header column (e.g. weights from labels)
    sources: dict[str, str] = field(default_factory=dict)
    # readings the reader had to guess, (cell, what it assumed): a bare 1 under “%” read as 1 %
    # rather than a percent-formatted 100 % — said so that a reviewer can check
    guesses: list[tuple[str, str]] = field(default_factory=list)
    # fields the reader could not identify: key -> the R code that says so
    unknown: dict[str, str] = field(default_factory=dict)

    def knows(self, *keys: str) -> bool:
        return not any(k in self.unknown for k in keys)

    def mark_unknown(self, code: str, *keys: str) -> None:
        for k in keys:
            self.unknown.setdefault(k, code)

    def as_json(self) -> dict[str, Any]:
        def block(b: BlockRead | None) -> dict[str, Any] | None:
            if b is None:
                return None
            return {"header_rows": list(b.header_rows),
                    "columns": {k: {"cell": c.cell, "label": c.label, "matched": c.word} for k, c in b.columns.items()},
                    "unmatched": [{"cell": c, "label": t} for c, t in b.unmatched],
                    "ignored": [{"cell": c, "label": t} for c, t in b.ignored]}

        return {"version": self.VERSION, "form": self.form, "framework": self.framework,
                "funding": block(self.funding), "indicators": block(self.indicators),
                "rows": [{"row": r.row, "role": r.role, "what": r.what} for r in self.rows],
                "sources": dict(self.sources), "unknown": dict(self.unknown),
                "guesses": [{"cell": c, "what": w} for c, w in self.guesses]}


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
    # fields whose cell holds something the reader could not read as a number (R005 says so):
    # not blank, not known — nothing is derived from them
    unread: set[str] = field(default_factory=set)


@dataclass
class Indicator:
    row: int
    level1: Field
    level2: Field
    level3: Field
    target: Field = EMPTY  # 年度指标值
    actual: Field = EMPTY  # 实际完成值
    weight: Field = EMPTY  # 分值 (from the 分值 column, or from “（5分）” in its own label)
    score: Field = EMPTY  # 得分
    deviation: Field = EMPTY  # 偏差原因分析及改进措施
    cells: dict[str, str] = field(default_factory=dict)  # column key -> cell on this row
    execution: bool = False  # 预算执行率 scored as an indicator row (项目评价 frameworks, some templates)
    needs_target: bool = True  # False for 决策/过程 rows of a 项目评价 framework (年度指标值 “—” by design)
    group1: int = -1  # index into Record.level1_groups (-1: no first level)
    group2: int = -1  # index into Record.level2_groups
    level1_blank: str | None = None  # this row's own first-level cell when it was blank (value carried or none)
    # 分值 / 得分 whose cell holds something the reader could not read as a number (R005 says so):
    # the row's weight or score is not known, so neither is any sum it is part of
    unread: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.level3.text or self.level2.text or self.level1.text


@dataclass
class LevelGroup:
    """A first- or second-level label cell, possibly carrying its weight: “产出指标(50分)”.

    A group is one label *cell* (a merged range counts once): two cells both reading
    “（50分）” are two groups, never pooled.
    """

    name: str
    cell: str | None
    stated_weight: float | None = None
    level: int = 1


Level1Group = LevelGroup


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
    """One 自评表 as read from one worksheet: a project's, or — ``read.form == "department"`` — the
    部门整体支出绩效自评表, whose name (部门（单位）名称) is read into ``unit``."""

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
    execution_label: Field = EMPTY  # the funding block's label stating its weight: “预算执行情况（10分）”
    indicator_label: Field = EMPTY  # the indicator block's stated total: “绩效指标（90分）”
    goal_expected: Field = EMPTY
    goal_actual: Field = EMPTY
    indicators: list[Indicator] = field(default_factory=list)
    # 部门整体 form: 年末结转结余 / 结转结余率 / 预决算差异率 written under their own labels
    figures: dict[str, Field] = field(default_factory=dict)
    indicator_columns: dict[str, str] = field(default_factory=dict)
    level1_groups: list[LevelGroup] = field(default_factory=list)
    level2_groups: list[LevelGroup] = field(default_factory=list)
    total: TotalRow | None = None
    stated_total: Field = EMPTY  # a total written in the title area: “自评得分：98”, “总分 98”
    grade: Field = EMPTY  # a stated 等级 / 自评等级 outside the total row
    ignored_rows: list[int] = field(default_factory=list)  # placeholder rows skipped
    # problems met while reading: (code, cell, params) turned into findings by audit
    notes: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    read: ReadMap = field(default_factory=ReadMap)

    @property
    def name(self) -> str:
        """What the form is about, as people name it: the 项目名称, or for a 部门整体 form the
        department's name; '' when the form leaves it blank."""
        if self.read.form == "department":
            return f"{self.unit.text}（部门整体支出）" if self.unit.text else ""
        return self.project.text

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
        return all(i.target.empty and i.actual.empty and i.score.empty and i.weight.raw is None
                   for i in self.indicators)


@dataclass
class IndicatorScore:
    indicator: Indicator
    kind: str  # higher | lower | equal | qualitative | unknown
    computed: float | None  # computed score (None when it cannot be computed)
    score: float  # the score used in the total (computed, else a valid stated one, else 0)
    met: bool | None = None
    ratio: float | None = None  # actual / target for quantitative indicators
    level: str | None = None  # qualitative level name when one was recognised
    note: str | None = None  # "unit" (units cannot be compared), "deducted" (met, points taken off)
    exact: float | None = None  # the computed score before rounding (1.946 when computed is 1.95)
    target: Any = None  # the parsed 年度指标值 (values.Target), as scored
    cost: bool = False  # a 成本 indicator (first or second level)
    satisfaction: bool = False  # a 满意度 indicator


@dataclass
class FundingScore:
    row: FundingRow
    rate: float | None  # executed / denominator, a fraction


@dataclass
class Scores:
    """The computed figures. A figure is None when it cannot be known: it would be derived
    from a field the reader could not identify (``record.read.unknown``)."""

    execution_rate: float | None
    execution_weight: float | None
    execution_score: float | None
    indicator_score: float | None
    total_score: float | None
    weights_total: float | None
    grade: str | None
    uncapped_total: float | None = None  # total before a low-execution cap, if one applied
    funding: list[FundingScore] = field(default_factory=list)
    indicators: list[IndicatorScore] = field(default_factory=list)
    # fields not known: the reader's (record.read.unknown) plus what computing found (R018, R019)
    unknown: dict[str, str] = field(default_factory=dict)
    # how the execution weight was found (for check --explain): “资金表分值格 F6”, “规则默认” …
    execution_weight_source: str | None = None
    execution_row: int | None = None  # the indicator row that scores 预算执行率, when one does
    # what computing could not determine, as the reader's notes are: (code, cell, params)
    notes: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    # a 部门整体 form's department figures (core.department.DepartmentReport), recomputed from its money
    department: Any = None

    def as_json(self) -> dict[str, Any]:
        return {
            "execution_rate": self.execution_rate,
            "execution_score": self.execution_score,
            "indicator_score": self.indicator_score,
            "total_score": self.total_score,
            "weights_total": self.weights_total,
            "grade": self.grade,
            **({"department": {r.name: r.computed if r.computed is not None else r.stated for r in self.department.rows}}
               if self.department else {}),
        }
