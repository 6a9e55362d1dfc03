"""The order a reader expects: units as the roster lists them, else by pinyin; projects
by score within a unit; findings under the project they belong to.

Pinyin comes from pypinyin's dictionaries (``merge.pinyin``). Unit names (a few dozen to a
few thousand) are read with its phrase dictionary (重庆 is chong qing, not zhong); project
names — tie-breaks between equal scores, up to hundreds of thousands — by its character
dictionary, one look-up per character. Latin letters and digits keep their own order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from jixiao.processor.core.values import norm, text_cache
from jixiao.processor.merge.pinyin import char_reading, syllables, tone3

_LAST = "\U0010ffff"  # a blank name sorts after every other


@text_cache(maxsize=65536)
def pinyin_key(name: str) -> tuple[str, ...]:
    """Sort key of a name by pinyin with tone numbers ("北京" → ("bei3", "jing1"), then the name)."""
    text = norm(name)
    if not text:
        return (_LAST,)
    return (*(s.lower() for s in syllables(text)), "\0", text)


@cache
def _char_key(ch: str) -> str:
    reading = char_reading(ch)
    return tone3(reading) if reading else ch.lower()


@text_cache(maxsize=65536)
def name_key(name: str) -> tuple[str, ...]:
    """Sort key of a project name by the usual reading of each character (fast; no phrases)."""
    text = norm(name)
    if not text:
        return (_LAST,)
    return (*map(_char_key, text), "\0", text)


class UnitOrder:
    """Rank of each 实施单位: the roster's order for the units it lists (matched by
    normalised name), then every other unit by pinyin."""

    def __init__(self, roster_names: Sequence[str] = ()) -> None:
        self._rank: dict[str, int] = {}
        for name in roster_names:
            self._rank.setdefault(norm(name), len(self._rank))

    def key(self, unit: str) -> tuple:
        n = norm(unit)
        if n in self._rank:
            return (0, self._rank[n])
        return (1, pinyin_key(unit))

    def sorted(self, units: Iterable[str]) -> list[str]:
        return sorted(set(units), key=self.key)


def project_key(units: UnitOrder, unit: str, score: float | None, invalid: bool, name: str,
                file_name: str, sheet: str) -> tuple:
    """Within a unit, valid scores from the highest down, then the scores that cannot stand
    (需更正), then by project name."""
    rank = float("inf") if score is None or invalid else -score
    return (units.key(unit), invalid, rank, name_key(name), file_name, sheet)
