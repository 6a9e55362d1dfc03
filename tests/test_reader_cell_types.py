"""The same form read from .xls and .xlsx gives the same figures.

python-calamine hands an integral number back as ``int`` from an .xls file and as ``float``
from an .xlsx file, and neither carries the number format. A 实际完成值 typed as 100% in a
percent-formatted cell therefore arrives as ``1`` (.xls) or ``1.0`` (.xlsx). Found on the
real corpus: 永德 2022 (yn_yongde_mingliang_2022) saved as .xls was graded 差 (40.42) with a
dozen “得分应为 0.1” errors, as .xlsx 优 (99.8).
"""

from __future__ import annotations

import pytest
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.grid import Grid


def _form(actual: object) -> Grid:
    rows: list[list[object]] = [
        ["项目支出绩效自评表"],
        ["（2022年度）"],
        ["项目名称", "某某项目"],
        ["主管部门", "某局", None, "实施单位", "某中心"],
        ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", 50, 50, 50, 10, 1, 10],
        ["绩效指标", None, None, "年度指标值", None, None, "实际完成值", "分值", "得分"],
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"],
        ["产出指标", "质量指标", "覆盖率", "≧", 100, "%", actual, 50, 50],
        ["满意度指标", "服务对象满意度指标", "满意度", "≧", 95, "%", actual, 40, 40],
        ["总分", None, None, None, None, None, None, 100, 100],
    ]
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    merged = [(7, 1, 7, 3), (7, 4, 7, 6), (7, 7, 8, 7), (7, 8, 8, 8), (7, 9, 8, 9)]
    return Grid("自评表", rows, 1, 1, merged)


@pytest.mark.parametrize("actual", [1, 1.0, "100%"], ids=["xls-int", "xlsx-float", "text"])
def test_a_percent_formatted_actual_reads_the_same_from_xls_and_xlsx(actual):
    (sheet,) = check_grids([_form(actual)], "t.xls").sheets
    assert [i.actual.text for i in sheet.record.indicators] == ["100%", "100%"]
    assert sheet.scores.as_json()["total_score"] == 100
    assert not [f for f in sheet.findings if f.code in ("I204", "I205")]
