"""More real published 自评表 layouts (tests/beijing_layouts.py has the sources) run through the engine.

Each test states, with the arithmetic, what a careful reviewer expects: the figures of the
table and the exact set of error-severity findings as (code, cell).
"""

from __future__ import annotations

import beijing_layouts as L
import pytest
from real_layouts import errors, run, scores

# ====================================================================== 上海 普陀 2022 (money in 元)


def test_putuo_settlement_2022_read(tmp_path):
    res = run(L.putuo_settlement_2022(), tmp_path)
    rec = res.record
    assert rec.year == 2022 and rec.project.text == "普陀体育中心与委托运营方结算费用"
    assert rec.department.text == "上海市普陀区体育局" and rec.unit.text == "上海市普陀区体育事业管理中心"
    assert [(f.kind, f.row) for f in rec.funding] == [("total", 6), ("current", 7), ("carryover", 8), ("other", 9)]
    # “项目资金（元）”: 250000.00 元 → 25 万元; “215,457.6” (thousands comma) → 21.54576 万元
    total = rec.funding_row("total")
    assert (total.initial.value, total.budget.value, total.executed.value) == (25.0, 25.0, pytest.approx(21.54576))
    assert "R013" in {f.code for f in res.findings}
    # “=100%” stays a target (equal), “>=90%” is ≥ 90 %
    assert [i.target.text for i in rec.indicators] == ["=100%", "=100%", "及时", "=100%", ">=90%"]
    assert [s.kind for s in res.scores.indicators] == ["equal", "equal", "qualitative", "equal", "higher"]


def test_putuo_settlement_2022_figures(tmp_path):
    res = run(L.putuo_settlement_2022(), tmp_path)
    # 215457.6 ÷ 250000 = 86.18304 % → 8.618 → 8.62 (stated 8.62); stated 86.19 % is within the rate
    # tolerance (0.05 pp) — a 0.01 pp slip, not flagged.
    # indicators 10 + 20 + 20 + 30 + 10 = 90, all met; weights 10 + 90 = 100; total 98.62 (stated 98.62)
    assert scores(res) == {"execution_rate": 0.86183, "execution_score": 8.62, "indicator_score": 90.0,
                           "total_score": 98.62, "weights_total": 100.0, "grade": "优"}
    # nothing wrong: the 其中 rows printed 0 / 0 with 执行数 blank have nothing to execute
    assert errors(res) == set()
    warnings = {(f.code, f.cell) for f in res.findings if f.severity == "warning"}
    assert {("F112", "H7"), ("I208", "H18")} <= warnings


def test_putuo_settlement_2022_zero_budget_rows_are_not_errors(tmp_path):
    assert errors(run(L.putuo_settlement_2022(), tmp_path)) == set()


def test_putuo_zero_rows_in_budget_and_executed_columns_are_fine(tmp_path):
    # the other reading of “0 0”: 全年预算数 0, 全年执行数 0, 年初 blank → no finding
    res = run(L.putuo_settlement_2022().set(D8=None, D9=None, F8=0, F9=0), tmp_path)
    assert errors(res) == set()


PUTUO_BROKEN = [
    # stated 80.00 % while 215457.6 ÷ 250000 = 86.18 %
    ("rate_mismatch", dict(H6="80.00%"), {("F103", "H6")}),
    # 260,000.00 元 executed against 250,000.00 in both rows; rate 104 % stated right; score 10
    # (capped); the stated 总分 98.62 is then 10 + 90 = 100 → T304
    ("executed_over_budget", dict(F6="260,000.00", F7="260000.00", H6="104%", I6=10),
     {("F106", "F6"), ("F106", "F7"), ("T304", "H18")}),
    # 86.18 % but the full 10 points
    ("full_score_below_100", dict(I6=10), {("F108", "I6")}),
    ("missing_indicator_score", dict(H14=None), {("I202", "H14")}),
    ("missing_total", dict(H18=None), {("T303", "H18")}),
    # 效益 30 → 40 (score 40): weights 110 against the 总分 row's 100
    ("weights_110", dict(G16=40, H16=40, H18=108.62), {("T301", "G18"), ("T302", "G18")}),
    # =100% target, actual 90 %: 90 ÷ 100 × 10 = 9, stated full 10, no deviation text; 总分 97.62
    ("missed_target_full_score", dict(F13="90%"), {("I204", "H13"), ("I205", "I13"), ("T304", "H18")}),
    # 当年财政拨款 年初 240000.00 ≠ 250000.00
    ("total_vs_parts", dict(D7="240000.00"), {("F101", "D6")}),
]


@pytest.mark.parametrize("name,cells,expected", PUTUO_BROKEN, ids=[b[0] for b in PUTUO_BROKEN])
def test_putuo_broken_variants(tmp_path, name, cells, expected):
    res = run(L.putuo_settlement_2022().set(**cells), tmp_path)
    assert errors(res) == expected


def test_putuo_messages_quote_the_forms_own_money(tmp_path):
    res = run(L.putuo_settlement_2022().set(D7="240000.00"), tmp_path)
    msg = next(f.message for f in res.findings if f.code == "F101")
    assert "250000" in msg.replace(",", "") or "万元" in msg


def test_putuo_yuandian_2022_sources_all_zero(tmp_path):
    res = run(L.putuo_yuandian_2022(), tmp_path)
    # 9034 ÷ 20000 = 45.17 % → 4.517 → 4.52 (stated 4.52)
    # indicators: 经费使用率 45.17 ÷ 90 × 10 = 5.02 (stated 5.02, deviation given) + 20 + 20 + 30 + 10 = 85.02
    # total 4.52 + 85.02 = 89.54 (stated 89.54) → 良
    assert scores(res) == {"execution_rate": 0.4517, "execution_score": 4.52, "indicator_score": 85.02,
                           "total_score": 89.54, "weights_total": 100.0, "grade": "良"}
    # real defect: 年度资金总额 20000.00 / 20000.00 / 9,034 while every 其中 row prints 0 / 0 and
    # nothing under 全年执行数: none of the 9,034 executed belongs to a source (as the corpus has it)
    assert errors(res) == {("F101", "D6"), ("F101", "E6"), ("F101", "F6")}


def test_putuo_yuandian_2022_exact_errors(tmp_path):
    assert errors(run(L.putuo_yuandian_2022(), tmp_path)) == {("F101", "D6"), ("F101", "E6"), ("F101", "F6")}


# ====================================================================== 河北 廊坊 2019 (template placeholders)


def test_langfang_2019_as_published(tmp_path):
    res = run(L.langfang_heating_2019(), tmp_path)
    rec = res.record
    assert rec.year == 2019 and rec.unit.text == "廊坊市食品工程学校"
    # the template's “指标2” / “……” rows (and the empty 生态效益 row) are skipped: 9 real indicators
    assert len(rec.indicators) == 9
    assert rec.indicators[0].level3.text == "指标1工程资金金额"
    # “效益指标” written again above 可持续影响 (its own merge) is still one first level
    assert [g.name for g in rec.level1_groups] == ["产出指标", "效益指标", "满意度指标"]
    # 37.24 ÷ 43.2 = 86.20 % → 8.62; 工程资金金额 37.24 of 43.2 → 8.62; eight rows 100 of 100 → 80
    # indicators 88.62; weights 10 + 9 × 10 = 100; total 97.24
    assert scores(res) == {"execution_rate": 0.862037, "execution_score": 8.62, "indicator_score": 88.62,
                           "total_score": 97.24, "weights_total": 100.0, "grade": "优"}
    # stated 执行率 86 % is 86.20 % to the whole percent (fine); stated 得分 9 ≠ 8.62 (F104);
    # 工程资金金额 stated 9 ≠ 8.62 (I204); 总分 98 ≠ 97.24 (T304). The “0” in the 偏差 column is text.
    assert errors(res) == {("F104", "I6"), ("I204", "H13"), ("T304", "H40")}
    assert "R008" in {f.code for f in res.findings}


def test_langfang_2019_corrected_has_no_errors(tmp_path):
    res = run(L.langfang_heating_2019().set(I6=8.62, H13=8.62, H40=97.24), tmp_path)
    assert errors(res) == set()


def test_langfang_2019_missing_score_between_placeholders(tmp_path):
    res = run(L.langfang_heating_2019().set(H16=None), tmp_path)
    assert errors(res) == {("F104", "I6"), ("I204", "H13"), ("I202", "H16"), ("T304", "H40")}


# ====================================================================== 安徽 六安 2021 (其中 row with 分值 and 得分)


def test_luan_2021_sub_row_weight_is_not_counted(tmp_path):
    res = run(L.luan_public_culture_2021(), tmp_path)
    # 179.43 ÷ 200 = 89.715 % → 8.97 (stated 9: 8.97 to one decimal is 9.0, accepted);
    # the 其中 row's own 分值 10 / 得分 8 must not be added: weights 10 + 90 = 100
    # indicators 10 + 10 + 2/3 × 9 = 6 + 11 + 76/95 × 10 = 8 + 15 + 15 + 10 = 85
    assert scores(res) == {"execution_rate": 0.89715, "execution_score": 8.97, "indicator_score": 85.0,
                           "total_score": 93.97, "weights_total": 100.0, "grade": "优"}
    # the page's 自评 95 ≠ 8.97 + 85 = 93.97
    assert errors(res) == {("T304", "H21")}


def test_luan_2021_corrected_total(tmp_path):
    assert errors(run(L.luan_public_culture_2021().set(H21=93.97), tmp_path)) == set()


# ====================================================================== 北京 海淀 学院路 2016 (A/B layout)


def test_haidian_2016_read(tmp_path):
    res = run(L.haidian_xueyuanlu_2016(), tmp_path)
    rec = res.record
    assert rec.year == 2016 and rec.department.text == "北京市海淀区人民政府学院路街道办事处"
    # no 全年预算数 column: 执行率（B/A） divides by 年初预算数（A）
    assert rec.rate_denominator == "initial"
    assert rec.funding_columns == {"initial": "C5", "executed": "D5", "weight": "E5", "rate": "F5", "score": "G5"}
    # 分值 before 年度指标值（A）; 得分计算方法 (H) is not 得分 (I)
    assert rec.indicator_columns["weight"] == "E10" and rec.indicator_columns["target"] == "F10"
    assert rec.indicator_columns["score"] == "I10" and rec.indicator_columns["deviation"] == "J10"
    assert rec.total is not None and rec.total.cells == {"weight": "E17", "score": "I17"}


def test_haidian_2016_general_budget_row_is_current(tmp_path):
    rec = run(L.haidian_xueyuanlu_2016(), tmp_path).record
    assert [f.kind for f in rec.funding] == ["total", "current", "other"]


def test_haidian_2016_figures(tmp_path):
    res = run(L.haidian_xueyuanlu_2016(), tmp_path)
    # 154.74 ÷ 310.2 = 49.88 % (stated 50 %, whole percent) → 4.99 (stated 5 = 4.99 to one decimal)
    # indicators 12.5 × 4 + 30 + 10 = 90, all met; weights 10 + 90 = 100; total 94.99 (stated 95, ok)
    assert scores(res) == {"execution_rate": 0.498839, "execution_score": 4.99, "indicator_score": 90.0,
                           "total_score": 94.99, "weights_total": 100.0, "grade": "优"}
    assert errors(res) == set()


HAIDIAN_BROKEN = [
    ("rate_mismatch", dict(F6="60%"), {("F103", "F6")}),
    # 320 executed against 年初 310.2 (the denominator here), rate 103 % stated right, score 10, 总分 100
    ("executed_over_budget", dict(D6=320, D7=320, F6="103%", G6=10, I17=100), {("F106", "D6"), ("F106", "D7")}),
    ("missing_total", dict(I17=None), {("T303", "I17")}),
    # ≥95 %, actual 90 %: 90 ÷ 95 × 12.5 = 11.84, stated full, no 未完成原因; 总分 95 ≠ 94.33
    ("missed_target_full_score", dict(G12="90%"), {("I204", "I12"), ("I205", "J12"), ("T304", "I17")}),
    # 效益 30 → 40 against its “（30分）” label; weights 110 against 100
    ("weights_110", dict(E15=40, I15=40, I17=105), {("I217", "B15"), ("T301", "E17"), ("T302", "E17")}),
    ("total_vs_parts", dict(C7=300), {("F101", "C6")}),
    # 49.88 % but the full 10 points (总分 100 claimed)
    ("full_score_below_100", dict(G6=10, I17=100), {("F108", "G6"), ("T304", "I17")}),
]


@pytest.mark.parametrize("name,cells,expected", HAIDIAN_BROKEN, ids=[b[0] for b in HAIDIAN_BROKEN])
def test_haidian_broken_variants(tmp_path, name, cells, expected):
    assert errors(run(L.haidian_xueyuanlu_2016().set(**cells), tmp_path)) == expected


def test_putuo_numbers_exported_as_text(tmp_path):
    # the same table as a budget system exports it: “10.00”, “20.000000”, “100.00”, zeros “0.00” everywhere
    sheet = L.putuo_settlement_2022().set(
        G6="10.00", I6="8.62", G13="10.00", H13="10.00", G14="20.000000", H14="20.000000", G18="100.00",
        H18="98.62", D8="0.00", E8="0.00", F8="0.00", D9="0.00", E9="0.00", F9="0.00")
    res = run(sheet, tmp_path)
    assert scores(res) == {"execution_rate": 0.86183, "execution_score": 8.62, "indicator_score": 90.0,
                           "total_score": 98.62, "weights_total": 100.0, "grade": "优"}
    assert errors(res) == set()
