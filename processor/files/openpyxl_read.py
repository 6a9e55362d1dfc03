"""Read a workbook with openpyxl into grids (``jixiao fill`` needs openpyxl's objects).

The values are the cached ones (a second ``data_only`` load); a formula cell without a
cached value becomes :class:`~jixiao.processor.core.grid.Formula`, so the engine neither reports it
missing nor writes over it. ``check`` and ``merge`` read with python-calamine instead
(:mod:`jixiao.processor.files.calamine_read`); both give the same grids.
"""

from __future__ import annotations

from typing import Any

from jixiao.processor.core.errors import InputError
from jixiao.processor.core.grid import Formula, Grid
from jixiao.processor.core.marks import OWN_SHEETS
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet


def is_formula_cell(cell: Any) -> bool:
    value = cell.value
    return cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula)) or (
        isinstance(value, str) and value.startswith("=") and cell.data_type != "s")


def _formula_text(value: Any) -> str:
    if isinstance(value, ArrayFormula):
        return value.text or ""
    if isinstance(value, DataTableFormula):
        return "=TABLE()"
    return str(value)


def form_sheets(wb: Workbook) -> list[Worksheet]:
    """The worksheets the engine reads: every one but our own (校验结果 and the record), hidden
    ones included (the engine reports a form found there, see Grid.state)."""
    return [ws for ws in wb.worksheets if isinstance(ws, Worksheet) and ws.title not in OWN_SHEETS]


def grid_from_sheets(ws: Worksheet, values_ws: Worksheet, max_cells: int | None = None,
                     file: str | None = None) -> Grid:
    """One worksheet as a grid: cached values, ``Formula`` where a formula has none.

    Integers become floats, as python-calamine gives them, so notes and results do not
    depend on the reader.
    """
    cells: dict[tuple[int, int], Any] = {}
    for (row, col), cell in ws._cells.items():  # sparse: only cells that exist in the file
        value = cell.value
        if is_formula_cell(cell):
            cached = values_ws._cells.get((row, col))
            cached_value = cached.value if cached is not None else None
            value = Formula(_formula_text(value)) if cached_value is None else cached_value
        if value is None or value == "":
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        cells[(row, col)] = value
    merged = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
    if not cells:
        return Grid(ws.title, [], 1, 1, merged, ws.sheet_state)
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    top, left, bottom, right = min(rows), min(cols), max(rows), max(cols)
    if max_cells is not None and (bottom - top + 1) * (right - left + 1) > max_cells:
        raise InputError.of("J510", file=file, sheet=ws.title, rows=bottom - top + 1,
                            cols=right - left + 1, limit=max_cells)
    grid_rows = [[None] * (right - left + 1) for _ in range(bottom - top + 1)]
    for (row, col), value in cells.items():
        grid_rows[row - top][col - left] = value
    return Grid(ws.title, grid_rows, top, left, merged, ws.sheet_state)


def grids_from_openpyxl(wb: Workbook, values_wb: Workbook, max_cells: int | None = None,
                        file: str | None = None) -> list[Grid]:
    """Grids of every form sheet, as :func:`jixiao.processor.files.calamine_read.load_workbook` gives them.

    ``file`` names the workbook in a refusal (J510 a sheet over ``max_cells``).
    """
    return [grid_from_sheets(ws, values_wb[ws.title], max_cells, file) for ws in form_sheets(wb)]
