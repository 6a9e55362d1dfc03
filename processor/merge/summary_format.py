"""Formats and page setup shared by every sheet of the summary workbook.

Printing is part of the product: a finance office prints the summary and files it. Every
sheet is laid out for A4 at a readable size (LibreOffice and Excel both fit it to the
page width; the columns are sized so that this stays at 80 % or more — the tests render
it and measure): a title row, the column headers repeated on every page, a header with
the department and the summary's date, a footer with 第 N 页，共 M 页. Columns a reader
does not need on paper (source file, sheet, hash, sizes) sit to the right of the print
area, still in the workbook for filters and look-ups.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from jixiao.processor.core.values import text_cache
from jixiao.processor.core.visible import in_document

MONEY = "#,##0.00"
PERCENT = "0.00%"
SCORE = "0.00"
INVALID_SCORE = '0.00"(无效)"'  # a number that is no score (weights ≠ 100, over 100): never looks like one
BASE = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
LINE_PT = 13.5  # one line of 10-pt 宋体
A4 = 9


class Formats:
    def __init__(self, wb) -> None:
        self.head = wb.add_format({**BASE, "bold": True, "bg_color": "#DDEBF7", "border": 1,
                                   "align": "center", "text_wrap": True})
        self.text = wb.add_format({**BASE})
        self.indented = wb.add_format({**BASE, "indent": 1})  # text right of a right-aligned figure
        self.wrap = wb.add_format({**BASE, "text_wrap": True})
        self.money = wb.add_format({**BASE, "num_format": MONEY})
        self.pct = wb.add_format({**BASE, "num_format": PERCENT})
        self.score = wb.add_format({**BASE, "num_format": SCORE})
        self.bad_score = wb.add_format({**BASE, "num_format": INVALID_SCORE, "font_color": "#C00000",
                                        "italic": True})
        self.int = wb.add_format({**BASE, "num_format": "0"})
        self.title = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True, "valign": "vcenter"})
        self.h2 = wb.add_format({"font_name": "黑体", "font_size": 12, "bold": True, "valign": "vcenter"})
        self.note = wb.add_format({**BASE, "font_color": "#404040", "text_wrap": True, "valign": "top"})
        self.total_text = wb.add_format({**BASE, "bold": True, "top": 1})
        self.total_money = wb.add_format({**BASE, "bold": True, "top": 1, "num_format": MONEY})
        self.total_int = wb.add_format({**BASE, "bold": True, "top": 1, "num_format": "0"})
        self.total_score = wb.add_format({**BASE, "bold": True, "top": 1, "num_format": SCORE})
        self.para = wb.add_format({"font_name": "仿宋", "font_size": 12, "text_wrap": True, "valign": "top"})
        self.bad = wb.add_format({**BASE, "font_color": "#C00000", "bold": True})
        self.bad_wrap = wb.add_format({**BASE, "font_color": "#C00000", "bold": True, "text_wrap": True})
        self.good = wb.add_format({**BASE, "font_color": "#375623"})

    def spliced(self) -> tuple:
        """The formats the streamed rows use: registered before the workbook closes
        (xlsxwriter only numbers the formats its own cells use)."""
        return (self.text, self.wrap, self.int, self.money, self.pct, self.score, self.bad_score, self.bad,
                self.bad_wrap, self.good)


def put(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """Numbers as numbers, everything else as text (never a formula); for the small sheets."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        text(ws, row, col, str(value), fmt)


def text(ws, row: int, col: int, value: str, fmt=None) -> None:
    """Text as text (the workbook is :func:`~jixiao.processor.files.xlsx_out.output_workbook`:
    never a formula or rich-text XML, control and bidi characters shown escaped)."""
    ws.write_string(row, col, value, fmt)


def title_row(ws, f: Formats, title: str, last_col: int, row: int = 0) -> None:
    """The sheet's title across the printed columns."""
    if last_col > 0:
        ws.merge_range(row, 0, row, last_col, "", f.title)
    text(ws, row, 0, title, f.title)
    ws.set_row(row, 24)


def header(ws, f: Formats, row: int, columns: list[tuple[str, float]], *, repeat: bool = True) -> None:
    """Column headers on ``row`` (0-based), repeated on every printed page unless ``repeat`` is
    False (a table that is not the last thing on its sheet: its header would stand over the rest)."""
    for c, (name, width) in enumerate(columns):
        ws.write_string(row, c, name, f.head)
        ws.set_column(c, c, width)
    ws.set_row(row, max(30, row_height(max(lines_needed(name, width) for name, width in columns))))
    if repeat:
        ws.repeat_rows(row)


WIDE = 1.9  # a 10-pt CJK character in Excel's width units (13.3 px against a 7-px digit)


def display_width(value: str) -> float:
    """Width in Excel's character units: a CJK character takes some two. Counted from the
    UTF-8 length (CJK characters and full-width punctuation take three bytes, ASCII one):
    a row of a million-row sheet cannot afford a Unicode look-up per character."""
    n = len(value)
    wide = (len(value.encode("utf-8", "surrogatepass")) - n) / 2
    return n + (WIDE - 1) * wide


@text_cache(maxsize=8192)
def lines_needed(value: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` characters needs for ``value`` (Excel wraps a little
    early, at the cell's padding: half a unit is kept free)."""
    if not value:
        return 1
    usable = max(width - 0.5, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in value.split("\n"))


MAX_ROW_PT = 409  # Excel's tallest row


def row_height(lines: int) -> float:
    return min(round(lines * LINE_PT + 3, 1), MAX_ROW_PT)


def _escape(value: str) -> str:
    return value.replace("&", "&&")


def page_setup(ws, *, landscape: bool, department: str, on: date | None, print_cols: int,
               last_row: int | None = None) -> None:
    """A4, fitted to the page width, header (department, sheet, date) and footer (page numbers).

    ``print_cols``: how many columns from A print; ``last_row`` (0-based) bounds the print area."""
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    when = f"汇总日期：{on.year}年{on.month}月{on.day}日" if on else ""
    ws.set_header(f'&L&"宋体"&9{_escape(in_document(department[:60]))}&C&"黑体"&11&A&R&"宋体"&9{when}', {"margin": 0.3})
    ws.set_footer('&C&"宋体"&9第 &P 页，共 &N 页', {"margin": 0.3})
    if last_row is not None and print_cols > 0:
        ws.print_area(0, 0, last_row, print_cols - 1)
