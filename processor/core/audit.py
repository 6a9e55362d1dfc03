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
    rate_differs,
    score_differs,
    weight_from_labels,
)
from jixiao.processor.core.findings import Finding, catalogue, make
from jixiao.processor.core.grid import Formula
from jixiao.processor.core.model import FUNDING_LABELS, FundingRow, IndicatorScore, Record, Scores
from jixiao.processor.core.reader.vocabulary import vocabulary_for
from jixiao.processor.core.rules import Profile
from jixiao.processor.core.values import (
    LOWER,
    convert,
    fmt_num,
    fmt_pct,
    is_deadline,
    norm,
    parse_actual,
    parse_number,
    text_cache,
)

DEN_CN = {"budget": "全年预算数", "initial": "年初预算数"}
MONEY_COLS = (("initial", "年初预算数"), ("budget", "全年预算数"), ("executed", "全年执行数"))


class _Ctx:
    def __init__(self, record: Record, scores: Scores, profile: Profile):
        self.r, self.s, self.p = record, scores, profile
        self.tol = profile.tol
        self.den = denominator_key(record, profile)
        self.total = record.funding_row("total")  # the 年度资金总额 row, read by several checks

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
    """Every check's findings, except those derived from a field not known (the catalogue
    lists what each code ``reads``; ``scores.unknown`` lists what the reader and the
    computation could not identify — the R finding that says so stands in their place)."""
    ctx = _Ctx(record, scores, profile)
    unknown = scores.unknown
    out: list[Finding] = []
    for fn in CHECKS:
        out.extend(fn(ctx))
    if unknown:
        out = [f for f in out if not derived_from(f.code) & unknown.keys()]
    return sorted(profile.apply_severity(out), key=Finding.sort_key)


@lru_cache(maxsize=256)
def derived_from(code: str) -> frozenset[str]:
    """The fields a finding is derived from (the catalogue's ``reads``)."""
    return frozenset(catalogue()[code].get("reads", ()))


# ------------------------------------------------------------------ reading notes


@check
def reading_notes(c: _Ctx) -> Iterator[Finding]:
    for code, cell, params in (*c.r.notes, *c.s.notes):  # the reader's, then what computing found
        yield c.f(code, cell, **params)


# ------------------------------------------------------------------ funding


def _has_figures(row: FundingRow) -> bool:
    """A part row with any money figure typed in, zeros included."""
    return any(getattr(row, k).value is not None for k, _ in MONEY_COLS)


def _has_money(row: FundingRow) -> bool:
    """A 其中 row with any non-zero amount (a source printed “0 0” has nothing to execute)."""
    return any(getattr(row, k).value for k, _ in MONEY_COLS)


@check
def funding_completeness(c: _Ctx) -> Iterator[Finding]:
    for row in c.r.funding:
        if row.kind != "total" and not _has_money(row):
            continue  # 上年结转资金 / 其他资金 left empty: nothing to check
        for key, label in ((c.den, DEN_CN[c.den]), ("executed", "全年执行数")):
            # a cell holding what is not a number (#DIV/0!, “50²”) is filled, not missing: R005 says so
            if key in row.cells and getattr(row, key).value is None and key not in row.unread:
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
    """年度资金总额 = Σ its parts, per partition: by source (财政拨款 / 结转 / 其他) and, on a
    department table, by use (基本支出 / 项目支出) — two ways of splitting the same money."""
    total = c.total
    if total is None:
        return
    for kinds in vocabulary_for(c.p).partitions.values():
        parts = [f for f in c.r.funding if f.kind in kinds]
        if not parts:
            continue
        filled = [p for p in parts if _has_figures(p)]
        for key, label in MONEY_COLS:
            values = [getattr(p, key).value for p in parts if getattr(p, key).value is not None]
            tv = getattr(total, key).value
            held = [p for p in filled if key in p.cells]  # (a part written “基本支出：900.47” has one column)
            if tv is None or not (values or (held and key in total.cells and tv)):
                continue  # (parts filled with 0 0 but 执行数 left blank hold none of the total's 执行数)
            expected = sum(values)
            if differs(tv, expected, c.tol["money"]):
                yield c.f("F101", getattr(total, key).cell, column=label, parts=_names(parts),
                          expected=c.money(expected), found=c.money(tv))


@check
def funding_breakdowns(c: _Ctx) -> Iterator[Finding]:
    """A row split again into its own 其中 rows (基本支出 = 人员经费 + 公用经费): F113 per column."""
    for whole_kind, kinds in vocabulary_for(c.p).breakdowns.items():
        whole = c.r.funding_row(whole_kind)
        parts = [f for f in c.r.funding if f.kind in kinds and _has_figures(f)]
        if whole is None or not parts:
            continue
        for key, label in MONEY_COLS:
            values = [getattr(p, key).value for p in parts if getattr(p, key).value is not None]
            wv = getattr(whole, key).value
            if wv is not None and values and differs(wv, sum(values), c.tol["money"]):
                yield c.f("F113", getattr(whole, key).cell, label=whole.label.text or FUNDING_LABELS[whole_kind],
                          column=label, parts=_names(parts), expected=c.money(sum(values)), found=c.money(wv))


def _names(rows: list[FundingRow]) -> str:
    """The rows' labels as a finding lists them (made only when a finding is)."""
    return "、".join(p.label.text or FUNDING_LABELS[p.kind] for p in rows)


@check
def department_figures(c: _Ctx) -> Iterator[Finding]:
    """A 部门整体 form's 结转结余, 结转结余率, 预决算差异率 and 预算执行率 against its own money
    (D401–D404, computed in core.department: the side file's figures are checked the same way)."""
    if c.s.department is not None:
        total = c.total
        rate_cell = total.rate.cell if total is not None else None
        for f in c.s.department.findings:
            if not (f.code == "D403" and f.cell == rate_cell):  # the funding table's 执行率: F103 says it
                yield f


_EXPLAINED = ("调整", "调减", "调增", "追加", "追减", "调剂", "收回", "压减")


@check
def budget_change(c: _Ctx) -> Iterator[Finding]:
    """年初 → 全年 budget changed by more than the threshold with no word of why: on the
    年度资金总额 row, or — when that row is left empty — on the first part row that has both."""
    rows = [f for f in c.r.funding if f.initial.value and f.budget.value is not None]
    rows.sort(key=lambda f: f.kind != "total")
    if not rows:
        return
    row = rows[0]
    change = (row.budget.value - row.initial.value) / row.initial.value
    if abs(change) <= c.p["thresholds"]["budget_change"] + 1e-9:
        return
    texts = [i.deviation.text for i in c.r.indicators] + [c.r.goal_actual.text]
    if any(w in t for t in texts for w in _EXPLAINED):
        return
    yield c.f("F107", row.budget.cell, label=row.label.text or FUNDING_LABELS[row.kind],
              initial=c.money(row.initial.value), budget=c.money(row.budget.value), change=fmt_pct(change, 1),
              threshold=fmt_pct(c.p["thresholds"]["budget_change"], 0))


@check
def execution_score(c: _Ctx) -> Iterator[Finding]:
    total = c.total
    if total is None:
        return
    weight = c.s.execution_weight
    if c.s.execution_row is not None:
        return  # 预算执行率 is scored in the indicator table (I204 there); the funding row hands out nothing
    if total.weight.value is not None and differs(total.weight.value, c.p.execution_weight, 0):
        yield c.f("F109", total.weight.cell, expected=fmt_num(c.p.execution_weight),
                  found=fmt_num(total.weight.value), profile=c.p.name)
    if c.s.execution_rate is None or c.s.execution_score is None or weight is None or "score" not in total.cells:
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
    if s.kind == "execution":
        return f"预算执行率 {fmt_pct(s.ratio)} × 分值 {fmt_num(ind.weight.value)}"
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
        if "target" in cells and ind.target.empty and ind.needs_target and not ind.execution:
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
        elif s.computed is not None and score_differs(stated, s.computed, c.tol["score"], s.exact):
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
        if s.note == "deducted" and ind.deviation.empty:
            yield c.f("I225", ind.score.cell, name=ind.name, target=ind.target.text, actual=ind.actual.text,
                      weight=fmt_num(weight), found=fmt_num(stated))
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
            yield c.f("I219", ind.actual.cell, name=ind.name, target_unit=s.target.unit or "无",
                      actual_unit=parse_actual(ind.actual.raw).unit or "无")


_MONEY_UNITS = ("万元", "元", "千元", "亿元")


@check
def indicator_quality(c: _Ctx) -> Iterator[Finding]:
    vague = _vague_actuals(c.p)
    sat_min = c.p["thresholds"]["satisfaction_min"]
    budget = c.total
    budget_value = budget.budget.value if budget else None
    for s in c.s.indicators:
        ind = s.indicator
        target = s.target
        actual_is_vague = norm(ind.actual.text) in vague
        if actual_is_vague:
            yield c.f("I209", ind.actual.cell, name=ind.name, found=ind.actual.text)
        if not ind.target.empty and not target.quantitative and not is_deadline(ind.target.text):
            yield c.f("I210", ind.target.cell, name=ind.name, found=ind.target.text)
        if s.cost and target.quantitative and target.unit in _MONEY_UNITS:
            t = convert(target.value, target.unit, "万元")
            if budget_value is not None and t is not None and differs(t, budget_value, c.tol["money"]) and t > budget_value:
                yield c.f("I214", ind.target.cell, name=ind.name, target=c.money(t), budget=c.money(budget_value))
        if s.satisfaction:
            if target.quantitative and target.unit in ("%", "百分比") and target.value < sat_min * 100 - 1e-9:
                yield c.f("I215", ind.target.cell, name=ind.name, target=ind.target.text,
                          threshold=fmt_pct(sat_min, 0))
            actual = s.indicator.actual
            if not actual.empty and not parse_actual(actual.raw).quantitative:
                yield c.f("I216", actual.cell, name=ind.name, found=actual.text)


@lru_cache(maxsize=16)
def _vague_actuals(profile: Profile) -> frozenset[str]:
    return frozenset(norm(v) for v in profile["qualitative"]["vague_actuals"])


@check
def cost_ceiling(c: _Ctx) -> Iterator[Finding]:
    """成本指标 ceilings in money (“≤90万元”) that together fall short of the form's own 全年执行数,
    while every one of them keeps full marks. Ceilings are added up (维修 35 + 绿化 14.8 + 办公 15
    may together be the budget); unit costs far below the budget (“单项成本 ≤5万元”) are not
    project ceilings and are left out."""
    total = c.total
    executed = total.executed.value if total else None
    if executed is None:
        return
    scale = max(executed, total.budget.value or 0.0, total.initial.value or 0.0)
    ceilings = []
    for s in c.s.indicators:
        ind = s.indicator
        target = s.target
        if s.cost and target.quantitative and target.op == LOWER and target.unit in _MONEY_UNITS:
            t = convert(target.value, target.unit, "万元")
            if t is not None:
                ceilings.append((t, ind))
    whole = sum(t for t, _ in ceilings)
    if not ceilings or whole < 0.5 * scale or executed <= whole + c.tol["money"]:
        return
    if all(i.weight.value is not None and i.score.value is not None and i.score.value >= i.weight.value - 1e-9
           for _, i in ceilings):
        t, ind = max(ceilings, key=lambda x: x[0])
        yield c.f("I226", ind.score.cell, name=ind.name, target=ind.target.text, executed=c.money(executed),
                  found=fmt_num(ind.score.value))


@text_cache(maxsize=4096)
def _core(name: str) -> str:
    """Reduce a category label for tolerant matching: 服务对象满意度标 ~ 服务对象满意度指标."""
    t = norm(name)
    for suffix in ("指标", "标", "类"):
        if t.endswith(suffix) and len(t) > len(suffix):
            t = t[: -len(suffix)]
            break
    return t


def _level1_of(level2: str, fw: dict[str, list[str]]) -> str | None:
    """The framework's first level a second-level label belongs to (社会效益指标 → 效益指标)."""
    core2 = _core(level2)
    for l1, l2s in fw.items():
        if any(core2 == _core(x) for x in l2s):
            return l1
    return None


@check
def framework(c: _Ctx) -> Iterator[Finding]:
    if c.r.read.framework != "self":
        return  # a 项目评价 framework (决策 / 过程 / 产出 / 效益) has first levels of its own
    fw: dict[str, list[str]] = c.p["framework"]["level1"]
    known1, allowed_of = _framework_cores(c.p)
    seen: set[tuple[str, str | None]] = set()
    for g in c.r.level1_groups:
        if g.name and _core(g.name) not in known1:
            yield c.f("I213", g.cell, found=g.name, allowed="、".join(fw))
    for ind in c.r.indicators:
        l1 = known1.get(_core(ind.level1.text or ""))
        if l1 is None or ind.level2.empty:
            continue
        key = (ind.level2.text, ind.level2.cell)
        if key in seen:
            continue
        seen.add(key)
        allowed = allowed_of[l1]
        core2 = _core(ind.level2.text)
        if ind.level1_blank and (other := _level1_of(ind.level2.text, fw)) and _core(other) != _core(l1):
            continue  # a blank first level carried from above: I224 says so on the blank cell
        if not any(core2 == a or core2.startswith(a) or a.startswith(core2) and len(core2) >= 4 for a in allowed):
            yield c.f("I212", ind.level2.cell, found=ind.level2.text, level1=l1, allowed="、".join(fw[l1]))


@lru_cache(maxsize=16)
def _framework_cores(profile: Profile) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The framework's first levels by their core, and each one's second-level cores."""
    fw: dict[str, list[str]] = profile["framework"]["level1"]
    return {_core(k): k for k in fw}, {k: [_core(x) for x in v] for k, v in fw.items()}


@check
def level1_blank(c: _Ctx) -> Iterator[Finding]:
    """A first-level cell left blank where the second and third levels are filled: nothing
    above to carry, or the carried first level does not own the row's second level."""
    fw: dict[str, list[str]] = c.p["framework"]["level1"]
    previous_blank = False
    seen_groups: set[int] = set()
    for ind in c.r.indicators:
        if ind.level1_blank is None:
            previous_blank = False
            continue
        if ind.level1.raw is None:
            if not previous_blank and (ind.level2.text or ind.level3.text):
                yield c.f("I224", ind.level1_blank, row=ind.row, problem="空白，上方也没有可沿用的一级指标")
            previous_blank = True
            continue
        previous_blank = False
        if c.r.read.framework != "self" or ind.group2 in seen_groups or not ind.level2.text:
            continue
        if _misplaced(ind, fw):
            seen_groups.add(ind.group2)
            owner = _level1_of(ind.level2.text, fw)
            yield c.f("I224", ind.level1_blank, row=ind.row,
                      problem=f"空白，沿用上方的“{ind.level1.text}”，但二级指标“{ind.level2.text}”属于“{owner}”")


def _misplaced(ind, fw: dict[str, list[str]]) -> bool:
    """A first level carried down over a blank cell onto a second level it does not own."""
    if not ind.level1_blank or ind.level1.raw is None or not ind.level2.text:
        return False
    owner = _level1_of(ind.level2.text, fw)
    return bool(owner) and _core(owner) != _core(ind.level1.text)


@check
def level_weights(c: _Ctx) -> Iterator[Finding]:
    """Group labels “产出指标（50分）” / “数量指标（10分）” against what their rows hold; first-level
    sums against the profile's default weights (pooled by name: 效益 written twice is one 效益)."""
    labels_only = weight_from_labels(c.r)
    cost_l1 = _core(c.p["framework"]["cost_level1"])
    has_cost = any(s.cost for s in c.s.indicators)
    fw = c.p["framework"]["level1"]
    placed = [i for i in c.r.indicators if c.r.read.framework != "self" or not _misplaced(i, fw)]
    for level, groups in ((1, c.r.level1_groups), (2, c.r.level2_groups)):
        members: dict[int, list] = {}
        for ind in placed if level == 1 else c.r.indicators:
            members.setdefault(ind.group1 if level == 1 else ind.group2, []).append(ind)
        for gi, g in enumerate(groups):
            inds = members.get(gi, [])
            if not inds:
                if level == 1 and g.name and not (_core(g.name) == cost_l1 and has_cost):
                    yield c.f("I211", g.cell, level1=g.name)  # 成本 as a second level (2020 form) is fine
                continue
            if g.stated_weight is None:
                continue
            name = g.name or f"（{fmt_num(g.stated_weight)}分）"
            if not labels_only:
                if any("weight" in i.unread for i in inds):
                    continue  # a 分值 of the group not read (R005): its sum is not known
                found = sum(i.weight.value or 0.0 for i in inds)
                if differs(g.stated_weight, found, c.tol["score"]):
                    yield c.f("I217", g.cell, level=("一级指标", "二级指标")[level - 1], level1=name,
                              expected=fmt_num(g.stated_weight), found=fmt_num(found))
            else:
                scored = sum(i.score.value or 0.0 for i in inds)
                if scored > g.stated_weight + c.tol["score"]:
                    yield c.f("I203", g.cell, name=name, found=fmt_num(scored), weight=fmt_num(g.stated_weight))
    if c.r.read.framework != "self" or labels_only:
        return
    profile_weights = _level1_weights(c.p)
    sums: dict[str, float] = {}
    first_cell: dict[str, str | None] = {}
    unread: set[str] = set()
    for ind in c.r.indicators:
        name = ind.level1.text or ""
        sums[name] = sums.get(name, 0.0) + (ind.weight.value or 0.0)
        first_cell.setdefault(name, ind.level1.cell)
        if "weight" in ind.unread:
            unread.add(name)  # a 分值 not read (R005): this first level's sum is not known
    for name, total in sums.items():
        pw = profile_weights.get(_core(name))
        if name and name not in unread and pw is not None and differs(total, pw[1], c.tol["score"]):
            yield c.f("I218", first_cell[name], level1=name, expected=fmt_num(pw[1]), found=fmt_num(total),
                      profile=c.p.name)


@lru_cache(maxsize=16)
def _level1_weights(profile: Profile) -> dict[str, tuple[str, float]]:
    """The profile's first-level weights by the core of their name."""
    return {_core(k): (k, v) for k, v in profile["weights"]["level1"].items()}


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
    t, sc = c.r.total, c.s
    if not c.r.indicators and not c.r.funding:
        return
    if sc.weights_total is not None and differs(sc.weights_total, expected_total, c.tol["score"]):
        cell = t.weight.cell if t and t.weight.cell else (t.label.cell if t else None)
        ew = sc.execution_weight or 0.0
        yield c.f("T301", cell, expected=fmt_num(expected_total), found=fmt_num(sc.weights_total),
                  execution=fmt_num(ew), indicators=fmt_num(sc.weights_total - ew))
    if t is not None and sc.weights_total is not None and t.weight.value is not None \
            and differs(t.weight.value, sc.weights_total, c.tol["score"]):
        yield c.f("T302", t.weight.cell, expected=fmt_num(sc.weights_total), found=fmt_num(t.weight.value))
    stated = [(t.score, t.cells.get("score"))] if t is not None and "score" in t.cells else []
    if c.r.stated_total.raw is not None:
        stated.append((c.r.stated_total, c.r.stated_total.cell))  # “自评得分：98” in the title area
    for f, cell in stated:
        if f.raw is None:  # blank whatever the figure: said, with the figure only when it is known
            known = sc.total_score is not None
            yield c.f("T303", cell, expected=f"应为 {fmt_num(sc.total_score)}" if known else "且总分无法计算")
    if sc.total_score is None:
        return  # not known (an R finding or I202 says why): nothing is compared with it
    for f, _cell in stated:
        if f.raw is not None and f.value is not None and score_differs(f.value, sc.total_score, c.tol["score"]):
            yield c.f("T304", f.cell, expected=fmt_num(sc.total_score), found=fmt_num(f.value),
                      execution=fmt_num(sc.execution_score), indicators=fmt_num(sc.indicator_score))
    if sc.uncapped_total is not None:
        cap = min(x["max_total"] for x in c.p["execution"]["score_caps"] if sc.execution_rate < x["below"])
        below = min(x["below"] for x in c.p["execution"]["score_caps"] if x["max_total"] == cap)
        yield c.f("T305", t.cells.get("score") if t else c.r.stated_total.cell, rate=fmt_pct(sc.execution_rate),
                  below=fmt_pct(below, 0), cap=fmt_num(cap), uncapped=fmt_num(sc.uncapped_total), profile=c.p.name)
    g = c.r.grade
    if g.raw is not None and not isinstance(g.raw, Formula) and sc.grade and norm(g.text)[:1] != sc.grade[:1]:
        yield c.f("T306", g.cell, expected=sc.grade, found=g.text, bands=c.p.grade_bands_text())


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
