"""The guard's readings of the parts themselves: positions, counts, string tables (issue 11).

Each case is a small package built here, checked against what python-calamine and openpyxl
would do with it; the corpus-wide outcomes are in ``test_guard.py``.
"""

from __future__ import annotations

import struct
import sys
import zipfile
from pathlib import Path

import pytest
from jixiao.processor.core.errors import InputError
from jixiao.processor.files.guard import inspect
from jixiao.processor.files.guard.biff import WorkbookStream
from jixiao.processor.files.guard.cellrefs import parse_cell, parse_range, range_cells
from jixiao.processor.files.guard.limits import Limits

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import _members, write_minimal_form  # noqa: E402

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> dict[str, bytes]:
    return _members(write_minimal_form(tmp_path_factory.mktemp("parts") / "base.xlsx"))


def with_sheet(tmp_path: Path, parts: dict[str, bytes], sheet_data: str, extra: str = "") -> Path:
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{sheet_data}'
           f"</sheetData>{extra}</worksheet>")
    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, xml.encode() if name == "xl/worksheets/sheet1.xml" else data)
    return path


def verdict(path: Path, **limits) -> tuple[str, dict]:
    try:
        inspect(path, limits or None)
    except InputError as err:
        return err.code, err.params
    return "ok", {}


def test_cell_references_are_read_like_the_readers_read_them():
    assert parse_cell("B7") == (7, 2) and parse_cell("$XFD$1048576") == (1048576, 16384)
    assert parse_cell("ZZZZ99999999") == (99999999, 475254)  # beyond Excel: readers still allocate
    assert parse_cell("1A") is None and parse_cell("A0") is None and parse_cell("A" * 50 + "1") is None
    assert parse_range("C3:A1") == (1, 1, 3, 3)
    assert range_cells("A1:B2 D4") == 5 and range_cells("junk") == 0


def test_a_sheet_of_ordinary_cells_measures_its_rectangle(tmp_path, parts):
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "BCD") + "</row>"
                   for r in range(5, 15))
    assert verdict(with_sheet(tmp_path, parts, rows), max_cells=30) == ("ok", {})  # 10 rows × 3 cols
    code, params = verdict(with_sheet(tmp_path, parts, rows), max_cells=29)
    assert code == "J538" and (params["rows"], params["cols"], params["found"]) == (10, 3, 30)


def test_cells_without_r_are_placed_by_their_order(tmp_path, parts):
    # rows with r, cells without: each row's cells are columns 1, 2, 3 …
    rows = "".join(f'<row r="{r}">' + "<c><v>1</v></c>" * 4 + "</row>" for r in (3, 4))
    code, params = verdict(with_sheet(tmp_path, parts, rows), max_cells=7)
    assert code == "J538" and (params["rows"], params["cols"]) == (2, 4)
    # neither rows nor cells with r: rows count from 1
    rows = "<row>" + "<c><v>1</v></c>" * 3 + "</row>" + "<row><c><v>1</v></c></row>"
    code, params = verdict(with_sheet(tmp_path, parts, rows), max_cells=5)
    assert code == "J538" and (params["rows"], params["cols"]) == (2, 3)


def test_an_empty_far_row_cannot_hide_a_tall_rectangle(tmp_path, parts):
    # calamine ignores <row r="…"/>, openpyxl does not: the row without r below it is row 2
    # for calamine and 1048577 for openpyxl; with the far cell, calamine's rectangle is the
    # whole sheet. The guard bounds such a row by 1 below.
    rows = ('<row r="1048576"/><row><c><v>1</v></c></row>'
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    assert verdict(with_sheet(tmp_path, parts, rows))[0] == "J538"


def test_prefixed_elements_count_like_plain_ones(tmp_path, parts):
    xml = (f'<?xml version="1.0"?><s:worksheet xmlns:s="{NS}"><s:sheetData>'
           '<s:row r="2"><s:c r="A2"><s:v>1</s:v></s:c><s:c r="E2"><s:v>1</s:v></s:c></s:row>'
           '</s:sheetData><s:mergeCells><s:mergeCell ref="A1:Z100"/></s:mergeCells></s:worksheet>')
    path = tmp_path / "p.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, xml.encode() if name == "xl/worksheets/sheet1.xml" else data)
    assert verdict(path, max_cells=4)[0] == "J538"  # 1 row × 5 cols
    assert verdict(path, max_merged_cells=2599)[0] == "J541"
    assert verdict(path, max_merged_cells=2600)[0] == "ok"


def test_cells_outside_rows_or_nested_are_refused_as_damaged(tmp_path, parts):
    assert verdict(with_sheet(tmp_path, parts, '<c r="A1"><v>1</v></c>'))[0] == "J501"
    assert verdict(with_sheet(tmp_path, parts, '<row r="1"><c r="A1"><c r="B1"/></c></row>'))[0] == "J501"


def test_shared_strings_are_counted_where_they_are_used(tmp_path, parts):
    sst = (f'<?xml version="1.0"?><sst xmlns="{NS}" uniqueCount="2"><si><t>{"字" * 1000}</t></si>'
           f"<si><r><t>富</t></r><r><t>文本</t></r></si></sst>")
    cells = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c><c r="B{r}" t="s"><v>1</v></c></row>'
                    for r in range(1, 51))
    path = with_sheet(tmp_path, parts, cells)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/sharedStrings.xml", sst)
    # 50 × 1000 + 50 × 3 referenced, plus the digits of the 100 indexes
    assert verdict(path, max_text_chars=50_150 + 100)[0] == "ok"
    code, params = verdict(path, max_text_chars=50_150 + 99)
    assert code == "J540" and params["found"] == 50_250
    assert verdict(path, max_shared_strings=1)[0] == "J539"


def test_a_worksheet_is_recognised_by_its_root_not_its_name(tmp_path, parts):
    far = f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1"/></row>' \
          '<row r="900000"><c r="Z900000"/></row></sheetData></worksheet>'
    path = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
        z.writestr("xl/hidden.bin", far)  # openpyxl would follow a relationship to it
    assert verdict(path)[0] == "J538"


def _xls_with_long_strings(path: Path, lengths: list[int], refs: int) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("表")
    for i, n in enumerate(lengths):
        for r in range(refs):
            ws.write(r, i, "长" * n)
    wb.save(str(path))
    return path


def test_xls_string_table_is_read_across_continue_records(tmp_path):
    pytest.importorskip("xlwt")
    lengths = [5000, 3, 7000, 1]  # 10 KB and 14 KB in UTF-16: the SST spans CONTINUE records
    path = _xls_with_long_strings(tmp_path / "long.xls", lengths, refs=4)
    from jixiao.processor.files.guard.cfb import Cfb
    from jixiao.processor.files.guard.source import Source

    data = path.read_bytes()
    cfb = Cfb(Source(None, len(data), data))  # type: ignore[arg-type]
    entries = cfb.entries(100)
    book = next(e for e in entries if e[0] == "Workbook")
    scan = WorkbookStream(cfb.read_stream(entries, book[2], book[3]), Limits())
    assert scan.scan() == 4 * len(lengths)
    assert scan.strings == lengths
    assert verdict(path, max_text_chars=4 * sum(lengths))[0] == "ok"
    assert verdict(path, max_text_chars=4 * sum(lengths) - 1)[0] == "J540"


def test_xls_records_calamine_trusts_are_checked(tmp_path):
    pytest.importorskip("xlwt")
    path = _xls_with_long_strings(tmp_path / "x.xls", [3], refs=2)
    assert verdict(path, max_cell_elements=1)[0] == "J537"
    assert verdict(path, max_shared_strings=1)[0] == "ok"
    stream = bytearray(struct.pack("<HH", 0x0809, 4) + b"\x00\x06\x10\x00")
    stream += struct.pack("<HHl", 0x00FC, 8, 0) + struct.pack("<l", 10**9)
    stream += struct.pack("<HH", 0x000A, 0)
    with pytest.raises(Exception) as err:
        WorkbookStream(bytes(stream), Limits()).scan()
    assert getattr(err.value, "code", None) == "J539"


def _with_part(tmp_path: Path, parts: dict[str, bytes], name: str, xml: str) -> Path:
    path = tmp_path / f"{name.rsplit('/', 1)[-1]}.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in parts.items():
            if member != name:
                z.writestr(member, data)
        z.writestr(name, xml)
    return path


def test_small_string_tables_and_styles_are_bounded_by_size_yet_still_parsed(tmp_path, parts):
    """A part too small to hold more entries or records than the limit is not counted one by
    one; it is still parsed whole, so damage and DTDs are refused as before, and a limit the
    size cannot rule out is counted exactly."""
    styles = f'<?xml version="1.0"?><styleSheet xmlns="{NS}"><cellXfs count="2"><xf/><xf/></cellXfs></styleSheet>'
    assert verdict(_with_part(tmp_path, parts, "xl/styles.xml", styles))[0] == "ok"
    assert verdict(_with_part(tmp_path, parts, "xl/styles.xml", styles), max_styles=2)[0] == "ok"
    assert verdict(_with_part(tmp_path, parts, "xl/styles.xml", styles), max_styles=1)[0] == "J543"
    assert verdict(_with_part(tmp_path, parts, "xl/styles.xml", styles[:-5]))[0] == "J501"
    sst = f'<?xml version="1.0"?><sst xmlns="{NS}"><si><t>甲</t></si><si><t>乙</si></sst>'
    assert verdict(_with_part(tmp_path, parts, "xl/sharedStrings.xml", sst))[0] == "J501"
    dtd = f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "b">]><sst xmlns="{NS}"><si><t>&a;</t></si></sst>'
    assert verdict(_with_part(tmp_path, parts, "xl/sharedStrings.xml", dtd))[0] == "J536"
