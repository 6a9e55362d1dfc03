"""A grid prepared for reading: label keys computed once, merged cells looked up in O(1)."""

from __future__ import annotations

from typing import Any

from jixiao.processor.core.grid import Grid, addr
from jixiao.processor.core.model import Field
from jixiao.processor.core.reader.vocabulary import Fields, Vocabulary
from jixiao.processor.core.values import is_blank, label_key

# a merged range larger than this carries no label information (whole columns, whole sheets)
_MAX_MERGE_CELLS = 2000


class Sheet:
    """Grid plus cached label keys and merged-cell lookups, in worksheet coordinates."""

    def __init__(self, grid: Grid, vocab: Vocabulary):
        self.g = grid
        self.v = vocab
        self.r0, self.c0 = grid.origin_row, grid.origin_col
        self.nrows = len(grid.rows)
        self.max_row, self.max_col = grid.max_row, grid.max_col
        self.keys = [[label_key(v) if isinstance(v, str) else "" for v in row] for row in grid.rows]
        self._row_keys = [[(self.c0 + i, k) for i, k in enumerate(row) if k] for row in self.keys]
        self._row_fields: dict[tuple[int, int], frozenset[str]] = {}
        # cell -> top-left of the merged range covering it (top-left cells themselves excluded)
        self.merge_tl: dict[tuple[int, int], tuple[int, int]] = {}
        # top-left -> bottom-right of every merged range
        self.merge_br: dict[tuple[int, int], tuple[int, int]] = {}
        for r1, c1, r2, c2 in grid.merged:
            if (r2 - r1 + 1) * (c2 - c1 + 1) > _MAX_MERGE_CELLS or r2 < r1 or c2 < c1:
                continue
            self.merge_br[(r1, c1)] = (r2, c2)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (r1, c1):
                        self.merge_tl[(r, c)] = (r1, c1)

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

    def get(self, r: int, c: int) -> Any:
        rr, cc = r - self.r0, c - self.c0
        if 0 <= rr < self.nrows:
            line = self.g.rows[rr]
            if 0 <= cc < len(line):
                return line[cc]
        return None

    def key(self, r: int, c: int) -> str:
        rr, cc = r - self.r0, c - self.c0
        if 0 <= rr < len(self.keys) and 0 <= cc < len(self.keys[rr]):
            return self.keys[rr][cc]
        return ""

    def row_keys(self, r: int) -> list[tuple[int, str]]:
        """(column, label key) of every text cell of row ``r``, left to right."""
        rr = r - self.r0
        if not 0 <= rr < len(self._row_keys):
            return []
        return self._row_keys[rr]

    def row_fields(self, fields: Fields, r: int) -> frozenset[str]:
        """The fields of ``fields`` that the labels of row ``r`` name (cached per row)."""
        key = (id(fields), r)
        out = self._row_fields.get(key)
        if out is None:
            out = frozenset(m[0] for _, k in self.row_keys(r) if (m := fields.match(k)))
            self._row_fields[key] = out
        return out

    def row_values(self, r: int) -> list[tuple[int, Any]]:
        """(column, value) of every non-blank cell of row ``r``."""
        rr = r - self.r0
        if not 0 <= rr < self.nrows:
            return []
        return [(self.c0 + i, v) for i, v in enumerate(self.g.rows[rr]) if not is_blank(v)]

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
        if follow_merge and is_blank(raw) and (r, c) in self.merge_tl:
            r, c = self.merge_tl[(r, c)]
            raw = self.get(r, c)
        if is_blank(raw):
            return Field(None, None, addr(r, c))
        f = Field(raw, raw, addr(r, c))
        if text:
            object.__setattr__(f, "value", f.text)  # (one Field: its text is its value)
        return f

    def text_field(self, r: int, c: int, *, follow_merge: bool = False) -> Field:
        return self.field(r, c, follow_merge=follow_merge, text=True)
