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
from jixiao.processor.files.guard import container, inspect, sheet_pieces
from jixiao.processor.files.guard.sheet_pieces import scan_proven

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import write_minimal_form  # noqa: E402
from test_guard_pieces import root_of  # noqa: E402

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
