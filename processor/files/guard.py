"""The workbook guard: look at a submitted file before any workbook library opens it.

``inspect(path, limits)`` recognises the container by its first bytes and refuses,
with an :class:`~jixiao.processor.core.errors.InputError` whose message names what was found,
everything a reader should never be handed:

- not a workbook at all (empty, text, PDF, HTML, Word, a plain zip …) → J505;
- encrypted (an encrypted OOXML package, a password-protected .xls) → J502;
- truncated or damaged (no central directory, CRC mismatch, missing parts) → J501;
- too large or built to attack the reader → J504: file size, member count, declared
  sizes and compression ratio (checked from the central directory *before* anything is
  decompressed), headers that lie about sizes (local header vs central directory,
  compressed data larger than the declared size allows, a stream that inflates beyond
  its declared size — found by streaming decompression with a hard byte cap), members
  whose data overlap, and XML parts that carry a ``<!DOCTYPE``/``<!ENTITY``
  declaration (billion laughs, XXE).

What passes is described by a :class:`GuardReport`: ``kind`` says which reader to
use, and the flags (``macros``, ``external_links``, ``embedded_objects``,
``risky_functions``) let the engine add the R011 info finding.

Every member of an OOXML package is inflated once, in chunks, with a cap equal to its
declared size, and its CRC is checked. After a pass, no reader can be made to inflate
more than the limits allow from the same bytes. The cost is proportional to the real
content (a typical 自评表 takes well under a millisecond; see ``benchmarks/bench_guard.py``).

The .xls / encrypted-OOXML container (Compound File Binary) is read with a small
parser of its own (header, FAT lookups along the directory chain, directory entries):
no dependency on olefile.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from jixiao.processor.core.errors import InputError

__all__ = ["DEFAULT_LIMITS", "GuardReport", "inspect", "human_size"]

#: Same values as the ``limits`` object of ``rules/default.json``; used for any key
#: the caller's ``limits`` mapping does not give.
DEFAULT_LIMITS: dict[str, int | float] = {
    "max_file_bytes": 100 * 1024**2,
    "max_zip_members": 10_000,
    "max_member_bytes": 256 * 1024**2,
    "max_total_bytes": 1024**3,
    "max_ratio": 200,
    "max_cells": 2_000_000,
}

#: The compression-ratio limit applies to members larger than this once decompressed;
#: small parts (styles, a sheet of empty cells) can compress very well for honest reasons.
RATIO_MIN_BYTES = 1024**2
#: The whole file is read into memory at once below this size (one read, no seeks).
IN_MEMORY_BYTES = 8 * 1024**2
#: A DOCTYPE can only appear before the root element; the prolog (XML declaration,
#: comments, processing instructions) must end within this many bytes.
PROLOG_CAP = 64 * 1024
#: Average size of one central-directory record must stay below this.
MAX_DIR_RECORD_BYTES = 1024

_IN_CHUNK = 256 * 1024
_OUT_CHUNK = 1024**2

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SHEET_RE = re.compile(r"xl/worksheets/[^/]+\.xml")
_RISKY_FUNCTIONS = (b"WEBSERVICE(", b"FILTERXML(")
_CELL_TAGS = (b"<c ", b"<c>")
# a cell's reference: python-calamine allocates the whole rectangle between the first and
# the last cell, so two cells at A1 and XFD1048576 would ask for half a terabyte
_CELL_REF = re.compile(rb'<c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_XML_ENCODINGS = frozenset(
    {
        "utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "us-ascii", "ascii",
        "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "gbk", "gb2312", "gb18030",
    }
)  # fmt: skip
#: An XML declaration (UTF-8 or none) followed directly by the root element: no DTD possible.
_PLAIN_PROLOG = re.compile(
    rb"""(?:\xef\xbb\xbf)?(?:<\?xml(?:\s+(?:version|standalone)\s*=\s*["'][^"'<>]*["']"""
    rb"""|\s+encoding\s*=\s*["'](?i:utf-?8)["'])*\s*\?>)?\s*<[A-Za-z_]"""
)
_ENCODING_RE = re.compile(r"""encoding\s*=\s*["']([^"']*)["']""")


@dataclass(frozen=True)
class GuardReport:
    """What the guard found in a file it let through."""

    path: str
    #: "xlsx" (an OOXML package: .xlsx / .xlsm, read with openpyxl or calamine) or
    #: "xls" (a BIFF workbook in a compound file, read with calamine).
    kind: Literal["xlsx", "xls"]
    #: size on disk, in bytes
    size: int
    #: members of the zip package (directory entries for .xls)
    members: int = 0
    #: sum of the members' decompressed sizes (verified); 0 for .xls
    uncompressed_bytes: int = 0
    #: ``<c>`` elements in all worksheets (an upper bound of the cell count); None for .xls
    cells: int | None = None
    #: a VBA project (xl/vbaProject.bin, _VBA_PROJECT_CUR) or Excel 4.0 macro sheets
    macros: bool = False
    #: external workbook links (xl/externalLinks/)
    external_links: bool = False
    #: embedded OLE objects or ActiveX controls
    embedded_objects: bool = False
    #: functions that reach the network, found in worksheet formulas (e.g. "WEBSERVICE")
    risky_functions: tuple[str, ...] = ()

    @property
    def active_content(self) -> str | None:
        """Chinese text for the ``{what}`` of finding R011, or None when there is nothing."""
        parts = []
        if self.macros:
            parts.append("宏")
        if self.external_links:
            parts.append("外部链接")
        if self.embedded_objects:
            parts.append("嵌入对象")
        if self.risky_functions:
            parts.append(f"联网函数（{'、'.join(self.risky_functions)}）")
        return "、".join(parts) or None


class _Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def human_size(n: float) -> str:
    """1536 → "1.5 KB", 3435973837 → "3.2 GB" (binary units, one decimal at most)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= factor:
            text = f"{n / factor:.1f}".removesuffix(".0")
            return f"{text} {unit}"
    return f"{int(n)} 字节"


def _not_workbook(reason: str) -> _Refused:
    return _Refused("J505", f"文件不是 Excel 工作簿（{reason}）")


def _damaged(reason: str) -> _Refused:
    return _Refused("J501", f"文件已损坏：{reason}")


def _suspicious(reason: str) -> _Refused:
    return _Refused("J504", reason)


_ENCRYPTED = _Refused("J502", "文件已加密，请去除密码后重新提交")


# ---------------------------------------------------------------------------------------
# entry point


def inspect(path: str | Path, limits: Mapping[str, int | float] | None = None) -> GuardReport:
    """Check ``path`` before a workbook library opens it; raise InputError or report.

    ``limits`` is a profile's ``limits`` object (``load_profile()["limits"]``); missing
    keys take :data:`DEFAULT_LIMITS`. The file is opened read-only and never modified.
    """
    lim = {**DEFAULT_LIMITS, **(limits or {})}
    name = str(path)
    try:
        return _inspect(Path(path), name, lim)
    except _Refused as ref:
        raise InputError(ref.message, file=name, code=ref.code) from None
    except InputError:
        raise
    except MemoryError:
        raise InputError("文件结构异常，检查时内存不足", file=name, code="J504") from None
    except Exception as exc:  # the guard must not let a library error escape
        raise InputError(
            f"文件已损坏：无法识别文件结构（{type(exc).__name__}）", file=name, code="J501"
        ) from None


def _open_regular(path: Path) -> tuple[BinaryIO, int]:
    """Open without blocking (a FIFO named x.xlsx must not hang us); regular files only."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _Refused("J501", "文件是一个失效的链接（指向的文件不存在）") from None
        raise _Refused("J501", "找不到文件") from None
    except PermissionError:
        raise _Refused("J501", "没有访问该文件的权限，请检查文件或所在文件夹的权限") from None
    except OSError as exc:
        raise _Refused("J501", f"无法读取文件（{exc.strerror or exc}）") from None
    if stat.S_ISDIR(st.st_mode):
        raise _Refused("J501", "这是一个文件夹，不是文件")
    if not stat.S_ISREG(st.st_mode):
        raise _Refused("J501", "这不是普通文件（可能是设备、管道或套接字），已跳过")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:
        raise _Refused("J501", "没有读取该文件的权限，请检查文件权限或是否被其他程序独占") from None
    except OSError as exc:
        raise _Refused("J501", f"无法读取文件（{exc.strerror or exc}）") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):  # swapped between stat and open
        os.close(fd)
        raise _Refused("J501", "这不是普通文件（可能是设备、管道或套接字），已跳过")
    return os.fdopen(fd, "rb"), st.st_size


def _inspect(path: Path, name: str, lim: Mapping[str, int | float]) -> GuardReport:
    fh, size = _open_regular(path)
    with fh:
        if size == 0:
            raise _not_workbook("文件为空，0 字节")
        if size > lim["max_file_bytes"]:
            raise _suspicious(
                f"文件大小 {human_size(size)}，超过上限 {human_size(lim['max_file_bytes'])}"
            )
        try:
            if size <= IN_MEMORY_BYTES:
                data = fh.read()
                src: _Source = _Source(io.BytesIO(data), len(data), data)
            else:
                src = _Source(fh, size, None)
            head = src.read_at(0, 8)
        except OSError as exc:
            raise _Refused("J501", f"读取文件时出错（{exc.strerror or exc}）") from None
        if len(head) < size and len(head) < 8:
            raise _damaged("读取的内容比文件大小少")
        if head.startswith(_ZIP_MAGIC) or head.startswith(_EMPTY_ZIP_MAGIC):
            return _inspect_zip(src, name, lim)
        if head == _CFB_MAGIC:
            return _inspect_cfb(src, name, lim)
        raise _not_workbook(_describe_foreign(src.read_at(0, 2048)))


class _Source:
    """Random access to the file, from memory when it is small."""

    def __init__(self, fh: BinaryIO, size: int, data: bytes | None):
        self.fh = fh
        self.size = size
        self.view = memoryview(data) if data is not None else None

    def read_at(self, offset: int, n: int) -> bytes:
        if self.view is not None:
            return bytes(self.view[offset : offset + n])
        self.fh.seek(offset)
        return self.fh.read(n)

    def chunks(self, offset: int, n: int) -> Iterator[bytes | memoryview]:
        if self.view is not None:
            end = min(offset + n, self.size)
            for start in range(offset, end, _IN_CHUNK):
                yield self.view[start : min(start + _IN_CHUNK, end)]
            return
        self.fh.seek(offset)
        left = n
        while left > 0:
            block = self.fh.read(min(left, _IN_CHUNK))
            if not block:
                return
            left -= len(block)
            yield block


def _describe_foreign(head: bytes) -> str:
    """Name what a non-workbook file most likely is, from its first bytes."""
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    signatures = (
        (b"%pdf", "这是 PDF 文件"),
        (b"\x89png", "这是 PNG 图片"),
        (b"\xff\xd8\xff", "这是 JPEG 图片"),
        (b"gif8", "这是 GIF 图片"),
        (b"rar!", "这是 RAR 压缩包"),
        (b"7z\xbc\xaf", "这是 7z 压缩包"),
        (b"\x1f\x8b", "这是 gzip 压缩文件"),
        (b"{\\rtf", "这是 RTF 文档"),
    )
    for magic, text in signatures:
        if lowered.startswith(magic):
            return text
    if (
        lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<meta"))
        or b"<html" in lowered[:512]
    ):
        return "这是网页文件，常见于从业务系统导出的“假 .xls”，请用 Excel 打开后另存为 .xlsx"
    if lowered.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return "这是 Excel 2003 XML 表格，请用 Excel 打开后另存为 .xlsx"
        return "这是 XML 文本文件"
    if _looks_like_text(head):
        return "内容是纯文本，可能是 CSV 或文本文件改了扩展名"
    return "无法识别的文件格式"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return head[:2] in (b"\xff\xfe", b"\xfe\xff")
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut at the end of the sample
                return True
    return False


# ---------------------------------------------------------------------------------------
# OOXML (zip)


def _inspect_zip(src: _Source, name: str, lim: Mapping[str, int | float]) -> GuardReport:
    count, cd_size = _end_of_central_directory(src)
    max_members = int(lim["max_zip_members"])
    if count > max_members:
        raise _suspicious(f"压缩包内有 {count} 个文件，超过上限 {max_members} 个")
    if cd_size > (count + 1) * MAX_DIR_RECORD_BYTES:
        raise _suspicious(f"压缩包目录大小（{human_size(cd_size)}）与文件数（{count} 个）不符")
    try:
        zf = zipfile.ZipFile(src.fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error):
        raise _damaged("压缩结构不完整或无效（可能只传了一部分或下载中断）") from None
    infos = zf.infolist()
    if len(infos) > max_members:
        raise _suspicious(f"压缩包内有 {len(infos)} 个文件，超过上限 {max_members} 个")

    _check_declared(infos, lim)

    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        key = info.filename.replace("\\", "/").lower()
        if key in by_name:
            raise _suspicious(f"压缩包内有重名文件“{info.filename}”，疑似被篡改")
        by_name[key] = info
    _check_package_parts(by_name)
    offsets = _check_layout(src, infos, zf.start_dir)

    report = _Scan(lim)
    for info, offset in zip(infos, offsets):
        report.member(src, info, offset)

    return GuardReport(
        path=name,
        kind="xlsx",
        size=src.size,
        members=len(infos),
        uncompressed_bytes=sum(i.file_size for i in infos),
        cells=report.cells,
        macros="xl/vbaproject.bin" in by_name
        or any(k.startswith("xl/macrosheets/") for k in by_name),
        external_links=any(k.startswith("xl/externallinks/") for k in by_name),
        embedded_objects=any(k.startswith(("xl/embeddings/", "xl/activex/")) for k in by_name),
        risky_functions=tuple(sorted(report.risky)),
    )


def _end_of_central_directory(src: _Source) -> tuple[int, int]:
    """Entry count and directory size from the end record, read before zipfile parses."""
    tail_len = min(src.size, 22 + 65535)
    tail = src.read_at(src.size - tail_len, tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        raise _damaged("压缩结构不完整（找不到压缩包目录，可能只传了一部分或下载中断）")
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


def _check_declared(infos: list[zipfile.ZipInfo], lim: Mapping[str, int | float]) -> None:
    """Limits on the sizes the central directory declares — before any decompression."""
    max_member = int(lim["max_member_bytes"])
    max_total = int(lim["max_total_bytes"])
    max_ratio = float(lim["max_ratio"])
    for info in infos:
        if info.flag_bits & 0x41:  # traditional or strong zip encryption
            raise _ENCRYPTED
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _suspicious(
                f"压缩包内文件“{info.filename}”使用了 Excel 不会使用的压缩方式（编号 {info.compress_type}）"
            )
    total = sum(info.file_size for info in infos)
    if total > max_total:
        raise _suspicious(
            f"压缩包内文件解压后共 {human_size(total)}，超过上限 {human_size(max_total)}，疑似压缩炸弹"
        )
    for info in infos:
        usize, csize = info.file_size, info.compress_size
        if usize > max_member:
            raise _suspicious(
                f"压缩包内文件“{info.filename}”解压后 {human_size(usize)}，"
                f"超过单个文件上限 {human_size(max_member)}"
            )
        if usize > RATIO_MIN_BYTES and usize > max_ratio * max(csize, 1):
            raise _suspicious(
                f"压缩包内文件“{info.filename}”压缩比 {usize / max(csize, 1):.0f}:1"
                f"（{human_size(csize)} 解压为 {human_size(usize)}），超过上限 {max_ratio:g}:1，疑似压缩炸弹"
            )
        if csize > _max_compressed(usize, info.compress_type):
            raise _suspicious(
                f"压缩包内文件“{info.filename}”声明解压后仅 {human_size(usize)}，压缩数据却有 "
                f"{human_size(csize)}，文件头信息不实，疑似压缩炸弹"
            )


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
            raise _not_workbook("这是 OpenDocument 文件，请用 Excel 或 WPS 另存为 .xlsx")
        if any(k.startswith("word/") for k in names):
            raise _not_workbook("这是 Word 文档 .docx")
        if any(k.startswith("ppt/") for k in names):
            raise _not_workbook("这是 PowerPoint 演示文稿 .pptx")
        if "[content_types].xml" not in names:
            raise _not_workbook("这是普通的 zip 压缩包")
    if "[content_types].xml" not in names:
        raise _damaged("缺少 [Content_Types].xml，工作簿结构不完整")
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise _not_workbook("这是 .xlsb 二进制工作簿，请在 Excel 中另存为 .xlsx")
        raise _damaged("缺少工作簿主体 xl/workbook.xml")


def _check_layout(src: _Source, infos: list[zipfile.ZipInfo], start_dir: int) -> list[int]:
    """Local headers agree with the central directory; member data do not overlap.

    Returns where each member's compressed data start."""
    spans: list[tuple[int, int, str]] = []
    offsets: list[int] = []
    for info in infos:
        header = src.read_at(info.header_offset, 30)
        if len(header) < 30 or header[:4] != _ZIP_MAGIC:
            raise _damaged(f"压缩包内文件“{info.filename}”的文件头缺失")
        (_sig, _ver, flags, method, _t, _d, crc, csize, usize, nlen, elen) = struct.unpack(
            "<4s5H3L2H", header
        )
        raw_name = src.read_at(info.header_offset + 30, nlen)
        local_name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        if local_name != info.orig_filename:
            raise _suspicious(
                f"压缩包内文件“{info.filename}”的文件头名称为“{local_name}”，与目录记录不一致，疑似被篡改"
            )
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
            raise _suspicious(
                f"压缩包内文件“{info.filename}”的文件头与目录记录不一致（{mismatch}），疑似被篡改"
            )
        start = info.header_offset
        offsets.append(start + 30 + nlen + elen)
        spans.append((start, start + 30 + nlen + elen + info.compress_size, info.filename))
    spans.sort()
    if spans and spans[0][0] != 0:
        raise _suspicious("压缩包开头有不属于任何文件的数据，疑似被篡改")
    for (_s1, end1, name1), (start2, _e2, name2) in zip(spans, spans[1:]):
        if start2 < end1:
            raise _suspicious(f"压缩包内文件“{name1}”与“{name2}”的数据相互重叠，疑似压缩炸弹")
    if spans and spans[-1][1] > start_dir:
        raise _damaged(f"压缩包内文件“{spans[-1][2]}”的数据超出了文件范围")
    return offsets


class _Scan:
    """Streams every member once: size cap, CRC, XML prolog, cells, risky functions."""

    def __init__(self, lim: Mapping[str, int | float]):
        self.max_cells = int(lim["max_cells"])
        self.cells = 0
        self.risky: set[str] = set()

    def member(self, src: _Source, info: zipfile.ZipInfo, offset: int) -> None:
        key = info.filename.lower()
        is_xml = key.endswith(_XML_SUFFIXES) and info.file_size > 0
        is_sheet = _SHEET_RE.fullmatch(key) is not None
        if src.view is not None and info.file_size <= _OUT_CHUNK:
            # fast path for the usual small part: one call, no streaming machinery
            out = _inflate_small(src.view[offset : offset + info.compress_size], info)
            if is_xml and not _PLAIN_PROLOG.match(out):
                prolog = _Prolog(info.filename)
                prolog.feed(out)
                prolog.finish()
            if is_sheet:
                _SheetCounter(self).feed(out)
            return
        sink: list[Callable[[bytes], None]] = []
        prolog = None
        if is_xml:
            prolog = _Prolog(info.filename)
            sink.append(prolog.feed)
        if is_sheet:
            sink.append(_SheetCounter(self).feed)
        _inflate(src, info, offset, sink)
        if prolog is not None:
            prolog.finish()

    def add_cells(self, n: int) -> None:
        self.cells += n
        if self.cells > self.max_cells:
            raise _suspicious(f"工作表共有超过 {self.cells} 个单元格，超过上限 {self.max_cells} 个")


def _inflate_small(comp: memoryview, info: zipfile.ZipInfo) -> bytes:
    """Inflate a member of at most ``_OUT_CHUNK`` declared bytes at once, capped."""
    declared = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        out, complete = bytes(comp), True
    else:
        d = zlib.decompressobj(-15)
        try:
            out = d.decompress(comp, declared + 1)
        except zlib.error:
            raise _damaged(f"压缩包内文件“{info.filename}”无法解压，数据已损坏") from None
        complete = d.eof
    if len(out) > declared:
        raise _lying(info)
    if not complete or len(out) != declared:
        raise _damaged(f"压缩包内文件“{info.filename}”的数据不完整")
    if zlib.crc32(out) != info.CRC:
        raise _damaged(f"压缩包内文件“{info.filename}”校验失败，数据已损坏")
    return out


def _lying(info: zipfile.ZipInfo) -> _Refused:
    return _suspicious(
        f"压缩包内文件“{info.filename}”实际解压后超过声明的 {human_size(info.file_size)}，"
        "文件头信息不实，疑似压缩炸弹"
    )


def _inflate(
    src: _Source, info: zipfile.ZipInfo, offset: int, sink: list[Callable[[bytes], None]]
) -> None:
    declared = info.file_size
    produced = 0
    crc = 0

    def emit(out: bytes) -> None:
        nonlocal produced, crc
        produced += len(out)
        if produced > declared:
            raise _lying(info)
        crc = zlib.crc32(out, crc)
        for feed in sink:
            feed(out)

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
            raise _damaged(f"压缩包内文件“{info.filename}”无法解压，数据已损坏") from None
        complete = d.eof
    if not complete or produced != declared:
        raise _damaged(f"压缩包内文件“{info.filename}”的数据不完整")
    if crc != info.CRC:
        raise _damaged(f"压缩包内文件“{info.filename}”校验失败，数据已损坏")


class _SheetCounter:
    """Counts ``<c`` tags, bounds the used rectangle and spots risky functions, including
    across chunk borders."""

    _KEEP = 48  # longer than any pattern, a whole ``<c r="XFD1048576"`` included

    def __init__(self, scan: _Scan):
        self.scan = scan
        self.carry = b""
        self.box: list[int] | None = None  # min row, min col, max row, max col

    def _bound(self, data: bytes) -> None:
        for letters, digits in _CELL_REF.findall(data):
            row, col = int(digits), 0
            for ch in letters:
                col = col * 26 + ch - 64
            if self.box is None:
                self.box = [row, col, row, col]
            else:
                b = self.box
                b[0], b[1], b[2], b[3] = min(b[0], row), min(b[1], col), max(b[2], row), max(b[3], col)
        if self.box is not None:
            r1, c1, r2, c2 = self.box
            if (r2 - r1 + 1) * (c2 - c1 + 1) > self.scan.max_cells:
                raise _suspicious(
                    f"工作表的已用区域达 {r2 - r1 + 1} 行 × {c2 - c1 + 1} 列，超过单表 {self.scan.max_cells} 个单元格的上限"
                    "（多为远处误填或格式化的单元格，请删除多余的行列后另存）")

    def feed(self, out: bytes) -> None:
        self._bound(self.carry + out if self.carry else out)
        n = sum(out.count(tag) for tag in _CELL_TAGS)
        border = b""
        if self.carry:
            border = self.carry + out[: self._KEEP]
            head = out[: self._KEEP]
            for tag in _CELL_TAGS:
                n += border.count(tag) - self.carry.count(tag) - head.count(tag)
        self.scan.add_cells(n)
        for fn in _RISKY_FUNCTIONS:
            label = fn[:-1].decode()
            if label not in self.scan.risky and (fn in out or fn in border):
                self.scan.risky.add(label)
        self.carry = out[-self._KEEP :]


class _Prolog:
    """Find the root element of an XML part and refuse any DTD before it."""

    def __init__(self, name: str):
        self.name = name
        self.head = b""
        self.done = False

    def feed(self, out: bytes) -> None:
        if self.done:
            return
        self.head += out[: PROLOG_CAP - len(self.head)]
        for window in (1024, PROLOG_CAP):
            if self._verdict(self.head[:window], complete=False):
                self.done = True
                return
            if len(self.head) <= window:
                break
        if len(self.head) >= PROLOG_CAP:
            raise _suspicious(
                f"文件内的“{self.name}”在正文之前有超过 {human_size(PROLOG_CAP)} 的声明或注释，疑似 XML 攻击"
            )

    def finish(self) -> None:
        if not self.done:
            self._verdict(self.head, complete=True)
            self.done = True

    def _verdict(self, head: bytes, complete: bool) -> bool:
        """True when decided safe, False when more bytes are needed; raises when refused."""
        text = self._decode(head)
        i, n = 0, len(text)
        while True:
            while i < n and text[i] in " \t\r\n\ufeff":
                i += 1
            if i >= n:
                return complete
            if not complete and n - i < 9:
                return False
            if text.startswith("<?", i):
                j = text.find("?>", i + 2)
                if j < 0:
                    return complete
                decl = text[i : j + 2]
                if decl.startswith("<?xml"):
                    m = _ENCODING_RE.search(decl)
                    if m and m.group(1).strip().lower() not in _XML_ENCODINGS:
                        raise _suspicious(
                            f"文件内的“{self.name}”使用了不支持的编码“{m.group(1)}”，疑似 XML 攻击"
                        )
                i = j + 2
                continue
            if text.startswith("<!--", i):
                j = text.find("-->", i + 4)
                if j < 0:
                    return complete
                i = j + 3
                continue
            if text.startswith("<!", i):
                self._refuse_dtd(text[i:])
            if text[i] != "<":
                # not XML at all; parsers stop here, but refuse a DTD hidden further on
                if re.search(r"<!(doctype|entity)", text, re.IGNORECASE):
                    self._refuse_dtd(text[i:])
            return True

    def _decode(self, head: bytes) -> str:
        first = head[:4]
        if first.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")) or first in (
            b"\x00\x00\x00<",
            b"<\x00\x00\x00",
        ):
            raise _suspicious(f"文件内的“{self.name}”使用了不支持的 UTF-32 编码，疑似 XML 攻击")
        if first == b"\x4c\x6f\xa7\x94":
            raise _suspicious(f"文件内的“{self.name}”使用了不支持的 EBCDIC 编码，疑似 XML 攻击")
        if first.startswith(b"\xff\xfe") or (len(first) > 1 and first[1] == 0 and first[0] != 0):
            body = head[2:] if first.startswith(b"\xff\xfe") else head
            return body[: len(body) // 2 * 2].decode("utf-16-le", "replace")
        if first.startswith(b"\xfe\xff") or (len(first) > 1 and first[0] == 0 and first[1] != 0):
            body = head[2:] if first.startswith(b"\xfe\xff") else head
            return body[: len(body) // 2 * 2].decode("utf-16-be", "replace")
        return head.decode("latin-1")

    def _refuse_dtd(self, text: str) -> None:
        upper = text[:PROLOG_CAP].upper()
        if "SYSTEM" in upper or "PUBLIC" in upper:
            kind = "外部实体引用（XXE，可读取服务器上的文件）"
        elif "<!ENTITY" in upper:
            kind = "实体定义（可层层膨胀耗尽内存，即“billion laughs”攻击）"
        else:
            kind = "文档类型声明（DOCTYPE）"
        raise _suspicious(
            f"文件内的“{self.name}”含{kind}，Excel 不会生成这种内容，疑似 XML 攻击，已拒绝处理"
        )


# ---------------------------------------------------------------------------------------
# Compound File Binary (.xls, or an encrypted OOXML package)

_FREE_OR_END = 0xFFFFFFFA  # sector numbers at or above this are markers
_BOF_TYPES = (0x0809, 0x0409, 0x0209, 0x0009)
_FILEPASS = 0x002F


class _Cfb:
    def __init__(self, src: _Source):
        self.src = src
        header = src.read_at(0, 512)
        if len(header) < 512:
            raise _damaged("复合文档（.xls）的文件头不完整")
        major, order, shift, mini_shift = struct.unpack("<4H", header[26:34])
        if order != 0xFFFE or shift not in (9, 12) or mini_shift != 6:
            raise _damaged("复合文档（.xls）的文件头无效")
        self.major = major
        self.sector = 1 << shift
        (self.n_fat, self.first_dir) = struct.unpack("<LL", header[44:52])
        (self.mini_cutoff,) = struct.unpack("<L", header[56:60])
        (self.first_difat, self.n_difat) = struct.unpack("<LL", header[68:76])
        self.difat = list(struct.unpack("<109L", header[76:512]))
        self.max_steps = src.size // self.sector + 1
        self._difat_done = False

    def read_sector(self, sec: int, offset: int = 0, n: int | None = None) -> bytes:
        if sec >= _FREE_OR_END:
            raise _damaged("复合文档（.xls）的扇区链断开")
        n = self.sector if n is None else n
        data = self.src.read_at((sec + 1) * self.sector + offset, n)
        if len(data) < n:
            raise _damaged("复合文档（.xls）的扇区超出了文件范围")
        return data

    def _fat_sector(self, k: int) -> int:
        if k >= len(self.difat) and not self._difat_done:
            self._difat_done = True
            per = self.sector // 4 - 1
            sec, steps = self.first_difat, 0
            while sec < _FREE_OR_END and steps < min(self.n_difat, self.max_steps):
                words = struct.unpack(f"<{per + 1}L", self.read_sector(sec))
                self.difat.extend(words[:per])
                sec, steps = words[per], steps + 1
        if k >= len(self.difat) or k >= self.n_fat:
            raise _damaged("复合文档（.xls）的分配表不完整")
        return self.difat[k]

    def next_sector(self, sec: int) -> int:
        per = self.sector // 4
        fat_sec = self._fat_sector(sec // per)
        (nxt,) = struct.unpack("<L", self.read_sector(fat_sec, (sec % per) * 4, 4))
        return nxt

    def chain(self, start: int) -> Iterator[int]:
        sec, steps = start, 0
        while sec < _FREE_OR_END:
            steps += 1
            if steps > self.max_steps:
                raise _damaged("复合文档（.xls）的扇区链成环")
            yield sec
            sec = self.next_sector(sec)

    def entries(self, max_entries: int) -> list[tuple[str, int, int, int]]:
        """(name, type, start sector, size) of every directory entry."""
        out = []
        for sec in self.chain(self.first_dir):
            block = self.read_sector(sec)
            for off in range(0, self.sector, 128):
                raw = block[off : off + 128]
                (name_len,) = struct.unpack("<H", raw[64:66])
                kind = raw[66]
                if kind == 0:
                    continue
                name = raw[: max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
                (start,) = struct.unpack("<L", raw[116:120])
                (size,) = struct.unpack("<Q", raw[120:128])
                if self.major == 3:
                    size &= 0xFFFFFFFF
                out.append((name, kind, start, size))
                if len(out) > max_entries:
                    raise _suspicious(f"复合文档内的条目超过上限 {max_entries} 个")
        return out

    def stream_head(self, entries: list[tuple[str, int, int, int]], start: int, size: int) -> bytes:
        """The first bytes (≤ 64) of a stream, from the mini stream when it is small."""
        n = min(size, 64)
        if size >= self.mini_cutoff:
            return self.read_sector(start, 0, n)
        root_start = entries[0][2] if entries and entries[0][1] == 5 else _FREE_OR_END
        offset = start * 64  # position inside the mini stream, held in the root's chain
        target, within = divmod(offset, self.sector)
        for i, sec in enumerate(self.chain(root_start)):
            if i == target:
                return self.read_sector(sec, within, n)
        raise _damaged("复合文档（.xls）的迷你流不完整")


def _inspect_cfb(src: _Source, name: str, lim: Mapping[str, int | float]) -> GuardReport:
    cfb = _Cfb(src)
    entries = cfb.entries(int(lim["max_zip_members"]))
    names = {e[0].lower(): e for e in entries}
    if "encryptioninfo" in names or "encryptedpackage" in names:
        raise _ENCRYPTED
    book = next((names[k] for k in ("workbook", "book") if k in names and names[k][1] == 2), None)
    if book is None:
        if "worddocument" in names:
            raise _not_workbook("这是 Word 文档 .doc")
        if "powerpoint document" in names:
            raise _not_workbook("这是 PowerPoint 演示文稿 .ppt")
        raise _not_workbook("这是其他类型的 Office 复合文档，没有工作簿内容")
    head = cfb.stream_head(entries, book[2], book[3])
    if len(head) >= 4:
        rtype, rlen = struct.unpack("<HH", head[:4])
        if rtype in _BOF_TYPES and len(head) >= 8 + rlen:
            (next_type,) = struct.unpack("<H", head[4 + rlen : 6 + rlen])
            if next_type == _FILEPASS:
                raise _ENCRYPTED
    return GuardReport(
        path=name,
        kind="xls",
        size=src.size,
        members=len(entries),
        macros="_vba_project_cur" in names or "_vba_project" in names,
    )
