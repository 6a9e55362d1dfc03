"""Formula cells saved without a cached value (files written by openpyxl and other tools).

python-calamine reads cached values only, so such a cell looks empty and the engine
would report it missing. The grid holds :class:`~jixiao.processor.core.grid.Formula`
there instead: filled by the form itself, neither missing nor written over.

They are found by the guard, in its one pass over each worksheet (the fast scan of
:mod:`jixiao.processor.files.guard.sheet_scan`, or the exact expat pass of
:class:`jixiao.processor.files.guard.xlsx_parts._Sheet`; ``GuardReport.formulas``), so
the package is not opened twice. This module reads them on its own only for a file the
guard could not name the sheets of, and for callers holding a sheet's XML: the same
expat handlers (C, one pass, linear in the size of the part whatever it holds); no
regular expression looks at submitted XML here.
"""

from __future__ import annotations

import zipfile

from jixiao.processor.files.guard.limits import Limits
from jixiao.processor.files.guard.workbook_xml import sheet_parts
from jixiao.processor.files.guard.xlsx_parts import Package, XmlPart

_WORKBOOK, _WORKBOOK_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
_PART = "sheet.xml"


def uncached_formulas(path: str) -> dict[str, dict[str, str]]:
    """Sheet name → {A1: formula} for formula cells that carry no cached value."""
    out: dict[str, dict[str, str]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if _WORKBOOK not in names:
                return out
            rels = z.read(_WORKBOOK_RELS) if _WORKBOOK_RELS in names else b""
            for sheet, part in sheet_parts(z.read(_WORKBOOK), rels):
                if part not in names:
                    continue
                cells = scan_sheet(z.read(part))
                if cells:
                    out[sheet] = cells
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return {}
    return out


def scan_sheet(xml: bytes) -> dict[str, str]:
    """{A1: formula} of the formula cells without a cached value in one worksheet part
    ({} when the part is no worksheet or the guard would refuse it)."""
    pkg = Package(Limits())
    try:
        XmlPart(pkg, _PART, len(xml)).feed(xml, final=True)
    except Exception:  # noqa: BLE001 - a refusal or a parse error: the guard refuses such files anyway
        return {}
    return pkg.formulas.get(_PART, {})
