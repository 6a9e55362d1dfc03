"""Submission text written into an output workbook stays text (no formula injection)."""

from __future__ import annotations

from typing import Any

from jixiao.processor.core.marks import looks_like_formula
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def safe_text(value: Any) -> Any:
    """Strings without the control characters XML cannot hold; other values unchanged."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def set_text(cell: Any, value: Any) -> None:
    """Assign ``value``; a string that looks like a formula stays text (no injection)."""
    value = safe_text(value)
    cell.value = value
    if isinstance(value, str) and looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True
