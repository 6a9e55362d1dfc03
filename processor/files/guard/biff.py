"""The BIFF records of an .xls workbook stream, measured as python-calamine will read them.

calamine reserves memory from what the records say before it reads the cells: a
``DIMENSIONS`` record of each sheet (rows × columns, computed in 32-bit arithmetic that
wraps when the first row lies past the last), the ``SST`` record's declared string count,
and then the rectangle between the first and the last cell. A sheet offset past the end
of the stream makes it panic. So the guard reads the same records first, in one linear
pass: cells and their rectangle (J537, J538), the string table (J539), text the cells
will copy (J540), merged ranges (J541), and refuses what calamine cannot survive.
"""

from __future__ import annotations

import struct
from collections import Counter

from jixiao.processor.files.guard.limits import (
    Limits,
    Refusal,
    damaged,
    encrypted,
    part_name,
    too_many,
)

_BOF, _EOF, _CONTINUE = 0x0809, 0x000A, 0x003C
_FILEPASS, _SST, _BOUNDSHEET = 0x002F, 0x00FC, 0x0085
_DIMENSIONS, _MERGECELLS = 0x0200, 0x00E5
_FORMULA, _STRING, _LABEL, _LABELSST, _MULRK = 0x0006, 0x0207, 0x0204, 0x00FD, 0x00BD
_SIMPLE_CELLS = frozenset({0x0203, _LABEL, 0x0205, 0x027E, _LABELSST, _FORMULA})
_U32 = 1 << 32


def _records(data: bytes, pos: int):
    """(type, body) of each record from ``pos`` until an EOF record or the stream's end."""
    n = len(data)
    unpack = struct.unpack_from
    while pos + 4 <= n:
        typ, size = unpack("<HH", data, pos)
        body = data[pos + 4 : pos + 4 + size]
        pos += 4 + size
        yield typ, body
        if typ == _EOF:
            return


class WorkbookStream:
    """One pass over the globals and every worksheet of a BIFF workbook stream."""

    def __init__(self, data: bytes, lim: Limits):
        self.data = data
        self.lim = lim
        self.cells = 0
        self.area = 0
        self.text = 0
        self.merged = 0
        self.refs: Counter[int] = Counter()
        self.strings: list[int] = []

    def scan(self) -> int:
        """Check everything; return the number of cells."""
        sheets: list[tuple[int, str]] = []
        pending_sst: list[bytes] | None = None
        sst_parts: list[bytes] = []
        for typ, body in _records(self.data, 0):
            if typ == _CONTINUE and pending_sst is not None:
                sst_parts.append(body)
                continue
            if pending_sst is not None:
                self._strings(sst_parts)
                pending_sst = None
            if typ == _FILEPASS and body[:2] != b"\x00\x00":
                raise encrypted()
            if typ == _SST:
                if len(body) >= 8:
                    (unique,) = struct.unpack_from("<i", body, 4)
                    if unique < 0:
                        raise damaged("共享字符串表（SST）声明的条数无效")
                    if unique > self.lim.max_shared_strings:
                        raise too_many("J539", unique, self.lim.max_shared_strings, what="表声明的条数为")
                pending_sst, sst_parts = [body], [body]
            elif typ == _BOUNDSHEET and len(body) >= 6:
                (pos,) = struct.unpack_from("<L", body, 0)
                if body[5] == 0x00:  # a worksheet
                    sheets.append((pos, _sheet_name(body)))
        if pending_sst is not None:
            self._strings(sst_parts)
        for pos, name in sheets:
            if pos >= len(self.data):
                raise damaged(f"工作表“{name}”的位置超出了工作簿数据流")
            self._sheet(pos, name)
        expanded = self.text + sum(count * self.strings[i] for i, count in self.refs.items()
                                   if i < len(self.strings))
        if expanded > self.lim.max_text_chars:
            raise too_many("J540", expanded, self.lim.max_text_chars)
        return self.cells

    def _add_cells(self, n: int) -> None:
        self.cells += n
        if self.cells > self.lim.max_cell_elements:
            raise too_many("J537", self.cells, self.lim.max_cell_elements)

    def _sheet(self, start: int, name: str) -> None:
        box: list[int] | None = None
        formula_at = (0, 0)
        unpack = struct.unpack_from
        for typ, body in _records(self.data, start):
            if typ in _SIMPLE_CELLS and len(body) >= 4:
                row, col = unpack("<HH", body, 0)
                if typ == _FORMULA:
                    formula_at = (row, col)
                elif typ == _LABELSST and len(body) >= 10:
                    self.refs[unpack("<L", body, 6)[0]] += 1
                elif typ == _LABEL and len(body) >= 8:
                    self.text += unpack("<H", body, 6)[0]
                cells = [(row, col, row, col)]
            elif typ == _STRING:
                cells = [(formula_at[0], formula_at[1], formula_at[0], formula_at[1])]
                if len(body) >= 2:
                    self.text += unpack("<H", body, 0)[0]
            elif typ == _MULRK and len(body) >= 6:
                row, first = unpack("<HH", body, 0)
                (last,) = unpack("<H", body, len(body) - 2)
                cells = [(row, first, row, max(first, last))]
                self._add_cells(max(0, last - first))
            elif typ == _DIMENSIONS:
                self._dimensions(body, name)
                continue
            elif typ == _MERGECELLS and len(body) >= 2:
                (count,) = unpack("<H", body, 0)
                for i in range(min(count, (len(body) - 2) // 8)):
                    rf, rl, cf, cl = unpack("<4H", body, 2 + 8 * i)
                    self.merged += (abs(rl - rf) + 1) * (abs(cl - cf) + 1)
                if self.merged > self.lim.max_merged_cells:
                    raise too_many("J541", self.merged, self.lim.max_merged_cells, sheet=name, scope="")
                continue
            else:
                continue
            self._add_cells(1)
            r1, c1, r2, c2 = cells[0]
            if box is None:
                box = [r1, c1, r2, c2]
            else:
                box = [min(box[0], r1), min(box[1], c1), max(box[2], r2), max(box[3], c2)]
        if box is not None:
            self._area(name, box[2] - box[0] + 1, box[3] - box[1] + 1)

    def _dimensions(self, body: bytes, name: str) -> None:
        """calamine reserves rows × columns from this record, in wrapping 32-bit arithmetic."""
        if len(body) == 10:
            rf, rl, cf, cl = struct.unpack_from("<4H", body, 0)
        elif len(body) == 14:
            rf, rl, cf, cl = struct.unpack_from("<LLHH", body, 0)
        else:
            return  # calamine refuses the file itself
        if rl < 1 or cl < 1:
            return
        rows = (rl - 1 - rf + 1) % _U32
        cols = (cl - 1 - cf + 1) % _U32
        if rows * cols > self.lim.max_cells:
            raise Refusal("J538", sheet=name, rows=rows, cols=cols, found=rows * cols, limit=self.lim.max_cells,
                          scope="按工作表自己声明的尺寸（DIMENSIONS 记录）")

    def _area(self, name: str, rows: int, cols: int) -> None:
        area = rows * cols
        self.area += area
        if area > self.lim.max_cells or self.area > self.lim.max_cells:
            raise Refusal("J538", sheet=name, rows=rows, cols=cols, found=area, limit=self.lim.max_cells,
                          scope="" if area > self.lim.max_cells else "连同此前各工作表")

    def _strings(self, parts: list[bytes]) -> None:
        """Lengths of the SST entries (characters), across CONTINUE records."""
        reader = _Segments(parts)
        if not reader.skip(8):
            return
        limit = self.lim.max_shared_strings
        try:
            while len(self.strings) < limit:
                if reader.at_segment_end() and not reader.next_segment():
                    return
                head = reader.take(3)
                if head is None:
                    return
                cch, flags = head[0] | head[1] << 8, head[2]
                runs = ext = 0
                if flags & 0x08:
                    b = reader.take(2)
                    if b is None:
                        return
                    runs = b[0] | b[1] << 8
                if flags & 0x04:
                    b = reader.take(4)
                    if b is None:
                        return
                    ext = struct.unpack("<l", b)[0]
                if not reader.chars(cch, bool(flags & 0x01)):
                    return
                self.strings.append(cch)
                if not reader.skip(4 * runs + max(ext, 0)):
                    return
        except struct.error:
            return


class _Segments:
    """Reads across an SST record and its CONTINUE records the way BIFF8 splits them."""

    def __init__(self, parts: list[bytes]):
        self.parts = parts
        self.k = 0
        self.pos = 0

    def at_segment_end(self) -> bool:
        return self.pos >= len(self.parts[self.k])

    def next_segment(self) -> bool:
        if self.k + 1 >= len(self.parts):
            return False
        self.k += 1
        self.pos = 0
        return True

    def take(self, n: int) -> bytes | None:
        part = self.parts[self.k]
        if self.pos + n > len(part):
            return None
        out = part[self.pos : self.pos + n]
        self.pos += n
        return out

    def skip(self, n: int) -> bool:
        while n > 0:
            left = len(self.parts[self.k]) - self.pos
            if n <= left:
                self.pos += n
                return True
            n -= left
            if not self.next_segment():
                return False
        return True

    def chars(self, cch: int, wide: bool) -> bool:
        """Skip ``cch`` characters; a CONTINUE record restarts with its own width flag."""
        while cch > 0:
            left = len(self.parts[self.k]) - self.pos
            width = 2 if wide else 1
            fit = min(cch, left // width)
            self.pos += fit * width
            cch -= fit
            if cch == 0:
                return True
            if not self.next_segment():
                return False
            flag = self.take(1)
            if flag is None:
                return False
            wide = bool(flag[0] & 0x01)
        return True


def _sheet_name(body: bytes) -> str:
    """The name in a BOUNDSHEET record (BIFF8 short string), for messages."""
    if len(body) < 8:
        return "?"
    cch, flags = body[6], body[7]
    raw = body[8 : 8 + cch * (2 if flags & 1 else 1)]
    return part_name(raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace"))
