"""Which project of one year is which project of another (docs/档案.md, “跨年匹配规则”).

The rule, applied in this order to the projects of year B (earlier) and year A (later):

0. **Override file** first: pairs it names as 同一项目 are matched, pairs it names as
   不同项目 are never matched, units it names as 同一单位 count as one unit.
1. **Same unit, same normalised name.** The unit is the 实施单位 (the 主管部门 when it is
   empty); names are compared after :func:`project_key`: full-width → half-width, spaces,
   punctuation and brackets removed, year expressions of the form's own budget year or the
   next or previous one (“2024年度”, “（2023年）”, “2023-2024年”, “二〇二四年”) removed —
   any other year is part of the name (“2035年远景规划” is not “2030年远景规划”) —, a leading
   “关于” and a trailing “项目” dropped.
   When two projects of one year in one unit share a key, none of them is matched by this
   step (reported as undecided).
2. **Rename, only when confident.** Among what is left in one unit, a project of A and one of
   B are the same renamed project when their third-level indicators overlap by at least
   ``rename_indicator_overlap`` (share of the larger set, default 60%) *and* their names are
   at least ``rename_name_similarity`` alike (default 0.5) — and each is the other's only such
   candidate. Names that carry different phase or batch markers (“一期”/“二期”,
   “第一批”/“第二批”) are different projects, never a rename. More than one candidate:
   undecided, reported, never guessed.
3. Everything else is **new** (only in A) or **ended** (only in B); an undecided project is
   listed apart with its candidates, which are then neither new nor ended.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

from jixiao.processor.archive.entry import FormEntry
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.values import norm
from jixiao.processor.files.fileio import os_reason

SAME, DIFFERENT, SAME_UNIT = "same", "different", "same_unit"
ACTIONS_CN = {"同一项目": SAME, "不同项目": DIFFERENT, "同一单位": SAME_UNIT}
OVERRIDE_COLUMNS = ("上年年度", "上年单位", "上年项目", "本年年度", "本年单位", "本年项目", "处理", "说明")

KIND_SAME_NAME, KIND_RENAMED, KIND_OVERRIDE = "同名", "更名", "人工指定"

_YEAR = re.compile(r"((?:19|20)\d{2})(?:[-~至到]((?:19|20)?\d{2}))?(?:年度|年)")
_YEAR_BRACKETED = re.compile(r"[(\[【]((?:19|20)\d{2})[)\]】]")
_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})(?:年度|年)")
_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")
# 一期/二期, 第一批/第二批: a later phase is another project, not a renamed one
_PHASE = re.compile(r"第?([一二三四五六七八九十\d]+)(期|批|阶段)")
_PUNCT = re.compile(r"[\s:,.;!?'\"()\[\]{}<>|/\\_\-~·・“”‘’。，、；：！？（）【】《》〈〉「」『』—–…]")


@lru_cache(maxsize=65536)
def text_key(text: str, year: int | None = None) -> str:
    """Text reduced for comparison across years: no width, space, punctuation, and no year
    expression naming ``year`` or a year next to it (every year expression when ``year`` is None)."""

    def budget_year(m: re.Match) -> str:
        years = [_year_number(g) for g in m.groups() if g]
        if year is None or any(y is not None and abs(y - year) <= 1 for y in years):
            return ""
        return m.group(0)

    t = norm(text).lower()
    t = _YEAR_BRACKETED.sub(budget_year, _YEAR.sub(budget_year, _CN_YEAR.sub(budget_year, t)))
    return _PUNCT.sub("", t)


def _year_number(text: str) -> int | None:
    digits = text.translate(_CN_DIGITS)
    if not digits.isdigit():
        return None
    n = int(digits)
    return n + 2000 if n < 100 else n  # “2023-24年”: the second year's century is the first's


@lru_cache(maxsize=65536)
def project_key(name: str, year: int | None = None) -> str:
    t = text_key(name, year)
    t = t[2:] if t.startswith("关于") and len(t) > 4 else t
    return t[:-2] if t.endswith("项目") and len(t) > 2 else t


def phase(name: str) -> str | None:
    """The phase or batch a name states (“二期” → “2期”), None when it states none."""
    m = _PHASE.search(norm(name))
    if not m:
        return None
    number = m.group(1)
    for i, cn in enumerate("一二三四五六七八九十", 1):
        number = number.replace(cn, str(i))
    return number + m.group(2)


@lru_cache(maxsize=65536)
def unit_key(unit: str, department: str = "") -> str:
    return text_key(unit) or text_key(department)


@dataclass(frozen=True)
class Override:
    action: str  # same | different | same_unit
    from_year: int | None
    from_unit: str
    from_project: str
    to_year: int | None
    to_unit: str
    to_project: str
    note: str = ""
    source: str = ""  # “对照.csv 第 3 行”

    def years_fit(self, year_a: int, year_b: int) -> bool:
        return self.from_year in (None, year_b) and self.to_year in (None, year_a)


@dataclass
class Match:
    new: FormEntry  # year A
    old: FormEntry  # year B
    kind: str  # 同名 | 更名 | 人工指定
    evidence: str = ""  # why a rename was accepted


@dataclass
class Undecided:
    form: FormEntry
    year: int
    candidates: list[FormEntry]
    reason: str


@dataclass
class Matching:
    matches: list[Match] = field(default_factory=list)
    new: list[FormEntry] = field(default_factory=list)
    ended: list[FormEntry] = field(default_factory=list)
    undecided: list[Undecided] = field(default_factory=list)
    unused_overrides: list[Override] = field(default_factory=list)


def match_years(year_a: list[FormEntry], year_b: list[FormEntry], *, a: int, b: int,
                overrides: list[Override] = (), rules: dict | None = None) -> Matching:
    """Pair the forms of year ``a`` with those of year ``b`` by the rule above."""
    rules = rules or {}
    overlap_min = float(rules.get("rename_indicator_overlap", 0.6))
    similarity_min = float(rules.get("rename_name_similarity", 0.5))
    ov = [o for o in overrides if o.years_fit(a, b)]
    alias = _unit_aliases(ov)

    def ukey(f: FormEntry) -> str:
        k = unit_key(f.unit, f.department)
        return alias.get(k, k)

    out = Matching()
    left_a, left_b = list(year_a), list(year_b)
    forbidden: set[tuple[int, int]] = set()
    used: set[int] = set()
    for o in ov:
        if o.action == SAME_UNIT:
            if not any(unit_key(f.unit, f.department) == text_key(o.from_unit) for f in year_b):
                out.unused_overrides.append(o)
            continue
        fa = [f for f in left_a if _named(f, o.to_unit, o.to_project, ukey)]
        fb = [f for f in left_b if _named(f, o.from_unit, o.from_project, ukey)]
        if not fa or not fb:
            out.unused_overrides.append(o)
            continue
        if o.action == DIFFERENT:
            forbidden |= {(id(x), id(y)) for x in fa for y in fb}
            continue
        out.matches.append(Match(fa[0], fb[0], KIND_OVERRIDE, o.note or o.source))
        used |= {id(fa[0]), id(fb[0])}
        left_a.remove(fa[0])
        left_b.remove(fb[0])

    # 1. same unit, same normalised name (unique on both sides)
    by_key_a, by_key_b = _group(left_a, ukey), _group(left_b, ukey)
    for key, fa in by_key_a.items():
        fb = by_key_b.get(key, [])
        if not fb:
            continue
        if len(fa) == 1 and len(fb) == 1:
            if (id(fa[0]), id(fb[0])) not in forbidden:
                out.matches.append(Match(fa[0], fb[0], KIND_SAME_NAME))
                used |= {id(fa[0]), id(fb[0])}
            continue
        reason = f"同一单位 {a} 年有 {len(fa)} 个、{b} 年有 {len(fb)} 个项目名称相同"
        for f in fa:
            out.undecided.append(Undecided(f, a, fb, reason))
            used.add(id(f))
        for f in fb:
            used.add(id(f))  # reported through the year-A side; not “ended” either
    left_a = [f for f in left_a if id(f) not in used]
    left_b = [f for f in left_b if id(f) not in used]

    # 2. renames: one confident candidate each way, inside one unit
    units_b: dict[str, list[FormEntry]] = defaultdict(list)
    for f in left_b:
        units_b[ukey(f)].append(f)
    cands: dict[int, list[tuple[FormEntry, str]]] = {}
    back: dict[int, list[FormEntry]] = defaultdict(list)
    for fa in left_a:
        found = []
        for fb in units_b.get(ukey(fa), []):
            if (id(fa), id(fb)) in forbidden:
                continue
            if phase(fa.project) != phase(fb.project):
                continue  # 一期 → 二期 is a new project, not a renamed one
            overlap = indicator_overlap(fa, fb)
            similarity = SequenceMatcher(None, project_key(fa.project, fa.year),
                                         project_key(fb.project, fb.year)).ratio()
            if overlap >= overlap_min and similarity >= similarity_min:
                found.append((fb, f"指标重合 {overlap:.0%}，名称相似度 {similarity:.2f}"))
                back[id(fb)].append(fa)
        if found:
            cands[id(fa)] = found
    undecided: set[int] = set()
    for fa in left_a:
        found = cands.get(id(fa), [])
        if len(found) == 1 and len(back[id(found[0][0])]) == 1:
            fb, why = found[0]
            out.matches.append(Match(fa, fb, KIND_RENAMED, why))
            used |= {id(fa), id(fb)}
        elif found:
            reason = (f"{b} 年有 {len(found)} 个项目都可能是本项目改名而来" if len(found) > 1
                      else f"{b} 年的“{found[0][0].project}”另有 {len(back[id(found[0][0])]) - 1} 个本年项目与之相似")
            out.undecided.append(Undecided(fa, a, [fb for fb, _ in found], reason))
            undecided |= {id(fa)} | {id(fb) for fb, _ in found}
    used |= undecided  # an undecided project and its candidates are neither new nor ended
    out.new = [f for f in left_a if id(f) not in used]
    out.ended = [f for f in left_b if id(f) not in used]
    return out


def indicator_overlap(fa: FormEntry, fb: FormEntry) -> float:
    """Shared third-level indicator names, as a share of the larger of the two sets."""
    sa = {text_key(i.name) for i in fa.indicators if i.name}
    sb = {text_key(i.name) for i in fb.indicators if i.name}
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / max(len(sa), len(sb))


def _group(forms: list[FormEntry], ukey) -> dict[tuple[str, str], list[FormEntry]]:
    out: dict[tuple[str, str], list[FormEntry]] = defaultdict(list)
    for f in forms:
        key = project_key(f.project, f.year)
        if key:
            out[(ukey(f), key)].append(f)
    return out


def _named(f: FormEntry, unit: str, project: str, ukey) -> bool:
    unit_ok = not unit or ukey(f) == text_key(unit) or unit_key(f.unit, f.department) == text_key(unit)
    return unit_ok and project_key(f.project, f.year) == project_key(project, f.year)


def _unit_aliases(overrides: list[Override]) -> dict[str, str]:
    """同一单位 rows: the earlier year's unit key → the later year's."""
    return {text_key(o.from_unit): text_key(o.to_unit) for o in overrides if o.action == SAME_UNIT}


# ---------------------------------------------------------------------- the override file


def read_overrides(path: str | Path) -> list[Override]:
    """A CSV (UTF-8 or GBK, as Excel saves it) or JSON override file; raises InputError (Y693)."""
    from jixiao.processor.files.fileio import decode_text

    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError.of("Y693", file=str(p), reason="文件不存在") from None
    except IsADirectoryError:
        raise InputError.of("Y693", file=str(p), reason="这是文件夹，不是文件") from None
    except PermissionError:
        raise InputError.of("Y693", file=str(p), reason="没有读取权限，或文件正在其他程序中打开") from None
    except OSError as exc:
        raise InputError.of("Y693", file=str(p), reason=f"无法读取（{os_reason(exc)}）") from None
    text = decode_text(raw)
    if text is None:
        raise InputError.of("Y693", file=str(p), reason="文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")
    if p.suffix.lower() == ".json":
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError.of("Y693", file=str(p), reason=f"不是有效的 JSON（第 {exc.lineno} 行）") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError.of("Y693", file=str(p), reason="JSON 顶层应为一个列表，每项一个对象")
        numbered = [(i + 1, {str(k): v for k, v in r.items()}) for i, r in enumerate(rows)]
        where = "第 {n} 项"
    else:
        import csv

        reader = csv.DictReader(text.splitlines())
        missing = [c for c in OVERRIDE_COLUMNS[:7] if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError.of("Y693", file=str(p), reason=f"缺少列：{'、'.join(missing)}（第一行应为列名）")
        numbered = [(i + 2, r) for i, r in enumerate(reader)]
        where = "第 {n} 行"
    return [_override(r, p.name, where.format(n=n)) for n, r in numbered if any(_cell(v) for v in r.values())]


def _cell(v) -> str:
    return "" if v is None else str(v).strip()


def _override(row: dict, file: str, where: str) -> Override:
    def fail(reason: str) -> InputError:
        return InputError.of("Y693", file=file, reason=f"{where}：{reason}")

    action = ACTIONS_CN.get(_cell(row.get("处理")))
    if action is None:
        raise fail(f"“处理”应为{'、'.join(ACTIONS_CN)}之一，实为“{_cell(row.get('处理'))}”")
    years = []
    for col in ("上年年度", "本年年度"):
        v = _cell(row.get(col)).removesuffix("年度").removesuffix("年")
        if v and not (v.isdigit() and 1990 <= int(v) <= 2100):
            raise fail(f"“{col}”应为年份，如 2024，实为“{v}”")
        years.append(int(v) if v else None)
    o = Override(action, years[0], _cell(row.get("上年单位")), _cell(row.get("上年项目")), years[1],
                 _cell(row.get("本年单位")), _cell(row.get("本年项目")), _cell(row.get("说明")), f"{file} {where}")
    if action == SAME_UNIT and not (o.from_unit and o.to_unit):
        raise fail("“同一单位”需要填写上年单位和本年单位")
    if action != SAME_UNIT and not (o.from_project and o.to_project):
        raise fail("需要填写上年项目和本年项目")
    return o
