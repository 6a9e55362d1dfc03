"""Scores of one record (domain.md §2), a pure function of the record and a profile.

Every figure is computed from the form's inputs, never copied from its stated
results; stated values stay on the record so the audit can compare the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from jixiao.processor.core.department import evaluate, totals_from_record
from jixiao.processor.core.grid import Formula, parse_addr
from jixiao.processor.core.model import (
    EXECUTION_WEIGHT,
    FUNDING_MONEY,
    FUNDING_PARTS,
    FUNDING_ROWS,
    INDICATOR_ROWS,
    INDICATOR_SCORE,
    INDICATOR_WEIGHT,
    INDICATOR_WEIGHTS_TOTAL,
    TOTAL_READS,
    FundingScore,
    Indicator,
    IndicatorScore,
    Record,
    Scores,
)
from jixiao.processor.core.rules import Profile
from jixiao.processor.core.values import (
    EQUAL,
    HIGHER,
    LOWER,
    Target,
    any_of,
    convert,
    norm,
    parse_actual,
    parse_number,
    parse_target,
    percent_formatted,
    text_cache,
)


def excel_round(x: float, ndigits: int = 2) -> float:
    """Excel's ROUND: half away from zero on the 15-significant-digit value."""
    if not math.isfinite(x) or abs(x) >= 1e15:
        return x  # beyond Excel's 15 significant digits there is nothing to round
    text = f"{x:.15g}"
    point = text.find(".")
    if "e" not in text and (point < 0 or len(text) - point - 1 <= ndigits) and ndigits >= 0:
        # already within ``ndigits`` decimals (a weight, a stated score): rounding keeps the
        # value, and so does its float; ``+ 0.0`` turns -0 into 0 as the Decimal path does
        return float(text) + 0.0
    return _round_half_up(text, ndigits)


def _excel_round_decimal(x: float, ndigits: int = 2) -> float:
    """:func:`excel_round` without its fast path (the tests compare the two)."""
    if not math.isfinite(x) or abs(x) >= 1e15:
        return x
    return _round_half_up(f"{x:.15g}", ndigits)


def _round_half_up(text: str, ndigits: int) -> float:
    """A 15-significant-digit value's text rounded half away from zero, in decimal."""
    d = Decimal(text)
    r = d.copy_abs().quantize(_quantum(ndigits), rounding=ROUND_HALF_UP)
    return float(r if d >= 0 else -r)


@lru_cache(maxsize=8)
def _quantum(ndigits: int) -> Decimal:
    return Decimal(1).scaleb(-ndigits)


def differs(a: float, b: float, tol: float) -> bool:
    """More than ``tol`` apart (with a hair for float noise)."""
    return abs(a - b) > tol + 1e-9


def score_differs(stated: float, computed: float, tol: float, exact: float | None = None) -> bool:
    """A stated score is right when it is the computed one, also rounded to one decimal —
    rounded from the exact value (1.946 → 1.9), not from the two-decimal one (1.95 → 2.0)."""
    return differs(stated, computed, tol) and differs(stated, excel_round(exact if exact is not None else computed, 1), 1e-9)


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


def denominator_doubt(record: Record, profile: Profile) -> str | None:
    """The profile's denominator column is not among the identified ones while a header column
    of the funding table was not understood: it may be that one, so the rate is not known."""
    wanted = profile["execution"]["denominator"]
    block = record.read.funding
    if record.rate_denominator or block is None or wanted in record.funding_columns:
        return None
    # an unread column over figures may be it; so may any unread column among the value columns,
    # figures or none (a blank 全年预算数 column is still the denominator: F110 says it is blank),
    # but not “资金来源” over the row labels, nor a spacer the sheet leaves empty top to bottom
    first = min((parse_addr(c)[1] for c in record.funding_columns.values()), default=0)
    if not any(c in block.figures or (parse_addr(c)[1] >= first and c not in block.spacers)
               for c, _t in block.unmatched):
        return None
    return DEN_NAMES[wanted]


DEN_NAMES = {"budget": "全年预算数", "initial": "年初预算数"}


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


@text_cache(maxsize=4096, texts=2)
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
    """The parsed 年度指标值. Without a written operator the direction comes from the name
    (控制率, 结余率 … lower is better; 完成率, 达标率 … higher, even under 成本指标), else from
    the category (成本 lower, the rest higher)."""
    hint = _direction_hint(ind.level3.text, profile)
    target = parse_target(ind.target.raw, lower_is_better=hint == LOWER or (hint is None and is_cost(ind, profile)))
    if hint == LOWER and target.quantitative and not target.explicit and target.op != LOWER:
        return Target(target.text, LOWER, target.value, target.unit)  # “100%” ceiling of a 控制率
    return target


@text_cache(maxsize=4096)
def _direction_hint(name: str, profile: Profile) -> str | None:
    n = norm(name)
    lower, higher = _direction_words(profile)
    if lower(n) is not None:
        return LOWER
    if higher(n) is not None:
        return HIGHER
    return None


@lru_cache(maxsize=16)
def _direction_words(profile: Profile) -> tuple[Callable[[str], object], Callable[[str], object]]:
    """The profile's words for lower- and higher-is-better indicators, normalised once, each
    list as one search (values.any_of)."""
    fw = profile["framework"]
    return (any_of(norm(w) for w in fw.get("lower_is_better", ())),
            any_of(norm(w) for w in fw.get("higher_is_better", ())))


def score_indicator(ind: Indicator, profile: Profile, execution_rate: float | None = None,
                    cap: float | None = None) -> IndicatorScore:
    """One indicator's score, with its parsed target and category for the audit."""
    target = target_of(ind, profile)
    s = _score_indicator(ind, profile, execution_rate, cap, target)
    s.target = target
    s.cost, s.satisfaction = _category(ind.level1.text, ind.level2.text, profile)
    return s


def _score_indicator(ind: Indicator, profile: Profile, execution_rate: float | None, cap: float | None,
                     target: Target) -> IndicatorScore:
    """One indicator's score. ``execution_rate`` is the form's own rate (for a 预算执行率 row
    without a numeric target); ``cap`` bounds a stated score when the weight stands only in a
    group label (“产出指标（50分）”); ``target`` is :func:`target_of` the indicator."""
    weight = ind.weight.value
    stated = ind.score.value
    bound = weight if weight is not None else cap
    actual = parse_actual(ind.actual.raw)
    usable_stated = stated if (stated is not None and stated >= 0 and (bound is None or stated <= bound + 1e-9)) else None
    level = qualitative_level(ind.actual.text, profile) if not actual.quantitative else None

    if target.quantitative and actual.quantitative and (target.explicit or ind.level3.text):
        # (a bare number's direction comes from the name or the category: with no name, none is read)
        a = _actual_in_target_unit(actual, target)
        if a is None:
            return IndicatorScore(ind, "unknown", None, usable_stated or 0.0, note="unit")
        t = target.value
        kind, met, raw_score, ratio = _quantitative(target.op or HIGHER, t, a, weight or 0.0, profile)
        if weight is None:  # no weight (weights only in block labels): direction and ratio still known
            return IndicatorScore(ind, kind, None, usable_stated or 0.0, met=met, ratio=ratio)
        computed = min(weight, max(0.0, excel_round(raw_score, 2)))
        note = None
        if met and usable_stated is not None and usable_stated < computed - float(profile.tol["score"]) - 1e-9:
            note = "deducted"  # met, yet the filler took points off: I204, and I225 when nothing explains it
        return IndicatorScore(ind, kind, computed, computed, met=met, ratio=ratio, note=note,
                              exact=min(weight, max(0.0, raw_score)))
    if ind.execution and weight is not None and not target.quantitative:
        rate = execution_rate if execution_rate is not None else _stated_rate(ind)
        if rate is not None:  # 预算执行率 scored in the indicator table: min(执行率, 1) × 分值
            computed = execution_score(rate, weight, profile)
            return IndicatorScore(ind, "execution", computed, computed, met=rate >= 1 - 1e-9, ratio=rate,
                                  exact=max(0.0, min(rate, float(profile["execution"]["cap"]))) * weight)
    if level is not None:
        return IndicatorScore(ind, "qualitative", None, usable_stated or 0.0, level=level["name"])
    kind = "unknown" if target.quantitative else "qualitative"
    note = None
    if kind == "qualitative" and not ind.target.empty and norm(ind.target.text) == norm(ind.actual.text) \
            and usable_stated is not None and weight is not None and usable_stated < weight - 1e-9:
        note = "deducted"  # the actual repeats the target (met), yet points were taken off
    return IndicatorScore(ind, kind, None, usable_stated or 0.0, note=note)


def _stated_rate(ind: Indicator) -> float | None:
    """The rate a 预算执行率 row states as its actual value: “95%”, 0.95 (a % cell), 95."""
    actual = parse_actual(ind.actual.raw)
    if not actual.quantitative or actual.unit not in ("%", "百分比", None):
        return None
    return actual.value / 100 if actual.unit or actual.value > 1.5 else actual.value


def _actual_in_target_unit(actual: Target, target: Target) -> float | None:
    a = actual.value
    if actual.unit is None and target.unit in ("%", "百分比") and abs(a) <= 1.5 < abs(target.value) \
            and percent_formatted(a, target.value):
        return a * 100  # a percent-formatted cell holds 0.95 for 95% (but 1 beside “≤2%” is 1%)
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


def _owner_weights(record: Record) -> list[tuple[object, float | None]]:
    """Each indicator's weight *owner*: the highest level that states a weight (the first-level
    label “产出指标（50分）”, else the second level, else the indicator itself)."""
    g1, g2 = record.level1_groups, record.level2_groups
    out = []
    for ind in record.indicators:
        if ind.group1 >= 0 and g1[ind.group1].stated_weight is not None:
            out.append((("g1", ind.group1), g1[ind.group1].stated_weight))
        elif ind.group2 >= 0 and g2[ind.group2].stated_weight is not None:
            out.append((("g2", ind.group2), g2[ind.group2].stated_weight))
        else:
            out.append((("ind", ind.row), ind.weight.value))
    return out


def weight_from_labels(record: Record) -> bool:
    """True when the form has no usable 分值 column: the weights stand in the labels."""
    return not any(i.weight.raw is not None and i.weight.cell != i.level3.cell for i in record.indicators)


def indicator_weights(record: Record) -> float | None:
    """Σ indicator weights; None when not known (unidentified column, an unreadable cell)."""
    if not record.read.knows(INDICATOR_ROWS, INDICATOR_WEIGHTS_TOTAL):
        return None
    labels = weight_from_labels(record)
    if labels and record.indicator_label.value is not None:
        return record.indicator_label.value  # “绩效指标（90分）”: the block states its whole
    if labels:  # the weights of the first (or second) level labels, each owner counted once
        owners = dict(_owner_weights(record))
        return None if any(w is None for w in owners.values()) else excel_round(sum(owners.values()), 2)
    if not record.read.knows(INDICATOR_WEIGHT):
        return None
    if any(i.weight.raw is not None and not parse_number(i.weight.raw).ok for i in record.indicators):
        return None  # an unreadable 分值 cell (R005): the sum is not known
    return excel_round(sum(i.weight.value or 0.0 for i in record.indicators), 2)


def execution_row(record: Record, profile: Profile, ind_weights: float | None) -> Indicator | None:
    """预算执行率 scored as an indicator row (项目评价 frameworks, some templates) is the execution
    score — unless the funding row states an execution weight of its own that, with the indicator
    weights, makes the whole (then that row is an ordinary indicator)."""
    row = next((i for i in record.indicators if i.execution), None)
    if row is None:
        return None
    total_row = record.funding_row("total")
    own = total_row.weight.value if total_row is not None else None
    full = float(profile["weights"]["total"])
    if own is not None and ind_weights is not None and not differs(own + ind_weights, full, float(profile.tol["score"])):
        return None
    return row


def execution_weight(record: Record, profile: Profile, ind_weights: float | None,
                     row: Indicator | None = None) -> tuple[float | None, str]:
    """The 预算执行率 weight and where it came from; None when it cannot be determined."""
    if row is not None:
        return row.weight.value, f"预算执行率作为绩效指标计分（第 {row.row} 行）"
    total_row = record.funding_row("total")
    if total_row is not None and total_row.weight.value is not None:
        return total_row.weight.value, f"资金表分值格 {total_row.weight.cell}"
    if record.execution_label.value is not None:
        return record.execution_label.value, f"资金表标签“{record.execution_label.text}”（{record.execution_label.cell}）"
    if not record.read.knows(FUNDING_ROWS, FUNDING_MONEY):
        return None, "项目资金表未能识别，无法推定"  # its R finding says why; nothing is inferred from it
    cols = record.funding_columns
    block = record.read.funding
    unread = [c for c, label in block.unmatched if c in block.figures and not _money_header(label, profile)] \
        if block is not None else []
    if "weight" not in cols and unread:
        return None, f"资金表有未认出的列（{'、'.join(unread)}），可能就是分值列，不作推定"
    if "weight" in cols or "score" in cols:
        return profile.execution_weight, f"资金表分值格未填，按规则“{profile.name}”取 {profile.execution_weight:g}"
    if ind_weights is None:
        return None, "指标分值未知，无法推定"
    tol = float(profile.tol["score"])
    default = profile.execution_weight
    stated = record.total.weight.value if record.total is not None else None
    for whole, where in ((stated, "总分行的分值"), (float(profile["weights"]["total"]), "规则的总分")):
        if whole is None:
            continue
        if not differs(ind_weights, whole, tol):
            return 0.0, f"资金表不计分：指标分值合计 {ind_weights:g} 已等于{where} {whole:g}"
        if not differs(ind_weights + default, whole, tol):
            return default, f"资金表没有分值：指标分值合计 {ind_weights:g}，与{where} {whole:g} 相差规则默认的 {default:g}"
    return None, f"资金表没有分值，指标分值合计 {ind_weights:g} 推不出预算执行率分值"


def _money_header(label: str, profile: Profile) -> bool:
    """A header that states a money unit (“中央（万元）”): a column of money, never the 分值."""
    from jixiao.processor.core.reader.vocabulary import vocabulary_for

    v, t = vocabulary_for(profile), norm(label)
    return any(w in t for w in v.wan_marks) or any(p.search(t) for p in v.yuan_marks)


def _indicator_total(record: Record, scores: list[IndicatorScore]) -> float | None:
    """Σ indicator scores; None when a row's score is not known: it can neither be computed
    (qualitative, no actual value) nor was it stated (I202 says so) — never counted as 0."""
    if not record.read.knows(INDICATOR_ROWS, INDICATOR_WEIGHT, INDICATOR_SCORE):
        return None
    for s in scores:
        if s.computed is not None or isinstance(s.indicator.score.raw, Formula):
            continue
        if s.indicator.unread:
            return None  # its 分值 or 得分 could not be read (R005): neither computed nor stated
        if s.indicator.score.value is None and "score" in s.indicator.cells and s.indicator.weight.value:
            return None  # a weighted row whose score is blank (I202): sum unknown
    return excel_round(sum(s.score for s in scores), 2)


def _unread_funding(record: Record, den_key: str, unknown: dict[str, str]) -> None:
    """Funding cells the reader could not read (R005): a figure derived from them is not known —
    the 年度资金总额's 执行数 or denominator (its rate), its 分值 (the execution weight), a part's
    money (the parts' sum)."""
    for row in record.funding:
        if row.kind == "total":
            if {"executed", den_key} & row.unread:
                unknown.setdefault(FUNDING_MONEY, "R005")
            if "weight" in row.unread:
                unknown.setdefault(EXECUTION_WEIGHT, "R005")
        elif {"initial", "budget", "executed"} & row.unread:
            unknown.setdefault(FUNDING_PARTS, "R005")


def _unread_cells(record: Record) -> list[str]:
    """The cells of 分值 / 得分 / money the reader could not read, in reading order."""
    return [c for row in (*record.funding, *record.indicators) if row.unread for k in _NUMBER_KEYS
            if k in row.unread and (c := getattr(row, k).cell)]


_NUMBER_KEYS = ("initial", "budget", "executed", "weight", "rate", "score")


def compute(record: Record, profile: Profile) -> Scores:
    rm = record.read
    unknown = dict(rm.unknown)
    notes: list[tuple[str, str | None, dict]] = []
    doubt = denominator_doubt(record, profile)
    if doubt and FUNDING_MONEY not in unknown:
        unknown[FUNDING_MONEY] = "R019"
        notes.append(("R019", rm.funding.band, {"column": doubt, "headers": _headers(rm.funding)}))
    den_key = denominator_key(record, profile)
    _unread_funding(record, den_key, unknown)
    funding = [FundingScore(row, funding_rate(row, den_key)) for row in record.funding]
    total_row = record.funding_row("total")
    funding_known = FUNDING_ROWS not in unknown and FUNDING_MONEY not in unknown
    rate = funding_rate(total_row, den_key) if total_row is not None and funding_known else None
    caps = {("g1", i): g.stated_weight for i, g in enumerate(record.level1_groups)}
    indicators = [score_indicator(ind, profile, rate, caps.get(("g1", ind.group1))) for ind in record.indicators]
    ind_weights = indicator_weights(record)
    row = execution_row(record, profile, ind_weights)
    weight, source = execution_weight(record, profile, ind_weights, row)
    if row is None and EXECUTION_WEIGHT in unknown:  # the funding row's 分值 cell was not read
        weight, source = None, "资金表分值格读不出，无法确定"
    if not rm.knows(INDICATOR_ROWS):  # a 预算执行率 row there would take the funding row's place
        weight, source = None, "绩效指标表未能识别，不知预算执行率在哪里计分"
    if weight is None and row is None and ind_weights is not None and funding_known and EXECUTION_WEIGHT not in unknown:
        unknown.setdefault(EXECUTION_WEIGHT, "R018")  # (an execution row's weight may stand in its group's label)
        block = rm.funding or rm.indicators
        notes.append(("R018", block.band if block else None,
                      {"reason": source, "total": f"{float(profile['weights']['total']):g}"}))
    if row is not None:  # the execution score is that row's; the indicator figures are the rest
        own = next(s for s in indicators if s.indicator is row)
        if rate is None and own.kind != "execution":  # no funding table: the row states the rate
            rate = _stated_rate(row)
        exec_score = own.score if rm.knows(INDICATOR_ROWS, INDICATOR_WEIGHT, INDICATOR_SCORE) else None
        ind_score = _indicator_total(record, [s for s in indicators if s is not own])
        weights_total = ind_weights
    else:
        if weight is None:
            exec_score = None
        elif weight == 0:
            exec_score = 0.0
        else:
            exec_score = execution_score(rate, weight, profile) if funding_known else None
        ind_score = _indicator_total(record, indicators)
        weights_total = excel_round(weight + ind_weights, 2) if weight is not None and ind_weights is not None else None
    total = excel_round(exec_score + ind_score, 2) if exec_score is not None and ind_score is not None else None
    full = float(profile["weights"]["total"])
    if weights_total is not None and weights_total < full / 2 - 1e-9:
        # points handed out for less than half the whole: a table cut short or not read in full.
        # The reader doubts its own reading, so nothing is derived from the sum — no T301 “权重合计
        # 应为 100”, no total, no grade: R024 says what was found and why
        notes.append(("R024", rm.indicators.band if rm.indicators else None,
                      {"found": f"{weights_total:g}", "total": f"{full:g}"}))
        unknown.setdefault(INDICATOR_WEIGHTS_TOTAL, "R024")
        weights_total = None
    reads = TOTAL_READS - ({FUNDING_ROWS, FUNDING_MONEY} if row is not None else set())
    if reads & unknown.keys():
        total = None  # derived from a field not known (the weights' sum, the money …): no total, no grade
    unread = _unread_cells(record)
    if total is None and unread and not any(c != "R005" for k, c in unknown.items() if k in reads) and (
            "R005" in unknown.values() or any(s.computed is None and s.indicator.unread for s in indicators)):
        # the cells R005 names are why there is no total: say so once (other R findings say their own)
        notes.append(("R025", unread[0], {"cells": "、".join(unread[:6]) + ("等" if len(unread) > 6 else ""),
                                          "count": len(unread)}))
    uncapped = None
    if rate is not None and total is not None:
        caps_ = [c["max_total"] for c in profile["execution"]["score_caps"] if rate < c["below"]]
        if caps_ and total > min(caps_):
            uncapped, total = total, float(min(caps_))
    return Scores(
        execution_rate=rate,
        execution_weight=weight,
        execution_score=exec_score,
        indicator_score=ind_score,
        total_score=total,
        weights_total=weights_total,
        grade=profile.grade(total) if total is not None else None,
        uncapped_total=uncapped,
        funding=funding,
        indicators=indicators,
        unknown=unknown,
        execution_weight_source=source,
        execution_row=row.row if row is not None else None,
        notes=notes,
        department=evaluate(totals_from_record(record, profile, den_key), profile)
        if rm.form == "department" and funding_known else None,
    )


def _headers(block) -> str:
    labels = [c.label for c in block.columns.values()] + [t for _, t in block.unmatched]
    return "、".join(f"“{' '.join(t.split())}”" for t in labels[:12])
