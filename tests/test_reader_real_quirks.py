"""Quirks of real submissions that the corpus red-team found the reader stumbling on.

The same form read from .xls and .xlsx gives the same figures: python-calamine hands an integral number back as ``int`` from an .xls file and as ``float``
from an .xlsx file, and neither carries the number format. A 实际完成值 typed as 100% in a
percent-formatted cell therefore arrives as ``1`` (.xls) or ``1.0`` (.xlsx). Found on the
real corpus: 永德 2022 (yn_yongde_mingliang_2022) saved as .xls was graded 差 (40.42) with a
dozen “得分应为 0.1” errors, as .xlsx 优 (99.8).

A first level typed once over unmerged rows keeps them whatever its weight label looks like:
“产出指标(50)” (no 分) and “部门预算管理80分）” (no opening bracket, 大英 2020) were not
stripped from the name, so the blank rows below were split off: I217 “标注 50 分，其下指标分值
合计 20” and self-contradicting I224 warnings.
"""

from __future__ import annotations

import pytest
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.grid import Grid

HEAD = [
    ["项目支出绩效自评表"],
    ["（2022年度）"],
    ["项目名称", "某某项目"],
    ["主管部门", "某局", None, "实施单位", "某中心"],
    ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    [None, "年度资金总额", 50, 50, 50, 10, 1, 10],
]


def _grid(rows: list[list[object]], merged: list[tuple[int, int, int, int]] = ()) -> Grid:
    """The form's head (rows 1–6) followed by ``rows``, padded to one width."""
    rows = [*HEAD, *rows]
    width = max(len(r) for r in rows)
    return Grid("自评表", [r + [None] * (width - len(r)) for r in rows], 1, 1, list(merged))


def _form(actual: object) -> Grid:
    return _grid([
        ["绩效指标", None, None, "年度指标值", None, None, "实际完成值", "分值", "得分"],
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"],
        ["产出指标", "质量指标", "覆盖率", "≧", 100, "%", actual, 50, 50],
        ["满意度指标", "服务对象满意度指标", "满意度", "≧", 95, "%", actual, 40, 40],
        ["总分", None, None, None, None, None, None, 100, 100],
    ], [(7, 1, 7, 3), (7, 4, 7, 6), (7, 7, 8, 7), (7, 8, 8, 8), (7, 9, 8, 9)])


@pytest.mark.parametrize("actual", [1, 1.0, "100%"], ids=["xls-int", "xlsx-float", "text"])
def test_a_percent_formatted_actual_reads_the_same_from_xls_and_xlsx(actual):
    (sheet,) = check_grids([_form(actual)], "t.xls").sheets
    assert [i.actual.text for i in sheet.record.indicators] == ["100%", "100%"]
    assert sheet.scores.as_json()["total_score"] == 100
    assert not [f for f in sheet.findings if f.code in ("I204", "I205")]


def _levels_form(level1: str) -> Grid:
    """产出 written once, its other rows' first-level cells left blank and not merged
    (零陵 2021 has “产出指标\\n(50)”; fillers often type the first level once)."""
    return _grid([
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        [None, level1, "数量\n指标", "造林面积", "1.2万亩", "1.2万亩", 20, 20],
        [None, None, None, "病虫害防治面积", "3.45万亩", "3.45万亩", 10, 10],
        [None, None, "质量\n指标", "造林成活率", "85%", "85%", 20, 20],
        [None, "效益指标（30分）", "社会效益指标", "提高就业率", "≥90%", "95%", 30, 30],
        [None, "满意度指标（10分）", "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10],
        ["总分", None, None, None, None, None, 100, 100],
    ])


@pytest.mark.parametrize("level1", ["产出指标（50分）", "产出指标\n(50)", "产出指标(50)", "产出指标50分）"])
def test_a_first_level_typed_once_keeps_its_rows_whatever_its_weight_label(level1):
    (sheet,) = check_grids([_levels_form(level1)], "t.xlsx").sheets
    assert {i.level1.text for i in sheet.record.indicators[:3]} == {"产出指标"}
    assert not [f for f in sheet.findings if f.code in ("I217", "I224", "I213")]
    assert sheet.scores.as_json()["total_score"] == 100
