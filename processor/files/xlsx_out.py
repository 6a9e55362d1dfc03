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
"""

from __future__ import annotations

from typing import Any, BinaryIO

import xlsxwriter
from jixiao.processor.core.visible import in_document
from xlsxwriter.worksheet import Worksheet

OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


class _TextSheet(Worksheet):
    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        string = in_document(string)
        if string.startswith("<r>") and string.endswith("</r>"):  # three runs: a format is optional
            runs = (string[:1], string[1:-2], string[-2:], *((cell_format,) if cell_format is not None else ()))
            return self._write_rich_string(row, col, *runs)
        return super()._write_string(row, col, string, cell_format)


class _Book(xlsxwriter.Workbook):
    worksheet_class = _TextSheet


def output_workbook(target: str | BinaryIO, **options: Any) -> xlsxwriter.Workbook:
    """A new workbook writing to ``target`` (in memory: the caller writes it atomically)."""
    return _Book(target, {"in_memory": True, **OPTIONS, **options})
