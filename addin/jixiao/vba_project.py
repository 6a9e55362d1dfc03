"""Read and edit a VBA project (``xl/vbaProject.bin``) as MS-OVBA describes it.

The add-in's VBA is xlwings' own (from its add-in template), renamed and given our
ribbon module. Editing it needs four pieces of the format:

* the compression of module source and of the ``dir`` stream (MS-OVBA 2.4.1);
* the ``dir`` stream's records: project name, code page, references, modules;
* the ``PROJECT`` and ``PROJECTwm`` streams, which name the modules again;
* the compound file around them (:mod:`jixiao.cfb`).

An edited module is stored as source only (MODULEOFFSET 0, no compiled p-code), as
xlwings' template already stores its main module and as the format prescribes for
writers (``_VBA_PROJECT`` version 0xFFFF): Excel compiles the source when it loads the
add-in. Unedited modules keep their bytes.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from jixiao import cfb

# dir stream record ids (MS-OVBA 2.3.4.2)
CODEPAGE, PROJECTNAME, PROJECTVERSION = 0x0003, 0x0004, 0x0009
REFERENCENAME, REFERENCECONTROL_TWIDDLED, PROJECTMODULES = 0x0016, 0x002F, 0x000F
MODULENAME, MODULENAMEUNICODE = 0x0019, 0x0047
MODULESTREAMNAME, MODULESTREAMNAMEUNICODE = 0x001A, 0x0032
MODULEOFFSET, MODULETERMINATOR = 0x0031, 0x002B
CHUNK = 4096


class VbaFormatError(ValueError):
    """The VBA project is not in the form this module understands."""


# ---------------------------------------------------------------- compression

def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer (MS-OVBA 2.4.1.3.1)."""
    if not data or data[0] != 1:
        raise VbaFormatError("VBA 压缩数据的签名不对")
    out = bytearray()
    pos = 1
    while pos < len(data):
        (header,) = struct.unpack_from("<H", data, pos)
        end = min(pos + (header & 0x0FFF) + 3, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:  # a raw chunk: 4096 bytes as they are
            out += data[pos:pos + CHUNK]
            pos += CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                (token,) = struct.unpack_from("<H", data, pos)
                pos += 2
                bits = max((len(out) - start - 1).bit_length(), 4)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                if offset > len(out) - start:
                    raise VbaFormatError("VBA 压缩数据的偏移越界")
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into a CompressedContainer (greedy longest match per chunk)."""
    out = bytearray(b"\x01")
    for chunk_start in range(0, len(data), CHUNK):
        chunk = data[chunk_start:chunk_start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > CHUNK:  # incompressible: store raw (only possible for a full chunk)
            if len(chunk) < CHUNK:
                raise VbaFormatError("VBA 源代码无法压缩")
            out += struct.pack("<H", 0x3000 | 0x0FFF) + chunk
        else:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    seen: dict[bytes, list[int]] = {}
    pos = 0
    while pos < len(chunk):
        flag_at = len(body)
        body.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            best_len, best_off = 0, 0
            if pos > 0:
                bits = max((pos - 1).bit_length(), 4)
                max_len = (0xFFFF >> bits) + 3
                for cand in reversed(seen.get(chunk[pos:pos + 3], [])[-64:]):
                    length = 0
                    while (length < max_len and pos + length < len(chunk)
                           and chunk[cand + length] == chunk[pos + length]):
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
            if best_len >= 3:
                body += struct.pack("<H", ((best_off - 1) << (16 - bits)) | (best_len - 3))
                body[flag_at] |= 1 << bit
                step = best_len
            else:
                body.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                seen.setdefault(chunk[p:p + 3], []).append(p)
            pos += step
    return bytes(body)


# ---------------------------------------------------------------- dir records

@dataclass
class Record:
    id: int
    data: bytes


def parse_dir(data: bytes) -> list[Record]:
    records, pos = [], 0
    while pos + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == PROJECTVERSION:  # its size field says 4, six bytes follow (MS-OVBA 2.3.4.2.1.11)
            size = 6
        records.append(Record(rid, bytes(data[pos + 6:pos + 6 + size])))
        pos += 6 + size
    return records


def dump_dir(records: list[Record]) -> bytes:
    out = bytearray()
    for rec in records:
        size = 4 if rec.id == PROJECTVERSION else len(rec.data)
        out += struct.pack("<HI", rec.id, size) + rec.data
    return bytes(out)


@dataclass
class Module:
    name: str
    stream: str
    offset: int


class VbaProject:
    """A vbaProject.bin opened for editing: ``VbaProject(bytes)`` … ``to_bytes()``."""

    def __init__(self, data: bytes) -> None:
        self.streams = cfb.read_streams(data)
        for required in ("PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT"):
            if required not in self.streams:
                raise VbaFormatError(f"VBA 工程缺少 {required} 流")
        self.records = parse_dir(decompress(self.streams["VBA/dir"]))
        page = next((r.data for r in self.records if r.id == CODEPAGE), b"\xe4\x04")
        self.codec = f"cp{struct.unpack('<H', page)[0]}"

    # ---- reading
    @property
    def name(self) -> str:
        return next(r.data for r in self.records if r.id == PROJECTNAME).decode(self.codec)

    def modules(self) -> list[Module]:
        found, current = [], {}
        for rec in self.records:
            if rec.id == MODULENAME:
                current = {"name": rec.data.decode(self.codec)}
            elif rec.id == MODULESTREAMNAME:
                current["stream"] = rec.data.decode(self.codec)
            elif rec.id == MODULEOFFSET:
                current["offset"] = struct.unpack("<I", rec.data)[0]
            elif rec.id == MODULETERMINATOR and current:
                found.append(Module(**current))
                current = {}
        return found

    def module(self, name: str) -> Module:
        for mod in self.modules():
            if mod.name == name:
                return mod
        raise VbaFormatError(f"VBA 工程里没有模块 {name}")

    def source(self, name: str) -> str:
        mod = self.module(name)
        raw = self.streams[f"VBA/{mod.stream}"][mod.offset:]
        return decompress(raw).decode(self.codec)

    def references(self) -> list[str]:
        return [r.data.decode(self.codec) for i, r in enumerate(self.records)
                if r.id == REFERENCENAME and self.records[i - 1].id != REFERENCECONTROL_TWIDDLED]

    def project_text(self) -> str:
        return self.streams["PROJECT"].decode(self.codec)

    # ---- editing
    def set_source(self, name: str, text: str) -> None:
        """Replace a module's source (stored uncompiled; Excel compiles it on load)."""
        mod = self.module(name)
        self.streams[f"VBA/{mod.stream}"] = compress(text.replace("\r\n", "\n")
                                                      .replace("\n", "\r\n").encode(self.codec))
        self._module_records(name)[MODULEOFFSET].data = struct.pack("<I", 0)

    def set_name(self, name: str) -> None:
        """The VBA project's name (VBE's project explorer shows it: ``jixiao (jixiao.xlam)``)."""
        old = self.name
        next(r for r in self.records if r.id == PROJECTNAME).data = name.encode(self.codec)
        text, count = re.subn(rf'^Name="{re.escape(old)}"', f'Name="{name}"',
                              self.project_text(), count=1, flags=re.M)
        if not count:
            raise VbaFormatError("PROJECT 流里没有工程名")
        self.streams["PROJECT"] = text.encode(self.codec)

    def rename_module(self, old: str, new: str) -> None:
        mod = self.module(old)
        recs = self._module_records(old)
        recs[MODULENAME].data = new.encode(self.codec)
        recs[MODULENAMEUNICODE].data = new.encode("utf-16-le")
        recs[MODULESTREAMNAME].data = new.encode(self.codec)
        recs[MODULESTREAMNAMEUNICODE].data = new.encode("utf-16-le")
        self.streams[f"VBA/{new}"] = self.streams.pop(f"VBA/{mod.stream}")
        text = re.sub(rf"^(Module|Class|BaseClass|Document)={re.escape(old)}\b",
                      rf"\1={new}", self.project_text(), flags=re.M)
        text = re.sub(rf"^{re.escape(old)}=", f"{new}=", text, flags=re.M)
        self.streams["PROJECT"] = text.encode(self.codec)
        source = self.source(new)
        self.set_source(new, source.replace(f'Attribute VB_Name = "{old}"',
                                            f'Attribute VB_Name = "{new}"', 1))

    def drop_reference(self, name: str) -> None:
        """Remove a type-library reference (with all its records) from the project."""
        recs = self.records
        starts = [i for i, r in enumerate(recs)
                  if r.id == REFERENCENAME and recs[i - 1].id != REFERENCECONTROL_TWIDDLED]
        for i in starts:
            if recs[i].data.decode(self.codec) != name:
                continue
            end = next((j for j in starts if j > i), None)
            if end is None:
                end = next(j for j, r in enumerate(recs) if r.id == PROJECTMODULES)
            del recs[i:end]
            return
        raise VbaFormatError(f"VBA 工程里没有引用 {name}")

    def _module_records(self, name: str) -> dict[int, Record]:
        found: dict[int, Record] | None = None
        for rec in self.records:
            if rec.id == MODULENAME:
                found = {} if rec.data.decode(self.codec) == name else None
            if found is not None:
                found.setdefault(rec.id, rec)
                if rec.id == MODULETERMINATOR:
                    return found
        raise VbaFormatError(f"VBA 工程里没有模块 {name}")

    def to_bytes(self) -> bytes:
        streams = dict(self.streams)
        streams["VBA/dir"] = compress(dump_dir(self.records))
        wm = b"".join(m.name.encode(self.codec) + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
                      for m in self.modules())
        streams["PROJECTwm"] = wm + b"\0\0"
        return cfb.write_streams(streams)
