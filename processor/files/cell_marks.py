"""Marks that ``jixiao fill`` puts on cells, and how to take them off again.

A mark is the severity's fill plus a note by author ``jixiao``. The note ends with the
cell's previous fill, ``〔原底色：…〕``, and keeps a note the user had there above a
separator line, so the next run restores the cell exactly before marking it anew.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jixiao.processor.core.patch import NOTE_AUTHOR
from jixiao.processor.files.write_text import safe_text
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import Color
from openpyxl.worksheet.worksheet import Worksheet

FILL_TAG = "〔原底色："
NO_FILL = "无"
_SEPARATOR = "—— 以上为原批注（作者：{author}），以下为 jixiao 校验 ——"
_SEPARATOR_RE = re.compile(r"^—— 以上为原批注（作者：(.*)），以下为 jixiao 校验 ——$", re.M)


@dataclass(frozen=True)
class OurNote:
    """A note written by an earlier run, taken apart."""

    patch_text: str  # what the patch said (findings, 〔原填写：…〕)
    fill_tag: str | None  # the cell's fill before the mark, see fill_tag()
    user_text: str | None = None  # a note the user had on the cell before
    user_author: str = ""


def compose_note(patch_text: str, old_fill: str, user: Comment | None = None) -> str:
    text = f"{patch_text}\n{FILL_TAG}{old_fill}〕"
    if user is not None and (user.text or "").strip():
        text = f"{user.text}\n{_SEPARATOR.format(author=user.author or '')}\n{text}"
    return safe_text(text)


def parse_note(text: str) -> OurNote:
    user_text, user_author = None, ""
    seps = list(_SEPARATOR_RE.finditer(text))
    if seps:
        sep = seps[-1]
        user_text, user_author = text[: sep.start()].rstrip("\n"), sep.group(1)
        text = text[sep.end():].lstrip("\n")
    tag = None
    last_nl = text.rfind("\n")
    last = text[last_nl + 1:]
    if last.startswith(FILL_TAG) and last.endswith("〕"):
        tag = last[len(FILL_TAG):-1]
        text = text[:max(last_nl, 0)]
    return OurNote(text, tag, user_text, user_author)


def is_our_note(comment: Comment | None) -> bool:
    return comment is not None and (comment.author or "").strip() == NOTE_AUTHOR


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
    """The fill as short text for the note: ``无``, ``FFFF00`` (solid), or
    ``pattern:fg:bg`` (e.g. ``solid:t4~0.4:auto``). Gradient fills are not kept."""
    # cell.fill is a StyleProxy around the fill: ask for its tag, not its class
    if getattr(fill, "tagname", None) != "patternFill" or not fill.fill_type:
        return NO_FILL
    fg, bg = _colour_token(fill.fgColor), _colour_token(fill.bgColor)
    if fill.fill_type == "solid" and ":" not in fg and re.fullmatch(r"[0-9A-F]{6}", fg):
        return fg
    return f"{fill.fill_type}:{fg}:{bg}"


def fill_from_tag(tag: str) -> PatternFill:
    try:
        if tag == NO_FILL or not tag:
            return PatternFill(fill_type=None)
        if ":" not in tag:
            return PatternFill("solid", fgColor=_colour_from(tag))
        pattern, fg, bg = tag.split(":", 2)
        return PatternFill(pattern, fgColor=_colour_from(fg) or Color(), bgColor=_colour_from(bg) or Color())
    except (ValueError, TypeError):
        return PatternFill(fill_type=None)


def clear_marks(ws: Worksheet) -> dict[str, str]:
    """Undo an earlier run's marks: restore fills and user notes, drop our notes.

    Returns cell → the patch text of each removed note, for ``restore_originals``.
    """
    out: dict[str, str] = {}
    for cell in list(ws._cells.values()):
        if not is_our_note(cell.comment):
            continue
        note = parse_note(cell.comment.text or "")
        out[cell.coordinate] = note.patch_text
        if note.fill_tag is not None:
            cell.fill = fill_from_tag(note.fill_tag)
        cell.comment = Comment(note.user_text, note.user_author) if note.user_text else None
    return out
