"""Department-level figures: the seed's 结转结余 24.68 vs 794.51 − 775.77 = 18.74."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import make
from jixiao.processor.core.rules import load_profile
from jixiao.processor.merge.department import evaluate, load_department, parse_pairs, sentences

SEED_CSV = """项目,数值
部门名称,区信访办
年度,2024
部门项目总数,8
预算数（万元）,794.51
执行数（万元）,775.77
项目支出（万元）,54.93
结转结余（万元）,24.68
结转结余率,3.42%
预算执行率,97.64%
预决算差异率,2.36%
"""


def _codes(report) -> list[str]:
    return sorted(f.code for f in report.findings)


def test_seed_totals_flag_carryover(tmp_path: Path):
    path = tmp_path / "部门数据.csv"
    path.write_text(SEED_CSV, encoding="utf-8-sig")
    totals = load_department(path)
    assert totals.name == "区信访办" and totals.year == 2024 and totals.total_projects == 8
    report = evaluate(totals, load_profile(), projects_executed=54.93)
    assert _codes(report) == ["D401", "D402"]
    d401 = next(f for f in report.findings if f.code == "D401")
    assert d401 == make("D401", cell="B8", file=str(path), found="24.68", budget="794.51",
                        executed="775.77", expected="18.74")
    d402 = next(f for f in report.findings if f.code == "D402")
    assert d402.message == "结转结余率应为 2.36%（结转结余 18.74 ÷ 预算数 794.51），实为 3.42%"
    rows = {r.name: r for r in report.rows}
    assert rows["预算执行率"].verdict == "一致" and rows["预决算差异率"].verdict == "一致"
    assert rows["结转结余"].verdict == "不一致" and round(rows["结转结余"].computed, 2) == 18.74
    assert rows["项目支出"].verdict == "一致"
    text = sentences(report)
    assert text[0] == "全年预算数794.51万元，资金总体支出775.77万元，预算执行率为97.64%。"
    assert text[1] == "年末，结转结余18.74万元，结转结余率为2.36%。"  # the term the report means; not "结转率"


def test_wrong_rates_and_project_total():
    totals = parse_pairs([("预算数", "100万元", "B2"), ("执行数", 90, "B3"), ("预算执行率", 0.8, "B4"),
                          ("预决算差异率", "5", "B5"), ("项目支出", 12, "B6")], file="d.csv")
    report = evaluate(totals, load_profile(), projects_executed=10)
    assert _codes(report) == ["D403", "D404", "D405"]
    d404 = next(f for f in report.findings if f.code == "D404")
    assert d404.message == "预决算差异率应为 10%（（100 − 90）÷ 100），实为 5%" and d404.cell == "B5"


def test_unreadable_number_and_lists(tmp_path: Path):
    path = tmp_path / "dept.json"
    path.write_text(json.dumps({"预算数": "约八百万", "执行数": 700, "部门评价项目": ["甲项目", "乙项目"]},
                               ensure_ascii=False), encoding="utf-8")
    totals = load_department(path)
    assert totals.dept_evaluated == ["甲项目", "乙项目"]
    report = evaluate(totals, load_profile())
    assert _codes(report) == ["D406"]
    assert report.findings[0].message == "部门数据“预算数”应为数字，实为“约八百万”"


def test_xlsx_department_file(tmp_path: Path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "部门数据"
    for row in [("预算数", 794.51), ("执行数", 775.77), ("结转结余", 18.74), ("部门评价项目", "甲；乙")]:
        ws.append(row)
    path = tmp_path / "dept.xlsx"
    wb.save(path)
    totals = load_department(path)
    assert totals.values["carryover"].cell == "B3" and totals.dept_evaluated == ["甲", "乙"]
    assert _codes(evaluate(totals, load_profile())) == []


def test_missing_file():
    with pytest.raises(InputError):
        load_department("/nonexistent/部门数据.csv")


def test_year_written_with_its_unit(tmp_path):
    from jixiao.processor.merge.department import load_department

    path = tmp_path / "部门.csv"
    path.write_text("项目,数值\n年度,2024年\n预算数,794.51\n执行数,775.77\n", encoding="utf-8")
    totals = load_department(str(path))
    assert totals.year == 2024 and not [f for f in totals.findings if f.code == "D406"]
