"""files.xlsx_out: its worksheets write a shared-string, number or blank cell in one f-string;
the package must be byte for byte what xlsxwriter's own ``_write_cell`` writes."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jixiao.processor.files import xlsx_out
from xlsxwriter.worksheet import Worksheet

CELL = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=6)),
    st.tuples(st.just("number"), st.one_of(st.integers(-10**12, 10**12),
                                            st.floats(allow_nan=False, allow_infinity=False))),
    st.tuples(st.just("blank"), st.none()),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("formula"), st.just("=1+2")),
)
PLACE = st.tuples(st.integers(0, 40), st.integers(0, 30))


def package(cells, row_formats, col_formats, merges) -> dict[str, bytes]:
    buf = io.BytesIO()
    wb = xlsx_out.output_workbook(buf)
    formats = [None, wb.add_format({"bold": True}), wb.add_format({"num_format": "0.00"})]
    ws = wb.add_worksheet("表")
    for col, f in col_formats:
        ws.set_column(col, col, 12, formats[f])
    for row, f in row_formats:
        ws.set_row(row, 20 if f == 0 else None, formats[f])
    for (row, col), (kind, value), f in cells:
        fmt = formats[f]
        if kind == "text":
            ws.write_string(row, col, value, fmt)
        elif kind == "number":
            ws.write_number(row, col, value, fmt)
        elif kind == "blank":
            ws.write_blank(row, col, None, fmt)
        elif kind == "bool":
            ws.write_boolean(row, col, value, fmt)
        else:
            ws.write_formula(row, col, value, fmt)
    for row, col in merges:
        ws.merge_range(row + 50, col, row + 50, col + 1, "", formats[1])
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {n: z.read(n) for n in z.namelist() if not n.startswith("docProps")}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(PLACE, CELL, st.integers(0, 2)), max_size=40),
       st.lists(st.tuples(st.integers(0, 40), st.integers(0, 2)), max_size=5),
       st.lists(st.tuples(st.integers(0, 30), st.integers(0, 2)), max_size=5),
       st.lists(PLACE, max_size=3, unique=True))
def test_cells_as_xlsxwriter_writes_them(cells, row_formats, col_formats, merges):
    merges = [(r, c * 2) for r, c in merges]  # never overlapping
    fast = package(cells, row_formats, col_formats, merges)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(xlsx_out._TextSheet, "_write_cell", Worksheet._write_cell)
        slow = package(cells, row_formats, col_formats, merges)
    assert fast == slow


def test_the_fast_path_is_taken(monkeypatch):
    """(else the test above would compare xlsxwriter with itself)"""
    taken = []
    real = xlsx_out._TextSheet._style
    monkeypatch.setattr(xlsx_out._TextSheet, "_style", lambda self, *a: taken.append(a) or real(self, *a))
    package([((0, 0), ("text", "甲"), 1), ((1, 1), ("number", 1.5), 0), ((2, 2), ("blank", None), 2)], [], [], [])
    assert len(taken) == 3
