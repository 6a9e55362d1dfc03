"""Compound File Binary (MS-CFB, version 3): just enough to read and write vbaProject.bin.

A VBA project is an OLE compound file: a little FAT file system of storages (folders)
and streams. :func:`read_streams` returns every stream by its path ("VBA/dir");
:func:`write_streams` lays out a new file from such a mapping (512-byte sectors,
streams under 4096 bytes in the mini stream, each storage's entries in a balanced
binary tree, all black, as Apache POI writes them). Timestamps are zero, so the same
input gives the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
_ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")  # 128 bytes


class CfbError(ValueError):
    """Not a compound file this module can read."""


# ---------------------------------------------------------------- reading

def read_streams(data: bytes) -> dict[str, bytes]:
    """Every stream of the compound file ``data``, keyed by its path ("VBA/dir")."""
    if data[:8] != SIGNATURE:
        raise CfbError("不是 OLE 复合文件")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    size = 1 << shift
    (n_fat, first_dir, _tx, cutoff, first_minifat, n_minifat, first_difat,
     n_difat) = struct.unpack_from("<IIIIIIII", data, 44)

    def sector(i: int) -> bytes:
        start = (i + 1) * size
        return data[start:start + size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s != FREESECT]
    difat = first_difat
    for _ in range(n_difat):
        entries = struct.unpack(f"<{size // 4}I", sector(difat))
        fat_sectors += [s for s in entries[:-1] if s != FREESECT]
        difat = entries[-1]
    fat: list[int] = []
    for s in fat_sectors[:n_fat]:
        fat += struct.unpack(f"<{size // 4}I", sector(s))

    def chain(start: int, table: list[int]) -> list[int]:
        out, seen = [], set()
        while start not in (ENDOFCHAIN, FREESECT) and start < len(table):
            if start in seen:
                raise CfbError("复合文件的扇区链有环")
            seen.add(start)
            out.append(start)
            start = table[start]
        return out

    def read_chain(start: int) -> bytes:
        return b"".join(sector(s) for s in chain(start, fat))

    directory = read_chain(first_dir)
    entries = [_ENTRY.unpack_from(directory, off) for off in range(0, len(directory) - 127, 128)]
    minifat: list[int] = []
    if n_minifat:
        raw = read_chain(first_minifat)
        minifat = list(struct.unpack(f"<{len(raw) // 4}I", raw))
    root = entries[0]
    ministream = read_chain(root[11])
    mini = 1 << mini_shift

    def stream_bytes(entry: tuple) -> bytes:
        start, length = entry[11], entry[12]
        if length < cutoff:
            return b"".join(ministream[s * mini:(s + 1) * mini]
                            for s in chain(start, minifat))[:length]
        return read_chain(start)[:length]

    streams: dict[str, bytes] = {}

    def walk(index: int, prefix: str) -> None:
        if index == NOSTREAM or index >= len(entries):
            return
        entry = entries[index]
        name = entry[0][:max(entry[1] - 2, 0)].decode("utf-16-le")
        walk(entry[4], prefix)
        walk(entry[5], prefix)
        if entry[2] == STREAM:
            streams[prefix + name] = stream_bytes(entry)
        elif entry[2] == STORAGE:
            walk(entry[6], prefix + name + "/")

    walk(root[6], "")
    return streams


# ---------------------------------------------------------------- writing

def _key(name: str) -> tuple[int, str]:
    """MS-CFB order of sibling names: shorter first, then by upper-cased name."""
    return (len(name), name.upper())


def write_streams(streams: Mapping[str, bytes]) -> bytes:
    """A compound file holding ``streams`` (path → bytes); storages come from the paths."""
    # the entries: 0 is the root; every storage and stream after it
    names: list[str] = ["Root Entry"]
    kinds: list[int] = [ROOT]
    payload: list[bytes] = [b""]
    index: dict[str, int] = {"": 0}
    children: dict[int, list[int]] = {0: []}
    for path in sorted(streams, key=lambda p: [_key(part) for part in p.split("/")]):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            sub = "/".join(parts[:depth])
            if sub in index:
                continue
            parent = index["/".join(parts[:depth - 1])]
            index[sub] = len(names)
            children[parent].append(len(names))
            names.append(parts[depth - 1])
            is_stream = depth == len(parts)
            kinds.append(STREAM if is_stream else STORAGE)
            payload.append(streams[path] if is_stream else b"")
            if not is_stream:
                children[len(names) - 1] = []
    for name in names:
        if len(name) > 31:
            raise CfbError(f"流名过长：{name}")

    # mini stream (small streams) and the sector chains of the big ones
    ministream = bytearray()
    minifat: list[int] = []
    start = [ENDOFCHAIN] * len(names)
    for i, data in enumerate(payload):
        if kinds[i] == STREAM and 0 < len(data) < MINI_CUTOFF:
            first = len(ministream) // MINI_SECTOR
            count = -(-len(data) // MINI_SECTOR)
            minifat += list(range(first + 1, first + count)) + [ENDOFCHAIN]
            ministream += data + b"\0" * (count * MINI_SECTOR - len(data))
            start[i] = first
    big = [i for i, data in enumerate(payload) if kinds[i] == STREAM and len(data) >= MINI_CUTOFF]

    def sectors(length: int) -> int:
        return -(-length // SECTOR)

    n_dir = sectors(len(names) * 128)
    n_minifat = sectors(len(minifat) * 4)
    n_mini = sectors(len(ministream))
    n_big = sum(sectors(len(payload[i])) for i in big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    if n_fat > 109:
        raise CfbError("VBA 工程过大")

    fat: list[int] = [FATSECT] * n_fat
    body: list[bytes] = []

    def place(data: bytes) -> int:
        count = sectors(len(data))
        if count == 0:
            return ENDOFCHAIN
        first = len(fat)
        fat.extend(list(range(first + 1, first + count)) + [ENDOFCHAIN])
        body.append(data + b"\0" * (count * SECTOR - len(data)))
        return first

    dir_start = len(fat)
    fat.extend(list(range(dir_start + 1, dir_start + n_dir)) + [ENDOFCHAIN])
    minifat_start = place(struct.pack(f"<{len(minifat)}I", *minifat))
    start[0] = place(bytes(ministream))
    for i in big:
        start[i] = place(payload[i])
    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))

    # each storage's children as a balanced binary search tree
    left = [NOSTREAM] * len(names)
    right = [NOSTREAM] * len(names)
    child = [NOSTREAM] * len(names)

    def tree(ids: list[int]) -> int:
        if not ids:
            return NOSTREAM
        mid = len(ids) // 2
        left[ids[mid]] = tree(ids[:mid])
        right[ids[mid]] = tree(ids[mid + 1:])
        return ids[mid]

    for parent, ids in children.items():
        child[parent] = tree(sorted(ids, key=lambda i: _key(names[i])))

    directory = bytearray()
    for i, name in enumerate(names):
        encoded = (name + "\0").encode("utf-16-le")
        size = len(ministream) if kinds[i] == ROOT else len(payload[i])
        directory += _ENTRY.pack(encoded, len(encoded), kinds[i], 1, left[i], right[i],
                                 child[i], b"\0" * 16, 0, 0, 0, start[i], size)
    empty = _ENTRY.pack(b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    while len(directory) % SECTOR:
        directory += empty

    header = bytearray(SIGNATURE + b"\0" * 16)
    header += struct.pack("<HHHHH6sIIIIIIIII", 0x003E, 0x0003, 0xFFFE, 9, 6, b"\0" * 6,
                          0, n_fat, dir_start, 0, MINI_CUTOFF,
                          minifat_start if minifat else ENDOFCHAIN, n_minifat,
                          ENDOFCHAIN, 0)
    header += struct.pack("<109I", *(list(range(n_fat)) + [FREESECT] * (109 - n_fat)))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return bytes(header) + fat_bytes + bytes(directory) + b"".join(body)
