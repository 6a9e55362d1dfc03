"""A desktop Excel workbook for the add-in tests, driven through xlwings' remote engine.

The add-in's writer talks to real xlwings objects of the remote engine
(``xw.Book(json=…)``), which records every change as an action. This module keeps the
workbook those actions change — values, number formats, fills, notes, formulas, sheets —
and replays the actions onto it, so a test can click twice and compare what the user
would see with what ``jixiao fill`` writes.

Desktop Excel answers four synchronous reads that the remote engine refuses (a range's
fill, number format and formulas, a note's text); :func:`desktop_reads` patches those
getters of the remote engine's classes to answer them from the simulated workbook. Every
write still goes through the remote engine unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.processor.core.grid import addr, parse_addr

Pos = tuple[int, int]
EXCEL_USER = "张科员"  # Excel signs every note a program adds with the user's name

# actions that only change what the checks here do not compare (fonts, sizes, printing)
LOOK_ONLY = {"setFontProperty", "setColumnWidth", "setRowHeight", "setWrapText", "rangeMerge", "setAutofit",
             "setSheetAutofit", "setPrintArea", "setScreenUpdating", "alert", "activateSheet"}


@dataclass
class SimSheet:
    name: str
    values: dict[Pos, Any] = field(default_factory=dict)
    formulas: dict[Pos, str] = field(default_factory=dict)  # shown value in ``values``
    formats: dict[Pos, str] = field(default_factory=dict)
    fills: dict[Pos, str] = field(default_factory=dict)  # RRGGBB
    notes: dict[Pos, str] = field(default_factory=dict)
    authors: dict[Pos, str] = field(default_factory=dict)  # Excel writes the user's name
    visibility: str = "Visible"
    protected: bool = False

    def payload(self) -> dict[str, Any]:
        cells = [p for p, v in self.values.items() if v not in (None, "")]
        h = max((r for r, _ in cells), default=1)
        w = max((c for _, c in cells), default=1)
        values = [["" if self.values.get((r, c)) is None else self.values[(r, c)] for c in range(1, w + 1)]
                  for r in range(1, h + 1)]
        return {"name": self.name, "values": values, "pictures": [], "shapes": [], "charts": [], "tables": [],
                "notes": [{"address": "$" + "$".join(_split(addr(*p)))} for p in sorted(self.notes)],
                "visibility": self.visibility, "protection": {"protected": self.protected},
                "x_desktop": self}


@dataclass
class SimBook:
    name: str
    sheets: list[SimSheet]
    active: int = 0
    alerts: list[str] = field(default_factory=list)

    def sheet(self, name: str) -> SimSheet:
        return next(s for s in self.sheets if s.name == name)

    def payload(self, xw: Any) -> dict[str, Any]:
        return {"client": "Office.js", "version": xw.__version__,
                "book": {"name": self.name, "active_sheet_index": self.active, "selection": "A1"},
                "names": [], "sheets": [s.payload() for s in self.sheets]}


def _split(a1: str) -> tuple[str, str]:
    letters = "".join(ch for ch in a1 if ch.isalpha())
    return letters, a1[len(letters):]


# --------------------------------------------------------------------------- reads


def _sim_of(rng: Any) -> SimSheet:
    return rng.sheet.api["x_desktop"]


def _cells(rng: Any) -> list[list[Pos]]:
    nrows, ncols = rng.shape
    return [[(rng.row + i, rng.column + j) for j in range(ncols)] for i in range(nrows)]


@contextmanager
def desktop_reads() -> Iterator[None]:
    """Let the remote engine answer what desktop Excel answers synchronously."""
    from xlwings.pro import _xlremote as remote

    def color(self):
        fill = _sim_of(self).fills.get((self.row, self.column))
        return None if fill is None else tuple(int(fill[i:i + 2], 16) for i in (0, 2, 4))

    def number_format(self):
        return _sim_of(self).formats.get((self.row, self.column), "General")

    def formula(self):
        sim = _sim_of(self)
        rows = [[sim.formulas.get(p, sim.values.get(p) if sim.values.get(p) is not None else "") for p in line]
                for line in _cells(self)]
        return rows if len(rows) > 1 or len(rows[0]) > 1 else rows[0][0]

    def note_text(self):
        return _sim_of(self.range).notes.get((self.range.row, self.range.column), "")

    def note_author(self):
        return _sim_of(self.range).authors.get((self.range.row, self.range.column), EXCEL_USER)

    saved = {(remote.Range, "color"): remote.Range.color, (remote.Range, "number_format"): remote.Range.number_format,
             (remote.Range, "formula"): remote.Range.formula, (remote.Note, "text"): remote.Note.text,
             (remote.Note, "author"): remote.Note.author}
    try:
        remote.Range.color = property(color, remote.Range.color.fset)
        remote.Range.number_format = property(number_format, remote.Range.number_format.fset)
        remote.Range.formula = property(formula, remote.Range.formula.fset)
        remote.Note.text = property(note_text, remote.Note.text.fset)
        remote.Note.author = property(note_author)
        yield
    finally:
        for (cls, name), prop in saved.items():
            setattr(cls, name, prop)


# --------------------------------------------------------------------------- the click


def click(xw: Any, book: SimBook, sheet: str | None = None, *, desktop: bool = True) -> list[dict[str, Any]]:
    """Press 校验/计算 on ``sheet`` (default: the active one); ``book`` changes as Excel's
    would. Returns the actions the click queued."""
    import jixiao

    if sheet is not None:
        book.active = [s.name for s in book.sheets].index(sheet)
    remote_book = xw.Book(json=book.payload(xw))
    remote_book.set_mock_caller()
    try:
        if desktop:
            with desktop_reads():
                jixiao.main()
        else:
            jixiao.main()
    finally:
        del xw.Book._mock_caller
    acts = remote_book.json()["actions"]
    replay(book, acts)
    return acts


def replay(book: SimBook, actions: list[dict[str, Any]]) -> None:
    """Carry the recorded actions out on ``book``, as the Excel client would."""
    for a in actions:
        func = a["func"]
        if func == "alert":
            book.alerts.append(a["args"][0])
        if func in LOOK_ONLY:
            continue
        if func == "addSheet":
            index, name = a["args"]
            book.sheets.insert(index, SimSheet(name))
            continue
        sheet = book.sheets[a["sheet_position"]]
        if func == "setSheetVisibility":
            sheet.visibility = a["args"][0]
            continue
        if func == "sheetClear":
            book.sheets[a["sheet_position"]] = SimSheet(sheet.name, visibility=sheet.visibility)
            continue
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        cells = [(r0 + i, c0 + j) for i in range(a["row_count"]) for j in range(a["column_count"])]
        if func == "setValues":
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    _set_value(sheet, (r0 + i, c0 + j), v)
        elif func == "setNumberFormat":
            for p in cells:
                sheet.formats[p] = a["args"][0]
        elif func == "setRangeColor":
            for p in cells:
                if a["args"][0] is None:
                    sheet.fills.pop(p, None)
                else:
                    sheet.fills[p] = a["args"][0].lstrip("#").upper()
        elif func in ("addNote", "setNoteText"):
            pos = parse_addr(a["args"][0].replace("$", ""))
            sheet.notes[pos], sheet.authors[pos] = a["args"][1], EXCEL_USER
        elif func == "deleteNote":
            sheet.notes.pop(parse_addr(a["args"][0].replace("$", "")), None)
        else:
            raise AssertionError(f"the simulated Excel does not know the action {func}")


def _set_value(sheet: SimSheet, pos: Pos, value: Any) -> None:
    sheet.formulas.pop(pos, None)
    if isinstance(value, str) and value.startswith("'"):
        sheet.values[pos] = value[1:]  # Excel: the apostrophe keeps text as text
    elif isinstance(value, str) and value.startswith("="):
        sheet.formulas[pos] = value
        sheet.values[pos] = value  # the state keeps the formula (only our links are written)
    elif value in (None, ""):
        sheet.values.pop(pos, None)
    else:
        sheet.values[pos] = value


# --------------------------------------------------------------------------- files


def from_xlsx(path: Path, active: str | None = None) -> SimBook:
    """The workbook as desktop Excel opens it: shown values, formats, solid fills, notes."""
    from openpyxl import load_workbook

    wb, shown = load_workbook(path), load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        sim = SimSheet(ws.title, visibility={"visible": "Visible", "hidden": "Hidden"}.get(ws.sheet_state, "VeryHidden"),
                       protected=bool(ws.protection.sheet))
        for row in ws.iter_rows():
            for c in row:
                p = (c.row, c.column)
                value = shown[ws.title].cell(*p).value
                if c.data_type == "f":
                    sim.formulas[p] = str(c.value)
                if c.hyperlink is not None and c.hyperlink.location:
                    value = f'=HYPERLINK("#{c.hyperlink.location}","{c.value}")'
                if value is not None:
                    sim.values[p] = float(value) if isinstance(value, int) and not isinstance(value, bool) else value
                if c.number_format != "General":
                    sim.formats[p] = c.number_format
                if c.fill.fill_type == "solid" and isinstance(c.fill.fgColor.rgb, str):
                    sim.fills[p] = c.fill.fgColor.rgb[-6:].upper()
                if c.comment is not None:
                    sim.notes[p], sim.authors[p] = c.comment.text, c.comment.author or ""
        sheets.append(sim)
    names = [s.name for s in sheets]
    return SimBook(Path(path).name, sheets, names.index(active) if active else names.index(wb.active.title))


def to_xlsx(book: SimBook, path: Path) -> Path:
    """Save the simulated workbook (what Excel would save after the click)."""
    from jixiao.processor.files.write_text import set_text
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    wb = Workbook()
    wb.remove(wb.active)
    for sim in book.sheets:
        ws = wb.create_sheet(sim.name)
        ws.sheet_state = {"Visible": "visible", "Hidden": "hidden"}.get(sim.visibility, "veryHidden")
        for p in set(sim.values) | set(sim.formats) | set(sim.fills) | set(sim.notes):
            c = ws.cell(*p)
            value = sim.values.get(p)
            link = _link(value)
            if link:
                c.value = link[0]
                c.hyperlink = Hyperlink(ref=c.coordinate, location=link[1], display=link[0])
            elif p in sim.formulas:
                c.value = sim.formulas[p]
            else:
                set_text(c, value)
            if p in sim.formats:
                c.number_format = sim.formats[p]
            if p in sim.fills:
                c.fill = PatternFill("solid", fgColor="FF" + sim.fills[p])
            if p in sim.notes:
                c.comment = Comment(sim.notes[p], sim.authors.get(p, EXCEL_USER))
    wb.active = [s.name for s in book.sheets].index(book.sheets[book.active].name)
    wb.save(path)
    from jixiao.processor.files.xlsx_cache import fill_cached_values

    cached = {s.name: {addr(*p): s.values[p] for p in s.formulas if s.values.get(p) not in (None, "")
                       and not _link(s.values[p])} for s in book.sheets}
    path.write_bytes(fill_cached_values(path.read_bytes(), {k: v for k, v in cached.items() if v}))
    return path


_HYPERLINK = re.compile(r'^=HYPERLINK\("#(.*)","(.*)"\)$')


def _link(value: Any) -> tuple[str, str] | None:
    m = _HYPERLINK.match(value) if isinstance(value, str) else None
    return (m.group(2), m.group(1).replace('""', '"')) if m else None


# --------------------------------------------------------------------------- what the user sees


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 9)
    link = _link(value)
    if link:
        return ("链接", link[0], link[1])
    return value


def state_of_sim(book: SimBook) -> dict[str, Any]:
    out: dict[str, Any] = {"sheets": [(s.name, s.visibility != "Visible") for s in book.sheets]}
    for s in book.sheets:
        cells = {}
        for p in set(s.values) | set(s.fills) | set(s.notes) | set(s.formats):
            cells[addr(*p)] = (_norm(s.values.get(p)), s.formats.get(p, "General"), s.fills.get(p, ""),
                               s.notes.get(p))
        out[s.name] = {k: v for k, v in cells.items() if v != (None, "General", "", None)}
    return out


def state_of_xlsx(path: Path) -> dict[str, Any]:
    """The same view of a file written by ``jixiao fill`` (solid fills as RRGGBB)."""
    return state_of_sim(from_xlsx(path))


__all__ = ["SimBook", "SimSheet", "click", "desktop_reads", "from_xlsx", "replay", "state_of_sim",
           "state_of_xlsx", "to_xlsx"]
