"""The reader's speed-ups give the answers of the plain computations they replace."""

from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from jixiao.processor.core.grid import Formula, Grid
from jixiao.processor.core.reader.sheet import Sheet
from jixiao.processor.core.reader.vocabulary import Matcher, default_vocabulary
from jixiao.processor.core.values import (
    _NARROW,
    EMPTY_MARKERS,
    _parse_number_text,
    is_blank,
    label_key,
    nfkc,
    norm,
    parse_number,
)

# text as forms hold it: Chinese, full-width forms, combining marks, compatibility characters
_CHARS = st.sampled_from(list("项目资金万元，：；（）！？％　１２ＡＢａ 、。“”【】《》\t\n\u200b")
                         + list(_NARROW) + ["\u0301", "\u0308", "\u3099", "ｶ", "ﾞ", "①", "²", "…", "Ⅳ", "ﬁ", "Å"])
_TEXT = st.lists(_CHARS, max_size=30).map("".join) | st.text(max_size=30)


def test_narrow_table_is_each_characters_own_decomposition():
    for wide, narrow in _NARROW.items():
        assert unicodedata.normalize("NFKD", wide) == narrow and unicodedata.combining(narrow) == 0


@settings(max_examples=3000)
@given(_TEXT)
def test_nfkc_is_unicodedata_nfkc(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_nfkc_every_character():
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        for text in (c, "，" + c, c + "\u0301"):
            assert nfkc(text) == unicodedata.normalize("NFKC", text), hex(cp)


def test_norm_removes_what_regex_whitespace_matches():
    ws = re.compile(r"\s+")
    for cp in range(sys.maxunicode + 1):
        text = f"a{chr(cp)}b"
        assert "".join(text.split()) == ws.sub("", text), hex(cp)


@settings(max_examples=2000)
@given(_TEXT)
def test_norm_is_the_plain_definition(text):
    assert norm.__wrapped__(text) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).replace("\u200b", "")


@settings(max_examples=2000)
@given(_TEXT | st.sampled_from(sorted(EMPTY_MARKERS)) | st.none() | st.floats() | st.integers())
def test_is_blank_is_the_plain_definition(value):
    plain = value is None or (isinstance(value, str) and norm(value) in EMPTY_MARKERS)
    assert is_blank(value) == plain


@settings(max_examples=2000)
@given(st.text(alphabet="0123456789.,-+%％万元个 １２abc", max_size=12) | _TEXT)
def test_parse_number_cache_is_the_computation(text):
    assert parse_number(text) == _parse_number_text.__wrapped__(text)
    # a formula holding that text is never read from the text's cache entry
    assert parse_number(Formula(text)).value is None


@settings(max_examples=1000)
@given(st.lists(st.text(alphabet="预算执行数年度全其中率万元", min_size=1, max_size=4), max_size=4),
       st.lists(st.text(alphabet="预算执行数年度全其中率万元", min_size=1, max_size=4), max_size=4),
       st.text(alphabet="预算执行数年度全其中率万元", max_size=12))
def test_rank_is_any_word_in_key(prefer, avoid, key):
    m = Matcher({"equals": ["x"], "prefer": prefer, "avoid": avoid})
    plain = (2 if any(w in key for w in m.prefer) else 0) - (2 if any(w in key for w in m.avoid) else 0)
    assert m.rank(key) == plain


_CELL = st.none() | st.sampled_from(["", " ", "—", "项目名称", "全年执行数", "（50分）"]) | st.floats(allow_nan=False) | _TEXT


@settings(max_examples=300)
@given(st.lists(st.lists(_CELL, max_size=6), min_size=1, max_size=6), st.integers(1, 4), st.integers(1, 4))
def test_sheet_lookups_are_the_grids(rows, r0, c0):
    grid = Grid("s", rows, r0, c0, [])
    s = Sheet(grid, default_vocabulary())
    for r in range(r0 - 2, r0 + len(rows) + 2):
        values = []
        for c in range(c0 - 2, c0 + 8):
            v = grid.get(r, c)
            assert s.get(r, c) == v or (s.get(r, c) is v)
            assert s.key(r, c) == label_key(v)
            if v is not None and not is_blank(v):
                values.append((c, v))
        assert s.row_values(r) == values
        assert s.row_keys(r) == [(c, k) for c in range(c0, c0 + 8) if (k := label_key(grid.get(r, c)))]


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(0, 3), st.integers(0, 3)), max_size=6))
def test_shared_merge_maps_are_the_ranges(spans):
    merged = [(r, c, r + dr, c + dc) for r, c, dr, dc in spans]
    s = Sheet(Grid("s", [[""] * 10 for _ in range(10)], 1, 1, merged), default_vocabulary())
    tl, br = {}, {}
    for r1, c1, r2, c2 in merged:
        br[(r1, c1)] = (r2, c2)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    tl[(r, c)] = (r1, c1)
    assert dict(s.merge_tl) == tl and dict(s.merge_br) == br
