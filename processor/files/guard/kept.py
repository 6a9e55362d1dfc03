"""Answers the guard keeps between files, each keyed on the exact bytes that decide it.

Forms filled in from one template repeat most of their parts and rows; what the guard
found for those bytes once holds for the same bytes again, so it is looked up instead of
worked out again. The tables of one :class:`Kept` share one bound: entries per table, and
bytes held over all of them (each entry counted by its caller at what its key *and* its
answer hold: a small key may map to a large answer); past either, every table is cleared
(a batch of new forms then simply starts filling them again).
"""

from __future__ import annotations

from typing import Any


class Kept:
    """Tables named by ``max_entries`` (name → entries at most), ``max_bytes`` held in all."""

    def __init__(self, max_bytes: int, **max_entries: int) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.tables: dict[str, dict[Any, Any]] = {name: {} for name in max_entries}
        self.bytes = 0

    def keep(self, table: str, key: Any, value: Any, size: int) -> None:
        """Keep ``value`` under ``key`` (``size``: the bytes the key and the value hold)."""
        kept = self.tables[table]
        if len(kept) >= self.max_entries[table] or self.bytes + size > self.max_bytes:
            self.clear()
        kept[key] = value
        self.bytes += size

    def clear(self) -> None:
        for kept in self.tables.values():
            kept.clear()
        self.bytes = 0
