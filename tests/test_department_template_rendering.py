"""The 部门整体支出绩效自评表 template as a filler sees it in LibreOffice: its own conditional checks
(F101 by use, F113, D401, D402/D404 — :func:`jixiao.processor.template.conditional._department_checks`) colour
their cell after recalculation, nothing is coloured on a consistent form, and every coloured cell
is a finding of the engine on the same cell (method of tests/test_template_rendering.py).

Filled copies are printed to PDF by LibreOffice (fresh profile, recalculation forced) and read
back with poppler: a cell is found by the word of its row label and the header word of its
column, and its colour sampled beside the figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import lo_render as R
import pytest
from jixiao.processor.core.engine import check_file
from jixiao.processor.core.marks import MARK_FILL
from jixiao.processor.core.rules import load_profile
from jixiao.processor.template import department_form as D
from jixiao.processor.template.conditional import checks
from jixiao.processor.template.project_form import FUNDING_HEADERS
from openpyxl import load_workbook

pytestmark = pytest.mark.skipif(R.SOFFICE is None or not R.POPPLER,
                                reason="需要 LibreOffice 和 poppler（apt-get install libreoffice-calc poppler-utils）")
RED = MARK_FILL["error"]
L = D.LAYOUT
FC = L.funding_cols
HEADER = dict(zip(("initial", "budget", "executed", "weight", "rate", "score"), FUNDING_HEADERS, strict=True))
ROW_WORD = {"total": "年度资金总额", "basic": "其中：基本支出", "project": "项目支出", "carryover": "年末结转结余（万元）"}
CELL_ROW = {"carryover": D.FIGURE_ROW}  # the row of a figure that is not a funding row
SEED = {"total": (794.51, 775.77), "current": (794.51, 775.77), "basic": (739.46, 720.84),
        "personnel": (600.00, 590.10), "public": (139.46, 130.74), "project": (55.05, 54.93)}


@dataclass
class Case:
    name: str
    money: dict[str, tuple[float, float]]  # kind → (全年预算数, 全年执行数)
    carryover: float | None = None  # 年末结转结余 as the department states it (D14)
    typed: dict[str, float] = field(default_factory=dict)  # cells typed over a formula
    red: list[tuple[str, str, str]] = field(default_factory=list)  # (row, column, code) expected red
    not_red: list[tuple[str, str]] = field(default_factory=list)


CASES = [
    Case("consistent", SEED, carryover=18.74,
         not_red=[("total", "budget"), ("basic", "executed"), ("carryover", "initial")]),
    Case("carryover_wrong", SEED, carryover=24.68,  # the seed report's own figure: 794.51 − 775.77 = 18.74
         red=[("carryover", "initial", "D401")], not_red=[("total", "budget"), ("total", "executed")]),
    Case("rates_typed_over", SEED, carryover=18.74, typed={"F14": 0.0342, "I14": 0.05},  # the seed's 3.42 %
         red=[("carryover", "executed", "D402"), ("carryover", "score", "D404")],
         not_red=[("carryover", "initial")]),
    Case("rates_typed_as_computed", SEED, carryover=18.74, typed={"F14": 18.74 / 794.51, "I14": 18.74 / 794.51},
         not_red=[("carryover", "executed"), ("carryover", "score")]),
    Case("breakdown_wrong", {"total": (100, 90), "basic": (60, 55), "personnel": (40, 40), "public": (20, 10),
                             "project": (40, 35)},
         red=[("basic", "executed", "F113")], not_red=[("basic", "budget"), ("total", "executed")]),
    Case("uses_do_not_add_up", {"total": (100, 90), "basic": (60, 50), "project": (30, 40)},
         red=[("total", "budget", "F101"), ("project", "executed", "F106")],
         not_red=[("total", "executed"), ("basic", "executed")]),
]


def _fill(case: Case, path: Path) -> Path:
    wb = load_workbook(D.DEFAULT_PATH)
    ws = wb[D.SHEET_NAME]
    ws[L.names["JX_DepartmentName"].replace("$", "")] = f"测试部门 {case.name}"
    for kind, (budget, executed) in case.money.items():
        r = L.funding_rows[kind]
        ws[f"{FC['budget']}{r}"], ws[f"{FC['executed']}{r}"] = budget, executed
    if case.carryover is not None:
        ws[L.names["JX_Carryover"].replace("$", "")] = case.carryover
    for cell, v in case.typed.items():
        ws[cell] = v
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("dept_render")
    (work / "in").mkdir()
    inputs = {c.name: _fill(c, work / "in" / f"{c.name}.xlsx") for c in CASES}
    return R.render(inputs, work)


def _red(words: list[R.Word], page: R.Raster, row: str, column: str) -> float:
    """The red share of the cell on ``row``'s line under ``column``'s header, sampled at both
    ends of the header word: one of them is clear of the figure, right- or left-aligned."""
    label = next(w for w in words if w.text == ROW_WORD[row])
    header = min((w for w in words if w.text == HEADER[column]), key=lambda w: w.cy)
    return max(page.share(RED, x, label.cy, rx=3, ry=2) for x in (header.x0, header.x1))


def _cell(row: str, column: str) -> str:
    return f"{FC[column]}{CELL_ROW.get(row) or L.funding_rows[row]}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_department_checks_colour_their_cell_after_recalculation(case: Case, rendered) -> None:
    pdf = rendered[case.name]
    words = R.words(pdf)
    page = R.Raster(pdf, dpi=96)
    for row, column, code in case.red:
        assert _red(words, page, row, column) > 0.5, f"{case.name}：{_cell(row, column)}（{code}）应显示红色"
    for row, column in case.not_red:
        assert _red(words, page, row, column) < 0.05, f"{case.name}：{_cell(row, column)} 不应显示红色"
    if not case.red:
        assert page.count(RED) == 0, f"{case.name}：整页不应有红色"


@pytest.mark.parametrize("case", [c for c in CASES if c.red], ids=[c.name for c in CASES if c.red])
def test_every_coloured_cell_is_a_finding_of_the_engine(case: Case, rendered) -> None:
    found = {(f.code, f.cell) for f in check_file(rendered[f"{case.name}.xlsx"]).all_findings}
    for row, column, code in case.red:
        assert (code, _cell(row, column)) in found, f"{case.name}：引擎应在 {_cell(row, column)} 报告 {code}"


def test_every_department_check_is_rendered_by_a_case() -> None:
    """The checks only the department form has (the split by use, 基本支出's 明细, 年末结转结余);
    the ones it shares with the project form are rendered by tests/test_template_rendering.py."""
    codes = {c.code for c in checks(load_profile().for_form("department"), L)}
    own = {"F101", "F113", "D401", "D402", "D404"}
    assert own <= codes and own <= {code for case in CASES for _, _, code in case.red}
