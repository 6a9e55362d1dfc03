"""Workbooks laid out like real, published 项目支出绩效自评表 (see tests/test_layouts_real.py).

Each builder writes one sheet cell by cell at fixed addresses, merges included, so the
tests can name the exact cell a finding must point at. Sources (pages corpus):

* AH  安徽 池州市贵池区棠溪镇人民政府 “委托业务项目” 2022 —
      http://www.anthempetcare.com/upload_cz/download?id=502364&siteId=2
* SC1 四川 大英县司法局 “2023年全县安可替代补助资金项目” 2023 —
      https://dyxrmt.cn/article-157795-21.html (报表编号 510000_0013zp layout)
* SC2 四川 青神县发展和改革局 “工资性支出” 2023 —
      https://www.scqs.gov.cn/info/13206/211004.htm (same Sichuan layout, scores left blank)
* SC3 四川 (大英) 工资类项目, four indicators of 22.5 — https://dyrmt.com/article-132779-22.html
* TPL “项目支出绩效自评表” template with 得分计算方法 notes and 项目预算执行率 as an
      indicator — http://biz.doczj.com/doc/174893555.html

Where the published text is cut off, the missing cells are reconstructed and marked
“reconstructed” next to the data.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl


@dataclass
class Sheet:
    """A sheet described as {cell: value} plus merged ranges."""

    cells: dict[str, Any] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    name: str = "自评表"

    def row(self, r: int, start_col: str, *values: Any) -> None:
        c = openpyxl.utils.column_index_from_string(start_col)
        for i, v in enumerate(values):
            if v is not None:
                self.cells[f"{openpyxl.utils.get_column_letter(c + i)}{r}"] = v

    def set(self, **cells: Any) -> Sheet:
        """A copy with some cells changed (None deletes the value)."""
        out = copy.deepcopy(self)
        for k, v in cells.items():
            if v is None:
                out.cells.pop(k, None)
            else:
                out.cells[k] = v
        return out

    def save(self, path: Path) -> Path:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = self.name
        for a1, v in self.cells.items():
            ws[a1] = v
        for rng in self.merges:
            ws.merge_cells(rng)
        wb.save(path)
        return path


# ---------------------------------------------------------------- 安徽 (standard 财预〔2020〕10号 layout)


def anhui_guichi_2022(total_row_zero: bool = True) -> Sheet:
    """池州市贵池区棠溪镇 委托业务项目 (2022年度).

    Real features: “（2022年度）” on its own row; “年度资金总额:” with a colon; the total
    row filled with 0 while “其中:本年财政拨款” holds 90 / 89.974 / 89.974; “产出指标(50分)”
    weights in the first-level label, merged down; “≥100百分比” target with actual “100”;
    qualitative rows whose 实际完成值 is the level name “达成预期指标”; an empty
    “经济效益指标” row with no third level. The 满意度 row and the 总分 row are cut off
    in the source and reconstructed.
    """
    s = Sheet()
    s.row(1, "A", "项目支出绩效自评表")
    s.merges.append("A1:J1")
    s.row(2, "A", "（2022年度）")
    s.merges.append("A2:J2")
    s.row(3, "A", "项目名称", "委托业务项目")
    s.merges.append("B3:J3")
    s.row(4, "A", "主管部门", "219-池州市贵池区棠溪镇人民政府", None, None, None, "实施单位",
          "219001-池州市贵池区棠溪镇人民政府")
    s.merges += ["B4:E4", "G4:J4"]
    # funding: A label block, B-C row label, D 年初 E 全年预算 F 全年执行 G 分值 H 执行率 I 得分
    s.row(5, "A", "项目资金\n（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    s.merges += ["A5:A9", "B5:C5"]
    tot = (0, 0, 0, 10, 0, 0) if total_row_zero else (90, 89.974, 89.974, 10, 1, 10)
    s.row(6, "B", "年度资金总额:", None, *tot)
    s.row(7, "B", "其中:本年财政拨款", None, 90, 89.974, 89.974, "—", None, "—")
    s.row(8, "B", "上年结转资金", None, None, None, None, "—", None, "—")
    s.row(9, "B", "其他资金", None, None, None, None, "—", None, "—")
    s.merges += ["B6:C6", "B7:C7", "B8:C8", "B9:C9"]
    s.row(10, "A", "年度总体目标", "预期目标", None, None, None, "实际完成情况")
    s.merges += ["A10:A11", "B10:E10", "F10:J10"]
    s.row(11, "B", "本项目共申请预算资金90万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；"
                   "30万元用于基建工程项目设计、规划、测绘。", None, None, None,
          "本项目共完成预算资金89.97万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；"
          "29.99万元用于基建工程项目设计、规划、测绘。")
    s.merges += ["B11:E11", "F11:J11"]
    # indicators: A 绩效指标 B 一级 C 二级 D 三级 E 年度指标值 F 实际完成值 G 分值 H 得分 I-J 偏差
    s.row(12, "A", "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
          "偏差原因分析及改进措施")
    s.merges.append("I12:J12")
    rows = [
        ("产出指标(50分)", "数量指标", "基建工程委托业务项目数量", "≥50个", 50, 8, 8),
        (None, "质量指标", "委托业务报告合格率", "≥100百分比", 100, 8, 8),
        (None, None, "经费支出合规性", "严格执行相关制度规定", "达成预期指标", 8, 8),
        (None, "时效指标", "提交报告及时性", "在项目计划完成时间内完成", "达成预期指标", 8, 8),
        (None, "成本指标", "项目总成本", "≤90万元", 90, 8, 8),
        (None, None, "单项业务成本", "符合相关规定", "达成预期指标", 10, 10),
        ("效益指标(30分)", "社会效益指标", "对维护基建市场公平的影响程度", "效果明显", "达成预期指标", 10, 10),
        (None, "生态效益指标", "对控制基建项目成本影响程度", "效果明显", "达成预期指标", 10, 10),
        (None, "可持续影响指标", "对推动基建项目“四项制度”健全和落实的持续性影响", "效果明显", "达成预期指标", 10, 10),
        (None, "经济效益指标", None, None, None, None, None),  # empty category row of the template
        # reconstructed: the source text stops at “满意度指标(10分) 满意度指标 公众满”
        ("满意度指标(10分)", "满意度指标", "公众满意度", "≥90%", "达成预期指标", 10, 10),
    ]
    for i, row in enumerate(rows):
        s.row(13 + i, "B", *row)
        s.merges.append(f"I{13 + i}:J{13 + i}")
    # 一级 labels merged down (13-18 产出, 19-22 效益), 二级 “质量指标” merged over 14-15, 成本 17-18
    s.merges += ["B13:B18", "B19:B22", "C14:C15", "C17:C18"]
    last = 13 + len(rows) - 1  # 23
    s.merges.append(f"A12:A{last}")
    # reconstructed 总分 row: 分值 100, 得分 = 0 (stated execution score) + 90
    s.row(last + 1, "A", "总分", None, None, None, None, None, 100, 90)
    s.merges += [f"A{last + 1}:F{last + 1}", f"I{last + 1}:J{last + 1}"]
    return s


# ---------------------------------------------------------------- 四川 (510000_0013zp)


def _sichuan_head(s: Sheet, project: str, dept: str, unit: str, goal: str, done: str, content: str) -> None:
    s.row(1, "A", "报表编号：510000_0013zp")
    s.row(2, "A", "部门预算项目支出绩效自评表（2023年度）")
    s.merges.append("A2:K2")
    s.row(3, "A", "项目名称", project)
    s.merges.append("B3:K3")
    s.row(4, "A", "主管部门", dept, None, None, None, "实施单位（盖章）", unit)
    s.merges += ["B4:E4", "G4:K4"]
    s.row(5, "A", "项目基本情况", "1.项目年度目标完成情况", "项目年度目标", None, None, None, "年度目标完成情况")
    s.row(6, "C", goal, None, None, None, done)
    s.row(7, "B", "2.项目实施内容及过程概述", content)
    s.merges += ["A5:A7", "B5:B6", "C5:F5", "G5:K5", "C6:F6", "G6:K6", "C7:K7"]


_SC_NOTE = ("1.预算执行率=预算执行数/调整后预算数，预算执行率未达到90%的需说明原因（100字以内）；"
            "2.年中发生预算调整的（追加或调减），应单独说明理由；3.其他资金包括：社会投入资金、银行贷款。")


def _sichuan_funding(s: Sheet, rows: list[tuple]) -> None:
    """Row 8 header; rows 9-13 总额 / 其中：财政资金 / 财政专户管理资金 / 单位资金 / 其他资金.

    Columns: A block label (merged A8:A13), B row label (header “年度预算数（万元）”),
    C 年初预算, D 调整后预算数, E 预算执行数, F 预算执行率, G 权重, H 得分, I-K 原因.
    """
    s.row(8, "A", "预算执行情况（10分）", "年度预算数（万元）", "年初预算", "调整后预算数", "预算执行数",
          "预算执行率", "权重", "得分", "原因")
    s.merges += ["A8:A13", "I8:K8", "I9:K13"]
    labels = ("总额", "其中：财政资金", "财政专户管理资金", "单位资金", "其他资金")
    for i, (label, vals) in enumerate(zip(labels, rows)):
        s.row(9 + i, "B", label, *vals)
    s.cells["I9"] = _SC_NOTE


def _sichuan_indicators(s: Sheet, inds: list[tuple], total: tuple, weight_label: str = "绩效指标（90分）") -> int:
    """Row 14 header; indicators from row 15; returns the 合计 row.

    Columns: B 一级 C 二级 D 三级 E 指标性质 F 指标值 G 度量单位 H 完成值 I 权重 J 得分 K 未完成原因分析.
    """
    s.row(14, "A", weight_label, "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值",
          "权重", "得分", "未完成原因分析")
    for i, row in enumerate(inds):
        s.row(15 + i, "B", *row)
    last = 15 + len(inds) - 1
    s.merges.append(f"A14:A{last}")
    t = last + 1
    s.row(t, "A", "合计")
    s.merges.append(f"A{t}:H{t}")
    s.row(t, "I", *total)
    s.row(t + 1, "A", "评价结论", "结合自评情况，说明项目自评总分，说明项目实施取得的成效或成果。（200字以内）")
    s.row(t + 2, "A", "存在问题", "无")
    s.row(t + 3, "A", "改进措施", "无")
    s.row(t + 4, "A", "项目负责人：", None, None, None, None, "财务负责人：")
    for r in (t + 1, t + 2, t + 3):
        s.merges.append(f"B{r}:K{r}")
    return t


def sichuan_daying_anke_2023() -> Sheet:
    """大英县司法局 2023年全县安可替代补助资金项目.

    Real: head, funding block (numbers exported as text “3.36”, “100.00%”, “/” in the 其中
    rows' 权重/得分), first indicator row (质量指标 ＝ 100 %). Reconstructed: the other
    indicator rows and the 合计 得分 (the source shows only “合计 | 100”).
    """
    s = Sheet()
    _sichuan_head(s, "51092324T000010263357-2023年全县安可替代补助资金项目", "大英县司法局部门", "大英县司法局",
                  "根据要求购买安可设备，并完成项目资金支付。", "完成",
                  "2023年购买13台安可电脑，并于12月前完成资金支付。")
    _sichuan_funding(s, [
        ("0.00", "3.36", "3.36", "100.00%", "10", "10"),
        ("0.00", "3.36", "3.36", "100.00%", "/", "/"),
        ("0.00", "0.00", "0.00", "0.00%", "/", "/"),
        ("0.00", "0.00", "0.00", "0.00%", "/", "/"),
        (None, None, None, None, "/", "/"),
    ])
    _sichuan_indicators(s, [
        ("产出指标", "质量指标", "完成安可产品购买并按要求支付资金", "＝", "100", "%", "100", "50", "50", None),
        # reconstructed rows
        ("产出指标", "数量指标", "购买安可电脑数量", "≥", "13", "台", "13", "20", "20", None),
        ("效益指标", "社会效益指标", "安可替代工作推进情况", "定性", "有效推进", None, "部分达成预期指标并具有一定效果",
         "10", "7", "部分老旧系统尚未完成适配，下一步加快推进"),
        ("满意度指标", "服务对象满意度指标", "使用人员满意度", "≥", "90", "%", "95", "10", "10", None),
    ], ("100", "97"))
    return s


def sichuan_daying_cost_only_2023() -> Sheet:
    """The preceding table on the same 大英 page: one 经济成本 indicator worth 90 whose 完成值
    is just “完成”. Real indicator block; its funding block is not in the excerpt and is
    reconstructed (30 万元, fully spent)."""
    s = Sheet()
    _sichuan_head(s, "51092324T0000100000000-2023年项目工程款", "大英县司法局部门", "大英县司法局",
                  "根据财政局资金下达的管理办法，将资金支付给项目施工方。", "完成", "支付工程款。")
    _sichuan_funding(s, [
        ("0.00", "30.00", "30.00", "100.00%", "10", "10"),
        ("0.00", "30.00", "30.00", "100.00%", "/", "/"),
        ("0.00", "0.00", "0.00", "0.00%", "/", "/"),
        ("0.00", "0.00", "0.00", "0.00%", "/", "/"),
        (None, None, None, None, "/", "/"),
    ])
    _sichuan_indicators(s, [("产出指标", "经济成本指标", "成本控制数", "≤", "30", "万元", "完成", "90", "90", None)],
                        ("100", None))
    return s


def sichuan_qingshen_wages_2023() -> Sheet:
    """青神县发展和改革局 工资性支出 (2023): all real. 得分, 完成值 and the 合计 得分 were
    left blank on the published form; weights 10 + 60 + 30 = 100."""
    s = Sheet()
    _sichuan_head(s, "51000021R000000019951-工资性支出", "青神县发展和改革局本级", "青神县发展和改革局",
                  "严格执行相关政策，保障工资及时、足额发放或社保及时、足额缴纳，预算编制科学合理，减少结余资金。",
                  "对照年度目标，说明相关任务目标的完成情况（100字以内）", None)
    _sichuan_funding(s, [
        ("238.93", "251.89", "251.89", "100.00%", "10", None),
        ("238.93", "251.89", "251.89", "100.00%", "/", "/"),
        ("0.00", "0.00", "0.00", "0.00%", "/", "/"),
        ("0.00", "0.00", "0.00", "0.00%", "/", "/"),
        (None, None, None, None, "/", "/"),
    ])
    _sichuan_indicators(s, [
        ("产出指标", "数量指标", "发放（缴纳）覆盖率", "=", "100", "%", None, "60", None, None),
        ("效益指标", "社会效益指标", "足额保障率（参保率）", "=", "100", "%", None, "30", None, None),
    ], ("100", None))
    return s


def sichuan_wages_4x22_5() -> Sheet:
    """dyrmt.com 工资类项目: four indicators of 22.5 (real names, operators, targets,
    weights). 完成值 / 得分 and the funding block are reconstructed: 科目调整次数 12 次
    against ≤10 次 (missed, lower-is-better)."""
    s = Sheet()
    _sichuan_head(s, "51092324R000000000001-工资福利支出", "大英县某局", "大英县某局", "及时、足额发放工资。",
                  "及时、足额缴纳。", None)
    _sichuan_funding(s, [
        ("120.00", "126.00", "126.00", "100.00%", "10", "10"),
        ("120.00", "126.00", "126.00", "100.00%", "/", "/"),
        ("0.00", "0.00", "0.00", "0.00%", "/", "/"),
        ("0.00", "0.00", "0.00", "0.00%", "/", "/"),
        (None, None, None, None, "/", "/"),
    ])
    _sichuan_indicators(s, [
        ("产出指标", "数量指标", "足额保障率", "=", "100", "%", "100", "22.5", "22.5", None),
        (None, None, "科目调整次数", "≤", "10", "次", "12", "22.5", "18.75", "年中政策调整，追加科目"),
        (None, "时效指标", "按时发放率", "=", "100", "%", "100", "22.5", "22.5", None),
        ("效益指标", "经济效益指标", "结余率（计算方法为：结余数/预算数）", "≤", "5", "%", "0", "22.5", "22.5", None),
    ], ("100", "96.25"))
    return s


# ---------------------------------------------------------------- template with 得分计算方法 and an execution indicator


def template_execution_indicator() -> Sheet:
    """Layout of the doczj “项目支出绩效自评表” template: the funding block has no 分值/得分
    columns (执行率（B/A）); 项目预算执行率 is scored as an indicator row; the indicator
    table has a 全年实际值 column and a 得分计算方法 column between 得分 and 未完成原因分析.
    Figures reconstructed (the template's own text gives only the rules)."""
    s = Sheet()
    s.row(1, "A", "项目支出绩效自评表")
    s.row(2, "A", "（2021年度）")
    s.row(3, "A", "项目名称", "农业技术推广项目", None, None, "主管部门", "某县农业农村局")
    s.row(4, "A", "实施单位", "某县农技推广中心")
    s.row(5, "A", "项目资金（万元）", None, "全年预算数（A）", "全年执行数（B）", "执行率（B/A）")
    s.row(6, "B", "年度资金总额", 40, 38, "95%")
    s.row(7, "B", "其中：财政拨款", 40, 38, "95%")
    s.row(8, "B", "其他资金", None, None, None)
    s.merges.append("A5:A8")
    s.row(9, "A", "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "全年实际值", "分值", "得分",
          "得分计算方法", "未完成原因分析")
    rows = [
        ("产出指标", "数量指标", "技术培训人次", "≥400人次", "380人次", 20, 19, "全年实际值/年度指标值*该指标分值",
         "部分乡镇培训因农忙推迟"),
        (None, "质量指标", "技术到位率", "≥95%", "96%", 15, 15, "达到指标值得满分", None),
        (None, "时效指标", "培训完成时间", "≤10个月", "11个月", 10, 9.09, "年度指标值/全年实际值*该指标分值",
         "春耕推迟"),
        (None, "成本指标", "项目预算执行率", "≥90%", "95%", 10, 10, "实际报销的项目资金/项目预算", None),
        ("效益指标", "经济效益指标", "亩均增收", "≥200元", "210元", 20, 20, "达到指标值得满分", None),
        (None, "社会效益指标", "示范户带动户数", "≥100户", "105户", 15, 15, "达到指标值得满分", None),
        ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "93%", 10, 10,
         "回答满意的人数/有效调查人数", None),
    ]
    for i, row in enumerate(rows):
        s.row(10 + i, "B", *row)
    s.merges += ["B10:B13", "B14:B15"]
    s.merges.append("A9:A16")
    s.row(17, "A", "总分", None, None, None, None, None, 100, 98.09)
    s.merges.append("A17:F17")
    return s


# ---------------------------------------------------------------------- running a layout


def run(sheet: Sheet, tmp_path, name: str = "form.xlsx"):
    """Save ``sheet`` and check it: the one SheetResult it must give."""
    from jixiao.processor.core.engine import check_file

    result = check_file(sheet.save(tmp_path / name))
    assert len(result.sheets) == 1
    return result.sheets[0]


def errors(res) -> set[tuple[str, str | None]]:
    """The error-severity findings as (code, cell)."""
    return {(f.code, f.cell) for f in res.findings if f.severity == "error"}


def scores(res) -> dict:
    """The JSON scores, the rate rounded for comparison with hand arithmetic."""
    s = res.scores.as_json()
    if s["execution_rate"] is not None:
        s["execution_rate"] = round(s["execution_rate"], 6)
    return s

