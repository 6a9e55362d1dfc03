"""The patch: what the engine asks a writer (openpyxl or xlwings) to change.

Built from a record, its scores and its findings by :func:`build_patch`; applied by
``jixiao.processor.files.openpyxl_write`` (``jixiao fill``) and ``jixiao.processor.files.xlwings_write`` (add-in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from jixiao.processor.core.compute import rate_differs, score_differs
from jixiao.processor.core.findings import SEVERITY_CN
from jixiao.processor.core.grid import Formula

RESULT_SHEET = "校验结果"
RESULT_HEADER = ["序号", "级别", "代码", "工作表", "单元格", "问题", "修改建议", "原填写值"]
# 原填写值: what the filler had typed in a cell the engine rewrote ("（空）" for a blank), so the
# next run — in Excel too, where reading every note costs a call — checks the filler's value
BLANK_ORIGINAL = "（空）"
# fill colours per severity (ARGB without alpha for xlwings: "#RRGGBB")
SEVERITY_FILL = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}


@dataclass(frozen=True)
class CellValue:
    cell: str  # A1 on the patch's sheet
    value: Any  # float, str or None
    number_format: str | None = None  # e.g. "0.00%", "0.00"


@dataclass(frozen=True)
class Mark:
    cell: str  # A1 (first cell of a range)
    severity: str
    note: str  # the text of the cell note: every finding on this cell, message + fix


@dataclass
class Patch:
    sheet: str
    values: list[CellValue] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    # rows of the 校验结果 sheet (without header); the 5th item (单元格) may be linked
    result_rows: list[list[Any]] = field(default_factory=list)
    summary: str = ""


NOTE_AUTHOR = "jixiao"
# a cell text starting with one of these is taken for a formula by Excel, WPS and LibreOffice
FORMULA_START = ("=", "+", "-", "@")


def looks_like_formula(text: object) -> bool:
    """True for submission text that a spreadsheet would evaluate if written as is."""
    return isinstance(text, str) and text.startswith(FORMULA_START)
# a replaced stated value is kept in the note so a second run sees the filler's number
ORIGINAL_TAG = "〔原填写："


def summary_text(findings) -> str:
    from jixiao.processor.core.findings import counts

    return _summary_from_counts(counts(findings))


def _summary_from_counts(n: dict[str, int]) -> str:
    if not n["error"] and not n["warning"]:
        return "校验通过，未发现错误或提示" + (f"（{n['info']} 条说明）" if n["info"] else "")
    text = f"发现 {n['error']} 个错误、{n['warning']} 个提示"
    return text + (f"（另有 {n['info']} 条说明）" if n["info"] else "")


def _owned_cells(result):
    """The cells the engine owns — 执行率, 预算执行率得分, quantitative 得分, 总分, 等级 — as
    (cell, computed value, number format, the form's field there, tolerance key, comparison)."""
    rec, sc = result.record, result.scores
    for fs in sc.funding:
        if fs.rate is not None and "rate" in fs.row.cells:
            yield fs.row.cells["rate"], round(fs.rate, 6), "0.00%", fs.row.rate, "rate", rate_differs
    total_row = rec.funding_row("total")
    if total_row is not None and sc.execution_rate is not None and sc.execution_score is not None \
            and sc.execution_row is None and "score" in total_row.cells:
        yield total_row.cells["score"], sc.execution_score, "0.00", total_row.score, "score", score_differs
    for s in sc.indicators:
        if s.computed is not None and "score" in s.indicator.cells:
            yield (s.indicator.cells["score"], s.computed, "0.00", s.indicator.score, "score",
                   partial(score_differs, exact=s.exact))
    if sc.total_score is None:
        return  # not known (an R finding says why): nothing to write
    if rec.total is not None and "score" in rec.total.cells:
        yield rec.total.cells["score"], sc.total_score, "0.00", rec.total.score, "score", score_differs
    if rec.grade.cell:
        yield rec.grade.cell, sc.grade, None, rec.grade, None, None


def _computed_values(result, tol: dict) -> list[tuple[CellValue, object]]:
    """The owned cells to write, each with what the form said there (its raw value). Cells
    that already agree (as the audit judges it) are left as the filler typed them, and
    formula cells are never written."""
    out: list[tuple[CellValue, object]] = []
    for cell, value, fmt, stated, tol_key, differs in _owned_cells(result):
        if isinstance(stated.raw, Formula):
            continue
        if stated.raw is not None and isinstance(value, float) and isinstance(stated.value, float) \
                and not differs(stated.value, value, tol[tol_key]):
            continue  # e.g. a score rounded to 0.1: the audit accepts it, so it stays
        if stated.raw is not None and isinstance(value, str) and str(stated.raw).strip()[:1] == value[:1]:
            continue  # the same grade
        out.append((CellValue(cell, value, fmt), stated.raw))
    return out


def build_patch(result, tolerances: dict | None = None, extra_findings=()) -> Patch:
    """The patch for one checked sheet: computed values, marks, result rows, summary.

    ``tolerances`` are the profile's (``profile.tol``); the default profile's by default.
    Cells holding a formula (grid value of type Formula) are never written.
    """
    if tolerances is None:
        from jixiao.processor.core.rules import load_profile

        tolerances = load_profile().tol
    findings = list(result.findings) + list(extra_findings)
    computed = _computed_values(result, tolerances)
    values = [cv for cv, _ in computed]
    # every written cell keeps what was there, "" for a blank, so a second run restores it
    replaced = {cv.cell: raw for cv, raw in computed}
    by_cell: dict[str, list] = {}
    for f in findings:
        if f.cell and (f.sheet in (None, result.sheet)):
            by_cell.setdefault(f.cell.split(":")[0], []).append(f)
    marks = []
    for cell, fs in sorted(by_cell.items()):
        worst = min(fs, key=lambda f: ("error", "warning", "info").index(f.severity)).severity
        lines = [f"【{SEVERITY_CN[f.severity]} {f.code}】{f.message}\n修改建议：{f.fix}" for f in fs]
        if cell in replaced:
            lines.append(_replaced_line(replaced[cell]))
        marks.append(Mark(cell, worst, "\n".join(lines)))
    for cell, old in sorted(replaced.items()):
        if cell not in by_cell:
            marks.append(Mark(cell, "info", _replaced_line(old)))
    rows = [
        [i, SEVERITY_CN[f.severity], f.code, f.sheet or "", f.cell or "", f.message, f.fix,
         _original_text(replaced, f.cell if f.sheet in (None, result.sheet) else None)]
        for i, f in enumerate(sorted(findings, key=lambda f: f.sort_key()), start=1)
    ]
    return Patch(result.sheet, values, marks, rows, summary_text(findings))


def _original_text(replaced: dict[str, object], cell: str | None) -> str:
    if not cell or cell.split(":")[0] not in replaced:
        return ""
    old = replaced[cell.split(":")[0]]
    if old is None or old == "":
        return BLANK_ORIGINAL
    return str(int(old)) if isinstance(old, float) and old.is_integer() else str(old)


def originals_from_rows(rows: list[list[object]], sheet: str) -> dict[str, str]:
    """The 原填写值 of an earlier 校验结果 sheet, as ``restore_originals`` takes them."""
    sheet_col, cell_col, orig_col = (RESULT_HEADER.index(k) for k in ("工作表", "单元格", "原填写值"))
    out: dict[str, str] = {}
    for row in rows:
        if len(row) <= orig_col or row[sheet_col] != sheet or not row[cell_col]:
            continue
        original = row[orig_col]
        if original in (None, ""):
            continue
        text = "" if original == BLANK_ORIGINAL else str(original)
        out[str(row[cell_col]).split(":")[0].replace("$", "")] = f"{ORIGINAL_TAG}{text}〕"
    return out


def _replaced_line(old) -> str:
    if old is None or old == "":
        return f"已按计算结果填写（原为空）。{ORIGINAL_TAG}〕"
    if isinstance(old, float) and old.is_integer():
        old = int(old)  # "100", as typed, not "100.0"
    return f"已按计算结果改写。{ORIGINAL_TAG}{old}〕"


def computed_cells(result) -> dict[str, object]:
    """Every engine-owned cell → its computed value, whatever the form holds there
    (formulas included): a writer caches these in formula cells it cannot evaluate."""
    return {cell: value for cell, value, *_ in _owned_cells(result)}


def original_values(notes: dict[str, str]) -> dict[str, object]:
    """Cell → what the filler had typed, from notes carrying 〔原填写：…〕 (None: blank)."""
    out: dict[str, object] = {}
    for cell, note in notes.items():
        if ORIGINAL_TAG not in note:
            continue
        raw = note.split(ORIGINAL_TAG, 1)[1].rsplit("〕", 1)[0]
        if raw == "":
            out[cell] = None  # the cell was blank before the earlier run filled it
            continue
        try:
            out[cell] = float(raw)
        except ValueError:
            out[cell] = raw
    return out


def restore_originals(grid, notes: dict[str, str]) -> dict[str, object]:
    """Put back into the grid what the filler typed where an earlier run replaced it, so
    a second run checks the filler's values (idempotent). Returns those values: the
    writer puts them back on the sheet too, where this run does not rewrite the cell."""
    from jixiao.processor.core.grid import parse_addr

    originals = original_values(notes)
    for cell, value in originals.items():
        row, col = parse_addr(cell)
        r, c = row - grid.origin_row, col - grid.origin_col
        if 0 <= r < len(grid.rows):
            line = grid.rows[r]
            while len(line) <= c:
                line.append(None)
            line[c] = value
    return originals


def merge_patches(patches: list[Patch]) -> Patch:
    """One patch for a sheet that holds several 自评表 (their cells never overlap)."""
    if len(patches) == 1:
        return patches[0]
    merged = Patch(patches[0].sheet)
    for p in patches:
        merged.values += p.values
        merged.marks += p.marks
        merged.result_rows += p.result_rows
    merged.result_rows = [[i, *row[1:]] for i, row in enumerate(merged.result_rows, start=1)]
    counts = {sev: sum(1 for row in merged.result_rows if row[1] == cn) for sev, cn in SEVERITY_CN.items()}
    merged.summary = f"共 {len(patches)} 张自评表：" + _summary_from_counts(counts)
    return merged

