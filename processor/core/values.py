"""Cell text → numbers, targets and actual values.

Submissions type numbers as text ("20.9万元", "100%", "１２", "2.48 万元") and write
"—", "-", "/" or "*" for "no value". 指标值 text is operator + number + unit
("≥50个", "8小时内", "满意度90%以上"); text with no number is qualitative.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, update_wrapper
from typing import Any, TypeVar

from jixiao.processor.core.grid import Formula

_F = TypeVar("_F", bound=Callable[..., Any])

# the longest text whose answers the engine's caches keep by the thousand: labels, numbers,
# targets and names are far shorter. A cell may hold 32,767 characters; thousands of those
# kept (pasted analyses, a hostile file) would be gigabytes. Longer texts get a cache of their
# own of LONG_KEPT entries (a form's pasted analysis is looked at a few times, close together).
SHORT_TEXT = 256
LONG_KEPT = 32


def text_cache(maxsize: int, texts: int = 1) -> Callable[[_F], _F]:
    """``lru_cache(maxsize)`` for a function whose first ``texts`` arguments are texts, when each
    of them is at most :data:`SHORT_TEXT` characters long; answers for longer texts are kept
    :data:`LONG_KEPT` at a time. The cache is bounded in bytes, not only in entries."""

    def wrap(fn: _F) -> _F:
        short, long = lru_cache(maxsize=maxsize)(fn), lru_cache(maxsize=LONG_KEPT)(fn)
        if texts == 1 and fn.__code__.co_argcount == 1:
            # norm, text_key …, called hundreds of times a form: no argument packing (0.05 µs
            # over lru_cache's own call; *args and **kw would cost 0.2)
            def call(text):
                return short(text) if len(text) <= SHORT_TEXT else long(text)
        elif texts == 1:
            def call(text, *args, **kw):
                return (short if len(text) <= SHORT_TEXT else long)(text, *args, **kw)
        else:
            def call(*args, **kw):
                return (long if any(len(a) > SHORT_TEXT for a in args[:texts]) else short)(*args, **kw)
        update_wrapper(call, fn)

        def cache_clear() -> None:
            short.cache_clear()
            long.cache_clear()

        call.cache_clear, call.cache_info = cache_clear, short.cache_info  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return wrap


EMPTY_MARKERS = frozenset(
    {"", "-", "--", "—", "——", "–", "―", "─", "/", "//", "\\", "*", "**", "无", "N/A", "NA", "n/a", "#N/A"}
)
_NUM = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+"
_NUMBER_ONLY = re.compile(rf"^({_NUM})(.*)$")

# units we recognise, longest first when matching
UNITS = sorted(
    [
        "万元", "亿元", "千元", "元", "%", "百分比", "个百分点", "个", "次", "天", "日", "工作日",
        "个工作日", "小时", "分钟", "秒", "周", "月", "个月", "年", "人次", "人", "户", "家", "场", "件", "项",
        "台", "套", "篇", "期", "份", "批", "所", "辆", "平方米", "平方公里", "公里", "千米", "米",
        "吨", "亩", "册", "条", "座", "张", "本", "课时", "学时", "名", "位", "处", "种", "类",
        "部", "间", "栋", "块", "株", "只", "头", "起", "例", "元/人", "元/次", "分", "公顷", "台次",
        "架次", "单", "笔", "宗", "卷", "盒", "箱", "瓶", "袋", "支", "片", "组", "队", "村", "个村",
        # “150万” in a money cell is 万元; 万 before a count is part of that count's unit
        "万", "万人次", "万人", "万户", "万册", "万亩", "万吨", "万份", "万次", "万件", "万株", "万只", "万头",
    ],
    key=len,
    reverse=True,
)
# conversion into a base unit per group; other units only compare with themselves
UNIT_SCALE = {
    "万元": ("money", 1.0), "万": ("money", 1.0), "元": ("money", 1e-4), "千元": ("money", 0.1), "亿元": ("money", 1e4),
    "%": ("pct", 1.0), "百分比": ("pct", 1.0), "个百分点": ("pct", 1.0),
    "小时": ("time", 1.0), "分钟": ("time", 1 / 60), "秒": ("time", 1 / 3600), "天": ("time", 24.0),
    "日": ("time", 24.0), "周": ("time", 168.0),
    "公里": ("length", 1000.0), "千米": ("length", 1000.0), "米": ("length", 1.0),
}


@text_cache(maxsize=8192)
def norm(text: str) -> str:
    """NFKC (full-width → half-width) and no white space at all: for matching labels."""
    # (str.split() splits at exactly the characters a regular expression's \s matches, ten times
    # quicker than re.sub over a long text)
    return "".join(nfkc(text).split()).replace("\u200b", "")


# full-width ASCII forms (“，” “（” “：” “１”) and the ideographic space: the compatibility
# decomposition of each is the one ASCII character it stands for
_NARROW = {chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
_WIDE = re.compile("[\uff01-\uff5e\u3000]")


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, quicker for Chinese text.

    A Chinese sentence is seldom in NFKC — its “，” “（” “：” are compatibility characters — and
    normalizing one in full costs a hundred times more than checking it. A full-width ASCII
    character decomposes to the single ASCII character it stands for (a starter, which nothing
    reorders), so replacing those first leaves the normal form as it was; when what remains is
    already normal, it is the normal form. Anything else is normalized in full."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    narrow = text
    for wide in set(_WIDE.findall(text)):
        narrow = narrow.replace(wide, _NARROW[wide])
    return narrow if unicodedata.is_normalized("NFKC", narrow) else unicodedata.normalize("NFKC", text)


def label_key(value: Any) -> str:
    """A cell's text reduced for label matching: no spaces, punctuation or brackets."""
    if not isinstance(value, str):
        return ""
    return text_key(value)


@text_cache(maxsize=16384)
def text_key(value: str) -> str:
    """label_key of a text (for loops that already know the value is one)."""
    return _LABEL_STRIP.sub("", norm(value))


_LABEL_STRIP = re.compile(r"[:：,，。、;；()（）\[\]【】<>《》\"'“”‘’*＊]")


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        # (a marker is its own normal form, so the set answers for it without normalising)
        return value in EMPTY_MARKERS or norm(value) in EMPTY_MARKERS
    return False


@dataclass(frozen=True)
class Number:
    value: float | None  # None: empty or unreadable
    unit: str | None = None
    ok: bool = True  # False: the cell holds text that is not a number

    def __init__(self, value: float | None, unit: str | None = None, ok: bool = True) -> None:
        d = self.__dict__  # (as model.Field: a frozen dataclass's own __init__ is twice as slow)
        d["value"], d["unit"], d["ok"] = value, unit, ok


NO_NUMBER = Number(None)


def _has_digit_lookalike(raw: str) -> bool:
    """Superscripts, circled or Roman numerals, fractions ("50²", "47.5¹" with a footnote
    mark, "④"): NFKC turns them into plain digits (50² → 502), so a cell holding one is
    not read as a number. Full-width digits ("５０") are real digits (category Nd)."""
    return not raw.isascii() and any(unicodedata.category(c) in ("No", "Nl") for c in raw)


def parse_number(raw: Any) -> Number:
    """A cell that should hold a number: 12, "12", "１２", "20.9万元", "100%"."""
    if raw is None or isinstance(raw, bool):
        return NO_NUMBER if raw is None else Number(None, ok=False)
    if isinstance(raw, (int, float)):
        return Number(float(raw)) if math.isfinite(raw) else Number(None, ok=False)  # NaN, ±inf
    if not isinstance(raw, str):
        return Number(None, ok=False)  # dates, times, errors
    if isinstance(raw, Formula):
        return NO_NUMBER  # a formula without a cached value: the form computes it
    return _parse_number_text(raw)


@text_cache(maxsize=8192)
def _parse_number_text(raw: str) -> Number:
    """parse_number of a plain text (never a Formula: one equals the text it holds, so the cache
    would mix them up); a Number is frozen, so one instance serves every cell holding that text."""
    text = norm(raw)
    if text in EMPTY_MARKERS:
        return NO_NUMBER
    if _has_digit_lookalike(raw):
        return Number(None, ok=False)
    m = _NUMBER_ONLY.match(text)
    if not m:
        return Number(None, ok=False)
    unit = m.group(2) or None
    if unit is not None and unit not in UNITS and unit != "％":
        return Number(None, ok=False)
    return Number(float(m.group(1).replace(",", "")), "%" if unit == "％" else unit)


def parse_rate(raw: Any) -> Number:
    """A rate as a fraction: "95%" → 0.95; 0.95 → 0.95; a bare 95 → 0.95."""
    n = parse_number(raw)
    if n.value is None:
        return n
    if n.unit in ("%", "百分比"):
        return Number(n.value / 100)
    if n.unit is not None:
        return Number(None, ok=False)
    return Number(n.value / 100 if abs(n.value) > 2 else n.value)


def parse_money(raw: Any) -> tuple[Number, bool]:
    """Money in 万元; returns (number, converted_from_yuan)."""
    n = parse_number(raw)
    if n.value is None or n.unit in (None, "万元"):
        return (Number(n.value, "万元" if n.value is not None else None, n.ok), False)
    if n.unit in UNIT_SCALE and UNIT_SCALE[n.unit][0] == "money":
        return (Number(n.value * UNIT_SCALE[n.unit][1], "万元"), UNIT_SCALE[n.unit][1] != 1.0)
    return (Number(None, ok=False), False)


# ---------------------------------------------------------------- 指标值 / 实际完成值

HIGHER, LOWER, EQUAL = ">=", "<=", "="

# (pattern, operator, strict); checked in order, first match wins
_PREFIX_OPS = [
    ("≥", HIGHER), (">=", HIGHER), ("大于等于", HIGHER), ("大于或等于", HIGHER), ("不低于", HIGHER),
    ("不少于", HIGHER), ("不小于", HIGHER), ("至少", HIGHER), ("达到", HIGHER), ("超过", HIGHER),
    ("高于", HIGHER), ("大于", HIGHER), ("多于", HIGHER), (">", HIGHER),
    ("≤", LOWER), ("<=", LOWER), ("小于等于", LOWER), ("小于或等于", LOWER), ("不高于", LOWER),
    ("不超过", LOWER), ("不多于", LOWER), ("不大于", LOWER), ("控制在", LOWER), ("低于", LOWER),
    ("少于", LOWER), ("小于", LOWER), ("<", LOWER),
    ("=", EQUAL), ("等于", EQUAL),
]
_PREFIX_OPS_LONGEST_FIRST = sorted(_PREFIX_OPS, key=lambda x: len(x[0]), reverse=True)
# glyphs real forms use that NFKC leaves alone (＝ ﹦ ＞ ＜ become = > < under NFKC already)
_GLYPHS = str.maketrans({"≧": "≥", "⩾": "≥", "≦": "≤", "⩽": "≤", "═": "=", "＝": "=", "﹦": "=", "％": "%"})
# words a 指标方向 / 指标性质 column uses instead of a glyph
_DIRECTION_WORDS = [("越大越好", HIGHER), ("正向", HIGHER), ("越小越好", LOWER), ("反向", LOWER)]
_SUFFIX_OPS = [
    ("以上", HIGHER), ("及以上", HIGHER), ("以内", LOWER), ("之内", LOWER), ("以下", LOWER),
    ("及以下", LOWER), ("内", LOWER), ("前", LOWER),
]
_DATE_LIKE = re.compile(r"(?:19|20)\d{2}年|\d{1,2}月\d{1,2}日|\d{1,2}月底|\d{1,2}月份|(?:19|20)\d{2}[-/]\d{1,2}")
_FULL_COVERAGE = ("全覆盖", "全部完成", "全部覆盖", "全部")
_ZERO_WORDS = ("零", "无")


def is_deadline(text: str) -> bool:
    """“2024年12月31日前”, “6月底”: a date, judged by the filler rather than computed."""
    return bool(_DATE_LIKE.search(norm(text)))


@dataclass(frozen=True)
class Target:
    """A parsed 指标值 (or 实际完成值): op is None when the text is qualitative."""

    text: str
    op: str | None = None
    value: float | None = None
    unit: str | None = None
    explicit: bool = False  # the operator was written (≥, 不低于, 以内 …), not defaulted

    @property
    def quantitative(self) -> bool:
        return self.value is not None


def _find_unit(rest: str) -> str | None:
    for unit in UNITS:
        if rest.startswith(unit):
            return unit
    return None


@text_cache(maxsize=1024)
def operator_of(text: str) -> str | None:
    """The operator a text states, if any: “≧” → >=, “不超过” → <=, “正向” → >=, “定量” → None."""
    t = norm(text).translate(_GLYPHS)
    for word, o in _PREFIX_OPS_LONGEST_FIRST:
        if word in t:
            return o
    for word, o in _SUFFIX_OPS:
        if word in t:
            return o
    for word, o in _DIRECTION_WORDS:
        if word in t:
            return o
    return None


OP_SYMBOL = {HIGHER: "≥", LOWER: "≤", EQUAL: "＝"}


@text_cache(maxsize=4096)
def _parse_text(text: str, default_op: str) -> Target:
    t = norm(text).translate(_GLYPHS)
    if t in EMPTY_MARKERS:
        return Target(text)
    if _DATE_LIKE.search(t):
        return Target(text)  # a deadline: judged by the filler, not computed
    m = re.search(_NUM, t)
    if not m:
        if any(w in t for w in _FULL_COVERAGE) and "不" not in t:
            return Target(text, EQUAL, 100.0, "%")
        return Target(text)
    before, after = t[: m.start()], t[m.end():]
    value = float(m.group(0).replace(",", "").lstrip("+"))
    unit = _find_unit(after)
    tail = after[len(unit):] if unit else after
    op = None
    for word, o in _PREFIX_OPS_LONGEST_FIRST:  # “不高于” before “高于”
        if word in before:
            op = o
            break
    if op is None:
        for word, o in _SUFFIX_OPS:
            if tail.startswith(word):
                op = o
                break
    if op is not None:
        return Target(text, op, value, unit, explicit=True)
    if op is None:
        if unit == "%" and value == 100:
            op = EQUAL
        elif value == 0:
            op = LOWER  # "0起", "安全事故0次": no more than
        else:
            op = default_op
    return Target(text, op, value, unit)


def parse_target(raw: Any, *, lower_is_better: bool = False) -> Target:
    """Parse a 年度指标值. Bare numbers mean "at least", or "at most" for cost indicators."""
    default_op = LOWER if lower_is_better else HIGHER
    if raw is None:
        return Target("")
    if isinstance(raw, bool):
        return Target(str(raw))
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            return Target(str(raw))
        return Target(str(raw), EQUAL if raw == 100 else default_op, float(raw), None)
    return _parse_text(str(raw), default_op)


def parse_actual(raw: Any) -> Target:
    """Parse a 实际完成值 the same way; its operator, if any, is ignored by scoring."""
    return parse_target(raw)


def percent_formatted(x: float, other: float) -> bool:
    """A bare number ``x`` (≤ 1.5) beside a percentage ``other`` (> 1.5): is ``x`` a percent-
    formatted cell (1 for 100 %) rather than a small percentage (1 %)? Yes when ×100 brings it
    to the other's scale: 1 beside 100 is 100 %; 1 beside 2 (事故率 ≤ 1 %, actual 2 %) is 1 %."""
    if x == 0:
        return True
    return abs(math.log(abs(other) / abs(x * 100))) < abs(math.log(abs(other) / abs(x)))


def convert(value: float, unit: str | None, to_unit: str | None) -> float | None:
    """Convert between units of one group; None when they cannot be compared."""
    if unit == to_unit or unit is None or to_unit is None:
        return value
    a, b = UNIT_SCALE.get(unit), UNIT_SCALE.get(to_unit)
    if a and b and a[0] == b[0]:
        return value * a[1] / b[1]
    return None


def fmt_num(x: float | None, digits: int = 2) -> str:
    """20.90 → "20.9", 110.0 → "110", None → "空"."""
    if x is None:
        return "空"
    text = f"{x:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_pct(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "空"
    return f"{fmt_num(x * 100, digits)}%"


def any_of(words: Iterable[str]) -> Callable[[str], object]:
    """A search for any of ``words`` in a text: None when the text holds none of them (one
    regular expression instead of a test per word; nothing is found when there are no words)."""
    found = sorted(set(words), key=lambda w: (-len(w), w))
    if not found:
        return lambda _text: None
    return re.compile("|".join(map(re.escape, found))).search
