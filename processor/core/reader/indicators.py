"""The indicator table: one Indicator per row between its header and the 总分 row.

一级/二级 labels written once (or merged) are carried down; each label *cell* is a group, so
two blocks both labelled “（50分）” stay two blocks. Template rows left unfilled (“指标2”,
“指标1：/”, “……”, a row of “/”) are ignored and listed in the read map with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from itertools import repeat

from jixiao.processor.core.grid import addr, parse_addr
from jixiao.processor.core.model import (
    EMPTY,
    HEADLESS,
    INDICATOR_WEIGHTS_TOTAL,
    ColumnRead,
    Field,
    Indicator,
    LevelGroup,
    Record,
    RowRead,
    TotalRow,
)
from jixiao.processor.core.reader.header import Header, find_header, header_like
from jixiao.processor.core.reader.labels import split_weight
from jixiao.processor.core.reader.sheet import Sheet
from jixiao.processor.core.values import (
    OP_SYMBOL,
    UNITS,
    is_blank,
    label_key,
    norm,
    operator_of,
    parse_number,
    parse_target,
    percent_formatted,
)

_VALUES = {"target", "actual", "weight", "score"}
_VALUE_KEYS = ("target", "actual", "weight", "score", "deviation")


def find_indicator_header(s: Sheet, start: int | None = None) -> Header | None:
    """一级/二级/三级 headers; or a flat list (部门整体 tables): 指标名称 with 权重 and 得分 — or
    with 分值 and a column of figures whose header is blank (a 评分细则 list: its scores)."""
    while True:
        h = find_header(
            s, s.v.indicator_columns,
            lambda f: "level3" in f or ("level1" in f and "level2" in f),
            lambda cols: "level3" in cols and bool(_VALUES & cols.keys()) and (
                "level1" in cols or "level2" in cols or "weight" in cols),
            start)
        if h is None or h.cols.keys() & {"level1", "level2", "score"} or _unheaded_figures(s, h):
            return h
        start = h.last + 1  # names and 分值 alone: a scoring guide, not a filled table


def _unheaded_figures(s: Sheet, h: Header) -> bool:
    """A column without any header label that holds figures on the rows below the header."""
    known = set(h.cols.values())
    rows = range(h.last + 1, min(h.last + 10, s.max_row) + 1)
    for c in range(s.c0, s.max_col + 1):
        if c in known or any(s.key(*s.owner(r, c)) for r in range(h.first, h.last + 1)):
            continue
        if sum(parse_number(s.get(r, c)).value is not None for r in rows) >= 2:
            return True
    return False


def is_total_row(s: Sheet, r: int) -> bool:
    keys = s.row_keys(r)
    if not keys:
        return False
    if s.v.total_rows.prefix(keys[0][1]):
        return True
    for _, k in keys[:3]:
        if k == "总分":
            return True
    return False


class _Groups:
    """Level groups: a new group starts where the label text changes, where a nameless
    label (“（50分）”) stands in a cell of its own, or where the parent group changes."""

    def __init__(self, level: int, out: list[LevelGroup]):
        self.level, self.out = level, out
        self.text: str | None = None
        self.cell: str | None = None
        self.parent = -1

    def see(self, f: Field, parent: int = -1, repeated: Callable[[], bool] | None = None) -> int:
        """``repeated`` says whether the label's cell repeats the one right above it (a filled
        merge); asked only when that decides."""
        if f.raw is None:
            return len(self.out) - 1 if self.text is not None and parent == self.parent else -1
        text = norm(f.text)
        if text == self.text and parent == self.parent and (
                f.cell == self.cell or self.out[-1].name or (repeated is not None and repeated())):
            return len(self.out) - 1  # the same label carried down or repeated
        name, weight = split_weight(f.text, bare=True)
        if text != self.text or (not name and f.cell != self.cell) or parent != self.parent:
            self.out.append(LevelGroup(name=name, cell=f.cell, stated_weight=weight, level=self.level))
            self.text, self.cell, self.parent = text, f.cell, parent
        return len(self.out) - 1


def _name_field(f: Field) -> Field:
    """A level label without its weight: “产出指标(50分)” → 产出指标; “（50分）” → no name (cell kept)."""
    if f.raw is None:
        return f
    name, weight = split_weight(f.text, bare=True)
    if weight is None:
        return f
    return Field(name or None, name or None, f.cell)


def _by_content(s: Sheet, h: Header) -> None:
    """A 指标性质 / 计量单位 column whose header was not understood (or is blank) is still known by
    what it holds: operators only (≥ ≤ ＝ 正向 …) or units only (% 个 人次 …)."""
    known = set(h.cols.values()) | {parse_addr(c)[1] for c, _ in h.block.ignored}
    span = range(min(h.cols.values()), max(c for r in range(h.first, h.last + 1) for c, _ in s.row_keys(r)) + 1)
    rows = range(h.last + 1, min(h.last + 40, s.max_row) + 1)
    for c in span:
        if c in known or s.owner(h.last, c)[1] != c:
            continue  # (the second column of a label merged across two)
        texts = [norm(v) for r in rows if isinstance(v := s.get(r, c), str) and not is_blank(v)]
        if len(texts) < 2:
            continue
        if "direction" not in h.cols and all(operator_of(t) and not any(ch.isdigit() for ch in t) for t in texts):
            field, word = "direction", "内容为 ≥、≤、＝ 等符号"
        elif "unit" not in h.cols and all(t in UNITS or t == "%" for t in texts):
            field, word = "unit", "内容为计量单位"
        else:
            continue
        cell = addr(h.last, c)
        label = s.text(*s.owner(h.last, c)) or HEADLESS
        h.cols[field] = c
        h.block.columns[field] = ColumnRead(field, cell, label, word)
        h.block.unmatched = [(x, t) for x, t in h.block.unmatched if parse_addr(x)[1] != c]


def read_indicators(s: Sheet, rec: Record, h: Header) -> None:
    v = s.v
    _by_content(s, h)
    cols = h.cols
    rec.read.indicators = h.block
    rec.indicator_columns = {k: h.block.columns[k].cell for k in cols}
    value_keys = [k for k in _VALUE_KEYS if k in cols]
    score_keys = [k for k in value_keys if k in _NUMBERS]  # 分值, 得分: in this order
    _block_weight(s, rec, h)
    label_cols = [cols[k] for k in ("level1", "level2", "level3") if k in cols]
    carry: dict[str, Field] = {"level1": EMPTY, "level2": EMPTY}
    g1, g2 = _Groups(1, rec.level1_groups), _Groups(2, rec.level2_groups)
    section_group, section = -1, EMPTY
    for r in range(h.last + 1, s.max_row + 1):
        if is_total_row(s, r):
            rec.total = read_total(s, r, cols, rec)
            rec.read.rows.append(RowRead(r, "total", s.text(r, s.row_keys(r)[0][0])))
            break
        if not s.has_content(r) and not any((r, c) in s.merge_tl for c in cols.values()):
            continue  # an empty row
        on_row = s.row_fields(v.indicator_columns, r)
        if on_row and ("level3" in on_row or header_like(s, v.indicator_columns, r)):
            rec.read.rows.append(RowRead(r, "ignored", "重复的表头（换页时重印的表头）"))
            continue
        first = s.row_keys(r)[:1]
        if first and first[0][0] <= max(label_cols) and (
                v.remark_rows.word(first[0][1]) or _spans_levels(s, r, first[0][0], cols)):
            # “其他需要说明事项”, “注：…”, or any label merged across the level columns: not an indicator
            if _sums_up(s, r, cols, rec):
                rec.total = read_total(s, r, cols, rec)
                rec.read.rows.append(RowRead(r, "total", s.text(r, first[0][0])[:20]))
                break
            if "level1" not in cols and not v.remark_rows.word(first[0][1]):
                # a flat list's section row (“一、投入目标”) is the first level of the rows below
                section = s.text_field(r, first[0][0])
                section_group = g1.see(section)
                rec.read.rows.append(RowRead(r, "ignored", f"分组行“{section.text[:20]}”（作一级指标）"))
                continue
            rec.read.rows.append(RowRead(r, "ignored", f"说明行“{s.text(r, first[0][0])[:20]}”"))
            continue
        levels: dict[str, Field] = {}
        blank1 = None
        for key in ("level1", "level2"):
            if key not in cols:
                levels[key] = EMPTY
                continue
            f = s.text_field(r, cols[key], follow_merge=True)
            if f.raw is None:
                if key == "level1":
                    blank1 = f.cell
                f = carry[key] if carry[key].raw is not None else f
            elif key == "level1" and norm(f.text) != norm(carry["level1"].text):
                carry["level2"] = EMPTY  # a new first level starts its own second levels
            carry[key] = f
            levels[key] = f
        if "level1" not in cols and section_group >= 0:
            levels["level1"] = section
        gi1 = g1.see(levels["level1"], repeated=partial(s.repeats_above, r, cols["level1"]) if "level1" in cols else None)
        gi2 = g2.see(levels["level2"], gi1,
                     repeated=partial(s.repeats_above, r, cols["level2"]) if "level2" in cols else None)
        l3 = s.text_field(r, cols["level3"]) if "level3" in cols else EMPTY
        values = _values(s, r, cols, value_keys)
        has_values = any(f.value is not None for f in values.values())
        if l3.raw is None and not has_values:
            _ignore_empty(s, rec, r, cols, levels)
            continue
        if l3.raw is not None and not has_values and v.is_placeholder(l3.text):
            rec.ignored_rows.append(r)
            rec.read.rows.append(RowRead(r, "ignored", f"模板占位行“{l3.text}”"))
            continue
        scored = any(values[k].raw is not None or _shared(s, r, cols[k]) for k in ("weight", "score") if k in values)
        if l3.raw is None and v.is_placeholder(levels["level2"].text or "x") and not scored:
            rec.ignored_rows.append(r)
            rec.read.rows.append(RowRead(r, "ignored", f"模板占位行“{levels['level2'].text}”"))
            continue
        if l3.raw is not None and v.sub_items.word(label_key(l3.text)) and not scored \
                and {"weight", "score"} & cols.keys():
            rec.read.rows.append(RowRead(r, "ignored", f"上一指标的分项“{l3.text}”（无分值、得分）"))
            continue
        if l3.raw is None and _unlabelled_total(s, r, cols, rec, values):
            rec.total = read_total(s, r, cols, rec)
            rec.read.rows.append(RowRead(r, "total", "（无标签的总分行）"))
            break
        name3, w3 = split_weight(l3.text) if l3.raw is not None else ("", None)
        # a 分值/得分 merged down over several rows belongs to the first of them (one score per group)
        cells = dict(zip(cols, map(addr, repeat(r), cols.values())))
        for k in score_keys:
            if _shared(s, r, cols[k]):
                del cells[k]
        ind = Indicator(row=r, level1=_name_field(levels["level1"]), level2=_name_field(levels["level2"]),
                        level3=Field(l3.raw, name3, l3.cell) if w3 is not None else l3, **values, cells=cells,
                        group1=gi1, group2=gi2, level1_blank=blank1 if "level1" in cols else None)
        for key in score_keys:
            f = values[key]
            if f.raw is not None and f.value is None and not parse_number(f.raw).ok:
                rec.notes.append(("R005", f.cell, {"label": f"“{ind.name}”的{'分值' if key == 'weight' else '得分'}",
                                                   "found": f.text}))
                ind.unread.add(key)
                if key == "weight":  # one weight not read: their sum is not known (nor the total)
                    rec.read.mark_unknown("R005", INDICATOR_WEIGHTS_TOTAL)
        if "weight" not in cols and w3 is not None:
            ind.weight = Field(l3.raw, w3, l3.cell)  # “预算执行率（20分）”: the weight is in its own label
        if "unit" in cols or "direction" in cols:
            _combine_target(s, r, cols, ind, rec)
        ind.execution = bool(v.execution_indicators.word(label_key(ind.level3.text)))
        rec.indicators.append(ind)
        rec.read.rows.append(RowRead(r, "indicator", ind.name))
    _framework(s, rec)
    _numeric_unknown_columns(s, rec, h)
    if rec.ignored_rows:
        rec.notes.append(("R008", None, {"rows": "、".join(map(str, rec.ignored_rows))}))


def _spans_levels(s: Sheet, r: int, c: int, cols: dict[str, int]) -> bool:
    """The row's first label is merged across into the 三级指标 column, or from it over the value
    columns: a section or remark label, not an indicator."""
    r1, c1, r2, c2 = s.span(r, c)
    if (r1, c1) == (r2, c2) and (u := s.uniform_row(r)) is not None and u[0] == c:
        r1, c1, r2, c2 = r, u[0], r, u[1]  # a label merged across, its merge filled into each cell
    if r1 != r2 or c2 == c1:
        return False
    if "level3" in cols and c < cols["level3"] <= c2:
        return True
    values = [cols[k] for k in ("target", "actual", "weight", "score") if k in cols]
    return bool(values) and c1 < min(values) <= c2


def _unlabelled_total(s: Sheet, r: int, cols: dict[str, int], rec: Record, values: dict[str, Field]) -> bool:
    """A row with only a 分值 / 得分 that add up what came before, its label lost: the 总分 row
    (read as an indicator, it would double every sum)."""
    if any(not values[k].empty for k in ("target", "actual") if k in values):
        return False
    if any(s.key(r, cols[k]) for k in ("level1", "level2") if k in cols):
        return False  # a label of its own on this row
    return _sums_up(s, r, cols, rec)


def _sums_up(s: Sheet, r: int, cols: dict[str, int], rec: Record) -> bool:
    """The row's 分值 (or 得分) is at least the sum of the indicators read so far."""
    inds = rec.indicators
    if len(inds) < 2:
        return False
    for key in ("weight", "score"):
        if key in cols and (v := parse_number(s.get(r, cols[key])).value) is not None:
            before = sum(getattr(i, key).value or 0.0 for i in inds)
            return before > 0 and v >= before - 0.01
    return False


def _shared(s: Sheet, r: int, c: int) -> bool:
    """The cell lies inside a range merged down from a row above (its value is that row's)."""
    o = s.merge_tl.get((r, c))
    return o is not None and o[0] < r


_NOTHING = frozenset({"无", "没有", "未完成", "零"})
_NUMBERS = frozenset({"weight", "score"})


def _values(s: Sheet, r: int, cols: dict[str, int], keys: list[str]) -> dict[str, Field]:
    """The row's value cells, parsed: 分值 / 得分 as numbers, the rest as text. An actual value of
    “无” (nothing achieved) is an answer, not a blank."""
    rr = r - s.r0
    line = s.g.rows[rr] if 0 <= rr < s.nrows else []
    out = {}
    for key in keys:
        c = cols[key]
        i = c - s.c0
        raw = line[i] if 0 <= i < len(line) else None
        if is_blank(raw) and not (key == "actual" and isinstance(raw, str) and norm(raw) in _NOTHING):
            out[key] = Field(None, None, addr(r, c))
        elif key in _NUMBERS:
            out[key] = Field(raw, parse_number(raw).value, addr(r, c))
        else:
            out[key] = Field.of_text(raw, addr(r, c))
    return out


def _block_weight(s: Sheet, rec: Record, h: Header) -> None:
    """The indicator block's own stated total: “绩效指标（90分）”, “年度绩效目标1（80分）” — in a
    cell beside the header or in a row of its own just above it."""
    fields = s.v.indicator_columns
    for r in range(max(s.r0, h.first - 1), h.last + 1):
        for c, k in s.row_keys(r):
            m = fields.match(k)
            if (m and m[0] != "weight") or s.repeats_above(r, c):
                continue  # (a label repeated from above is the block above's: “预算执行情况（20分）”)
            text = s.text(r, c)
            w = split_weight(text)[1]
            if w is not None:
                rec.indicator_label = Field(text, w, addr(r, c))
                return


def _numeric_unknown_columns(s: Sheet, rec: Record, h: Header) -> None:
    """A column of figures the header does not name (blank or unknown words): listed as not
    understood, since it may hold the weights or scores (judge.py then says so)."""
    rows = [i.row for i in rec.indicators]
    if not rows:
        return
    known = set(h.cols.values()) | {parse_addr(c)[1] for c, _ in h.block.ignored}
    unmatched = {parse_addr(c)[1]: c for c, _ in h.block.unmatched}
    last = max([c for r in range(h.first, h.last + 1) for c, _ in s.row_keys(r)] + list(h.cols.values()))
    for c in range(min(h.cols.values()), last + 1):
        if c in known or (c not in unmatched and s.owner(h.last, c)[1] != c):
            continue
        if sum(parse_number(s.get(r, c)).value is not None for r in rows) * 2 < len(rows):
            continue
        if c not in unmatched:
            h.block.unmatched.append((addr(h.last, c), HEADLESS))
        h.block.figures.append(unmatched.get(c, addr(h.last, c)))


def _ignore_empty(s: Sheet, rec: Record, r: int, cols: dict[str, int], levels: dict[str, Field]) -> None:
    """A row with no third level and no values: say why it was passed over (read map only)."""
    first = min(cols.values())
    texts = [c for c, _ in s.row_values(r) if c >= first]
    markers = [c for c in range(first, s.max_col + 1) if s.get(r, c) is not None and is_blank(s.get(r, c))]
    if markers and not texts:
        rec.read.rows.append(RowRead(r, "ignored", "各格均为“/”或“—”（不适用的模板行）"))
    elif texts:
        label = next((f.text for f in (levels["level2"], levels["level1"]) if f.raw is not None), "")
        rec.read.rows.append(RowRead(r, "ignored", f"只有分类“{label}”，没有三级指标和数值" if label
                                     else "没有三级指标和数值"))


_ENUM = re.compile(r"^[一二三四五六七八九十\d]+[、.．]?")  # “二、管理目标” → 管理目标


def _framework(s: Sheet, rec: Record) -> None:
    """项目评价 frameworks (决策 / 过程 / 产出 / 效益): their 决策 / 过程 rows have no targets."""
    no_target = {i for i, g in enumerate(rec.level1_groups)
                 if s.v.no_target_level1.word(_ENUM.sub("", label_key(g.name)))}
    if not no_target:
        return
    rec.read.framework = "evaluation"
    for ind in rec.indicators:
        if ind.group1 in no_target:
            ind.needs_target = False


def _bare(raw: object) -> bool:
    return isinstance(raw, (int, float)) and not isinstance(raw, bool)


def _percent_cells(rec: Record, ind: Indicator) -> set[str]:
    """Which of target / actual, bare numbers under a “%” unit, are percent-formatted cells
    (0.95 for 95 %: the cell's format is not in the file's values). A small number (≤ 1.5) is
    read ×100 when the other side is small too (both formatted) or is not a number — and, when
    the other side is a larger percentage, only if ×100 brings the two to one scale: target 100
    beside actual 1 is 100 % and 100 %; “≤ 1” beside 2 is 1 % and 2 % (an 事故率), not 100 %.
    A guess either way is said in the read map."""
    small, large = {}, {}
    for key in ("target", "actual"):
        f = getattr(ind, key)
        if _bare(f.raw) and abs(f.raw) <= 1.5:
            small[key] = float(f.raw)
        elif (v := parse_target(f.raw).value) is not None and abs(v) > 1.5:
            large[key] = abs(v)
    if len(small) != 1 or not large:
        return set(small)
    (key, x), y = next(iter(small.items())), next(iter(large.values()))
    if x == 0:
        return {key}
    name = "指标值" if key == "target" else "实际完成值"
    f = getattr(ind, key)
    if percent_formatted(x, y):
        rec.read.guesses.append((f.cell, f"{name} {x:g} 按百分比格式的 {x * 100:g}% 读（与另一项 {y:g}% 同一量级）"))
        return {key}
    rec.read.guesses.append((f.cell, f"{name} {x:g} 按 {x:g}% 读，不按百分比格式的 {x * 100:g}%（另一项为 {y:g}%）"))
    return set()


def _combine_target(s: Sheet, r: int, cols: dict[str, int], ind: Indicator, rec: Record) -> None:
    """Targets split over 指标性质 / 指标值 / 度量单位: “≥” + “50” + “个” → “≥50个”."""
    unit = s.get(r, cols["unit"]) if "unit" in cols else None
    unit = "" if is_blank(unit) else norm(str(unit))
    direction = s.field(r, cols["direction"], follow_merge=True).raw if "direction" in cols else None
    d = "" if is_blank(direction) else norm(str(direction))
    if "定性" in d:
        return  # judged by the filler whatever number the cell holds
    op = operator_of(d) if d else None
    scaled = _percent_cells(rec, ind) if unit in ("%", "百分比") else set()
    for key in ("target", "actual"):
        f = getattr(ind, key)
        if f.raw is None:
            continue
        t = parse_target(f.raw)
        if not t.quantitative:
            continue  # a text: “有效推进”, a deadline
        text = f.text
        if key in scaled:
            text = f"{f.raw * 100:g}"  # a percent-formatted cell holds 0.95 for 95%
        prefix = OP_SYMBOL[op] if key == "target" and op and not t.explicit else ""
        suffix = unit if unit and t.unit is None else ""
        if prefix or suffix or text != f.text:
            combined = f"{prefix}{text}{suffix}"
            setattr(ind, key, Field(combined, combined, f.cell))


def read_total(s: Sheet, r: int, cols: dict[str, int], rec: Record) -> TotalRow:
    keys = s.row_keys(r)
    label = s.text_field(r, keys[0][0]) if keys else Field(None, None, addr(r, min(cols.values())))
    total = TotalRow(row=r, label=label)
    for key in ("weight", "score"):
        if key not in cols:
            continue
        f = s.field(r, cols[key])
        if f.raw is None and (r, cols[key]) in s.merge_tl:
            f = s.field(r, cols[key], follow_merge=True)
            if f.cell == total.label.cell:
                f = Field(None, None, addr(r, cols[key]))
        n = parse_number(f.raw)
        if not n.ok:
            rec.notes.append(("R005", f.cell, {"label": f"总分行的{'分值' if key == 'weight' else '得分'}",
                                               "found": f.text}))
        setattr(total, key, Field(f.raw, n.value, f.cell))
        total.cells[key] = addr(r, cols[key])
    right = max((cols[k] for k in ("weight", "score") if k in cols), default=None)
    if right is not None and rec.grade.raw is None:
        for c, val in s.row_values(r):  # “总分 | 100 | 96 | 优”: the grade in the total row
            if c > right and isinstance(val, str) and norm(val) in s.v.grade_names:
                rec.grade = Field(val, val.strip(), addr(r, c))
                break
    return total
