"""The grid: what every reader produces and the only input the core reads.

A grid is a worksheet's cell values as a list of rows (row 0 is worksheet row
``origin_row``), plus its merged ranges. openpyxl, python-calamine and xlwings readers
all produce one, so the label reader serves all three.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


class Formula(str):
    """A formula cell whose cached value is unknown (a file saved by openpyxl).

    Readers that can see formulas put one in the grid; the engine treats the cell as
    filled by the form itself: not missing, and not compared with the computation.
    """


MergedRange = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col (1-based)


@lru_cache(maxsize=1024)
def col_letter(col: int) -> str:
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@lru_cache(maxsize=65536)
def addr(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def parse_addr(a1: str) -> tuple[int, int]:
    """'B7' -> (7, 2)."""
    letters = "".join(ch for ch in a1 if ch.isalpha())
    digits = "".join(ch for ch in a1 if ch.isdigit())
    return int(digits), col_index(letters)


@dataclass
class Grid:
    sheet: str
    rows: list[list[Any]]
    origin_row: int = 1
    origin_col: int = 1
    merged: list[MergedRange] = field(default_factory=list)

    @property
    def max_row(self) -> int:
        return self.origin_row + len(self.rows) - 1

    @property
    def max_col(self) -> int:
        width = max((len(r) for r in self.rows), default=0)
        return self.origin_col + width - 1

    def get(self, row: int, col: int) -> Any:
        """Value at worksheet coordinates (1-based); None outside the grid."""
        r, c = row - self.origin_row, col - self.origin_col
        if 0 <= r < len(self.rows):
            line = self.rows[r]
            if 0 <= c < len(line):
                return line[c]
        return None

    def put(self, row: int, col: int, value: Any) -> None:
        """Set a cell (worksheet coordinates), growing the grid when it lies outside."""
        if not self.rows:
            self.origin_row, self.origin_col = row, col
            self.rows = [[]]
        if row < self.origin_row:
            self.rows[:0] = [[] for _ in range(self.origin_row - row)]
            self.origin_row = row
        if col < self.origin_col:
            pad = self.origin_col - col
            self.rows = [[None] * pad + line for line in self.rows]
            self.origin_col = col
        r, c = row - self.origin_row, col - self.origin_col
        while len(self.rows) <= r:
            self.rows.append([])
        line = self.rows[r]
        while len(line) <= c:
            line.append(None)
        line[c] = value


def overlapping_merges(merged: list[MergedRange]) -> tuple[MergedRange, MergedRange] | None:
    """Two merged ranges that share a cell (the first pair found), or None.

    Excel never writes such ranges (it repairs a file holding them when it opens it); a
    reader given them cannot tell which range a cell belongs to. A sweep down the rows:
    the ranges open at the current start row all hold that row, so (none overlapping yet)
    their column spans are disjoint and kept sorted — each new range is compared with the
    one open span that starts last at or before its last column. O(n log n) for n ranges
    (list inserts aside), not pairwise.
    """
    ordered = sorted(m for m in merged if m[2] >= m[0] and m[3] >= m[1])
    starts: list[int] = []  # first columns of the open ranges, sorted
    open_at: dict[int, MergedRange] = {}  # first column -> the open range starting there
    ends: list[tuple[int, int]] = []  # (last row, first column) of the open ranges: a heap
    for m in ordered:
        r1, c1, r2, c2 = m
        while ends and ends[0][0] < r1:  # ranges that end above this one are closed
            _, col = heapq.heappop(ends)
            del starts[bisect.bisect_left(starts, col)]
            del open_at[col]
        i = bisect.bisect_right(starts, c2) - 1
        if i >= 0 and open_at[starts[i]][3] >= c1:
            other = open_at[starts[i]]
            return other, m
        bisect.insort(starts, c1)
        open_at[c1] = m
        heapq.heappush(ends, (r2, c1))
    return None
