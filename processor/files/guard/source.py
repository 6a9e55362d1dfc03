"""Opening a submitted file without being fooled, and naming what a non-workbook is.

:func:`open_regular` opens read-only and non-blocking, regular files only (a FIFO named
``x.xlsx`` must not hang the run, ``/dev/zero`` must not be read); :class:`Source`
gives random access, from memory when the file is small.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

from jixiao.processor.files.fileio import os_reason
from jixiao.processor.files.guard.limits import Refusal, damaged

#: The whole file is read into memory at once below this size (one read, no seeks).
IN_MEMORY_BYTES = 8 * 1024**2
IN_CHUNK = 256 * 1024


def _unreadable(reason: str) -> Refusal:
    return Refusal("J501", reason=reason)


def open_regular(path: str | os.PathLike[str]) -> tuple[BinaryIO, int]:
    """Open without blocking and without following a swap to a device; regular files only."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _unreadable("文件是一个失效的链接（指向的文件不存在）") from None
        raise _unreadable("找不到文件") from None
    except PermissionError:
        raise _unreadable("没有访问该文件的权限，请检查文件或所在文件夹的权限") from None
    except OSError as exc:
        raise _unreadable(f"无法读取文件（{os_reason(exc)}）") from None
    if stat.S_ISDIR(st.st_mode):
        raise _unreadable("这是一个文件夹，不是文件")
    if not stat.S_ISREG(st.st_mode):
        raise _unreadable("这不是普通文件（可能是设备、管道或套接字），已跳过")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:
        raise _unreadable("没有读取该文件的权限，请检查文件权限或是否被其他程序独占") from None
    except OSError as exc:
        raise _unreadable(f"无法读取文件（{os_reason(exc)}）") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):  # swapped between stat and open
        os.close(fd)
        raise _unreadable("这不是普通文件（可能是设备、管道或套接字），已跳过")
    return os.fdopen(fd, "rb"), st.st_size


class Source:
    """Random access to the file, from memory when it is small."""

    def __init__(self, fh: BinaryIO, size: int, data: bytes | None):
        self.fh = fh
        self.size = size
        self.view = memoryview(data) if data is not None else None

    @classmethod
    def of(cls, fh: BinaryIO, size: int) -> Source:
        try:
            if size <= IN_MEMORY_BYTES:
                data = fh.read()
                return cls(fh, len(data), data)
            return cls(fh, size, None)
        except OSError as exc:
            raise _unreadable(f"读取文件时出错（{os_reason(exc)}）") from None

    def read_at(self, offset: int, n: int) -> bytes:
        if offset < 0:
            raise damaged("文件结构中的位置超出了文件范围")
        if self.view is not None:
            return bytes(self.view[offset : offset + n])
        self.fh.seek(offset)
        return self.fh.read(n)

    def chunks(self, offset: int, n: int) -> Iterator[bytes | memoryview]:
        if self.view is not None:
            end = min(offset + n, self.size)
            for start in range(offset, end, IN_CHUNK):
                yield self.view[start : min(start + IN_CHUNK, end)]
            return
        self.fh.seek(offset)
        left = n
        while left > 0:
            block = self.fh.read(min(left, IN_CHUNK))
            if not block:
                return
            left -= len(block)
            yield block


def describe_foreign(head: bytes) -> str:
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
    if looks_like_text(head):
        return "内容是纯文本，可能是 CSV 或文本文件改了扩展名"
    return "无法识别的文件格式"


def looks_like_text(head: bytes) -> bool:
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
