"""The reader's vocabulary: the words that identify headers, row labels and layout marks.

The words are data (``rules/vocabulary.json``, validated by ``rules/vocabulary.schema.json``);
a rule profile may add words under its ``vocabulary`` key, composed by the same rule as
``extends`` (mappings merge, ``"键+"`` appends to a list, ``"键="`` replaces). Each matcher names a field and the words that make a label that field, so the
read map can say *which* word matched.

A label is matched after :func:`~jixiao.processor.core.values.label_key`: full width to half
width, no white space, punctuation or brackets — “年度资金总额：” and “年度资金总额” are one key.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jixiao.processor.core.values import SHORT_TEXT, any_of, label_key, norm

_WORD_KINDS = ("equals", "contains", "starts", "ends")
# a header label is short: a long text (a goal, a note) that happens to contain “执行数” is not one
MAX_LABEL = 30
_KEPT_ENTRIES = 20000  # answers each of the caches below keeps at most


def _keep(cache: dict[str, Any], key: str, answer: Any) -> None:
    """Remember ``answer`` for ``key`` while ``cache`` has room, and only for a text short
    enough to be a label (values.SHORT_TEXT: a pasted analysis is not kept by the thousand)."""
    if len(cache) < _KEPT_ENTRIES and len(key) <= SHORT_TEXT:
        cache[key] = answer


class Matcher:
    """One vocabulary entry: a label matches when it equals, contains, starts or ends with one
    of the words and contains none of ``none``. ``prefer`` / ``avoid`` rank two matching labels."""

    __slots__ = ("name", "equals", "contains", "starts", "ends", "none", "prefer", "avoid", "_cache", "_prefixes",
                 "_any", "_prefer", "_avoid")

    def __init__(self, data: dict[str, Any], name: str = ""):
        self.name: str = data.get("name", name)
        for kind in (*_WORD_KINDS, "none", "prefer", "avoid"):
            words = tuple(dict.fromkeys(k for w in data.get(kind, ()) if (k := label_key(w))))
            setattr(self, kind, words)
        self._cache: dict[str, str | None] = {}
        self._prefixes: dict[str, str | None] = {}
        # a key holding none of the words: no matcher built from them matches it, whatever its
        # kind (equals, contains, starts, ends), so one search rejects it
        self._any = any_of(word for kind in _WORD_KINDS for word in getattr(self, kind))
        self._prefer, self._avoid = any_of(self.prefer), any_of(self.avoid)

    def word(self, key: str) -> str | None:
        """The word that makes ``key`` match, or None."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        hit = self._word(key)
        _keep(self._cache, key, hit)
        return hit

    def _word(self, key: str) -> str | None:
        if not key or self._any(key) is None:
            return None  # (most labels hold none of the words: one regular-expression scan says so)
        hit = key if key in self.equals else (
            next((w for w in self.contains if w in key), None)
            or next((w for w in self.starts if key.startswith(w)), None)
            or next((w for w in self.ends if key.endswith(w)), None))
        if hit is None or any(w in key for w in self.none):
            return None
        return hit

    def rank(self, key: str) -> int:
        """+2 when ``key`` holds a ``prefer`` word, −2 when it holds an ``avoid`` word (both: 0)."""
        return (2 if self._prefer(key) is not None else 0) - (2 if self._avoid(key) is not None else 0)

    def prefix(self, key: str) -> str | None:
        """The ``starts`` word ``key`` begins with (for “自评得分：98” in one cell)."""
        try:
            return self._prefixes[key]
        except KeyError:
            hit = next((w for w in self.starts if key.startswith(w)), None)
            _keep(self._prefixes, key, hit)
            return hit


_UNSEEN = object()  # (a key not in a cache yet: None is a cached “no match”)


class Fields:
    """An ordered set of matchers (field → matcher): the first field whose matcher hits wins."""

    def __init__(self, data: dict[str, dict[str, Any]]):
        self.matchers = {name: Matcher(m, name) for name, m in data.items()}
        self._cache: dict[str, tuple[str, str] | None] = {}
        self._any = any_of(word for m in self.matchers.values() for kind in _WORD_KINDS for word in getattr(m, kind))

    def match(self, key: str) -> tuple[str, str] | None:
        """(field, word) for a label key, or None."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        out = None
        if len(key) > MAX_LABEL:
            return None
        if self._any(key) is not None:  # else no matcher can hit: none of their words is in it
            for name, m in self.matchers.items():
                w = m.word(key)
                if w is not None:
                    out = (name, w)
                    break
        _keep(self._cache, key, out)
        return out

    def of_row(self, keys: list[tuple[int, str]]) -> frozenset[str]:
        """The fields the labels of a row ((column, key) pairs) name (match's cache read in place:
        this runs on every row the header searches pass)."""
        cache = self._cache
        out = []
        for _, k in keys:
            m = cache.get(k, _UNSEEN)
            if m is _UNSEEN:
                m = self.match(k)
            if m is not None:
                out.append(m[0])
        return frozenset(out)

    def name(self, field: str) -> str:
        m = self.matchers.get(field)
        return m.name if m else field


class Vocabulary:
    """The loaded, validated vocabulary the reader works with."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.funding_columns = Fields(data["funding_columns"])
        self.indicator_columns = Fields(data["indicator_columns"])
        self.ignored_columns = Matcher(data["ignored_columns"])
        self.block_labels = Matcher(data["block_labels"])
        self.funding_rows = Fields(data["funding_rows"])
        self.partitions: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in data["funding_partitions"].items()}
        # a row split again into its own 其中 rows (基本支出 = 人员经费 + 公用经费): whole kind → part kinds
        self.breakdowns: dict[str, tuple[str, ...]] = {
            k: tuple(v) for k, v in data.get("funding_breakdowns", {}).items()}
        self.funding_stops = Matcher(data["funding_stops"])
        # the column a part's amount written in its own label belongs to (“其中：基本支出：900.47”)
        self.funding_inline_column: str = data.get("funding_inline", {}).get("column", "budget")
        self.top_fields = Fields(data["top_fields"])
        self.department_labels = Matcher(data["department_form"]["labels"])
        self.department_titles = Matcher(data["department_form"]["titles"])
        self.department_figures = Fields(data["department_form"].get("figures", {}))
        self.titles = Matcher(data["titles"])
        self.total_rows = Matcher(data["total_rows"])
        self.stated_totals = Matcher(data["stated_totals"])
        self.grade_labels = Matcher(data["grade_labels"])
        self.grade_names = frozenset(norm(n) for n in data["grade_names"])
        goals = data["goals"]
        self.goal_expected, self.goal_actual, self.goal_row = (Matcher(goals[k]) for k in ("expected", "actual", "row"))
        self.placeholders = [re.compile(p) for p in data["placeholders"]]
        self.sub_items = Matcher(data["sub_items"])
        self.subtotal_rows = Matcher(data["subtotal_rows"])
        self.remark_rows = Matcher(data["remark_rows"])
        self.execution_indicators = Matcher(data["execution_indicators"])
        ev = data["frameworks"]["evaluation"]
        self.evaluation_name: str = ev["name"]
        self.no_target_level1 = Matcher(ev["level1_without_targets"])
        self.wan_marks = tuple(norm(w) for w in data["money_units"]["wan"])
        self.yuan_marks = [re.compile(p) for p in data["money_units"]["yuan"]]
        self._placeholder_cache: dict[str, bool] = {}
        self._funding_row_cache: dict[str, tuple[str, str] | None] = {}
        self._money_marks_cache: dict[str, tuple[bool, bool]] = {}

    def is_placeholder(self, text: str) -> bool:
        """A template's not-applicable indicator label: “指标2”, “指标1：/”, “……”."""
        t = norm(text)
        hit = self._placeholder_cache.get(t)
        if hit is None:
            hit = any(p.match(t) for p in self.placeholders)
            _keep(self._placeholder_cache, t, hit)
        return hit

    def funding_row(self, key: str) -> tuple[str, str] | None:
        """(kind, word) of the funding row a label key names, a leading “其中” passed over; a block
        label (“项目资金（万元）” merged down beside the rows) names no row."""
        try:
            return self._funding_row_cache[key]
        except KeyError:
            pass
        hit = None
        if key and not self.block_labels.word(key):
            hit = self.funding_rows.match(key[2:] if key.startswith("其中") else key)
        _keep(self._funding_row_cache, key, hit)
        return hit

    def money_marks(self, text: str) -> tuple[bool, bool]:
        """Whether a header text (normalised) says its money is in 万元, and whether in 元."""
        try:
            return self._money_marks_cache[text]
        except KeyError:
            pass
        hit = (any(w in text for w in self.wan_marks), any(p.search(text) for p in self.yuan_marks))
        _keep(self._money_marks_cache, text, hit)
        return hit

    def header_word(self, key: str) -> bool:
        """A label that belongs in a header: a column of either table, a known unused
        column or a block label (“绩效指标”, “项目资金”)."""
        return bool(self.indicator_columns.match(key) or self.funding_columns.match(key)
                    or self.ignored_columns.word(key) or self.block_labels.word(key))


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    from jixiao.processor.core.rules import vocabulary_data

    return Vocabulary(vocabulary_data())


@lru_cache(maxsize=16)
def vocabulary_for(profile: Any) -> Vocabulary:
    """The vocabulary a profile reads with: the default one, plus the profile's additions
    (``"vocabulary": {"indicator_columns": {"weight": {"equals+": ["标准分"]}}}``)."""
    from jixiao.processor.core.rules import vocabulary_data

    data = vocabulary_data(profile)
    if profile is None or data == vocabulary_data(None):
        return default_vocabulary()
    return Vocabulary(data)
