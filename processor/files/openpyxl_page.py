"""The 校验结果 page and the run's record in openpyxl (``jixiao fill``).

The page's content and layout come from :mod:`jixiao.processor.core.result_page`; this
module only turns its styles into openpyxl fonts and fills and sets up printing: A4
landscape, one page wide, the findings header repeated on every page.
"""

from __future__ import annotations

from copy import copy
from typing import Any

from jixiao.processor.core.grid import addr, col_letter
from jixiao.processor.core.ledger import LEDGER_HEADER, Ledger
from jixiao.processor.core.marks import LEDGER_SHEET, MARK_FILL, RESULT_SHEET
from jixiao.processor.core.result_page import HEADER_FILL, LAST_COL, LEVEL, Page
from jixiao.processor.files.write_text import set_text
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

FONT = "宋体"
_THIN = Side(style="thin", color="FFBFBFBF")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP = Alignment(vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)
_CENTER = Alignment(horizontal="center", vertical="center")
_MIDDLE = Alignment(vertical="center", wrap_text=True)


def _solid(rgb: str) -> PatternFill:
    return PatternFill("solid", fgColor="FF" + rgb)


def _style(cell: Any, style: str, in_table: bool) -> None:
    size = 10.5
    if style == "title":
        cell.font, cell.alignment = Font(name=FONT, size=14, bold=True), Alignment(vertical="center")
        return
    if style == "note":
        cell.font, cell.alignment = Font(name=FONT, size=9, color="FF595959"), _WRAP
        return
    cell.font = Font(name=FONT, size=size, bold=style in ("label", "header"))
    cell.alignment = _WRAP if style == "wrap" else _MIDDLE if style in ("label", "value") else _TOP
    if style == "header":
        cell.fill, cell.alignment = _solid(HEADER_FILL), _CENTER
    elif style.startswith(LEVEL):
        cell.fill = _solid(MARK_FILL[style[len(LEVEL):]])
        cell.alignment = _CENTER if not in_table else _TOP
    elif style == "link":
        cell.font = Font(name=FONT, size=size, color="FF0563C1", underline="single")
    if in_table:
        cell.border = _GRID


def write_result_page(wb: Workbook, page: Page, after: str | None = None) -> Worksheet:
    """(Re)build the 校验结果 sheet where it was, or right after the sheet ``after``."""
    index = None
    if RESULT_SHEET in wb.sheetnames:
        index = wb.sheetnames.index(RESULT_SHEET)
        wb.remove(wb[RESULT_SHEET])
    elif after in wb.sheetnames:
        index = wb.sheetnames.index(after) + 1
    ws = wb.create_sheet(RESULT_SHEET, index)
    # each look is built once and copied: openpyxl hashes a Font/Fill on every assignment,
    # which made a page of 10,000 findings take minutes
    looks: dict[tuple[str, bool], Any] = {}
    for (r, c), pc in sorted(page.cells.items()):
        cell = ws.cell(r, c)
        set_text(cell, pc.value)
        key = (pc.style, r >= page.header_row)
        if key in looks:
            cell._style = copy(looks[key])
        else:
            _style(cell, *key)
            looks[key] = copy(cell._style)
        if pc.link is not None and pc.link[0] in wb.sheetnames:
            quoted = pc.link[0].replace("'", "''")
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{quoted}'!{pc.link[1]}",
                                       display=str(pc.value))
    blank = None
    for r in range(page.header_row + 1, page.last_row + 1):  # table borders on blank cells too
        for c in range(1, LAST_COL + 1):
            if (r, c) in page.cells:
                continue  # styled above, with the border
            cell = ws.cell(r, c)
            if blank is None:
                cell.border = _GRID
                blank = copy(cell._style)
            else:
                cell._style = copy(blank)
    for r1, c1, r2, c2 in page.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for col, width in enumerate(page.widths, start=1):
        ws.column_dimensions[col_letter(col)].width = width
    for r, height in page.heights.items():
        ws.row_dimensions[r].height = height
    ws.freeze_panes = f"A{page.header_row + 1}"
    ws.auto_filter.ref = f"A{page.header_row}:{addr(max(page.last_row, page.header_row + 1), LAST_COL)}"
    ws.print_title_rows = f"{page.header_row}:{page.header_row}"
    ws.print_area = f"A1:{addr(page.last_row, LAST_COL)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5, header=0.3, footer=0.3)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    return ws


def write_ledger(wb: Workbook, ledger: Ledger) -> Worksheet:
    """The record sheet, very hidden, at the end of the book."""
    if LEDGER_SHEET in wb.sheetnames:
        wb.remove(wb[LEDGER_SHEET])
    ws = wb.create_sheet(LEDGER_SHEET)
    ws.sheet_state = "veryHidden"
    for r, row in enumerate(ledger.to_rows(), start=1):
        for c, value in enumerate(row, start=1):
            set_text(ws.cell(r, c), value)
    return ws


def read_ledger(wb: Workbook) -> Ledger | None:
    """The record of the last run, None when the book has none."""
    if LEDGER_SHEET not in wb.sheetnames:
        return None
    ws = wb[LEDGER_SHEET]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    if not rows or list(rows[0][: len(LEDGER_HEADER)]) != LEDGER_HEADER:
        return None
    return Ledger.from_rows(rows[1:])


__all__ = ["read_ledger", "write_ledger", "write_result_page"]
