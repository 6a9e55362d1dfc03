"""Three years of generated submissions for the archive tests and benchmark, with planted cases.

Each project has its own topic, and its indicator names start with that topic, so two
different projects never share indicators (as in real tables) and a renamed project keeps
its indicators. Ordinary projects vary from year to year the way real ones do: new actual
values, execution rates and budgets within a few percent, one satisfaction indicator a little
short of its target with a deviation note. Then the planted cases, each recorded in
:class:`Truth` for the comparison of that year with the year before:

- ``copied``: this year's indicator table is last year's, actual values included (one text
  only has its year number changed);
- ``lowered``: a ≥ target lowered so that it is met, the score rising;
- ``budget_up``: the budget up by half, two targets missed, the score falling;
- ``perfect``: every indicator at full marks with no deviation note, two years running
  (a whole unit of them);
- ``renamed``: a new name, the same indicators; ``year prefix`` names (“2023年度…”) that only
  differ by their year are the same project;
- ``new`` / ``ended``: a project started in a unit where another one stopped, with other
  indicators (must not be taken for a rename);
- ``undecided``: a project renamed where last year two projects had its indicators.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from builders import Form, Ind, make_grid

YEARS = (2022, 2023, 2024)

# topic → (three quantity/quality/time/cost indicator words)
TOPICS = [
    "助餐", "托育", "矫正", "信访", "普法", "禁毒", "消防", "防汛", "环卫", "绿化", "体检", "就业",
    "助学", "养老", "残助", "征兵", "档案", "统计", "食安", "药监", "水务", "燃气", "供暖", "路灯",
    "停车", "垃圾", "公厕", "图书", "文体", "非遗", "志愿", "调解", "救助", "退役", "妇幼", "疫苗",
]


def indicators(topic: str, year: int, seed: int, *, miss: int = 0, perfect: bool = False,
               target_scale: float = 1.0, actual_scale: float = 1.0) -> list[Ind]:
    """Six indicators named after ``topic``; the first ``miss`` quantity targets are missed."""
    wobble = 1 + 0.01 * ((seed * 7 + year) % 5)  # actual values move a little every year
    base = 400 + 20 * (seed % 7)
    tgt = round(base * target_scale)
    count = round(base * 1.05 * wobble * actual_scale)
    out = []
    specs = [
        ("产出指标", "数量指标", f"{topic}服务人次", ">=", tgt, "人次", count, 20),
        ("产出指标", "质量指标", f"{topic}服务合格率", ">=", 95, "%", 96 + (seed + year) % 4, 15),
        ("产出指标", "时效指标", f"{topic}问题响应时间", "<=", 8, "小时", 7 - (seed + year) % 3, 10),
        ("产出指标", "成本指标", f"{topic}人均成本", "<=", 50, "元", 46 + (seed + year) % 3, 5),
    ]
    for i, (l1, l2, l3, op, target, unit, actual, weight) in enumerate(specs):
        if i < miss:
            actual = round(target * 0.8) if op == ">=" else round(target * 1.25)
        met = actual >= target if op == ">=" else actual <= target
        score = weight if met else round(weight * (actual / target if op == ">=" else target / actual), 2)
        sign = "≥" if op == ">=" else "≤"
        dev = None if met else f"{topic}工作量受辖区人口变化影响未达目标，下一年度将加强统筹"
        out.append(Ind(l1, l2, l3, f"{sign}{target}{unit}", f"{actual}{unit}", weight, score, dev))
    out.append(Ind("效益指标", "社会效益指标", f"{topic}工作社会效益", "有效提升",
                   f"{year}年{topic}服务水平有效提升，达成预期指标", 30, 30))
    sat = 92 + (seed + year) % 5 if perfect else 85 + (seed + year) % 3
    sat_score = 10 if sat >= 90 else round(10 * sat / 90, 2)
    out.append(Ind("满意度指标", "服务对象满意度指标", f"{topic}服务对象满意度", "≥90%", f"{sat}%", 10, sat_score,
                   None if sat >= 90 else "部分群众对办理时限不满意，将优化流程"))
    return out


def form(project: str, unit: str, year: int, inds: list[Ind], budget: float, rate: float) -> Form:
    executed = round(budget * rate, 2)
    exec_score = round(10 * min(rate, 1), 2)
    total = round(exec_score + sum(i.score for i in inds), 2)
    return Form(project=project, department="某某区民政局", unit=unit, year_text=f"（{year} 年度）",
                total=(budget, budget, executed, 10, round(rate, 4), exec_score),
                current=(budget, budget, executed, "—", round(rate, 4), "—"), indicators=inds,
                total_row=(100, total))


@dataclass
class Truth:
    """What the comparison of ``year`` with ``year - 1`` must find, by (unit, project) of ``year``."""

    pairs: set = field(default_factory=set)  # (unit, this year's name, last year's name, kind)
    new: set = field(default_factory=set)  # (unit, name)
    ended: set = field(default_factory=set)  # (unit, last year's name)
    undecided: set = field(default_factory=set)
    copied: set = field(default_factory=set)
    lowered: set = field(default_factory=set)  # (unit, name, indicator)
    budget_up: set = field(default_factory=set)
    perfect: set = field(default_factory=set)


@dataclass
class Corpus:
    forms: dict[int, list[tuple[str, Form]]]  # year → (relative path, form)
    truth: dict[int, Truth]

    def grids(self, year: int):
        return [(path, make_grid(f, sheet="自评表")) for path, f in self.forms[year]]

    def count(self) -> int:
        return sum(len(v) for v in self.forms.values())


def build(units: int = 8, per_unit: int = 3, years=YEARS) -> Corpus:
    """Ordinary projects for ``units`` × ``per_unit``, then the planted cases."""
    forms: dict[int, list[tuple[str, Form]]] = defaultdict(list)
    truth = {y: Truth() for y in years[1:]}
    topics = iter(TOPICS * (1 + units * per_unit // len(TOPICS)))
    serial = [0]

    def add(year: int, unit: str, name: str, inds: list[Ind], budget: float, rate: float) -> None:
        serial[0] += 1
        forms[year].append((f"{year}/{unit}/{serial[0]:05d}.xlsx", form(name, unit, year, inds, budget, rate)))

    def steady(unit: str, name: str, topic: str, seed: int, span=years) -> None:
        for y in span:
            budget = round(40 + seed % 9 * 5 + (y % 3) * 0.6, 2)
            add(y, unit, f"{y}年度{name}", indicators(topic, y, seed), budget, 0.95 + 0.01 * ((seed + y) % 3))
        for y in span[1:]:
            if y in truth:
                truth[y].pairs.add((unit, f"{y}年度{name}", f"{y - 1}年度{name}", "同名"))

    seed = 0
    for u in range(units):
        unit = f"第{u + 1}社区服务中心"
        for _p in range(per_unit):
            topic = next(topics)
            steady(unit, f"{topic}服务项目", topic, seed)
            seed += 1

    a, b = years[-1], years[-2]
    # copied: the whole table of b repeated in a (the year inside the texts changed)
    unit = "第1社区服务中心"
    for y in (b, a):
        inds = indicators("助残", b, 101)
        for i in inds:
            if isinstance(i.actual, str):
                i.actual = i.actual.replace(str(b), str(y))
        add(y, unit, "助残服务项目", inds, 60.0, 0.97)
    truth[a].pairs.add((unit, "助残服务项目", "助残服务项目", "同名"))
    truth[a].copied.add((unit, "助残服务项目"))

    # lowered: 服务人次 target 600 → 480, met instead of missed; the score rises
    unit = "第2社区服务中心"
    add(b, unit, "社区阅读推广", indicators("阅读", b, 102, target_scale=1.4, actual_scale=1.2), 30.0, 0.96)
    add(a, unit, "社区阅读推广", indicators("阅读", a, 102, target_scale=1.0, actual_scale=1.2), 30.0, 0.96)
    truth[a].pairs.add((unit, "社区阅读推广", "社区阅读推广", "同名"))
    truth[a].lowered.add((unit, "社区阅读推广", "阅读服务人次"))

    # budget up by half, two targets missed
    unit = "第3社区服务中心"
    add(b, unit, "老旧小区加装电梯补助", indicators("电梯", b, 103), 80.0, 0.98)
    add(a, unit, "老旧小区加装电梯补助", indicators("电梯", a, 103, miss=2), 120.0, 0.98)
    truth[a].pairs.add((unit, "老旧小区加装电梯补助", "老旧小区加装电梯补助", "同名"))
    truth[a].budget_up.add((unit, "老旧小区加装电梯补助"))

    # a unit whose every form is perfect both years, no deviation notes
    unit = "某街道办事处"
    for k, topic in enumerate(("网格", "楼门")):
        for y in (b, a):
            add(y, unit, f"{y}年{topic}化管理项目", indicators(topic, y, 110 + k, perfect=True), 20.0 + k, 1.0)
        truth[a].pairs.add((unit, f"{a}年{topic}化管理项目", f"{b}年{topic}化管理项目", "同名"))
        truth[a].perfect.add((unit, f"{a}年{topic}化管理项目"))

    # renamed with the same indicators
    unit = "第4社区服务中心"
    add(b, unit, "老年人助餐服务", indicators("老餐", b, 104), 45.0, 0.95)
    add(a, unit, "社区老年人助餐服务提升项目", indicators("老餐", a, 104), 46.0, 0.96)
    truth[a].pairs.add((unit, "社区老年人助餐服务提升项目", "老年人助餐服务", "更名"))

    # one project ended, another started in the same unit, with other indicators
    unit = "第5社区服务中心"
    add(b, unit, "社区戒烟宣传", indicators("戒烟", b, 105), 10.0, 0.9)
    add(a, unit, "社区戒烟门诊建设", indicators("门诊", a, 106), 25.0, 0.9)
    truth[a].ended.add((unit, "社区戒烟宣传"))
    truth[a].new.add((unit, "社区戒烟门诊建设"))

    # undecided: last year two projects carried these indicators
    unit = "第6社区服务中心"
    add(b, unit, "东片区助浴服务", indicators("助浴", b, 107), 12.0, 0.95)
    add(b, unit, "西片区助浴服务", indicators("助浴", b, 108), 12.0, 0.95)
    add(a, unit, "全区助浴服务", indicators("助浴", a, 109), 24.0, 0.95)
    truth[a].undecided.add((unit, "全区助浴服务"))

    # earlier pair of years: a rename and a lowered target there too
    if len(years) >= 3:
        c, d = years[-2], years[-3]
        unit = "第7社区服务中心"
        add(d, unit, "“平安校园”护学岗项目", indicators("护学", d, 120), 15.0, 0.99)
        add(c, unit, "平安校园 护学岗", indicators("护学", c, 120), 15.0, 0.99)
        truth[c].pairs.add((unit, "平安校园 护学岗", "“平安校园”护学岗项目", "同名"))
        add(d, unit, "家庭医生签约", indicators("签约", d, 121, target_scale=1.5, actual_scale=1.3), 33.0, 0.97)
        add(c, unit, "家庭医生签约服务", indicators("签约", c, 121, target_scale=1.1, actual_scale=1.3), 33.0, 0.97)
        truth[c].pairs.add((unit, "家庭医生签约服务", "家庭医生签约", "更名"))
        truth[c].lowered.add((unit, "家庭医生签约服务", "签约服务人次"))
    _new_and_ended(forms, truth)
    return Corpus(dict(forms), truth)


def _new_and_ended(forms: dict[int, list[tuple[str, Form]]], truth: dict[int, Truth]) -> None:
    """Whatever no planted pair or undecided case accounts for is new (this year) or ended (last year)."""
    candidates = {"第6社区服务中心": {"东片区助浴服务", "西片区助浴服务"}}
    for y, t in truth.items():
        paired_a = {(u, n) for u, n, _o, _k in t.pairs} | t.undecided
        paired_b = {(u, o) for u, _n, o, _k in t.pairs}
        paired_b |= {(u, n) for u, names in candidates.items() for n in names if (u, "全区助浴服务") in t.undecided}
        t.new |= {(f.unit, f.project) for _p, f in forms[y]} - paired_a
        t.ended |= {(f.unit, f.project) for _p, f in forms[y - 1]} - paired_b
