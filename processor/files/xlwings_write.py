"""The xlwings edge of the add-in: read the sheet, carry out the engine's plan in Excel.

Works with any xlwings engine: Excel on Windows (COM) and macOS (AppleScript) when the
ribbon button runs :func:`jixiao.main`, and xlwings' remote engine in the tests. The
plan (:func:`jixiao.processor.core.plan.build_plan`) is the same one ``jixiao fill``
writes with openpyxl; this module only knows how to do it with few round trips:

- the sheet is read in one bulk read of its used range, the run's record (a very hidden
  sheet) in another; only the cells the plan may change are asked for their number
  format, fill and note (desktop Excel answers; the remote engine cannot, and then a
  fill counts as unknown and a note of the user's is never written over);
- values are written one rectangle per call, fills one rectangle of one colour per call,
  then one call per note;
- the 校验结果 page is one bulk write plus its formatting; links are ``HYPERLINK``
  formulas (one write) rather than one hyperlink call per row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any

from jixiao.processor.core.grid import Grid, MergedRange, addr, col_letter, parse_addr
from jixiao.processor.core.ledger import ANY_MARK, LEDGER_HEADER, CellEntry, Ledger
from jixiao.processor.core.marks import LEDGER_SHEET, MARK_FILL, RESULT_SHEET, looks_like_formula
from jixiao.processor.core.plan import KEEP, CellChange, Look, Plan
from jixiao.processor.core.result_page import HEADER_FILL, LEVEL, Page

XL_SHEET_VERY_HIDDEN = 2
XL_PAPER_A4 = 9
XL_LANDSCAPE = 2
STANDARD_ROW_PT = 14.25


@dataclass(frozen=True)
class Block:
    """A rectangle of cells to write with one call: top-left (row, col) and its rows."""

    row: int
    col: int
    rows: list[list[Any]]
    key: Hashable = None  # number format (values) or fill (marks)

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
    """The record of the last run (one bulk read). A book marked by an older add-in, which
    kept only the 校验结果 sheet, gives the cells that sheet listed (``shown``: the form
    sheet as read, whose values there were written by that click)."""
    sheet = find_sheet(book, LEDGER_SHEET)
    if sheet is not None:
        rows = _bulk(sheet)
        if rows and [str(v) for v in rows[0][: len(LEDGER_HEADER)]] == LEDGER_HEADER:
            return Ledger.from_rows(rows[1:])
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


def _colour(token: str | None) -> str | None:
    """A fill token as xlwings takes it; tokens of theme colours or patterns (written by
    ``jixiao fill``) cannot be set here and fall back to no fill."""
    if token and len(token) == 6 and all(ch in "0123456789ABCDEF" for ch in token.upper()):
        return f"#{token.upper()}"
    return None


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


# --------------------------------------------------------------------------- write


def apply_plan(book: Any, sheet: Any, plan: Plan) -> None:
    """Carry the plan out on ``sheet``, then (re)write 校验结果 and the record; the form
    sheet is activated again at the end, so the user sees the marks."""
    app = book.app
    _quiet(app, False)
    try:
        changes = plan.on(sheet.name)
        write_values(sheet, changes)
        write_fills(sheet, changes)
        write_notes(sheet, changes)
        write_result_page(book, sheet, plan.page)
        write_ledger(book, plan.ledger)
        sheet.activate()
    finally:
        _quiet(app, True)


def _quiet(app: Any, on: bool) -> None:
    try:
        app.screen_updating = on
    except (NotImplementedError, AttributeError):
        pass


def as_text(value: Any) -> Any:
    """A string Excel would parse as a formula gets the apostrophe prefix (stays text)."""
    return "'" + value if looks_like_formula(value) else value


def write_values(sheet: Any, changes: list[CellChange]) -> None:
    values = {parse_addr(c.cell): c.value for c in changes if c.value is not KEEP}
    for block in blocks(values, lambda pos: None):
        sheet.range((block.row, block.col), (block.last_row, block.last_col)).value = \
            [[as_text(v) for v in row] for row in block.rows]
    formats = {parse_addr(c.cell): c.number_format for c in changes
               if c.number_format is not KEEP and c.number_format is not None}
    for block in blocks(formats, formats.__getitem__):
        sheet.range((block.row, block.col), (block.last_row, block.last_col)).number_format = block.key


def write_fills(sheet: Any, changes: list[CellChange]) -> None:
    fills = {parse_addr(c.cell): _colour(c.fill) for c in changes if c.fill is not KEEP}
    for block in blocks(fills, fills.__getitem__):
        sheet.range((block.row, block.col), (block.last_row, block.last_col)).color = block.key


def write_notes(sheet: Any, changes: list[CellChange]) -> None:
    for change in changes:
        if change.note is KEEP:
            continue
        rng = sheet.range(change.cell)
        try:
            existing = rng.note
            if change.note is None:
                if existing is not None:
                    existing.delete()
                continue
            if existing is not None:
                existing.text = change.note
            else:
                rng.add_note(change.note)
        except NotImplementedError:
            return  # this client cannot hold notes; the 校验结果 sheet still lists all
        if change.note_size:
            _size_note(rng, *change.note_size)


def _size_note(rng: Any, width: float, height: float) -> None:
    try:  # desktop Excel: the note's shape, in points
        shape = rng.api.Comment.Shape
        shape.Width, shape.Height = width, height
    except Exception:  # noqa: BLE001 - not available on this engine: Excel's default size
        pass


def write_result_page(book: Any, form: Any, page: Page) -> Any:
    """(Re)write the 校验结果 sheet (right after the form sheet when it is new)."""
    sheet = find_sheet(book, RESULT_SHEET)
    old_last = 0
    if sheet is None:
        sheet = book.sheets.add(RESULT_SHEET, after=form)
    else:
        old_last = sheet.used_range.last_cell.row
        sheet.clear()
    rows = page.rows()
    for (r, c), pc in page.cells.items():
        if pc.link is not None:
            target = pc.link[0].replace("'", "''").replace('"', '""')
            rows[r - 1][c - 1] = f'=HYPERLINK("#\'{target}\'!{pc.link[1]}","{pc.value}")'
        else:
            rows[r - 1][c - 1] = as_text(pc.value)
    width = len(page.widths)
    sheet.range((1, 1), (page.last_row, width)).value = rows
    # one call per run of rows merged over the same columns (Merge Across merges row by row)
    spans = {(r1, c1): (c1, c2) for r1, c1, r2, c2 in page.merges if r1 == r2}
    for block in blocks(spans, spans.__getitem__):
        c1, c2 = block.key
        sheet.range((block.row, c1), (block.last_row, c2)).merge(True)
    for r1, c1, r2, c2 in page.merges:
        if r1 != r2:
            sheet.range((r1, c1), (r2, c2)).merge()
    styles = {pos: pc.style for pos, pc in page.cells.items()}
    fills = {pos: _style_fill(style) for pos, style in styles.items() if _style_fill(style)}
    for block in blocks(fills, fills.__getitem__):
        sheet.range((block.row, block.col), (block.last_row, block.last_col)).color = block.key
    bold = {pos: True for pos, style in styles.items() if style in ("title", "label", "header")}
    for block in blocks(bold, lambda pos: None):
        sheet.range((block.row, block.col), (block.last_row, block.last_col)).font.bold = True
    sheet.range((1, 1), (page.last_row, width)).wrap_text = True
    for col, w in enumerate(page.widths, start=1):
        sheet.range(f"{col_letter(col)}1").column_width = w
    heights = {(r, 1): h for r, h in page.heights.items()}
    for block in blocks(heights, heights.__getitem__):
        sheet.range((block.row, 1), (block.last_row, 1)).row_height = block.key
    if old_last > page.last_row:  # rows of a longer earlier page: back to the standard height
        sheet.range((page.last_row + 1, 1), (old_last, 1)).row_height = STANDARD_ROW_PT
    _print_setup(sheet, page)
    return sheet


def _style_fill(style: str) -> str | None:
    if style == "header":
        return f"#{HEADER_FILL}"
    if style.startswith(LEVEL):
        return f"#{MARK_FILL[style[len(LEVEL):]]}"
    return None


def _print_setup(sheet: Any, page: Page) -> None:
    """A4 landscape, one page wide, the findings header on every page (desktop Excel)."""
    try:
        setup = sheet.api.PageSetup
        setup.PaperSize, setup.Orientation = XL_PAPER_A4, XL_LANDSCAPE
        setup.PrintTitleRows = f"${page.header_row}:${page.header_row}"
        setup.Zoom = False
        setup.FitToPagesWide, setup.FitToPagesTall = 1, False
    except Exception:  # noqa: BLE001 - engines without PageSetup: the page still reads fine
        pass


def write_ledger(book: Any, ledger: Ledger) -> Any:
    """The record sheet, very hidden, at the end of the book."""
    sheet = find_sheet(book, LEDGER_SHEET)
    if sheet is None:
        sheet = book.sheets.add(LEDGER_SHEET, after=book.sheets[len(book.sheets) - 1])
    else:
        sheet.clear()
    rows = [[as_text(v) for v in row] for row in ledger.to_rows()]
    sheet.range((1, 1), (len(rows), len(LEDGER_HEADER))).value = rows
    api = sheet.api
    if not isinstance(api, dict) and hasattr(api, "Visible"):
        api.Visible = XL_SHEET_VERY_HIDDEN  # desktop Excel (COM): not even listed under 取消隐藏
    else:
        sheet.visible = False  # other engines: hidden; every reader skips it by name
    return sheet


__all__ = [
    "Block",
    "apply_plan",
    "as_text",
    "blocks",
    "find_sheet",
    "formula_cells",
    "grid_is_empty",
    "looks_on",
    "protection_problem",
    "read_grid_from_sheet",
    "read_ledger",
    "write_fills",
    "write_ledger",
    "write_notes",
    "write_result_page",
    "write_values",
]
