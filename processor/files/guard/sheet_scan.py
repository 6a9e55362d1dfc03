"""The guard's fast measure of a worksheet: a few C-speed regular expressions over the
inflated bytes instead of a Python call per XML element.

:func:`scan` returns the same figures as the exact expat pass
(:class:`jixiao.processor.files.guard.xlsx_parts._Sheet`) — cell and row elements, the
rectangle the cells span, characters of text in cells, cells covered by merged ranges and
hyperlinks, shared-string references, formula cells without a cached value and error
cells — or ``None`` when the part is not in the plain shape every spreadsheet writer
produces, and the exact pass must decide. It is only ever called on a part expat has
already parsed (well formed, UTF-8, no DTD), so it never has to judge damage itself.

The plain shape, checked rather than assumed:

- no comment, CDATA section or processing instruction after the prolog (any of them may
  hold text that looks like a cell);
- one ``<sheetData>``, and outside it no cell, row or second ``sheetData`` element under
  any prefix; ``mergeCell`` / ``hyperlink`` elements unprefixed, attributes in double
  quotes without entities;
- inside it, nothing but unprefixed rows and cells: every cell ``<c r="B7" …>`` with a
  plain reference first, attributes in double quotes without entities, and only
  ``<f>``, ``<v>`` and an inline ``<is>`` inside; rows directly around their cells, no
  text between elements. Every ``<`` of the region must be covered by the pattern's
  matches, so a cell outside a row, a nested row or cell, or anything unforeseen sends the
  part to the exact pass.

Linear time on any input (issue 11): every repetition is of a class that excludes the
character that must follow it, or is bounded; each attempt starts at a ``<`` and scans
at most one cell plus a bounded number of empty rows. ``tests/test_linear_time.py`` feeds
it adversarial inputs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress

from jixiao.processor.files.guard.cellrefs import column_number, range_cells

#: empty rows allowed between two rows with cells (or after the last): a bound keeps a
#: failed attempt from rescanning a long run of them; more send the part to the exact pass
_EMPTY_RUN = 32
_NAME = rb"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_ATTR = rb" " + _NAME + rb'="[^"<>&]*"'
_A = rb"(?: [^<>]*)?"  # attributes the figures do not depend on
_TEXT = rb"[^<]*"
_ROW_OPEN = rb"row" + _A + rb">"
_EMPTY_ROW = rb"row" + _A + rb"(?:/>|></row>)"
_T = rb"<t" + _A + rb"(?:/>|>" + _TEXT + rb"</t>)"
#: the run properties Excel writes; only these (never a cell, row, merged range …) may nest
_RUN_PROPERTY = rb"(?:b|i|u|strike|condense|extend|outline|shadow|vertAlign|sz|color|rFont|family|charset|scheme)"
_RUN = rb"<r>(?:<rPr>(?:<" + _RUN_PROPERTY + _A + rb"/>)*</rPr>)?" + _T + rb"</r>"
_RUNS = rb"(?:<" + _EMPTY_ROW + rb"){0,%d}" % _EMPTY_RUN

#: One match a cell, with what comes before it when it opens a row. Groups: the whole
#: match; ``</row>`` + empty rows + ``<row …>`` before a row's first cell, or (first
#: match only) empty rows + ``<row …>``; the reference's letters and digits; ``t``; the
#: other attributes; the ``<f>`` element and its text; the ``<v>`` text; ``<is>``; after
#: the last cell, ``</row>`` + empty rows to the end of the region.
_CELL = re.compile(
    rb"(<(?:(/row>" + _RUNS + rb"<" + _ROW_OPEN + rb")<|((?:" + _EMPTY_ROW + rb"<){0,%d}" % _EMPTY_RUN
    + _ROW_OPEN + rb")<)?"
    rb'c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="[^"<>&]*")?(?: t="([^"<>&]*)")?([^<>]*)'
    rb"(?:/>|>(<f" + _A + rb"(?:/>|>(" + _TEXT + rb")</f>))?(?:<v ?/>|<v>(" + _TEXT + rb")</v>)?"
    rb"(<is>(?:" + _T + rb"|" + _RUN + rb")*</is>)?</c>)"
    rb"(</row>" + _RUNS + rb"\Z)?)"
)
_EMPTY_ROWS = re.compile(rb"<" + _EMPTY_ROW)
_OTHER_ATTRS = re.compile(rb"(?:" + _ATTR + rb")* ?")
#: elements that matter outside sheetData, under any prefix (a prefix is a run without ":")
_OUTSIDE = re.compile(rb"<(?:[^\s<>/!?\"'=:]*:)*(c|row|sheetData|mergeCell|hyperlink)[\s/>]")
_COVERING = re.compile(rb"<(mergeCell|hyperlink)((?:" + _ATTR + rb")*) ?/?>")
_REF_ATTR = re.compile(rb' ref="([^"]*)"')
_TAG = re.compile(rb"<[^<>]*>")
#: a ">" right after a quote in text: an attribute value holding ">" that the patterns
#: took for the end of its tag (text may hold both, rarely: the exact pass decides)
_QUOTE_GT = re.compile(rb"[\"'][ \t\r\n]*>")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


#: the attribute tails of nearly every cell (none, or the space of ``<c … />``): plain as they are
_PLAIN_OTHERS = frozenset({b"", b" "})
#: column letters (as the pattern captures them, 1–3 capitals) → column number
_COLUMNS: dict[bytes, int] = {}


def _column(letters: bytes) -> int:
    col = _COLUMNS[letters] = column_number(letters.decode())
    return col


@dataclass
class SheetFigures:
    """What one worksheet adds to the package's totals."""

    cells: int = 0  # cell and row elements
    text: int = 0  # characters of character data inside cells
    merged: int = 0  # cells covered by merged ranges
    links: int = 0  # cells covered by hyperlinks
    box: tuple[int, int, int, int] | None = None  # min row, min col, max row, max col
    refs: Counter[int] = field(default_factory=Counter)  # shared-string index → cells
    formulas: dict[str, str] = field(default_factory=dict)  # A1 → "=…" or "#DIV/0!"

    @property
    def area(self) -> int:
        if self.box is None:
            return 0
        r1, c1, r2, c2 = self.box
        return (r2 - r1 + 1) * (c2 - c1 + 1)


def scan(data: bytes, root: int = 0) -> SheetFigures | None:
    """Figures of the worksheet ``data`` whose root element starts at ``root``; None when
    the part is not in the plain shape (see the module's text)."""
    if data.find(b"<!", root) >= 0 or data.find(b"<?", root) >= 0:
        return None
    start = data.find(b"<sheetData", root)
    if start < 0:
        region = (root, root)
        outside = [(root, len(data))]
    elif data.startswith(b"<sheetData/>", start):
        region = (start, start)
        outside = [(root, start), (start + 12, len(data))]
    elif data.startswith(b"<sheetData>", start):
        end = data.find(b"</sheetData>", start + 11)
        if end < 0:
            return None
        region = (start + 11, end)
        outside = [(root, start), (end + 12, len(data))]
    else:
        return None
    fig = SheetFigures()
    for lo, hi in outside:
        if not _covering(data, lo, hi, fig):
            return None
    return fig if _cells(data, *region, fig) else None


def _covering(data: bytes, lo: int, hi: int, fig: SheetFigures) -> bool:
    """Merged ranges and hyperlinks outside sheetData; False on a cell or row out there."""
    names = _OUTSIDE.findall(data, lo, hi)
    if not names:
        return True
    counts = Counter(names)
    if counts[b"c"] or counts[b"row"] or counts[b"sheetData"]:
        return False
    found = _COVERING.findall(data, lo, hi)
    if len(found) != counts[b"mergeCell"] + counts[b"hyperlink"]:
        return False
    for name, attrs in found:
        ref = _REF_ATTR.search(attrs)
        n = _range_cells(ref[1]) if ref else 0
        if name == b"mergeCell":
            fig.merged += n
        else:
            fig.links += n
    return True


@lru_cache(maxsize=4096)
def _range_cells_cached(ref: bytes) -> int:
    return range_cells(ref.decode("utf-8", "replace"))


def _range_cells(ref: bytes) -> int:
    """Cells a ``ref`` covers; forms share their merged ranges, so most are a look-up."""
    return _range_cells_cached(ref) if len(ref) <= 40 else range_cells(ref.decode("utf-8", "replace"))


def _cells(data: bytes, lo: int, hi: int, fig: SheetFigures) -> bool:
    """Rows and cells of the sheetData region ``data[lo:hi]``; False when not plain."""
    tags = data.count(b"<", lo, hi)
    if not tags:
        return True
    found = _CELL.findall(data, lo, hi)
    if not found:
        rows = _EMPTY_ROWS.findall(data, lo, hi)
        fig.cells += len(rows)
        return b"".join(rows).count(b"<") == tags
    (whole, opened, first, letters, digits, kinds, others, fs, ftexts, vtexts, inline,
     tails) = zip(*found)
    if b"".join(whole).count(b"<") != tags:
        return False  # something the pattern does not know, or a cell outside a row
    # the first cell opens the first row; every other row starts after a </row>
    if not first[0] or first.count(b"") != len(first) - 1 or not tails[-1]:
        return False
    odd = set(others) - _PLAIN_OTHERS
    if odd and (not all(map(_OTHER_ATTRS.fullmatch, odd)) or any(b' t="' in o for o in odd)):
        return False
    texts = b"".join(ftexts) + b"".join(vtexts)
    if any(inline):
        texts += _TAG.sub(b"", b"".join(inline))
    if _QUOTE_GT.search(texts):
        return False
    bounds = b"".join(opened) + b"".join(tails)
    fig.cells += len(found) + bounds.count(b"<row") + first[0].count(b"<row") + 1
    fig.text = _chars(texts)
    rows = list(map(int, set(digits)))
    cols = [_COLUMNS.get(x) or _column(x) for x in set(letters)]
    fig.box = (min(rows), min(cols), max(rows), max(cols))
    _shared(fig.refs, list(compress(vtexts, map(b"s".__eq__, kinds))))
    if any(fs) or b"e" in kinds:
        flagged = map(bool.__or__, map(bool, fs), map(b"e".__eq__, kinds))
        for k in compress(range(len(found)), flagged):
            _formula(fig.formulas, (letters[k] + digits[k]).decode(), kinds[k] == b"e",
                     _text(ftexts[k]) if fs[k] else None, _text(vtexts[k]).strip())
    return True


def _shared(refs: Counter[int], values: list[bytes]) -> None:
    """Count the shared-string index each ``t="s"`` cell's ``<v>`` holds, as the exact pass
    does (digits only, fewer than 12 once stripped)."""
    if not values:
        return
    if b"".join(values).isdigit() and b"" not in values and max(map(len, values)) < 12:
        refs.update(map(int, values))  # the usual case, without a Python step per cell
        return
    for value, n in Counter(values).items():
        index = _text(value).strip()
        if index.isdigit() and index.isascii() and len(index) < 12:
            refs[int(index)] += n


def _formula(out: dict[str, str], ref: str, error: bool, formula: str | None, value: str) -> None:
    """As the exact pass records a cell: an error literal, or a formula with no cached value."""
    if error and value.startswith("#") and len(value) <= 16:
        out[ref] = value
    if formula is not None and not value:
        out[ref] = "=" + formula if formula else "=（共享公式）"


def _text(raw: bytes) -> str:
    """Character data as expat delivers it: line ends normalised, entities replaced."""
    text = raw.decode("utf-8", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


def _entity(m: re.Match[str]) -> str:
    name = m[1]
    if name[0] != "#":
        return _NAMED[name]
    code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
    return chr(code) if code <= 0x10FFFF else m[0]


def _chars(raw: bytes) -> int:
    if b"&" in raw or b"\r" in raw:
        return len(_text(raw))
    return len(raw.decode("utf-8", "replace"))
