"""A cell the reader could not read gives no figure: nothing is derived from what was not read.

A 分值 or 得分 cell holding text that is no number (“见附表”, “十分”) is reported (R005) and is
*not known* — never 0, never skipped. A row whose 分值 and 得分 are both unreadable used to drop
out of the sums silently: two such rows beside readable weights 5 + 5 gave “总分 20，差” although
nobody knows what the table hands out (red team, item 3). Now the weights' sum, the indicator
score and the total are unknown, R025 says once why there is no total and grade, and no group
sum (I217, I218) is compared with a figure that leaves a row out. The same holds for the funding
table: an unreadable 全年执行数 or 分值 on 年度资金总额 gives no rate, no execution score, no total.
"""

from __future__ import annotations

import pytest
from jixiao.processor.core.engine import check_grids
from test_reader_real_quirks import HEAD, _grid


def _form(weight: object, score: object, funding: list[object] | None = None) -> object:
    """Four indicators (50 + 30 + 10 + … ): the middle two carry ``weight`` / ``score``."""
    rows = [
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        [None, "产出指标", "数量指标", "造林面积", "1.2万亩", "1.2万亩", 5, 5],
        [None, "产出指标", "质量指标", "成活率", "85%", "85%", weight, score],
        [None, "效益指标", "社会效益指标", "就业率", "≥90%", "95%", weight, score],
        [None, "满意度指标", "满意度指标", "满意度", "≥90%", "95%", 5, 5],
    ]
    grid = _grid(rows)
    if funding is not None:
        grid.rows[5][:len(funding)] = funding
    return grid


def _check(grid):
    (sheet,) = check_grids([grid], "t.xlsx").sheets
    return sheet, sheet.scores.as_json(), {(f.code, f.cell) for f in sheet.findings}


def test_rows_whose_weight_and_score_are_both_unreadable_give_no_total_and_no_grade():
    sheet, figures, found = _check(_form("见附表", "见附表"))
    assert {("R005", c) for c in ("G9", "H9", "G10", "H10")} <= found
    assert figures["weights_total"] is None and figures["indicator_score"] is None
    assert figures["total_score"] is None and figures["grade"] is None  # was 20, 差
    assert figures["execution_score"] == 10  # the funding table was read: its figure stands
    r025 = [f for f in sheet.findings if f.code == "R025"]
    assert len(r025) == 1 and r025[0].cell == "G9" and "G9、H9、G10、H10" in r025[0].message
    assert "不给出总分和等级" in r025[0].message
    # no first level's sum is compared when one of its weights was not read
    assert not {c for code, c in found if code in ("I217", "I218") and c in ("B8", "B10")}


def test_an_unreadable_weight_beside_a_readable_score_leaves_the_weights_unknown():
    _sheet, figures, found = _check(_form("见附表", 40))
    assert figures["weights_total"] is None and figures["total_score"] is None and figures["grade"] is None
    assert ("R025", "G9") in found and not {c for c, _ in found if c in ("T301", "T302")}


def test_an_unreadable_score_that_the_row_recomputes_keeps_the_figures():
    """Quantitative rows are scored from target and actual: their stated 得分 is not needed."""
    _sheet, figures, found = _check(_form(40, "见附表"))
    assert figures["weights_total"] == 100 and figures["total_score"] == 100 and figures["grade"] == "优"
    assert ("R005", "H9") in found and not [c for c, _ in found if c == "R025"]


@pytest.mark.parametrize("cell, value, figure", [("E6", "约五十万", "execution_rate"), ("F6", "十分", "weights_total")])
def test_an_unreadable_funding_cell_gives_no_execution_score_and_no_total(cell, value, figure):
    total = list(HEAD[5])
    total[4 if cell == "E6" else 5] = value
    sheet, figures, found = _check(_form(40, 40, total))
    assert ("R005", cell) in found and ("R025", cell) in found
    assert figures[figure] is None and figures["execution_score"] is None
    assert figures["total_score"] is None and figures["grade"] is None
    assert not [c for c, _ in found if c in ("R018", "F104", "T301")]


def test_an_unreadable_part_row_leaves_the_total_but_not_the_parts_sum():
    """“其中：当年财政拨款” with 执行数 “见决算”: the 年度资金总额's own figures stand, its parts'
    sum is not known — no F101 “合计与分项不符” from a row that was not read."""
    grid = _form(40, 40)
    grid.rows.insert(6, [None, "其中：当年财政拨款", 50, 50, "见决算", None, None, None, None])
    (sheet,) = check_grids([grid], "t.xlsx").sheets
    found = {(f.code, f.cell) for f in sheet.findings}
    assert ("R005", "E7") in found and not [c for c, _ in found if c == "F101"]
    assert sheet.scores.as_json()["total_score"] == 100


def test_no_weights_finding_from_a_reading_the_reader_doubts():
    """Weights adding up to less than half the whole: the table was cut or partly not read (R024
    “可能有的部分没有读到”). The same result once also said T301 “权重合计应为 100，实为 20” — an
    error built on the very sum R024 doubts (宜兴 2016). The sum is now unknown like any field the
    reader could not identify: R024 alone states it; no T301/T302, no weights total, no total."""
    from builders import Form, default_indicators, make_grid

    (sheet,) = check_grids([make_grid(Form(indicators=default_indicators()[:1], total_row=(30, 29.5)))],
                           "t.xlsx").sheets
    codes = [f.code for f in sheet.findings]
    r024 = next(f for f in sheet.findings if f.code == "R024")
    assert "只有 30" in r024.message
    assert not {"T301", "T302", "T304"} & set(codes)
    figures = sheet.scores.as_json()
    assert figures["weights_total"] is None and figures["total_score"] is None and figures["grade"] is None
    assert sheet.scores.unknown.get("indicator.weights_total") == "R024"
