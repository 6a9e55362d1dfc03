"""The year-on-year review (年度对比) of two archived years, and its Y-family findings.

For each project matched across the years (:mod:`.match`): the change in 全年预算数, 执行率
and computed score, and four checks whose thresholds are the profile's ``year_review``:

- Y601 indicators copied verbatim: at least ``copied_min`` indicators, and at least
  ``copied_share`` of the form's indicators, have the same name, the same 年度指标值 and the same
  实际完成值 text as last year (a year number changed inside the text does not count as a change);
- Y602 a target made easier (a ≥ target lowered, a ≤ target raised, same unit) while the
  project's computed score rose;
- Y603 全年预算数 grew by ``budget_growth`` or more while the score fell by ``score_drop`` or more;
- Y604 every indicator at full marks with no 偏差原因 in both years.

Plus Y605 (a rename the rule accepted) and Y606 (a match the rule could not decide). New and
ended projects and each unit's mean score over the archived years are listed in the review.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from jixiao.processor.archive.entry import FormEntry, IndicatorEntry
from jixiao.processor.archive.match import (
    KIND_RENAMED,
    Match,
    Matching,
    Override,
    Undecided,
    match_years,
    text_key,
    unit_key,
)
from jixiao.processor.core.findings import Finding, make
from jixiao.processor.core.rules import Profile, load_profile
from jixiao.processor.core.values import HIGHER, LOWER, UNIT_SCALE, convert, fmt_num, fmt_pct, norm

TREND_YEARS = 5  # unit trends show at most this many archived years


class YearOrderError(ValueError):
    """``against`` is not earlier than ``year``."""
_ANY_YEAR = re.compile(r"(?:19|20)\d{2}")


@dataclass
class PairReview:
    match: Match
    budget_change: float | None  # fraction: 0.25 = +25%
    rate_change: float | None  # difference of execution rates (fractions)
    score_change: float | None  # None when either year's total could not be computed
    copied: list[IndicatorEntry] = field(default_factory=list)  # this year's copied indicators
    lowered: list[tuple[IndicatorEntry, IndicatorEntry]] = field(default_factory=list)  # (this, last)
    budget_up_score_down: bool = False
    full_marks_both: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def new(self) -> FormEntry:
        return self.match.new

    @property
    def old(self) -> FormEntry:
        return self.match.old

    @property
    def flags(self) -> list[str]:
        out = []
        if self.copied:
            out.append(f"指标照搬上年（{len(self.copied)}/{len(self.new.indicators)} 项）")
        if self.lowered:
            out.append(f"目标调低而得分上升（{len(self.lowered)} 项）")
        if self.budget_up_score_down:
            out.append("预算增加而得分下降")
        if self.full_marks_both:
            out.append("连续两年满分且无偏差说明")
        return out


@dataclass
class UnitTrend:
    unit: str
    key: str
    scores: dict[int, tuple[int, float | None]]  # year → (forms, mean computed score; None: no form had one)
    change: float | None  # mean score this year − last year
    rose: int = 0  # matched projects whose score rose / fell
    fell: int = 0
    full_marks_both: bool = False  # every form of the unit perfect, both years

    @property
    def direction(self) -> str:
        if self.change is None:
            return "—"
        return "上升" if self.change > 0.005 else "下降" if self.change < -0.005 else "持平"


@dataclass
class YearReview:
    year: int
    against: int | None
    pairs: list[PairReview]
    new: list[FormEntry]
    ended: list[FormEntry]
    undecided: list[Undecided]
    units: list[UnitTrend]
    trend_years: list[int]
    unused_overrides: list[Override]
    form_findings: list[tuple[FormEntry, Finding]]  # every Y finding with the form of ``year`` it is about
    forms_a: int = 0
    forms_b: int = 0
    scope: str = ""  # what the comparison covers, for the sheet (set by merge)

    @property
    def findings(self) -> list[Finding]:
        return [f for _form, f in self.form_findings]

    def count(self, flag: str) -> int:
        return sum(1 for p in self.pairs if any(f.startswith(flag) for f in p.flags))

    def summary_lines(self) -> list[str]:
        if self.against is None:
            return [f"{self.year} 年度 {self.forms_a} 个项目；档案中没有更早年度的数据，无法对比。"]
        renamed = sum(1 for p in self.pairs if p.match.kind == KIND_RENAMED)
        lines = [
            f"{self.year} 年度 {self.forms_a} 个项目，{self.against} 年度 {self.forms_b} 个项目：延续 {len(self.pairs)} 个"
            f"（其中更名 {renamed} 个），新增 {len(self.new)} 个，终止 {len(self.ended)} 个，无法确定 {len(self.undecided)} 个。",
            f"指标照搬上年 {self.count('指标照搬')} 个，目标调低而得分上升 {self.count('目标调低')} 个，"
            f"预算增加而得分下降 {self.count('预算增加')} 个，连续两年满分且无偏差说明 {self.count('连续两年')} 个。",
        ]
        if self.unused_overrides:
            lines.append("对照文件中有 {} 行没有找到对应项目：{}".format(
                len(self.unused_overrides), "；".join(o.source for o in self.unused_overrides)))
        return lines

    def as_json(self) -> dict[str, Any]:
        def form(f: FormEntry) -> dict[str, Any]:
            return {"file": f.file_name, "sheet": f.sheet, "year": f.year, "project": f.project, "unit": f.unit,
                    "budget": f.budget, "execution_rate": f.execution_rate, "total_score": f.total_score}

        return {
            "format": "jixiao-year-review", "version": 1, "year": self.year, "against": self.against,
            "pairs": [{"kind": p.match.kind, "evidence": p.match.evidence, "this": form(p.new), "last": form(p.old),
                       "budget_change": p.budget_change, "rate_change": p.rate_change,
                       "score_change": p.score_change, "flags": p.flags,
                       "copied": [i.name for i in p.copied],
                       "lowered": [{"indicator": n.name, "this": n.target_text, "last": o.target_text}
                                   for n, o in p.lowered]} for p in self.pairs],
            "new": [form(f) for f in self.new],
            "ended": [form(f) for f in self.ended],
            "undecided": [{**form(u.form), "reason": u.reason, "candidates": [form(c) for c in u.candidates]}
                          for u in self.undecided],
            "units": [{"unit": u.unit, "scores": {str(y): {"forms": n, "mean": m} for y, (n, m) in u.scores.items()},
                       "change": u.change, "direction": u.direction, "rose": u.rose, "fell": u.fell,
                       "full_marks_both": u.full_marks_both} for u in self.units],
            "unused_overrides": [o.source for o in self.unused_overrides],
            "findings": [{"file": f.file, **f.as_json()} for f in self.findings],
        }


def year_rules(profile: Profile) -> dict[str, float]:
    """The profile's ``year_review`` numbers (a profile written before they existed uses the default's)."""
    rules = profile.data.get("year_review")
    return rules if rules is not None else load_profile()["year_review"]


def review(forms_a: list[FormEntry], forms_b: list[FormEntry], *, year: int, against: int | None,
           profile: Profile | None = None, overrides: list[Override] = (),
           unit_history: list[tuple[int, str, str, int, float]] = ()) -> YearReview:
    """Compare the forms of ``year`` with those of ``against`` (pure: no database)."""
    profile = profile or load_profile()
    rules = year_rules(profile)
    if against is None:
        m = Matching(new=list(forms_a))
    else:
        m = match_years(forms_a, forms_b, a=year, b=against, overrides=list(overrides), rules=rules)
    tol = profile.tol["score"]
    pairs = [_pair(x, rules, tol, year, against) for x in m.matches]
    pairs.sort(key=lambda p: (unit_key(p.new.unit, p.new.department), text_key(p.new.project), p.new.file_name))
    per_form: list[tuple[FormEntry, Finding]] = []
    for p in pairs:
        p.findings = profile.apply_severity(p.findings)
        per_form += [(p.new, f) for f in p.findings]
    for u in m.undecided:
        f = u.form
        per_form += [(f, x) for x in profile.apply_severity([make(
            "Y606", file=f.file_name, sheet=f.sheet, cell=f.project_cell, project=f.project, year=against,
            reason=u.reason, candidates="、".join(c.project for c in u.candidates))])]
    per_form.sort(key=lambda fx: fx[1].sort_key())
    units = _units(forms_a, forms_b, pairs, unit_history, year, against, m)
    years = sorted({y for y, *_ in unit_history} | {year} | ({against} if against else set()))[-TREND_YEARS:]
    return YearReview(year, against, pairs, sorted(m.new, key=_form_order), sorted(m.ended, key=_form_order),
                      m.undecided, units, years, m.unused_overrides, per_form, len(forms_a), len(forms_b))


def _form_order(f: FormEntry) -> tuple:
    return (unit_key(f.unit, f.department), text_key(f.project), f.file_name)


def _pair(m: Match, rules: dict, tol: float, year: int, against: int) -> PairReview:
    a, b = m.new, m.old
    budget_change = (a.budget / b.budget - 1) if a.budget is not None and b.budget else None
    rate_change = (a.execution_rate - b.execution_rate
                   if a.execution_rate is not None and b.execution_rate is not None else None)
    score_change = (a.total_score - b.total_score
                    if a.total_score is not None and b.total_score is not None else None)
    p = PairReview(m, budget_change, rate_change, score_change)
    where = {"file": a.file_name, "sheet": a.sheet}
    common = {"old_year": against, "old_project": b.project, "old_file": b.file_name}
    if m.kind == KIND_RENAMED:
        p.findings.append(make("Y605", cell=a.project_cell, **where, project=a.project, evidence=m.evidence,
                               **common))

    copied = _copied(a, b)
    named = [i for i in a.indicators if i.name]
    if named and len(copied) >= rules["copied_min"] and len(copied) / len(named) >= rules["copied_share"] - 1e-9:
        p.copied = copied
        p.findings.append(make("Y601", cell=copied[0].actual_cell or copied[0].target_cell, **where,
                               copied=len(copied), total=len(named), **common))
    if score_change is not None and score_change > tol:
        p.lowered = _lowered(a, b)
        for n, o in p.lowered:
            p.findings.append(make("Y602", cell=n.target_cell, **where, name=n.name, old_target=o.target_text,
                                   new_target=n.target_text, old_score=fmt_num(b.total_score),
                                   new_score=fmt_num(a.total_score), **common))
    if (budget_change is not None and budget_change >= rules["budget_growth"] - 1e-9
            and score_change is not None and -score_change >= rules["score_drop"] - 1e-9):
        p.budget_up_score_down = True
        p.findings.append(make("Y603", cell=a.budget_cell, **where, old_budget=fmt_num(b.budget),
                               new_budget=fmt_num(a.budget), growth=fmt_pct(budget_change, 1),
                               old_score=fmt_num(b.total_score), new_score=fmt_num(a.total_score), **common))
    if a.full_marks_no_deviation and b.full_marks_no_deviation:
        p.full_marks_both = True
        p.findings.append(make("Y604", cell=a.project_cell, **where, year=year, count=len(a.indicators), **common))
    return p


def copy_key(text: str) -> str:
    """Text as compared for copying: width and spaces ignored, any year number the same."""
    return _ANY_YEAR.sub("#", norm(text))


def _copied(a: FormEntry, b: FormEntry) -> list[IndicatorEntry]:
    """This year's indicators whose name, target and actual text are all last year's."""
    last = Counter((text_key(i.name), copy_key(i.target_text), copy_key(i.actual_text))
                   for i in b.indicators if i.name and i.actual_text)
    out = []
    for i in a.indicators:
        key = (text_key(i.name), copy_key(i.target_text), copy_key(i.actual_text))
        if i.name and i.actual_text and last[key] > 0:
            last[key] -= 1
            out.append(i)
    return out


def _lowered(a: FormEntry, b: FormEntry) -> list[tuple[IndicatorEntry, IndicatorEntry]]:
    """Indicators (paired by name, in order) whose quantitative target became easier to meet."""
    last: dict[str, list[IndicatorEntry]] = defaultdict(list)
    for i in b.indicators:
        if i.name:
            last[text_key(i.name)].append(i)
    out = []
    for n in a.indicators:
        olds = last.get(text_key(n.name)) if n.name else None
        if not olds:
            continue
        o = olds.pop(0)
        if easier(n, o):
            out.append((n, o))
    return out


def easier(new: IndicatorEntry, old: IndicatorEntry) -> bool:
    """The same ≥ / ≤ target with a lower (≥) or higher (≤) number in a comparable unit."""
    if new.target_op != old.target_op or new.target_op not in (HIGHER, LOWER):
        return False
    if new.target_value is None or old.target_value is None:
        return False
    if new.target_unit != old.target_unit and not (new.target_unit in UNIT_SCALE and old.target_unit in UNIT_SCALE):
        return False
    value = convert(new.target_value, new.target_unit, old.target_unit)
    if value is None:
        return False
    eps = 1e-9 * max(1.0, abs(old.target_value))
    return value < old.target_value - eps if new.target_op == HIGHER else value > old.target_value + eps


def _units(forms_a: list[FormEntry], forms_b: list[FormEntry], pairs: list[PairReview],
           history: list[tuple[int, str, str, int, float]], year: int, against: int | None,
           m: Matching) -> list[UnitTrend]:
    scores: dict[str, dict[int, tuple[int, float]]] = defaultdict(dict)
    names: dict[str, str] = {}
    for y, key, name, n, mean in history:
        scores[key][y] = (n, mean)
        names.setdefault(key, name)
    for y, forms in ((year, forms_a), (against, forms_b)):  # the compared years from the forms themselves
        if y is None:
            continue
        groups: dict[str, list[FormEntry]] = defaultdict(list)
        for f in forms:
            groups[unit_key(f.unit, f.department)].append(f)
        for key, fs in groups.items():
            known = [f.total_score for f in fs if f.total_score is not None]
            scores[key][y] = (len(fs), sum(known) / len(known) if known else None)
            if y == year or key not in names:
                names[key] = fs[0].unit or fs[0].department
    out = []
    by_a, by_b = defaultdict(list), defaultdict(list)
    for f in forms_a:
        by_a[unit_key(f.unit, f.department)].append(f)
    for f in forms_b:
        by_b[unit_key(f.unit, f.department)].append(f)
    moved: dict[str, list[float]] = defaultdict(list)
    for p in pairs:
        if p.score_change is not None:
            moved[unit_key(p.new.unit, p.new.department)].append(p.score_change)
    for key in sorted(scores):
        if year not in scores[key] and against not in scores[key]:
            continue
        ys = scores[key]
        now, before = ys.get(year, (0, None))[1], ys.get(against, (0, None))[1]
        change = now - before if now is not None and before is not None else None
        t = UnitTrend(names.get(key, key), key, dict(sorted(ys.items())), change)
        t.rose = sum(1 for d in moved[key] if d > 0.005)
        t.fell = sum(1 for d in moved[key] if d < -0.005)
        fa, fb = by_a.get(key, []), by_b.get(key, [])
        t.full_marks_both = bool(fa and fb) and all(f.full_marks_no_deviation for f in fa + fb)
        out.append(t)
    return out


def compare_years(archive, year: int | None = None, against: int | None = None, *,
                  profile: Profile | None = None, overrides: list[Override] | None = None) -> YearReview:
    """Review ``year`` (default: the latest archived) against ``against`` (default: the latest before it)."""
    from jixiao.processor.core.errors import InputError

    years = sorted(y.year for y in archive.years() if y.year is not None)
    if not years:
        raise InputError.of("Y694", file=archive.label, year=year or "任何", years="（空）")
    year = year if year is not None else years[-1]
    if year not in years:
        raise InputError.of("Y694", file=archive.label, year=year, years="、".join(map(str, years)))
    if against is None:
        earlier = [y for y in years if y < year]
        against = earlier[-1] if earlier else None
    elif against >= year:
        raise YearOrderError("against must be an earlier year than year")
    elif against not in years:
        raise InputError.of("Y694", file=archive.label, year=against, years="、".join(map(str, years)))
    overrides = archive.overrides() if overrides is None else overrides
    loaded = archive.forms(*([year] + ([against] if against is not None else [])))
    trend = [y for y in years if y <= year][-TREND_YEARS:]
    history = [h for h in archive.unit_scores(trend) if h[0] not in (year, against)]
    return review(loaded[year], loaded.get(against, []) if against is not None else [], year=year,
                  against=against, profile=profile, overrides=overrides, unit_history=history)
