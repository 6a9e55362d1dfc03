"""The patch: what the engine asks a writer (openpyxl or xlwings) to change.

Built from a record, its scores and its findings by :func:`build_patch`; applied by
``processor.write_openpyxl`` (``jixiao fill``) and ``jixiao.xlwings_adapter`` (add-in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RESULT_SHEET = "校验结果"
RESULT_HEADER = ["序号", "级别", "代码", "工作表", "单元格", "问题", "修改建议"]
# fill colours per severity (ARGB without alpha for xlwings: "#RRGGBB")
SEVERITY_FILL = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}


@dataclass(frozen=True)
class CellValue:
    cell: str  # A1 on the patch's sheet
    value: Any  # float, str or None
    number_format: str | None = None  # e.g. "0.00%", "0.00"


@dataclass(frozen=True)
class Mark:
    cell: str  # A1 (first cell of a range)
    severity: str
    note: str  # the text of the cell note: every finding on this cell, message + fix


@dataclass
class Patch:
    sheet: str
    values: list[CellValue] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    # rows of the 校验结果 sheet (without header); the 5th item (单元格) may be linked
    result_rows: list[list[Any]] = field(default_factory=list)
    summary: str = ""
