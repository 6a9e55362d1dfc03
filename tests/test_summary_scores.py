"""No invalid score looks valid: 填报总分 / 计算总分 / 核定 side by side, 需更正 wherever a
score that cannot stand appears, the band table and 报告文字 say how many carry errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jixiao.processor.core.rules import load_profile
from jixiao.processor.merge.run import merge
from jixiao.processor.merge.standing import (
    ERRORS,
    FILE_RULE,
    INVALID,
    NO_GRADE,
    PASSED,
    file_verdict,
    standing,
)
from jixiao.processor.merge.summary_xlsx import write_summary
from openpyxl import load_workbook
from summary_table import table

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DIGIT_SPACE_CJK = re.compile(r"\d [\u4e00-\u9fff]|[\u4e00-\u9fff] \d")


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    out = tmp_path_factory.mktemp("sum") / "汇总.xlsx"
    result = merge([EXAMPLES], load_profile())
    write_summary(result, out)
    return result, load_workbook(out)


def test_standing_rules():
    ok = {"weights_total": 100.0, "total_score": 94.42}
    assert standing(ok, 94.42, 0) == standing(ok, None, 0)
    assert standing(ok, 94.42, 0).status == PASSED
    assert standing(ok, 94.42, 2).status == ERRORS
    seed = standing({"weights_total": 110.0, "total_score": 110.0}, 100.0, 3)
    assert seed.status == INVALID and seed.reasons == ("分值合计110，应为100", "计算总分110超过100")
    # weights right, but the form states 105: still no score
    stated = standing({"weights_total": 100.0, "total_score": 98.0}, 105.0, 0)
    assert stated.status == INVALID and stated.reasons == ("填报总分105超过100",)
    # weights 110 but a total that happens to stay under 100: still not a score
    assert standing({"weights_total": 110.0, "total_score": 96.0}, 96.0, 0).invalid


def test_file_verdicts():
    valid, err, bad = standing({"weights_total": 100, "total_score": 95}, None, 0), \
        standing({"weights_total": 100, "total_score": 95}, None, 1), \
        standing({"weights_total": 110, "total_score": 110}, None, 0)
    assert file_verdict("merged", [valid]) == "合格"
    assert file_verdict("merged", [valid], file_errors=1) == "需整改"
    assert file_verdict("merged", [valid, err]) == "需整改"
    assert file_verdict("merged", [valid, bad]) == "不合格"
    assert file_verdict("failed", []) == "不合格"
    assert file_verdict("duplicate", []) == ""


def test_examples_projects_sheet_marks_every_110(examples):
    result, wb = examples
    ws = wb["项目汇总"]
    rows = table(ws)
    assert len(rows) == 6
    head = [c.value for c in ws[2]]
    assert head[7:11] == ["填报总分", "计算总分", "等级", "核定"]  # side by side
    invalid = [r for r in rows if r["核定"] == INVALID]
    assert len(invalid) == 5 == len(result.invalid_projects)
    for r in invalid:
        assert r["计算总分"] == pytest.approx(110) and r["等级"] == NO_GRADE
        assert "分值合计110，应为100" in r["核定说明"]
    (good,) = [r for r in rows if r["核定"] != INVALID]
    assert good["等级"] == "优" and good["计算总分"] == pytest.approx(94.42) and good["填报总分"] == pytest.approx(94.42)
    col = head.index("计算总分") + 1
    for row in ws.iter_rows(min_row=3, max_row=8, min_col=col, max_col=col):
        cell = row[0]
        if cell.value is not None and cell.value > 100:  # never shown as a bare number
            assert "无效" in cell.number_format, cell.coordinate
    # the stated 100 of a 110-point form is not over 100: shown as typed, its row says 需更正
    assert [r["填报总分"] for r in invalid].count(100) == 4


def test_no_score_over_100_unmarked_anywhere(examples):
    _result, wb = examples
    for ws in wb.worksheets:
        hr = next((n for n, row in enumerate(ws.iter_rows(max_row=40, values_only=True), 1)
                   if row and row[0] == "序号"), None)
        if hr is None:
            continue
        heads = [c.value for c in ws[hr]]
        for name in ("填报总分", "计算总分", "平均得分"):
            if name not in heads:
                continue
            col = heads.index(name) + 1
            for row in ws.iter_rows(min_row=hr + 1, min_col=col, max_col=col):
                cell = row[0]
                if isinstance(cell.value, (int, float)) and cell.value > 100:
                    assert "无效" in cell.number_format, (ws.title, cell.coordinate)


def test_band_table_and_text_count_the_errors(examples):
    result, wb = examples
    ws = wb["分数段统计"]
    assert ws["H4"].value == "其中有错误（个）" and ws["I4"].value == "其中需更正（个）"
    assert ws["H5"].value == 5 and ws["I5"].value == 5  # all in 90（含）-100分
    assert ws["H9"].value == 5 and ws["I9"].value == 5  # 合计
    assert "其中需更正" in ws["A10"].value
    text = wb["报告文字"]
    assert text["A3"].value == result.paragraph  # the published facts, as the forms state them
    assert text["A4"].value == result.caveat
    assert result.caveat.startswith("上述6个评价项目中，5个项目的自评表存在错误，其中5个项目分值合计不为100或得分超过100")


def test_report_text_ready_to_paste(examples):
    _result, wb = examples
    for row in wb["报告文字"].iter_rows(values_only=True):
        for value in row:
            if isinstance(value, str):
                assert not DIGIT_SPACE_CJK.search(value), value
    assert "万元" in wb["报告文字"]["A3"].value


def test_department_sentences_use_the_right_terms(tmp_path):
    dept = tmp_path / "部门.csv"
    dept.write_text("预算数,794.51\n执行数,775.77\n结转结余,24.68\n年度,2024\n", encoding="utf-8")
    result = merge([EXAMPLES], load_profile(), options=_opts(department_file=str(dept)))
    s = result.department_sentences
    assert s == ["全年预算数794.51万元，资金总体支出775.77万元，预算执行率为97.64%。",
                 "年末，结转结余18.74万元，结转结余率为2.36%。",
                 "2024年全年预算数794.51万元，资金总体支出775.77万元，预决算差异率为2.36%。"]
    for line in s:
        assert not DIGIT_SPACE_CJK.search(line)


def test_file_list_states_the_rule_and_the_verdicts(examples):
    _result, wb = examples
    ws = wb["文件清单"]
    assert ws["A2"].value == FILE_RULE
    got = {r["文件"]: r["结论"] for r in table(ws)}
    assert got["06_正确示例_某项目.xlsx"] == "合格"  # warnings only
    assert got["01_信访宣传项目经费.xlsx"] == "不合格"  # 110 points
    assert got["README.md"] == "不合格"  # not a workbook: could not be read


def _opts(**kw):
    from jixiao.processor.merge.run import MergeOptions

    return MergeOptions(**kw)
