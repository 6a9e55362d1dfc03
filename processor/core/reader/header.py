"""Find a table's header and say which column is which field.

A header is one *anchor* row (the funding table's row holding 全年执行数, the indicator
table's row holding 三级指标 and 一级/二级指标) plus the header rows right above or below it:
real forms merge 分值 / 得分 / 实际完成值 down from the row above the 一级/二级/三级 row, or
put a group label (年度指标值) over 指标性质 / 指标值 / 度量单位 in the row below. Every
column of that band is named by its lowest label the vocabulary knows, so
“年度指标值 / 指标值” is the target and “年度指标值 / 度量单位” the unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jixiao.processor.core.grid import addr
from jixiao.processor.core.model import BlockRead, ColumnRead
from jixiao.processor.core.reader.sheet import Sheet
from jixiao.processor.core.reader.vocabulary import Fields

_MAX_EXTRA_ROWS = 2  # header rows above or below the anchor row


@dataclass
class Header:
    first: int  # first header row
    last: int  # last header row: data starts below it
    cols: dict[str, int]  # field -> column
    block: BlockRead

    @property
    def band(self) -> str:
        return self.block.band


def find_header(s: Sheet, fields: Fields, anchor: Callable[[set[str]], bool],
                accept: Callable[[dict[str, int]], bool], start: int | None = None,
                stop: int | None = None) -> Header | None:
    """The first header at or below ``start`` whose anchor row passes ``anchor`` (the
    fields on that row alone) and whose whole band passes ``accept``."""
    for r in range(start or s.r0, (stop or s.max_row + 1)):
        on_row = s.row_fields(fields, r)
        if not on_row or not anchor(on_row):
            continue
        header = read_header(s, fields, r)
        if accept(header.cols):
            return header
    return None


def header_like(s: Sheet, fields: Fields, r: int) -> bool:
    """A row of labels only, at least one of them a column of this table."""
    if not s.row_fields(fields, r):
        return False
    values = s.row_values(r)
    if not values:
        return False
    hit = False
    for c, v in values:
        if not isinstance(v, str):
            return False
        k = s.key(r, c)
        if fields.match(k):
            hit = True
        elif not s.v.header_word(k):
            return False
    return hit


def _merged_into(s: Sheet, fields: Fields, upper: int, lower: int) -> bool:
    """A label of row ``upper`` merged down over row ``lower`` and ending there or just below
    (分值 / 得分 spanning the header's rows; a block label merged down the whole table is not one)."""
    for c, k in s.row_keys(upper):
        bottom = s.merge_br.get((upper, c), (upper, c))[0]
        if fields.match(k) and lower <= bottom <= upper + _MAX_EXTRA_ROWS and not s.v.block_labels.word(k):
            return True
    return False


def read_header(s: Sheet, fields: Fields, anchor: int) -> Header:
    first = last = anchor
    while first - 1 >= s.r0 and anchor - first < _MAX_EXTRA_ROWS and (
            _merged_into(s, fields, first - 1, first) or header_like(s, fields, first - 1)):
        first -= 1
    while last + 1 <= s.max_row and last - anchor < _MAX_EXTRA_ROWS and (
            header_like(s, fields, last + 1) or _merged_into(s, fields, last, last + 1)):
        last += 1
    return _columns(s, fields, first, last)


def _columns(s: Sheet, fields: Fields, first: int, last: int) -> Header:
    block = BlockRead(header_rows=(first, last))
    best: dict[str, tuple[int, int, ColumnRead]] = {}  # field -> (rank, column, read)
    seen_owner: set[tuple[int, int]] = set()
    columns = sorted({c for r in range(first, last + 1) for c, _ in s.row_keys(r)}
                     | {c for r in range(first, last + 1) for c in s.cols() if (r, c) in s.merge_tl})
    for c in columns:
        labels: list[tuple[int, int]] = []  # owners of the label cells, top to bottom
        for r in range(first, last + 1):
            o = s.owner(r, c)
            if o[0] < first or not s.key(*o) or o in labels:
                continue
            labels.append(o)
        if not labels:
            continue
        texts = s.text(*labels[0]) if len(labels) == 1 else " / ".join([s.text(*o) for o in labels])
        # (a label on the band's last row has nothing below it to group)
        groups = [o for o in labels if o[0] < last and (_group_label(s, o, last) or _filled_group(s, o, last))]
        if groups:
            labels = [o for o in labels if o not in groups]
        if not labels:
            continue  # only a group label stands over this column (a blank spacer under 年度指标值)
        hit = None
        for o in reversed(labels):  # the lowest label names the column; a group label above it only helps
            m = fields.match(s.key(*o))
            if m:
                hit = (o, m)
                break
        if hit is None and groups and s.v.subtotal_rows.word(s.key(*labels[-1])):
            # “预算安排” over “年初… | 历年结余结转 | 小计 ④=①+②+③” (福建): the 小计 is what its group names
            m = fields.match(s.key(*groups[-1]))
            hit = (labels[-1], m) if m else None
        if hit is None:
            o = labels[-1]
            if o in seen_owner:
                continue
            seen_owner.add(o)
            k = s.key(*o)
            if s.v.ignored_columns.word(k):
                block.ignored.append((addr(*o), texts))
            elif not (s.v.block_labels.word(k) or s.v.funding_rows.match(k)):  # a row label merged up
                block.unmatched.append((addr(*o), texts))
            continue
        (o, (name, word)) = hit
        if o in seen_owner:
            continue  # the same merged label over several columns: its first column
        seen_owner.add(o)
        rank = fields.matchers[name].rank(s.key(*o))
        read = ColumnRead(name, addr(*o), texts, word)
        if name not in best or rank > best[name][0] or (rank == best[name][0] and _deeper(best, name, c)):
            if name in best:  # the column it displaces is listed as not used
                block.ignored.append((best[name][2].cell, best[name][2].label))
            best[name] = (rank, c, read)
        else:
            block.ignored.append((read.cell, texts))  # a second column of the same field: the first is read
    cols = {}
    for name in fields.matchers:  # the vocabulary's order: stable read maps
        if name in best:
            cols[name] = best[name][1]
            block.columns[name] = best[name][2]
    return Header(first, last, cols, block)


_LEVELS = ("level3", "level2", "level1")


def _deeper(best: dict[str, tuple[int, int, ColumnRead]], name: str, c: int) -> bool:
    """A 分值 after every level (一级指标 分值 二级指标 分值 三级指标 分值, the management
    framework's tables): the indicators' own 分值 is the one after the deepest level, the others
    are the levels' subtotals. Columns are seen left to right, so a later one of the same field
    wins once the deepest level read so far stands between the two."""
    if name in _LEVELS or name not in ("weight", "score"):
        return False
    deepest = next((best[lv][1] for lv in _LEVELS if lv in best), None)
    return deepest is not None and best[name][1] < deepest < c


def _filled_group(s: Sheet, o: tuple[int, int], last: int) -> bool:
    """The same group label split into each of its columns (WPS “拆分并填充内容”: 预算安排 | 预算安排 | …
    over 年初… | 历年结余结转 | 小计): as the merged one, it groups the labels below it."""
    r, c = o
    k = s.key(r, c)
    return s.span(r, c) == (r, c, r, c) and (s.key(r, c - 1) == k or s.key(r, c + 1) == k) \
        and any(s.key(*s.owner(rr, c)) for rr in range(r + 1, last + 1))


def _group_label(s: Sheet, o: tuple[int, int], last: int) -> bool:
    """A label merged across columns that have labels of their own below it (年度指标值 over
    指标性质 / 指标值 / 度量单位): it groups them and is never a column itself."""
    r1, c1, r2, c2 = s.span(*o)
    return c2 > c1 and any(s.key(*(p := s.owner(r, c))) and p[0] > r2
                           for r in range(r2 + 1, last + 1) for c in range(c1, c2 + 1))
