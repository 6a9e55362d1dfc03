"""The 部门整体支出绩效自评表: recognised from its labels, read, scored by its own rule profile and
audited on its own cells (issue 15). Expected figures are worked by hand from the seed report."""

from __future__ import annotations

import dataclasses

import pytest
from builders import Form, make_grid, write_xlsx
from department_forms import management_grid, seed_grid
from jixiao.processor.core.engine import check_file, check_sheet
from jixiao.processor.core.findings import catalogue
from jixiao.processor.core.grid import Grid
from jixiao.processor.core.rules import load_profile


def _one(grid):
    (res,) = check_sheet(grid, "dept.xlsx")
    return res


def _errors(res):
    return {(f.code, f.cell) for f in res.findings if f.severity == "error"}


def test_the_seed_department_form_is_read_as_one():
    rec = _one(seed_grid()).record
    assert rec.read.form == "department" and rec.year == 2024
    assert (rec.unit.text, rec.unit.cell) == ("北京市丰台区信访办公室", "B3")
    got = {f.kind: (f.budget.value, f.executed.value) for f in rec.funding}
    assert got == {"total": (794.51, 775.77), "basic": (739.46, 720.84), "personnel": (None, None),
                   "public": (None, None), "project": (55.05, 54.93), "other_use": (0, 0)}
    assert {k: (f.value, f.cell) for k, f in rec.figures.items()} == {
        "carryover": (24.68, "B11"), "carryover_rate": (0.0342, "D11"), "variance_rate": (0.0236, "F11")}
    assert not [n for n in rec.notes if n[0] in ("R006", "R007")]  # a department form names no project


def test_the_seeds_department_inconsistencies_are_reported_on_their_cells():
    """794.51 − 775.77 = 18.74, not the printed 24.68; 18.74 ÷ 794.51 = 2.36 %, not 3.42 %; the rest holds
    (775.77 ÷ 794.51 = 97.64 %; 739.46 + 55.05 + 0 = 794.51; 720.84 + 54.93 + 0 = 775.77)."""
    res = _one(seed_grid())
    assert _errors(res) == {("D401", "B11"), ("D402", "D11")}
    d401 = next(f for f in res.findings if f.code == "D401")
    assert "24.68" in d401.message and "18.74" in d401.message
    s = res.scores
    assert s.execution_rate == pytest.approx(775.77 / 794.51)
    assert (s.execution_score, s.indicator_score, s.total_score, s.weights_total, s.grade) == (9.76, 90, 99.76, 100, "优")
    rows = {r.name: r for r in s.department.rows}
    assert rows["结转结余"].computed == pytest.approx(18.74) and rows["结转结余"].verdict == "不一致"
    assert rows["预决算差异率"].verdict == "一致"


def test_use_rows_must_add_up_to_the_total():
    g = seed_grid()
    g.rows[8][3] = 60.05  # 项目支出 全年预算数: 739.46 + 60.05 + 0 ≠ 794.51
    assert ("F101", "D5") in _errors(_one(g))


def test_basic_expenditure_against_its_personnel_and_public_rows():
    g = seed_grid()
    g.rows[6][3:5] = [620.0, 610.2]  # 人员经费
    g.rows[7][3:5] = [119.46, 100.6]  # 公用经费: 620 + 119.46 = 739.46 holds; 610.2 + 100.6 = 710.8 ≠ 720.84
    errors = _errors(_one(g))
    assert ("F113", "E6") in errors and ("F113", "D6") not in errors
    f = next(f for f in _one(g).findings if f.code == "F113")
    assert f.severity == catalogue()["F113"]["severity"] and "710.8" in f.message and "720.84" in f.message


def test_execution_above_budget_on_any_row():
    g = seed_grid()
    g.rows[8][3:5] = [55.05, 58.0]  # 项目支出 executes more than its budget
    g.rows[5][3:5] = [739.46, 717.77]  # (the total still adds up)
    assert ("F106", "E9") in _errors(_one(g))


def test_management_framework_rates_are_recomputed_from_the_forms_money():
    assert _errors(_one(management_grid())) == set()
    res = _one(management_grid(execution_actual="98.5%", carryover_actual="3.42%", variance_actual="1.8%"))
    assert _errors(res) == {("D403", "E10"), ("D402", "E11"), ("D404", "E12")}
    assert res.record.read.framework == "evaluation"


def test_an_indicator_row_named_like_a_funding_header_is_not_a_second_form():
    """过程 | 预算执行 | 预算执行率 holds the words 执行 / 执行率 of a funding header, and figures."""
    assert len(check_sheet(management_grid(), "m.xlsx")) == 1


def test_department_forms_use_the_department_profile_composed_onto_the_active_one(tmp_path):
    p = tmp_path / "province.json"
    p.write_text('{"extends": "default", "id": "province", "name": "某省", "severity": {"D402": "warning"}}',
                 encoding="utf-8")
    profile = load_profile(str(p))
    dept = profile.for_form("department")
    assert dept.id == "department" and dept.data["severity"] == {"D402": "warning"}
    assert "差异率" in dept["framework"]["lower_is_better"] and "差异率" not in profile["framework"]["lower_is_better"]
    assert profile.for_form("project") is profile and dept.for_form("department") is dept
    (res,) = check_sheet(seed_grid(), "dept.xlsx", profile)
    assert next(f for f in res.findings if f.code == "D402").severity == "warning"


def test_a_workbook_holding_both_kinds(tmp_path):
    path = write_xlsx(tmp_path / "both.xlsx", make_grid(Form()), seed_grid())
    res = check_file(path)
    assert [(s.sheet, s.record.read.form) for s in res.sheets] == [("自评表", "project"), ("部门整体自评表", "department")]
    assert [s.scores.total_score for s in res.sheets] == [99.5, 99.76]


def test_a_project_form_is_never_taken_for_a_department_form():
    form = dataclasses.replace(Form(), project="2024年度部门整体运转保障项目")
    assert _one(make_grid(form)).record.read.form == "project"


def test_fill_writes_the_department_rates_and_marks_the_stated_carryover(tmp_path):
    from jixiao.processor.files.openpyxl_write import fill_file
    from openpyxl import load_workbook

    src = write_xlsx(tmp_path / "dept.xlsx", seed_grid())
    out = fill_file(src, tmp_path / "out.xlsx").output
    ws = load_workbook(out)["部门整体自评表"]
    assert ws["D11"].value == pytest.approx(18.74 / 794.51, abs=1e-6)  # 3.42 % → 2.36 %
    assert ws["F11"].value == 0.0236 and ws["F11"].comment is None  # already right: kept as typed
    assert ws["B11"].value == 24.68 and "D401" in ws["B11"].comment.text  # an amount is the filler's
    again = fill_file(out, tmp_path / "again.xlsx").output
    assert load_workbook(again)["部门整体自评表"]["D11"].value == ws["D11"].value


def _levels_weighted(text: bool = False):
    """The management framework with a 分值 after every level (长沙雨花区's 指标表: 一级指标 分值 二级指标
    分值 三级指标 分值 … 得分). By hand: rows 10 + 20 + 10 + 10 + 10 + 10 + 20 + 10 = 100, all met, scored
    100; 投入 10, 过程 60, 产出 20, 效果 10 (and 预算执行 40 …) are the levels' subtotals — read as the rows'
    weights they would make 预算执行率 a 60-point row and the weights 60 × 5 + 10 + 20 + 10 = 340."""
    g = management_grid()
    head = ["一级指标", "分值", "二级指标", "分值", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    level1 = {"投入": 10, "过程": 60, "产出": 20, "效果": 10}
    level2 = {"预算配置": 10, "预算执行": 40, "预算管理": 10, "职责履行": 20, "履职效益": 10}
    rows = [list(r) + [None] for r in g.rows[:7]] + [head]
    for r in g.rows[8:16]:
        rows.append([r[0], level1[r[0]], r[1], level2[r[1]], r[2], r[3], r[4], r[5], r[6]])
    rows.append(["总分", None, None, None, None, None, None, 100, 100])
    if text:  # a system export: every figure typed as text
        rows = [[str(v) if isinstance(v, (int, float)) else v for v in r] for r in rows]
    return Grid(g.sheet, rows, 1, 1, [(1, 1, 1, 9), (2, 1, 2, 9), (3, 2, 3, 9), (17, 1, 17, 7)])


@pytest.mark.parametrize("text", [False, True], ids=["numbers", "text_export"])
def test_a_weight_after_every_level_reads_the_deepest_as_the_indicators_weight(text):
    res = _one(_levels_weighted(text))
    assert res.record.read.indicators.columns["weight"].cell == "H8"
    assert len(res.record.funding) == 3  # the row 过程 | 60 | 预算执行 | 40 | 预算执行率 … is no funding header
    assert (res.scores.weights_total, res.scores.total_score) == (100, 100)
    assert _errors(res) == set()


def _fujian(total_budget: float = 275.14):
    """Fujian's 资金结构 block (宁德's 部门整体支出绩效自评表): 预算安排 / 拨付情况 over two header rows, the
    year's budget in “小计 ④ = ①+②+③”, the spending in “年度拨付金额”, the rate in “支出实现率”, and rows
    财政资金小计 with its ①②③ parts, 其他资金小计 and 合计. By hand: 254.67 ÷ 275.14 = 92.56 %."""
    rows = [
        ["部门整体支出绩效自评表", None, None, None, None, None, None, None, None],
        ["（2018年度）", None, None, None, None, None, None, None, None],
        ["部门（单位）名称", "某市党史研究室", None, None, None, None, None, None, None],
        ["财政资金安排和使用情况", "资金结构（万元）", "预算安排", None, None, None, "拨付情况", None, None],
        [None, None, "年初部门预算安排金额", "历年结余结转", "年中调整金额③", "小计 ④=①+②+③", "年度拨付金额",
         "支出实现率（%） ⑥=⑤/④", None],
        [None, "财政资金小计", 253.77, 21.37, 0, 275.14, 254.67, "93%", None],
        [None, "①中央及省级财政资金", None, None, None, None, None, None, None],
        [None, "②市级财政资金", 253.77, 21.37, 0, 275.14, 254.67, "93%", None],
        [None, "其他资金小计", None, None, None, None, None, None, None],
        [None, "合 计", 253.77, 21.37, 0, total_budget, 254.67, "93%", None],
        ["年度绩效指标完成情况", "一级指标", "二级指标", "三级指标", "绩效目标值", "实际完成值", "指标分值", "得分", None],
        [None, "产出指标", "数量指标", "按月发放工资", "12个月", "12个月", 100, 100, None],
        [None, "总分", None, None, None, None, 100, 100, None],
    ]
    return Grid("自评表", rows, 1, 1, [(1, 1, 1, 9), (2, 1, 2, 9), (3, 2, 3, 9), (4, 1, 10, 1), (4, 2, 5, 2),
                                     (4, 3, 4, 6), (4, 7, 4, 8), (11, 1, 13, 1)])


def test_a_subtotal_rows_parts_are_not_counted_again():
    res = _one(_fujian())
    assert res.record.read.form == "department"
    assert round(res.scores.execution_rate, 4) == 0.9256
    assert not [f for f in res.findings if f.code == "F101"]  # 合计 = 财政资金小计 (+ 其他资金小计, blank)
    wrong = _one(_fujian(total_budget=285.14))  # 合计 10 above 财政资金小计: still a real F101
    assert ("F101", "F10") in _errors(wrong)
