"""The bookkeeping that makes a second run give the same workbook, out of the user's sight.

Every cell a run touched is recorded: the value it wrote and the filler's value before,
the fill and the note the cell had before the mark and the ones the run set. The next
run (``jixiao fill`` or the add-in, in any order) reads it first, checks the filler's
own values again and restores what the user had wherever a mark is no longer needed.
The record also keeps each sheet's result rows and summary, so the add-in, which checks
one sheet per click, can rebuild the one 校验结果 page of the book.

Stored in the very hidden sheet :data:`~jixiao.processor.core.marks.LEDGER_SHEET`, one row
per item: 类别 | 工作表 | 单元格 | 内容 (JSON). JSON keeps numbers, text and blanks apart
(a blank original is ``null``), and any writer can read it with one bulk read.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from jixiao.processor.core.grid import Grid, parse_addr

LEDGER_HEADER = ["类别", "工作表", "单元格", "内容"]
# an older add-in's record does not say which fill or note it set: whichever of ours is there
ANY_MARK = "*"
LEDGER_FORMAT = 1
_CELL, _ROW, _FORM, _META = "单元格", "问题", "项目", "版本"


@dataclass(frozen=True)
class CellEntry:
    """What one run did to one cell, and what was there before."""

    sheet: str
    cell: str
    written: bool = False
    value: Any = None  # the value written
    original: Any = None  # the filler's value before (None: blank)
    format_before: str | None = None  # the number format before, when the run changed it
    fill_before: str | None = None  # fill token before the mark ("" none, None unknown)
    fill: str | None = None  # the mark's fill token; None: no fill set
    note_before: str | None = None  # the user's note under ours (None: none)
    note_author_before: str = ""
    note: str | None = None  # the note text set; None: no note set

    @property
    def marked(self) -> bool:
        return self.fill is not None

    @property
    def noted(self) -> bool:
        return self.note is not None


@dataclass
class Ledger:
    cells: dict[tuple[str, str], CellEntry] = field(default_factory=dict)
    # scope ("" for the file, else a form sheet) → that scope's 校验结果 rows / summary lines
    rows: dict[str, list[list[Any]]] = field(default_factory=dict)
    forms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def on(self, sheet: str) -> list[CellEntry]:
        return [e for (s, _), e in self.cells.items() if s == sheet]

    @property
    def sheets(self) -> list[str]:
        return sorted({s for s, _ in self.cells} | {s for s in self.rows if s} | {s for s in self.forms if s})

    def accept_written(self) -> Ledger:
        """The record when the user deleted the 校验结果 sheet: the values jixiao wrote count
        as the filler's from now on (the marks and notes are still taken off as recorded)."""
        cells = {k: replace(e, written=False, value=None, original=None, format_before=None)
                 for k, e in self.cells.items()}
        return Ledger({k: e for k, e in cells.items() if e.marked or e.noted}, dict(self.rows), dict(self.forms))

    def to_rows(self) -> list[list[Any]]:
        """The sheet's rows, header first (every content cell is JSON text)."""
        out: list[list[Any]] = [list(LEDGER_HEADER), [_META, None, None, _dump({"format": LEDGER_FORMAT})]]
        for (sheet, cell), entry in sorted(self.cells.items(), key=lambda kv: (kv[0][0], _pos(kv[0][1]))):
            data = {k: v for k, v in asdict(entry).items()
                    if k not in ("sheet", "cell") and v is not None and v is not False}
            out.append([_CELL, sheet, cell, _dump(data)])
        for scope, lines in self.forms.items():
            out.extend([_FORM, scope or None, None, _dump(line)] for line in lines)
        for scope, rows in self.rows.items():
            out.extend([_ROW, scope or None, None, _dump(row)] for row in rows)
        return out

    @classmethod
    def from_rows(cls, rows: list[list[Any]] | None) -> Ledger:
        """Read the sheet back; rows that do not parse are skipped (a hand-edited record)."""
        ledger = cls()
        known = {f.name for f in fields(CellEntry)}
        for row in rows or []:
            if not row or len(row) < 4 or row[0] not in (_CELL, _ROW, _FORM):
                continue
            kind, sheet, cell = row[0], _text(row[1]), _text(row[2])
            try:
                data = json.loads(str(row[3]))
            except (TypeError, ValueError):
                continue
            if kind == _CELL and isinstance(data, dict) and cell:
                data = {k: v for k, v in data.items() if k in known and k not in ("sheet", "cell")}
                try:
                    ledger.cells[(sheet, cell)] = CellEntry(sheet, cell, **data)
                except TypeError:
                    continue
            elif kind == _ROW and isinstance(data, list):
                ledger.rows.setdefault(sheet, []).append(data)
            elif kind == _FORM and isinstance(data, dict):
                ledger.forms.setdefault(sheet, []).append(data)
        return ledger


def _dump(data: Any) -> str:
    # a date or time typed into a cell the engine owns is kept as its text
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _pos(cell: str) -> tuple[int, int]:
    try:
        return parse_addr(cell)
    except ValueError:
        return (0, 0)


def same_value(a: Any, b: Any) -> bool:
    """Two cell values that show the same: numbers within float noise, blanks alike."""
    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b


def still_ours(set_by_us: str | None, now: str | None, ours: tuple[str, ...] = ()) -> bool:
    """True when a fill or note the last run set is still there (``now`` None: unreadable)."""
    return now is None or now == set_by_us or (set_by_us == ANY_MARK and (not ours or now in ours))


def restore_grid(grid: Grid, ledger: Ledger) -> None:
    """Put the filler's values back into ``grid`` where an earlier run wrote its own and
    the cell still shows it, so this run checks what the filler typed (idempotent)."""
    for entry in ledger.on(grid.sheet):
        if not entry.written:
            continue
        row, col = parse_addr(entry.cell)
        if same_value(grid.get(row, col), entry.value):
            grid.put(row, col, entry.original)


__all__ = ["ANY_MARK", "CellEntry", "LEDGER_HEADER", "Ledger", "restore_grid", "same_value", "still_ours"]
