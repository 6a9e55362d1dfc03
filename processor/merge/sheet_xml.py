"""The long sheets of the summary (项目汇总, 问题清单, 文件清单) written as sheet XML directly.

xlsxwriter lays out the workbook — styles, column widths, headers, filters, frozen
panes, print settings, the chart, the small sheets — but spends some 10 µs of Python on
every cell it writes, more than reading the form cost. So those three sheets get only
their header (and trailing rows) from xlsxwriter, and their body rows are written here,
a few string operations per cell, streamed into the finished package:
:func:`splice` copies xlsxwriter's zip and, for each long sheet, inserts the rows after
the header row and widens the ``<dimension>``.

Cells are written as xlsxwriter writes them in ``constant_memory`` mode (inline strings,
``_xHHHH_`` for control characters, ``xml:space="preserve"`` for edge spaces, text cut
at Excel's 32,767 characters), with one difference: every string is escaped, always.
(xlsxwriter writes a string that starts with ``<r>`` and ends with ``</r>`` unescaped, as
rich text: a project name could inject XML into the summary. Here it is just text.)
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from jixiao.processor.core.grid import col_index, col_letter
from jixiao.processor.core.visible import in_document

MAX_CHARS = 32767
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_NEEDS_WORK = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff&<>]|_x[0-9a-fA-F]{4}_")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_DIMENSION = re.compile(rb'<dimension ref="A1(?::([A-Z]+)([0-9]+))?"/>')
CHUNK_ROWS = 2000  # rows encoded and compressed at a time
COMPRESS_LEVEL = 1  # deflate level: 3× faster than the default 6 on sheet XML, the file some 25 % larger


def text_xml(value: str) -> str:
    """A string as the content of ``<t>``: control, escape and bidi characters shown as
    ``\\uXXXX`` (:func:`in_document`, as in every output), XML escaped."""
    value = in_document(value)
    if len(value) > MAX_CHARS:
        value = value[:MAX_CHARS]
    if _NEEDS_WORK.search(value):
        value = _ESCAPE_LIKE.sub(r"_x005F\1", value)
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


_LETTERS = [col_letter(c) for c in range(1, 65)]


class Tails(dict):
    """Text → what follows ``<c r="…" s="…"`` for it: its inline string (``/>`` when empty).
    A text already met is a plain dict hit (file names, sheet names, codes and fixes repeat
    row after row); a long sheet's hot loop reads ``tails[value]`` inside one f-string a row."""

    __slots__ = ()

    def __missing__(self, value: str) -> str:
        if not value:
            tail = "/>"
        else:
            body = text_xml(value)
            space = ' xml:space="preserve"' if _EDGE_SPACE.search(body) else ""
            tail = f' t="inlineStr"><is><t{space}>{body}</t></is></c>'
        self[value] = tail
        return tail


class Cells:
    """Builds the ``<row>`` elements of one sheet; styles are xf indices (:func:`style`)."""

    __slots__ = ("parts", "row", "tails")

    def __init__(self) -> None:
        self.tails = Tails()
        self.parts: list[str] = []
        self.row = 1

    def start(self, row: int) -> None:
        """Begin worksheet row ``row`` (1-based)."""
        self.row = row
        self.parts.clear()

    def text(self, col: int, value: str, style: int) -> None:
        self.parts.append(f'<c r="{_LETTERS[col]}{self.row}" s="{style}"{self.tails[value]}')

    def number(self, col: int, value: float | int | None, style: int) -> None:
        if value is None:
            self.parts.append(f'<c r="{_LETTERS[col]}{self.row}" s="{style}"/>')
        else:
            self.parts.append(f'<c r="{_LETTERS[col]}{self.row}" s="{style}"><v>{value:.16G}</v></c>')

    def xml(self, height: float | None = None) -> str:
        """The row begun last, as XML; ``height`` in points (wrapped text), else the default."""
        if height is None:
            return f'<row r="{self.row}">{"".join(self.parts)}</row>'
        return f'<row r="{self.row}" ht="{height:g}" customHeight="1">{"".join(self.parts)}</row>'


@dataclass
class Body:
    """The body rows of one sheet: written after its header row."""

    sheet_index: int  # xlsxwriter's worksheet index (0-based): xl/worksheets/sheet{n+1}.xml
    rows: Callable[[], Iterable[str]]  # each a <row> element, rows header_row + 1, … in order
    last_row: int  # the last worksheet row of the sheet once the body is in
    last_col: int  # its last column (1-based)
    header_row: int = 1  # worksheet row (1-based) the body follows; xlsxwriter wrote the rows up to it


def splice(package: bytes, bodies: list[Body], target: str | BinaryIO) -> None:
    """Write ``package`` (xlsxwriter's output) to ``target`` with the bodies inserted."""
    by_part = {f"xl/worksheets/sheet{b.sheet_index + 1}.xml": b for b in bodies}
    import io

    with zipfile.ZipFile(io.BytesIO(package)) as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as out:
        for info in src.infolist():
            data = src.read(info)
            body = by_part.get(info.filename)
            if body is None:
                out.writestr(info, data)
                continue
            head, tail = _split_after_row(data, body.header_row)
            head = _DIMENSION.sub(lambda m, b=body: _dimension(m, b), head, count=1)
            with out.open(_copy_info(info), "w") as fh:
                fh.write(head)
                for chunk in _chunks(body.rows()):
                    fh.write(chunk)
                fh.write(tail)


def _dimension(m: re.Match, body: Body) -> bytes:
    """The sheet's used range, widened to hold the body."""
    col, row = body.last_col, body.last_row
    if m.group(1):
        col, row = max(col, col_index(m.group(1).decode())), max(row, int(m.group(2)))
    return f'<dimension ref="A1:{col_letter(col)}{row}"/>'.encode()


def _split_after_row(xml: bytes, row: int) -> tuple[bytes, bytes]:
    """(everything up to the end of worksheet row ``row``, the rest): the body goes in between."""
    m = re.compile(f'<row r="{row}"[ >]'.encode()).search(xml, xml.index(b"<sheetData"))
    if m is None:
        raise ValueError(f"row {row} not in the sheet")
    end = xml.index(b"</row>", m.start()) + len(b"</row>")
    return xml[:end], xml[end:]


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = zipfile.ZIP_DEFLATED
    new._compresslevel = COMPRESS_LEVEL  # what ZipFile.open(…, "w") compresses with (3.13+: an alias)
    new.external_attr = info.external_attr
    new.create_system = info.create_system
    return new


def _chunks(rows: Iterable[str]) -> Iterator[bytes]:
    buf: list[str] = []
    for row in rows:
        buf.append(row)
        if len(buf) >= CHUNK_ROWS:
            yield "".join(buf).encode("utf-8")
            buf.clear()
    if buf:
        yield "".join(buf).encode("utf-8")


def style(fmt: Any) -> int:
    """The xf index of an xlsxwriter format, once the workbook is closed."""
    return fmt.xf_index if fmt.xf_index is not None else 0
