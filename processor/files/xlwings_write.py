"""The xlwings edge: read a sheet into a grid, apply a patch to the open workbook.

Works with any xlwings engine: Excel on Windows (COM) and macOS (AppleScript) when the
ribbon button runs :func:`jixiao.main`, and xlwings' remote engine in the tests. Every
call to Excel is a round trip, so the sheet is read in one bulk read of its used range
and the patch is written in blocks: one values write per contiguous rectangle, one
colour per contiguous run of one severity, then one note per marked cell.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from jixiao.processor.core.findings import SEVERITY_CN
from jixiao.processor.core.grid import Grid, MergedRange, addr, parse_addr
from jixiao.processor.core.patch import (
    RESULT_HEADER,
    RESULT_SHEET,
    SEVERITY_FILL,
    Patch,
    looks_like_formula,
    originals_from_rows,
)

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_SEVERITY_FROM_CN = {cn: sev for sev, cn in SEVERITY_CN.items()}
HEADER_FILL = "#D9D9D9"
NO_FINDINGS = "未发现问题。"


@dataclass(frozen=True)
class Block:
    """A rectangle of cells to write with one call: top-left (row, col) and its rows."""

    row: int
    col: int
    rows: list[list[Any]]
    key: Hashable = None  # number format (values) or severity (marks)

    @property
    def last_row(self) -> int:
        return self.row + len(self.rows) - 1

    @property
    def last_col(self) -> int:
        return self.col + len(self.rows[0]) - 1


def blocks(cells: dict[tuple[int, int], Any], key: Callable[[tuple[int, int]], Hashable]) -> list[Block]:
    """Group cells into rectangles of equal ``key``: horizontal runs, then stacked.

    ``cells`` maps (row, col) → value. Runs of adjacent columns on one row form a run;
    runs with the same columns and key on consecutive rows form one rectangle.
    """
    runs: list[tuple[int, int, int, Hashable, list[Any]]] = []  # row, col, last_col, key, values
    for (row, col) in sorted(cells):
        k = key((row, col))
        if runs and runs[-1][0] == row and runs[-1][2] == col - 1 and runs[-1][3] == k:
            r, c, _, _, vals = runs[-1]
            vals.append(cells[(row, col)])
            runs[-1] = (r, c, col, k, vals)
        else:
            runs.append((row, col, col, k, [cells[(row, col)]]))
    out: list[Block] = []
    open_blocks: dict[tuple[int, int, Hashable], Block] = {}
    for row, col, last_col, k, vals in runs:
        ident = (col, last_col, k)
        prev = open_blocks.get(ident)
        if prev is not None and prev.last_row == row - 1:
            prev.rows.append(vals)
        else:
            block = Block(row, col, [vals], k)
            open_blocks[ident] = block
            out.append(block)
    return sorted(out, key=lambda b: (b.row, b.col))


# --------------------------------------------------------------------------- read


def read_grid_from_sheet(sheet: Any) -> Grid:
    """The sheet's used range as a :class:`Grid`, in one bulk read.

    Merged ranges are included when the engine delivers them with the sheet's data
    (a ``merged_ranges`` list of A1 addresses in the remote engine's payload); xlwings
    0.37 does not, and reading them cell by cell from Excel would cost one call per
    cell, so the grid then has none.
    """
    used = sheet.used_range
    values = used.options(ndim=2).value
    rows = [[_clean(v) for v in row] for row in (values or [[]])]
    return Grid(
        sheet=sheet.name,
        rows=rows,
        origin_row=used.row,
        origin_col=used.column,
        merged=_merged_ranges(sheet),
    )


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


def previous_result_rows(book: Any) -> list[list[Any]]:
    """The rows (header left out) of an existing 校验结果 sheet, in one bulk read."""
    result_sheet = _find_sheet(book, RESULT_SHEET)
    if result_sheet is None:
        return []
    return [list(r) for r in (result_sheet.used_range.options(ndim=2).value or [])[1:]]


def previous_originals(book: Any, sheet_name: str, rows: list[list[Any]] | None = None) -> dict[str, str]:
    """The 原填写值 an earlier click recorded on the 校验结果 sheet, for ``restore_originals``."""
    return originals_from_rows(previous_result_rows(book) if rows is None else rows, sheet_name)


def grid_is_empty(grid: Grid) -> bool:
    return not any(v not in (None, "") for row in grid.rows for v in row)


# --------------------------------------------------------------------------- write


def apply_patch(book: Any, sheet: Any, patch: Patch, old_rows: list[list[Any]] | None = None) -> None:
    """Write ``patch`` into ``sheet`` of ``book`` and (re)build the 校验结果 sheet.

    Order: computed values (one write per rectangle, number format per rectangle),
    clearing the marks of the previous run, fills, notes, then the result sheet.
    The form sheet is activated again at the end, so the user sees the marks.
    """
    app = book.app
    try:
        app.screen_updating = False
    except (NotImplementedError, AttributeError):
        pass
    try:
        write_values(sheet, patch)
        result_sheet = _find_sheet(book, RESULT_SHEET)
        if old_rows is None:  # the caller has usually read them already
            old_rows = previous_result_rows(book)
        previous = _marked_cells(old_rows, sheet.name)
        write_marks(sheet, patch, previous)
        sheet_col = RESULT_HEADER.index("工作表")
        # the rows of the other form sheets stay (with their 原填写值): one 校验结果 for the book
        others = [list(r) for r in old_rows if len(r) > sheet_col and r[sheet_col] not in (None, "", sheet.name)]
        write_result_sheet(book, sheet, patch, result_sheet, others)
        sheet.activate()
    finally:
        try:
            app.screen_updating = True
        except (NotImplementedError, AttributeError):
            pass


def write_values(sheet: Any, patch: Patch) -> None:
    cells: dict[tuple[int, int], Any] = {}
    formats: dict[tuple[int, int], str | None] = {}
    for cv in patch.values:
        pos = parse_addr(cv.cell.split(":")[0])
        cells[pos] = cv.value
        formats[pos] = cv.number_format
    for block in blocks(cells, formats.__getitem__):
        rng = sheet.range((block.row, block.col), (block.last_row, block.last_col))
        rng.value = block.rows
        if block.key:
            rng.number_format = block.key


def _mark_positions(patch: Patch) -> dict[tuple[int, int], tuple[str, str]]:
    """(row, col) → (severity, note); the most severe mark wins, notes are joined."""
    out: dict[tuple[int, int], tuple[str, str]] = {}
    for mark in patch.marks:
        pos = parse_addr(mark.cell.split(":")[0])
        if pos in out:
            severity, note = out[pos]
            if _SEVERITY_ORDER.get(mark.severity, 9) < _SEVERITY_ORDER.get(severity, 9):
                severity = mark.severity
            out[pos] = (severity, note if mark.note in note else f"{note}\n{mark.note}")
        else:
            out[pos] = (mark.severity, mark.note)
    return out


def write_marks(sheet: Any, patch: Patch, previous: Iterable[tuple[int, int]] = ()) -> None:
    marks = _mark_positions(patch)
    # cells marked by the previous run and fine now: drop their fill and note
    stale = {pos: None for pos in previous if pos not in marks}
    for block in blocks(stale, lambda pos: None):
        sheet.range((block.row, block.col), (block.last_row, block.last_col)).color = None
    for pos in sorted(stale):
        note = _note(sheet.range(pos))
        if note is not None:
            note.delete()

    severities = {pos: sev for pos, (sev, _) in marks.items()}
    for block in blocks(severities, severities.__getitem__):
        fill = SEVERITY_FILL.get(str(block.key))
        if fill:
            rng = sheet.range((block.row, block.col), (block.last_row, block.last_col))
            rng.color = f"#{fill}"
    for pos, (_, text) in sorted(marks.items()):
        if not text:
            continue
        rng = sheet.range(pos)
        try:
            existing = _note(rng)
            if existing is not None:
                existing.text = text
            else:
                rng.add_note(text)
        except NotImplementedError:
            return  # this client cannot hold notes; the 校验结果 sheet still lists all


def _note(rng: Any) -> Any:
    try:
        return rng.note
    except NotImplementedError:
        return None


def _find_sheet(book: Any, name: str) -> Any:
    for sht in book.sheets:
        if sht.name == name:
            return sht
    return None


def _marked_cells(rows: list[list[Any]], sheet_name: str) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    sheet_col, cell_col = RESULT_HEADER.index("工作表"), RESULT_HEADER.index("单元格")
    for row in rows:
        if len(row) <= cell_col or row[sheet_col] != sheet_name or not row[cell_col]:
            continue
        try:
            out.add(parse_addr(str(row[cell_col]).split(":")[0].replace("$", "")))
        except ValueError:
            continue
    return out


def as_text(value: Any) -> Any:
    """A string Excel would parse as a formula gets the apostrophe prefix (stays text)."""
    if looks_like_formula(value):
        return "'" + value
    return value


def result_rows(patch: Patch, sheet_name: str, others: list[list[Any]] = ()) -> list[list[Any]]:
    """The 校验结果 table (header first): the other sheets' rows kept from before, then this
    sheet's; 单元格 becomes a link to the cell; 序号 runs through."""
    rows: list[list[Any]] = [list(RESULT_HEADER)]
    cell_col, sheet_col = RESULT_HEADER.index("单元格"), RESULT_HEADER.index("工作表")
    for raw in [*others, *patch.result_rows]:
        row = list(raw) + [None] * (len(RESULT_HEADER) - len(raw))
        cell, target = row[cell_col], row[sheet_col] or sheet_name
        row = [as_text(v) for v in row]  # submission text never becomes a formula
        if cell:
            quoted = str(target).replace("'", "''").replace('"', '""')
            row[cell_col] = f'=HYPERLINK("#\'{quoted}\'!{cell}","{cell}")'
        rows.append(row[: len(RESULT_HEADER)])
    for i, row in enumerate(rows[1:], start=1):
        row[0] = i
    if len(rows) == 1:
        at = RESULT_HEADER.index("问题")
        rows.append([None] * at + [NO_FINDINGS] + [None] * (len(RESULT_HEADER) - at - 1))
    return rows


def write_result_sheet(book: Any, sheet: Any, patch: Patch, existing: Any = None,
                       others: list[list[Any]] = ()) -> Any:
    """(Re)write the 校验结果 sheet after the form sheet; returns it."""
    if existing is not None:
        existing.clear()
        result = existing
    else:
        result = book.sheets.add(RESULT_SHEET, after=sheet)
    rows = result_rows(patch, sheet.name, others)
    width = len(RESULT_HEADER)
    result.range((1, 1), (len(rows), width)).value = rows
    header = result.range((1, 1), (1, width))
    header.font.bold = True
    header.color = HEADER_FILL
    level_col = RESULT_HEADER.index("级别")
    levels = {
        (r + 1, level_col + 1): _SEVERITY_FROM_CN.get(str(row[level_col]), row[level_col])
        for r, row in enumerate(rows)
        if r > 0 and row[level_col]
    }
    for block in blocks(levels, levels.__getitem__):
        fill = SEVERITY_FILL.get(str(block.key))
        if fill:
            result.range((block.row, block.col), (block.last_row, block.last_col)).color = f"#{fill}"
    result.range((1, 1), (len(rows), width)).columns.autofit()
    return result


__all__ = [
    "Block",
    "apply_patch",
    "blocks",
    "grid_is_empty",
    "previous_result_rows",
    "read_grid_from_sheet",
    "formula_cells",
    "previous_originals",
    "result_rows",
    "write_marks",
    "write_result_sheet",
    "write_values",
]
