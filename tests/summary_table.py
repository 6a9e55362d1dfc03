"""Read a list sheet of the summary as records: the header row is the one that starts with 序号."""

from __future__ import annotations

from typing import Any


def header_row(ws) -> int:
    for n, row in enumerate(ws.iter_rows(min_row=1, max_row=40, values_only=True), start=1):
        if row and row[0] in ("序号", "排名"):
            return n
    raise AssertionError(f"{ws.title}: no header row")


def table(ws) -> list[dict[str, Any]]:
    """The body rows as {column title: value}, until the first row without a 序号 (排名)."""
    h = header_row(ws)
    names = next(ws.iter_rows(min_row=h, max_row=h, values_only=True))
    out = []
    for row in ws.iter_rows(min_row=h + 1, values_only=True):
        if not row or row[0] is None:
            break
        out.append({n: v for n, v in zip(names, row) if n})
    return out
