"""The piecewise proof of a worksheet (guard/sheet_pieces.py) against the whole-part parse.

``scan_proven(data)`` must accept only what expat accepts whole, and then give exactly
what :func:`sheet_scan.scan` gives after that whole parse — on the worksheets of every
corpus the tests build, on the odd shapes of test_guard_fast, and on those sheets broken
at random with the things expat refuses (bad UTF-8, control characters, undefined and
bad character references, ``]]>``, stray or missing tags, duplicate attributes, a DTD …).
Each check runs with the kept pieces emptied and again with them filled, so an answer
kept from one part can never stand for a different one.
"""

from __future__ import annotations

import re
import sys
import zipfile
import zlib
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jixiao.processor.files.guard import sheet_pieces
from jixiao.processor.files.guard.limits import DEFAULT_LIMITS, Limits, Refusal
from jixiao.processor.files.guard.prolog import PLAIN_PROLOG
from jixiao.processor.files.guard.sheet_pieces import scan_proven
from jixiao.processor.files.guard.sheet_scan import scan
from jixiao.processor.files.guard.xlsx_parts import Package, XmlPart
from jixiao.processor.files.guard.xml_parser import well_formed

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import build_corpus, write_minimal_form  # noqa: E402
from test_guard_fast import PLAIN, UNUSUAL  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_ROOT_NAME = re.compile(rb"<([^\s<>/]{1,200})")


def root_of(data: bytes) -> int | None:
    prolog = PLAIN_PROLOG.match(data)
    if prolog is None:
        return None
    return _ROOT_NAME.match(data, prolog.end() - 2).start()  # type: ignore[union-attr]


def exact(data: bytes) -> tuple | None:
    """The exact pass's figures (expat handlers over the whole part, no limit in the way);
    None when it refuses the part (damaged, a DTD …)."""
    pkg = Package(Limits({key: 10**15 for key in DEFAULT_LIMITS}), exact=True)  # figures, not limits
    try:
        XmlPart(pkg, "s.xml", len(data)).feed(data, final=True)
    except Refusal:
        return None
    return (pkg.cells, pkg.text, pkg.merged, pkg.links, pkg.area, dict(pkg.refs), pkg.formulas.get("s.xml", {}))


def figures(fig) -> tuple:
    return (fig.cells, fig.text, fig.merged, fig.links, fig.area, dict(fig.refs), fig.formulas)


def agree(data: bytes) -> bool:
    """Assert the piecewise proof accepts only what expat accepts whole, with the exact pass's
    figures, the same cold and warm, and the same as the whole-part parse and scan when both
    measured it; True if it measured the part."""
    root = root_of(data)
    if root is None:
        return False
    sheet_pieces.forget()
    with mock.patch.object(sheet_pieces, "_FEW", 10**9):  # measure every new piece, however many
        cold = scan_proven(data, root)
    warm = scan_proven(data, root)
    sheet_pieces.forget()
    first = scan_proven(data, root)  # mostly new pieces: a few kept, the whole-part pass decides
    assert first is None or figures(first) == figures(cold)
    before = scan(data, root) if well_formed(data) else None  # what the guard did before
    if cold is None:  # the exact pass decides (the pieces may be stricter than the whole-part scan)
        assert warm is None, data[:300]
        return False
    assert well_formed(data), data[:300]
    assert figures(cold) == figures(warm) == exact(data), data[:300]
    if before is not None:
        assert figures(before) == figures(cold)
    return True


def sheets_of(path: Path) -> list[bytes]:
    """The worksheet parts of a package, at most 4 MB each (the hostile corpus holds bombs)."""
    out: list[bytes] = []
    if path.is_symlink() or not path.is_file() or path.stat().st_size > 64 * 1024**2:
        return out  # the corpus links to devices and holds a FIFO
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.filename.startswith("xl/worksheets/") and info.file_size <= 4 * 1024**2:
                with z.open(info) as f:
                    out.append(f.read(4 * 1024**2))
    return out


@pytest.fixture(scope="module")
def corpus_sheets(tmp_path_factory) -> list[bytes]:
    tmp = tmp_path_factory.mktemp("pieces")
    files = sorted((ROOT / "examples").glob("*.xlsx")) + sorted((ROOT / "tests" / "data").glob("*.xlsx"))
    files.append(ROOT / "templates" / "自评表.xlsx")
    files.append(write_minimal_form(tmp / "form.xlsx"))
    from corpus import build

    files += [build.build(table, tmp) for table in build.tables()]
    expected = build_corpus(tmp / "hostile")
    files += [tmp / "hostile" / name for name in sorted(expected) if name.endswith((".xlsx", ".xlsm"))]
    out = []
    for path in files:
        try:
            out += sheets_of(path)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError, NotImplementedError, zlib.error):
            continue
    return out


def test_every_corpus_sheet_agrees(corpus_sheets):
    measured = [agree(data) for data in corpus_sheets]
    assert len(measured) > 60 and sum(measured) > 50  # the forms are proven piece by piece


ODD = {**PLAIN, **{k: v for k, v in UNUSUAL.items() if v}}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_shapes_agree(name):
    agree(('<?xml version="1.0" encoding="UTF-8"?>' + ODD[name]).encode())


#: what a broken or hostile part may hold where a plain one holds something else
BREAKERS = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbf\xbe", b"\x01", b"\x00", b"&bogus;", b"&#0;", b"&#xD800;",
            b"&#65;", b"&amp;", b"&", b"]]>", b"<", b">", b'"', b"</row>", b"<row>", b"</c>", b'<c r="A1">',
            b"</sheetData>", b"<sheetData>", b'<row r="1"/>', b' s="1"', b' r="B2"', b"<!DOCTYPE x>", b"<!-- -->",
            b"<?pi?>", b"<![CDATA[x]]>", b"</worksheet>", b"<x:c/>", b"\r\n", b" ", b"\t", b"=", b"/"]


def plain_sheet() -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>' + PLAIN["excel"]).encode()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(sorted(PLAIN)), edits=st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 6), st.sampled_from(BREAKERS)), min_size=1, max_size=3))
def test_broken_sheets_are_never_proven_when_expat_refuses_them(base, edits):
    data = ('<?xml version="1.0" encoding="UTF-8"?>' + PLAIN[base]).encode()
    for where, cut, insert in edits:
        at = int(where * len(data))
        data = data[:at] + insert + data[at + cut:]
    agree(data)


def test_a_form_seen_again_is_proven_from_its_kept_pieces():
    data = ('<?xml version="1.0" encoding="UTF-8"?>' + PLAIN["many_shared"]).encode()
    root = root_of(data)
    sheet_pieces.forget()
    assert scan_proven(data, root) is None  # 59 new rows: the whole-part pass measures them
    assert 0 < len(sheet_pieces._PIECES) <= sheet_pieces._FEW
    rounds = 1
    while scan_proven(data, root) is None:
        rounds += 1
        assert rounds < 30
    assert rounds > 2
    assert figures(scan_proven(data, root)) == exact(data)


def test_a_bad_row_is_refused_though_its_neighbours_are_kept():
    good = plain_sheet()
    assert agree(good)
    bad = good.replace(b"<v>0</v>", b"<v>0&bogus;</v>")
    assert bad != good and not well_formed(bad)
    sheet_pieces._PIECES.clear()
    assert scan_proven(good, root_of(good)) is not None  # its other rows are now kept
    assert scan_proven(bad, root_of(bad)) is None
