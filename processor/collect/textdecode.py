"""Decoding header text and file names the way real mail clients wrote them.

Every function here takes what the parser kept (``str`` with surrogate escapes for
raw 8-bit bytes, as :mod:`email` does for ``message_from_bytes``) and returns clean
text. Handled: RFC 2047 encoded words (also split in the middle of a character,
also inside quoted parameter values), RFC 2231 parameters with continuations,
raw UTF-8 / GBK / GB18030 / Big5 bytes, and the usual mislabelled charsets
(``gb2312`` for GBK text, ``iso-8859-1`` for UTF-8 text …).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from email.message import Message
from urllib.parse import unquote_to_bytes

# charsets that mail clients name but mean something larger
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb231280": "gb18030",
    "euc-cn": "gb18030",
    "euccn": "gb18030",
    "x-euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "cn-gb": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "utf8": "utf-8",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "x-user-defined": "",
}
_WEAK_CHARSETS = {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", ""}


def to_bytes(value: str | bytes) -> bytes:
    """The bytes the parser read: surrogate escapes back to bytes, real text as UTF-8."""
    if isinstance(value, bytes):
        return value
    return value.encode("utf-8", "surrogateescape")


def normalize_charset(charset: str | None) -> str:
    cs = (charset or "").strip().strip('"').lower()
    cs = cs.split("*", 1)[0]  # RFC 2231 language suffix in encoded words: =?gbk*zh?...
    cs = _CHARSET_ALIASES.get(cs, cs)
    if not cs:
        return ""
    try:
        return codecs.lookup(cs).name
    except LookupError:
        return ""


_WEAK = {codecs.lookup(c).name for c in _WEAK_CHARSETS if c}


def _printable_ratio(text: str) -> float:
    if not text:
        return 1.0
    good = sum(1 for ch in text if ch.isprintable() and ch != "\ufffd")
    return good / len(text)


def smart_decode(raw: bytes) -> str:
    """Bytes of unknown charset: ASCII, else UTF-8, else GB18030, else Big5, else lossy UTF-8."""
    if not raw:
        return ""
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        pass
    for cs in ("utf-8", "gb18030", "big5hkscs"):
        try:
            text = raw.decode(cs)
        except UnicodeDecodeError:
            continue
        if _printable_ratio(text) > 0.9:
            return text
    return raw.decode("utf-8", "replace")


def decode_bytes(raw: bytes, charset: str | None) -> str:
    """Bytes in a declared charset; a missing, unknown or implausible charset is guessed."""
    cs = normalize_charset(charset)
    if cs and cs not in _WEAK:
        try:
            return raw.decode(cs)
        except UnicodeDecodeError:
            pass
        return smart_decode(raw)
    # declared ASCII/Latin-1 (or nothing): real Chinese clients often lie here
    try:
        raw.decode("ascii")
        return raw.decode("ascii")
    except UnicodeDecodeError:
        pass
    guessed = smart_decode(raw)
    if "\ufffd" not in guessed:
        return guessed
    if cs:
        return raw.decode(cs, "replace")
    return guessed


_EW = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _decode_b(data: bytes) -> bytes:
    data = re.sub(rb"[^A-Za-z0-9+/=_-]", b"", data)
    data = data.replace(b"-", b"+").replace(b"_", b"/")  # url-safe alphabet, seen in the wild
    body = data.rstrip(b"=")
    try:
        return base64.b64decode(body + b"=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        try:
            return base64.b64decode(body[: len(body) - len(body) % 4])
        except (binascii.Error, ValueError):
            return b""


def _decode_q(data: bytes) -> bytes:
    return binascii.a2b_qp(data, header=True)


def decode_words(value: str | bytes) -> str:
    """Header text with RFC 2047 encoded words and/or raw 8-bit bytes, decoded.

    Adjacent encoded words in the same charset are joined as bytes before decoding,
    so a character split across two words (common with GBK and UTF-8) survives.
    Encoded words are found anywhere, also inside quotes and without spaces around.
    """
    raw = to_bytes(value)
    raw = re.sub(rb"\r?\n[ \t]", b" ", raw).replace(b"\r", b"").replace(b"\n", b"")
    if b"=?" not in raw:
        return decode_bytes(raw, None)
    pieces: list[tuple[bytes, str | None]] = []  # (bytes, charset; None = raw text)
    pos = 0
    for m in _EW.finditer(raw):
        between = raw[pos : m.start()]
        prev_is_word = bool(pieces) and pieces[-1][1] is not None
        if between and not (prev_is_word and between.strip() == b""):
            pieces.append((between, None))
        charset = normalize_charset(m.group(1).decode("ascii", "replace")) or "?"
        data = m.group(3)
        decoded = _decode_b(data) if m.group(2) in (b"B", b"b") else _decode_q(data)
        if pieces and pieces[-1][1] == charset:
            pieces[-1] = (pieces[-1][0] + decoded, charset)
        else:
            pieces.append((decoded, charset))
        pos = m.end()
    if pos < len(raw):
        pieces.append((raw[pos:], None))
    out = []
    for data, charset in pieces:
        out.append(decode_bytes(data, None if charset in (None, "?") else charset))
    return "".join(out)


def raw_header(msg: Message, name: str) -> str | None:
    """The first ``name`` header exactly as parsed (raw bytes kept as surrogate escapes).

    ``msg.get()`` under the compat32 policy turns raw 8-bit text into ``?``; this does not.
    """
    name = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == name:
            return value if isinstance(value, str) else str(value)
    return None


def raw_headers(msg: Message, name: str) -> list[str]:
    name = name.lower()
    return [v if isinstance(v, str) else str(v) for k, v in msg.raw_items() if k.lower() == name]


def header_text(value: object) -> str:
    """Any header value (``str``, ``email.header.Header`` or None) as clean one-line text."""
    if value is None:
        return ""
    text = decode_words(str(value) if not isinstance(value, (str, bytes)) else value)
    return " ".join(text.split())


# ---------------------------------------------------------------------------
# MIME parameters (Content-Disposition / Content-Type), parsed from the raw header


def _split_params(raw: bytes) -> list[tuple[str, bytes, bool]]:
    """``[(name, value, was_quoted)]`` after the first ``;``; tolerant of sloppy quoting.

    A backslash is an escape only after an ASCII byte: in raw GBK names it is often
    the second byte of a character.
    """
    params: list[tuple[str, bytes, bool]] = []
    i, n = 0, len(raw)
    # skip the disposition / media type
    while i < n and raw[i : i + 1] != b";":
        if raw[i : i + 1] == b'"':  # a quoted string before the first ';' (rare)
            j = raw.find(b'"', i + 1)
            i = n if j < 0 else j + 1
            continue
        i += 1
    while i < n:
        i += 1  # past ';'
        while i < n and raw[i : i + 1] in (b" ", b"\t", b";"):
            i += 1
        start = i
        while i < n and raw[i : i + 1] not in (b"=", b";"):
            i += 1
        name = raw[start:i].strip().decode("ascii", "replace").lower()
        if i >= n or raw[i : i + 1] == b";":
            if name:
                params.append((name, b"", False))
            continue
        i += 1  # past '='
        while i < n and raw[i : i + 1] in (b" ", b"\t"):
            i += 1
        if i < n and raw[i : i + 1] == b'"':
            i += 1
            buf = bytearray()
            while i < n:
                ch = raw[i]
                if ch == 0x22:  # closing quote
                    i += 1
                    break
                if ch == 0x5C and i + 1 < n and (not buf or buf[-1] < 0x80):
                    buf.append(raw[i + 1])
                    i += 2
                    continue
                buf.append(ch)
                i += 1
            # anything after the closing quote up to ';' is junk — keep it (some clients)
            start = i
            while i < n and raw[i : i + 1] != b";":
                i += 1
            tail = raw[start:i].strip()
            params.append((name, bytes(buf) + tail, True))
        else:
            start = i
            while i < n and raw[i : i + 1] != b";":
                i += 1
            params.append((name, raw[start:i].strip(), False))
    return params


_CONT = re.compile(r"^(?P<base>[^*]+)\*(?P<idx>\d+)?(?P<ext>\*)?$")


def mime_params(raw_header: str | bytes) -> dict[str, str]:
    """Decoded parameters of a raw Content-Type / Content-Disposition header value."""
    raw = to_bytes(raw_header)
    raw = re.sub(rb"\r?\n[ \t]", b" ", raw).replace(b"\r", b"").replace(b"\n", b"")
    plain: dict[str, bytes] = {}
    extended: dict[str, dict[int, tuple[bytes, bool]]] = {}
    for name, value, _quoted in _split_params(raw):
        m = _CONT.match(name)
        if m is None:
            plain.setdefault(name, value)
            continue
        base = m.group("base")
        idx = int(m.group("idx")) if m.group("idx") is not None else 0
        is_ext = m.group("ext") is not None or m.group("idx") is None
        extended.setdefault(base, {}).setdefault(idx, (value, is_ext))
    out: dict[str, str] = {}
    for name, value in plain.items():
        out[name] = decode_words(value).strip()
    for base, parts in extended.items():
        charset = ""
        data = bytearray()
        for pos, idx in enumerate(sorted(parts)):
            value, is_ext = parts[idx]
            if is_ext:
                if pos == 0 and value.count(b"'") >= 2:
                    cs, _lang, value = value.split(b"'", 2)
                    charset = cs.decode("ascii", "replace")
                data += unquote_to_bytes(value)
            else:
                data += value
        text = decode_bytes(bytes(data), charset or None)
        if "=?" in text:
            text = decode_words(text)
        text = text.strip()
        if text and ("\ufffd" not in text or base not in out):
            out[base] = text
    return out
