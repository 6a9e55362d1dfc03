"""Targets split over 指标性质 / 指标值 / 度量单位 under a group header, as real forms lay them out.

A group header (年度指标值 merged over 指标性质 / 指标值 / 度量单位) is never a field column itself,
also when a blank spacer column stands under it: 永德 2022 with an empty column between 指标性质
and 指标值 read the target from the group header's cell (on the operator column), put 指标值 among
the unused columns, kept every filler's score and gave 96 instead of 99.8 (red team, item 6).
"""

from __future__ import annotations

import pytest
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.grid import Grid
from test_reader_real_quirks import _grid


def _split_form(spacer: bool, target: object = 100, actual: object = "90%", unit: str = "%",
                operator: str = "≧") -> Grid:
    """年度指标值 (merged over its sub-columns) with, if ``spacer``, a blank column after 指标性质."""
    gap = [None] if spacer else []
    w = 3 + len(gap)
    return _grid([
        ["绩效指标", None, None, "年度指标值", *gap, None, None, "实际完成值", "分值", "得分"],
        ["一级指标", "二级指标", "三级指标", "指标性质", *gap, "指标值", "度量单位"],
        ["产出指标", "质量指标", "合格率", operator, *gap, target, unit, actual, 50, 50],
        ["满意度指标", "服务对象满意度指标", "满意度", "≧", *gap, 95, "%", "96%", 40, 40],
        ["总分", None, None, None, *gap, None, None, None, 100, 100],
    ], [(7, 1, 7, 3), (7, 4, 7, 3 + w), (7, 4 + w, 8, 4 + w), (7, 5 + w, 8, 5 + w), (7, 6 + w, 8, 6 + w)])


@pytest.mark.parametrize("spacer", [False, True], ids=["adjacent", "spacer column"])
def test_a_group_header_is_never_a_field_column(spacer):
    (sheet,) = check_grids([_split_form(spacer)], "t.xlsx").sheets
    cols = sheet.record.read.indicators.columns
    assert cols["target"].cell == ("F8" if spacer else "E8") and cols["target"].word == "指标值"
    assert cols["direction"].cell == "D8"
    assert "D7" not in {c.cell for c in cols.values()}  # 年度指标值 groups; it is no column
    assert sheet.record.indicators[0].target.text == "≥100%"
    # 90% against ≥100%: 45 of 50, not the filler's 50
    assert sheet.scores.as_json()["total_score"] == 95
    assert ("I204", "J9" if spacer else "I9") in {(f.code, f.cell) for f in sheet.findings}


@pytest.mark.parametrize("target, actual, shown, met", [
    (1, 2, ("≤1%", "2%"), False),  # 事故率 ≤ 1 %, actual 2 %: missed — not “≤100%”, met
    (100, 1, ("≤100%", "100%"), True),  # a typed 100 beside a percent-formatted 1 (100 %)
    (1, 0.5, ("≤100%", "50%"), True),  # both percent-formatted: one scale either way
])
def test_a_small_percentage_typed_as_a_number_is_read_on_the_scale_of_its_pair(target, actual, shown, met):
    (sheet,) = check_grids([_split_form(False, target, actual, operator="≦")], "t.xlsx").sheets
    ind = sheet.record.indicators[0]
    assert (ind.target.text, ind.actual.text) == shown
    assert sheet.scores.indicators[0].met is met
    guesses = dict(sheet.record.read.guesses)
    if target == 1 and actual == 2:  # the reading is a guess: the read map says which
        assert "按 1% 读" in guesses["E9"]
    if actual == 1:
        assert "100%" in guesses["G9"]
    assert sheet.record.read.as_json()["guesses"] == [{"cell": c, "what": w} for c, w in guesses.items()]


def test_explain_prints_the_guess():
    from jixiao.explain import explain_lines

    (sheet,) = check_grids([_split_form(False, 1, 2, operator="≦")], "t.xlsx").sheets
    assert any(line.startswith("  推定：E9 指标值 1 按 1% 读") for line in explain_lines(sheet.record, sheet.scores))
