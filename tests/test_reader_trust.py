"""No arithmetic finding is ever derived from a field the reader could not identify (issue 10.2).

The property: take a table the reader understands, then take information away — a header label
replaced by a word the vocabulary does not know, a header or row label blanked — and check it
again. Losing information may remove T, F and weight/score findings (their R finding says
what could not be read) but never adds one or changes its figures: every such finding of the
damaged table is, word for word, a finding of the whole table. And nothing withheld leaks: no
finding reads a field the record marks unknown, no figure derived from it is given.

The tables are the builders' paper form (correct and with defects), the transcribed real
layouts and the real corpus (tests/corpus). The labels taken away are those the reader read the
table by (header cells, funding row names, the 总分 label); labels that state a weight are left
alone — they are a second source of the weights, and without them the other source is read in
full and may rightly disagree.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

import beijing_layouts as BL
import pytest
import real_layouts as RL
from builders import Form, Ind, default_indicators, make_grid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jixiao.processor.core.audit import derived_from
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.grid import Grid, parse_addr
from jixiao.processor.core.model import (
    EXECUTION_READS,
    INDICATOR_SCORE_READS,
    TOTAL_READS,
    WEIGHTS_READS,
)
from jixiao.processor.core.reader.vocabulary import default_vocabulary
from jixiao.processor.core.rules import load_profile
from jixiao.processor.core.values import label_key

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus.build import cell_values, known_failures, tables  # noqa: E402

P = load_profile()
# findings derived from weights, scores or money: the families the guard is about
GUARDED = {"execution.weight", "funding.money", "funding.rows", "indicator.weight", "indicator.score"}
FIGURE_READS = {"execution_score": EXECUTION_READS, "indicator_score": INDICATOR_SCORE_READS,
                "total_score": TOTAL_READS, "weights_total": WEIGHTS_READS, "grade": TOTAL_READS}


def _grid_of_cells(cells: dict[str, object], merges: list[str], sheet: str = "自评表") -> Grid:
    pos = {parse_addr(a1): v for a1, v in cells.items()}
    rows = max(r for r, _ in pos) if pos else 0
    cols = max(c for _, c in pos) if pos else 0
    grid = [[None] * cols for _ in range(rows)]
    for (r, c), v in pos.items():
        grid[r - 1][c - 1] = v
    merged = []
    for rng in merges:
        a, b = rng.split(":")
        (r1, c1), (r2, c2) = parse_addr(a), parse_addr(b)
        merged.append((r1, c1, r2, c2))
    return Grid(sheet, grid, 1, 1, merged)


def _sheet_grid(sheet) -> Grid:
    return _grid_of_cells(sheet.cells, sheet.merges, sheet.name)


@lru_cache(maxsize=1)
def bases() -> list[tuple[str, Grid]]:
    out = [
        ("form", make_grid(Form())),
        ("form weights 110", make_grid(Form(indicators=[Ind("产出指标", "数量指标", "培训人次", "≥500人次", "450人次", 30, 30)]
                                             + default_indicators()[1:], total_row=(100, 105)))),
        ("form merged levels, labels", make_grid(Form(merge_levels=True, l1_weights=True,
                                                      total=(40, 50, 45, 10, 0.8, 9),
                                                      current=(30, 40, 35, "—", 0.875, "—"),
                                                      carryover=(10, 10, 10, "—", 1, "—")))),
        ("form no 年初", make_grid(Form(no_initial_column=True, placeholder_rows=2))),
        ("安徽 贵池", _sheet_grid(RL.anhui_guichi_2022(total_row_zero=False).set(H7=1, H24=95))),
        ("四川 大英", _sheet_grid(RL.sichuan_daying_anke_2023().set(J19="96"))),
        ("四川 工资", _sheet_grid(RL.sichuan_wages_4x22_5())),
        ("执行率指标模板", _sheet_grid(RL.template_execution_indicator().set(H10=20))),
        ("上海 普陀", _sheet_grid(BL.putuo_yuandian_2022())),
        ("安徽 六安", _sheet_grid(BL.luan_public_culture_2021())),
        ("北京 海淀", _sheet_grid(BL.haidian_xueyuanlu_2016())),
    ]
    misread = known_failures()  # a table the engine is known to misread is no base to damage yet
    for t in tables():
        if t.id in misread:
            continue
        cells = {a1: v for a1, (v, _fmt) in cell_values(t).items()}
        out.append((t.id, _grid_of_cells(cells, t.data.get("merges", []), t.sheet)))
    return out


def _label_cells(grid: Grid) -> list[tuple[int, int]]:
    """Cells worth taking away: the labels the reader read the table by — every header cell of
    both tables, the funding rows' names, the 总分 label, a title-area total's label."""
    cells: set[str] = set()
    for s in _check(grid):
        rec = s.record
        for block in (rec.read.funding, rec.read.indicators):
            if block is not None:
                cells |= {c.cell for c in block.columns.values()} | {c for c, _ in block.unmatched}
                # a field two columns name (县级 / 评分 beside 市级 / 评分, 标准值 beside 目标值): without the
                # first label the second column is read by its own label — a legitimate reading, not a loss
                twice = {m[0] for _x, t in block.ignored for fields in (V.indicator_columns, V.funding_columns)
                         if (m := fields.match(label_key(_bottom(t))))}
                cells -= {c.cell for c in block.columns.values() if c.field in twice}
        cells |= {f.label.cell for f in rec.funding if f.label.cell}
        if rec.total is not None and rec.total.label.cell:
            cells.add(rec.total.label.cell)
        if rec.stated_total.cell:
            cells.add(rec.stated_total.cell)
        # a label that states a weight (“年度绩效目标1（80分）”) is a second source of the weights,
        # not a layout label: without it the other source is read in full and may rightly disagree
        cells -= {rec.execution_label.cell, rec.indicator_label.cell}
    out = []
    for a1 in sorted(cells):
        r, c = parse_addr(a1)
        i, j = r - grid.origin_row, c - grid.origin_col
        if 0 <= i < len(grid.rows) and 0 <= j < len(grid.rows[i]) and grid.rows[i][j] is not None:
            out.append((i, j))
    return out


V = default_vocabulary()


def _bottom(label: str) -> str:
    return label.split(" / ")[-1].strip()


def _copy(grid: Grid) -> Grid:
    return Grid(grid.sheet, [list(r) for r in grid.rows], grid.origin_row, grid.origin_col, list(grid.merged))


def _check(grid: Grid):
    try:
        return check_grids([grid], "t.xlsx", P).sheets
    except InputError:
        return []


def _guarded(sheet) -> set[tuple[str, str | None, tuple[str, ...]]]:
    """The findings derived from weights, scores or money, as (code, cell, the figures of the
    message). Labels and units are left out: a blanked row label changes “其中：财政资金” into the
    default name, a lost “（元）” makes “20000 元” read “20000 万元” — the same figures."""
    return {(f.code, f.cell, tuple(_NUMBER.findall(f.message))) for f in sheet.findings
            if derived_from(f.code) & GUARDED}


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?%?")


def _assert_nothing_leaks(sheet) -> None:
    unknown = set(sheet.scores.unknown)
    for f in sheet.findings:
        assert not derived_from(f.code) & unknown, (f.code, f.cell, sorted(unknown))
    figures = sheet.scores.as_json()
    for name, reads in FIGURE_READS.items():
        if sheet.scores.execution_row is not None:  # 预算执行率 scored by an indicator row: no money needed
            reads = reads - {"funding.rows", "funding.money"}
        if reads & unknown:
            assert figures[name] is None, (name, figures[name], sorted(unknown))


@lru_cache(maxsize=1)
def damageable() -> list[tuple[str, Grid, list[tuple[int, int]]]]:
    """The base tables with their label cells (a table refused as unfilled has none)."""
    return [(name, g, cells) for name, g in bases() if (cells := _label_cells(g))]


@st.composite
def damaged(draw):
    name, base, cells = draw(st.sampled_from(damageable()))
    grid = _copy(base)
    for _ in range(draw(st.integers(1, 3))):
        i, j = draw(st.sampled_from(cells))
        grid.rows[i][j] = draw(st.sampled_from([None, "栏目甲", "—"]))
    return name, base, grid


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_taking_a_label_away_never_adds_or_changes_an_arithmetic_finding(case):
    name, base, grid = case
    whole, hurt = _check(base), _check(grid)
    for s in hurt:
        _assert_nothing_leaks(s)
    if len(whole) != len(hurt):
        return  # the damage split or merged stacked forms: nothing to compare one to one
    for w, h in zip(whole, hurt):
        extra = _guarded(h) - _guarded(w)
        assert not extra, f"{name}: findings that only the damaged table has: {sorted(extra)}"


@pytest.mark.parametrize("name", [n for n, _g, _c in damageable()])
def test_every_single_label_taken_away(name):
    """The same property, exhaustively for one label at a time: every label cell of every base
    table, blanked and rewritten (the random pairs and triples above sample the rest)."""
    _n, base, cells = next(d for d in damageable() if d[0] == name)
    whole = _check(base)
    for i, j in cells:
        for damage in (None, "栏目甲", "—"):
            grid = _copy(base)
            grid.rows[i][j] = damage
            hurt = _check(grid)
            for s in hurt:
                _assert_nothing_leaks(s)
            if len(whole) != len(hurt):
                continue
            for w, h in zip(whole, hurt):
                extra = _guarded(h) - _guarded(w)
                assert not extra, f"{name}: “{base.rows[i][j]}” → {damage!r} adds {sorted(extra)}"


@pytest.mark.parametrize("name", [n for n, _ in bases()])
def test_every_base_table_is_read_without_leaks(name):
    grid = dict(bases())[name]
    for s in _check(grid):
        _assert_nothing_leaks(s)


def test_no_weight_column_gives_one_finding_and_no_total():
    """The issue's worst case: 分值 header not found → no “权重合计 10”, no “总分应为 0”, no 差."""
    g = make_grid(Form(indicators=[Ind("产出指标", "数量指标", "培训人次", "≥500人次", "450人次", 30, 27)]
                       + default_indicators()[1:], total_row=(110, 107)))
    row = next(r for r in g.rows if "三级指标" in r)
    row[row.index("分值")] = "标准"
    (s,) = _check(g)
    codes = [f.code for f in s.findings]
    assert codes.count("R014") == 1
    assert not {c for c in codes if c[0] == "T"}  # T301 (weights 110) and T304 are withheld, not guessed
    assert s.scores.weights_total is None and s.scores.total_score is None and s.scores.grade is None
    assert s.scores.as_json()["grade"] is None
    assert s.scores.execution_rate == 0.95  # what the funding table says is still computed
    r014 = next(f for f in s.findings if f.code == "R014")
    assert r014.cell == "B12:I12" and "“标准”" in r014.message
