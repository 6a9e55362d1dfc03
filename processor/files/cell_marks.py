"""How a cell looks in openpyxl: read it for the plan, change it as the plan says.

A fill is kept as a short token (``""`` none, ``FFC7CE`` solid, ``solid:t4~0.4:auto`` for
theme colours and patterns), so the record of a run can give a cell its exact fill back.
Workbooks marked by jixiao 0.1 (notes ending in ``〔原底色：…〕``) are read as a record too.
"""

from __future__ import annotations

import re
from typing import Any

from jixiao.processor.core.ledger import CellEntry, Ledger
from jixiao.processor.core.marks import NOTE_AUTHOR
from jixiao.processor.core.plan import KEEP, CellChange, Look
from jixiao.processor.files.openpyxl_read import is_formula_cell
from jixiao.processor.files.write_text import safe_text, set_text
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import Color
from openpyxl.worksheet.worksheet import Worksheet

PX_PER_PT = 4 / 3

# --------------------------------------------------------------------------- fills


def _colour_token(colour: Color | None) -> str:
    if colour is None:
        return "auto"
    tint = f"~{colour.tint:g}" if colour.tint else ""
    if colour.type == "rgb" and isinstance(colour.rgb, str):
        rgb = colour.rgb.upper()
        return (rgb[2:] if len(rgb) == 8 and rgb.startswith("FF") else rgb) + tint
    if colour.type == "theme":
        return f"t{colour.theme}{tint}"
    if colour.type == "indexed":
        return f"i{colour.indexed}{tint}"
    return "auto"


def _colour_from(token: str) -> Color | None:
    if token == "auto":
        return None
    tint = 0.0
    if "~" in token:
        token, raw = token.split("~", 1)
        tint = float(raw)
    if token.startswith("t"):
        return Color(theme=int(token[1:]), tint=tint)
    if token.startswith("i"):
        return Color(indexed=int(token[1:]), tint=tint)
    return Color(rgb=token if len(token) == 8 else "FF" + token, tint=tint)


def fill_tag(fill: Any) -> str:
    """The fill as a token: ``""`` (none), ``FFFF00`` (solid), or ``pattern:fg:bg`` (e.g.
    ``solid:t4~0.4:auto``). Gradient fills count as none."""
    # cell.fill is a StyleProxy around the fill: ask for its tag, not its class
    if getattr(fill, "tagname", None) != "patternFill" or not fill.fill_type:
        return ""
    fg, bg = _colour_token(fill.fgColor), _colour_token(fill.bgColor)
    if fill.fill_type == "solid" and re.fullmatch(r"[0-9A-F]{6}", fg):
        return fg
    return f"{fill.fill_type}:{fg}:{bg}"


def fill_from_tag(tag: str | None) -> PatternFill:
    try:
        if not tag or tag == "无":
            return PatternFill(fill_type=None)
        if ":" not in tag:
            return PatternFill("solid", fgColor=_colour_from(tag))
        pattern, fg, bg = tag.split(":", 2)
        return PatternFill(pattern, fgColor=_colour_from(fg) or Color(), bgColor=_colour_from(bg) or Color())
    except (ValueError, TypeError):
        return PatternFill(fill_type=None)


# --------------------------------------------------------------------------- looks


def look_of(cell: Any) -> Look:
    """What ``cell`` shows now (formula cells: their formula, never written)."""
    note = cell.comment
    return Look(
        value=cell.value,
        number_format=cell.number_format,
        fill=fill_tag(cell.fill),
        note=(note.text or "") if note is not None else None,
        note_author=(note.author or "") if note is not None else "",
        formula=is_formula_cell(cell),
    )


def apply_change(cell: Any, change: CellChange) -> None:
    """Carry one cell's change out (fields at KEEP stay as they are)."""
    if change.value is not KEEP and not is_formula_cell(cell):
        set_text(cell, change.value)
    if change.number_format is not KEEP and change.number_format is not None:
        cell.number_format = change.number_format
    if change.fill is not KEEP:
        cell.fill = fill_from_tag(change.fill)
    if change.note is not KEEP:
        if change.note is None:
            cell.comment = None
        else:
            width, height = change.note_size or (240.0, 80.0)
            cell.comment = Comment(safe_text(change.note), change.note_author or NOTE_AUTHOR,
                                   height=round(height * PX_PER_PT), width=round(width * PX_PER_PT))


# --------------------------------------------------------------------------- jixiao 0.1 marks

_OLD_FILL = "〔原底色："
_OLD_ORIGINAL = "〔原填写："
_OLD_SEPARATOR = re.compile(r"^—— 以上为原批注（作者：(.*)），以下为 jixiao 校验 ——$", re.M)


def legacy_entries(ws: Worksheet) -> list[CellEntry]:
    """The record of a sheet marked by jixiao 0.1: its notes carried the previous fill and
    the filler's original value; the user's own note stood above a separator line."""
    out: list[CellEntry] = []
    for cell in list(ws._cells.values()):
        note = cell.comment
        if note is None or (note.author or "").strip() != NOTE_AUTHOR or _OLD_FILL not in (note.text or ""):
            continue
        text = note.text or ""
        user, author = None, ""
        seps = list(_OLD_SEPARATOR.finditer(text))
        if seps:
            user, author = text[: seps[-1].start()].rstrip("\n"), seps[-1].group(1)
        fill_before = text.rsplit(_OLD_FILL, 1)[1].split("〕", 1)[0]
        entry = CellEntry(ws.title, cell.coordinate, fill_before="" if fill_before == "无" else fill_before,
                          fill=fill_tag(cell.fill), note_before=user, note_author_before=author, note=text)
        if _OLD_ORIGINAL in text:
            raw = text.split(_OLD_ORIGINAL, 1)[1].split("〕", 1)[0]
            original: Any = None if raw == "" else raw
            try:
                original = float(raw) if raw else None
            except ValueError:
                pass
            entry = CellEntry(**{**entry.__dict__, "written": True, "value": cell.value, "original": original})
        out.append(entry)
    return out


def legacy_ledger(sheets: list[Worksheet]) -> Ledger:
    ledger = Ledger()
    for ws in sheets:
        ledger.cells.update({(e.sheet, e.cell): e for e in legacy_entries(ws)})
    return ledger


__all__ = ["apply_change", "fill_from_tag", "fill_tag", "legacy_ledger", "look_of"]
