"""Round two of the hostile workbook corpus (issue 11): attacks that got past the first guard.

Called by :func:`hostile_corpus.build_corpus`; each item is written by code (no committed
binaries) and registered with the outcome the guard must give: ``"ok"`` or the
catalogue code it refuses with. Each one is small on disk and what it attacks is named
in its comment: what python-calamine or openpyxl would allocate, how long they would
hang, or what a copy written by ``fill`` would carry.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

from hostile_corpus import (
    EXTERNAL_LINK,
    EXTERNAL_LINK_RELS,
    RawMember,
    _raw_from_zip,
    _repeated_deflate,
    _rewrite,
    _shared_strings,
    write_minimal_form_xls,
    write_raw_zip,
)

NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET = "xl/worksheets/sheet1.xml"
#: Text that would take over a terminal: retitle the window, clear the screen, move the
#: cursor up over earlier lines, reverse what follows (U+202E), a C1 CSI.
TERMINAL_ATTACK = "项目\x1b]0;pwned\x07\x1b[2J\x1b[1A\r\u202etxt.exe\x9b31m"

Item = Callable[[str, str], Path]


def add_round_two(directory: Path, item: Item, base: Path, parts: dict[str, bytes]) -> None:
    sheet = parts[SHEET]

    # --- the used rectangle, however the far cell is written (calamine aborts: ~0.5 TB) ---
    far_prefixed = (HEAD + b'<x:worksheet xmlns:x="' + NS + b'"><x:sheetData>'
                    b'<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row>'
                    b'<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
                    b"</x:sheetData></x:worksheet>")
    _rewrite(base, item("far_cell_prefixed.xlsx", "J538"), replace={SHEET: far_prefixed})
    _rewrite(base, item("far_cells_without_r.xlsx", "J538"), replace={SHEET: sheet.replace(
        b"</sheetData>", b'<row r="1048576">' + b"<c><v>1</v></c>" * 5 + b"</row></sheetData>")})
    # a row of 16,384 cells without r, then one far row: columns counted by position
    _rewrite(base, item("far_columns_without_r.xlsx", "J538"), replace={SHEET: sheet.replace(
        b"</sheetData>", b'<row r="300">' + b"<c><v>1</v></c>" * 16_384 + b"</row></sheetData>")})

    # --- more cells than fill (openpyxl, one object per cell, read twice) handles in 60 s ---
    cols = "ABCDEFGHIJ"
    many = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d"/>' % (c.encode(), r) for c in cols) + b"</row>"
                    for r in range(100, 31_100))
    _rewrite(base, item("many_cells.xlsx", "J537"), replace={SHEET: sheet.replace(b"</sheetData>", many + b"</sheetData>")})

    # --- counts calamine allocates for before reading -------------------------------------
    sst = HEAD + b'<sst xmlns="' + NS + b'" count="1" uniqueCount="4000000000"><si><t>x</t></si></sst>'
    _rewrite(base, item("huge_unique_count.xlsx", "J539"), **_shared_strings(parts, sst))

    # one 32,767-character string referenced by 10,000 cells: 30 KB on disk, >1 GB read
    long_sst = (HEAD + b'<sst xmlns="' + NS + b'" count="10000" uniqueCount="1"><si><t>'
                + "长".encode() * 32_767 + b"</t></si></sst>")
    refs = b"".join(b'<row r="%d"><c r="K%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(100, 10_100))
    _rewrite(base, item("shared_string_x10000.xlsx", "J540"),
             **_merge_args(_shared_strings(parts, long_sst),
                           {SHEET: sheet.replace(b"</sheetData>", refs + b"</sheetData>")}))

    # --- what openpyxl expands cell by cell ------------------------------------------------
    _rewrite(base, item("whole_sheet_merge.xlsx", "J541"), replace={SHEET: sheet.replace(
        b'<mergeCells count="12">', b'<mergeCells count="13"><mergeCell ref="A30:XFD1048576"/>')})
    _whole_sheet_hyperlink(base, parts, item("whole_sheet_hyperlink.xlsx", "J542"))
    _many_styles(base, parts, item("many_styles.xlsx", "J543"), 250_000)
    _big_part(base, item("big_drawing.xlsx", "J544"), "xl/drawings/drawing1.xml", 20, xml=True)
    _big_part(base, item("big_media.xlsx", "J545"), "xl/media/image1.png", 70, copies=2)
    _big_part(base, item("huge_part.xlsx", "J532"), "xl/media/image1.png", 130)

    # --- 40,000 nested <c> tags: a lazy regex over them is quadratic -------------------------
    nested = b"<c>" * 40_000 + b"<f>1</f>" + b"</c>" * 40_000
    _rewrite(base, item("nested_cells.xlsx", "J501"), replace={SHEET: sheet.replace(
        b"</sheetData>", b'<row r="40">' + nested + b"</row></sheetData>")})

    # --- processable, but must not reach a terminal or a copy as they are -------------------
    _links_and_macros(base, parts, item("links_and_macros.xlsm", "ok"))
    _escape_sequences(base, parts, item("escape_sequences.xlsx", "ok"))

    # --- .xls: the same limits on BIFF records ---------------------------------------------
    try:
        xls = write_minimal_form_xls(directory / "_round2_form.xls")
    except ImportError:
        return
    data = xls.read_bytes()
    os.unlink(xls)
    _xls_far_cell(item("xls_far_cell.xls", "J538"))
    item("xls_huge_sst.xls", "J539").write_bytes(_patch_biff(data, 0x00FC, lambda b: b[:4] + struct.pack("<l", 2**31 - 1) + b[8:]))
    item("xls_negative_sst.xls", "J501").write_bytes(_patch_biff(data, 0x00FC, lambda b: b[:4] + struct.pack("<l", -1) + b[8:]))
    item("xls_dimensions_wrap.xls", "J538").write_bytes(
        _patch_biff(data, 0x0200, lambda b: struct.pack("<LLHH", 50, 1, 0, 9) + b[12:]))
    item("xls_bad_sheet_offset.xls", "J501").write_bytes(
        _patch_biff(data, 0x0085, lambda b: struct.pack("<L", 0x7FFFFFF0) + b[4:]))


def xml_text(text: str) -> bytes:
    """Text as Excel stores it: XML-escaped, control characters as ``_xHHHH_``."""
    out = []
    for ch in text:
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ord(ch) < 0x20 and ch not in "\t\n":
            out.append(f"_x{ord(ch):04X}_")
        else:
            out.append(ch)
    return "".join(out).encode()


def _escape_sequences(base: Path, parts: dict[str, bytes], dst: Path) -> Path:
    """The project name, unit and a goal written to take over the terminal that prints them."""
    sheet = parts[SHEET]
    for plain, hostile in (("信访业务培训项目", TERMINAL_ATTACK), ("某某区信访办公室", "某单位\x1b[31m红字\x1b[0m"),
                           ("全年举办培训 4 期，培训 52 人次，达到预期目标。", "完成\r\x1b[K覆盖上一行")):
        old = b"<t>" + plain.encode() + b"</t>"
        if old not in sheet:  # openpyxl over lxml writes non-ASCII text as character references
            old = b"<t>" + plain.encode("ascii", "xmlcharrefreplace") + b"</t>"
        assert old in sheet, plain
        sheet = sheet.replace(old, b"<t>" + xml_text(hostile) + b"</t>")
    return _rewrite(base, dst, replace={SHEET: sheet})


def _merge_args(args: dict[str, dict[str, bytes]], replace: dict[str, bytes]) -> dict[str, dict[str, bytes]]:
    out = {k: dict(v) for k, v in args.items()}
    out.setdefault("replace", {}).update(replace)
    return out


def _whole_sheet_hyperlink(base: Path, parts: dict[str, bytes], dst: Path) -> Path:
    sheet = parts[SHEET].replace(b"<worksheet ", b'<worksheet xmlns:r="' + REL_NS + b'" ', 1).replace(
        b"</mergeCells>", b'</mergeCells><hyperlinks><hyperlink ref="A1:XFD1048576" r:id="rIdL1"/></hyperlinks>')
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rIdL1" Type="' + REL_NS + b'/hyperlink" Target="https://example.invalid/" '
            b'TargetMode="External"/></Relationships>')
    return _rewrite(base, dst, replace={SHEET: sheet}, add={"xl/worksheets/_rels/sheet1.xml.rels": rels})


def _many_styles(base: Path, parts: dict[str, bytes], dst: Path, count: int) -> Path:
    """styles.xml with ``count`` cell formats (each different, so the part compresses honestly)."""
    styles = parts["xl/styles.xml"]
    start = styles.index(b"<cellXfs")
    end = styles.index(b"</cellXfs>") + len(b"</cellXfs>")
    xfs = b"".join(b'<xf numFmtId="%d"/>' % i for i in range(count))
    new = styles[:start] + b'<cellXfs count="%d">' % count + xfs + b"</cellXfs>" + styles[end:]
    return _rewrite(base, dst, replace={"xl/styles.xml": new})


def _big_part(base: Path, dst: Path, name: str, megabytes: int, xml: bool = False, copies: int = 1) -> Path:
    """A member of ``megabytes`` MB whose compression ratio stays honest (~16:1): each MB
    holds 64 KB of varied bytes, so only the part's size can refuse it."""
    varied = os.urandom(32 * 1024).hex().encode()
    if xml:
        head = HEAD + b'<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"><!--'
        unit = varied + b" " * (1024**2 - len(varied))
        tail = b"--></xdr:wsDr>"
    else:
        head, unit, tail = b"\x89PNG\r\n\x1a\n", varied + bytes(1024**2 - len(varied)), b""
    members = _raw_from_zip(base)
    comp, size, crc = _repeated_deflate(head, unit, megabytes, tail)
    for i in range(copies):
        member = name if i == 0 else name.replace("1.", f"{i + 1}.")
        members.append(RawMember(member, comp, size, crc))
    return write_raw_zip(dst, members)


def _links_and_macros(base: Path, parts: dict[str, bytes], dst: Path) -> Path:
    """A form whose copy must be cleaned: an external workbook link used by a formula (cached
    value 42), hyperlinks to javascript:, file:, ms-msdt: and UNC targets (removed), one to
    https: and one inside the workbook (kept), a HYPERLINK("file:…") formula, a VBA project."""
    book = parts["xl/workbook.xml"].replace(
        b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rIdExt1"/></externalReferences>')
    book_rels = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdExt1" Type="' + REL_NS + b'/externalLink" '
        b'Target="externalLinks/externalLink1.xml"/></Relationships>')
    types = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
    links = [("K1", "javascript:alert(1)"), ("K2", "file:///C:/Windows/System32/calc.exe"),
             ("K3", "ms-msdt:/id PCWDiagnostic"), ("K4", "\\\\attacker.invalid\\share\\x.xlsx"),
             ("K5", "https://www.mof.gov.cn/")]
    cells = b"".join(b'<c r="%s" t="inlineStr"><is><t>link</t></is></c>' % ref.encode() for ref, _ in links)
    cells += (b'<c r="K6" t="inlineStr"><is><t>inside</t></is></c>'
              b'<c r="L1"><f>[1]Sheet1!A1</f><v>42</v></c>'
              b'<c r="L2" t="str"><f>HYPERLINK("file:///C:/x.exe","\xe7\x82\xb9\xe6\xad\xa4")</f><v>\xe7\x82\xb9\xe6\xad\xa4</v></c>')
    hyperlinks = b"".join(b'<hyperlink ref="%s" r:id="rIdH%d"/>' % (ref.encode(), i) for i, (ref, _) in enumerate(links))
    hyperlinks += b'<hyperlink ref="K6" location="\'\xe8\x87\xaa\xe8\xaf\x84\xe8\xa1\xa8\'!A1"/>'
    sheet = parts[SHEET].replace(b"<worksheet ", b'<worksheet xmlns:r="' + REL_NS + b'" ', 1).replace(
        b"</sheetData>", b'<row r="30">' + cells + b"</row></sheetData>").replace(
        b"</mergeCells>", b"</mergeCells><hyperlinks>" + hyperlinks + b"</hyperlinks>")
    sheet_rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                  + b"".join(b'<Relationship Id="rIdH%d" Type="' % i + REL_NS + b'/hyperlink" Target="'
                             + target.replace("&", "&amp;").encode() + b'" TargetMode="External"/>'
                             for i, (_, target) in enumerate(links)) + b"</Relationships>")
    return _rewrite(base, dst, replace={"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": book_rels,
                                        "[Content_Types].xml": types, SHEET: sheet},
                    add={"xl/externalLinks/externalLink1.xml": EXTERNAL_LINK.encode(),
                         "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_LINK_RELS.encode(),
                         "xl/worksheets/_rels/sheet1.xml.rels": sheet_rels,
                         "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)})


def _xls_far_cell(dst: Path) -> Path:
    """A BIFF8 sheet with A1 and IV65536: 16.7 million cells for calamine's rectangle."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("自评表")
    ws.write(0, 0, "项目支出绩效自评表")
    ws.write(65535, 255, "远处误填")
    wb.save(str(dst))
    return dst


def _patch_biff(data: bytes, typ: int, patch: Callable[[bytes], bytes]) -> bytes:
    """Rewrite the body of the first record ``typ`` of the workbook stream (xlwt writes the
    stream contiguously right after the 512-byte header)."""
    out = bytearray(data)
    pos = 512
    assert struct.unpack_from("<H", out, pos)[0] == 0x0809, "not an xlwt workbook stream"
    while pos + 4 <= len(out):
        rtyp, size = struct.unpack_from("<HH", out, pos)
        if rtyp == typ:
            body = patch(bytes(out[pos + 4 : pos + 4 + size]))
            assert len(body) == size
            out[pos + 4 : pos + 4 + size] = body
            return bytes(out)
        pos += 4 + size
    raise AssertionError(f"record {typ:#06x} not found")


__all__ = ["TERMINAL_ATTACK", "add_round_two"]
