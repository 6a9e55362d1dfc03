"""Pinyin readings for sort keys, read straight from pypinyin's two dictionaries.

``lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)`` gives what a reader
expects (重庆 is chong2 qing4: its phrase dictionary), but importing pypinyin costs a merge
some 0.4 s of CPU (it loads both dictionaries, copies them and trains a prefix set of every
phrase) and each call some 0.2 ms in layers of hooks. :func:`syllables` gives the very same
list from the same two JSON files that pypinyin itself loads (``pinyin_dict.json``: code
point → its readings; ``phrases_dict.json``: phrase → the reading of each character),
without importing pypinyin: the same split into runs of characters that have a reading, the
same longest-phrase-first segmentation, the same tone-number spelling.
``tests/test_pinyin.py`` holds it to ``lazy_pinyin`` (random text with polyphonic characters,
every reading in the dictionaries, the real unit names of the corpora) and checks that the
copied patterns below are still pypinyin's. Without the files (a pypinyin that stores them
otherwise) the syllables come from ``lazy_pinyin`` itself.
"""

from __future__ import annotations

import bisect
import importlib.util
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jixiao.processor.merge.collector import paused

# pypinyin.constants.RE_HANS: the characters pypinyin reads (a run of others is kept as it is)
HANS_CLASS = (r"\u3007\ue815-\ue864\ufa18\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002A6DF"
              r"\U0002A703-\U0002B73F\U0002B740-\U0002B81D\U0002B825-\U0002BF6E\U0002C029-\U0002CE93"
              r"\U0002D016\U0002D11B-\U0002EBD9\U0002F80A-\U0002FA1F\U00030000-\U0003134A"
              r"\U000300F7-\U00031288\U00030EDD\U00030EDE\U00031350-\U00032389")
_RUNS = re.compile(f"([{HANS_CLASS}]+)|[^{HANS_CLASS}]+")

# pypinyin.phonetic_symbol: a toned vowel → the letter and its tone number
PHONETIC_SYMBOL = {
    "ā": "a1", "á": "a2", "ǎ": "a3", "à": "a4", "ē": "e1", "é": "e2", "ě": "e3", "è": "e4",
    "ō": "o1", "ó": "o2", "ǒ": "o3", "ò": "o4", "ī": "i1", "í": "i2", "ǐ": "i3", "ì": "i4",
    "ū": "u1", "ú": "u2", "ǔ": "u3", "ù": "u4", "ü": "v", "ǖ": "v1", "ǘ": "v2", "ǚ": "v3", "ǜ": "v4",
    "ń": "n2", "ň": "n3", "ǹ": "n4", "m̄": "m1", "ḿ": "m2", "m̀": "m4",
    "ê̄": "ê1", "ế": "ê2", "ê̌": "ê3", "ề": "ê4",
}
_ONE_CHAR = {k: v for k, v in PHONETIC_SYMBOL.items() if len(k) == 1}
_TWO_CHARS = {k: v for k, v in PHONETIC_SYMBOL.items() if len(k) > 1}
_TONED = re.compile("[" + re.escape("".join(_ONE_CHAR)) + "]")
TONE3 = re.compile(r"^([a-zêü]+)([1-5])([a-zêü]*)$")  # pypinyin.style._constants.RE_TONE3
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Dictionaries:
    chars: dict[str, str]  # str(code point) → "reading,reading…" (the first is the usual one)
    phrases: dict[str, list[list[str]]]  # phrase → [[reading, …] of each character]
    starts: list[str]  # the phrases, sorted: does some phrase begin with a given text?
    heads: frozenset[str]  # the first two characters of each phrase
    longest: int  # characters in the longest phrase
    _syllables: dict[str, str] = field(default_factory=dict)  # character → its TONE3 syllable

    def syllable(self, ch: str) -> str:
        """One character's usual reading in TONE3 (itself, through the same steps, when it has none)."""
        found = self._syllables.get(ch)
        if found is None:
            found = self._syllables[ch] = tone3(_reading(ch, self) or ch)
        return found


@cache
def dictionaries() -> Dictionaries | None:
    """pypinyin's dictionaries, read once; None when its files are not where pypinyin keeps them."""
    spec = importlib.util.find_spec("pypinyin")  # finds the package without running it
    folders = list(spec.submodule_search_locations or ()) if spec else []
    if not folders:
        return None
    folder = Path(folders[0])
    try:
        with paused():  # some 200,000 lists, none in a cycle: collections would only walk them (twice as slow)
            chars = json.loads((folder / "pinyin_dict.json").read_text(encoding="utf-8"))
            # PYPINYIN_NO_PHRASES: pypinyin then reads character by character; so do we
            phrases = {} if os.environ.get("PYPINYIN_NO_PHRASES") else json.loads(
                (folder / "phrases_dict.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(chars, dict) or not isinstance(phrases, dict):
        return None
    return Dictionaries(chars, phrases, sorted(phrases), frozenset(k[:2] for k in phrases),
                        max(map(len, phrases), default=0))


@cache
def tone3(reading: str) -> str:
    """A toned reading in pypinyin's TONE3 spelling with the neutral tone as 5 ("lüè" → "lve4",
    "de" → "de5"); a character without a reading passes through the same steps ("𪛖" → "𪛖5")."""
    text = _TONED.sub(lambda m: _ONE_CHAR[m.group(0)], reading)
    for symbol, spelled in _TWO_CHARS.items():
        text = text.replace(symbol, spelled)
    text = TONE3.sub(r"\1\3\2", text)
    return f"{text}5" if text and not _DIGIT.search(text) else text


def syllables(text: str) -> list[str]:
    """``lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)``."""
    data = dictionaries()
    if data is None:
        from pypinyin import Style, lazy_pinyin

        return lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)
    out: list[str] = []
    for m in _RUNS.finditer(text):
        if m.group(1) is None:
            out.append(m.group(0))  # no reading: kept whole, as pypinyin's errors="default"
            continue
        for word in _words(m.group(1), data):
            readings = data.phrases.get(word)
            if readings is not None:
                out.extend(tone3(r[0]) for r in readings)
            else:
                out.extend(map(data.syllable, word))
    return out


def char_reading(ch: str) -> str | None:
    """The usual (first) reading of one character, with its tone mark; None when it has none."""
    data = dictionaries()
    if data is None:
        from pypinyin.pinyin_dict import pinyin_dict

        found = pinyin_dict.get(ord(ch))
        return found.split(",")[0] if found else None
    return _reading(ch, data)


def _reading(ch: str, data: Dictionaries) -> str | None:
    found = data.chars.get(str(ord(ch)))
    return found.split(",")[0] if found else None


def _words(run: str, data: Dictionaries) -> list[str]:
    """pypinyin's segmentation (``seg.mmseg.seg``, strict: only dictionary phrases) of a run of
    readable characters: at each place the longest phrase that starts there, else one character
    — except that when the whole rest begins some longer phrase yet holds none, pypinyin's
    prefix walk reaches the end and splits the rest into single characters."""
    phrases, heads, longest, n = data.phrases, data.heads, data.longest, len(run)
    out: list[str] = []
    i = 0
    while i < n:
        if run[i:i + 2] not in heads:  # no phrase of two or more starts here (nor the rest begins one)
            out.append(run[i])  # one character: a phrase of its own, or read alone
            i += 1
            continue
        for k in range(min(longest, n - i), 0, -1):
            if run[i:i + k] in phrases:
                out.append(run[i:i + k])
                i += k
                break
        else:
            if _begins_phrase(run[i:], data):
                out.extend(run[i:])
                break
            out.append(run[i])
            i += 1
    return out


def _begins_phrase(text: str, data: Dictionaries) -> bool:
    """Some phrase starts with ``text`` (pypinyin's prefix set, by bisection of the sorted phrases)."""
    at = bisect.bisect_left(data.starts, text)
    return at < len(data.starts) and data.starts[at].startswith(text)
