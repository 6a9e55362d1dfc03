"""Text from a submission, made safe to show: control, escape and bidi characters visible.

A project name, sheet name, attachment name or e-mail subject is written by a stranger.
Printed raw, ``ESC ] 0 ; … BEL`` retitles the terminal window, ``ESC [ 2 J`` clears the
screen, ``CR`` or ``ESC [ 1 A`` overwrite the error lines above, and U+202E reverses
the text that follows (``报表<U+202E>xcod.exe`` reads as ``报表exe.docx``). :func:`visible`
writes every such character as a ``\\uXXXX`` escape, so what is shown is exactly what was
sent and nothing is obeyed by the terminal. The escape is also valid inside a JSON
string, so JSON output stays JSON.

Escaped: C0 and C1 controls (ESC, BEL, CR, the 8-bit CSI U+009B, DEL …), line and
paragraph separators, lone surrogates (from undecodable bytes), and format characters
(bidi embeddings, overrides, isolates and marks, invisible operators, tags, BOM). Kept:
printable text of every script, the joiners some scripts need (U+200C, U+200D), the soft
hyphen, and — only when asked — newline and tab, for blocks the program lays out itself.

One character class tells whether there is anything to do (text without such characters
is scanned once and returned as it is) and one ``str.translate`` table rewrites: linear,
in C.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

# Unicode general categories Cc, Cs and Cf (without U+00AD, U+200C, U+200D), plus the
# separators U+2028/2029: the characters a terminal may act on or that reorder text.
_UNSAFE_RANGES = (
    (0x00, 0x1F), (0x7F, 0x9F),  # C0, DEL, C1 (U+0085 NEL included)
    (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2),
    (0x180E, 0x180E), (0x200B, 0x200B), (0x200E, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064),
    (0x2066, 0x206F), (0xD800, 0xDFFF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip
_COMPILED: dict[tuple[str, bool], tuple[re.Pattern[str], dict[int, str]]] = {}


def _escape(code: int) -> str:
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _compiled(keep: str, drop: bool) -> tuple[re.Pattern[str], dict[int, str]]:
    """A pattern matching an unsafe character (``keep`` excluded) and the
    ``str.translate`` table that rewrites them (escapes, or "" to drop)."""
    found = _COMPILED.get((keep, drop))
    if found is None:
        kept = {ord(ch) for ch in keep}
        codes = [c for lo, hi in _UNSAFE_RANGES for c in range(lo, hi + 1) if c not in kept]
        spans: list[list[int]] = []
        for c in codes:
            if spans and spans[-1][1] == c - 1:
                spans[-1][1] = c
            else:
                spans.append([c, c])
        cls = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in spans)
        table = {c: "" if drop else _escape(c) for c in codes}
        found = _COMPILED[(keep, drop)] = (re.compile(f"[{cls}]"), table)
    return found


def _rewrite(s: str, keep: str, drop: bool) -> str:
    pattern, table = _compiled(keep, drop)
    return s if pattern.search(s) is None else s.translate(table)


def visible(text: object, keep: str = "") -> str:
    """``text`` with every control, escape and bidi character written as ``\\uXXXX``.

    ``keep`` names characters to leave alone (``"\\n\\t"`` for a block of lines the
    program laid out itself).
    """
    s = text if isinstance(text, str) else str(text)
    if s.isascii() and s.isprintable():
        return s
    return _rewrite(s, keep, False)


#: the control characters an output document keeps: line breaks and tabs inside a text
DOCUMENT_KEEP = "\n\t"


def in_document(text: object) -> str:
    """:func:`visible` text for a cell or paragraph of an output file (the summary workbook,
    the report, the 校验结果 page, a CSV): line breaks and tabs stay, every other control,
    escape or bidi character is shown as ``\\uXXXX`` — exactly as on the terminal, so a
    name reads the same in the summary, in the CSV and in the run's messages."""
    return visible(text, keep=DOCUMENT_KEEP)


def without_controls(text: object) -> str:
    """``text`` with every character :func:`visible` would escape removed (for a mail header)."""
    s = text if isinstance(text, str) else str(text)
    if s.isascii() and s.isprintable():
        return s
    return _rewrite(s, "", True)


def one_line(text: object, limit: int = 160) -> str:
    """:func:`visible` text cut to ``limit`` characters (with "…"): for a name inside a message."""
    s = visible(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def look_alike_spellings(names: Iterable[str]) -> dict[str, str]:
    """How to tell apart names that differ only in how an accented letter is encoded.

    "é项目.xlsx" typed on Windows is one character é (U+00E9); the same name made on a Mac
    is e followed by the combining accent U+0301. Side by side they look identical. Every
    name that is not in the composed form (NFC) while another of ``names`` composes to the
    same text maps to its decomposed letters spelled out ("分解形式：e\\u0301项目.xlsx");
    other names are not in the result."""
    composed = {n: unicodedata.normalize("NFC", n) for n in names if not n.isascii()}
    shared = Counter(composed.values())
    return {n: "分解形式：" + "".join(f"\\u{ord(c):04x}" if unicodedata.combining(c) else c for c in n)
            for n, nfc in composed.items() if n != nfc and shared[nfc] > 1}
