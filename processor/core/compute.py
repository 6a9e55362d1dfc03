"""Scores of one record (domain.md §2), a pure function of the record and a profile.

Every figure is computed from the form's inputs, never copied from its stated
results; stated values stay on the record so the audit can compare the two.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from jixiao.processor.core.model import FundingScore, Indicator, IndicatorScore, Record, Scores
from jixiao.processor.core.rules import Profile
from jixiao.processor.core.values import (
    EQUAL,
    HIGHER,
    LOWER,
    Target,
    convert,
    norm,
    parse_actual,
    parse_target,
)


def excel_round(x: float, ndigits: int = 2) -> float:
    """Excel's ROUND: half away from zero on the 15-significant-digit value."""
    if not math.isfinite(x) or abs(x) >= 1e15:
        return x  # beyond Excel's 15 significant digits there is nothing to round
    d = Decimal(f"{x:.15g}")
    q = Decimal(1).scaleb(-ndigits)
    r = d.copy_abs().quantize(q, rounding=ROUND_HALF_UP)
    return float(r if d >= 0 else -r)


def differs(a: float, b: float, tol: float) -> bool:
    """More than ``tol`` apart (with a hair for float noise)."""
    return abs(a - b) > tol + 1e-9


def score_differs(stated: float, computed: float, tol: float) -> bool:
    """A stated score is right when it is the computed one, also rounded to one decimal."""
    return differs(stated, computed, tol) and differs(stated, excel_round(computed, 1), 1e-9)


def rate_differs(stated: float, computed: float, tol: float) -> bool:
    """A stated rate is right when it is the computed one rounded to whole, 0.1 or 0.01 percent."""
    return differs(stated, computed, tol) and all(
        differs(stated * 100, excel_round(computed * 100, d), 1e-6) for d in (0, 1, 2))


def execution_score(rate: float | None, weight: float, profile: Profile) -> float:
    """预算执行率得分 = min(执行率, cap) × 分值, rounded like Excel's ROUND(…, 2)."""
    if rate is None:
        return 0.0
    cap = float(profile["execution"]["cap"])
    return excel_round(max(0.0, min(rate, cap)) * weight, 2)


def denominator_key(record: Record, profile: Profile) -> str:
    """Which column 执行率 divides by: the form's own header wins over the profile."""
    if record.rate_denominator:
        return record.rate_denominator
    wanted = profile["execution"]["denominator"]
    cols = record.funding_columns
    if cols and wanted not in cols:  # the table has only the other budget column
        other = "initial" if wanted == "budget" else "budget"
        if other in cols:
            return other
    return wanted


def funding_rate(row, den_key: str) -> float | None:
    den = row.budget.value if den_key == "budget" else row.initial.value
    num = row.executed.value
    if num is None or den is None or den <= 0:
        return None
    return num / den


def is_cost(ind: Indicator, profile: Profile) -> bool:
    return _category(ind.level1.text, ind.level2.text, profile)[0]


def is_satisfaction(ind: Indicator, profile: Profile) -> bool:
    return _category(ind.level1.text, ind.level2.text, profile)[1]


@lru_cache(maxsize=4096)
def _category(level1: str, level2: str, profile: Profile) -> tuple[bool, bool]:
    """(cost, satisfaction) for a pair of category labels."""
    fw = profile["framework"]
    l1, l2 = norm(level1), norm(level2)
    return (l1.startswith(norm(fw["cost_level1"])) or "成本" in l2,
            l1.startswith(norm(fw["satisfaction_level1"])) or "满意" in l2)


def qualitative_level(text: str, profile: Profile) -> dict | None:
    """The qualitative level the filler chose, read from the 实际完成值 text."""
    t = norm(text)
    if not t:
        return None
    for name, lvl in _level_names(profile):
        if name in t:
            return lvl
    return None


@lru_cache(maxsize=16)
def _level_names(profile: Profile) -> list[tuple[str, dict]]:
    """Level names and aliases, longest first (“部分达成…” before “达成…”)."""
    names = [(norm(n), lvl) for lvl in profile["qualitative"]["levels"] for n in [lvl["name"], *lvl.get("aliases", [])]]
    return sorted([x for x in names if x[0]], key=lambda x: len(x[0]), reverse=True)


def target_of(ind: Indicator, profile: Profile) -> Target:
    return parse_target(ind.target.raw, lower_is_better=is_cost(ind, profile))


def score_indicator(ind: Indicator, profile: Profile) -> IndicatorScore:
    weight = ind.weight.value
    stated = ind.score.value
    target = target_of(ind, profile)
    actual = parse_actual(ind.actual.raw)
    usable_stated = stated if (stated is not None and weight is not None and 0 <= stated <= weight) else None
    level = qualitative_level(ind.actual.text, profile) if not actual.quantitative else None

    if target.quantitative and actual.quantitative and weight is not None:
        a = _actual_in_target_unit(actual, target)
        if a is None:
            return IndicatorScore(ind, "unknown", None, usable_stated or 0.0, note="unit")
        t = target.value
        kind, met, raw_score, ratio = _quantitative(target.op or HIGHER, t, a, weight, profile)
        computed = min(weight, max(0.0, excel_round(raw_score, 2)))
        return IndicatorScore(ind, kind, computed, computed, met=met, ratio=ratio)
    if level is not None:
        return IndicatorScore(ind, "qualitative", None, usable_stated or 0.0, level=level["name"])
    kind = "unknown" if target.quantitative else "qualitative"
    return IndicatorScore(ind, kind, None, usable_stated or 0.0)


def _actual_in_target_unit(actual: Target, target: Target) -> float | None:
    a = actual.value
    if actual.unit is None and target.unit in ("%", "百分比") and abs(a) <= 1.5 < abs(target.value):
        return a * 100  # a percent-formatted cell holds 0.95 for 95%
    return convert(a, actual.unit, target.unit)


def _quantitative(op: str, t: float, a: float, weight: float, profile: Profile):
    eps = float(profile.tol["equal"])
    ratio = a / t if t else None
    if op == HIGHER:
        met = a >= t - eps * max(1.0, abs(t))
        score = weight if met or t <= 0 else weight * max(a, 0.0) / t
        return "higher", met, score, ratio
    if op == LOWER:
        met = a <= t + eps * max(1.0, abs(t))
        score = weight if met else (weight * t / a if a > 0 and t > 0 else 0.0)
        return "lower", met, score, ratio
    assert op == EQUAL
    met = abs(a - t) <= eps * max(1.0, abs(t))
    if met:
        score = weight
    elif a > 0 and t > 0:
        score = weight * min(a, t) / max(a, t)
    else:
        score = 0.0
    return "equal", met, score, ratio


def compute(record: Record, profile: Profile) -> Scores:
    den_key = denominator_key(record, profile)
    funding = [FundingScore(row, funding_rate(row, den_key)) for row in record.funding]
    total_row = record.funding_row("total")
    rate = funding_rate(total_row, den_key) if total_row else None
    weight = profile.execution_weight
    if total_row is not None and total_row.weight.value is not None:
        weight = total_row.weight.value  # the form hands out what its 分值 cell says
    elif record.funding_columns and not {"weight", "score"} & set(record.funding_columns):
        weight = 0.0  # a funding table without 分值/得分 columns does not score execution
    exec_score = execution_score(rate, weight, profile)
    indicators = [score_indicator(ind, profile) for ind in record.indicators]
    ind_score = excel_round(sum(s.score for s in indicators), 2)
    weights_total = excel_round(weight + sum(ind.weight.value or 0.0 for ind in record.indicators), 2)
    total = excel_round(exec_score + ind_score, 2)
    uncapped = None
    if rate is not None:
        caps = [c["max_total"] for c in profile["execution"]["score_caps"] if rate < c["below"]]
        if caps and total > min(caps):
            uncapped, total = total, float(min(caps))
    return Scores(
        execution_rate=rate,
        execution_weight=weight,
        execution_score=exec_score,
        indicator_score=ind_score,
        total_score=total,
        weights_total=weights_total,
        grade=profile.grade(total),
        uncapped_total=uncapped,
        funding=funding,
        indicators=indicators,
    )
