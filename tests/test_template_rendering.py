"""The template as a filler sees it in LibreOffice: labels whole, the checks coloured.

Copies of the template are filled with openpyxl (the seed's real tables among them),
LibreOffice recalculates and prints them to PDF, and the page is read back: where each
word landed (``pdftotext -bbox``) and which colour each cell shows (``pdftoppm``). A cell
is found by the word of its row (a label or the indicator's name) and the header word of
its column. Every coloured cell must also be a finding of the engine on the same cell.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lo_render as R
import pytest
from jixiao.processor.core.findings import catalogue
from jixiao.processor.core.marks import MARK_FILL
from jixiao.processor.core.rules import load_profile
from jixiao.processor.template import project_form as T
from jixiao.processor.template.conditional import checks
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(R.SOFFICE is None or not R.POPPLER,
                                reason="需要 LibreOffice 和 poppler（apt-get install libreoffice-calc poppler-utils）")
RED = MARK_FILL["error"]
L = T.LAYOUT
FC, IC = L.funding_cols, L.indicator_cols


def _seed_tables():
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import build_examples
    finally:
        sys.path.pop(0)
    return build_examples.TABLES


# --------------------------------------------------------------------------- cases

Row = tuple[str, str, str, str, str, Any, Any, Any]  # 一级 二级 三级 指标值 完成值 分值 得分 偏差原因
CLEAN: list[Row] = [
    ("产出指标", "数量指标", "培训人次", "≥500人次", "520人次", 30, 30, None),
    ("产出指标", "质量指标", "培训合格率", "≥95%", "97%", 20, 20, None),
    ("效益指标", "社会效益指标", "政策知晓率", "≥90%", "93%", 30, 30, None),
    ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "96%", 10, 10, None),
]


@dataclass
class Case:
    name: str
    money: dict[str, tuple] = field(default_factory=lambda: {"total": (100, 100, 90), "current": (100, 100, 90)})
    rows: list[Row] = field(default_factory=lambda: list(CLEAN))
    typed: dict[str, Any] = field(default_factory=dict)  # cells typed over a formula
    red: list[tuple[str, str, str]] = field(default_factory=list)  # (row word, column, code) expected red
    not_red: list[tuple[str, str]] = field(default_factory=list)


def _seed(i: int, name: str) -> Case:
    table = _seed_tables()[i]
    money = {kind: (fr.initial, fr.budget, fr.executed)
             for kind, fr in zip(("total", "current", "carryover", "other"), table.funding, strict=False)}
    rows = [(x.level1, x.level2, x.level3, x.target, x.actual, x.weight, x.score, x.deviation) for x in table.indicators]
    return Case(name, money, rows, red=[("总分", "weight", "T301")], not_red=[("总分", "score"), ("年度资金总额", "rate")])


CASES = [
    Case("clean", not_red=[("总分", "weight"), ("总分", "score"), ("培训人次", "score"), ("年度资金总额", "rate")]),
    _seed(0, "seed_01"),
    _seed(1, "seed_02"),
    _seed(3, "seed_04"),
    Case("rate_typed_over", typed={"H7": 0.8}, red=[("年度资金总额", "rate", "F103")],
         not_red=[("其中：当年财政拨款", "rate")]),
    Case("rate_rounded_is_fine", money={"total": (100, 100, 90.12), "current": (100, 100, 90.12)},
         typed={"H7": 0.9}, not_red=[("年度资金总额", "rate")]),
    Case("score_above_weight", rows=[CLEAN[0][:6] + (35, None), *CLEAN[1:]],
         red=[("培训人次", "score", "I203")], not_red=[("培训合格率", "score")]),
    Case("missed_without_reason", rows=[CLEAN[0][:4] + ("400人次", 30, 24, None),
                                        CLEAN[1][:4] + ("90%", 20, 18.95, "抽检不合格"), *CLEAN[2:]],
         red=[("培训人次", "deviation", "I205")], not_red=[("培训合格率", "deviation"), ("培训人次", "score")]),
    Case("parts_do_not_add_up", money={"total": (100, 100, 90), "current": (60, 60, 54), "carryover": (30, 40, 36)},
         red=[("年度资金总额", "initial", "F101")], not_red=[("年度资金总额", "budget"), ("年度资金总额", "executed")]),
    Case("executed_above_budget", money={"total": (100, 100, 110), "current": (100, 100, 110)},
         red=[("年度资金总额", "executed", "F106"), ("其中：当年财政拨款", "executed", "F106")],
         not_red=[("年度资金总额", "rate")]),
    Case("total_typed_over", typed={"H25": 95}, red=[("总分", "score", "T304")], not_red=[("总分", "weight")]),
]


def _fill(case: Case, path: Path) -> Path:
    wb = load_workbook(T.DEFAULT_PATH)
    ws = wb[T.SHEET_NAME]
    ws[L.cell("JX_ProjectName")], ws[L.cell("JX_Department")], ws[L.cell("JX_Unit")] = f"测试 {case.name}", "某局", "某中心"
    for kind, money in case.money.items():
        for key, v in zip(("initial", "budget", "executed"), money, strict=True):
            ws[f"{FC[key]}{L.funding_rows[kind]}"] = v if isinstance(v, (int, float)) else None
    for i, r in enumerate(L.indicator_rows):
        values = case.rows[i] if i < len(case.rows) else (None,) * 8
        for key, v in zip(("level1", "level2", "level3", "target", "actual", "weight", "score", "deviation"),
                          values, strict=True):
            ws[f"{IC[key]}{r}"] = v
    for cell, v in case.typed.items():
        ws[cell] = v
    wb.save(path)
    return path


# --------------------------------------------------------------------------- rendering


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("render")
    (work / "in").mkdir()
    inputs = {c.name: _fill(c, work / "in" / f"{c.name}.xlsx") for c in CASES}
    inputs["blank"] = work / "in" / "blank.xlsx"
    inputs["blank"].write_bytes(T.DEFAULT_PATH.read_bytes())
    return R.render(inputs, work)


def _locate(words: list[R.Word], row_word: str, column: str) -> tuple[float, float]:
    """The centre (points) of the cell on ``row_word``'s row under ``column``'s header."""
    row = next(w for w in words if w.text == row_word)
    funding_header = next(w for w in words if w.text == "年初预算数")
    indicator_header = next(w for w in words if w.text == "三级指标")
    if row.cy < indicator_header.cy and row_word != "总分":
        titles = dict(zip(("initial", "budget", "executed", "weight", "rate", "score"), T.FUNDING_HEADERS, strict=True))
        header = funding_header
    else:
        titles = dict(zip(IC, T.INDICATOR_HEADERS, strict=True))
        header = indicator_header
    col = min((w for w in words if w.text == titles[column]), key=lambda w: abs(w.cy - header.cy))
    return col.cx, row.cy


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_conditional_formats_fire_in_libreoffice(case: Case, rendered: dict[str, Path]) -> None:
    pdf = rendered[case.name]
    words = R.words(pdf)
    page = R.Raster(pdf, dpi=96)
    for row_word, column, _code in case.red:
        x, y = _locate(words, row_word, column)
        assert page.share(RED, x, y) > 0.5, f"{case.name}：{row_word} / {column} 应显示红色"
    for row_word, column in case.not_red:
        x, y = _locate(words, row_word, column)
        assert page.share(RED, x, y) < 0.05, f"{case.name}：{row_word} / {column} 不应显示红色"
    if not case.red:
        assert page.count(RED) == 0, f"{case.name}：整页不应有红色"


@pytest.mark.parametrize("case", [c for c in CASES if c.red], ids=[c.name for c in CASES if c.red])
def test_every_coloured_cell_is_a_finding_of_the_engine(case: Case, rendered: dict[str, Path]) -> None:
    """The template's colours are the engine's findings, on the same cells."""
    from jixiao.processor.core.engine import check_file

    path = rendered[f"{case.name}.xlsx"]
    found = {(f.code, f.cell) for f in check_file(path).all_findings}
    for row_word, column, code in case.red:
        cell = _cell_of(path, row_word, column)
        assert (code, cell) in found, f"{case.name}：引擎应在 {cell} 报告 {code}，实际 {sorted(found)}"


def _cell_of(path: Path, row_word: str, column: str) -> str:
    ws = load_workbook(path)[T.SHEET_NAME]
    row = next(c.row for line in ws.iter_rows() for c in line if c.value == row_word)
    cols = {**FC} if row < L.indicator_header_row else {**IC}
    if row_word == "总分":
        cols = IC
    return f"{cols[column]}{row}"


def test_the_blank_template_shows_no_mark(rendered: dict[str, Path]) -> None:
    page = R.Raster(rendered["blank"], dpi=96)
    assert {kind: page.count(rgb) for kind, rgb in MARK_FILL.items()} == dict.fromkeys(MARK_FILL, 0)


def test_every_check_of_the_template_is_rendered_by_a_case() -> None:
    codes = {c.code for c in checks(load_profile(), L)}
    assert codes == {code for case in CASES for _, _, code in case.red}
    assert all(catalogue()[code] for code in codes)


# --------------------------------------------------------------------------- labels


def _labels() -> list[str]:
    """Every label and header of the template: the locked cells holding text."""
    ws = load_workbook(T.DEFAULT_PATH)[T.SHEET_NAME]
    out = []
    for line in ws.iter_rows():
        for c in line:
            if isinstance(c.value, str) and not c.value.startswith("=") and c.protection.locked \
                    and c.row < L.note_row and c.value != T.DASH:
                out += c.value.split("\n")
    return out


def test_labels_never_clip(rendered: dict[str, Path]) -> None:
    """Each label (each line of it) prints whole on one line: none is wrapped mid-word or cut."""
    printed = [w.text for w in R.words(rendered["blank"])]
    labels = _labels()
    assert {"项目名称", "主管部门", "实施单位", "评价方式", "偏差原因分析及改进措施"} <= set(labels)
    missing = [label for label in labels if label not in printed]
    assert not missing, f"被折断或截断的标签：{missing}"


def test_filled_values_fit_their_columns(rendered: dict[str, Path]) -> None:
    """No ### where a number is too wide (100.00% in 执行率, 110.00 in 总分)."""
    for name in ("seed_01", "executed_above_budget", "clean"):
        texts = [w.text for w in R.words(rendered[name])]
        assert not [t for t in texts if "###" in t], name
        assert any(t.endswith("%") for t in texts), name
