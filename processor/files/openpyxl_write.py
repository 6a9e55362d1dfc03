"""The openpyxl edge of ``jixiao fill``: apply the engine's patch and save the copy.

Reading is in :mod:`jixiao.processor.files.openpyxl_read`, the marks' notes and fills in
:mod:`jixiao.processor.files.cell_marks`, the text-stays-text rule in :mod:`jixiao.processor.files.write_text`.

The engine decides *what* to write (:func:`jixiao.processor.core.patch.build_patch`); this module
only knows *how* with openpyxl, the same way ``jixiao.processor.files.xlwings_write`` does it in Excel:

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
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import SEVERITY_CN
from jixiao.processor.core.grid import addr, parse_addr
from jixiao.processor.core.patch import (
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
from jixiao.processor.files.cell_marks import clear_marks, compose_note, fill_tag, is_our_note
from jixiao.processor.files.openpyxl_read import form_sheets, grid_from_sheets, is_formula_cell
from jixiao.processor.files.write_text import set_text
from openpyxl import load_workbook as _openpyxl_load
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

_SEV_FROM_CN = {v: k for k, v in SEVERITY_CN.items()}
HEADER_FILL = "D9D9D9"
NO_FINDINGS = "未发现问题。"
RESULT_WIDTHS = (6, 6, 8, 16, 10, 60, 50, 12)


# --------------------------------------------------------------------------- outcome


@dataclass
class FillOutcome:
    """What ``fill_file`` did: where it wrote, what it found, what it could not keep."""

    source: Path
    output: Path
    backup: Path | None
    result: Any  # jixiao.processor.core.engine.FileResult
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
        rows.append([0, SEVERITY_CN[f.severity], f.code, f.sheet or "", f.cell or "", f.message, f.fix, ""])
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
    return "部分格式或功能本工具无法识别，输出副本中可能不保留"


def _load(path: Path) -> tuple[Workbook, Workbook, list[str]]:
    notices: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            wb = _openpyxl_load(path, keep_vba=False, rich_text=False)
            values = _openpyxl_load(path, data_only=True, keep_vba=False)
        except InputError:
            raise
        except Exception:  # openpyxl raises many types for damaged packages
            raise InputError("文件已损坏，表格内容无法解析；请在 Excel 或 WPS 中打开并另存为 .xlsx 后重试",
                             file=str(path), code="J501") from None
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
    from jixiao.processor.core.engine import check_grids

    grids = []
    for ws in form_sheets(wb):
        previous = clear_marks(ws)
        grid = grid_from_sheets(ws, values_wb[ws.title], profile["limits"].get("max_cells"))
        for a1, value in restore_originals(grid, previous).items():
            cell = anchor(ws, a1)  # the filler's value again; the patch rewrites it if still wrong
            if not is_formula_cell(cell):
                set_text(cell, value)
        grids.append(grid)
    result = check_grids(grids, file, profile)
    result.findings[:0] = list(extra_findings or [])
    patches, engine_values = [], {}
    for sheet in result.sheets:
        patch = build_patch(sheet, profile.tol)
        apply_patch(wb[sheet.sheet], patch)
        patches.append(patch)
        engine_values.setdefault(sheet.sheet, {}).update(computed_cells(sheet))  # stacked forms share a sheet
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
    from jixiao.processor.files.xlsx_cache import fill_cached_values

    return fill_cached_values(data, cached, epoch)


def fill_file(src: str | Path, out: str | Path | None = None, in_place: bool = False,
              profile: Any = None) -> FillOutcome:
    """``jixiao fill``: write a checked, marked copy (or replace ``src`` with ``in_place``).

    Raises :class:`InputError` for unreadable input or an impossible output; the input
    is never modified unless ``in_place`` is set, and then only by an atomic rename
    after a backup (``<stem>.bak.xlsx``) has been written.
    """
    from jixiao.processor.core.engine import active_content_findings
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.atomic import atomic_copy, atomic_write
    from jixiao.processor.files.calamine_read import guard_file

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
    # hostile inputs (issue 11): the copy keeps no external link, unsafe hyperlink or macro
    from jixiao.processor.files.sanitize import sanitize_workbook
    notices += sanitize_workbook(wb, values_wb)
    extra = active_content_findings(str(src), report.active_content, profile)
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
    "FillOutcome",
    "anchor",
    "apply_patch",
    "backup_path",
    "default_output",
    "fill_file",
    "fill_workbook",
    "result_rows",
    "workbook_bytes",
    "write_result_sheet",
]
