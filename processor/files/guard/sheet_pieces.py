"""The fast worksheet scan on a part expat has not parsed whole: proven piece by piece.

:func:`.sheet_scan.scan` needs a part expat has accepted. Parsing a whole worksheet costs
about as much as scanning it, yet forms filled in from one template repeat most of their
bytes: the part outside ``<sheetData>`` (the *skeleton*: column widths, merged ranges, page
set-up) and most rows (titles, labels, empty styled cells). So the part is cut where
nothing can straddle the cut — right after each ``</row>`` of the sheetData region — and

- the skeleton (the part with an empty ``<sheetData></sheetData>``) is parsed by expat, and
  its merged ranges and hyperlinks measured;
- every piece of the region (rows up to and including a ``</row>``; the last one: what
  follows the last ``</row>``) is parsed by expat *on its own*, wrapped in one element,
  and measured by the same patterns as :func:`.sheet_scan.scan` (``_cells``).

Why that proves the whole part: with no comment, CDATA section or processing instruction
after the prolog (checked first), every ``<`` opens a tag, so ``<sheetData>``,
``</sheetData>`` and each ``</row>`` are tags and the cuts fall between tokens. A
well-formed skeleton with, between its ``<sheetData>`` and ``</sheetData>``, a sequence of
pieces each of which is well-formed element content on its own (balanced, valid tokens
and characters, no undefined entity — expat's checks need nothing outside a tag but the
DTD, which no part has here) is a well-formed document. And the figures of the region are
the sum of its pieces': the exact pass keeps nothing from one row to the next for cells
that carry their ``r`` (the only cells the patterns accept), and each piece is itself a
region the patterns either measure exactly or refuse.

The verdict and figures of a skeleton or piece are a function of its bytes alone, so they
are kept, keyed on those exact bytes (bounded by what they hold, figures included;
cleared when full): a repeated row costs
one dictionary look-up. Nothing that depends on the package — totals, limits — is kept.
``tests/test_guard_pieces.py`` holds this against the whole-part expat parse and
:func:`.sheet_scan.scan`.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from jixiao.processor.files.guard.kept import Kept
from jixiao.processor.files.guard.sheet_scan import SheetFigures, _cells, _covering
from jixiao.processor.files.guard.xml_parser import well_formed

#: (cells, text, box, shared-string indices (with repeats), formulas) of one piece
Piece = tuple[int, int, "tuple[int, int, int, int] | None", tuple[int, ...], tuple[tuple[str, str], ...]]

_MISSING = object()
#: pieces and skeletons longer than this are measured but not kept
_KEEP_BYTES = 8 * 1024
_KEPT = Kept(16 * 1024**2, pieces=1 << 14, skeletons=256)
_PIECES: dict[bytes, Piece | None] = _KEPT.tables["pieces"]
_SKELETONS: dict[tuple[bytes, int], tuple[int, int] | None] = _KEPT.tables["skeletons"]
_ROW_END = b"</row>"
#: new pieces measured one by one in a part where most pieces are new (see _region)
_FEW = 3


def forget() -> None:
    """Drop the kept skeletons and pieces."""
    _KEPT.clear()


def scan_proven(data: bytes, root: int) -> SheetFigures | None:
    """:func:`.sheet_scan.scan` of ``data`` (root element at ``root``, a plain UTF-8 prolog
    before it), for a part no parser has seen: None unless the part is proven well formed
    and in the plain shape, or when most of its pieces are new (then the whole-part parse
    and scan, or the exact pass, decide)."""
    if data.find(b"<!", root) >= 0 or data.find(b"<?", root) >= 0:
        return None
    start = data.find(b"<sheetData", root)
    if start < 0 or data.startswith(b"<sheetData/>", start):
        skeleton, region = data, b""
    elif data.startswith(b"<sheetData>", start):
        end = data.find(b"</sheetData>", start + 11)
        if end < 0:
            return None
        skeleton, region = data[: start + 11] + data[end:], data[start + 11 : end]
    else:
        return None
    covered = _skeleton(skeleton, root)
    if covered is None:
        return None
    fig = SheetFigures(merged=covered[0], links=covered[1])
    return fig if _region(region, fig) else None


def _skeleton(skeleton: bytes, root: int) -> tuple[int, int] | None:
    """(merged cells, hyperlink cells) of a well-formed skeleton in the plain shape, else None."""
    key = (skeleton, root)
    found = _SKELETONS.get(key, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    result = None
    if well_formed(skeleton):
        start = skeleton.find(b"<sheetData", root)
        if start < 0:
            outside = [(root, len(skeleton))]
        elif skeleton.startswith(b"<sheetData/>", start):
            outside = [(root, start), (start + 12, len(skeleton))]
        else:  # "<sheetData></sheetData>"
            outside = [(root, start), (start + 23, len(skeleton))]
        fig = SheetFigures()
        if all(_covering(skeleton, lo, hi, fig) for lo, hi in outside):
            result = (fig.merged, fig.links)
    if len(skeleton) <= _KEEP_BYTES:
        _KEPT.keep("skeletons", key, result, len(skeleton))
    return result


def _region(region: bytes, fig: SheetFigures) -> bool:
    """Add up the pieces of the sheetData region into ``fig``; False when one is not proven."""
    if not region:
        return True
    cut = region.split(_ROW_END)
    last = cut.pop()
    pieces = [piece + _ROW_END for piece in cut]
    if last:
        pieces.append(last)
    kept = [_PIECES.get(piece, _MISSING) for piece in pieces]
    misses = kept.count(_MISSING)
    if misses > max(_FEW, len(pieces) // 2):
        # mostly new rows (a form unlike those before, a large sheet): new pieces cost more
        # than its share of the whole-part parse and scan, so those decide; a few new pieces
        # are still measured and kept, so that forms from one template soon share them
        for piece in [p for p, k in zip(pieces, kept) if k is _MISSING][:_FEW]:
            _measure(piece)
        return False
    cells = text = 0
    boxes = []
    refs = []
    formulas: dict[str, str] = {}
    for piece, found in zip(pieces, kept):
        if found is _MISSING:
            found = _measure(piece)
        if found is None:
            return False
        n, chars, box, shared, cell_formulas = found  # type: ignore[misc]
        cells += n
        text += chars
        if box is not None:
            boxes.append(box)
        if shared:
            refs.append(shared)
        if cell_formulas:
            formulas.update(cell_formulas)
    fig.cells, fig.text = cells, text
    if boxes:
        r1, c1, r2, c2 = zip(*boxes)
        fig.box = (min(r1), min(c1), max(r2), max(c2))
    fig.refs = Counter(chain.from_iterable(refs))
    fig.formulas = formulas
    return True


def _measure(piece: bytes) -> Piece | None:
    """One piece: its figures when it is plain and well-formed on its own, else None."""
    fig = SheetFigures()
    result: Piece | None = None
    if _cells(piece, 0, len(piece), fig) and well_formed(b"<x>" + piece + b"</x>"):
        result = (fig.cells, fig.text, fig.box, tuple(fig.refs.elements()), tuple(fig.formulas.items()))
    if len(piece) <= _KEEP_BYTES:
        _KEPT.keep("pieces", piece, result, len(piece) + _held(result))
    return result


def _held(result: Piece | None) -> int:
    """Memory a piece's figures hold beyond its bytes, counted against the store's bound:
    an index per shared-string cell, and for each formula cell saved without a value its
    reference and text (about 7 times the row's bytes for a row of ``<c r="A1"><f>1</f></c>``)."""
    if result is None:
        return 0
    return 40 * len(result[3]) + sum(160 + 4 * len(text) for _ref, text in result[4])
