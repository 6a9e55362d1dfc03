"""merge with 部门整体支出绩效自评表 forms among the inputs: kept apart from the projects, one 部门整体
sheet each, its 项目支出 checked against the merged project forms, the report's sentences in the
seed's wording. Expected figures are worked by hand from the seed report and examples 01–05."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from builders import Form, make_grid, write_xlsx
from department_forms import seed_grid
from jixiao.processor.core.rules import load_profile
from jixiao.processor.merge.json_out import to_json
from jixiao.processor.merge.run import MergeOptions, merge
from jixiao.processor.merge.summary_xlsx import render
from openpyxl import load_workbook
from summary_table import table

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
P = load_profile()
# part 一 (二) of the seed report, word for word (without the PDF's spaces around numbers, as the
# summary writes every paragraph ready to paste)
SEED_EXECUTION = ("2024年全年预算数794.51万元，其中，基本支出预算数739.46万元，项目支出预算数55.05万元，"
                  "其他支出预算数0万元。资金总体支出775.77万元，其中，基本支出720.84万元，项目支出54.93万元，"
                  "其他支出0万元。预算执行率为97.64%。")


@pytest.fixture(scope="module")
def seed_folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("seed")
    for p in sorted(EXAMPLES.glob("0[1-5]_*.xlsx")) + sorted(EXAMPLES.glob("07_*.xlsx")):
        shutil.copy(p, d / p.name)
    return d


@pytest.fixture(scope="module")
def result(seed_folder):
    return merge([seed_folder], P, MergeOptions(workers=1))


def test_the_department_form_is_not_a_project(result):
    assert len(result.projects) == 5 and len(result.departments) == 1
    assert "评价项目5个" in result.paragraph and "涉及金额48.38万元" in result.paragraph  # 4+2.48+12+9+20.9
    assert result.departments[0].name == "北京市丰台区信访办公室"


def test_project_spending_is_checked_against_the_merged_project_forms(result):
    d = result.departments[0]
    got = {(f.code, f.cell) for f in d.findings}
    # the seed's own inconsistencies, and 项目支出 55.05 / 54.93 against the five printed forms' 48.38 / 48.38
    assert {("D401", "D14"), ("D402", "F14"), ("D416", "E12"), ("D405", "F12")} <= got
    rows = {r.name: r for r in d.report.rows}
    assert rows["项目支出"].computed == pytest.approx(48.38) and rows["项目支出"].stated == 54.93
    assert rows["项目支出预算数"].computed == pytest.approx(48.38)
    assert {("D405", "F12"), ("D401", "D14")} <= {(f.code, f.cell) for f in result.findings}


def test_the_report_sentences_in_the_seeds_wording(result):
    assert result.department_sentences == [
        SEED_EXECUTION,
        "年末，结转结余18.74万元，结转结余率为2.36%。",  # the seed prints 24.68 and 3.42%: D401, D402
        "2024年全年预算数794.51万元，资金总体支出775.77万元，预决算差异率为2.36%。"]
    assert result.paragraph.startswith("2025年，北京市丰台区信访办公室对2024年度部门项目支出实施了绩效评价")


def test_the_summary_has_a_department_sheet(result):
    wb = load_workbook(io.BytesIO(render(result)))
    assert wb.sheetnames[:4] == ["项目汇总", "分数段统计", "报告文字", "部门整体"]
    ws = wb["部门整体"]
    cells = {c.value for row in ws.iter_rows() for c in row if c.value is not None}
    assert {"北京市丰台区信访办公室", "结转结余", "不一致", "D14", "项目支出"} <= cells
    text = [c.value for row in wb["报告文字"].iter_rows() for c in row if c.value]
    assert SEED_EXECUTION in text
    rows = table(wb["项目汇总"])
    assert len(rows) == 5 and not any("07_" in r["来源文件"] for r in rows)  # no row for the department form


def test_json_lists_the_department_forms(result):
    data = to_json(result)
    (d,) = data["department_forms"]
    assert d["name"] == "北京市丰台区信访办公室" and d["projects"] == 5
    assert {"code": "D405", "cell": "F12"}.items() <= next(f for f in d["findings"] if f["code"] == "D405").items()


def test_two_departments_each_checked_against_their_own_projects(tmp_path):
    a, b = seed_grid("甲"), seed_grid("乙")
    b.rows[2][1] = "某区民政局"
    write_xlsx(tmp_path / "dept.xlsx", a, b)
    write_xlsx(tmp_path / "p1.xlsx", make_grid(Form(project="信访项目", unit="北京市丰台区信访办公室",
                                                   total=(54.93, 54.93, 54.93, 10, 1, 10),
                                                   current=(54.93, 54.93, 54.93, "—", 1, "—"))))
    res = merge([tmp_path], P, MergeOptions(workers=1))
    by_name = {d.name: d for d in res.departments}
    assert [len(by_name[n].projects) for n in ("北京市丰台区信访办公室", "某区民政局")] == [1, 0]
    assert "D405" not in {f.code for f in by_name["北京市丰台区信访办公室"].findings}  # 54.93 = 54.93
    assert [s.split("：")[0] for s in res.department_sentences[::3]] == ["北京市丰台区信访办公室", "某区民政局"]


def test_the_side_file_stays_an_alternative(tmp_path, seed_folder):
    csv = tmp_path / "部门数据.csv"
    csv.write_text("全年预算数,794.51\n执行数,775.77\n结转结余,24.68\n项目支出,54.93\n", encoding="utf-8")
    folder = tmp_path / "p"
    folder.mkdir()
    for p in sorted(EXAMPLES.glob("0[1-5]_*.xlsx")):
        shutil.copy(p, folder / p.name)
    res = merge([folder], P, MergeOptions(workers=1, department_file=str(csv)))
    assert res.departments == [] and res.department is not None
    assert {"D401", "D405"} <= {f.code for f in res.department.findings}


def test_the_report_draft_takes_the_department_forms_figures(result):
    from jixiao.processor.merge.report_docx import budget_sentences, build

    assert budget_sentences(result)[0] == SEED_EXECUTION
    texts = [p.text for p in build(result).paragraphs]
    assert "年末，结转结余18.74万元，结转结余率为2.36%。" in texts
