"""Red team of issue 16's guard speed work: what the guard keeps between files, and the
piecewise proof of worksheets, attacked with inputs their authors did not design.

- **The store's bound.** ``Kept`` clears its tables once the bytes it counts pass its
  bound; that bound only holds memory if what is counted covers what is held. A sheet
  listing is tiny when compressed yet may list thousands of sheets (a 10 KB file whose
  ``workbook.xml`` lists one sheet 15,000 times passes the guard), and a row of formula
  cells saved without values keeps a formula string per cell: counting the compressed key
  alone let a batch of small files hold gigabytes.
- **Same bytes, other context.** A part kept as harmless must still be refused where this
  package's limits or totals refuse it; a row or skeleton kept from one sheet must not
  vouch for a neighbour it was never cut from.
- **Cuts that fall inside a token.** Pieces well formed alone whose concatenation is not.
"""

from __future__ import annotations

import gc
import re
import sys
import tracemalloc
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from jixiao.processor.core.errors import InputError
from jixiao.processor.files.guard import container, inspect, sheet_pieces
from jixiao.processor.files.guard.sheet_pieces import scan_proven
from jixiao.processor.files.guard.xml_parser import well_formed

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import write_minimal_form  # noqa: E402
from test_guard_pieces import agree, root_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: a store may hold, besides what it counts, a dictionary slot and small objects per entry
_SLACK = 1024**2


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> Path:
    return write_minimal_form(tmp_path_factory.mktemp("rt16") / "form.xlsx")


def rewrite(src: Path, out: Path, **parts: bytes) -> Path:
    """``src`` with the named members (``xl/workbook.xml`` …) replaced, deflated."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in zin.infolist():
            z.writestr(info.filename, parts.get(info.filename, zin.read(info.filename)))
    return out


def many_sheets(src: Path, out: Path, size: int, tag: int) -> tuple[Path, int]:
    """``src`` whose workbook.xml of about ``size`` bytes lists its first sheet again and
    again (``tag`` makes the bytes of each file its own); the path and the times listed."""
    with zipfile.ZipFile(src) as z:
        book = z.read("xl/workbook.xml")
    entry = re.search(rb"<sheet [^>]*/>", book)[0]  # type: ignore[index]
    n = size // len(entry)
    listed = re.sub(rb"<sheets>.*?</sheets>", lambda _m: b"<sheets>" + entry * n + b"</sheets>", book, flags=re.S)
    listed = listed.replace(b"<workbook ", b'<workbook data-tag="%d" ' % tag, 1)
    return rewrite(src, out, **{"xl/workbook.xml": listed}), n


def held(fill) -> tuple[int, int]:
    """(bytes the guard's stores hold in memory after ``fill()``, bytes they count)."""
    container.forget()
    gc.collect()
    tracemalloc.start()
    try:
        fill()
        counted = container._KEPT.bytes + sheet_pieces._KEPT.bytes
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        container.forget()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return before - after, counted


@pytest.mark.parametrize("size", [1000 * 1024, 16 * 1024])  # under the 1 MB where J534's ratio applies
def test_a_kept_sheet_listing_is_counted_at_what_it_holds(form, tmp_path, size):
    """Each file's workbook.xml lists one sheet thousands of times and compresses to a few
    KB: every file passes, and what the store keeps from them must stay within what it
    counts (else a batch of 2,000 such 10 KB files holds about 8 GB)."""
    made = [many_sheets(form, tmp_path / f"listing{k}.xlsx", size, k) for k in range(6 if size > 10**5 else 60)]
    paths = [path for path, _n in made]
    assert inspect(paths[0]).sheets == inspect(form).sheets * made[0][1]  # it passes: the attack is memory

    def fill() -> None:
        for path in paths:
            inspect(path)

    holding, counted = held(fill)
    assert holding <= 2 * counted + _SLACK, (holding, counted)


def formula_row(row: int, cells: int) -> bytes:
    """A row of formula cells saved without cached values (as openpyxl writes them)."""
    refs = (f"{chr(65 + c // 26) if c >= 26 else ''}{chr(65 + c % 26)}{row}" for c in range(cells))
    return f'<row r="{row}">'.encode() + b"".join(b'<c r="%s"><f>1</f></c>' % r.encode() for r in refs) + b"</row>"


def test_kept_rows_are_counted_at_what_they_hold():
    """Rows of formula cells: each row's figures hold a formula per cell (about 7 times the
    row's bytes); the store must count that, not the row's bytes alone."""
    rows = b"".join(formula_row(r, 300) for r in range(1, 200))
    data = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet><sheetData>' + rows
            + b"</sheetData></worksheet>")
    assert all(len(p) <= sheet_pieces._KEEP_BYTES for p in re.findall(rb"<row .*?</row>", rows))

    def fill() -> None:
        with mock.patch.object(sheet_pieces, "_FEW", 10**9):  # every new row measured and kept
            assert scan_proven(data, root_of(data)) is not None

    holding, counted = held(fill)
    assert holding <= 2 * counted + _SLACK, (holding, counted)


# --- same bytes, other context -------------------------------------------------------


def outcome(path: Path, *, exact: bool = False) -> tuple:
    try:
        r = inspect(path, exact=exact)
    except InputError as err:
        return ("refused", err.code, err.params.get("reason"), err.params.get("sheet"))
    figures = {k: v for k, v in r.figures.items() if k != "fast_sheets"}
    return ("ok", r.cells, r.sheets, r.formulas, figures)


def prime(*paths: Path) -> None:
    """Let the guard keep everything these files teach (every row, not just a few a file)."""
    container.forget()
    with mock.patch.object(sheet_pieces, "_FEW", 10**9):
        for path in paths:
            inspect(path)


def patch_crc(path: Path, member: str) -> Path:
    """Flip the CRC of ``member`` in its local header and its central-directory record
    alike (the headers agree; the data no longer matches them)."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    local = info.header_offset + 14
    raw[local : local + 4] = (info.CRC ^ 0x5A5A5A5A).to_bytes(4, "little")
    name = member.encode()
    central = raw.find(b"PK\x01\x02")
    while central >= 0:
        nlen = int.from_bytes(raw[central + 28 : central + 30], "little")
        if raw[central + 46 : central + 46 + nlen] == name:
            raw[central + 16 : central + 20] = (info.CRC ^ 0x5A5A5A5A).to_bytes(4, "little")
            break
        central = raw.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("member", ["xl/styles.xml", "xl/theme/theme1.xml", "[Content_Types].xml",
                                    "xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_a_kept_part_does_not_vouch_for_the_same_bytes_under_another_crc(form, tmp_path, member):
    """The same compressed bytes of a part the guard kept as harmless, declared with another
    CRC: damaged (J501), whatever the guard has seen before."""
    bad = patch_crc(rewrite(form, tmp_path / "bad.xlsx"), member)
    good = rewrite(form, tmp_path / "good.xlsx")
    container.forget()
    cold = outcome(bad)
    assert cold[:2] == ("refused", "J501") and "校验" in cold[2]
    prime(good)
    assert outcome(bad) == cold


def test_a_kept_listing_does_not_vouch_for_other_relationships(form, tmp_path):
    """workbook.xml byte for byte the same as a kept one, its relationships pointing at a
    part the package lacks: J516 still."""
    with zipfile.ZipFile(form) as z:
        rels = z.read("xl/_rels/workbook.xml.rels")
    moved = re.sub(rb'Target="/?(?:xl/)?worksheets/sheet1\.xml"', b'Target="worksheets/gone.xml"', rels)
    assert moved != rels
    bad = rewrite(form, tmp_path / "bad.xlsx", **{"xl/_rels/workbook.xml.rels": moved})
    container.forget()
    cold = outcome(bad)
    assert cold[:2] == ("refused", "J516")
    prime(form)
    assert outcome(bad) == cold


# --- pieces well formed alone, the part not ------------------------------------------

#: bytes that break a part wherever they stand in text (expat refuses them)
BAD_TEXT = [b"\xc0\xbc", b"\xe0\x80\xbc", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xff", b"\x00", b"\x0c",
            b"&bogus;", b"&#0;", b"&#xD800;", b"]]>", b"&"]


def sheet_edits(sheet: bytes) -> list[tuple[str, bytes]]:
    """Broken variants of a real form's worksheet, each a few bytes from a cut."""
    rows = [m.end() for m in re.finditer(rb"</row>", sheet)]
    texts = [m.start(1) for m in re.finditer(rb"<v>([^<]*)</v>", sheet)]
    assert len(rows) > 10 and texts
    out = []
    for bad in BAD_TEXT:
        out.append((f"text {bad!r}", sheet[: texts[len(texts) // 2]] + bad + sheet[texts[len(texts) // 2]:]))
        out.append((f"after a cut {bad!r}", sheet[: rows[3]] + bad + sheet[rows[3]:]))
        out.append((f"before a cut {bad!r}", sheet[: rows[4] - 6] + bad + sheet[rows[4] - 6 :]))
        out.append((f"skeleton {bad!r}", sheet.replace(b"<sheetData>", bad + b"<sheetData>", 1)))
    end = sheet.rindex(b"</")
    out += [
        ("second root", sheet + b"<worksheet/>"),
        ("text after the root", sheet + b"x"),
        ("NUL after the root", sheet + b"\x00"),
        ("root closed twice", sheet[:end] + b"</worksheet>" + sheet[end:]),
        ("row left open", sheet.replace(b"</row>", b"", 1)),
        ("row closed twice", sheet.replace(b"</row>", b"</row></row>", 1)),
        ("row closed as sheetData", sheet.replace(b"</row>", b"</sheetData>", 1)),
        ("attribute never closed", sheet.replace(b'<row r="5"', b'<row r="5" x="', 1)),
        ("unquoted attribute", sheet.replace(b'<row r="5"', b"<row r=5", 1)),
        ("attribute twice", sheet.replace(b'<row r="5"', b'<row r="5" r="5"', 1)),
        ("cell outside its row", sheet.replace(b"</row>", b'</row><c r="Z9"/>', 1)),
    ]
    return out


def test_a_broken_worksheet_is_refused_though_the_guard_kept_its_other_rows(form, tmp_path):
    """A form the guard has kept whole (skeleton and every row); the same form with a few
    bytes broken next to a cut, in a row or in the skeleton: refused exactly as the exact
    pass (whole-part expat) refuses it, warm and cold."""
    with zipfile.ZipFile(form) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert b"<!" not in sheet and b"<?" not in sheet[5:]  # the shape the pieces prove
    root = root_of(sheet)
    prime(form)
    assert scan_proven(sheet, root) is not None  # every piece kept: the fast path is taken
    for what, broken in sheet_edits(sheet):
        path = rewrite(form, tmp_path / "broken.xlsx", **{"xl/worksheets/sheet1.xml": broken})
        reference = outcome(path, exact=True)
        assert reference[:2] == ("refused", "J501"), what
        assert outcome(path) == reference, what  # warm: the other rows are kept
        container.forget()
        assert outcome(path) == reference, what  # cold
        prime(form)
        assert scan_proven(broken, root) is None, what
        assert well_formed(broken) == (what == "cell outside its row")  # that one: the structure


#: tokens that may hold "</row>" or a cell: after the prolog, the pieces refuse them all
HIDERS = [b"<!-- </row> -->", b'<!-- <c r="XFD1048576"/> -->', b"<![CDATA[</row>]]>", b"<?pi </row>?>",
          b'<!-- <mergeCell ref="A1:XFD1048576"/> -->', b"<!-- <row> -->"]


@pytest.mark.parametrize("hider", HIDERS)
def test_comments_cdata_and_pis_after_the_prolog_are_left_to_the_exact_pass(form, hider):
    """Well formed, but a token that could hold a cut or a cell: never proven piecewise;
    the exact pass measures it and agrees with the whole-part parse."""
    with zipfile.ZipFile(form) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    at = [m.end() for m in re.finditer(rb"</row>", sheet)][2]
    for data in (sheet[:at] + hider + sheet[at:], sheet.replace(b"<sheetData>", hider + b"<sheetData>", 1)):
        prime(form)
        assert scan_proven(data, root_of(data)) is None
        agree(data)
