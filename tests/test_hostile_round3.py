"""Red-team round 3: attacks built by tests/hostile_round3/gen.py that found a real problem."""

from __future__ import annotations

import jixiao
import openpyxl
from hostile_round3 import gen
from jixiao.processor.files.calamine_read import load_workbook
from jixiao.processor.files.openpyxl_read import grids_from_openpyxl


def _cached_errors(tmp_path):
    p = gen.parts()
    gen.cell(p, "E6", '<c r="E6" s="6" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    gen.cell(p, "I6", '<c r="I6" s="6" t="e"><v>#REF!</v></c>')  # an error without a formula
    return gen.write(tmp_path / "错误值.xlsx", p)


def test_a_cell_holding_an_excel_error_is_read_as_that_error_not_as_empty(tmp_path):
    """calamine reads #DIV/0! as an empty cell: check said only "全年预算数未填写" and said
    nothing of a #REF! score, while fill (openpyxl) saw both errors."""
    path = _cached_errors(tmp_path)
    found = {(f.code, f.cell, f.params.get("found")) for f in jixiao.check(path).findings}
    assert ("R005", "E6", "#DIV/0!") in found
    assert ("R005", "I6", "#REF!") in found


def test_check_and_fill_read_error_cells_alike(tmp_path):
    path = _cached_errors(tmp_path)
    grid = grids_from_openpyxl(openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True))[0]
    calamine = load_workbook(path).grids[0]
    for row, col in ((6, 5), (6, 9)):
        assert calamine.get(row, col) == grid.get(row, col) != ""
