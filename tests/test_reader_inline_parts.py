"""Funding parts whose amount is written in their label (“其中：基本支出：900.47”, 湖南's 部门整体
form) are read only with that label: when it is blanked, rewritten or unknown, the list they form
is no longer known to be whole, so the total is not checked against it (R026 / R022 say why, F101
is withheld) — the rule the reader applies to any row of money without a known name.

The base is the published 衡山县贯塘乡 2023 form (tests/corpus): its use breakdown 900.47 + 1025.20
= 1925.67, as the label above the list states, against a 2030.12 total (the F101 a reviewer
expects); its source breakdown 1325.68 + 118.82 + 585.62 = 2030.12 is whole and consistent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.grid import Grid, parse_addr
from jixiao.processor.core.model import FUNDING_PARTS
from jixiao.processor.core.rules import load_profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus.build import cell_values, tables  # noqa: E402

P = load_profile()
HENGSHAN = next(t for t in tables() if t.id == "hn_hengshan_guantang_dept_2023")


def _grid(**changes: object) -> Grid:
    """The 衡山 table with some cells changed (A1 → new value)."""
    cells = {a1: v for a1, (v, _fmt) in cell_values(HENGSHAN).items()} | changes
    pos = {parse_addr(a1): v for a1, v in cells.items()}
    rows = [[None] * max(c for _, c in pos) for _ in range(max(r for r, _ in pos))]
    for (r, c), v in pos.items():
        rows[r - 1][c - 1] = v
    merged = []
    for rng in HENGSHAN.data.get("merges", []):
        a, b = rng.split(":")
        merged.append((*parse_addr(a), *parse_addr(b)))
    return Grid(HENGSHAN.sheet, rows, 1, 1, merged)


def _sheet(**changes: object):
    (s,) = check_grids([_grid(**changes)], "衡山.xlsx", P).sheets
    return s


def _codes(s) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in s.findings]


def test_the_whole_table_checks_its_stated_use_breakdown_against_the_total():
    s = _sheet()
    assert s.record.read.knows(FUNDING_PARTS)
    f101 = [f for f in s.findings if f.code == "F101"]
    assert [(f.cell, f.params["expected"], f.params["found"]) for f in f101] == [("D4", "1925.67 万元", "2030.12 万元")]
    assert not {"R022", "R026"} & {c for c, _ in _codes(s)}


@pytest.mark.parametrize("cell", ["E6", "E7", "B6", "B7", "B9"])
@pytest.mark.parametrize("damage", [None, "栏目甲", "—"])
def test_a_part_whose_label_is_gone_leaves_its_list_unknown(cell, damage):
    s = _sheet(**{cell: damage})
    assert s.record.read.unknown.get(FUNDING_PARTS) == "R026"
    assert "F101" not in {c for c, _ in _codes(s)}  # not 900.47 (or 704.44 …) against 2030.12
    r026 = [f for f in s.findings if f.code == "R026"]
    assert len(r026) == 1 and r026[0].cell[0] == cell[0] and "不符" in r026[0].message


def test_an_amount_under_a_name_the_vocabulary_does_not_know_is_r022():
    s = _sheet(E8="事业支出：104.45")  # the list then reads 900.47 + 1025.20 and an unknown 104.45
    assert ("R022", "E8") in _codes(s)
    assert s.record.read.unknown[FUNDING_PARTS] in ("R022", "R026")
    assert "F101" not in {c for c, _ in _codes(s)}


def test_a_list_without_its_stated_sum_is_not_taken_as_whole():
    s = _sheet(E5="按支出性质分：")  # the same parts, nothing above them says what they add up to
    assert s.record.read.unknown.get(FUNDING_PARTS) == "R026"
    assert ("R026", "E6:E7") in _codes(s)
    assert "上方“按支出性质分：”没有写出合计（各项之和为 1925.67）" in next(f.message for f in s.findings if f.code == "R026")
    assert "F101" not in {c for c, _ in _codes(s)}


def test_a_stated_sum_the_parts_do_not_reach_withholds_the_check_and_says_so():
    s = _sheet(E5="按支出性质分：2030.12")  # the label claims the total; the parts give 1925.67
    r026 = next(f for f in s.findings if f.code == "R026")
    assert "各项之和 1925.67" in r026.message and "按支出性质分：2030.12" in r026.message
    assert "F101" not in {c for c, _ in _codes(s)}


def test_the_parts_are_still_read_for_what_does_not_need_the_whole_list():
    """The 项目支出 a damaged 基本支出 leaves behind is still the department's 项目支出 (the
    D405/D416 cross-check with the project forms and the report sentence use it)."""
    s = _sheet(E6=None)
    project = s.record.funding_row("project")
    assert project is not None and project.budget.value == pytest.approx(1025.20)
