"""Build the example 项目支出绩效自评表 workbooks.

Tables 01–05 transcribe, cell by cell, the five real 2024 self-evaluation tables in
part 三 of the seed report (北京市丰台区信访办公室), defects included. Table 06 is a
correctly filled fictional table. Table 07 is the same department's 部门整体支出绩效自评表 on
our department template (:func:`build_department`), its money transcribed from part 一. Run ``python examples/build_examples.py [out_dir]``
or import the module and call :func:`build_all`.

The output is deterministic: fixed document properties and fixed ZIP timestamps, so
rerunning the script gives byte-identical files.
"""

import io
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

Cell = str | int | float | None

DASH = "—"
SHEET_NAME = "自评表"
ARC_CORE = "docProps/core.xml"
FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)
ZIP_TIME = (2025, 1, 1, 0, 0, 0)
LAST_COL = 9  # columns A..I
FONT_NAME = "宋体"
TITLE_FONT_NAME = "宋体"
DONE = "完成指标"
SEED_DEPT = "101019"
SEED_UNIT = "北京市丰台区信访办公室"


@dataclass(frozen=True)
class FundingRow:
    """One row of the 项目资金 block. ``rate`` is a fraction (1.0 = 100%)."""

    label: str
    initial: Cell  # 年初预算数
    budget: Cell  # 全年预算数
    executed: Cell  # 全年执行数
    weight: Cell  # 分值
    rate: Cell  # 执行率
    score: Cell  # 得分


@dataclass(frozen=True)
class IndicatorRow:
    level1: str
    level2: str
    level3: str
    target: Cell  # 年度指标值
    actual: Cell  # 实际完成值
    weight: Cell  # 分值
    score: Cell  # 得分
    deviation: Cell = None  # 偏差原因分析及改进措施


@dataclass(frozen=True)
class SelfEvalTable:
    file_stem: str
    project: str
    funding: tuple[FundingRow, ...]
    goal_expected: str
    goal_actual: str
    indicators: tuple[IndicatorRow, ...]
    total_weight: Cell
    total_score: Cell
    dept: str = SEED_DEPT
    unit: str = SEED_UNIT
    year_line: str = "（2024 年度）"


def _seed_funding(
    initial: Cell, budget: Cell, executed: Cell, total_score: Cell
) -> tuple[FundingRow, ...]:
    """The funding block as the seed prints it: only 当年财政拨款 carries money."""
    return (
        FundingRow("年度资金总额", initial, budget, executed, 10, 1.0, total_score),
        FundingRow("其中：当年财政拨款", initial, budget, executed, DASH, 1.0, DASH),
        FundingRow("上年结转资金", None, None, None, DASH, None, DASH),
        FundingRow("其他资金", None, None, None, DASH, None, DASH),
    )


# ---------------------------------------------------------------------------
# Seed tables (transcribed as printed; wrapped PDF lines rejoined)
# ---------------------------------------------------------------------------

T01 = SelfEvalTable(
    file_stem="01_信访宣传项目经费",
    project="2024年度区信访办信访宣传项目经费",
    funding=_seed_funding(4, 4, 4, 10),
    goal_expected="开展信访宣传活动，购置宣传用品。",
    goal_actual="根据实际宣传工作安排，购买宣传品，用于宣传活动。",
    indicators=(
        IndicatorRow("产出指标", "数量指标", "满足宣传需求", "购买宣传材料", DONE, 20, 20),
        IndicatorRow("产出指标", "质量指标", "保证宣传效果", "材料符合要求", DONE, 20, 20),
        IndicatorRow("产出指标", "时效指标", "根据宣传安排完成购买", "规定时间内", DONE, 20, 20),
        IndicatorRow(
            "效益指标", "社会效益指标", "提升依法信访知晓度", "依法信访提高", DONE, 20, 20
        ),
        IndicatorRow("成本指标", "经济成本指标", "项目总支出在预算内", "4万元", DONE, 10, 10),
        IndicatorRow(
            "满意度指标",
            "服务对象满意度标",
            "工作人员及宣传对象满意",
            "满意度90%以上",
            DONE,
            10,
            10,
        ),
    ),
    total_weight=100,
    total_score=100,
)

T02 = SelfEvalTable(
    file_stem="02_信访工作经费",
    project="2024年度区信访办信访工作经费",
    funding=_seed_funding(5, 2.48, 2.48, None),  # 年度资金总额 得分 left blank in the seed
    goal_expected=(
        "根据实际工作情况，为来访接待大厅信访群众提供饮用水，为信访工作开展提供疫情防控物资"
        "和日常物资，对因公受伤的安保人员开展慰问，支付信访方面政府信息依申请公开、履职类信访"
        "案件、合同合法性审查等产生的法律服务费，以及其他确因工作需要产生的费用。\n"
        "根据实际工作情况，为来访接待大厅信访群众提供饮用水，为信访工作开展提供日常物资，对因"
        "公受伤的安保人员开展慰问，支付信访方面政府信息依申请公开、履职类信访案件、合同合法性"
        "审查等产生的法律服务费用，以及其他确因工作需要产生的费用。"
    ),
    goal_actual="支付了因信访事项产生的日常费用，有效地保障了区信访办日常工作的有序开展。",
    indicators=(
        IndicatorRow(
            "产出指标", "数量指标", "根据实际需求产生费用情况进行结算", "按需求结算", DONE, 20, 20
        ),
        IndicatorRow("产出指标", "质量指标", "符合单位运转需求", "保障机关运转", DONE, 10, 10),
        IndicatorRow(
            "产出指标", "时效指标", "根据日常需求及时完成相应工作", "规定时间内", DONE, 10, 10
        ),
        IndicatorRow(
            "效益指标",
            "社会效益指标",
            "保障来访接待、协调议事、日常工作",
            "有序开展",
            DONE,
            20,
            20,
        ),
        IndicatorRow(
            "成本指标", "经济成本指标", "项目总支出与预算金额持平", "2.48万元", DONE, 20, 20
        ),
        IndicatorRow(
            "满意度指标", "服务对象满意度标", "工作人员满意率", "满意度90%以上", DONE, 10, 10
        ),
        IndicatorRow("满意度指标", "服务对象满意度标", "群众满意度", "满意度90%以上", DONE, 10, 10),
    ),
    total_weight=100,
    total_score=100,
)

T03 = SelfEvalTable(
    file_stem="03_购置经费",
    project="2024年度区信访办购置经费",
    funding=_seed_funding(10, 12, 12, 10),
    goal_expected=(
        "根据区领导调研信访办时的指示精神，需对接待场所进一步进行改造升级，升级后需购置办公"
        "设备设施。同时，根据信访办实际工作需要，需为会议室购买桌子及椅子等家具，根据实际工作"
        "需求，为科室更换打印机、扫描仪等办公设备。"
    ),
    goal_actual=(
        "根据实际工作开展情况和需要，购买拼接屏、叫号机、执法记录仪等设备，并且按要求完成该"
        "项目资金的支付。"
    ),
    indicators=(
        IndicatorRow(
            "产出指标", "数量指标", "根据实际需求产生费用情况进行结算", "按需求结算", DONE, 20, 20
        ),
        IndicatorRow("产出指标", "质量指标", "满足办公需要", "日常运转顺利", DONE, 20, 20),
        IndicatorRow("产出指标", "时效指标", "根据工作需要完成", "完成工作需要", DONE, 20, 20),
        IndicatorRow("效益指标", "可持续影响指标", "保障正常工作开展", "衔接顺畅", DONE, 20, 20),
        IndicatorRow(
            "成本指标",
            "可持续发展指标",
            "做好固定资产管理",
            "按要求进行登记、管理",
            DONE,
            10,
            10,
        ),
        IndicatorRow(
            "满意度指标", "服务对象满意度标", "工作人员满意度", "满意度90%以上", DONE, 10, 10
        ),
    ),
    total_weight=100,
    total_score=100,
)

T04 = SelfEvalTable(
    file_stem="04_服务经费",
    project="2024年度区信访办服务经费",
    funding=_seed_funding(10, 9, 9, 10),
    goal_expected=(
        "由专业人员为指定信访案件提供一对一分析服务，形成信访案件分析报告，提出有效工作建议，"
        "有效推进重点信访案件化解。根据实际工作需要，开展法律服务、社工服务和心理咨询服务等。"
    ),
    goal_actual="根据实际工作需要，开展法律服务、心理咨询服务等。",
    indicators=(
        IndicatorRow(
            "产出指标", "数量指标", "根据实际需求产生费用情况进行结算", "按需求结算", DONE, 20, 20
        ),
        IndicatorRow("产出指标", "质量指标", "符合单位运转需求", "保障机关运转", DONE, 10, 10),
        IndicatorRow(
            "产出指标", "时效指标", "根据日常需求及时完成相应工作", "规定时间内", DONE, 10, 10
        ),
        IndicatorRow(
            "效益指标",
            "社会效益指标",
            "保障来访接待、协调议事、日常工作",
            "有序开展",
            DONE,
            20,
            20,
        ),
        IndicatorRow("成本指标", "经济成本指标", "项目总支出低于预算金额", "9万元", DONE, 20, 20),
        IndicatorRow(
            "满意度指标", "服务对象满意度标", "工作人员满意率", "满意度90%以上", DONE, 10, 10
        ),
        IndicatorRow("满意度指标", "服务对象满意度标", "群众满意度", "满意度90%以上", DONE, 10, 10),
    ),
    total_weight=100,
    total_score=None,  # the seed prints only 100 in 分值
)

T05 = SelfEvalTable(
    file_stem="05_智慧信访系统运行维护",
    project="2024年度区信访办“智慧信访”系统运行维护项目费",
    funding=_seed_funding(20.9, 20.9, 20.9, 10),
    goal_expected=(
        "为“智慧信访”系统的运行提供日常维护，在系统可能出现故障或问题时及时解决，实现系统的"
        "正常运转使用。"
    ),
    goal_actual="根据实际工作开展情况完成该项目资金的支付。",
    indicators=(
        IndicatorRow("产出指标", "数量指标", "监控数量满足办公所需", "全覆盖", DONE, 20, 20),
        IndicatorRow("产出指标", "质量指标", "视频监控画质清晰", "满足工作所需", DONE, 20, 20),
        IndicatorRow("产出指标", "时效指标", "故障响应及时", "8小时内及时回应", DONE, 20, 20),
        IndicatorRow(
            "效益指标",
            "社会效益指标",
            "及时掌握重要点为信访秩序情况",
            "维护政府门前秩序",
            DONE,
            20,
            20,
        ),
        IndicatorRow("成本指标", "经济成本指标", "项目总支出在预算内", "20.9万元", DONE, 10, 10),
        IndicatorRow(
            "满意度指标", "服务对象满意度标", "使用人员满意度", "满意度90%以上", DONE, 10, 10
        ),
    ),
    total_weight=100,
    total_score=100,
)


# ---------------------------------------------------------------------------
# The correct example (fictional project, every figure computed here)
# ---------------------------------------------------------------------------


def round2(value: Decimal) -> Decimal:
    """Round to 2 decimals, half away from zero (scores are never negative)."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _num(value: Decimal) -> int | float:
    """Store whole numbers as int, others as float (what a typed Excel cell holds)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _correct_example() -> SelfEvalTable:
    budget = Decimal("50")
    executed = Decimal("47.5")
    fiscal_budget, fiscal_exec = Decimal("40"), Decimal("38")
    carry_budget, carry_exec = Decimal("10"), Decimal("9.5")
    assert fiscal_budget + carry_budget == budget and fiscal_exec + carry_exec == executed
    rate = executed / budget  # 0.95
    exec_weight = Decimal("10")
    exec_score = round2(min(rate, Decimal(1)) * exec_weight)  # 9.50

    # missed higher-is-better target: 实际 / 指标 × 分值
    visits_target, visits_actual, visits_weight = Decimal(1200), Decimal(1130), Decimal(10)
    visits_score = round2(visits_actual / visits_target * visits_weight)  # 9.42
    # qualitative, 部分达成: 60–80 % band, 70 % chosen
    mech_weight = Decimal(15)
    mech_score = round2(mech_weight * Decimal("0.7"))  # 10.50

    indicators = (
        IndicatorRow("产出指标", "数量指标", "形成信访案件分析报告数量", "≥50个", "52个", 15, 15),
        IndicatorRow(
            "产出指标",
            "数量指标",
            "接待群众法律咨询人次",
            "≥1200人次",
            "1130人次",
            _num(visits_weight),
            _num(visits_score),
            "受全年来访总量同比下降影响，法律咨询接待人次未达预期（完成率94.17%）。"
            "改进措施：下一年度结合近三年来访数据合理测算指标值，并开通线上预约咨询，"
            "扩大服务覆盖面。",
        ),
        IndicatorRow("产出指标", "质量指标", "分析报告意见建议采纳率", "≥90%", "93%", 10, 10),
        IndicatorRow("产出指标", "时效指标", "疑难案件咨询响应时间", "≤8小时", "7小时", 10, 10),
        IndicatorRow("产出指标", "成本指标", "项目总成本", "≤50万元", "47.5万元", 5, 5),
        IndicatorRow(
            "效益指标", "社会效益指标", "推动重点信访案件化解数量", "≥20件", "23件", 15, 15
        ),
        IndicatorRow(
            "效益指标",
            "可持续影响指标",
            "法律咨询服务长效机制建设",
            "建立常态化法律咨询服务机制",
            "部分达成预期指标并具有一定效果",
            _num(mech_weight),
            _num(mech_score),
            "已在区级接待场所建立律师常驻值班制度，但街道层面尚未形成常态化安排，"
            "机制覆盖不完整。改进措施：下一年度制定街道轮值方案，年底前实现全覆盖。",
        ),
        IndicatorRow(
            "满意度指标",
            "服务对象满意度指标",
            "来访群众满意度",
            "≥90%",
            "95%",
            10,
            10,
        ),
    )
    weights = exec_weight + sum((Decimal(str(i.weight)) for i in indicators), Decimal(0))
    total = exec_score + sum((Decimal(str(i.score)) for i in indicators), Decimal(0))
    assert weights == 100, weights
    assert total == Decimal("94.42"), total

    return SelfEvalTable(
        file_stem="06_正确示例_某项目",
        project="2024年度信访法律咨询服务项目（示例）",
        dept=SEED_DEPT,
        unit="某区信访办公室（示例单位）",
        funding=(
            FundingRow(
                "年度资金总额",
                _num(budget),
                _num(budget),
                _num(executed),
                _num(exec_weight),
                float(rate),
                _num(exec_score),
            ),
            FundingRow(
                "其中：当年财政拨款",
                _num(fiscal_budget),
                _num(fiscal_budget),
                _num(fiscal_exec),
                DASH,
                float(fiscal_exec / fiscal_budget),
                DASH,
            ),
            FundingRow(
                "上年结转资金",
                _num(carry_budget),
                _num(carry_budget),
                _num(carry_exec),
                DASH,
                float(carry_exec / carry_budget),
                DASH,
            ),
            FundingRow("其他资金", None, None, None, DASH, None, DASH),
        ),
        goal_expected=(
            "组织执业律师在信访接待场所开展法律咨询服务，全年形成信访案件分析报告不少于50个，"
            "接待群众法律咨询不少于1200人次，疑难案件8小时内响应，推动重点信访案件化解不少于"
            "20件，建立常态化法律咨询服务机制，来访群众满意度达到90%以上。"
        ),
        goal_actual=(
            "全年形成信访案件分析报告52个，接待群众法律咨询1130人次，疑难案件平均7小时内响应，"
            "推动化解重点信访案件23件；区级律师常驻值班制度已建立，街道层面尚未全覆盖；"
            "来访群众满意度95%（问卷调查，回收有效问卷200份）。项目执行47.5万元，预算执行率95%。"
        ),
        indicators=indicators,
        total_weight=_num(weights),
        total_score=_num(total),
    )


T06 = _correct_example()

TABLES: tuple[SelfEvalTable, ...] = (T01, T02, T03, T04, T05, T06)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_BODY_FONT = Font(name=FONT_NAME, size=10)
_HEAD_FONT = Font(name=FONT_NAME, size=10, bold=True)
_COL_WIDTHS = {"A": 10, "B": 10, "C": 14, "D": 22, "E": 14, "F": 14, "G": 7, "H": 8, "I": 30}


def _put(
    ws: Worksheet,
    row: int,
    col: int,
    value: Cell,
    *,
    end_row: int | None = None,
    end_col: int | None = None,
    head: bool = False,
    left: bool = False,
    number_format: str | None = None,
) -> None:
    cell = ws.cell(row=row, column=col)
    if value is not None:
        cell.value = value
    cell.font = _HEAD_FONT if head else _BODY_FONT
    cell.alignment = _LEFT if left else _CENTER
    if number_format:
        cell.number_format = number_format
    er, ec = end_row or row, end_col or col
    if (er, ec) != (row, col):
        ws.merge_cells(start_row=row, start_column=col, end_row=er, end_column=ec)


def _spans(labels: list[tuple[str, ...]]) -> list[tuple[int, int]]:
    """(start, end) index runs of equal consecutive keys."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            runs.append((start, i - 1))
            start = i
    return runs


def _line_count(text: str, per_line: int) -> int:
    """Rough number of printed lines of ``text`` in a cell ``per_line`` characters wide."""
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def write_table(ws: Worksheet, table: SelfEvalTable) -> None:
    """Lay one table out on ``ws`` like the paper form."""
    for letter, width in _COL_WIDTHS.items():
        ws.column_dimensions[letter].width = width

    ws.cell(row=1, column=1, value="项目支出绩效自评表").font = Font(
        name=TITLE_FONT_NAME, size=16, bold=True
    )
    ws.cell(row=1, column=1).alignment = _CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=LAST_COL)
    ws.row_dimensions[1].height = 30
    _put(ws, 2, 1, table.year_line, end_col=LAST_COL)

    # 项目名称 / 主管部门 / 实施单位
    _put(ws, 3, 1, "项目名称", head=True)
    _put(ws, 3, 2, table.project, end_col=LAST_COL, left=True)
    _put(ws, 4, 1, "主管部门", head=True)
    _put(ws, 4, 2, table.dept, end_col=4)
    _put(ws, 4, 5, "实施单位", end_col=6, head=True)
    _put(ws, 4, 7, table.unit, end_col=LAST_COL)
    for row in (2, 3, 4):
        ws.row_dimensions[row].height = 22

    # 项目资金
    top = 5
    _put(ws, top, 1, "项目资金（万元）", end_row=top + len(table.funding), head=True)
    _put(ws, top, 2, None, end_col=3)
    for col, text in enumerate(
        ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), 4
    ):
        _put(ws, top, col, text, head=True)
    for i, fr in enumerate(table.funding, 1):
        r = top + i
        _put(ws, r, 2, fr.label, end_col=3)
        for col, value in enumerate((fr.initial, fr.budget, fr.executed, fr.weight), 4):
            _put(ws, r, col, value)
        _put(ws, r, 8, fr.rate, number_format="0%" if isinstance(fr.rate, float) else None)
        _put(ws, r, 9, fr.score)
        ws.row_dimensions[r].height = 20

    # 年度总体目标
    r = top + len(table.funding) + 1
    _put(ws, r, 1, "年度总体目标", end_row=r + 1, head=True)
    _put(ws, r, 2, "预期目标", end_col=5, head=True)
    _put(ws, r, 6, "实际完成情况", end_col=LAST_COL, head=True)
    _put(ws, r + 1, 2, table.goal_expected, end_col=5, left=True)
    _put(ws, r + 1, 6, table.goal_actual, end_col=LAST_COL, left=True)
    lines = max(_line_count(table.goal_expected, 27), _line_count(table.goal_actual, 27))
    ws.row_dimensions[r + 1].height = max(40, 14 * lines + 12)

    # 绩效指标
    head = r + 2
    first = head + 1
    last = head + len(table.indicators)
    _put(ws, head, 1, "绩效指标", end_row=last, head=True)
    for col, text in enumerate(
        (
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ),
        2,
    ):
        _put(ws, head, col, text, head=True)
    ws.row_dimensions[head].height = 30
    inds = table.indicators
    for start, end in _spans([(x.level1,) for x in inds]):
        _put(ws, first + start, 2, inds[start].level1, end_row=first + end)
    for start, end in _spans([(x.level1, x.level2) for x in inds]):
        _put(ws, first + start, 3, inds[start].level2, end_row=first + end)
    for i, ind in enumerate(inds):
        rr = first + i
        _put(ws, rr, 4, ind.level3, left=True)
        _put(ws, rr, 5, ind.target)
        _put(ws, rr, 6, ind.actual)
        _put(ws, rr, 7, ind.weight)
        _put(ws, rr, 8, ind.score)
        _put(ws, rr, 9, ind.deviation, left=True)
        dev_lines = -(-len(str(ind.deviation or "")) // 14)  # ~14 characters a line in I
        ws.row_dimensions[rr].height = max(32, 14 * dev_lines + 8)

    # 总分
    tr = last + 1
    _put(ws, tr, 1, "总分", end_col=6, head=True)
    _put(ws, tr, 7, table.total_weight)
    _put(ws, tr, 8, table.total_score)
    _put(ws, tr, 9, None)

    for row in ws.iter_rows(min_row=3, max_row=tr, min_col=1, max_col=LAST_COL):
        for cell in row:
            cell.border = _BORDER
            if cell.font.name != FONT_NAME:
                cell.font = _BODY_FONT

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_area = f"A1:I{tr}"


def _normalise_zip(data: bytes, core_xml: bytes) -> bytes:
    """Rewrite the archive with fixed entry timestamps and fixed core properties.

    openpyxl stamps 'now' on every ZIP entry and on ``dcterms:modified`` when saving.
    """
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            payload = core_xml if info.filename == ARC_CORE else src.read(info.filename)
            dst.writestr(fixed, payload)
    return out.getvalue()


def build_workbook(table: SelfEvalTable) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_NAME
    write_table(ws, table)
    props = wb.properties
    props.creator = "jixiao"
    props.lastModifiedBy = "jixiao"
    props.title = table.project
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    return wb


# ------------------------------------------------------------------ 07: the department's own form

DEPARTMENT_FILE = "07_部门整体支出绩效自评表_区信访办.xlsx"
# part 一 (二) 当年预算执行情况 and (四) 4.–5.: the figures exactly as the report prints them
DEPARTMENT_MONEY = {  # row of the department template → (全年预算数, 全年执行数)
    5: (794.51, 775.77),  # 年度资金总额
    6: (794.51, 775.77),  # 其中：当年财政拨款 (the report names no other source)
    9: (739.46, 720.84),  # 基本支出
    12: (55.05, 54.93),  # 项目支出
    13: (0, 0),  # 其他支出
}
DEPARTMENT_TYPED = {  # figures the report states, typed where the template has a formula
    "H5": 0.9764,  # 预算执行率为 97.64%
    "D14": 24.68,  # 年末，结转结余 24.68 万元 (794.51 − 775.77 = 18.74: the report's own inconsistency)
    "F14": 0.0342,  # 结转率为 3.42%
    "I14": 0.0236,  # 预决算差异率为 2.36%
}
DEPARTMENT_GOALS = (
    "完成接访大厅办公设备升级、“智慧信访”系统运维、宣传活动及党建活动的开展等工作，保障上勤人员就餐和区信访办日常运转。",
    "按时保质保量完成了接访大厅办公设备升级、“智慧信访”系统运维、宣传活动及党建活动的开展等工作；"
    "上勤人员就餐费用及时支付，党建经费保障了党员干部的日常学习及活动开展，信访工作经费维持了区信访办的日常运转。",
)
# the report's (三) 整体绩效目标实现情况 as indicator rows (it prints no indicator table for the department)
DEPARTMENT_INDICATORS = (  # row → (一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分)
    (18, "产出指标", "数量指标", "接访大厅办公设备升级", "1项", "1项", 20, 20),
    (19, "产出指标", "数量指标", "“智慧信访”系统运维", "1项", "1项", 15, 15),
    (20, "产出指标", "质量指标", "宣传活动及党建活动开展", "有序开展", "达成预期指标", 10, 10),
    (21, "产出指标", "时效指标", "上勤人员就餐费用支付及时率", "100%", "100%", 5, 5),
    (23, "效益指标", "社会效益指标", "接访效率和质量", "有效提高", "达成预期指标", 30, 30),
    (25, "满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "95%", 10, 10),
)


def build_department(out_dir: Path) -> Path:
    """07: the seed department's 部门整体支出绩效自评表, on the department template."""
    from jixiao.processor.template.department_form import make_workbook

    wb = make_workbook()
    ws = wb.active
    ws["A2"] = "（2024 年度）"
    ws["B3"] = SEED_UNIT
    for row, (budget, executed) in DEPARTMENT_MONEY.items():
        ws[f"E{row}"], ws[f"F{row}"] = budget, executed
    for cell, value in DEPARTMENT_TYPED.items():
        ws[cell] = value
    ws["B16"], ws["F16"] = DEPARTMENT_GOALS
    used = {r for r, *_ in DEPARTMENT_INDICATORS}
    for row in range(18, 29):
        if row not in used:  # the template's pre-laid labels of rows the department does not use
            ws[f"B{row}"] = ws[f"C{row}"] = None
    for row, *values in DEPARTMENT_INDICATORS:
        for col, v in zip("BCDEFGH", values, strict=True):
            ws[f"{col}{row}"] = v
    wb.properties.title = "北京市丰台区信访办公室 2024 年度部门整体支出绩效自评表"
    buf = io.BytesIO()
    wb.save(buf)
    wb.properties.modified = FIXED_TIME
    path = Path(out_dir) / DEPARTMENT_FILE
    path.write_bytes(_normalise_zip(buf.getvalue(), tostring(wb.properties.to_tree())))
    return path


def build_all(out_dir: Path) -> list[Path]:
    """Write every example workbook into ``out_dir``; return the paths in order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for table in TABLES:
        buf = io.BytesIO()
        wb = build_workbook(table)
        wb.save(buf)
        wb.properties.modified = FIXED_TIME  # save() overwrote it with 'now'
        core_xml = tostring(wb.properties.to_tree())
        path = out_dir / f"{table.file_stem}.xlsx"
        path.write_bytes(_normalise_zip(buf.getvalue(), core_xml))
        paths.append(path)
    paths.append(build_department(out_dir))
    return paths


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else Path(__file__).resolve().parent
    for path in build_all(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
