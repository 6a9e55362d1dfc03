"""Formula cells saved without a cached value (files written by openpyxl and other tools).

python-calamine reads cached values only, so such a cell looks empty and the engine
would report it missing. This module finds them in the sheet XML (after the guard has
refused DTDs, bombs and oversized parts) so the grid can hold
:class:`~jixiao.processor.core.grid.Formula` there: filled by the form itself, neither
missing nor written over.

The XML is read with expat, the guard's own parser (C, one pass, linear in the size of
the part whatever it holds: tens of thousands of nested or unclosed ``<c`` tags cost
what their bytes cost); no regular expression looks at submitted XML here.
"""

from __future__ import annotations

import zipfile
from xml.parsers import expat

from jixiao.processor.files.guard.xlsx_parts import local, new_parser, sheet_parts

_WORKBOOK, _WORKBOOK_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"


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


class _Cells:
    """expat handlers: the current cell's reference, formula text and value text."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}
        self.ref: str | None = None
        self.formula: list[str] | None = None  # None: the cell has no <f>
        self.value: list[str] = []
        self.into: list[str] | None = None  # where character data goes now

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "c":
            self.ref, self.formula, self.value, self.into = attrs.get("r"), None, [], None
        elif tag == "f":
            self.formula = []
            self.into = self.formula
        elif tag == "v":
            self.into = self.value

    def end(self, name: str) -> None:
        tag = local(name)
        if tag in ("f", "v"):
            self.into = None
        elif tag == "c":
            if self.ref and self.formula is not None and not "".join(self.value).strip():
                text = "".join(self.formula)
                self.found[self.ref] = "=" + text if text else "=（共享公式）"
            self.ref, self.formula, self.into = None, None, None

    def chars(self, data: str) -> None:
        if self.into is not None:
            self.into.append(data)


def scan_sheet(xml: bytes) -> dict[str, str]:
    """{A1: formula} of the formula cells without a cached value in one worksheet part."""
    if b"<f" not in xml and b":f" not in xml:
        return {}
    cells = _Cells()
    parser = new_parser()
    parser.StartElementHandler = cells.start
    parser.EndElementHandler = cells.end
    parser.CharacterDataHandler = cells.chars
    try:
        parser.Parse(xml, True)
    except expat.ExpatError:
        return {}
    except Exception:  # noqa: BLE001 - a DTD stops the parser; the guard refused such files anyway
        return {}
    return cells.found
