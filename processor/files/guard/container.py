"""The zip container of an .xlsx: sizes declared, sizes true, and one pass over every part.

Two steps, in this order:

1. **Before decompressing anything**, from the central directory: member count (J531),
   each member's and the total declared size (J532, J533), compression ratio (J534),
   compressed data larger than deflate can produce (J535), encryption (J502), methods
   Excel never uses, duplicate names, the parts every workbook has.
2. **One streaming pass**: each local header must agree with the directory, members may
   not overlap (J535); each member is inflated in chunks with a hard cap at its declared
   size (J535 when it lies) and its CRC checked (J501), while the XML it holds is
   measured (:mod:`jixiao.processor.files.guard.xlsx_parts`).

After a pass, no reader can be made to inflate more than the limits allow from the
same bytes, and every count the readers allocate for has been bounded.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from jixiao.processor.files.guard import sheet_pieces
from jixiao.processor.files.guard.kept import Kept
from jixiao.processor.files.guard.limits import (
    RATIO_MIN_BYTES,
    Limits,
    Refusal,
    damaged,
    encrypted,
    human_size,
    not_workbook,
    part_name,
    suspicious,
    too_big,
    too_many,
)
from jixiao.processor.files.guard.source import Source
from jixiao.processor.files.guard.workbook_xml import Listing, read_listing
from jixiao.processor.files.guard.xlsx_parts import Package, XmlPart, looks_like_xml

#: Average size of one central-directory record must stay below this.
MAX_DIR_RECORD_BYTES = 1024
_OUT_CHUNK = 1024**2
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class ZipFindings:
    """What the pass over a package found (the guard turns it into a GuardReport)."""

    members: int
    uncompressed_bytes: int
    cells: int
    risky: tuple[str, ...]
    names: frozenset[str]  # member names, lower case, "/" separated
    sheets: tuple[str, ...]  # the worksheet names workbook.xml lists, in its order
    #: sheet name → {A1: "=…"} of formula cells without a cached value; None when a sheet
    #: holding such cells could not be named (then formula_cells reads the package again)
    formulas: dict[str, dict[str, str]] | None
    #: every total measured (``Package.figures()``), for tests and benchmarks
    figures: dict[str, object] = field(default_factory=dict, compare=False)


def lying(info: zipfile.ZipInfo, detail: str) -> Refusal:
    return Refusal("J535", part=part_name(info.filename), detail=detail)


def inspect_zip(src: Source, lim: Limits, *, exact: bool = False) -> ZipFindings:
    """The checks above; ``exact``: measure every worksheet with the expat pass."""
    count, cd_size = _end_of_central_directory(src)
    if count > lim.max_zip_members:
        raise too_many("J531", count, lim.max_zip_members)
    if cd_size > (count + 1) * MAX_DIR_RECORD_BYTES:
        raise suspicious(f"压缩包目录大小（{human_size(cd_size)}）与文件数（{count} 个）不符")
    try:
        zf = zipfile.ZipFile(src.fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error):
        raise damaged("压缩结构不完整或无效（可能只传了一部分或下载中断）") from None
    infos = zf.infolist()
    if len(infos) > lim.max_zip_members:
        raise too_many("J531", len(infos), lim.max_zip_members)

    _check_declared(infos, lim)
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        key = info.filename.replace("\\", "/").lower()
        if key in by_name:
            raise suspicious(f"压缩包内有重名文件“{part_name(info.filename)}”，疑似被篡改")
        by_name[key] = info
    _check_package_parts(by_name)
    offsets = _check_layout(src, infos, zf.start_dir)

    listing = _listing(src, by_name, dict(zip((id(i) for i in infos), offsets)), lim)
    _check_listing(listing, by_name)
    pkg = Package(lim, {s.part.lower(): s.name for s in listing.sheets if s.part}, exact=exact)
    for info, offset in zip(infos, offsets):
        _member(src, pkg, info, offset)
    pkg.finish()
    return ZipFindings(
        members=len(infos),
        uncompressed_bytes=sum(i.file_size for i in infos),
        cells=pkg.cells,
        risky=tuple(sorted(pkg.risky)),
        names=frozenset(by_name),
        sheets=tuple(s.name for s in listing.sheets),
        formulas=_named(pkg),
        figures=pkg.figures(),
    )


def _named(pkg: Package) -> dict[str, dict[str, str]] | None:
    out = {}
    for part, cells in pkg.formulas.items():
        sheet = pkg.sheet_names.get(part.lower())
        if sheet is None:
            return None
        out[sheet] = cells
    return out


def _end_of_central_directory(src: Source) -> tuple[int, int]:
    """Entry count and directory size from the end record, read before zipfile parses."""
    tail_len = min(src.size, 22 + 65535)
    tail = src.read_at(src.size - tail_len, tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        raise damaged("压缩结构不完整（找不到压缩包目录，可能只传了一部分或下载中断）")
    _sig, _disk, _cd_disk, _n_disk, count, cd_size, _cd_off, _clen = struct.unpack(
        "<4s4H2LH", tail[pos : pos + 22]
    )
    if count == 0xFFFF or cd_size == 0xFFFFFFFF:  # zip64: the locator precedes the record
        loc = tail[pos - 20 : pos] if pos >= 20 else src.read_at(src.size - tail_len + pos - 20, 20)
        if len(loc) == 20 and loc[:4] == b"PK\x06\x07":
            (rec_off,) = struct.unpack("<Q", loc[8:16])
            rec = src.read_at(rec_off, 56)
            if len(rec) == 56 and rec[:4] == b"PK\x06\x06":
                count, cd_size = struct.unpack("<QQ", rec[32:48])
    return count, cd_size


def _check_declared(infos: list[zipfile.ZipInfo], lim: Limits) -> None:
    """Limits on the sizes the central directory declares — before any decompression."""
    for info in infos:
        if info.flag_bits & 0x41:  # traditional or strong zip encryption
            raise encrypted()
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise suspicious(
                f"压缩包内文件“{part_name(info.filename)}”使用了 Excel 不会使用的压缩方式（编号 {info.compress_type}）"
            )
    total = sum(info.file_size for info in infos)
    if total > lim.max_total_bytes:
        raise too_big("J533", total, lim.max_total_bytes)
    for info in infos:
        usize, csize = info.file_size, info.compress_size
        if usize > lim.max_member_bytes:
            raise too_big("J532", usize, lim.max_member_bytes, part=part_name(info.filename))
        if usize > RATIO_MIN_BYTES and usize > lim.max_ratio * max(csize, 1):
            raise Refusal("J534", part=part_name(info.filename), ratio=f"{usize / max(csize, 1):.0f}",
                          limit=f"{lim.max_ratio:g}", found=usize, compressed=csize,
                          found_text=human_size(usize), compressed_text=human_size(csize))
        if csize > _max_compressed(usize, info.compress_type):
            raise lying(info, f"声明解压后仅 {human_size(usize)}，压缩数据却有 {human_size(csize)}")


def _max_compressed(usize: int, method: int) -> int:
    """Largest honest compressed size: deflate never expands beyond stored blocks."""
    if method == zipfile.ZIP_STORED:
        return usize
    return usize + 5 * (usize // 16383 + 1) + 64


def _check_package_parts(by_name: Mapping[str, zipfile.ZipInfo]) -> None:
    names = by_name.keys()
    has_xl = any(k.startswith("xl/") for k in names)
    if not has_xl:
        if "mimetype" in names and any(k == "content.xml" for k in names):
            raise not_workbook("这是 OpenDocument 文件，请用 Excel 或 WPS 另存为 .xlsx")
        if any(k.startswith("word/") for k in names):
            raise not_workbook("这是 Word 文档 .docx")
        if any(k.startswith("ppt/") for k in names):
            raise not_workbook("这是 PowerPoint 演示文稿 .pptx")
        if "[content_types].xml" not in names:
            raise not_workbook("这是普通的 zip 压缩包")
    if "[content_types].xml" not in names:
        raise damaged("缺少 [Content_Types].xml，工作簿结构不完整")
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise not_workbook("这是 .xlsb 二进制工作簿，请在 Excel 中另存为 .xlsx")
        raise damaged("缺少工作簿主体 xl/workbook.xml")


def _check_layout(src: Source, infos: list[zipfile.ZipInfo], start_dir: int) -> list[int]:
    """Local headers agree with the central directory; member data do not overlap.

    Returns where each member's compressed data start."""
    spans: list[tuple[int, int, zipfile.ZipInfo]] = []
    offsets: list[int] = []
    for info in infos:
        header = src.read_at(info.header_offset, 30)
        if len(header) < 30 or header[:4] != _ZIP_MAGIC:
            raise damaged(f"压缩包内文件“{part_name(info.filename)}”的文件头缺失")
        (_sig, _ver, flags, method, _t, _d, crc, csize, usize, nlen, elen) = struct.unpack(
            "<4s5H3L2H", header
        )
        raw_name = src.read_at(info.header_offset + 30, nlen)
        if raw_name.isascii():  # the usual name: ASCII reads the same as UTF-8 and as cp437
            local_name = raw_name.decode("ascii")
        else:
            local_name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        if local_name != info.orig_filename:
            raise lying(info, f"的文件头名称为“{part_name(local_name)}”，与目录记录不一致")
        mismatch = None
        if method != info.compress_type:
            mismatch = f"压缩方式 {method} 与 {info.compress_type}"
        elif not flags & 0x08 and usize != 0xFFFFFFFF and csize != 0xFFFFFFFF:
            if usize != info.file_size:
                mismatch = f"解压后大小 {usize} 与 {info.file_size} 字节"
            elif csize != info.compress_size:
                mismatch = f"压缩后大小 {csize} 与 {info.compress_size} 字节"
            elif crc != info.CRC:
                mismatch = "校验值"
        if mismatch:
            raise lying(info, f"的文件头与目录记录不一致（{mismatch}）")
        start = info.header_offset
        offsets.append(start + 30 + nlen + elen)
        spans.append((start, start + 30 + nlen + elen + info.compress_size, info))
    spans.sort(key=lambda s: s[0])
    if spans and spans[0][0] != 0:
        raise suspicious("压缩包开头有不属于任何文件的数据，疑似被篡改")
    for (_s1, end1, info1), (start2, _e2, info2) in zip(spans, spans[1:]):
        if start2 < end1:
            raise lying(info1, f"与“{part_name(info2.filename)}”的数据相互重叠")
    if spans and spans[-1][1] > start_dir:
        raise damaged(f"压缩包内文件“{part_name(spans[-1][2].filename)}”的数据超出了文件范围")
    return offsets


def _listing(src: Source, by_name: Mapping[str, zipfile.ZipInfo], offsets: dict[int, int],
             lim: Limits) -> Listing:
    """The sheets workbook.xml lists (see workbook_xml); an empty listing when it cannot be
    read here — the pass over every member then says why."""
    book, rels = by_name.get("xl/workbook.xml"), by_name.get("xl/_rels/workbook.xml.rels")
    if book is None or max(book.file_size, rels.file_size if rels else 0) > lim.max_xml_part_bytes:
        return Listing(readable=False)  # too large: J544 from the pass
    key = None
    if book.file_size <= _OUT_CHUNK and (rels is None or rels.file_size <= _OUT_CHUNK):
        key = tuple(_member_key(src, info, offsets[id(info)]) if info else None for info in (book, rels))
        found = _LISTINGS.get(key)
        if found is not None:
            return found
    try:
        data = [_read_member(src, info, offsets[id(info)]) if info else b"" for info in (book, rels)]
        listing = read_listing(data[0], data[1])
    except Refusal:
        listing = Listing(readable=False)
    if key is not None:
        size = sum(len(k[0]) for k in key if k) + _listing_bytes(listing)
        if size <= _KEEP_BYTES:
            _KEPT.keep("listings", key, listing, size)
    return listing


#: memory a kept listing holds per sheet beyond its two strings (the ListedSheet and its
#: slots; measured: about 220 bytes for a short name)
_LISTED_SHEET_BYTES = 256


def _listing_bytes(listing: Listing) -> int:
    """What a listing holds in memory, counted against the store's bound: a workbook.xml of
    a few KB compressed may list a sheet thousands of times (about 13 bytes held for every
    byte of XML), so its compressed key alone would let a batch of small files fill memory."""
    return sum(_LISTED_SHEET_BYTES + 4 * (len(s.name) + len(s.part)) for s in listing.sheets)


def _check_listing(listing: Listing, by_name: Mapping[str, zipfile.ZipInfo]) -> None:
    """Strict Open XML (J515) and a listed sheet whose part is missing (J516): one verdict for
    every command, since calamine and openpyxl disagree on both."""
    if listing.strict:
        raise Refusal("J515")
    for sheet in listing.sheets:
        if not sheet.part:  # no relationship leads to it
            raise Refusal("J516", sheet=part_name(sheet.name), part="xl/_rels/workbook.xml.rels 中指向它的记录")
        if sheet.part.lower() not in by_name:
            raise Refusal("J516", sheet=part_name(sheet.name), part=part_name(sheet.part))


def _read_member(src: Source, info: zipfile.ZipInfo, offset: int) -> bytes:
    if info.file_size <= _OUT_CHUNK:
        return _inflate_small(src.read_at(offset, info.compress_size), info)
    chunks: list[bytes] = []
    _inflate(src, info, offset, chunks.append)
    return b"".join(chunks)


# What the pass over a small member came to, keyed on everything that decides it: its
# compressed bytes, method, declared size and CRC (inflating the same bytes gives the same
# part, which expat judges the same way). Forms filled in from one template share most
# parts (styles, theme, content types, relationships …), so a repeated part costs one
# look-up instead of inflating, checking and parsing it again. Only what the part came to
# on its own is kept ("media", or XmlPart.outcome); what it adds to the package is done
# again each time (Package.add_media / Package.admit, against this package's limits).
MemberKey = tuple[bytes, int, int, int]
_KEEP_BYTES = 64 * 1024  # compressed members larger than this are not kept
#: what a small member came to ("media" or XmlPart.outcome), and the listing read from
#: workbook.xml and its relationships (an immutable Listing), keyed alike
_KEPT = Kept(16 * 1024**2, members=4096, listings=4096)
_SEEN: dict[MemberKey, str] = _KEPT.tables["members"]
_LISTINGS: dict[tuple[MemberKey | None, ...], Listing] = _KEPT.tables["listings"]


def forget() -> None:
    """Drop every answer the guard keeps between files (for tests and benchmarks)."""
    _KEPT.clear()
    sheet_pieces.forget()


def _member_key(src: Source, info: zipfile.ZipInfo, offset: int) -> MemberKey:
    return (src.read_at(offset, info.compress_size), info.compress_type, info.file_size, info.CRC)


def _member(src: Source, pkg: Package, info: zipfile.ZipInfo, offset: int) -> None:
    if info.file_size == 0:
        return
    if info.file_size <= _OUT_CHUNK:
        key = _member_key(src, info, offset)
        comp = key[0]
        seen = _SEEN.get(key)
        if seen == "media":
            pkg.add_media(info.filename, info.file_size)
            return
        if seen is not None and pkg.admit(info.filename, seen, info.file_size):
            return
        out = _inflate_small(comp, info)
        if looks_like_xml(out[:4]):
            part = XmlPart(pkg, info.filename, info.file_size)
            part.feed(out, final=True)
            seen = part.outcome
        else:
            pkg.add_media(info.filename, info.file_size)
            seen = "media"
        if seen is not None and len(comp) <= _KEEP_BYTES:
            _KEPT.keep("members", key, seen, len(comp))
        return
    part: list[XmlPart | None] = []

    def feed(out: bytes) -> None:
        if not part:
            part.append(XmlPart(pkg, info.filename, info.file_size) if looks_like_xml(out[:4]) else None)
            if part[0] is None:
                pkg.add_media(info.filename, info.file_size)
        if part[0] is not None:
            part[0].feed(out)

    _inflate(src, info, offset, feed)
    if part and part[0] is not None:
        part[0].feed(b"", final=True)


def _inflate_small(comp: bytes, info: zipfile.ZipInfo) -> bytes:
    """Inflate a member of at most ``_OUT_CHUNK`` declared bytes at once, capped."""
    declared = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        out, complete = comp, True
    else:
        d = zlib.decompressobj(-15)
        try:
            out = d.decompress(comp, declared + 1)
        except zlib.error:
            raise damaged(f"压缩包内文件“{part_name(info.filename)}”无法解压，数据已损坏") from None
        complete = d.eof
    if len(out) > declared:
        raise _inflates_beyond(info)
    if not complete or len(out) != declared:
        raise damaged(f"压缩包内文件“{part_name(info.filename)}”的数据不完整")
    if zlib.crc32(out) != info.CRC:
        raise damaged(f"压缩包内文件“{part_name(info.filename)}”校验失败，数据已损坏")
    return out


def _inflates_beyond(info: zipfile.ZipInfo) -> Refusal:
    return lying(info, f"实际解压后超过声明的 {human_size(info.file_size)}")


def _inflate(src: Source, info: zipfile.ZipInfo, offset: int, sink: Callable[[bytes], None]) -> None:
    declared = info.file_size
    produced = 0
    crc = 0

    def emit(out: bytes) -> None:
        nonlocal produced, crc
        produced += len(out)
        if produced > declared:
            raise _inflates_beyond(info)
        crc = zlib.crc32(out, crc)
        sink(out)

    if info.compress_type == zipfile.ZIP_STORED:
        for block in src.chunks(offset, info.compress_size):
            emit(bytes(block))
        complete = True
    else:
        d = zlib.decompressobj(-15)
        try:
            for block in src.chunks(offset, info.compress_size):
                buf: bytes | memoryview = block
                while buf and not d.eof:
                    out = d.decompress(buf, _OUT_CHUNK)
                    buf = d.unconsumed_tail
                    if out:
                        emit(out)
                if d.eof:
                    break
            if not d.eof:
                tail = d.flush()
                if tail:
                    emit(tail)
        except zlib.error:
            raise damaged(f"压缩包内文件“{part_name(info.filename)}”无法解压，数据已损坏") from None
        complete = d.eof
    if not complete or produced != declared:
        raise damaged(f"压缩包内文件“{part_name(info.filename)}”的数据不完整")
    if crc != info.CRC:
        raise damaged(f"压缩包内文件“{part_name(info.filename)}”校验失败，数据已损坏")
