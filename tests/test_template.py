"""The committed template equals what ``jixiao.processor.template.project_form`` builds, and has what the issue asks.

The comparison is by content (values, formulas, merges, styles that matter, validations,
names, properties, page setup), not by bytes, so an openpyxl upgrade that only changes
XML serialisation does not fail the test; a forgotten regeneration does.
Regenerate with ``python -m jixiao.processor.template``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jixiao.processor.core.rules import Profile, load_profile
from jixiao.processor.template import project_form as T
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet.worksheet import Worksheet

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "templates" / "自评表.xlsx"


# ---------------------------------------------------------------------------------------
# a canonical description of a workbook, for the rebuild comparison
# ---------------------------------------------------------------------------------------


def _side(border, name: str) -> str | None:
    side = getattr(border, name)
    return side.style if side is not None else None


def _cell_style(c) -> tuple:
    b = c.border
    return (
        c.font.name, float(c.font.sz or 0), bool(c.font.b),
        c.fill.fill_type, c.fill.fgColor.rgb if c.fill.fill_type else None,
        tuple(_side(b, s) for s in ("left", "right", "top", "bottom")),
        c.number_format, bool(c.protection.locked),
        c.alignment.horizontal, c.alignment.vertical, bool(c.alignment.wrap_text),
    )  # fmt: skip


def describe(path: Path) -> dict[str, Any]:
    wb = load_workbook(path)
    out: dict[str, Any] = {
        "sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets],
        "custom": sorted((p.name, str(p.value)) for p in wb.custom_doc_props),
        "core": (wb.properties.title, wb.properties.creator, wb.properties.created,
                 wb.properties.modified, wb.properties.description),  # fmt: skip
        "full_calc_on_load": wb.calculation.fullCalcOnLoad,
        "workbook_names": sorted(wb.defined_names),
    }
    for ws in wb.worksheets:
        key = ws.title
        out[f"{key}/cells"] = {
            c.coordinate: (c.value, _cell_style(c))
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.has_style
        }
        out[f"{key}/merged"] = sorted(str(r) for r in ws.merged_cells.ranges)
        out[f"{key}/widths"] = {k: d.width for k, d in sorted(ws.column_dimensions.items())}
        out[f"{key}/heights"] = {k: d.height for k, d in sorted(ws.row_dimensions.items())}
        out[f"{key}/validations"] = sorted(
            (str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2, dv.allow_blank,
             dv.showErrorMessage, dv.showInputMessage, dv.errorStyle, dv.promptTitle, dv.prompt,
             dv.error)  # fmt: skip
            for dv in ws.data_validations.dataValidation
        )
        out[f"{key}/names"] = {n: d.attr_text for n, d in sorted(ws.defined_names.items())}
        ps = ws.page_setup
        out[f"{key}/page"] = (
            ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight,
            ws.sheet_properties.pageSetUpPr.fitToPage, ws.print_area, ws.print_title_rows,
            ws.freeze_panes, ws.print_options.horizontalCentered,
            (ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom),
        )  # fmt: skip
    return out


def _diff(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    lines = []
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key), b.get(key)
        if va == vb:
            continue
        if isinstance(va, dict) and isinstance(vb, dict):
            for k in sorted(set(va) | set(vb), key=str):
                if va.get(k) != vb.get(k):
                    lines.append(f"{key}[{k}]: committed={va.get(k)!r} built={vb.get(k)!r}")
        else:
            lines.append(f"{key}: committed={va!r} built={vb!r}")
    return lines


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return T.build_template(tmp_path_factory.mktemp("tpl") / "自评表.xlsx")


@pytest.fixture(scope="module")
def ws(built: Path) -> Worksheet:
    return load_workbook(built)[T.SHEET_NAME]


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile()


# ---------------------------------------------------------------------------------------
# the committed file never drifts from its source
# ---------------------------------------------------------------------------------------


def test_committed_template_matches_source(built: Path) -> None:
    assert COMMITTED.is_file(), "templates/自评表.xlsx 缺失：运行 python -m jixiao.processor.template 生成"
    diff = _diff(describe(COMMITTED), describe(built))
    assert not diff, "模板与生成代码不一致，请运行 python -m jixiao.processor.template：\n" + "\n".join(diff[:40])


def test_build_is_deterministic(tmp_path: Path) -> None:
    a = T.build_template(tmp_path / "a.xlsx")
    b = T.build_template(tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2025-01-01T00:00:00Z" in core and core.count("2025-01-01T00:00:00Z") == 2


def test_no_macros_xlsx_only(built: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(built) as z:
        names = z.namelist()
        types = z.read("[Content_Types].xml").decode()
    assert not any("vbaProject" in n or n.endswith(".bin") for n in names)
    assert "macroEnabled" not in types
    assert "spreadsheetml.sheet.main+xml" in types
    with pytest.raises(ValueError):
        T.build_template(tmp_path / "x.xlsm")


# ---------------------------------------------------------------------------------------
# layout: the labels a label-based reader looks for
# ---------------------------------------------------------------------------------------


def test_single_visible_sheet(built: Path) -> None:
    wb = load_workbook(built)
    assert [(s.title, s.sheet_state) for s in wb.worksheets] == [(T.SHEET_NAME, "visible")]


def test_header_block_labels(ws: Worksheet) -> None:
    L = T.LAYOUT
    assert ws["A1"].value == "项目支出绩效自评表"
    assert "A1:I1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws[f"A{L.year_row}"].value == "（2024 年度）"
    assert ws[f"A{L.project_row}"].value == "项目名称"
    assert ws[f"A{L.dept_row}"].value == "主管部门"
    assert ws[f"E{L.dept_row}"].value == "实施单位"
    assert ws[f"A{L.method_row}"].value == "评价方式"
    assert ws[f"B{L.method_row}"].value is None  # blank: the department's 部门评价 list decides


def test_funding_block(ws: Worksheet, profile: Profile) -> None:
    L = T.LAYOUT
    h = L.funding_header_row
    assert ws[f"A{h}"].value == "项目资金\n（万元）"  # one line per word at the width of column A
    assert [ws[f"{c}{h}"].value for c in L.funding_cols.values()] == [
        "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分",
    ]  # fmt: skip
    labels = [ws[f"B{r}"].value for r in L.funding_rows.values()]
    assert labels == ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]
    fc, t = L.funding_cols, L.funding_rows["total"]
    assert ws[f"{fc['weight']}{t}"].value == profile.execution_weight == 10
    for kind, r in L.funding_rows.items():
        assert ws[f"{fc['rate']}{r}"].value == T.rate_formula(r, profile)
        if kind != "total":
            assert ws[f"{fc['weight']}{r}"].value == T.DASH
            assert ws[f"{fc['score']}{r}"].value == T.DASH
    assert ws[f"{fc['score']}{t}"].value == T.execution_score_formula(profile)


def test_goal_and_indicator_headers(ws: Worksheet) -> None:
    L = T.LAYOUT
    assert ws[f"A{L.goal_header_row}"].value == "年度总体目标"
    assert ws[f"B{L.goal_header_row}"].value == "预期目标"
    assert ws[f"F{L.goal_header_row}"].value == "实际完成情况"
    hr = L.indicator_header_row
    assert ws[f"A{hr}"].value == "绩效指标"
    assert tuple(ws[f"{c}{hr}"].value for c in L.indicator_cols.values()) == T.INDICATOR_HEADERS


def test_prelaid_indicator_rows(ws: Worksheet, profile: Profile) -> None:
    L, ic = T.LAYOUT, T.LAYOUT.indicator_cols
    rows = [(ws[f"{ic['level1']}{r}"].value, ws[f"{ic['level2']}{r}"].value) for r in L.indicator_rows]
    laid = [r for r in rows if r != (None, None)]
    assert laid == T.prelaid_rows(profile)
    assert {l1 for l1, _ in laid} == {"产出指标", "成本指标", "效益指标", "满意度指标"}
    assert ("产出指标", "数量指标") in laid and ("满意度指标", "服务对象满意度指标") in laid
    assert len(rows) - len(laid) >= T.MIN_SPARE_ROWS  # room to add more
    for l1, l2 in laid:
        assert l2 in profile["framework"]["level1"][l1]
    for r in L.indicator_rows:  # placeholders: no 三级指标, no values
        for key in ("level3", "target", "actual", "weight", "score", "deviation"):
            assert ws[f"{ic[key]}{r}"].value is None


def test_total_and_grade(ws: Worksheet, profile: Profile) -> None:
    L, ic = T.LAYOUT, T.LAYOUT.indicator_cols
    assert ws[f"A{L.total_row}"].value == "总分"
    assert ws[f"{ic['weight']}{L.total_row}"].value == T.weight_total_formula()
    assert ws[f"{ic['score']}{L.total_row}"].value == T.total_score_formula(profile)
    assert ws[f"A{L.grade_row}"].value == "自评等级"
    assert ws[f"{ic['score']}{L.grade_row}"].value == T.grade_formula(profile)
    # nothing else right of the grade: readers take the first value right of the label
    assert f"H{L.grade_row}:I{L.grade_row}" in {str(r) for r in ws.merged_cells.ranges}


def test_formulas_are_simple_and_portable(ws: Worksheet) -> None:
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) == 4 + 1 + 3  # 4 rates, execution score, weights total, total, grade
    allowed = {"IF", "OR", "ROUND", "MIN", "SUM", "COUNT"}
    for f in formulas:
        funcs = set(re.findall(r"([A-Z]+)\(", f))
        assert funcs <= allowed, f
        assert "!" not in f and "_xlfn" not in f and "@" not in f


def test_grade_formula_uses_profile_thresholds(profile: Profile) -> None:
    f = T.grade_formula(profile)
    assert f == '=IF(H25="","",IF(H25>=90,"优",IF(H25>=80,"良",IF(H25>=60,"中","差"))))'


def test_profile_variants() -> None:
    caps = load_profile("province-example-caps")
    f = T.total_score_formula(caps)
    assert "MIN(SUM(I7,H13:H24),69)" in f and "MIN(SUM(I7,H13:H24),89)" in f
    data = dict(load_profile().data)
    data["execution"] = dict(data["execution"], denominator="initial", cap=1.2)
    initial = Profile(data=data, source="test")
    assert T.rate_formula(7, initial) == '=IF(OR(D7="",F7=""),"",IF(D7>0,F7/D7,""))'
    assert "MIN(H7,1.2)" in T.execution_score_formula(initial)


# ---------------------------------------------------------------------------------------
# styles: input cells look different from computed cells; fonts; print setup
# ---------------------------------------------------------------------------------------


def _input_cells(ws: Worksheet) -> list[str]:
    L = T.LAYOUT
    cells = [f"A{L.year_row}", f"B{L.project_row}", f"B{L.dept_row}", f"F{L.dept_row}", f"B{L.method_row}",
             f"B{L.goal_row}", f"F{L.goal_row}"]  # fmt: skip
    fc = L.funding_cols
    for r in L.funding_rows.values():
        cells += [f"{fc[k]}{r}" for k in ("initial", "budget", "executed")]
    cells.append(f"{fc['weight']}{L.funding_rows['total']}")
    for r in L.indicator_rows:
        cells += [f"{c}{r}" for c in L.indicator_cols.values()]
    return cells


def _computed_cells() -> list[str]:
    L, fc, ic = T.LAYOUT, T.LAYOUT.funding_cols, T.LAYOUT.indicator_cols
    cells = [f"{fc['rate']}{r}" for r in L.funding_rows.values()]
    cells += [f"{fc['score']}{L.funding_rows['total']}", f"{ic['weight']}{L.total_row}",
              f"{ic['score']}{L.total_row}", f"{ic['score']}{L.grade_row}"]  # fmt: skip
    return cells


def test_input_and_computed_cells_look_different(ws: Worksheet) -> None:
    for a in _input_cells(ws):
        c = ws[a]
        assert c.fill.fgColor.rgb == T.FILL_INPUT, a
        assert c.protection.locked is False, a
    for a in _computed_cells():
        c = ws[a]
        assert c.fill.fgColor.rgb == T.FILL_COMPUTED, a
        assert c.protection.locked is True, a
        assert str(c.value).startswith("="), a
    assert T.FILL_INPUT != T.FILL_COMPUTED


def test_fonts_borders_formats(ws: Worksheet) -> None:
    L = T.LAYOUT
    assert ws["A1"].font.name == T.FONT_TITLE == "黑体"
    assert ws["A1"].font.sz >= 16
    assert ws[f"A{L.project_row}"].font.name == "宋体"
    assert ws[f"B{L.project_row}"].font.name == "仿宋"
    fonts = {c.font.name for row in ws.iter_rows() for c in row if not isinstance(c, MergedCell) and c.has_style}
    assert fonts <= {"黑体", "宋体", "仿宋"}
    for r in range(L.project_row, L.grade_row + 1):  # every table cell has a full thin border
        for col in "ABCDEFGHI":
            if isinstance(ws[f"{col}{r}"], MergedCell):
                continue  # drawn by the merged range's top-left cell
            b = ws[f"{col}{r}"].border
            assert all(_side(b, s) == "thin" for s in ("left", "right", "top", "bottom")), f"{col}{r}"
    fc, t = L.funding_cols, L.funding_rows["total"]
    assert ws[f"{fc['budget']}{t}"].number_format == T.FMT_MONEY
    assert ws[f"{fc['rate']}{t}"].number_format == T.FMT_RATE


def test_page_setup_and_freeze(ws: Worksheet) -> None:
    ps = ws.page_setup
    assert str(ps.paperSize) == str(ws.PAPERSIZE_A4)
    assert ps.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ps.fitToWidth, ps.fitToHeight) == (1, 0)  # one page wide, as many tall as needed
    assert ws.freeze_panes == f"A{T.LAYOUT.project_row}"
    assert ws.print_title_rows == "$1:$2"
    assert ws.print_area == f"'{T.SHEET_NAME}'!$A$1:$I${T.LAYOUT.note_row}"


# ---------------------------------------------------------------------------------------
# data validation
# ---------------------------------------------------------------------------------------


def _validation_at(ws: Worksheet, a1: str):
    found = [dv for dv in ws.data_validations.dataValidation if a1 in dv.sqref]
    assert len(found) == 1, f"{a1}: {len(found)} 条数据验证"
    return found[0]


def _list_items(dv) -> list[str]:
    assert dv.type == "list"
    return dv.formula1.strip('"').split(",")


def test_every_input_cell_has_an_input_message(ws: Worksheet) -> None:
    for a in _input_cells(ws):
        dv = _validation_at(ws, a)
        assert dv.showInputMessage and dv.prompt and dv.promptTitle, a
        assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32


def test_level_dropdowns_from_profile(ws: Worksheet, profile: Profile) -> None:
    L, ic = T.LAYOUT, T.LAYOUT.indicator_cols
    r = L.first_indicator_row
    dv1 = _validation_at(ws, f"{ic['level1']}{r}")
    assert _list_items(dv1) == list(profile["framework"]["level1"])
    assert dv1.errorStyle == "warning" and dv1.showErrorMessage
    dv2 = _validation_at(ws, f"{ic['level2']}{L.last_indicator_row}")
    expected = {n for names in profile["framework"]["level1"].values() for n in names}
    assert set(_list_items(dv2)) == expected
    dq = _validation_at(ws, f"{ic['actual']}{r}")
    assert _list_items(dq) == [lvl["name"] for lvl in profile["qualitative"]["levels"]]
    assert not dq.showErrorMessage  # numbers like "52个" must stay allowed
    assert str(dq.sqref) == f"{ic['actual']}{r}:{ic['actual']}{L.last_indicator_row}"


def test_money_and_score_validations(ws: Worksheet) -> None:
    L, fc, ic = T.LAYOUT, T.LAYOUT.funding_cols, T.LAYOUT.indicator_cols
    for r in L.funding_rows.values():
        for k in ("initial", "budget", "executed"):
            dv = _validation_at(ws, f"{fc[k]}{r}")
            assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
            assert dv.showErrorMessage and dv.errorStyle in (None, "stop") and "万元" in dv.prompt
    dv = _validation_at(ws, f"{ic['weight']}{L.first_indicator_row}")
    assert (dv.type, dv.formula1, dv.formula2) == ("decimal", "0", "100")
    dv = _validation_at(ws, f"{ic['score']}{L.first_indicator_row}")
    assert dv.type == "custom" and ">=0" in dv.formula1
    dv = _validation_at(ws, f"B{L.method_row}")
    assert _list_items(dv) == list(T.EVAL_METHODS)


# ---------------------------------------------------------------------------------------
# defined names and metadata
# ---------------------------------------------------------------------------------------


def test_defined_names(ws: Worksheet) -> None:
    L = T.LAYOUT
    names = {n: d.attr_text for n, d in ws.defined_names.items()}
    for name, ref in L.names.items():
        assert names[name] == f"'{T.SHEET_NAME}'!{ref}"
    assert ws[L.cell("JX_ProjectName")].coordinate == f"B{L.project_row}"
    assert ws[L.cell("JX_TotalBudget")].coordinate == "E7"
    assert ws[L.cell("JX_ExecScore")].value == T.execution_score_formula(load_profile())
    assert ws[L.cell("JX_ScoreTotal")].value.startswith("=")
    assert ws[L.cell("JX_Grade")].value.startswith("=")
    assert L.cell("JX_Indicators") == f"B{L.indicator_header_row}:I{L.last_indicator_row}"


def test_names_are_sheet_scoped(built: Path) -> None:
    with zipfile.ZipFile(built) as z:
        xml = z.read("xl/workbook.xml").decode()
    for name in T.LAYOUT.names:
        assert f'<definedName name="{name}" localSheetId="0">' in xml


def test_metadata_properties(built: Path) -> None:
    assert T.template_info(built) == {
        T.PROP_TEMPLATE: "项目支出绩效自评表",
        T.PROP_VERSION: T.TEMPLATE_VERSION,
        T.PROP_PROFILE: "default",
    }
    wb = load_workbook(built)
    assert wb.calculation.fullCalcOnLoad is True


def test_metadata_for_other_profile(tmp_path: Path) -> None:
    p = T.build_template(tmp_path / "caps.xlsx", "province-example-caps")
    assert T.template_info(p)[T.PROP_PROFILE] == "integrated-caps"


def test_reader_reads_the_template(built: Path) -> None:
    """The label reader (the general path) finds every block of the blank template."""
    import pytest
    from jixiao.processor.core.engine import check_file
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.reader import read_grid
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.calamine_read import load_workbook

    grids = load_workbook(built, load_profile()["limits"]).grids
    assert len(grids) == 1
    rec = read_grid(grids[0], str(built))
    assert rec is not None and rec.is_blank
    with pytest.raises(InputError, match="尚未填写"):  # a blank form is not checked as if filled
        check_file(built)
    assert [f.kind for f in rec.funding] == ["total", "current", "carryover", "other"]
    assert rec.total is not None and rec.total.row == T.LAYOUT.total_row
    assert rec.indicators == []  # the pre-laid rows are placeholders
