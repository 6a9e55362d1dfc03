"""Each layout class of issue 10, on a small table laid out the way real forms lay it out.

The real published tables of every class are in tests/corpus (run by tests/test_corpus.py);
these tests pin one class each, cell by cell, so a regression names the class it breaks.
Every expected figure is worked out by hand in the comment above its assertion.
"""

from __future__ import annotations

import pytest
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.grid import Grid, parse_addr
from jixiao.processor.core.values import parse_actual, parse_target


def grid(cells: dict[str, object], merges: tuple[str, ...] = ()) -> Grid:
    pos = {parse_addr(a1): v for a1, v in cells.items()}
    rows = [[None] * max(c for _, c in pos) for _ in range(max(r for r, _ in pos))]
    for (r, c), v in pos.items():
        rows[r - 1][c - 1] = v
    merged = []
    for rng in merges:
        a, b = rng.split(":")
        merged.append((*parse_addr(a), *parse_addr(b)))
    return Grid("自评表", rows, 1, 1, merged)


def put(cells: dict, row: int, *values: object, start: str = "A") -> None:
    for i, v in enumerate(values):
        if v is not None:
            cells[f"{chr(ord(start) + i)}{row}"] = v


def check(cells: dict, merges: tuple[str, ...] = ()):
    (sheet,) = check_grids([grid(cells, merges)], "t.xlsx").sheets
    return sheet


def codes(sheet) -> set[tuple[str, str | None]]:
    return {(f.code, f.cell) for f in sheet.findings}


def head(cells: dict, money: str = "项目资金（万元）") -> None:
    put(cells, 1, "项目支出绩效自评表")
    put(cells, 2, "（2023年度）")
    put(cells, 3, "项目名称", "某某项目")
    put(cells, 4, "主管部门", "某局", None, "实施单位", "某中心")


def funding(cells: dict, total_funding=(50, 50, 47.5, 10, 0.95, 9.5), money: str = "项目资金（万元）") -> None:
    total = total_funding
    put(cells, 5, money, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    put(cells, 6, None, "年度资金总额", *total)
    put(cells, 7, None, "其中：当年财政拨款", *total[:3], "—", total[4], "—")


IND_HEADER = ("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")


def standard(*rows: tuple, total: tuple | None = (100, 99.5), header: tuple = IND_HEADER, **funding_kw) -> dict:
    """The paper form: head, funding rows 5–7, the indicator header at row 9, ``rows`` from row 10
    (each starting at column B), then the 总分 row with ``total`` (分值, 得分) unless None."""
    cells: dict = {}
    head(cells)
    funding(cells, **funding_kw)
    put(cells, 9, *header)
    for i, row in enumerate(rows):
        put(cells, 10 + i, None, *row)
    if total is not None:
        put(cells, 10 + len(rows), "总分", None, None, None, None, None, *total)
    return cells


# ====================================================================== header cells merged from above


def test_header_cells_merged_down_from_the_row_above_the_level_row():
    """永德 2022 (云南): 实际完成值 / 分值 / 得分 / 偏差 stand in row 9, merged down over row 10
    where 一级 / 二级 / 三级 and 指标性质 / 指标值 / 度量单位 stand; 年度指标值 groups the three."""
    cells: dict = {}
    head(cells)
    funding(cells)
    put(cells, 9, "绩效指标", None, None, "年度指标值", None, None, "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
    put(cells, 10, "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    put(cells, 11, "产出指标", "数量指标", "受助人数", "≧", 735, "人次", 735, 50, 50)
    put(cells, 12, "效益指标", "社会效益指标", "政策知晓率", "═", 100, "%", "98%", 40, 39.2)
    put(cells, 13, "总分", None, None, None, None, None, None, 100, 98.7)
    merges = ("A9:C9", "D9:F9", "G9:G10", "H9:H10", "I9:I10", "J9:J10")
    s = check(cells, merges)
    cols = s.record.read.indicators.columns
    assert s.record.read.indicators.header_rows == (9, 10)
    assert {k: c.cell for k, c in cols.items()} == {
        "level1": "A10", "level2": "B10", "level3": "C10", "direction": "D10", "target": "E10", "unit": "F10",
        "actual": "G9", "weight": "H9", "score": "I9", "deviation": "J9"}
    assert cols["target"].label == "年度指标值 / 指标值"
    # ≧ 735 人次 met → 50; ═ 100 % missed at 98 % → 98/100 × 40 = 39.2; 9.5 + 50 + 39.2 = 98.7
    assert [i.target.text for i in s.record.indicators] == ["≥735人次", "＝100%"]
    assert s.scores.as_json() == {"execution_rate": 0.95, "execution_score": 9.5, "indicator_score": 89.2,
                                  "total_score": 98.7, "weights_total": 100.0, "grade": "优"}


# ====================================================================== no 分值 column


def test_weights_only_in_labels_are_read_from_there_and_rows_are_not_scored():
    """A table with no 分值 column: “预算执行率（20分）” labels the funding block, the first levels
    carry “产出指标（50分）” / “效益指标（30分）”. The whole is known (20 + 50 + 30 = 100); each
    row's weight is not, so no row score, total or grade is invented (R020)."""
    cells: dict = {}
    head(cells)
    put(cells, 5, "预算执行率（20分）", None, "全年预算数", "全年执行数", "执行率", "得分")
    put(cells, 6, None, "年度资金总额", 40, 38, "95%", 19)
    put(cells, 8, "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "得分")
    put(cells, 9, None, "产出指标（50分）", "数量指标", "培训人次", "≥400人次", "380人次", 45)
    put(cells, 10, None, None, "质量指标", "合格率", "≥95%", "96%", 5)
    put(cells, 11, None, "效益指标（30分）", "社会效益指标", "知晓率", "≥90%", "93%", 30)
    put(cells, 12, "总分", None, None, None, None, None, 99)
    s = check(cells, ("B9:B10",))
    assert s.scores.execution_weight == 20 and s.scores.execution_score == 19  # 38 ÷ 40 × 20
    assert s.scores.weights_total == 100
    assert (s.scores.indicator_score, s.scores.total_score, s.scores.grade) == (None, None, None)
    assert ("R020", "B9") in codes(s)
    assert not {c for c, _ in codes(s) if c in ("T301", "T304", "I201", "I204")}


def test_weights_in_each_rows_own_label_are_that_rows_weight_and_it_is_scored():
    """衡山/南县 style: no 分值 column, every 三级 label carries its points (“培训人次（50分）”).
    Those are the rows' weights: 380 of ≥400 → 380/400 × 50 = 47.5; 知晓率 met → 40; with
    预算执行率 9.5 the total is 97 and the weights add up to 10 + 50 + 40 = 100."""
    cells: dict = {}
    head(cells)
    funding(cells)
    put(cells, 9, "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "得分")
    put(cells, 10, None, "产出指标", "数量指标", "培训人次（50分）", "≥400人次", "380人次", 47.5)
    put(cells, 11, None, "效益指标", "社会效益指标", "知晓率（40分）", "≥90%", "93%", 40)
    put(cells, 12, "总分", None, None, None, None, None, 97)
    s = check(cells)
    assert [(i.level3.value, i.weight.value) for i in s.record.indicators] == [("培训人次", 50), ("知晓率", 40)]
    assert s.scores.as_json() == {"execution_rate": 0.95, "execution_score": 9.5, "indicator_score": 87.5,
                                  "total_score": 97.0, "weights_total": 100.0, "grade": "优"}
    assert not {c for c, _ in codes(s) if c[0] == "R"}


def test_a_money_column_the_vocabulary_does_not_name_is_never_taken_for_the_weights():
    """广水 2019 (湖北) splits the budget by source in columns (中央 / 省、地 / 本级（万元）). Such a
    column states its unit: it is money, not the missing 分值 column; nor is a column no row fills
    (“资金性质”). So the execution weight is still inferred from the whole: indicators 90 + the
    rule's 10 = the 总分 row's 100."""
    cells: dict = {}
    head(cells)
    put(cells, 5, "项目资金", None, "中央（万元）", "全年预算数", "全年执行数", "执行率", "资金性质")
    put(cells, 6, None, "年度资金总额", 50, 50, 47.5, "95%")
    put(cells, 9, "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    put(cells, 10, None, "产出指标", "数量指标", "培训人次", "≥400人次", "400人次", 90, 90)
    put(cells, 11, "总分", None, None, None, None, None, None, 100, 99.5)
    s = check(cells)
    assert s.scores.execution_weight == 10 and s.scores.total_score == 99.5  # 10 × 95% + 90
    assert "R018" not in {c for c, _ in codes(s)}
    assert {("C5", "中央（万元）"), ("G5", "资金性质")} <= set(s.record.read.funding.unmatched)  # still said


# ====================================================================== total in the title area


@pytest.mark.parametrize("label,value,cell", [("自评得分：98", None, "H2"), ("总分", 98, "I2"),
                                              ("项目总得分98分", None, "H2")])
def test_total_written_in_the_title_area_is_read_and_compared(label, value, cell):
    cells: dict = {}
    head(cells)
    put(cells, 2, "（2023年度）", None, None, None, None, None, None, label, value)
    funding(cells)
    put(cells, 9, "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    put(cells, 10, None, "产出指标", "数量指标", "培训人次", "≥400人次", "400人次", 90, 90)
    s = check(cells)
    # no 总分 row: the title's total is the form's; 9.5 + 90 = 99.5 ≠ 98
    assert s.record.stated_total.value == 98 and s.record.stated_total.cell == ("H2" if value is None else "I2")
    assert ("T304", s.record.stated_total.cell) in codes(s)
    assert "R004" not in {c for c, _ in codes(s)}


def test_grade_written_in_the_title_area_is_compared():
    cells: dict = {}
    head(cells)
    put(cells, 2, "（2023年度）", None, None, None, None, None, None, "自评等级：良")
    funding(cells)
    put(cells, 9, "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    put(cells, 10, None, "产出指标", "数量指标", "培训人次", "≥400人次", "400人次", 90, 90)
    put(cells, 11, "总分", None, None, None, None, None, 100, 99.5)
    s = check(cells)
    # 99.5 → 优, the title says 良
    assert s.record.grade.text == "良" and ("T306", "H2") in codes(s)


# ====================================================================== 项目评价 framework


def test_project_evaluation_framework_with_execution_as_an_indicator_row():
    """银川 2021 (宁夏) layout: 项目决策 / 项目管理 / 项目产出 first levels, 参考分值, 指标值 “—”
    on the 决策 / 管理 rows by design, 预算执行率 scored as a row of 项目管理."""
    cells: dict = {}
    put(cells, 1, "部门项目支出绩效自评表（2021年）")
    put(cells, 2, "项目名称", "初中公用经费", "主管部门", "某教育局", "实施单位", "某中学")
    put(cells, 3, "项目资金（万元）", "年度资金总额", "年初预算数", "调整预算数（A）", "全年执行数（B）", "执行率（B/A）")
    put(cells, 4, None, None, 64.8, 64.8, 64.8, "100%")
    put(cells, 6, "一级指标", "二级指标", "三级指标", "参考分值", "指标值（A）", "全年实际值（B）", "得分",
        "未完成原因分析及改进措施")
    put(cells, 7, "项目决策（20分）", "项目目标", "完整性", 20, "—", "目标明确", 20)
    put(cells, 8, "项目管理（30分）", "投入管理", "预算执行率", 10, "—", "100%", 9)
    put(cells, 9, None, "财务管理", "制度有效性", 20, "—", "制度健全", 20)
    put(cells, 10, "项目产出（50分）", "数量指标", "保障人数", 50, "2370人", "2370人", 50)
    put(cells, 11, "总分", None, None, 100, None, None, 99)
    s = check(cells, ("A3:A4", "B3:B4", "A8:A9"))
    assert s.record.read.framework == "evaluation"
    # 预算执行率 is the execution score: 64.8 ÷ 64.8 = 100% × 10 = 10 (stated 9 → I204);
    # the rest 20 + 20 + 50 = 90; total 100 → 优; weights 10 + 90 = 100
    assert s.scores.as_json() == {"execution_rate": 1.0, "execution_score": 10.0, "indicator_score": 90.0,
                                  "total_score": 100.0, "weights_total": 100.0, "grade": "优"}
    found = codes(s)
    assert ("I204", "G8") in found and ("T304", "G11") in found
    # “—” targets of the 决策 / 管理 rows, the framework's own first levels: nothing to say
    assert not {c for c, _ in found if c in ("I221", "I213", "I212", "I218", "F104", "F105", "F109")}


def test_department_evaluation_framework_without_target_or_actual_columns():
    """大英 2020 (四川) 部门整体 framework: 部门预算管理 → 预算编制 → 目标制定 / 编制准确, with
    指标分值, 指标解释, 计分标准 and 自评得分 — no 指标值 or 完成值 column, by design. The rows are
    read and summed as scored (9 + 9.8 = 18.8 of 20); nothing asks for a target, and the first
    level is not measured against 产出/效益/满意度."""
    cells: dict = {}
    put(cells, 1, "绩效指标", None, None, "指标分值", "指标解释", "计分标准", "自评得分")
    put(cells, 2, "一级指标", "二级指标", "三级指标")
    put(cells, 3, "部门预算管理（80分）", "预算编制（20分）", "目标制定", 10, "评价部门绩效目标是否完整。",
        "要素完整的，得5分，否则酌情扣分。", 9)
    put(cells, 4, None, None, "编制准确", 10, "评价年初预算编制是否准确。", "按调剂金额扣分。", 9.8)
    s = check(cells, ("A1:C1", "D1:D2", "E1:E2", "F1:F2", "G1:G2", "A3:A4", "B3:B4"))
    assert s.record.read.framework == "evaluation"
    assert [(i.weight.value, i.score.value) for i in s.record.indicators] == [(10, 9), (10, 9.8)]
    found = {c for c, _ in codes(s)}
    assert not found & {"R017", "I213", "I212", "I221", "I220", "I204", "I203"}


# ====================================================================== department-level table


def test_department_table_without_project_fields_and_with_basic_and_project_rows():
    cells: dict = {}
    put(cells, 1, "部门整体支出绩效自评表")
    put(cells, 2, "（2021年度）")
    put(cells, 3, "单位名称", "某某局")
    put(cells, 4, "年度资金（万元）", None, "年初预算数", "全年执行数", "分值", "得分")
    put(cells, 5, None, "年度资金总额", 300, 310, 10, 10)
    put(cells, 6, None, "其中：基本支出", 200, 190)
    put(cells, 7, None, "项目支出", 100, 120)
    put(cells, 9, "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    put(cells, 10, None, "产出指标", "数量指标", "办件数", "≥100件", "120件", 90, 90)
    put(cells, 11, "总分", None, None, None, None, None, 100, 100)
    s = check(cells)
    assert s.record.read.form == "department" and s.record.unit.text == "某某局"
    assert [(f.kind, f.row) for f in s.record.funding] == [("total", 5), ("basic", 6), ("project", 7)]
    found = codes(s)
    assert not {c for c, _ in found if c in ("R006", "R007")}
    # 项目支出 executed 120 against 100: reported on its own row; the total 310 over 300 too
    assert ("F106", "D7") in found and ("F106", "D5") in found
    # 基本支出 + 项目支出 = 300 / 310: the use split adds up
    assert not {c for c, _ in found if c == "F101"}


# ====================================================================== a scored criteria list


def test_a_criteria_list_whose_score_column_has_no_header_is_read_and_said_not_understood():
    """八塘 2018 (广西): a 评分细则 list — criterion, rule, 分值 and the score given — whose header
    names only 目标名称 and 分值. The table is found (not refused as “no form”), the weights are
    read, and the unheaded score column is said to be unknown (R017): no score, total or grade."""
    cells: dict = {}
    put(cells, 1, "某街道2018年耕地地力保护补贴项目专项支出绩效评分细则")
    put(cells, 3, "目标名称", None, "分值")
    put(cells, 4, "充分性", "制定有实施方案，得3分，否则不得分。", 3, 3)
    put(cells, 5, "合理性", "按程序报批，得3分。", 3, 2)
    s = check(cells)
    assert [i.weight.value for i in s.record.indicators] == [3, 3]
    assert ("R017", "A3:C3") in codes(s)
    assert (s.scores.indicator_score, s.scores.total_score, s.scores.grade) == (None, None, None)
    assert not {c for c, _ in codes(s) if c[0] in "TF" or c in ("I203", "I204")}


def test_a_scoring_guide_with_names_and_points_only_is_not_taken_for_a_table():
    """A second sheet listing each criterion, its 分值 and its rule, with no score given: a
    scoring guide, not a filled table — skipped, not read into errors."""
    cells: dict = {}
    put(cells, 1, "评分标准")
    put(cells, 3, "指标名称", "分值", "评分标准")
    put(cells, 4, "充分性", 3, "制定有实施方案，得3分，否则不得分。")
    put(cells, 5, "合理性", 3, "按程序报批，得3分。")
    with pytest.raises(InputError) as err:
        check(cells)
    assert err.value.code == "J503"


# ====================================================================== placeholder and blank first levels


def test_template_rows_with_slash_in_every_cell_are_ignored():
    s = check(standard(("产出指标", "数量指标", "培训人次", "≥400人次", "400人次", 90, 90),
                       (None, "/", "指标1：/", "/", "/", "/", "/"),
                       (None, None, "指标2：", None, None, None, None)))
    assert [i.row for i in s.record.indicators] == [10]
    assert s.record.ignored_rows == [11, 12]
    assert not {f.code for f in s.findings if f.code[0] in "IT" and f.severity != "info"}


def test_first_levels_showing_only_their_weight_stay_distinct_blocks():
    s = check(standard(("（50分）", "数量指标", "培训人次", "≥400人次", "400人次", 50, 50),
                       ("（40分）", "社会效益指标", "知晓率", "≥90%", "95%", 40, 40)))
    assert [(g.name, g.stated_weight) for g in s.record.level1_groups] == [("", 50), ("", 40)]
    # each block holds what it says: no “（50分）, its rows add up to 90”
    assert "I217" not in {c for c, _ in codes(s)}


def test_a_blank_first_level_under_another_first_levels_block_is_a_warning():
    s = check(standard(("产出指标", "数量指标", "培训人次", "≥400人次", "400人次", 50, 50),
                       (None, "社会效益指标", "知晓率", "≥90%", "95%", 40, 40)))
    i224 = [f for f in s.findings if f.code == "I224"]
    assert [(f.cell, f.severity) for f in i224] == [("B11", "warning")] and "效益指标" in i224[0].message


# ====================================================================== targets, operators, actuals


GLYPHS = [("﹦100%", ">=", False), ("═100%", "=", True), ("＝100%", "=", True), ("≧90%", ">=", True),
          ("≦8小时", "<=", True), ("＞90%", ">=", True), ("＜5次", "<=", True), ("≥50个", ">=", True),
          ("≤30万元", "<=", True), ("不低于95%", ">=", True), ("不高于5%", "<=", True),
          ("90%以上", ">=", True), ("8小时以内", "<=", True), ("不超过20万元", "<=", True)]


@pytest.mark.parametrize("text,op,explicit", GLYPHS)
def test_every_operator_glyph_real_forms_use(text, op, explicit):
    t = parse_target(text)
    # ﹦ becomes = under NFKC like ＝; “﹦100%” is then “=100%”: an explicit equality
    assert (t.op, t.explicit) == (("=", True) if text.startswith("﹦") else (op, explicit))


def test_actual_values_typed_with_their_operator():
    a = parse_actual("≥266米")
    assert (a.value, a.unit) == (266, "米")


# ====================================================================== money


def test_money_in_yuan_with_the_initial_budget_blank():
    s = check(standard(("产出指标", "数量指标", "受助人数", "≥735人次", "735人次", 90, 90), total=(100, 100),
                       total_funding=(None, 387664.62, 387664.62, 10, "100%", 10), money="项目资金（元）"))
    assert s.record.money_unit == "元" and s.record.funding_row("total").budget.value == pytest.approx(38.766462)
    found = {c for c, _ in codes(s)}
    assert not found & {"F107", "F110", "F101", "T304"} and "R013" in found


@pytest.mark.parametrize("stated", [100, 0])
def test_rate_column_in_percent_holding_a_bare_number(stated):
    cells: dict = {}
    head(cells)
    executed = 50 if stated == 100 else 0
    put(cells, 5, "项目资金（万元）", None, "全年预算数", "全年执行数", "分值", "执行率(%)", "得分")
    put(cells, 6, None, "年度资金总额", 50, executed, 10, stated, 10 if stated else 0)
    put(cells, 9, "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    put(cells, 10, None, "产出指标", "数量指标", "培训人次", "≥400人次", "400人次", 90, 90)
    put(cells, 11, "总分", None, None, None, None, None, 100, 100 if stated else 90)
    s = check(cells)
    assert s.record.funding_row("total").rate.value == stated / 100
    assert not {c for c, _ in codes(s)} & {"F103", "F104", "T304"}


# ====================================================================== judgement warnings


def test_met_target_with_points_taken_off_and_no_reason():
    s = check(standard(("产出指标", "时效指标", "资金到位及时率", "≥100%", "100%", 90, 80), total=(100, 89.5),
                       header=(*IND_HEADER, "偏差原因分析及改进措施")))
    found = codes(s)
    # met → full marks by the rule (I204, error), and nothing says why points were taken (I225)
    assert ("I204", "H10") in found and ("I225", "H10") in found
    assert next(f for f in s.findings if f.code == "I225").severity == "warning"


def test_cost_ceiling_below_the_forms_own_execution_with_full_marks():
    s = check(standard(("产出指标", "成本指标", "项目总成本", "≤40万元", "40万元", 90, 90)))
    # 47.5 executed over a 40 ceiling, yet 90 of 90
    assert ("I226", "H10") in codes(s)
