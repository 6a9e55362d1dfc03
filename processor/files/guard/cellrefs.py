"""A1 references and ranges as the workbook readers read them.

Readers accept references beyond Excel's grid (``ZZZZ99999999``) and allocate for them,
so nothing is clamped here: a reference is its letters and digits, however large (up to
12 of each, already far beyond any limit; longer is not a reference). At most 40
characters are looked at, with string methods only, so a hostile attribute cannot make
the parse slow.
"""

from __future__ import annotations

from functools import lru_cache

_DIGITS = "0123456789"


@lru_cache(maxsize=4096)
def column_number(letters: str) -> int:
    """``"A"`` → 1, ``"XFD"`` → 16384 (no upper bound: readers accept more)."""
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


def parse_cell(ref: str | None) -> tuple[int, int] | None:
    """``"B7"`` → ``(7, 2)``; ``"$B$7"`` too; None when it is not a cell reference."""
    if not ref or len(ref) > 40:
        return None
    if "$" in ref or " " in ref:
        ref = ref.replace("$", "").strip()
    letters = ref.rstrip(_DIGITS)
    digits = ref[len(letters):]
    if not (0 < len(letters) <= 12 and 0 < len(digits) <= 12 and letters.isascii() and letters.isalpha()):
        return None
    row = int(digits)
    return (row, column_number(letters)) if row >= 1 else None


def parse_range(ref: str | None) -> tuple[int, int, int, int] | None:
    """``"A1:C3"`` → ``(1, 1, 3, 3)`` (min row, min col, max row, max col); a single cell
    is a 1 × 1 range; None when unreadable."""
    if not ref:
        return None
    first, _, last = ref.partition(":")
    a = parse_cell(first)
    b = parse_cell(last) if last else a
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def range_cells(ref: str | None) -> int:
    """How many cells ``ref`` covers (0 when unreadable); ``sqref`` lists are added up."""
    if not ref:
        return 0
    total = 0
    for piece in ref.split():
        box = parse_range(piece)
        if box is not None:
            total += (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
    return total
