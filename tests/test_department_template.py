"""The 部门整体支出绩效自评表 template (``templates/部门整体自评表.xlsx``): built by code like the
project template, read by the engine as a department form, its formulas recalculated in real
LibreOffice agreeing with the engine (same method as tests/test_template_libreoffice.py)."""

from __future__ import annotations

from pathlib import Path

import lo_render
import pytest
from jixiao.processor.core.engine import check_file
from jixiao.processor.core.rules import load_profile
from jixiao.processor.template import department_form as D
from openpyxl import load_workbook
from test_template import _diff, describe

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "templates" / "部门整体自评表.xlsx"
EXAMPLE = ROOT / "examples" / "07_部门整体支出绩效自评表_区信访办.xlsx"
L = D.LAYOUT

# (全年预算数, 全年执行数) by funding kind, and indicator (分值, 得分)
CASES = {
    "seed": ({"total": (794.51, 775.77), "current": (794.51, 775.77), "basic": (739.46, 720.84),
              "project": (55.05, 54.93), "other_use": (0, 0)}, ((50, 50), (30, 30), (10, 10))),
    "breakdown_wrong": ({"total": (100, 90), "basic": (60, 55), "personnel": (40, 40), "public": (20, 10),
                         "project": (40, 35)}, ((50, 45), (30, 30), (10, 9.995))),
    "overspent": ({"total": (50, 55), "project": (50, 55)}, ((90, 80),)),
}  # fmt: skip


def test_committed_template_matches_source(tmp_path):
    """Regenerate with: python -m jixiao.processor.template.department_form"""
    built = D.build_department_template(tmp_path / "部门整体自评表.xlsx")
    assert _diff(describe(COMMITTED), describe(built)) == []
    assert D.build_department_template(tmp_path / "again.xlsx").read_bytes() == built.read_bytes()


def test_layout_labels_formulas_and_names():
    ws = load_workbook(COMMITTED)[D.SHEET_NAME]
    assert ws["A1"].value == "部门整体支出绩效自评表" and ws["A3"].value == "部门（单位）名称"
    assert [ws[f"B{r}"].value.strip("\u3000") for r in L.funding_rows.values()] == [
        "年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金", "其中：基本支出", "其中：人员经费",
        "公用经费", "项目支出", "其他支出"]
    assert ws["F14"].value == '=IF(OR(E5="",F5=""),"",IF(E5>0,(E5-F5)/E5,""))'
    assert ws["I14"].value == '=IF(OR(E5="",F5=""),"",IF(E5>0,(E5-F5)/E5,""))'
    assert ws["G29"].value == "=SUM(G5,G17:G28)" and ws["H30"].value.startswith('=IF(H29="",""')
    assert {n: d.attr_text for n, d in ws.defined_names.items()}["JX_Carryover"] == "'部门整体自评表'!$D$14"
    assert ws.print_area == "'部门整体自评表'!$A$1:$I$31" and ws.page_setup.fitToWidth == 1
    props = {p.name: str(p.value) for p in load_workbook(COMMITTED).custom_doc_props}
    assert props["jixiao_template"] == "部门整体支出绩效自评表" and props["jixiao_rule_profile"] == "department"
    levels = next(dv for dv in ws.data_validations.dataValidation if dv.promptTitle == "一级指标")
    assert "过程" in levels.formula1 and "产出指标" in levels.formula1  # both frameworks in the dropdown


def test_a_rate_base_from_the_rules_changes_the_formula():
    prof = load_profile().for_form("department")
    data = {**prof.data, "department": {**prof.data["department"], "carryover_base": "executed"}}
    from jixiao.processor.core.rules import Profile

    assert D.carryover_rate_formula(Profile(data, prof.source)).endswith("(E5-F5)/F5,\"\"))")


def _fill(case: str, out: Path) -> Path:
    money, indicators = CASES[case]
    wb = load_workbook(COMMITTED)
    ws = wb[D.SHEET_NAME]
    ws["B3"] = f"测试部门 {case}"
    for kind, (budget, executed) in money.items():
        r = L.funding_rows[kind]
        ws[f"E{r}"], ws[f"F{r}"] = budget, executed
    for i, (weight, score) in enumerate(indicators):
        r = L.indicator_rows[i]
        ws[f"D{r}"], ws[f"E{r}"], ws[f"F{r}"] = f"指标{i + 1}", "有序开展", "达成预期指标"  # qualitative: the
        ws[f"G{r}"], ws[f"H{r}"] = weight, score  # stated score stands, as the template sums it
    wb.save(out)
    return out


def test_the_filled_template_is_read_as_a_department_form(tmp_path):
    (s,) = check_file(_fill("seed", tmp_path / "seed.xlsx")).sheets
    assert s.record.read.form == "department" and s.record.unit.text == "测试部门 seed"
    assert {f.kind for f in s.record.funding} >= {"total", "basic", "personnel", "public", "project", "other_use"}
    assert set(s.record.figures) == {"carryover", "carryover_rate", "variance_rate"}
    assert [f for f in s.findings if f.severity == "error"] == []


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> dict[str, Path]:
    if lo_render.SOFFICE is None:
        pytest.skip("需要 LibreOffice（apt-get install libreoffice-calc）")
    work = tmp_path_factory.mktemp("dept_lo")
    (work / "in").mkdir()
    inputs = {c: _fill(c, work / "in" / f"{c}.xlsx") for c in CASES}
    outs = lo_render.convert(list(inputs.values()), work / "out", work, "xlsx:Calc MS Excel 2007 XML")
    return {c: outs[p] for c, p in inputs.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_formulas_agree_with_the_engine_after_libreoffice_recalculation(case, recalculated):
    path = recalculated[case]
    ws = load_workbook(path, data_only=True)[D.SHEET_NAME]
    (s,) = check_file(path).sheets
    sc = s.scores
    for fs in sc.funding:
        got = ws[fs.row.cells["rate"]].value
        assert (got in (None, "")) if fs.rate is None else got == pytest.approx(fs.rate, abs=1e-12), fs.row.kind
    rows = {r.name: r.computed for r in sc.department.rows}
    assert ws["F14"].value == pytest.approx(rows["结转结余率"], abs=1e-12)
    assert ws["I14"].value == pytest.approx(rows["预决算差异率"], abs=1e-12)
    assert (ws["I5"].value, ws["G29"].value, ws["H29"].value, ws["H30"].value) == (
        sc.execution_score, sc.weights_total, sc.total_score, sc.grade)
    # the engine never flags what the template's formulas computed
    formula_cells = {"F14", "I14", "I5", "H29", "H30"} | {f"H{r}" for r in L.funding_rows.values()}
    assert not [f for f in s.findings if f.cell in formula_cells and f.severity == "error"]


def test_known_values_by_hand(recalculated):
    ws = load_workbook(recalculated["seed"], data_only=True)[D.SHEET_NAME]
    assert ws["H5"].value == pytest.approx(775.77 / 794.51) and ws["I5"].value == 9.76
    assert round(ws["F14"].value, 4) == 0.0236 and round(ws["I14"].value, 4) == 0.0236  # 18.74 ÷ 794.51
    assert (ws["H29"].value, ws["H30"].value) == (99.76, "优")
    bad = check_file(recalculated["breakdown_wrong"]).sheets[0]
    assert {(f.code, f.cell) for f in bad.findings if f.code == "F113"} == {("F113", "F9")}  # 55 ≠ 40 + 10
    over = check_file(recalculated["overspent"]).sheets[0]
    assert {("F106", "F5"), ("F106", "F12")} <= {(f.code, f.cell) for f in over.findings}


def test_the_example_is_the_seed_department_with_its_two_inconsistencies():
    (s,) = check_file(EXAMPLE).sheets
    assert s.record.name == "北京市丰台区信访办公室（部门整体支出）"
    assert {(f.code, f.cell) for f in s.findings if f.severity == "error"} == {("D401", "D14"), ("D402", "F14")}
    assert s.scores.total_score == 99.76
