"""Findings for one record: what a careful reviewer checks (domain.md §3).

``audit`` is a pure function of the record, its scores and the profile. Each check is
a small function; codes, severities and messages come from ``rules/findings/``.
Arithmetic and completeness problems are errors, quality problems warnings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jixiao.processor.core.compute import (
    denominator_key,
    differs,
    is_cost,
    is_satisfaction,
    rate_differs,
    score_differs,
    target_of,
)
from jixiao.processor.core.findings import Finding, make
from jixiao.processor.core.grid import Formula
from jixiao.processor.core.model import FUNDING_LABELS, FundingRow, IndicatorScore, Record, Scores
from jixiao.processor.core.rules import Profile
from jixiao.processor.core.values import fmt_num, fmt_pct, is_deadline, norm, parse_number

DEN_CN = {"budget": "全年预算数", "initial": "年初预算数"}
MONEY_COLS = (("initial", "年初预算数"), ("budget", "全年预算数"), ("executed", "全年执行数"))


class _Ctx:
    def __init__(self, record: Record, scores: Scores, profile: Profile):
        self.r, self.s, self.p = record, scores, profile
        self.tol = profile.tol
        self.den = denominator_key(record, profile)

    def money(self, x: float | None) -> str:
        """An amount as the form writes it: 万元, or 元 for a table kept in 元."""
        if x is None:
            return "空"
        if self.r.money_unit == "元":
            return f"{fmt_num(x * 10000)} 元"
        return f"{fmt_num(x)} 万元"

    def f(self, code: str, cell: str | None, **params: Any) -> Finding:
        return make(code, sheet=self.r.sheet, cell=cell, file=self.r.file, **params)


Check = Callable[[_Ctx], Iterator[Finding]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    CHECKS.append(fn)
    return fn


def audit(record: Record, scores: Scores, profile: Profile) -> list[Finding]:
    ctx = _Ctx(record, scores, profile)
    out: list[Finding] = []
    for fn in CHECKS:
        out.extend(fn(ctx))
    return sorted(profile.apply_severity(out), key=Finding.sort_key)


# ------------------------------------------------------------------ reading notes


@check
def reading_notes(c: _Ctx) -> Iterator[Finding]:
    for code, cell, params in c.r.notes:
        yield c.f(code, cell, **params)
    if c.r.funding_columns and c.r.funding_row("total") is None:
        yield c.f("R010", next(iter(c.r.funding_columns.values())))


# ------------------------------------------------------------------ funding


def _has_money(row: FundingRow) -> bool:
    """A 其中 row with any non-zero amount (a source printed “0 0” has nothing to execute)."""
    return any(getattr(row, k).value for k, _ in MONEY_COLS)


@check
def funding_completeness(c: _Ctx) -> Iterator[Finding]:
    for row in c.r.funding:
        if row.kind != "total" and not _has_money(row):
            continue  # 上年结转资金 / 其他资金 left empty: nothing to check
        for key, label in ((c.den, DEN_CN[c.den]), ("executed", "全年执行数")):
            if key in row.cells and getattr(row, key).value is None:
                yield c.f("F110", row.cells[key], label=row.label.text or FUNDING_LABELS[row.kind], column=label)


@check
def funding_rates(c: _Ctx) -> Iterator[Finding]:
    formula = f"全年执行数 ÷ {DEN_CN[c.den]}"
    for fs in c.s.funding:
        row = fs.row
        label = row.label.text or FUNDING_LABELS[row.kind]
        den = getattr(row, c.den)
        executed = row.executed.value
        if den.value is not None and den.value <= 0 and executed is not None and (executed or row.kind == "total"):
            yield c.f("F102", den.cell, label=label, denominator=DEN_CN[c.den], found=c.money(den.value))
        if den.value and row.executed.value is not None and row.executed.value > den.value + c.tol["money"]:
            yield c.f("F106", row.executed.cell, label=label, executed=c.money(row.executed.value),
                      denominator=DEN_CN[c.den], budget=c.money(den.value))
        if fs.rate is None or "rate" not in row.cells:
            continue
        if row.rate.raw is None:  # the 年度资金总额 rate is the table's figure; a 其中 row's is detail
            code = "F111" if row.kind == "total" else "F112"
            yield c.f(code, row.cells["rate"], label=label, expected=fmt_pct(fs.rate), formula=formula)
        elif row.rate.value is not None and rate_differs(row.rate.value, fs.rate, c.tol["rate"]):
            yield c.f("F103", row.rate.cell, label=label, expected=fmt_pct(fs.rate), found=fmt_pct(row.rate.value),
                      numerator=c.money(row.executed.value), denominator=c.money(den.value), formula=formula)


@check
def funding_sums(c: _Ctx) -> Iterator[Finding]:
    total = c.r.funding_row("total")
    parts = [f for f in c.r.funding if f.kind != "total"]
    if total is None or not parts:
        return
    for key, label in MONEY_COLS:
        values = [getattr(p, key).value for p in parts if getattr(p, key).value is not None]
        tv = getattr(total, key).value
        if not values or tv is None:
            continue
        expected = sum(values)
        if differs(tv, expected, c.tol["money"]):
            yield c.f("F101", getattr(total, key).cell, column=label, expected=c.money(expected), found=c.money(tv))


_EXPLAINED = ("调整", "调减", "调增", "追加", "追减", "调剂", "收回", "压减")


@check
def budget_change(c: _Ctx) -> Iterator[Finding]:
    total = c.r.funding_row("total")
    if total is None or not total.initial.value or total.budget.value is None:
        return
    change = (total.budget.value - total.initial.value) / total.initial.value
    if abs(change) <= c.p["thresholds"]["budget_change"] + 1e-9:
        return
    texts = [i.deviation.text for i in c.r.indicators] + [c.r.goal_actual.text]
    if any(w in t for t in texts for w in _EXPLAINED):
        return
    yield c.f("F107", total.budget.cell, label=total.label.text, initial=c.money(total.initial.value),
              budget=c.money(total.budget.value), change=fmt_pct(change, 1),
              threshold=fmt_pct(c.p["thresholds"]["budget_change"], 0))


@check
def execution_score(c: _Ctx) -> Iterator[Finding]:
    total = c.r.funding_row("total")
    if total is None:
        return
    weight = c.s.execution_weight
    if total.weight.value is not None and differs(total.weight.value, c.p.execution_weight, 0):
        yield c.f("F109", total.weight.cell, expected=fmt_num(c.p.execution_weight),
                  found=fmt_num(total.weight.value), profile=c.p.name)
    if c.s.execution_rate is None or "score" not in total.cells:
        return
    expected, stated = c.s.execution_score, total.score.value
    if total.score.raw is None:
        yield c.f("F105", total.cells["score"], expected=fmt_num(expected))
    elif stated is None:
        return
    elif c.s.execution_rate < 1 - 1e-9 and stated >= weight - 1e-9 and expected < weight - 1e-9:
        yield c.f("F108", total.score.cell, rate=fmt_pct(c.s.execution_rate), found=fmt_num(stated),
                  expected=fmt_num(expected))
    elif score_differs(stated, expected, c.tol["score"]):
        yield c.f("F104", total.score.cell, expected=fmt_num(expected), found=fmt_num(stated),
                  rate=fmt_pct(c.s.execution_rate), weight=fmt_num(weight))


# ------------------------------------------------------------------ indicators


def _basis(s: IndicatorScore, c: _Ctx) -> str:
    ind = s.indicator
    t, a = ind.target.text, ind.actual.text
    if s.met:
        return f"实际“{a}”达到指标值“{t}”，得满分"
    if s.kind == "higher":
        return f"未达到指标值：实际 ÷ 指标值 × 分值 {fmt_num(ind.weight.value)}"
    if s.kind == "lower":
        return f"超出指标值：指标值 ÷ 实际 × 分值 {fmt_num(ind.weight.value)}"
    return f"与指标值不等：较小值 ÷ 较大值 × 分值 {fmt_num(ind.weight.value)}"


@check
def indicator_values(c: _Ctx) -> Iterator[Finding]:
    for s in c.s.indicators:
        ind = s.indicator
        name = ind.name
        cells = ind.cells
        if not ind.level3.text:
            yield c.f("I222", ind.level3.cell, row=ind.row)
        if "target" in cells and ind.target.empty:
            yield c.f("I221", cells["target"], name=name)
        if "actual" in cells and ind.actual.empty:
            yield c.f("I220", cells["actual"], name=name)
        if "weight" in cells and ind.weight.value is None and parse_number(ind.weight.raw).ok:
            yield c.f("I201", cells["weight"], name=name)
        if "score" not in cells:
            continue
        stated, weight = ind.score.value, ind.weight.value
        if stated is None:
            if ind.score.raw is None:
                hint = f"，按完成情况应为 {fmt_num(s.computed)}" if s.computed is not None else ""
                yield c.f("I202", cells["score"], name=name, hint=hint)
            continue
        if weight is not None and (stated < -1e-9 or stated > weight + 1e-9):
            yield c.f("I203", ind.score.cell, name=name, found=fmt_num(stated), weight=fmt_num(weight))
        elif s.computed is not None and score_differs(stated, s.computed, c.tol["score"]):
            yield c.f("I204", ind.score.cell, name=name, expected=fmt_num(s.computed), found=fmt_num(stated),
                      basis=_basis(s, c))


def _bands_text(c: _Ctx) -> str:
    parts = []
    for lvl in c.p["qualitative"]["levels"]:
        parts.append(f"“{lvl['name']}”{fmt_num(lvl['high'] * 100)}%–{fmt_num(lvl['low'] * 100)}%")
    return "；".join(parts)


@check
def indicator_judgement(c: _Ctx) -> Iterator[Finding]:
    levels = c.p["qualitative"]["levels"]
    top = levels[0]["name"] if levels else None
    for s in c.s.indicators:
        ind = s.indicator
        weight, stated = ind.weight.value, ind.score.value
        missed = s.met is False or (s.level is not None and s.level != top)
        if missed and ind.deviation.empty and "deviation" in ind.cells:
            yield c.f("I205", ind.cells["deviation"], name=ind.name, target=ind.target.text, actual=ind.actual.text)
        if s.level is not None and weight is not None and stated is not None:
            lvl = next(lv for lv in levels if lv["name"] == s.level)
            low, high = lvl["low"] * weight, lvl["high"] * weight
            inside = (low - 1e-9 <= stated if lvl.get("low_inclusive", True) else low < stated) and stated <= high + 1e-9
            if lvl is not levels[0] and stated >= high - 1e-9 and high < weight:
                inside = False  # the upper bound belongs to the level above
            if not inside:
                yield c.f("I206", ind.score.cell, name=ind.name, level=s.level, low=fmt_num(low),
                          high=fmt_num(high), found=fmt_num(stated), bands=_bands_text(c))
        over = c.p["thresholds"]["over_achievement"]
        if s.kind == "higher" and s.ratio is not None and s.ratio >= over - 1e-9:
            yield c.f("I207", ind.actual.cell, name=ind.name, ratio=fmt_pct(s.ratio, 0))
        if s.note == "unit":
            yield c.f("I219", ind.actual.cell, name=ind.name, target_unit=target_of(ind, c.p).unit or "无",
                      actual_unit=_unit_of(ind.actual.raw) or "无")


def _unit_of(raw: Any) -> str | None:
    from jixiao.processor.core.values import parse_actual

    return parse_actual(raw).unit


@check
def indicator_quality(c: _Ctx) -> Iterator[Finding]:
    vague = {norm(v) for v in c.p["qualitative"]["vague_actuals"]}
    sat_min = c.p["thresholds"]["satisfaction_min"]
    budget = c.r.funding_row("total")
    budget_value = budget.budget.value if budget else None
    for s in c.s.indicators:
        ind = s.indicator
        target = target_of(ind, c.p)
        actual_is_vague = norm(ind.actual.text) in vague
        if actual_is_vague:
            yield c.f("I209", ind.actual.cell, name=ind.name, found=ind.actual.text)
        if not ind.target.empty and not target.quantitative and not is_deadline(ind.target.text):
            yield c.f("I210", ind.target.cell, name=ind.name, found=ind.target.text)
        if is_cost(ind, c.p) and target.quantitative and target.unit in ("万元", "元", "千元", "亿元"):
            from jixiao.processor.core.values import convert

            t = convert(target.value, target.unit, "万元")
            if budget_value is not None and t is not None and differs(t, budget_value, c.tol["money"]) and t > budget_value:
                yield c.f("I214", ind.target.cell, name=ind.name, target=c.money(t), budget=c.money(budget_value))
        if is_satisfaction(ind, c.p):
            if target.quantitative and target.unit in ("%", "百分比") and target.value < sat_min * 100 - 1e-9:
                yield c.f("I215", ind.target.cell, name=ind.name, target=ind.target.text,
                          threshold=fmt_pct(sat_min, 0))
            actual = s.indicator.actual
            from jixiao.processor.core.values import parse_actual

            if not actual.empty and not parse_actual(actual.raw).quantitative:
                yield c.f("I216", actual.cell, name=ind.name, found=actual.text)


@lru_cache(maxsize=4096)
def _core(name: str) -> str:
    """Reduce a category label for tolerant matching: 服务对象满意度标 ~ 服务对象满意度指标."""
    t = norm(name)
    for suffix in ("指标", "标", "类"):
        if t.endswith(suffix) and len(t) > len(suffix):
            t = t[: -len(suffix)]
            break
    return t


@check
def framework(c: _Ctx) -> Iterator[Finding]:
    fw: dict[str, list[str]] = c.p["framework"]["level1"]
    known1 = {_core(k): k for k in fw}
    seen: set[tuple[str, str | None]] = set()
    for g in c.r.level1_groups:
        if _core(g.name) not in known1:
            yield c.f("I213", g.cell, found=g.name, allowed="、".join(fw))
    for ind in c.r.indicators:
        l1 = known1.get(_core(ind.level1.text or ""))
        if l1 is None or ind.level2.empty:
            continue
        key = (ind.level2.text, ind.level2.cell)
        if key in seen:
            continue
        seen.add(key)
        allowed = [_core(x) for x in fw[l1]]
        core2 = _core(ind.level2.text)
        if not any(core2 == a or core2.startswith(a) or a.startswith(core2) and len(core2) >= 4 for a in allowed):
            yield c.f("I212", ind.level2.cell, found=ind.level2.text, level1=l1, allowed="、".join(fw[l1]))


@check
def level1_weights(c: _Ctx) -> Iterator[Finding]:
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for ind in c.r.indicators:
        name = ind.level1.text or ""
        sums[name] = sums.get(name, 0.0) + (ind.weight.value or 0.0)
        counts[name] = counts.get(name, 0) + 1
    profile_weights = {_core(k): (k, v) for k, v in c.p["weights"]["level1"].items()}
    cost_l1 = _core(c.p["framework"]["cost_level1"])
    has_cost = any(is_cost(i, c.p) for i in c.r.indicators)
    for g in c.r.level1_groups:
        if counts.get(g.name, 0) == 0:
            if not (_core(g.name) == cost_l1 and has_cost):  # 成本 filled as a second level (2020 form)
                yield c.f("I211", g.cell, level1=g.name)
            continue
        if g.stated_weight is not None and differs(g.stated_weight, sums[g.name], c.tol["score"]):
            yield c.f("I217", g.cell, level1=g.name, expected=fmt_num(g.stated_weight), found=fmt_num(sums[g.name]))
        pw = profile_weights.get(_core(g.name))
        if pw is not None and differs(sums[g.name], pw[1], c.tol["score"]):
            yield c.f("I218", g.cell, level1=g.name, expected=fmt_num(pw[1]), found=fmt_num(sums[g.name]),
                      profile=c.p.name)


def all_full_without_deviation(record: Record) -> bool:
    """At least two indicators, every one scored at full marks, and no 偏差原因 written (I208)."""
    inds = record.indicators
    if len(inds) < 2:
        return False
    full = all(i.weight.value is not None and i.score.value is not None and i.score.value >= i.weight.value - 1e-9
               for i in inds)
    return full and all(i.deviation.empty for i in inds)


@check
def all_full_marks(c: _Ctx) -> Iterator[Finding]:
    if all_full_without_deviation(c.r):
        cell = c.r.total.score.cell if c.r.total else None
        yield c.f("I208", cell, count=len(c.r.indicators))


# ------------------------------------------------------------------ totals


@check
def totals(c: _Ctx) -> Iterator[Finding]:
    expected_total = float(c.p["weights"]["total"])
    t = c.r.total
    if not c.r.indicators and not c.r.funding:
        return
    if differs(c.s.weights_total, expected_total, c.tol["score"]):
        cell = t.weight.cell if t and t.weight.cell else (t.label.cell if t else None)
        yield c.f("T301", cell, expected=fmt_num(expected_total), found=fmt_num(c.s.weights_total),
                  execution=fmt_num(c.s.execution_weight),
                  indicators=fmt_num(c.s.weights_total - c.s.execution_weight))
    if t is None:
        return
    if t.weight.value is not None and differs(t.weight.value, c.s.weights_total, c.tol["score"]):
        yield c.f("T302", t.weight.cell, expected=fmt_num(c.s.weights_total), found=fmt_num(t.weight.value))
    if "score" in t.cells:
        if t.score.raw is None:
            yield c.f("T303", t.cells["score"], expected=fmt_num(c.s.total_score))
        elif t.score.value is not None and score_differs(t.score.value, c.s.total_score, c.tol["score"]):
            yield c.f("T304", t.score.cell, expected=fmt_num(c.s.total_score), found=fmt_num(t.score.value),
                      execution=fmt_num(c.s.execution_score), indicators=fmt_num(c.s.indicator_score))
    if c.s.uncapped_total is not None:
        cap = min(x["max_total"] for x in c.p["execution"]["score_caps"] if c.s.execution_rate < x["below"])
        below = min(x["below"] for x in c.p["execution"]["score_caps"] if x["max_total"] == cap)
        yield c.f("T305", t.cells.get("score"), rate=fmt_pct(c.s.execution_rate), below=fmt_pct(below, 0),
                  cap=fmt_num(cap), uncapped=fmt_num(c.s.uncapped_total), profile=c.p.name)
    g = c.r.grade
    if g.raw is not None and not isinstance(g.raw, Formula) and norm(g.text)[:1] != c.s.grade[:1]:
        yield c.f("T306", g.cell, expected=c.s.grade, found=g.text, bands=c.p.grade_bands_text())


# ------------------------------------------------------------------ across projects


def indicator_signature(record: Record) -> tuple[str, ...]:
    return tuple(sorted(norm(i.level3.text) for i in record.indicators if i.level3.text))


@dataclass(frozen=True)
class IndicatorSet:
    """What the copied-indicator check (I223) needs of one project: small enough to send
    from a worker process instead of the whole record."""

    file: str
    sheet: str
    project: str  # 项目名称 as written
    cell: str | None  # the first indicator's 三级指标 cell, where the finding points
    names: tuple[str, ...]  # indicator_signature: normalised 三级指标 names, sorted

    @classmethod
    def of(cls, record: Record) -> IndicatorSet:
        cell = record.indicators[0].level3.cell if record.indicators else None
        return cls(record.file, record.sheet, record.project.text, cell, indicator_signature(record))

    def __reduce__(self):  # pickled by value: a frozen dataclass unpickles slowly otherwise
        return (IndicatorSet, (self.file, self.sheet, self.project, self.cell, self.names))


COPIED_SHARE = 0.8  # I223: this share of the larger set of names in common
COPIED_MIN = 3  # projects with fewer indicators are not compared


def audit_batch(items: Sequence[Record | IndicatorSet]) -> list[tuple[Any, Finding]]:
    """I223: a project whose indicators are (almost) all copied from another project.

    Project *i* is flagged with the first project *j* in input order (j ≠ i, another
    project name, both with at least three indicators) whose distinct names share at
    least 80 % of the larger set. Pairwise that is O(n²); here an inverted index with
    prefix filtering finds the candidates: with names ordered rarest first, two sets
    sharing that many names must share one among the first ``|S| − need + 1`` names of
    each, so only those are indexed and probed; sets too small or too large to reach the
    share are skipped unopened; candidates are visited in input order so the first one
    that passes is the answer. Projects with the same set and the same name are one
    candidate (checked once). Returns (item, finding) pairs, items as given (records or
    :class:`IndicatorSet`).
    """
    sets = [x if isinstance(x, IndicatorSet) else IndicatorSet.of(x) for x in items]
    names = [frozenset(s.names) if len(s.names) >= COPIED_MIN else None for s in sets]
    freq: dict[str, int] = {}
    for u in names:
        for t in u or ():
            freq[t] = freq.get(t, 0) + 1
    # candidates are classes of (names, project name): their members in input order
    classes: dict[tuple[frozenset[str], str], list[int]] = {}
    member_of: list[tuple[frozenset[str], str] | None] = []
    for i, (s, u) in enumerate(zip(sets, names)):
        key = None if u is None else (u, norm(s.project))
        member_of.append(key)
        if key is not None:
            classes.setdefault(key, []).append(i)
    prefixes: dict[frozenset[str], list[str]] = {}
    index: dict[str, list[tuple[int, tuple[frozenset[str], str]]]] = {}
    for key, members in classes.items():  # dict order: by first member, so posting lists are sorted
        prefix = prefixes.get(key[0])
        if prefix is None:
            prefix = prefixes[key[0]] = _prefix(key[0], freq)
        for t in prefix:
            index.setdefault(t, []).append((members[0], key))
    out: list[tuple[Any, Finding]] = []
    for i, key in enumerate(member_of):
        if key is None:
            continue
        mine, name = key
        size = len(mine)
        low, high = size * COPIED_SHARE - 1e-9, size / COPIED_SHARE + 1e-9  # sizes that can qualify
        prefix = prefixes[mine]
        candidates = index[prefix[0]] if len(prefix) == 1 else sorted({e for t in prefix for e in index[t]})
        for j, other in candidates:
            theirs = other[0]
            if other[1] == name or not low <= len(theirs) <= high:
                continue
            if len(mine & theirs) / max(size, len(theirs)) >= COPIED_SHARE:
                src = sets[j]
                out.append((items[i], make("I223", sheet=sets[i].sheet, cell=sets[i].cell, file=sets[i].file,
                                           other=src.project or src.sheet, source=_base(src.file))))
                break
    return out


def _need(size: int) -> int:
    """The fewest names in common that reach COPIED_SHARE of ``size`` (as the check divides)."""
    k = max(1, math.ceil(COPIED_SHARE * size))
    while k > 1 and (k - 1) / size >= COPIED_SHARE:
        k -= 1
    while k / size < COPIED_SHARE:
        k += 1
    return k


def _prefix(names: frozenset[str], freq: dict[str, int]) -> list[str]:
    ordered = sorted(names, key=lambda t: (freq[t], t))
    return ordered[: len(ordered) - _need(len(ordered)) + 1]


def _base(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
