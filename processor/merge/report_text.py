"""The "评价得分情况" paragraph of the 部门整体绩效评价报告, in the seed report's own words.

Pure functions of (评价方式, 得分, 涉及金额) triples: :func:`tally` counts projects and
money by score band, :func:`paragraph` writes the sentence ready to paste, e.g.::

    2025年，区信访办对2024年度部门项目支出实施了绩效评价，评价项目8个，占部门项目总数的
    100%，涉及金额54.93万元。其中，部门评价项目1个，涉及金额20.9万元，评价得分在
    90（含）-100分的1个、评价得分在80（含）-90分的0个、……

Ready to paste into a Word report: no space between a number and the Chinese around it
(the published PDF's spaces are its typesetting). Every amount is written the one way
:func:`money_text` writes it (to 0.01 万元, trailing zeros dropped, as the seed writes
"20.9"), so the paragraph, the error sentence and the department sentences agree.

The bands follow the profile's grades (优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60), so a
province whose grades differ gets its own bands. Money is summed as decimals and
rounded half up to 0.01 万元; trailing zeros are dropped as in the seed ("20.9").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

DEPT_EVAL = "部门评价"
UNIT_EVAL = "单位自评"
METHODS = (DEPT_EVAL, UNIT_EVAL)
TOTAL = "合计"

_CENT = Decimal("0.01")
_DIGIT_SPACE = re.compile(r"(?<=[0-9%])[ \u3000]+(?=[\u4e00-\u9fff（])|(?<=[\u4e00-\u9fff）])[ \u3000]+(?=[0-9])")


def paste_ready(text: str) -> str:
    """Text for a Word report: no space between a number and the Chinese around it
    (catalogue titles such as "权重合计不是 100" are written for the terminal)."""
    return _DIGIT_SPACE.sub("", text)


@dataclass(frozen=True)
class Band:
    """One score band: ``low`` ≤ score < ``high`` (``high`` None: no upper limit)."""

    low: float
    high: float | None
    full: float = 100.0  # the top band is written "90（含）-100 分"

    def contains(self, score: float) -> bool:
        if score < self.low - 1e-9:
            return False
        return self.high is None or score < self.high - 1e-9

    @property
    def label(self) -> str:
        """Short label for tables: "90（含）-100分", "60分以下"."""
        if self.low <= 0 and self.high is not None:
            return f"{_num(self.high)}分以下"
        return f"{_num(self.low)}（含）-{_num(self.high if self.high is not None else self.full)}分"

    @property
    def phrase(self) -> str:
        """As the report writes it: "评价得分在90（含）-100分的"."""
        if self.low <= 0 and self.high is not None:
            return f"评价得分在{_num(self.high)}分以下的"
        return f"评价得分在{self.label}的"


def bands_from_grades(grades: Sequence[dict], full: float = 100.0) -> list[Band]:
    """The profile's ``grades`` (ordered by ``min`` descending, last min 0) → bands, best first."""
    out: list[Band] = []
    previous: float | None = None
    for g in grades:
        low = float(g["min"])
        out.append(Band(low, previous, full))
        previous = low
    return out


def default_bands() -> list[Band]:
    return bands_from_grades([{"min": 90}, {"min": 80}, {"min": 60}, {"min": 0}])


def band_index(score: float | None, bands: Sequence[Band]) -> int:
    """Index of the band holding ``score``; a missing score counts in the lowest band."""
    if score is None:
        return len(bands) - 1
    for i, band in enumerate(bands):
        if band.contains(score):
            return i
    return len(bands) - 1


@dataclass
class Cell:
    count: int = 0
    amount: Decimal = Decimal(0)

    def add(self, amount: float | Decimal | None) -> None:
        self.count += 1
        if amount is not None:
            self.amount += amount if isinstance(amount, Decimal) else to_decimal(amount)


@dataclass
class BandTable:
    """Counts and money per (评价方式, band), plus totals per 评价方式 and overall."""

    bands: list[Band]
    cells: dict[str, list[Cell]] = field(default_factory=dict)  # method → one Cell per band
    totals: dict[str, Cell] = field(default_factory=dict)  # method (and 合计) → Cell

    def __post_init__(self) -> None:
        for key in (*METHODS, TOTAL):
            self.cells.setdefault(key, [Cell() for _ in self.bands])
            self.totals.setdefault(key, Cell())

    def as_json(self) -> dict:
        return {
            "bands": [b.label for b in self.bands],
            "groups": {
                key: {
                    "count": self.totals[key].count,
                    "amount": float(rounded(self.totals[key].amount)),
                    "by_band": [{"band": b.label, "count": c.count, "amount": float(rounded(c.amount))}
                                for b, c in zip(self.bands, self.cells[key])],
                }
                for key in (*METHODS, TOTAL)
            },
        }


def to_decimal(x: float) -> Decimal:
    """A float amount as the decimal it was typed as (20.9 → Decimal('20.9'))."""
    return Decimal(repr(float(x)))


def rounded(x: Decimal) -> Decimal:
    return x.quantize(_CENT, rounding=ROUND_HALF_UP)


def tally(items: Iterable[tuple[str, float | None, float | None]], bands: Sequence[Band]) -> BandTable:
    """``items``: (评价方式, 得分, 涉及金额 in 万元) per project."""
    table = BandTable(list(bands))
    for method, score, amount in items:
        key = method if method in METHODS else UNIT_EVAL
        i = band_index(score, table.bands)
        for group in (key, TOTAL):
            table.cells[group][i].add(amount)
            table.totals[group].add(amount)
    return table


def money_text(x: Decimal | float) -> str:
    """54.93 → "54.93", 20.90 → "20.9", 100.00 → "100"."""
    d = rounded(x if isinstance(x, Decimal) else to_decimal(x))
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def percent_text(part: int, whole: int) -> str:
    """8 of 8 → "100%", 7 of 8 → "87.5%"."""
    if whole <= 0:
        return "—"
    return f"{money_text(Decimal(part) * 100 / Decimal(whole))}%"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else money_text(x)


def _group_sentence(table: BandTable, method: str) -> str:
    total = table.totals[method]
    head = f"{method}项目{total.count}个"
    if total.count == 0:
        return head + "。"
    parts = [f"{band.phrase}{cell.count}个" for band, cell in zip(table.bands, table.cells[method])]
    return f"{head}，涉及金额{money_text(total.amount)}万元，{'、'.join(parts)}。"


def paragraph(table: BandTable, *, department: str | None = None, year: int | None = None,
              total_projects: int | None = None) -> str:
    """The "评价得分情况" paragraph. ``total_projects``: the department's number of
    projects (default: the number evaluated, i.e. 100%)."""
    n = table.totals[TOTAL].count
    whole = total_projects if total_projects is not None else n
    lead = ""
    if year is not None:
        lead = f"{year + 1}年，{department or '本部门'}对{year}年度部门项目支出实施了绩效评价，"
    elif department:
        lead = f"{department}对部门项目支出实施了绩效评价，"
    text = (f"{lead}评价项目{n}个，占部门项目总数的{percent_text(n, whole)}，"
            f"涉及金额{money_text(table.totals[TOTAL].amount)}万元。")
    if n == 0:
        return text
    return text + "其中，" + "".join(_group_sentence(table, m) for m in METHODS)


def error_sentence(counted: int, with_errors: int, invalid: int, full: float = 100.0) -> str:
    """What the paragraph's counts rest on: how many of the counted projects carry errors,
    and how many of their scores cannot stand (weights ≠ 100 or a total above it). Empty
    when none does. The paragraph itself keeps the forms' own figures (the published facts)."""
    if counted == 0 or with_errors == 0:
        return ""
    text = f"上述{counted}个评价项目中，{with_errors}个项目的自评表存在错误"
    if invalid:
        text += (f"，其中{invalid}个项目分值合计不为{_num(full)}或得分超过{_num(full)}，"
                 "其得分按表内分值计算、不是有效得分，所在分数段仅供参考，须由实施单位更正后方可作为评价结果")
    return text + "，明细见汇总表“项目汇总”和“问题清单”。"
