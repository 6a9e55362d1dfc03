"""The Compound File Binary container (.xls, or an encrypted OOXML package), read by hand.

A small parser of its own (header, FAT and mini-FAT lookups along each chain, directory
entries, whole streams): no dependency on olefile. Every chain is bounded by the number
of sectors the file can hold, so a loop in the allocation table ends in J501.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from jixiao.processor.files.guard.limits import damaged, too_many
from jixiao.processor.files.guard.source import Source

FREE_OR_END = 0xFFFFFFFA  # sector numbers at or above this are markers
DirEntry = tuple[str, int, int, int]  # name, type (1 storage, 2 stream, 5 root), start, size


class Cfb:
    def __init__(self, src: Source):
        self.src = src
        header = src.read_at(0, 512)
        if len(header) < 512:
            raise damaged("复合文档（.xls）的文件头不完整")
        major, order, shift, mini_shift = struct.unpack("<4H", header[26:34])
        if order != 0xFFFE or shift not in (9, 12) or mini_shift != 6:
            raise damaged("复合文档（.xls）的文件头无效")
        self.major = major
        self.sector = 1 << shift
        (self.n_fat, self.first_dir) = struct.unpack("<LL", header[44:52])
        (self.mini_cutoff, self.first_minifat, self.n_minifat) = struct.unpack("<LLL", header[56:68])
        (self.first_difat, self.n_difat) = struct.unpack("<LL", header[68:76])
        self.difat = list(struct.unpack("<109L", header[76:512]))
        self.max_steps = src.size // self.sector + 1
        self._difat_done = False

    def read_sector(self, sec: int, offset: int = 0, n: int | None = None) -> bytes:
        if sec >= FREE_OR_END:
            raise damaged("复合文档（.xls）的扇区链断开")
        n = self.sector if n is None else n
        data = self.src.read_at((sec + 1) * self.sector + offset, n)
        if len(data) < n:
            raise damaged("复合文档（.xls）的扇区超出了文件范围")
        return data

    def _fat_sector(self, k: int) -> int:
        if k >= len(self.difat) and not self._difat_done:
            self._difat_done = True
            per = self.sector // 4 - 1
            sec, steps = self.first_difat, 0
            while sec < FREE_OR_END and steps < min(self.n_difat, self.max_steps):
                words = struct.unpack(f"<{per + 1}L", self.read_sector(sec))
                self.difat.extend(words[:per])
                sec, steps = words[per], steps + 1
        if k >= len(self.difat) or k >= self.n_fat:
            raise damaged("复合文档（.xls）的分配表不完整")
        return self.difat[k]

    def next_sector(self, sec: int) -> int:
        per = self.sector // 4
        fat_sec = self._fat_sector(sec // per)
        (nxt,) = struct.unpack("<L", self.read_sector(fat_sec, (sec % per) * 4, 4))
        return nxt

    def chain(self, start: int) -> Iterator[int]:
        sec, steps = start, 0
        while sec < FREE_OR_END:
            steps += 1
            if steps > self.max_steps:
                raise damaged("复合文档（.xls）的扇区链成环")
            yield sec
            sec = self.next_sector(sec)

    def entries(self, max_entries: int) -> list[DirEntry]:
        """(name, type, start sector, size) of every directory entry."""
        out: list[DirEntry] = []
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
                    raise too_many("J531", len(out), max_entries)
        return out

    def read_stream(self, entries: list[DirEntry], start: int, size: int) -> bytes:
        """A whole stream (from the mini stream when it is small); never more than the file."""
        if size > self.src.size:
            raise damaged("复合文档（.xls）中的数据流比文件本身还大")
        if size >= self.mini_cutoff:
            out = bytearray()
            for sec in self.chain(start):
                out += self.read_sector(sec)
                if len(out) >= size:
                    break
            if len(out) < size:
                raise damaged("复合文档（.xls）中的数据流不完整")
            return bytes(out[:size])
        root = self._mini_stream(entries)
        out = bytearray()
        sec, steps = start, 0
        per = self.sector // 4
        minifat = list(self.chain(self.first_minifat)) if self.n_minifat else []
        while sec < FREE_OR_END and len(out) < size:
            steps += 1
            if steps > self.max_steps * (self.sector // 64):
                raise damaged("复合文档（.xls）的迷你扇区链成环")
            out += root[sec * 64 : sec * 64 + 64]
            k = sec // per
            if k >= len(minifat):
                break
            (sec,) = struct.unpack("<L", self.read_sector(minifat[k], (sec % per) * 4, 4))
        if len(out) < size:
            raise damaged("复合文档（.xls）的迷你流不完整")
        return bytes(out[:size])

    def _mini_stream(self, entries: list[DirEntry]) -> bytes:
        if not entries or entries[0][1] != 5:
            raise damaged("复合文档（.xls）缺少根目录")
        out = bytearray()
        for sec in self.chain(entries[0][2]):
            out += self.read_sector(sec)
            if len(out) > self.src.size:
                break
        return bytes(out)
