import pytest
from builders import Form, Ind, default_indicators, make_grid, replace_cells
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.grid import Grid
from jixiao.processor.core.model import FUNDING_PARTS
from jixiao.processor.core.reader import read_grid

VARIANTS = {
    "paper form": Form(),
    "levels written once": Form(level_once=True),
    "levels merged": Form(merge_levels=True),
    "weights in level-1 label": Form(l1_weights=True, merge_levels=True),
    "分值 before 年度指标值": Form(indicator_columns=("l1", "l2", "l3", "weight", "target", "actual", "score", "deviation")),
    "得分 before 分值, 偏差 first": Form(indicator_columns=("deviation", "l1", "l2", "l3", "target", "actual", "score", "weight")),
    "no 年初预算数, 执行率（B/A）": Form(no_initial_column=True),
    "placeholders, notes, extra rows, offset origin": Form(placeholder_rows=3, notes_column=True, extra_rows=True,
                                                           origin=(4, 3)),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_reads_the_same_table(name):
    rec = read_grid(make_grid(VARIANTS[name]), "f.xlsx")
    assert rec is not None
    assert rec.project.text == "2024年度测试项目" and rec.unit.text == "某某中心" and rec.department.text == "某某局"
    assert rec.year == 2024
    total = rec.funding_row("total")
    assert (total.budget.value, total.executed.value, total.weight.value, total.score.value) == (50, 47.5, 10, 9.5)
    assert [i.level3.text for i in rec.indicators] == [i.l3 for i in default_indicators()]
    assert [i.level1.value for i in rec.indicators] == [i.l1 for i in default_indicators()]
    assert [i.level2.text for i in rec.indicators] == [i.l2 for i in default_indicators()]
    assert [i.weight.value for i in rec.indicators] == [20, 15, 10, 5, 30, 10]
    assert (rec.total.weight.value, rec.total.score.value) == (100, 99.5)
    assert rec.goal_expected.text == "完成年度培训任务" and rec.goal_actual.text == "已完成年度培训任务"


def test_cells_keep_their_addresses():
    g = make_grid(Form(origin=(3, 2)))
    rec = read_grid(g, "f.xlsx")
    # row 3 title, 4 year, 5 name, 6 dept, 7 funding header, 8 total → columns start at B
    assert rec.project.cell == "C5"
    total = rec.funding_row("total")
    assert total.row == 8 and total.executed.cell == "F8" and total.score.cell == "I8"
    first = rec.indicators[0]
    assert first.target.cell == "F15" and first.score.cell == "I15"
    assert rec.total.score.cell == "I21"


def test_level1_weight_label_is_split():
    rec = read_grid(make_grid(Form(l1_weights=True)), "f")
    assert [(g.name, g.stated_weight) for g in rec.level1_groups] == [("产出指标", 50), ("效益指标", 30), ("满意度指标", 10)]


def test_placeholder_rows_are_ignored_and_noted():
    rec = read_grid(make_grid(Form(placeholder_rows=2)), "f")
    assert len(rec.indicators) == 6 and len(rec.ignored_rows) == 2
    assert any(code == "R008" for code, _, _ in rec.notes)


def test_numbers_typed_as_text():
    form = Form(total=("５０", "50万元", "47.5 万元", "10", "95%", "9.5"),
                indicators=[Ind("产出指标", "数量指标", "件数", "≥100件", "１００件", "20", "２０")] + default_indicators()[1:])
    rec = read_grid(make_grid(form), "f")
    total = rec.funding_row("total")
    assert (total.initial.value, total.budget.value, total.executed.value, total.rate.value) == (50, 50, 47.5, 0.95)
    assert rec.indicators[0].score.value == 20


def test_dash_means_empty():
    rec = read_grid(make_grid(Form()), "f")
    cur = rec.funding_row("current")
    assert cur.weight.value is None and cur.score.value is None and cur.weight.raw is None


def test_this_year_appropriation_label_variants():
    g = make_grid(Form())
    for row in g.rows:
        for i, v in enumerate(row):
            if v == "其中：当年财政拨款":
                row[i] = "其中：本年财政拨款"
            if v == "年度资金总额":
                row[i] = "年度资金总额:"
    rec = read_grid(g, "f")
    assert rec.funding_row("current").budget.value == 50 and rec.funding_row("total").budget.value == 50


@pytest.mark.parametrize("label", ["上级补助资金", "中央资金", "省级资金"])
def test_transfer_fund_rows_are_this_years_appropriation(label):
    rec = read_grid(replace_cells(make_grid(Form()), {"其中：当年财政拨款": f"其中：{label}"}), "f")
    assert rec.funding_row("current").budget.value == 50
    assert not [n for n in rec.notes if n[0] == "R022"]


def test_a_carried_over_subsidy_is_carryover_not_this_year():
    g = replace_cells(make_grid(Form(carryover=(5, 5, 5, "—", 1, "—"), total=(55, 55, 52.5, 10, 0.9545, 9.55))),
                      {"上年结转资金": "上年结转补助资金"})
    rec = read_grid(g, "f")
    assert rec.funding_row("carryover").budget.value == 5


def test_a_breakdown_of_the_appropriation_is_not_another_part_of_the_total():
    """当年财政拨款 50 / 其中：中央补助 30: the 30 is inside the 50, so Σ parts stays 50 (no F101)."""
    form = Form(carryover=(30, 30, 28, "—", None, "—"))
    g = replace_cells(make_grid(form), {"上年结转资金": "其中：中央补助"})
    sheet = check_grids([g], "f.xlsx").sheets[0]
    assert "F101" not in {f.code for f in sheet.findings}
    assert [f.kind for f in sheet.record.funding] == ["total", "current", "other"]
    assert any(r.role == "ignored" and "明细" in r.what for r in sheet.record.read.rows)
    # the same label as a sibling of the total's parts (right below 年度资金总额) is a part
    g = replace_cells(make_grid(Form(current=(None, None, None, "—", None, "—"),
                                     carryover=(50, 50, 47.5, "—", 0.95, "—"))), {"上年结转资金": "省级补助"})
    g = replace_cells(g, {"其中：当年财政拨款": "其中：中央补助"})
    sheet = check_grids([g], "f.xlsx").sheets[0]
    assert [f.kind for f in sheet.record.funding] == ["total", "current", "current", "other"]
    assert "F101" not in {f.code for f in sheet.findings}


def test_an_unnamed_money_row_is_not_named_after_the_block_label_beside_it():
    """“项目资金（万元）” merged down beside the rows labels the block: a row without a label of
    its own is said to have no name (R022), not to be called “项目资金”."""
    g = replace_cells(make_grid(Form(carryover=(5, 5, 5, "—", 1, "—"), total=(55, 55, 52.5, 10, 0.9545, 9.55))),
                      {"上年结转资金": None})
    rec = read_grid(g, "f")
    notes = [p for code, _cell, p in rec.notes if code == "R022"]
    assert [p["label"] for p in notes] == ["（空白）"]
    assert not rec.read.knows(FUNDING_PARTS)


def test_project_name_inline_with_colon():
    g = make_grid(Form())
    g.rows[2] = ["项目名称：某某专项", None] + [None] * (len(g.rows[2]) - 2)
    assert read_grid(g, "f").project.text == "某某专项"


def test_not_a_form_returns_none_and_is_skipped_with_info():
    other = Grid("说明", [["填表说明"], ["请按模板填写"]])
    assert read_grid(other, "f") is None
    result = check_grids([other, make_grid(Form())], "f.xlsx")
    assert len(result.sheets) == 1
    assert [(f.code, f.sheet) for f in result.findings] == [("R001", "说明")]


def test_several_forms_in_one_workbook_are_several_projects():
    a = make_grid(Form(project="项目甲"), sheet="甲")
    b = make_grid(Form(project="项目乙"), sheet="乙")
    result = check_grids([a, b], "f.xlsx")
    assert [s.record.project.text for s in result.sheets] == ["项目甲", "项目乙"]


def test_workbook_without_any_form_is_an_input_error():
    from jixiao.processor.core.errors import InputError

    with pytest.raises(InputError) as err:
        check_grids([Grid("Sheet1", [["a", 1]])], "x.xlsx")
    assert err.value.code == "J503" and "x.xlsx" in str(err.value)


def test_repeated_header_row_is_skipped():
    g = make_grid(Form())
    hdr = next(i for i, r in enumerate(g.rows) if "三级指标" in r)
    g.rows.insert(hdr + 3, list(g.rows[hdr]))
    rec = read_grid(g, "f")
    assert len(rec.indicators) == 6


def test_grade_written_inline_after_the_total():
    g = make_grid(Form())
    g.rows.append(["自评等级：优"] + [None] * (len(g.rows[0]) - 1))
    rec = read_grid(g, "f")
    assert rec.grade.text == "优" and rec.grade.cell == f"A{len(g.rows)}"


def test_money_table_in_yuan_is_converted_to_wan_yuan():

    g = make_grid(Form(total=(500000, 500000, 475000, 10, 0.95, 9.5), current=(500000, 500000, 475000, "—", 0.95, "—")))
    replace_cells(g, {"项目资金（万元）": "项目资金（元）"})
    rec = read_grid(g, "f")
    total = rec.funding_row("total")
    assert (total.budget.value, total.executed.value) == (50, 47.5)
    assert ("R013", "C5", {}) in rec.notes


def test_only_an_initial_budget_column_is_the_denominator():
    from jixiao.processor.core.compute import compute
    from jixiao.processor.core.rules import load_profile

    g = make_grid(Form(total=(50, None, 47.5, 10, 0.95, 9.5)))
    replace_cells(g, {"全年预算数": "备注"})
    rec = read_grid(g, "f")
    assert "budget" not in rec.funding_columns
    assert compute(rec, load_profile()).execution_rate == pytest.approx(0.95)


def test_separate_direction_and_unit_columns_make_the_target():
    from jixiao.processor.core.compute import compute
    from jixiao.processor.core.rules import load_profile

    form = Form(indicator_columns=("l1", "l2", "l3", "deviation", "target", "actual", "weight", "score"),
                indicators=[Ind("产出指标", "数量指标", "培训人次", 500, 450, 50, 45, "场地受限"),
                            Ind("产出指标", "时效指标", "响应时间", 8, 10, 10, 8, "人手不足"),
                            Ind("效益指标", "社会效益指标", "知晓率", 90, 93, 30, 30),
                            Ind("满意度指标", "服务对象满意度指标", "满意度", 90, 96, 10, 10)],
                total_row=(100, 102.5))
    g = make_grid(form)
    hdr = next(i for i, r in enumerate(g.rows) if "三级指标" in r)
    g.rows[hdr][4] = "指标方向"  # the 偏差 column becomes 指标方向, and a 计量单位 column is added
    for i, row in enumerate(g.rows):
        row.append("计量单位" if i == hdr else None)
    for i, (d, u) in enumerate([("正向", "人次"), ("反向", "小时"), ("≥", "%"), ("≥", "%")], start=hdr + 1):
        g.rows[i][4], g.rows[i][-1] = d, u
    rec = read_grid(g, "f")
    assert [i.target.text for i in rec.indicators] == ["≥500人次", "≤8小时", "≥90%", "≥90%"]
    s = compute(rec, load_profile())
    assert [x.computed for x in s.indicators] == [45, 8, 30, 10]


def test_other_header_words():

    g = make_grid(Form())
    replace_cells(g, {"分值": "满分", "实际完成值": "全年完成值", "得分": "自评得分", "三级指标": "指标名称"})
    rec = read_grid(g, "f")
    assert [i.weight.value for i in rec.indicators] == [20, 15, 10, 5, 30, 10]
    assert rec.indicators[0].actual.text == "520人次"


def test_goal_texts_without_their_own_headers():
    g = make_grid(Form())
    hdr = next(i for i, r in enumerate(g.rows) if "预期目标" in r)
    g.rows[hdr] = ["年度总体目标", "完成年度培训任务", None, None, "已完成年度培训任务"] + [None] * (len(g.rows[hdr]) - 5)
    g.rows[hdr + 1] = [None] * len(g.rows[hdr + 1])
    rec = read_grid(g, "f")
    assert (rec.goal_expected.text, rec.goal_actual.text) == ("完成年度培训任务", "已完成年度培训任务")


def test_level1_repeated_on_every_row_keeps_a_second_level_written_once():
    """Cells of a real file are distinct string objects: levels are compared by text."""
    g = make_grid(Form(indicators=[
        Ind("产出指标", "成本指标", "人均培训成本", "300元", "280元", 45, 45),
        Ind("产出指标", None, "设备采购成本", "20万元", "18万元", 45, 45),
    ], total_row=(100, 100)))
    for row in g.rows:  # fresh string objects, as python-calamine gives them
        row[:] = ["".join(list(v)) if isinstance(v, str) else v for v in row]
    rec = read_grid(g, "f")
    assert [i.level2.text for i in rec.indicators] == ["成本指标", "成本指标"]
