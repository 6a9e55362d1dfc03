"""The order a reader expects: units as the roster lists them, else by pinyin; projects
by score within a unit; findings under the project they belong to.

Pinyin comes from pypinyin (its phrase dictionary reads 重庆 as chong qing, not zhong);
characters it does not know, Latin letters and digits keep their own order after it.
The key of a name is computed once per distinct name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from jixiao.processor.core.values import norm

_LAST = "\U0010ffff"  # a blank name sorts after every other


@lru_cache(maxsize=65536)
def pinyin_key(name: str) -> tuple[str, ...]:
    """Sort key of a name by pinyin with tone numbers ("北京" → ("bei3", "jing1"), then the name)."""
    text = norm(name)
    if not text:
        return (_LAST,)
    from pypinyin import Style, lazy_pinyin

    return (*(s.lower() for s in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)), "\0", text)


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
    return (units.key(unit), invalid, rank, pinyin_key(name), file_name, sheet)
