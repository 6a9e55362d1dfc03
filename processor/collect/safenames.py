"""Safe file and folder names for what arrives by e-mail.

An attachment name is data written by a stranger. :func:`safe_filename` keeps what
it says (Chinese text, spaces, brackets) and removes only what is dangerous or
impossible on Windows/Linux: path components (``../``, ``C:\\``, absolute paths),
control characters, characters Windows forbids (replaced by their full-width
look-alikes, so ``a:b?.xlsx`` becomes ``a：b？.xlsx``), trailing dots and spaces,
reserved device names (``CON``, ``NUL.xlsx`` …) and an over-long name (bounded in
UTF-8 bytes, the extension kept).
"""

from __future__ import annotations

import re
import unicodedata

# Windows forbids these in file names; the full-width forms read the same.
_FULLWIDTH = {
    "<": "＜",
    ">": "＞",
    ":": "：",
    '"': "＂",
    "/": "／",
    "\\": "＼",
    "|": "｜",
    "?": "？",
    "*": "＊",
}
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in list("123456789") + ["¹", "²", "³"]
}
_SPACES = re.compile(r"\s+")

MAX_NAME_BYTES = 180  # well under the 255-byte limit of ext4/NTFS, leaves room for prefixes


def _basename(name: str) -> str:
    """The last path component, for ``/`` and ``\\`` separators and drive letters."""
    name = name.replace("\x00", "")
    parts = re.split(r"[\\/]", name)
    # a trailing separator ("foo/") leaves the last non-empty component
    parts = [p for p in parts if p.strip() not in ("", ".", "..")]
    return parts[-1] if parts else ""


def _clean_chars(name: str) -> str:
    out = []
    for ch in name:
        if ch in _FULLWIDTH:
            out.append(_FULLWIDTH[ch])
        elif ch in "\t\r\n\v\f":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\u200d":
            # control, format (bidi overrides such as U+202E), lone surrogates, unassigned
            continue
        else:
            out.append(ch)
    return _SPACES.sub(" ", "".join(out))


def truncate_utf8(text: str, max_bytes: int) -> str:
    """``text`` cut at a character boundary so that it fits in ``max_bytes`` UTF-8 bytes."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[:max_bytes].decode("utf-8", "ignore")


def split_ext(name: str) -> tuple[str, str]:
    """``("报表", ".xlsx")``; an extension is short and has no spaces."""
    dot = name.rfind(".")
    if dot <= 0:
        return name, ""
    ext = name[dot:]
    if len(ext) > 12 or " " in ext:
        return name, ""
    return name[:dot], ext


def safe_filename(name: str | None, *, default: str = "附件", max_bytes: int = MAX_NAME_BYTES,
                  check_reserved: bool = True) -> str:
    """A single, safe file name that still says what ``name`` said.

    ``check_reserved=False`` when the caller puts a prefix in front (``2024-03-15_CON.xlsx``
    is not a device name, so ``CON`` stays as it was).
    """
    name = unicodedata.normalize("NFC", name or "")
    name = _clean_chars(_basename(name)).strip().rstrip(". ")
    # no hidden files and nothing that is only dots; no trailing dots or spaces (Windows).
    # A name that is only an extension (".xlsx", "  ..xlsx") keeps it after the default
    # stem: "附件.xlsx" opens on a double click, "xlsx" does not.
    bare = name.lstrip(". ")
    if bare != name and bare.isascii() and bare.isalnum() and len(bare) <= 11:
        name = f"{default}.{bare}"
    else:
        name = bare or default
    stem, ext = split_ext(name)
    stem = stem.rstrip(". ") or default
    head = stem.split(".")[0].strip().upper()
    if check_reserved and head in _RESERVED:
        stem = "_" + stem
    ext_bytes = len(ext.encode("utf-8"))
    stem = truncate_utf8(stem, max(16, max_bytes - ext_bytes)).rstrip(". ") or default
    return stem + ext


def numbered(name: str, n: int) -> str:
    """``name (n)``, the count before the extension: ``报表 (2).xlsx``."""
    stem, ext = split_ext(name)
    return f"{stem} ({n}){ext}"


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)`` … not in ``taken`` (compared case-insensitively)."""
    lowered = {t.lower() for t in taken}
    if name.lower() not in lowered:
        return name
    n = 2
    while numbered(name, n).lower() in lowered:
        n += 1
    return numbered(name, n)
