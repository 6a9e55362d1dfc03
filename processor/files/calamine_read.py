"""Workbook files → grids. The guard runs first; python-calamine reads values fast.

openpyxl is used only where formatting matters (``jixiao fill``), see
``jixiao.processor.files.openpyxl_write``. Both produce :class:`~jixiao.processor.core.grid.Grid` objects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jixiao.processor.core.errors import InputError
from jixiao.processor.core.grid import Grid
from jixiao.processor.core.visible import one_line

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")  # what check and merge read
# the names calamine parses as the format the guard found in the content
_SUFFIXES = {"xlsx": (".xlsx", ".xlsm"), "xls": (".xls",)}


@dataclass
class Workbook:
    path: str
    grids: list[Grid]
    active_content: str | None = None  # “宏、外部链接…” when the guard found any


def guard_file(path: str | Path, limits: Mapping[str, Any] | None = None):
    """Refuse dangerous or broken files before any library opens them (``limits``: a
    profile's ``profile["limits"]``; the shipped ``rules/limits.json`` when omitted)."""
    from jixiao.processor.files.guard import inspect

    return inspect(path, limits)


def load_workbook(path: str | Path, limits: Mapping[str, Any] | None = None) -> Workbook:
    """Read every worksheet's values into grids; raises InputError with a Chinese line."""
    from jixiao.processor.core.rules import default_limits

    path = os.fspath(path)
    limits = {**default_limits(), **(limits or {})}
    report = guard_file(path, limits)
    from python_calamine import CalamineWorkbook

    try:
        if Path(path).suffix.lower() in _SUFFIXES[report.kind]:
            wb = CalamineWorkbook.from_path(path)
        else:  # an .xlsx saved under an .xls name (or the reverse): calamine picks its parser by
            with open(path, "rb") as fh:  # the name, so it is given the content it can sniff
                wb = CalamineWorkbook.from_filelike(fh)
    except BaseException as exc:  # calamine raises its own error types for broken files
        _reraise_unless_reader_error(exc)
        raise InputError.of("J509", file=path) from None
    grids: list[Grid] = []
    try:
        for meta in wb.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            if sheet.height * sheet.width > limits["max_cells"]:  # the guard refuses this first (J538)
                raise InputError.of("J510", file=path, sheet=one_line(meta.name), rows=sheet.height,
                                    cols=sheet.width, limit=limits["max_cells"])
            rows = sheet.to_python(skip_empty_area=True)
            start = sheet.start or (0, 0)
            merged = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in (sheet.merged_cell_ranges or [])]
            grids.append(Grid(meta.name, rows, start[0] + 1, start[1] + 1, merged, _state(meta.visible)))
    except InputError:
        raise
    except BaseException as exc:
        _reraise_unless_reader_error(exc)
        raise InputError.of("J509", file=path) from None
    finally:
        try:
            wb.close()
        except Exception:
            pass
    if report.kind == "xlsx":
        _mark_uncached_formulas(path, report.formulas, grids, limits["max_cells"])
    return Workbook(path, grids, report.active_content)


def _state(visible: Any) -> str:
    """calamine's SheetVisibleEnum as workbook.xml spells it (see Grid.state)."""
    text = str(visible)
    return "veryHidden" if "VeryHidden" in text else "hidden" if "Hidden" in text else "visible"


def _reraise_unless_reader_error(exc: BaseException) -> None:
    """Let Ctrl+C and exits through; anything else is the reader failing on this file —
    including a Rust panic, which pyo3 raises as ``PanicException`` (a BaseException)."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc


def _mark_uncached_formulas(path: str, formulas: Mapping[str, Mapping[str, str]] | None,
                            grids: list[Grid], max_cells: int) -> None:
    """Formula cells without a cached value become Formula in the grid (see formula_cells);
    cells holding an Excel error (``#DIV/0!``, which calamine reads as empty) get the error's
    text, as openpyxl and Excel show it, so the engine reports "not a number" rather than
    "not filled in".

    ``formulas`` are what the guard found in its pass; None: it could not name the sheets,
    and formula_cells reads them.

    Only cells inside the sheet's values (plus a margin) are added: a stray formula far
    away must not grow the grid past the size limit the values were checked against.
    """
    from jixiao.processor.core.grid import Formula, parse_addr
    from jixiao.processor.files.formula_cells import uncached_formulas

    if formulas is None:
        formulas = uncached_formulas(path)
    if not formulas:
        return
    for grid in grids:
        for a1, text in formulas.get(grid.sheet, {}).items():
            try:
                row, col = parse_addr(a1)
            except ValueError:
                continue
            top, left = min(grid.origin_row, row), min(grid.origin_col, col)
            bottom, right = max(grid.max_row, row), max(grid.max_col, col)
            if not (1 <= row <= 1_048_576 and 1 <= col <= 16_384) or \
                    (bottom - top + 1) * (right - left + 1) > max_cells:
                continue
            if grid.get(row, col) in (None, ""):
                grid.put(row, col, text if text.startswith("#") else Formula(text))
