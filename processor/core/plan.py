"""The write plan: every change a run makes to a workbook, decided by the engine.

``jixiao fill`` (openpyxl) and the add-in's 校验/计算 button (xlwings) run the same steps:

1. read the record of the last run (:class:`~jixiao.processor.core.ledger.Ledger`) and put
   the filler's own values back into the grid (:func:`~jixiao.processor.core.ledger.restore_grid`);
2. check the grids (one engine);
3. :func:`build_plan` — values, number formats, marks (with the look each cell had before),
   notes, the 校验结果 page and the new record, as one :class:`Plan`;
4. the writer carries the plan out, nothing more.

The writer tells the plan what a cell shows now through a ``looks`` callable (value,
number format, fill, note); the plan asks only for the cells it may change. Everything
the plan writes is final: a second run on its output plans no change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from jixiao.processor.core.compute import rate_differs, score_differs
from jixiao.processor.core.department import NAMES as FIGURE_NAMES
from jixiao.processor.core.findings import SEVERITIES, Finding, counts
from jixiao.processor.core.grid import Formula, parse_addr
from jixiao.processor.core.ledger import CellEntry, Ledger, same_value, still_ours
from jixiao.processor.core.marks import (
    COMPUTED,
    MARK_FILL,
    NOTE_AUTHOR,
    compose_note,
    computed_line,
    finding_note,
    note_size,
    number_format_for,
    strip_ours,
    value_text,
    worst,
)
from jixiao.processor.core.result_page import BLANK_ORIGINAL, FormLine, Page, build_page
from jixiao.processor.core.values import fmt_num, fmt_pct

PAGE_TITLE = "自评表校验结果"


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()  # a CellChange field the writer leaves as it is


@dataclass(frozen=True)
class Look:
    """What a cell shows now, as the writer reads it."""

    value: Any = None
    number_format: str | None = None
    fill: str | None = ""  # fill token: "" no fill, "FFC7CE" solid, None cannot be read
    note: str | None = None  # the note's text, None for no note
    note_author: str = ""
    note_unknown: bool = False  # a note is there but its text cannot be read
    formula: bool = False  # the cell holds a formula: its value is never written


Looks = Callable[[str, list[str]], dict[str, Look]]


@dataclass(frozen=True)
class CellChange:
    """One cell's changes; fields left at KEEP are not touched."""

    sheet: str
    cell: str
    value: Any = KEEP  # None clears the cell
    number_format: Any = KEEP
    fill: Any = KEEP  # fill token, "" removes the fill
    note: Any = KEEP  # note text, None removes the note
    note_author: str = NOTE_AUTHOR
    note_size: tuple[float, float] | None = None  # (width, height) in points


@dataclass
class Plan:
    changes: list[CellChange] = field(default_factory=list)
    page: Page = field(default_factory=Page)
    ledger: Ledger = field(default_factory=Ledger)
    summary: str = ""
    sheets: list[str] = field(default_factory=list)  # the form sheets checked

    def on(self, sheet: str) -> list[CellChange]:
        return [c for c in self.changes if c.sheet == sheet]


# --------------------------------------------------------------------------- owned cells


@dataclass(frozen=True)
class Owned:
    """A cell the engine computes: 执行率, 预算执行率得分, a quantitative 得分, 总分, 等级."""

    cell: str
    value: Any
    kind: str  # rate | score | grade
    stated: Any  # the form's Field there
    grade: str | None = None  # on 总分 when the form has no 等级 cell: the grade it gives
    exact: float | None = None  # an indicator score before rounding (1.946 is right written as 1.9)


def owned_cells(result) -> list[Owned]:
    rec, sc = result.record, result.scores
    out: list[Owned] = []
    for fs in sc.funding:
        if fs.rate is not None and "rate" in fs.row.cells:
            out.append(Owned(fs.row.cells["rate"], round(fs.rate, 6), "rate", fs.row.rate))
    total_row = rec.funding_row("total")
    if total_row is not None and sc.execution_rate is not None and sc.execution_score is not None \
            and sc.execution_row is None and "score" in total_row.cells:
        out.append(Owned(total_row.cells["score"], sc.execution_score, "score", total_row.score))
    for s in sc.indicators:
        if s.computed is not None and "score" in s.indicator.cells:
            out.append(Owned(s.indicator.cells["score"], s.computed, "score", s.indicator.score, exact=s.exact))
    out += _department_rates(rec, sc)
    if sc.total_score is None:
        return out  # not known (an R finding or I202 says why): 总分 and 等级 are left as they are
    if rec.total is not None and "score" in rec.total.cells:
        grade = None if rec.grade.cell or rec.total.grade.cell else sc.grade
        out.append(Owned(rec.total.cells["score"], sc.total_score, "score", rec.total.score, grade))
    if rec.grade.cell:
        out.append(Owned(rec.grade.cell, sc.grade, "grade", rec.grade))
    return out


def _department_rates(rec, sc) -> list[Owned]:
    """A 部门整体 form's labelled 结转结余率 / 预决算差异率 cells: rates of its own money, written as
    the 执行率 is (the 年末结转结余 amount and the indicator rows' 实际完成值 are the filler's)."""
    if sc.department is None:
        return []
    computed = {r.name: r.computed for r in sc.department.rows}
    out = []
    for key in ("carryover_rate", "variance_rate"):
        f = rec.figures.get(key)
        value = computed.get(FIGURE_NAMES[key])
        if f is not None and f.cell and value is not None:
            out.append(Owned(f.cell, round(value, 6), "rate", f))
    return out


def computed_cells(result) -> dict[str, Any]:
    """Every engine-owned cell → its computed value, whatever the form holds there
    (formulas included): a writer caches these in formula cells it cannot evaluate."""
    return {o.cell: o.value for o in owned_cells(result)}


def values_to_write(result, tolerances: dict) -> dict[str, Owned]:
    """The owned cells whose stated value the engine replaces. Cells that already agree
    (as the audit judges it) stay as the filler typed them; formula cells are never written."""
    out: dict[str, Owned] = {}
    for o in owned_cells(result):
        stated = o.stated
        if isinstance(stated.raw, Formula):
            continue
        if stated.raw is not None and isinstance(o.value, float) and isinstance(stated.value, float):
            if o.kind == "rate":
                agrees = not rate_differs(stated.value, o.value, tolerances["rate"])
            else:
                agrees = not score_differs(stated.value, o.value, tolerances["score"], o.exact)
            if agrees:
                continue  # e.g. a score rounded to 0.1: the audit accepts it, so it stays
        if stated.raw is not None and isinstance(o.value, str) and str(stated.raw).strip()[:1] == o.value[:1]:
            continue  # the same grade
        out[o.cell] = o
    return out


# --------------------------------------------------------------------------- the plan


def build_plan(results: list, *, looks: Looks, ledger: Ledger | None = None, tolerances: dict | None = None,
               title: str = "", file_findings: Iterable[Finding] = (), scope: str | None = None,
               sheet_order: Iterable[str] = ()) -> Plan:
    """Plan every change for ``results`` (the SheetResults of this run).

    ``scope`` is the one sheet the add-in checked (the record keeps the other sheets'
    marks and rows); None for ``fill``, which checks the whole file and takes off the
    marks of sheets it no longer finds a form on.
    """
    if tolerances is None:
        from jixiao.processor.core.rules import load_profile

        tolerances = load_profile().tol
    old = ledger or Ledger()
    new = Ledger()
    sheets = list(dict.fromkeys(r.sheet for r in results))
    settle = [scope] if scope is not None else list(dict.fromkeys([*sheets, *old.sheets]))
    plan = Plan(sheets=sheets)
    for sheet in settle:
        forms = [r for r in results if r.sheet == sheet]
        changes, entries = _settle_sheet(sheet, forms, old, looks, tolerances)
        plan.changes += changes
        new.cells.update({(e.sheet, e.cell): e for e in entries})
        new.forms[sheet] = [form_line(r).as_json() for r in forms]
        new.rows[sheet] = [_row(f, new) for r in forms for f in sorted(r.findings, key=lambda f: f.sort_key())]
    file_findings = list(file_findings)
    if scope is None:
        new.rows[""] = [_row(f, new) for f in sorted(file_findings, key=lambda f: f.sort_key())]
    else:  # the other sheets' marks, rows and summaries stay as the last run left them
        new.cells.update({k: e for k, e in old.cells.items() if k[0] != scope})
        new.rows.update({s: rows for s, rows in old.rows.items() if s != scope})
        new.forms.update({s: lines for s, lines in old.forms.items() if s != scope})
    order: dict[str, int] = {}
    for s in ["", *sheet_order, *sheets]:
        order.setdefault(s, len(order))
    scopes = sorted(set(new.rows) | set(new.forms), key=lambda s: (order.get(s, len(order)), s))
    new.rows = {s: new.rows[s] for s in scopes if new.rows.get(s)}  # the record in the page's order
    new.forms = {s: new.forms[s] for s in scopes if new.forms.get(s)}
    lines = [FormLine.from_json(d) for s in scopes for d in new.forms.get(s, [])]
    rows = [row for s in scopes for row in new.rows.get(s, [])]
    plan.page = build_page(title or PAGE_TITLE, lines, rows)
    plan.ledger = new
    all_findings = file_findings + [f for r in results for f in r.findings]
    plan.summary = summary_text(all_findings, len(results) if scope is not None else 1)
    return plan


def _row(f: Finding, ledger: Ledger) -> list[Any]:
    original = ""
    if f.cell and f.sheet:
        entry = ledger.cells.get((f.sheet, f.cell.split(":")[0].replace("$", "")))
        if entry is not None and entry.written:
            original = BLANK_ORIGINAL if entry.original in (None, "") else value_text(entry.original)
    return [f.severity, f.code, f.sheet or "", f.cell or "", f.message, f.fix, original]


def form_line(result) -> FormLine:
    sc, rec = result.scores, result.record
    rate = "无法计算" if sc.execution_rate is None else fmt_pct(sc.execution_rate)
    total = "无法确定" if sc.total_score is None else f"{fmt_num(sc.total_score)} 分"
    stated = rec.total.score if rec.total is not None else None
    if sc.total_score is None:
        pass  # the R finding or I202 on the page says why
    elif stated is not None and isinstance(stated.value, float) and not same_value(stated.value, sc.total_score):
        total += f"（表上为 {fmt_num(stated.value)} 分）"
    elif stated is not None and stated.raw is None:
        total += "（表上未填）"
    return FormLine(result.sheet, rec.name, rate, total, sc.grade or "", counts(result.findings))


def _settle_sheet(sheet: str, forms: list, old: Ledger, looks: Looks, tol: dict):
    wants: dict[str, Owned] = {}
    by_cell: dict[str, list[Finding]] = {}
    for r in forms:
        wants.update(values_to_write(r, tol))
        for f in r.findings:
            if f.cell and f.sheet in (None, sheet):
                by_cell.setdefault(f.cell.split(":")[0].replace("$", ""), []).append(f)
    entries = {e.cell: e for e in old.on(sheet)}
    cells = sorted(set(entries) | set(wants) | set(by_cell), key=parse_addr)
    seen = looks(sheet, cells) if cells else {}
    changes: list[CellChange] = []
    new_entries: list[CellEntry] = []
    for cell in cells:
        change, entry = _settle_cell(sheet, cell, seen.get(cell, Look()), entries.get(cell), wants.get(cell),
                                     by_cell.get(cell, []))
        if change is not None:
            changes.append(change)
        if entry is not None:
            new_entries.append(entry)
    return changes, new_entries


def _settle_cell(sheet: str, cell: str, look: Look, entry: CellEntry | None, want: Owned | None,
                 findings: list[Finding]) -> tuple[CellChange | None, CellEntry | None]:
    """One cell's final state from what it shows, what the last run did and what this run finds."""
    kw: dict[str, Any] = {}
    rec = CellEntry(sheet, cell)
    if isinstance(look.value, int) and not isinstance(look.value, bool):
        look = replace(look, value=float(look.value))  # as every reader gives numbers
    # ---- value: the engine's where it disagrees with the filler, else the filler's again
    ours_shown = entry is not None and entry.written and same_value(look.value, entry.value)
    filler = entry.original if ours_shown else look.value
    fmt_now = look.number_format
    fmt_base = entry.format_before if ours_shown and entry.format_before is not None else fmt_now
    written = want is not None and not look.formula
    if written:
        if not same_value(look.value, want.value):
            kw["value"] = want.value
        fmt = number_format_for(want.kind, want.value, fmt_base)
        fmt_target = fmt if fmt is not None else fmt_base
        if fmt_target != fmt_now and fmt_target is not None:
            kw["number_format"] = fmt_target
        rec = replace(rec, written=True, value=want.value, original=filler,
                      format_before=fmt_base if fmt_target != fmt_base else None)
    elif ours_shown:
        kw["value"] = entry.original
        if fmt_base != fmt_now and fmt_base is not None:
            kw["number_format"] = fmt_base
    kind = COMPUTED if written else worst(f.severity for f in findings) if findings else None
    # ---- fill: the mark's colour, else what the cell had before the last run's mark
    marked_before = entry is not None and entry.marked
    fill_ours = marked_before and still_ours(entry.fill, look.fill, tuple(MARK_FILL.values()))
    base_fill = entry.fill_before if fill_ours else look.fill
    if kind is not None:
        if look.fill != MARK_FILL[kind]:
            kw["fill"] = MARK_FILL[kind]
        rec = replace(rec, fill=MARK_FILL[kind], fill_before=base_fill)
    elif fill_ours:
        kw["fill"] = base_fill or ""
    # ---- note: message and fix under the user's own note, else the user's note again
    noted_before = entry is not None and entry.noted
    now = look.note  # None: no note (or, with note_unknown, one whose text cannot be read)
    if noted_before and (look.note_unknown or (now is not None and still_ours(entry.note, now))):
        base_note, base_author = entry.note_before, entry.note_author_before  # ours is still there
        now = now if not look.note_unknown else KEEP  # unreadable: assume ours, rewrite it
    elif look.note_unknown:
        base_note, base_author = KEEP, ""  # a note of the user's we cannot read: never touched
    elif noted_before and now is not None:
        base_note, base_author = strip_ours(now), look.note_author  # the user edited it since
    else:
        base_note, base_author = now, look.note_author
    lines = ([computed_line(filler, want.grade)] if written else []) + [finding_note(f) for f in findings]
    if lines and base_note is not KEEP:
        text = compose_note("\n\n".join(lines), base_note)
        if now != text:
            kw.update(note=text, note_size=note_size(text))
        rec = replace(rec, note=text, note_before=base_note, note_author_before=base_author or "")
    elif base_note is not KEEP and now != base_note:
        kw.update(note=base_note, note_author=base_author or NOTE_AUTHOR)
        if base_note is not None:
            kw["note_size"] = note_size(base_note)
    change = CellChange(sheet, cell, **kw) if kw else None
    keep = rec.written or rec.marked or rec.noted
    return change, rec if keep else None


def summary_text(findings: list[Finding], forms: int = 1) -> str:
    n = counts(findings)
    if not n["error"] and not n["warning"]:
        text = "校验通过，未发现错误或提示" + (f"（{n['info']} 条说明）" if n["info"] else "")
    else:
        text = f"发现 {n['error']} 个错误、{n['warning']} 个提示" + (f"（另有 {n['info']} 条说明）" if n["info"] else "")
    return f"共 {forms} 张自评表：{text}" if forms > 1 else text


__all__ = ["KEEP", "CellChange", "Look", "Looks", "Owned", "Plan", "SEVERITIES", "build_plan",
           "computed_cells", "form_line", "owned_cells", "summary_text", "values_to_write"]
