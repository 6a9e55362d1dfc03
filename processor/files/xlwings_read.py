"""The xlwings edge of the add-in, reading: the sheet, the record of the last run, cell looks.

Every call to Excel is a round trip, so the sheet is read in one bulk read of its used
range and the record (a very hidden sheet) in another; only the cells the plan may change
are asked for their number format, fill and note. Desktop Excel answers those; the
remote engine cannot, and then a fill counts as unknown and a note of the user's is never
written over (see :class:`jixiao.processor.core.plan.Look`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jixiao.processor.core.grid import Grid, MergedRange, addr, parse_addr
from jixiao.processor.core.ledger import ANY_MARK, LEDGER_HEADER, CellEntry, Ledger
from jixiao.processor.core.marks import LEDGER_SHEET, RESULT_SHEET
from jixiao.processor.core.plan import Look


def read_grid_from_sheet(sheet: Any) -> Grid:
    """The sheet's used range as a :class:`Grid`, in one bulk read.

    Merged ranges are included when the engine delivers them with the sheet's data
    (a ``merged_ranges`` list of A1 addresses in the remote engine's payload); xlwings
    0.37 does not, and reading them cell by cell from Excel would cost one call per
    cell, so the grid then has none. A cell holding an Excel error gives the error's text.
    """
    used = sheet.used_range
    # err_to_str: a cell showing #DIV/0! or #REF! arrives as that text, as calamine and openpyxl
    # give it to check and fill, not as None (xlwings' default), which would read as "not filled"
    values = used.options(ndim=2, err_to_str=True).value
    rows = [[_clean(v) for v in row] for row in (values or [[]])]
    return Grid(sheet=sheet.name, rows=rows, origin_row=used.row, origin_col=used.column,
                merged=_merged_ranges(sheet))


def _clean(value: Any) -> Any:
    """Empty strings (how some engines report blank cells) become None."""
    return None if value == "" else value


def _merged_ranges(sheet: Any) -> list[MergedRange]:
    api = getattr(sheet, "api", None)
    if not isinstance(api, dict):
        return []
    out: list[MergedRange] = []
    for address in api.get("merged_ranges") or []:
        head, _, tail = str(address).replace("$", "").partition(":")
        r1, c1 = parse_addr(head)
        r2, c2 = parse_addr(tail) if tail else (r1, c1)
        out.append((r1, c1, r2, c2))
    return out


def formula_cells(sheet: Any) -> set[str]:
    """A1 addresses of the used range's formula cells (one call), which are never written.

    Desktop Excel gives formulas with values; the remote engine does not send them (it
    raises NotImplementedError), and then there is nothing to protect.
    """
    used = sheet.used_range
    try:
        formulas = used.options(ndim=2).formula
    except (NotImplementedError, AttributeError):
        return set()
    if not isinstance(formulas, (list, tuple)):
        formulas = [[formulas]]
    out: set[str] = set()
    for i, row in enumerate(formulas):
        for j, f in enumerate(row if isinstance(row, (list, tuple)) else [row]):
            if isinstance(f, str) and f.startswith("="):
                out.add(addr(used.row + i, used.column + j))
    return out


def grid_is_empty(grid: Grid) -> bool:
    return not any(v not in (None, "") for row in grid.rows for v in row)


def find_sheet(book: Any, name: str) -> Any:
    for sht in book.sheets:
        if sht.name == name:
            return sht
    return None


def _bulk(sheet: Any) -> list[list[Any]]:
    return [list(r) for r in (sheet.used_range.options(ndim=2).value or [])]


def read_ledger(book: Any, shown: Grid | None = None) -> Ledger:
    """The record of the last run (one bulk read; with 校验结果 deleted, jixiao's values
    count as the filler's). A book marked by an older add-in, which
    kept only the 校验结果 sheet, gives the cells that sheet listed (``shown``: the form
    sheet as read, whose values there were written by that click)."""
    sheet = find_sheet(book, LEDGER_SHEET)
    if sheet is not None:
        rows = _bulk(sheet)
        if rows and [str(v) for v in rows[0][: len(LEDGER_HEADER)]] == LEDGER_HEADER:
            ledger = Ledger.from_rows(rows[1:])
            # the user deleted 校验结果: the values jixiao wrote are now the filler's
            return ledger if find_sheet(book, RESULT_SHEET) is not None else ledger.accept_written()
    return _legacy_ledger(book, shown)


_OLD_HEADER = ["序号", "级别", "代码", "工作表", "单元格", "问题", "修改建议", "原填写值"]


def _legacy_ledger(book: Any, shown: Grid | None) -> Ledger:
    ledger = Ledger()
    sheet = find_sheet(book, RESULT_SHEET)
    rows = _bulk(sheet) if sheet is not None else []
    if not rows or [str(v) for v in rows[0]][: len(_OLD_HEADER)] != _OLD_HEADER:
        return ledger
    for row in rows[1:]:
        row = list(row) + [None] * (len(_OLD_HEADER) - len(row))
        name, original = row[3], row[7]
        cell = str(row[4] or "").replace("$", "").split(":")[0]
        if not name or not cell:
            continue
        entry = CellEntry(str(name), cell, fill_before="", fill=ANY_MARK, note=ANY_MARK)
        if original not in (None, "") and shown is not None and shown.sheet == name:
            entry = replace(entry, written=True, value=shown.get(*parse_addr(cell)),
                            original=None if original == "（空）" else original)
        ledger.cells[(str(name), cell)] = entry
    return ledger


def looks_on(sheet: Any, shown: Grid, formulas: set[str]):
    """The plan's ``looks``: value from the bulk read, then format, fill and note per cell."""
    def looks(name: str, cells: list[str]) -> dict[str, Look]:
        if name != sheet.name:
            return {}
        return {a1: _look(sheet, a1, shown, formulas) for a1 in cells}
    return looks


def _look(sheet: Any, a1: str, shown: Grid, formulas: set[str]) -> Look:
    rng = sheet.range(a1)
    try:
        number_format = rng.number_format
    except NotImplementedError:
        number_format = None
    try:
        colour = rng.color
        fill = "" if colour is None else _token(colour)
    except NotImplementedError:
        fill = None
    note_text, author, unknown = None, "", False
    try:
        note = rng.note
    except NotImplementedError:
        note = None
    if note is not None:
        try:
            note_text = note.text or ""
        except NotImplementedError:
            unknown = True
        try:
            author = note.author or ""
        except (NotImplementedError, AttributeError):
            author = ""
    return Look(value=shown.get(*parse_addr(a1)), number_format=number_format, fill=fill,
                note=note_text, note_author=author, note_unknown=unknown, formula=a1 in formulas)


def _token(colour: Any) -> str:
    if isinstance(colour, str):
        return colour.lstrip("#").upper()
    r, g, b = colour[:3]
    return f"{int(r):02X}{int(g):02X}{int(b):02X}"


def protection_problem(book: Any, sheet: Any) -> str | None:
    """What protection stops the click from writing (None: nothing), checked before any
    write: the form sheet, 校验结果, the book's structure (the record is added as a sheet)."""
    if _protected(book.api, "ProtectStructure", "protect_structure", book=True):
        return "工作簿结构"
    for sht in (sheet, find_sheet(book, RESULT_SHEET)):
        if sht is not None and _protected(sht.api, "ProtectContents", "protect_contents"):
            return f"工作表“{sht.name}”"
    return None


def _protected(api: Any, com: str, mac: str, book: bool = False) -> bool:
    if isinstance(api, dict):  # the remote engine: what an Office.js client reports
        holder = api.get("book", {}) if book else api
        return bool((holder.get("protection") or {}).get("protected"))
    try:
        value = getattr(api, com)
    except Exception:  # noqa: BLE001 - COM and AppleScript raise their own types
        try:
            value = getattr(api, mac).get()
        except Exception:  # noqa: BLE001
            return False
    return bool(value)


__all__ = [
    "find_sheet",
    "formula_cells",
    "grid_is_empty",
    "looks_on",
    "protection_problem",
    "read_grid_from_sheet",
    "read_ledger",
]
