"""Put cached values back into the formula cells of an .xlsx written by openpyxl.

openpyxl writes every formula cell without its last computed value (``<f>…</f><v/>``).
Excel and LibreOffice recalculate on open, but readers that cannot evaluate formulas
(python-calamine, hence ``jixiao check`` and ``jixiao merge``) would then see those
cells as blank. :func:`fill_cached_values` rewrites the worksheet parts of the package
so each listed formula cell carries a value again.

It works on openpyxl's own output, whose cell markup is regular: ``<c r="A1" …>``, the
formula, then an empty ``<v/>``; cells that are not listed or not formulas are copied
byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

from openpyxl.utils.datetime import to_excel

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})

# a non-empty cell element: <c …>…</c> (self-closing <c …/> cells hold nothing)
_CELL_RE = re.compile(rb"<c\b([^>]*?)(?<!/)>(.*?)</c>", re.S)
_REF_RE = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_TYPE_RE = re.compile(rb'\s+t="[^"]*"')
_EMPTY_V_RE = re.compile(rb"<v\s*/>|<v>\s*</v>")


def sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name → part name inside the package (e.g. ``xl/worksheets/sheet1.xml``)."""
    book = ET.fromstring(package.read("xl/workbook.xml"))
    rels = ET.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[rel.get("Id")] = part
    out = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        part = targets.get(sheet.get(f"{_NS_REL}id") or "")
        if part:
            out[sheet.get("name") or ""] = part
    return out


def encode_value(value: Any, epoch: dt.datetime | None = None) -> tuple[str | None, str] | None:
    """(``t`` attribute or None for numbers, text of ``<v>``); None when nothing to cache."""
    if value is None or isinstance(value, str) and value == "":
        return None
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, (int, float)):
        return None, repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        serial = to_excel(value, epoch) if epoch is not None else to_excel(value)
        return None, repr(float(serial))
    text = str(value)
    if text in EXCEL_ERRORS:
        return "e", text
    return "str", text


def _xml_text(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def fill_sheet_xml(xml: bytes, values: Mapping[str, Any], epoch: dt.datetime | None = None) -> bytes:
    """Give each formula cell of ``values`` (A1 → value) its cached ``<v>``."""
    if not values:
        return xml

    def repl(match: re.Match[bytes]) -> bytes:
        attrs, body = match.group(1), match.group(2)
        if b"<f" not in body:
            return match.group(0)
        ref = _REF_RE.search(attrs)
        if ref is None or ref.group(1).decode() not in values:
            return match.group(0)
        encoded = encode_value(values[ref.group(1).decode()], epoch)
        if encoded is None or not _EMPTY_V_RE.search(body):
            return match.group(0)
        kind, text = encoded
        attrs = _TYPE_RE.sub(b"", attrs)
        if kind:
            attrs += f' t="{kind}"'.encode()
        body = _EMPTY_V_RE.sub(lambda _m: b"<v>" + _xml_text(text) + b"</v>", body, count=1)
        return b"<c" + attrs + b">" + body + b"</c>"

    return _CELL_RE.sub(repl, xml)


def fill_cached_values(data: bytes, values: Mapping[str, Mapping[str, Any]],
                       epoch: dt.datetime | None = None) -> bytes:
    """Return the package ``data`` with cached values for formula cells.

    ``values`` maps a worksheet name to {A1 address: value}; numbers, booleans, text,
    dates and Excel error literals (``#DIV/0!`` …) are understood. Members are written
    in their original order with their original compression.
    """
    wanted = {name: cells for name, cells in values.items() if cells}
    if not wanted:
        return data
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {part: wanted[name] for name, part in sheet_parts(src).items() if name in wanted}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in parts:
                body = fill_sheet_xml(body, parts[info.filename], epoch)
            dst.writestr(info, body, compress_type=info.compress_type)
    src.close()
    return out.getvalue()
