"""Grid → Record: find the 自评表's blocks by their labels, never by fixed cells."""

from __future__ import annotations

from jixiao.processor.core.grid import Grid
from jixiao.processor.core.model import DEPARTMENT_KINDS, Record
from jixiao.processor.core.reader.form import (
    find_title,
    find_year,
    read_figures,
    read_goals,
    read_grade,
    read_top,
)
from jixiao.processor.core.reader.funding import find_funding_header, funding_headers, read_funding
from jixiao.processor.core.reader.header import Header
from jixiao.processor.core.reader.indicators import find_indicator_header, read_indicators
from jixiao.processor.core.reader.judge import judge
from jixiao.processor.core.reader.sheet import Sheet
from jixiao.processor.core.reader.vocabulary import Vocabulary, default_vocabulary


def read_forms(grid: Grid, file: str, vocab: Vocabulary | None = None) -> list[Record]:
    """Every 自评表 on one worksheet: usually one; reports sometimes stack several."""
    vocab = vocab or default_vocabulary()
    s = Sheet(grid, vocab)
    headers = funding_headers(s)
    if len(headers) < 2:
        rec = _read(s, file, headers[0] if headers else None)
        return [rec] if rec is not None else []
    return [rec for g in _split(s, headers) if (rec := _read(Sheet(g, vocab), file)) is not None]


def read_grid(grid: Grid, file: str, vocab: Vocabulary | None = None) -> Record | None:
    """Read one 自评表; None when the grid has neither a funding nor an indicator header."""
    return _read(Sheet(grid, vocab or default_vocabulary()), file)


def _split(s: Sheet, headers: list[Header]) -> list[Grid]:
    """Each funding header starts a form; the form begins at the nearest title (“…自评表”)
    or 项目名称 row above it. Cell addresses stay true (the sub-grids keep their origin)."""
    grid = s.g
    project = s.v.top_fields.matchers["project"]
    starts = [s.r0]
    for prev, h in zip(headers, headers[1:]):
        start = h.first
        for r in range(h.first - 1, prev.last, -1):
            keys = [k for _, k in s.row_keys(r)]
            if any(project.word(k) for k in keys):
                start = r
            if any(s.v.titles.word(k) for k in keys):
                start = r
                break
        starts.append(start)
    ends = starts[1:] + [s.max_row + 1]
    out = []
    for a, b in zip(starts, ends):
        rows = grid.rows[a - s.r0:b - s.r0]
        merged = [m for m in grid.merged if a <= m[0] and m[2] < b]
        out.append(Grid(grid.sheet, rows, a, grid.origin_col, merged))
    return out


def _read(s: Sheet, file: str, fh: Header | None | bool = False) -> Record | None:
    if fh is False:
        fh = find_funding_header(s)
    # the indicator table follows the funding table (looked for above it only when it does not)
    ih = find_indicator_header(s, fh.last + 1) if fh is not None else None
    if ih is None:
        ih = find_indicator_header(s)
    if fh is None and ih is None:
        return None
    rec = Record(file=file, sheet=s.g.sheet)
    first = min(h.first for h in (fh, ih) if h is not None)
    title = find_title(s)
    if title is not None:
        rec.title = s.text_field(*title)
        rec.read.title_cell = rec.title.cell
    rec.year = find_year(s, first)
    if rec.year is None:
        rec.notes.append(("R012", rec.title.cell, {}))
    read_top(s, rec, first)
    if fh is not None:
        read_funding(s, rec, fh, stop=ih.first if ih is not None and ih.first > fh.last else s.max_row + 1)
        if any(f.kind in DEPARTMENT_KINDS for f in rec.funding):
            rec.read.form = "department"  # 基本支出 / 项目支出 rows: a 部门整体支出 table
    if ih is not None:
        read_goals(s, rec, fh.first if fh is not None else first, ih.first)
        read_indicators(s, rec, ih)
    read_grade(s, rec)
    if rec.read.form == "department":
        read_figures(s, rec, first, ih.first if ih is not None and ih.first > first else s.max_row + 1)
    if rec.read.form == "department" and rec.unit.empty:  # it names the department instead
        rec.notes.append(("R006", rec.unit.cell, {"label": "部门（单位）名称"}))
    if rec.read.form == "project":  # a department table has no 项目名称 / 主管部门 / 实施单位 fields
        if rec.project.empty:
            rec.notes.append(("R006", rec.project.cell, {"label": "项目名称"}))
        for name, label in (("department", "主管部门"), ("unit", "实施单位")):
            if getattr(rec, name).empty:
                rec.notes.append(("R007", getattr(rec, name).cell, {"label": label}))
    judge(rec, fh, ih)
    return rec
