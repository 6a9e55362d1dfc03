"""The xlsxwriter workbook every jixiao output is written with (summary, 年度对比).

Project, unit and file names in these workbooks were typed by strangers. The workbook made
here writes every string the same way, whichever call wrote it (``write_string``,
``write``, ``merge_range``):

- as text, never as a formula, a link or a number;
- with control, escape and bidi characters shown as ``\\uXXXX`` (:func:`in_document`, the
  helper the CSV and the terminal use): a U+202E in a project name cannot reverse the
  cell (``报表<U+202E>xcod.exe`` shown as ``报表exe.docx``);
- a string that starts with ``<r>`` and ends with ``</r>``, which xlsxwriter would copy
  into the package unescaped as rich text (XML injection), goes in as plain runs.

Its worksheets also write the three cells nearly all of ours are (a shared string, a number,
a blank) in one f-string each, the very XML xlsxwriter's own ``_write_cell`` writes through
attribute lists and escaping of a cell reference and a style number that never need it
(``tests/test_xlsx_out.py`` holds the two to the same bytes); other cells go to xlsxwriter.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import xlsxwriter
from jixiao.processor.core.visible import in_document
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


class _TextSheet(Worksheet):
    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        string = in_document(string)
        if string.startswith("<r>") and string.endswith("</r>"):  # three runs: a format is optional
            runs = (string[:1], string[1:-2], string[-2:], *((cell_format,) if cell_format is not None else ()))
            return self._write_rich_string(row, col, *runs)
        return super()._write_string(row, col, string, cell_format)

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        kind = type(cell)
        if kind is CellStringTuple and not self.constant_memory:  # .string: the shared string's index
            self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}"{self._style(row, col, cell)} t="s">'
                          f"<v>{cell.string}</v></c>")
        elif kind is CellNumberTuple:
            self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}"{self._style(row, col, cell)}>'
                          f"<v>{cell.number:.16G}</v></c>")
        elif kind is CellBlankTuple:
            self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}"{self._style(row, col, cell)}/>')
        else:
            super()._write_cell(row, col, cell)

    def _style(self, row: int, col: int, cell: Any) -> str:
        """The cell's ``s`` attribute, chosen as xlsxwriter chooses it: the cell's format, else
        its row's, else its column's."""
        if cell.format:
            return f' s="{cell.format._get_xf_index()}"'
        info = self.row_info.get(row)
        if info is not None and info.row_format:
            return f' s="{info.row_format._get_xf_index()}"'
        column = self.col_info.get(col)
        if column is not None and column.column_format is not None:
            return f' s="{column.column_format._get_xf_index()}"'
        return ""


class _Book(xlsxwriter.Workbook):
    worksheet_class = _TextSheet


def output_workbook(target: str | BinaryIO, **options: Any) -> xlsxwriter.Workbook:
    """A new workbook writing to ``target`` (in memory: the caller writes it atomically)."""
    return _Book(target, {"in_memory": True, **OPTIONS, **options})
