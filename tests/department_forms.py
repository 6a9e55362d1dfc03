"""部门整体支出绩效自评表 grids for the tests, laid out as published ones are.

``seed_rows()`` is the form of the seed's department (北京市丰台区信访办公室 2024): its money
transcribed from part 一 of the seed report (全年预算数 794.51 / 执行 775.77, 基本支出 739.46 /
720.84, 项目支出 55.05 / 54.93, 其他支出 0 / 0, 结转结余 24.68 万元, 结转率 3.42%, 预决算差异率
2.36%); the seed prints no indicator table for the department, so its rows restate the report's
(三) 整体绩效目标实现情况 as indicators (qualitative where the report has no figure).
"""

from __future__ import annotations

from typing import Any

from jixiao.processor.core.grid import Grid

Row = list[Any]

HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]


def seed_rows() -> tuple[list[Row], list[tuple[int, int, int, int]]]:
    rows: list[Row] = [
        ["部门整体支出绩效自评表", None, None, None, None, None, None, None, None],
        ["（2024 年度）", None, None, None, None, None, None, None, None],
        ["部门（单位）名称", "北京市丰台区信访办公室", None, None, None, None, None, None, None],
        ["年度预算\n（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", None],
        [None, "年度资金总额", None, 794.51, 775.77, 10, 0.9764, 9.76, None],
        [None, "其中：基本支出", None, 739.46, 720.84, "—", 0.9748, "—", None],
        [None, "　　人员经费", None, None, None, "—", None, "—", None],
        [None, "　　公用经费", None, None, None, "—", None, "—", None],
        [None, "项目支出", None, 55.05, 54.93, "—", 0.9978, "—", None],
        [None, "其他支出", None, 0, 0, "—", None, "—", None],
        ["年末结转结余（万元）", 24.68, "结转结余率", 0.0342, "预决算差异率", 0.0236, None, None, None],
        ["年度总体目标", "预期目标", None, None, None, "实际完成情况", None, None, None],
        [None, "完成接访大厅办公设备升级、“智慧信访”系统运维、宣传活动及党建活动等工作，保障区信访办日常运转。",
         None, None, None, "按时保质保量完成了接访大厅办公设备升级、“智慧信访”系统运维、宣传活动及党建活动的开展等工作。",
         None, None, None],
        ["绩效指标", *HEADER],
        [None, "产出指标", "数量指标", "接访大厅办公设备升级", "1项", "1项", 20, 20, None],
        [None, "产出指标", "数量指标", "“智慧信访”系统运维", "1项", "1项", 15, 15, None],
        [None, "产出指标", "质量指标", "宣传活动及党建活动开展", "有序开展", "有序开展", 15, 15, None],
        [None, "效益指标", "社会效益指标", "接访效率和质量", "有效提高", "有效提高", 30, 30, None],
        [None, "满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "95%", 10, 10, None],
        ["总分", None, None, None, None, None, 100, 99.76, None],
    ]
    merges = [(1, 1, 1, 9), (2, 1, 2, 9), (3, 2, 3, 9), (4, 1, 10, 1), (12, 1, 13, 1), (12, 2, 12, 5),
              (12, 6, 12, 9), (13, 2, 13, 5), (13, 6, 13, 9), (14, 1, 19, 1), (20, 1, 20, 6)]
    return rows, merges


def seed_grid(sheet: str = "部门整体自评表") -> Grid:
    rows, merges = seed_rows()
    return Grid(sheet, rows, 1, 1, merges)


def management_grid(*, execution_actual: Any = "97.64%", carryover_actual: Any = "2.36%",
                    variance_actual: Any = "2.36%", sheet: str = "部门整体") -> Grid:
    """A 部门整体 form in the 部门管理 framework (投入 / 过程 / 产出 / 效果, 财预〔2013〕53号's common
    indicators): the department rates stand as indicator rows whose 实际完成值 the form states.
    Money: 794.51 / 775.77 as the seed's; weights 100 in the indicator table (no 分值 in the funding one)."""
    rows: list[Row] = [
        ["部门整体支出绩效自评表", None, None, None, None, None, None, None],
        ["（2024年度）", None, None, None, None, None, None, None],
        ["部门名称", "某区信访办公室", None, None, None, None, None, None],
        ["年度预算（万元）", "年初预算数", "全年预算数", "全年执行数", "执行率", None, None, None],
        ["年度资金总额", 780, 794.51, 775.77, "97.64%", None, None, None],
        ["其中：基本支出", 730, 739.46, 720.84, "97.48%", None, None, None],
        ["项目支出", 50, 55.05, 54.93, "99.78%", None, None, None],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["投入", "预算配置", "在职人员控制率", "≤100%", "96%", 10, 10, None],
        ["过程", "预算执行", "预算执行率", "≥95%", execution_actual, 20, 20, None],
        ["过程", "预算执行", "结转结余率", "≤5%", carryover_actual, 10, 10, None],
        ["过程", "预算执行", "预决算差异率", "≤5%", variance_actual, 10, 10, None],
        ["过程", "预算执行", "“三公”经费控制率", "≤100%", "85%", 10, 10, None],
        ["过程", "预算管理", "政府采购执行率", "100%", "100%", 10, 10, None],
        ["产出", "职责履行", "信访事项按期办结率", "≥95%", "98%", 20, 20, None],
        ["效果", "履职效益", "群众满意度", "≥90%", "93%", 10, 10, None],
        ["总分", None, None, None, None, 100, 100, None],
    ]
    return Grid(sheet, rows, 1, 1, [(1, 1, 1, 8), (2, 1, 2, 8), (3, 2, 3, 8), (17, 1, 17, 5)])
