"""What a user sees in a workbook, as one comparable value (for idempotency tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jixiao.processor.files.cell_marks import fill_tag
from openpyxl import load_workbook


def snapshot(path: Path) -> dict[str, Any]:
    """Everything a user sees: values, fills, notes, formats of every sheet, and the
    structure that must survive (merged cells, validation, widths, print setup)."""
    wb = load_workbook(path)
    out: dict[str, Any] = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and c.comment is None and not c.fill.fill_type:
                    continue
                link = c.hyperlink.location if c.hyperlink is not None else None
                cells[c.coordinate] = (c.value, c.data_type, fill_tag(c.fill), c.number_format,
                                       c.comment.text if c.comment else None,
                                       c.comment.author if c.comment else None, link)
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validation": sorted((str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation),
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
            "print": (ws.print_area, ws.page_setup.orientation),
        }
    return out


def findings_table(ws) -> list[tuple[int, tuple]]:
    """The findings table of a 校验结果 sheet: (row number, values) below its header row."""
    from jixiao.processor.core.result_page import RESULT_HEADER

    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if list(r[: len(RESULT_HEADER)]) == RESULT_HEADER)
    return [(start + 2 + k, tuple(r[: len(RESULT_HEADER)])) for k, r in enumerate(rows[start + 1:])
            if any(v is not None for v in r)]


def expected_mark(findings, written: bool) -> str:
    """The fill a cell must carry: the computed look where jixiao wrote, else the worst severity."""
    from jixiao.processor.core.marks import COMPUTED, MARK_FILL, worst

    return MARK_FILL[COMPUTED] if written else MARK_FILL[worst(f.severity for f in findings)]
