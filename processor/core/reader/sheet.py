"""A grid prepared for reading: label keys computed once, merged cells looked up in O(1)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from jixiao.processor.core.grid import Grid, MergedRange, addr
from jixiao.processor.core.model import Field
from jixiao.processor.core.reader.vocabulary import Fields, Vocabulary
from jixiao.processor.core.values import is_blank, text_key

# a merged range larger than this carries no label information (whole columns, whole sheets)
_MAX_MERGE_CELLS = 2000


# the merged ranges of forms made from one template are the same list, form after form: their
# lookups are made once per list (the maps are read-only, shared by every sheet with that list).
# Only a template-sized list is kept for later forms — a few hundred ranges covering a few
# thousand cells (real forms: under 50 ranges, under 300 cells); a larger one (a file may merge
# half a million cells) gets maps of its own that go with its sheet, or 64 such files would keep
# gigabytes alive in one worker
_SHARED_MERGES = 300
_SHARED_CELLS = 3000


@lru_cache(maxsize=64)
def _merge_maps(merged: tuple[MergedRange, ...]) -> tuple[Mapping[tuple[int, int], tuple[int, int]],
                                                           Mapping[tuple[int, int], tuple[int, int]]]:
    """(cell -> top-left of the merged range covering it, top-left cells themselves excluded;
    top-left -> bottom-right of every merged range)."""
    tl_of: dict[tuple[int, int], tuple[int, int]] = {}
    br_of: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in merged:
        if (r2 - r1 + 1) * (c2 - c1 + 1) > _MAX_MERGE_CELLS or r2 < r1 or c2 < c1:
            continue
        br_of[(r1, c1)] = (r2, c2)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    tl_of[(r, c)] = (r1, c1)
    return MappingProxyType(tl_of), MappingProxyType(br_of)


def _template_sized(merged: tuple[MergedRange, ...]) -> bool:
    """Few enough ranges, covering few enough cells, for their maps to be kept for later forms
    (the cells counted are those the maps hold: a reversed or oversized range holds none)."""
    if len(merged) > _SHARED_MERGES:
        return False
    cells = 0
    for r1, c1, r2, c2 in merged:
        if r2 >= r1 and c2 >= c1 and (n := (r2 - r1 + 1) * (c2 - c1 + 1)) <= _MAX_MERGE_CELLS:
            cells += n
    return cells <= _SHARED_CELLS


class Sheet:
    """Grid plus cached label keys and merged-cell lookups, in worksheet coordinates."""

    def __init__(self, grid: Grid, vocab: Vocabulary):
        self.g = grid
        self.v = vocab
        self.r0, self.c0 = grid.origin_row, grid.origin_col
        self.nrows = len(grid.rows)
        self.max_row, self.max_col = grid.max_row, grid.max_col
        self.keys: list[list[str]] = []
        self._row_keys: list[list[tuple[int, str]]] = []
        for row in grid.rows:
            keys = [text_key(v) if isinstance(v, str) and v else "" for v in row]
            self.keys.append(keys)
            self._row_keys.append([(c, k) for c, k in enumerate(keys, self.c0) if k])
        self._row_fields: dict[tuple[int, int], frozenset[str]] = {}
        # (ranges as tuples, the cache's key: a grid built by hand or from JSON may give lists;
        # tuple() of a tuple is that tuple, so calamine's ranges cost nothing)
        merged = tuple(map(tuple, grid.merged))
        # cell -> top-left of the merged range covering it; top-left -> bottom-right of each range
        self.merge_tl, self.merge_br = (_merge_maps if _template_sized(merged) else _merge_maps.__wrapped__)(merged)

    def rows(self) -> range:
        return range(self.r0, self.max_row + 1)

    def repeats_above(self, r: int, c: int) -> bool:
        """The label at (r, c) repeats the unmerged label right above it: the rest of a merged
        label that WPS “拆分并填充内容” (or a copy without merges) wrote into every cell — the
        same label, not a new one."""
        k = self.key(r, c)
        return bool(k) and k == self.key(r - 1, c) and (r, c) not in self.merge_tl \
            and (r - 1, c) not in self.merge_tl and (r - 1, c) not in self.merge_br

    def uniform_row(self, r: int) -> tuple[int, int] | None:
        """(first, last) column when every filled cell of row ``r`` holds one and the same label
        over two or more adjacent cells: a label merged across the row, filled into each cell."""
        keys = self.row_keys(r)
        if len(keys) < 2 or len({k for _, k in keys}) != 1:
            return None
        first, last = keys[0][0], keys[-1][0]
        if last - first + 1 != len(keys) or len(self.row_values(r)) != len(keys):
            return None
        return first, last

    def cols(self) -> range:
        return range(self.c0, self.max_col + 1)

    # get and key are the reader's innermost calls (hundreds per form): one subtraction per axis,
    # and a cell outside the grid (rare: the row above the first, a column past a short row) is
    # caught rather than tested for on every call

    def get(self, r: int, c: int) -> Any:
        if r < self.r0 or c < self.c0:
            return None
        try:
            return self.g.rows[r - self.r0][c - self.c0]
        except IndexError:
            return None

    def key(self, r: int, c: int) -> str:
        if r < self.r0 or c < self.c0:
            return ""
        try:
            return self.keys[r - self.r0][c - self.c0]
        except IndexError:
            return ""

    def row_keys(self, r: int) -> list[tuple[int, str]]:
        """(column, label key) of every text cell of row ``r``, left to right."""
        if r < self.r0:
            return []
        try:
            return self._row_keys[r - self.r0]
        except IndexError:
            return []

    def row_fields(self, fields: Fields, r: int) -> frozenset[str]:
        """The fields of ``fields`` that the labels of row ``r`` name (cached per row)."""
        key = (id(fields), r)
        out = self._row_fields.get(key)
        if out is None:
            out = self._row_fields[key] = fields.of_row(self.row_keys(r))
        return out

    def row_values(self, r: int) -> list[tuple[int, Any]]:
        """(column, value) of every non-blank cell of row ``r``."""
        rr = r - self.r0
        if not 0 <= rr < self.nrows:
            return []
        # ("" and None, most cells of a form, are blank without asking is_blank)
        return [(c, v) for c, v in enumerate(self.g.rows[rr], self.c0) if v != "" and v is not None and not is_blank(v)]

    def has_content(self, r: int) -> bool:
        """Any cell of row ``r`` holds something, even only “/” or “—”."""
        rr = r - self.r0
        if not 0 <= rr < self.nrows:
            return False
        row = self.g.rows[rr]
        return row.count(None) + row.count("") < len(row)

    def text(self, r: int, c: int) -> str:
        v = self.get(r, c)
        return v.strip() if isinstance(v, str) else ("" if v is None else str(v))

    def owner(self, r: int, c: int) -> tuple[int, int]:
        """The top-left cell of the merged range holding (r, c), or (r, c) itself."""
        return self.merge_tl.get((r, c), (r, c))

    def span(self, r: int, c: int) -> tuple[int, int, int, int]:
        """The merged range holding (r, c) as (r1, c1, r2, c2); a plain cell spans itself."""
        r1, c1 = self.owner(r, c)
        r2, c2 = self.merge_br.get((r1, c1), (r1, c1))
        return r1, c1, r2, c2

    def field(self, r: int, c: int, *, follow_merge: bool = False, text: bool = False) -> Field:
        """The cell as a Field (blank markers read as empty); ``follow_merge`` reads a blank cell
        inside a merged range from its top-left; ``text`` makes the stripped text its value."""
        raw = self.get(r, c)
        if is_blank(raw):
            if not follow_merge or (o := self.merge_tl.get((r, c))) is None:
                return Field(None, None, addr(r, c))
            r, c = o
            raw = self.get(r, c)
            if is_blank(raw):
                return Field(None, None, addr(r, c))
        return Field.of_text(raw, addr(r, c)) if text else Field(raw, raw, addr(r, c))

    def text_field(self, r: int, c: int, *, follow_merge: bool = False) -> Field:
        """``field(r, c, text=True)``."""
        return self.field(r, c, follow_merge=follow_merge, text=True)
