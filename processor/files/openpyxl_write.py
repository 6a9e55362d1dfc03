"""The openpyxl edge of ``jixiao fill``: carry out the engine's plan and save the copy.

The engine decides *what* changes (:func:`jixiao.processor.core.plan.build_plan`: values,
number formats, marks with each cell's previous look, notes, the 校验结果 page and the
run's record); this module only reads what cells show (:mod:`cell_marks`) and writes the
plan with openpyxl — the same plan the add-in writes with xlwings
(:mod:`jixiao.processor.files.xlwings_write`). Cells are written into the top-left cell
when the address lies inside a merged range, and never over a formula.

Running ``fill`` on its own output gives the same workbook again: the record of the
last run (a very hidden sheet, see :mod:`jixiao.processor.core.ledger`) gives the
filler's values, fills and notes back before the check runs.

A protected form sheet or workbook is refused before anything is written (J520).
What openpyxl cannot keep is reported in :attr:`FillOutcome.notices` (macros of an
.xlsm, drawing shapes, extension-only data validation). ``.xls`` files are refused with
a request to save them as .xlsx first.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.processor.core.errors import InputError
from jixiao.processor.core.grid import parse_addr
from jixiao.processor.core.ledger import restore_grid
from jixiao.processor.core.marks import OWN_SHEETS, RESULT_SHEET
from jixiao.processor.core.plan import Look, Plan, build_plan, computed_cells, summary_text
from jixiao.processor.files.cell_marks import apply_change, legacy_ledger, look_of
from jixiao.processor.files.fileio import os_reason
from jixiao.processor.files.openpyxl_page import read_ledger, write_ledger, write_result_page
from jixiao.processor.files.openpyxl_read import form_sheets, grid_from_sheets, is_formula_cell
from openpyxl import load_workbook as _openpyxl_load
from openpyxl.cell.cell import MergedCell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

# --------------------------------------------------------------------------- outcome


@dataclass
class FillOutcome:
    """What ``fill_file`` did: where it wrote, what it found, what it could not keep."""

    source: Path
    output: Path
    backup: Path | None
    result: Any  # jixiao.processor.core.engine.FileResult
    plan: Plan = field(default_factory=Plan)
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
    """``<stem>_已校验.xlsx`` next to the input. Control and bidi characters of a submitted
    name are not carried into the new file's name ("报<U+202E>xcod.xlsx" would otherwise
    make a copy Explorer shows as "报xlsx.已校验_docx")."""
    from jixiao.processor.core.visible import without_controls

    src = Path(src)
    return src.with_name(f"{without_controls(src.stem)}_已校验.xlsx")


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


def looks_in(wb: Workbook):
    """The plan's ``looks``: what the named cells of a sheet show now."""
    def looks(sheet: str, cells: list[str]) -> dict[str, Look]:
        if sheet not in wb.sheetnames or not isinstance(wb[sheet], Worksheet):
            return {}
        ws = wb[sheet]
        return {a1: look_of(anchor(ws, a1)) for a1 in cells}
    return looks


def apply_plan(wb: Workbook, plan: Plan) -> None:
    """Carry the plan out: cell changes, the 校验结果 page, the record."""
    for change in plan.changes:
        if change.sheet in wb.sheetnames and isinstance(wb[change.sheet], Worksheet):
            apply_change(anchor(wb[change.sheet], change.cell), change)
    active = wb.active.title if wb.active is not None else None
    write_result_page(wb, plan.page, after=plan.sheets[-1] if plan.sheets else None)
    write_ledger(wb, plan.ledger)
    if active in wb.sheetnames:
        wb.active = wb.sheetnames.index(active)


def protection_problem(wb: Workbook, sheets: list[str]) -> str | None:
    """What protection stops the plan from being written (None: nothing), checked before
    any write: the sheets it changes, our own sheets, the book's structure."""
    security = getattr(wb, "security", None)
    if security is not None and security.lockStructure:
        return "工作簿结构"
    for name in [*sheets, *OWN_SHEETS]:
        ws = wb[name] if name in wb.sheetnames else None
        if isinstance(ws, Worksheet) and ws.protection.sheet and ws.sheet_state != "veryHidden":
            return f"工作表“{ws.title}”"
    return None


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
            raise InputError.of("J509", file=str(path)) from None
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
        if not isinstance(ws, Worksheet) or ws.title in OWN_SHEETS:
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
                  extra_findings: list | None = None) -> tuple[Any, Plan, dict[str, dict[str, Any]]]:
    """Check and mark an open workbook. Returns (FileResult, plan, cached values).

    Raises InputError (J520) before changing anything when a sheet it must write (a form
    sheet it checked or changes, 校验结果) or the book's structure is protected.
    """
    from jixiao.processor.core.engine import check_grids

    sheets = form_sheets(wb)
    ledger = read_ledger(wb) or legacy_ledger(sheets)
    if RESULT_SHEET not in wb.sheetnames:  # the user deleted it: jixiao's values are now theirs
        ledger = ledger.accept_written()
    grids = []
    for ws in sheets:
        grid = grid_from_sheets(ws, values_wb[ws.title], profile["limits"].get("max_cells"))
        restore_grid(grid, ledger)  # the filler's values, where the last run wrote its own
        grids.append(grid)
    result = check_grids(grids, file, profile)
    result.findings[:0] = list(extra_findings or [])
    plan = build_plan(result.sheets, looks=looks_in(wb), ledger=ledger, tolerances=profile.tol,
                      file_findings=result.findings, sheet_order=wb.sheetnames, limits=profile["limits"])
    problem = protection_problem(wb, [*dict.fromkeys(c.sheet for c in plan.changes), *plan.sheets])
    if problem:  # before anything is written
        raise InputError.of("J520", file=file, what=problem)
    apply_plan(wb, plan)
    engine_values: dict[str, dict[str, Any]] = {}
    for sheet in result.sheets:
        engine_values.setdefault(sheet.sheet, {}).update(computed_cells(sheet))  # stacked forms share a sheet
    return result, plan, _cached_values(wb, values_wb, engine_values)


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
        raise InputError.of("J550")
    suffix = src.suffix.lower()
    if in_place and suffix != ".xlsx":
        raise InputError.of("J551", file=str(src), suffix=suffix or "此")
    target = src if in_place else Path(out) if out is not None else default_output(src)
    if target.suffix.lower() != ".xlsx":
        raise InputError.of("J552", target=str(target))
    if not in_place and _same_file(src, target):
        raise InputError.of("J553", file=str(src))
    if not in_place and not _replaceable(target, profile):
        raise InputError.of("J557", target=str(target))
    if suffix == ".xls":
        raise InputError.of("J554", file=str(src))
    report = guard_file(src, profile["limits"])
    if getattr(report, "kind", "xlsx") == "xls":
        raise InputError.of("J554", file=str(src))
    wb, values_wb, notices = _load(src)
    notices = _package_notices(src) + notices
    # hostile inputs (issue 11): the copy keeps no external link, unsafe hyperlink or macro
    from jixiao.processor.files.sanitize import sanitize_workbook
    notices += sanitize_workbook(wb, values_wb)
    extra = active_content_findings(str(src), report.active_content, profile)
    result, plan, cached = fill_workbook(wb, values_wb, str(src), profile, extra)
    notices += [f.message for f in plan.capped]  # R031: findings beyond max_listed_findings
    data = workbook_bytes(wb, cached)
    backup = None
    try:
        if in_place:
            backup = backup_path(src)
            atomic_copy(src, backup)
        atomic_write(target, lambda tmp: tmp.write_bytes(data))
    except OSError as exc:
        raise InputError.of("J555", file=str(src), target=str(target), reason=os_reason(exc)) from None
    return FillOutcome(src, target, backup, result, plan, notices)


def _replaceable(target: Path, profile: Any) -> bool:
    """Whether fill may write ``target``: nothing is there yet, or an earlier copy of ours is
    (it holds our 校验结果 or record sheet). Any other workbook — another unit's submission
    named by a slip of ``-o`` — is never overwritten. The existing file is looked at through
    the guard like any submitted file."""
    from jixiao.processor.files.calamine_read import guard_file

    if not os.path.lexists(target):
        return True
    if not target.is_file() or target.is_symlink():
        return True  # a link, a folder or a device: atomic_write refuses it with its own message
    try:
        sheets = guard_file(target, profile["limits"]).sheets
    except (InputError, OSError):
        return False
    return any(name in OWN_SHEETS for name in sheets)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False


__all__ = [
    "FillOutcome",
    "anchor",
    "apply_plan",
    "backup_path",
    "default_output",
    "fill_file",
    "fill_workbook",
    "looks_in",
    "protection_problem",
    "workbook_bytes",
]
