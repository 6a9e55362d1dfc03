"""merge.pinyin reads pypinyin's dictionaries itself: it must give exactly what pypinyin gives.

Held to ``lazy_pinyin(…, style=Style.TONE3, neutral_tone_with_five=True)`` (the sort key of
a unit, ``order.pinyin_key``) and to ``contrib.tone_convert.to_tone3`` (a project name's
per-character key, ``order.name_key``): random text mixing polyphonic characters, phrases,
pieces of phrases, characters without a reading and Latin text; every reading in the two
dictionaries; every text of the 44 real tables; and the places where pypinyin's segmentation
is not a plain longest match."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jixiao.processor.core.values import norm
from jixiao.processor.merge import order, pinyin
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS
from pypinyin.contrib.tone_convert import to_tone3
from pypinyin.converter import UltimateConverter
from pypinyin.phonetic_symbol import phonetic_symbol
from pypinyin.pinyin_dict import pinyin_dict
from pypinyin.style._constants import RE_TONE3
from summary_corpus import UNITS

TABLES = Path(__file__).parent / "corpus" / "tables"


def reference(text: str) -> list[str]:
    return lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)


@pytest.fixture(scope="module")
def data() -> pinyin.Dictionaries:
    found = pinyin.dictionaries()
    assert found is not None, "pypinyin's dictionary files were not found: every key would go through lazy_pinyin"
    return found


# ------------------------------------------------------------------ what was copied from pypinyin


def test_copied_patterns_are_pypinyins():
    assert RE_HANS.pattern == f"^(?:[{pinyin.HANS_CLASS}])+$"
    assert pinyin.PHONETIC_SYMBOL == phonetic_symbol
    assert pinyin.TONE3.pattern == RE_TONE3.pattern


def test_the_dictionaries_are_pypinyins(data):
    from pypinyin import phrases_dict, pinyin_dict

    assert {int(k): v for k, v in data.chars.items()} == pinyin_dict.pinyin_dict
    assert data.phrases == phrases_dict.phrases_dict
    assert data.longest == max(map(len, phrases_dict.phrases_dict))


def test_every_reading_spelled_as_pypinyin_spells_it(data):
    readings = {r for v in data.chars.values() for r in v.split(",")}
    readings |= {r for v in data.phrases.values() for item in v for r in item}
    assert len(readings) > 1000
    converter = UltimateConverter(neutral_tone_with_five=True)  # lazy_pinyin's, for these options
    for r in readings:
        assert pinyin.tone3(r) == to_tone3(r, neutral_tone_with_five=True), r
        assert pinyin.tone3(r) == converter.convert_style("乐", r, Style.TONE3, True), r


def test_name_key_reads_each_character_as_before(data):
    text = "重行长乐调朝藏银A1（单）"

    def before(ch: str) -> str:  # order._char_key as it was, with pypinyin's own tables
        reading = pinyin_dict.get(ord(ch))
        return to_tone3(reading.split(",")[0], neutral_tone_with_five=True) if reading else ch.lower()

    assert order.name_key(text) == (*map(before, norm(text)), "\0", norm(text))


# ------------------------------------------------------------------ whole texts


POLYPHONIC = "重行长乐调朝藏银单曾解仇查区朴种还会都得了着便应为参"


@st.composite
def texts(draw) -> str:
    data = pinyin.dictionaries()
    assert data is not None
    phrases = data.starts
    pieces = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(("phrase", "prefix", "char", "poly", "latin", "unreadable", "cjk")))
        if kind in ("phrase", "prefix"):
            p = phrases[draw(st.integers(0, len(phrases) - 1))]
            pieces.append(p if kind == "phrase" else p[:draw(st.integers(1, len(p)))])
        elif kind == "poly":
            pieces.append(draw(st.text(POLYPHONIC, min_size=1, max_size=4)))
        elif kind == "latin":
            pieces.append(draw(st.text("AbZz09 -_（）、.,", min_size=1, max_size=4)))
        elif kind == "unreadable":  # in pypinyin's ranges: two without a reading, two rare ones with
            pieces.append(draw(st.sampled_from(("\U0002A6D6", "\U00030000", "\ue815", "〇"))))
        elif kind == "cjk":
            pieces.append(draw(st.text(st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF), max_size=3)))
        else:
            pieces.append(chr(draw(st.integers(0x4E00, 0x9FA5))))
    return "".join(pieces)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts())
def test_random_text_as_lazy_pinyin(text):
    assert pinyin.syllables(text) == reference(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_any_text_as_lazy_pinyin(text):
    assert pinyin.syllables(text) == reference(text)


def test_real_tables_as_lazy_pinyin():
    """Every text of the real tables (units, projects, indicators, 偏差原因 …) and the corpus units."""
    seen = set(UNITS)
    for f in sorted(TABLES.glob("*.json")):
        table = json.loads(f.read_text(encoding="utf-8"))
        seen |= {table.get("issuer") or "", table.get("project") or ""}
        seen |= {c for row in table["rows"] for c in row if isinstance(c, str)}
    assert len(seen) > 1000
    for text in sorted(seen):
        assert pinyin.syllables(text) == reference(text), text
        assert order.pinyin_key(text)[:-2] == tuple(s.lower() for s in reference(norm(text))), text


def test_rest_that_only_begins_a_phrase(data):
    """pypinyin walks the prefixes of its phrases; when the whole rest of a run begins a longer
    phrase yet holds none (一块石头: 一块石头落地), it reads the rest a character at a time
    (石头 then is shi2 tou2, not the phrase's shi2 tou5). A plain longest match would not."""

    def longest_match(run: str) -> list[str]:
        out, i = [], 0
        while i < len(run):
            k = next((k for k in range(len(run) - i, 0, -1) if run[i:i + k] in data.phrases), 1)
            word = run[i:i + k]
            out.extend(pinyin.tone3(r[0]) for r in data.phrases[word]) if word in data.phrases else \
                out.append(data.syllable(word))
            i += k
        return out

    cases = {p[:j] for p in data.phrases for j in range(2, len(p))
             if not any(p[:i] in data.phrases for i in range(1, j + 1))}
    plain_wrong = [q for q in sorted(cases) if longest_match(q) != reference(q)]
    assert plain_wrong  # the case is real: a plain longest match gets these wrong
    for q in plain_wrong:
        assert pinyin.syllables(q) == reference(q), q
        assert pinyin.syllables(q + "，") == reference(q + "，"), q


def test_without_the_files_lazy_pinyin_itself(monkeypatch):
    monkeypatch.setattr(pinyin, "dictionaries", lambda: None)
    for text in ("重庆市渝中区财政局", "长沙A1", "", "一块石头"):
        assert pinyin.syllables(text) == reference(text)
    assert pinyin.char_reading("重") == "zhòng"
    assert pinyin.char_reading("A") is None


def test_no_phrases_setting_as_pypinyin():
    """PYPINYIN_NO_PHRASES: pypinyin reads character by character; so does merge.pinyin."""
    code = ("import json,sys;from pypinyin import lazy_pinyin,Style;from jixiao.processor.merge import pinyin;"
            "t=['重庆市','银行行长','一块石头','A1单位'];"
            "print(json.dumps([pinyin.syllables(x)==lazy_pinyin(x,style=Style.TONE3,neutral_tone_with_five=True)"
            " for x in t]), pinyin.dictionaries().phrases=={})")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYPINYIN_NO_PHRASES": "1"},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[true,", "true,", "true,", "true]", "True"]
