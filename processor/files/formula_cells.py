"""Formula cells saved without a cached value (files written by openpyxl and other tools).

python-calamine reads cached values only, so such a cell looks empty and the engine
would report it missing. This module finds them in the sheet XML (after the guard has
refused DOCTYPEs and bombs) so the grid can hold :class:`~jixiao.processor.core.grid.Formula`
there: filled by the form itself, neither missing nor written over.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from html import unescape

_SHEET = re.compile(rb"<sheet\b([^>]*)/?>")
_REL = re.compile(rb"<Relationship\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_VALUE = re.compile(rb"<v\b[^>]*>(.+?)</v>", re.S)


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1]: unescape(v.decode("utf-8", "replace")) for k, v in _ATTR.findall(raw)}


def uncached_formulas(path: str) -> dict[str, dict[str, str]]:
    """Sheet name → {A1: formula} for formula cells that carry no cached value."""
    out: dict[str, dict[str, str]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                return out
            workbook = z.read("xl/workbook.xml")
            rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
            targets = {a.get("Id"): a.get("Target", "") for a in map(_attrs, _REL.findall(rels))}
            for sheet in map(_attrs, _SHEET.findall(workbook)):
                target = targets.get(sheet.get("id"), "")
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                if part not in names:
                    continue
                cells = _scan(z.read(part))
                if cells:
                    out[sheet.get("name", "")] = cells
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    return out


def _scan(xml: bytes) -> dict[str, str]:
    if b"<f" not in xml:
        return {}
    found: dict[str, str] = {}
    for attrs, inner in _CELL.findall(xml):
        if not inner or b"<f" not in inner:
            continue
        value = _VALUE.search(inner)
        if value and value.group(1).strip():
            continue  # cached: calamine reads it
        ref = _attrs(attrs).get("r")
        formula = _FORMULA.search(inner)
        if ref and formula:
            text = unescape((formula.group(1) or b"").decode("utf-8", "replace"))
            found[ref] = "=" + text if text else "=（共享公式）"
    return found
