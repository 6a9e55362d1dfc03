"""The openpyxl edge of ``jixiao fill``: read a workbook into grids, apply the engine's patch.

The engine decides *what* to write (:func:`processor.patch.build_patch`); this module
only knows *how* with openpyxl, the same way ``jixiao.xlwings_adapter`` does it in Excel:

- computed values go into the cells the patch names — never into a formula cell, and
  into the top-left cell when the address lies inside a merged range;
- each mark gets the severity's fill and a note (author ``jixiao``). The note ends with
  the cell's previous fill, ``〔原底色：…〕``, and keeps a note the user had there above a
  separator line, so the next run can undo the marks exactly before placing new ones;
- the ``校验结果`` sheet is rebuilt with one row per finding and a link to its cell.

Running ``fill`` on its own output therefore gives the same workbook again: notes of an
earlier run are read, the filler's original values restored (``restore_originals``)
and the old fills put back before the check runs.

What openpyxl cannot keep is reported in :attr:`FillOutcome.notices` (macros of an
.xlsm, drawing shapes, extension-only data validation). ``.xls`` files are refused with
a request to save them as .xlsx first: openpyxl cannot read them, and a copy rebuilt
from values alone would lose the form's layout.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook as _openpyxl_load
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.colors import Color
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from .errors import InputError
from .grid import Formula, Grid, addr, parse_addr
from .patch import (
    NOTE_AUTHOR,
    RESULT_HEADER,
    RESULT_SHEET,
    SEVERITY_FILL,
    Patch,
    build_patch,
    computed_cells,
    restore_originals,
    summary_text,
)

FILL_TAG = "〔原底色："
NO_FILL = "无"
_SEPARATOR = "—— 以上为原批注（作者：{author}），以下为 jixiao 校验 ——"
_SEPARATOR_RE = re.compile(r"^—— 以上为原批注（作者：(.*)），以下为 jixiao 校验 ——$", re.M)
_SEV_CN = {"error": "错误", "warning": "提示", "info": "信息"}
_SEV_FROM_CN = {v: k for k, v in _SEV_CN.items()}
_UNSAFE_START = ("=", "+", "-", "@")
HEADER_FILL = "D9D9D9"
NO_FINDINGS = "未发现问题。"
RESULT_WIDTHS = (6, 6, 8, 16, 10, 60, 50)


# --------------------------------------------------------------------------- outcome


@dataclass
class FillOutcome:
    """What ``fill_file`` did: where it wrote, what it found, what it could not keep."""

    source: Path
    output: Path
    backup: Path | None
    result: Any  # processor.engine.FileResult
    patches: list[Patch] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # Chinese lines: content not kept

    @property
    def findings(self) -> list:
        return self.result.all_findings

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    @property
    def summary(self) -> str:
        return f"已写入 {self.output}：{summary_text(self.findings)}"


# --------------------------------------------------------------------------- paths


def default_output(src: str | Path) -> Path:
    """``<stem>_已校验.xlsx`` next to the input."""
    src = Path(src)
    return src.with_name(f"{src.stem}_已校验.xlsx")


def backup_path(src: str | Path) -> Path:
    """``<stem>.bak.xlsx`` next to the input: the one backup ``--in-place`` keeps."""
    src = Path(src)
    return src.with_name(f"{src.stem}.bak{src.suffix}")


# --------------------------------------------------------------------------- text safety


def safe_text(value: Any) -> Any:
    """Strings without the control characters XML cannot hold; other values unchanged."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def set_text(cell: Any, value: Any) -> None:
    """Assign ``value``; a string that looks like a formula stays text (no injection)."""
    value = safe_text(value)
    cell.value = value
    if isinstance(value, str) and value.startswith(_UNSAFE_START):
        cell.data_type = "s"
        cell.quotePrefix = True


# --------------------------------------------------------------------------- reading


def is_formula_cell(cell: Any) -> bool:
    value = cell.value
    return cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula)) or (
        isinstance(value, str) and value.startswith("=") and cell.data_type != "s")


def _formula_text(value: Any) -> str:
    if isinstance(value, ArrayFormula):
        return value.text or ""
    if isinstance(value, DataTableFormula):
        return "=TABLE()"
    return str(value)


def form_sheets(wb: Workbook) -> list[Worksheet]:
    """The worksheets the engine reads: not the 校验结果 sheet, not very hidden ones."""
    return [ws for ws in wb.worksheets
            if isinstance(ws, Worksheet) and ws.title != RESULT_SHEET and ws.sheet_state != "veryHidden"]


def grid_from_sheets(ws: Worksheet, values_ws: Worksheet, max_cells: int | None = None) -> Grid:
    """One worksheet as a grid: cached values, ``Formula`` where a formula has none.

    Integers become floats, as python-calamine gives them, so notes and results do not
    depend on the reader.
    """
    cells: dict[tuple[int, int], Any] = {}
    for (row, col), cell in ws._cells.items():  # sparse: only cells that exist in the file
        value = cell.value
        if is_formula_cell(cell):
            cached = values_ws._cells.get((row, col))
            cached_value = cached.value if cached is not None else None
            value = Formula(_formula_text(value)) if cached_value is None else cached_value
        if value is None or value == "":
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        cells[(row, col)] = value
    merged = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
    if not cells:
        return Grid(ws.title, [], 1, 1, merged)
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    top, left, bottom, right = min(rows), min(cols), max(rows), max(cols)
    if max_cells is not None and (bottom - top + 1) * (right - left + 1) > max_cells:
        raise InputError(
            f"工作表“{ws.title}”有 {bottom - top + 1} 行 × {right - left + 1} 列，超过单表 {max_cells} 个单元格的上限",
            code="J504")
    grid_rows = [[None] * (right - left + 1) for _ in range(bottom - top + 1)]
    for (row, col), value in cells.items():
        grid_rows[row - top][col - left] = value
    return Grid(ws.title, grid_rows, top, left, merged)


def grids_from_openpyxl(wb: Workbook, values_wb: Workbook, max_cells: int | None = None) -> list[Grid]:
    """Grids of every form sheet, as :func:`processor.workbook.load_workbook` gives them."""
    return [grid_from_sheets(ws, values_wb[ws.title], max_cells) for ws in form_sheets(wb)]


# --------------------------------------------------------------------------- our notes


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


def our_notes(ws: Worksheet) -> dict[str, OurNote]:
    return {cell.coordinate: parse_note(cell.comment.text or "")
            for cell in ws._cells.values() if is_our_note(cell.comment)}


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


# --------------------------------------------------------------------------- writing


def anchor(ws: Worksheet, a1: str) -> Any:
    """The cell at ``a1``, or the top-left cell of the merged range holding it."""
    row, col = parse_addr(a1.split(":")[0].replace("$", ""))
    cell = ws.cell(row, col)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
                return ws.cell(rng.min_row, rng.min_col)
    return cell


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


def _note_size(text: str) -> tuple[int, int]:
    lines = sum(1 + len(line) // 22 for line in text.splitlines())
    return min(40 + 16 * lines, 600), 320  # height, width in px


def apply_patch(ws: Worksheet, patch: Patch) -> list[str]:
    """Write the patch's values and marks into ``ws``; returns cells skipped as formulas.

    Call :func:`clear_marks` first when the sheet may carry marks of an earlier run.
    """
    skipped: list[str] = []
    for cv in patch.values:
        cell = anchor(ws, cv.cell)
        if is_formula_cell(cell):
            skipped.append(cell.coordinate)
            continue
        set_text(cell, cv.value)
        if cv.number_format and _needs_format(cell.number_format, cv.number_format):
            cell.number_format = cv.number_format
    merged_marks: dict[str, tuple[str, str]] = {}
    order = ("error", "warning", "info")
    for mark in patch.marks:
        coord = anchor(ws, mark.cell).coordinate
        if coord in merged_marks:
            sev, text = merged_marks[coord]
            sev = min(sev, mark.severity, key=lambda s: order.index(s) if s in order else 9)
            merged_marks[coord] = (sev, f"{text}\n{mark.note}")
        else:
            merged_marks[coord] = (mark.severity, mark.note)
    for coord, (sev, text) in merged_marks.items():
        cell = ws[coord]
        old_fill = fill_tag(cell.fill)
        user = cell.comment if cell.comment is not None and not is_our_note(cell.comment) else None
        note = compose_note(text, old_fill, user)
        height, width = _note_size(note)
        cell.comment = Comment(note, NOTE_AUTHOR, height=height, width=width)
        colour = SEVERITY_FILL.get(sev)
        if colour:
            cell.fill = PatternFill("solid", fgColor="FF" + colour)
    return skipped


def _needs_format(current: str | None, wanted: str) -> bool:
    """Keep the form's own number format unless it would hide the value's meaning."""
    if not current or current == "General":
        return True
    return "%" in wanted and "%" not in current


def result_rows(result: Any, patches: list[Patch]) -> list[list[Any]]:
    """Rows of the 校验结果 sheet: file-level findings first, then each sheet's, numbered."""
    rows: list[list[Any]] = []
    for f in sorted(result.findings, key=lambda f: f.sort_key()):
        rows.append([0, _SEV_CN[f.severity], f.code, f.sheet or "", f.cell or "", f.message, f.fix])
    for patch in patches:
        rows.extend(list(r) for r in patch.result_rows)
    for i, row in enumerate(rows, start=1):
        row[0] = i
    return rows


def write_result_sheet(wb: Workbook, rows: list[list[Any]]) -> Worksheet:
    """(Re)build the 校验结果 sheet: header, one row per finding, links to the cells."""
    index = None
    if RESULT_SHEET in wb.sheetnames:
        index = wb.sheetnames.index(RESULT_SHEET)
        wb.remove(wb[RESULT_SHEET])
    ws = wb.create_sheet(RESULT_SHEET, index)
    bold = Font(bold=True)
    for col, title in enumerate(RESULT_HEADER, start=1):
        cell = ws.cell(1, col, title)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="FF" + HEADER_FILL)
    level_col, sheet_col, cell_col = (RESULT_HEADER.index(k) + 1 for k in ("级别", "工作表", "单元格"))
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row[: len(RESULT_HEADER)], start=1):
            cell = ws.cell(r, c)
            set_text(cell, value if value != "" else None)
            cell.alignment = wrap if c >= len(RESULT_HEADER) - 1 else top
        sev = _SEV_FROM_CN.get(str(row[level_col - 1]))
        if sev in SEVERITY_FILL:
            ws.cell(r, level_col).fill = PatternFill("solid", fgColor="FF" + SEVERITY_FILL[sev])
        sheet_name, target = str(row[sheet_col - 1] or ""), str(row[cell_col - 1] or "")
        if sheet_name and target and sheet_name in wb.sheetnames:
            link = ws.cell(r, cell_col)
            quoted = sheet_name.replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{target.split(':')[0]}",
                                       display=target)
            link.font = Font(color="FF0563C1", underline="single")
    if not rows:
        ws.cell(2, RESULT_HEADER.index("问题") + 1, NO_FINDINGS)
    for col, width in enumerate(RESULT_WIDTHS, start=1):
        ws.column_dimensions[addr(1, col)[:-1]].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{addr(max(len(rows), 1) + 1, len(RESULT_HEADER))}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


# --------------------------------------------------------------------------- whole file


_OPENPYXL_WARNINGS = (
    ("Data Validation extension", "部分数据验证（扩展格式，如引用其他工作表的下拉列表）无法保留"),
    ("Conditional Formatting extension", "部分条件格式（扩展格式）无法保留"),
    ("Slicer", "切片器无法保留"),
)


def _translate_warning(message: str) -> str | None:
    for needle, text in _OPENPYXL_WARNINGS:
        if needle in message:
            return text
    if "header or footer" in message:
        return None  # openpyxl re-parses them; nothing is lost
    return f"部分内容可能无法保留（{message[:80]}）"


def _load(path: Path) -> tuple[Workbook, Workbook, list[str]]:
    notices: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            wb = _openpyxl_load(path, keep_vba=False, rich_text=False)
            values = _openpyxl_load(path, data_only=True, keep_vba=False)
        except InputError:
            raise
        except Exception as exc:  # openpyxl raises many types for damaged packages
            text = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
            raise InputError(f"文件已损坏，无法读取（{text}）", file=str(path), code="J501") from None
    for w in caught:
        line = _translate_warning(str(w.message))
        if line and line not in notices:
            notices.append(line)
    return wb, values, notices


def _package_notices(path: Path) -> list[str]:
    out: list[str] = []
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return out
    if any(n.startswith("xl/drawings/drawing") and n.endswith(".xml") for n in names):
        out.append("工作表中的图形、文本框等绘图对象可能无法保留（图片和图表通常保留）")
    if "xl/vbaProject.bin" in names:
        out.append("宏（VBA）不会保留，输出文件为 .xlsx")
    return out


def _cached_values(wb: Workbook, values_wb: Workbook, engine_values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Sheet → {cell: value} for every formula cell: the input's cached value, or the
    engine's computed one for an engine-owned cell whose cache was empty."""
    out: dict[str, dict[str, Any]] = {}
    for ws in wb.worksheets:
        if not isinstance(ws, Worksheet) or ws.title == RESULT_SHEET:
            continue
        vws = values_wb[ws.title] if ws.title in values_wb.sheetnames else None
        computed = engine_values.get(ws.title, {})
        cells: dict[str, Any] = {}
        for (row, col), cell in ws._cells.items():
            if not is_formula_cell(cell):
                continue
            cached = vws._cells.get((row, col)) if vws is not None else None
            value = cached.value if cached is not None else None
            if value is None:
                value = computed.get(cell.coordinate)
            if value is not None:
                cells[cell.coordinate] = value
        if cells:
            out[ws.title] = cells
    return out


def fill_workbook(wb: Workbook, values_wb: Workbook, file: str, profile: Any,
                  extra_findings: list | None = None) -> tuple[Any, list[Patch], dict[str, dict[str, Any]]]:
    """Check and mark an open workbook. Returns (FileResult, patches, cached values)."""
    from .engine import check_grids

    grids = []
    for ws in form_sheets(wb):
        previous = clear_marks(ws)
        grid = grid_from_sheets(ws, values_wb[ws.title], profile["limits"].get("max_cells"))
        restore_originals(grid, previous)
        grids.append(grid)
    result = check_grids(grids, file, profile)
    result.findings[:0] = list(extra_findings or [])
    patches, engine_values = [], {}
    for sheet in result.sheets:
        patch = build_patch(sheet, profile.tol)
        apply_patch(wb[sheet.sheet], patch)
        patches.append(patch)
        engine_values[sheet.sheet] = computed_cells(sheet)
    write_result_sheet(wb, result_rows(result, patches))
    return result, patches, _cached_values(wb, values_wb, engine_values)


def workbook_bytes(wb: Workbook, cached: dict[str, dict[str, Any]]) -> bytes:
    """The workbook as .xlsx bytes, recalculated on open, formula caches restored."""
    from openpyxl.workbook.properties import CalcProperties

    if wb.calculation is None:
        wb.calculation = CalcProperties()
    wb.calculation.fullCalcOnLoad = True
    buf = io.BytesIO()
    wb.save(buf)
    return _fill_caches(buf.getvalue(), cached, wb.epoch)


def _fill_caches(data: bytes, cached: dict[str, dict[str, Any]], epoch: dt.datetime) -> bytes:
    from .xlsx_cache import fill_cached_values

    return fill_cached_values(data, cached, epoch)


def fill_file(src: str | Path, out: str | Path | None = None, in_place: bool = False,
              profile: Any = None) -> FillOutcome:
    """``jixiao fill``: write a checked, marked copy (or replace ``src`` with ``in_place``).

    Raises :class:`InputError` for unreadable input or an impossible output; the input
    is never modified unless ``in_place`` is set, and then only by an atomic rename
    after a backup (``<stem>.bak.xlsx``) has been written.
    """
    from .atomic import atomic_copy, atomic_write
    from .findings import make
    from .rules import load_profile
    from .workbook import guard_file

    src = Path(src)
    profile = profile or load_profile()
    if in_place and out is not None:
        raise InputError("--in-place 与 -o 不能同时使用", code="J505")
    suffix = src.suffix.lower()
    if in_place and suffix != ".xlsx":
        raise InputError(f"--in-place 只适用于 .xlsx 文件；{suffix or '此'} 文件请用 -o 另存为 .xlsx",
                         file=str(src), code="J505")
    target = src if in_place else Path(out) if out is not None else default_output(src)
    if target.suffix.lower() != ".xlsx":
        raise InputError(f"输出文件须为 .xlsx：{target}", code="J505")
    if not in_place and _same_file(src, target):
        raise InputError("输出文件与输入文件相同；要覆盖原文件请用 --in-place", file=str(src), code="J505")
    xls_message = ("fill 不能改写 .xls（旧版 Excel 格式）：请在 Excel 或 WPS 中“另存为” .xlsx 后再运行"
                   "（jixiao check 可直接读取 .xls）")
    if suffix == ".xls":
        raise InputError(xls_message, file=str(src), code="J505")
    report = guard_file(src, profile["limits"])
    if getattr(report, "kind", "xlsx") == "xls":
        raise InputError(xls_message, file=str(src), code="J505")
    wb, values_wb, notices = _load(src)
    notices = _package_notices(src) + notices
    what = [w for w, flag in (("宏（VBA）", getattr(report, "macros", False)),
                              ("外部链接", getattr(report, "external_links", False))) if flag]
    extra = [make("R011", file=str(src), what="和".join(what))] if what else []
    result, patches, cached = fill_workbook(wb, values_wb, str(src), profile, extra)
    data = workbook_bytes(wb, cached)
    backup = None
    try:
        if in_place:
            backup = backup_path(src)
            atomic_copy(src, backup)
        atomic_write(target, lambda tmp: tmp.write_bytes(data))
    except OSError as exc:
        raise InputError(f"无法写入 {target}（{exc.strerror or exc}）", file=str(src), code="J501") from None
    return FillOutcome(src, target, backup, result, patches, notices)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False


__all__ = [
    "FILL_TAG",
    "FillOutcome",
    "anchor",
    "apply_patch",
    "backup_path",
    "clear_marks",
    "default_output",
    "fill_file",
    "fill_from_tag",
    "fill_tag",
    "fill_workbook",
    "grid_from_sheets",
    "grids_from_openpyxl",
    "parse_note",
    "result_rows",
    "set_text",
    "workbook_bytes",
    "write_result_sheet",
]
