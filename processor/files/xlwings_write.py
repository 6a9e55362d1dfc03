"""The xlwings edge of the add-in, writing: carry out the engine's plan in Excel.

Works with any xlwings engine: Excel on Windows (COM) and macOS (AppleScript) when the
ribbon button runs :func:`jixiao.main`, and xlwings' remote engine in the tests. The
plan (:func:`jixiao.processor.core.plan.build_plan`) is the same one ``jixiao fill``
writes with openpyxl; this module only knows how to do it with few round trips (the
reading side is :mod:`jixiao.processor.files.xlwings_read`):

- values are written one rectangle per call, fills one rectangle of one colour per call,
  then one call per note;
- the 校验结果 page is one bulk write plus its formatting; links are ``HYPERLINK``
  formulas (one write) rather than one hyperlink call per row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from jixiao.processor.core.grid import col_letter, parse_addr
from jixiao.processor.core.ledger import LEDGER_HEADER, Ledger
from jixiao.processor.core.marks import LEDGER_SHEET, MARK_FILL, RESULT_SHEET, looks_like_formula
from jixiao.processor.core.plan import KEEP, CellChange, Plan
from jixiao.processor.core.result_page import HEADER_FILL, LEVEL, Page
from jixiao.processor.files.xlwings_read import find_sheet

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


def _colour(token: str | None) -> str | None:
    """A fill token as xlwings takes it; tokens of theme colours or patterns (written by
    ``jixiao fill``) cannot be set here and fall back to no fill."""
    if token and len(token) == 6 and all(ch in "0123456789ABCDEF" for ch in token.upper()):
        return f"#{token.upper()}"
    return None


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
    "write_fills",
    "write_ledger",
    "write_notes",
    "write_result_page",
    "write_values",
]
