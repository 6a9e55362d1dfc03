"""More real, published 项目支出绩效自评表 laid out cell by cell (see tests/test_layouts_beijing.py).

Found with the ``pages`` search corpus; the stored copies are PDF/HTML text, so wrapped
lines are rejoined and the cell grid is reconstructed from the reading order. What the
stored text does not show is reconstructed and marked “reconstructed” next to the data.

* PT1 上海 普陀区体育事业管理中心 “普陀体育中心与委托运营方结算费用” 2022 —
      https://pdf.chddh.cn/archives/48n5zg2zkkjxn27q6rjv.html (money in 元, “215,457.6” with a
      thousands comma, “=100%” / “>=90%” targets). Complete in the source.
* PT2 same PDF, table 2 “援滇对口支援及结对帮扶经费” 2022 — funding block real (20000 元
      budget, 9,034 executed, 45.17 %, 4.52; every 其中 row 0). Indicator rows reconstructed.
* LF  河北 廊坊市食品工程学校 “办公宿舍楼、食堂及餐厅暖通改造经费” 2019 —
      http://www.lfsp.cn/newsinfo/1158053.html (template placeholder rows “指标2” / “……” left
      in, bare-number targets “43.2” / “100”, “0” typed in the 偏差 column, 执行率 86 %,
      得分 9). The 满意度 placeholders after 学生满意度 and the 总分 row are reconstructed.
* LA  安徽 六安市文化和旅游局 “公共文化服务体系经费” 2021 —
      https://wlj.luan.gov.cn/public/6608361/9913671.html (the 其中 row repeats 分值 10 and
      carries its own 得分 8; 89.7 % → 9). Indicator rows reconstructed from the page's own
      narrative (130 场活动, 线下 13 万人次, 线上 72 万人次, 2 部精品, 完成率 100 %, 自评 95 分).
* HD  北京 海淀区学院路街道城市运行服务中心 “【体制】自管道路清扫保洁外包工作经费” 2016 —
      https://www.wenku365.com/s-60761775.html (Beijing's older layout: 年初预算数(A) /
      全年执行数(B) / 分值(10分) / 执行率(B/A) / 得分 / 得分计算方法, no 全年预算数 column;
      indicator columns 分值 BEFORE 年度指标值(A) / 全年实际值(B), then 得分计算方法, 得分,
      未完成原因分析; “产出指标(50分)”). Funding block and first indicator real; the other
      indicator rows and the 总分 row reconstructed.
"""

from __future__ import annotations

import openpyxl
from real_layouts import Sheet as _Sheet


class Sheet(_Sheet):
    """real_layouts.Sheet, but a text that starts with “=” (the “=100%” targets exported by
    Shanghai's system) stays text instead of becoming a formula without a cached value."""

    def save(self, path):
        path = super().save(path)
        texts = {a1: v for a1, v in self.cells.items() if isinstance(v, str) and v.startswith("=")}
        if texts:
            wb = openpyxl.load_workbook(path)
            ws = wb.active
            for a1, v in texts.items():
                ws[a1].value = v
                ws[a1].data_type = "s"
            wb.save(path)
        return path

# ------------------------------------------------------------------ standard 9-column grid
# funding: A block label, B-C row label, D 年初, E 全年预算, F 全年执行, G 分值, H 执行率, I 得分
# indicators: A 绩效指标, B 一级, C 二级, D 三级, E 指标值, F 实际, G 分值, H 得分, I 偏差


def _head(s: Sheet, title: str, year: str, project: str, dept: str, unit: str, money_label: str) -> None:
    s.row(1, "A", title)
    s.merges.append("A1:I1")
    s.row(2, "A", year)
    s.merges.append("A2:I2")
    s.row(3, "A", "项目名称", project)
    s.merges.append("B3:I3")
    s.row(4, "A", "主管部门", dept, None, None, "实施单位", None, unit)
    s.merges += ["B4:D4", "E4:F4", "G4:I4"]
    s.row(5, "A", money_label, None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    s.merges += ["A5:A9", "B5:C5"]
    for r in range(6, 10):
        s.merges.append(f"B{r}:C{r}")


def _goal(s: Sheet, r: int, expected: str | None, actual: str | None) -> None:
    s.row(r, "A", "年度总体目标", "预期目标", None, None, None, "实际完成情况")
    s.row(r + 1, "B", expected, None, None, None, actual)
    s.merges += [f"A{r}:A{r + 1}", f"B{r}:E{r}", f"F{r}:I{r}", f"B{r + 1}:E{r + 1}", f"F{r + 1}:I{r + 1}"]


def _indicators(s: Sheet, head: int, rows: list[tuple], level_merges: list[str]) -> int:
    """Header at ``head``; rows (一级, 二级, 三级, 指标值, 实际, 分值, 得分, 偏差) below; returns 总分 row."""
    s.row(head, "A", "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
          "偏差原因分析及改进措施")
    for i, row in enumerate(rows):
        s.row(head + 1 + i, "B", *row)
    last = head + len(rows)
    s.merges.append(f"A{head}:A{last}")
    s.merges += level_merges
    return last + 1


# ====================================================================== 上海 普陀 2022


def putuo_settlement_2022() -> Sheet:
    """普陀体育中心与委托运营方结算费用 (2022): everything real.

    Money in 元 (header “项目资金（元）”); 执行数 “215,457.6” typed with a thousands comma in the
    total row and “215457.6” in the 其中 row; 执行率 86.19 % (215457.6 ÷ 250000 = 86.183 %), 得分 8.62;
    the 其中 rows' 分值/得分 print “—”; 上年结转资金 / 其他资金 print “0 0”. Five indicators, all
    met, 总分 100 / 98.62.
    """
    s = Sheet()
    _head(s, "财政项目支出绩效自评表", "（2022 年度）", "普陀体育中心与委托运营方结算费用", "上海市普陀区体育局",
          "上海市普陀区体育事业管理中心", "项目资金\n（元）")
    s.row(6, "B", "年度资金总额", None, "250000.00", "250000.00", "215,457.6", 10, "86.19%", 8.62)
    s.row(7, "B", "其中：当年财政拨款", None, "250000.00", "250000.00", "215457.6", "—", None, "—")
    s.row(8, "B", "上年结转资金", None, 0, 0, None, "—", None, "—")
    s.row(9, "B", "其他资金", None, 0, 0, None, "—", None, "—")
    _goal(s, 10, None, "已完成普陀体育中心与委托运营方费用结算。")
    t = _indicators(s, 12, [
        ("产出指标", "数量指标", "与委托运营方结算完成率", "=100%", "100%", 10, 10, None),
        ("产出指标", "质量指标", "合同结算条款完成率", "=100%", "100%", 20, 20, None),
        ("产出指标", "时效指标", "费用结算及时性", "及时", "及时", 20, 20, None),
        ("效益指标", "社会效益指标", "与委托运营方合同完成率", "=100%", "100%", 30, 30, None),
        ("满意度指标", "服务对象满意度指标", "场馆开放满意度", ">=90%", "100%", 10, 10, None),
    ], ["B13:B15"])
    s.row(t, "A", "总分", None, None, None, None, None, 100, 98.62)
    s.merges.append(f"A{t}:F{t}")
    return s


def putuo_yuandian_2022() -> Sheet:
    """援滇对口支援及结对帮扶经费 (2022). Funding block real: 20000.00 / 20000.00 / “9,034”,
    10, 45.17 %, 4.52 — while 当年财政拨款, 上年结转资金 and 其他资金 all print “0 0”: the total's
    money belongs to no source. Indicator rows (names real: 经费使用率, 经费完成情况, 经费完成进度,
    经费使用完成情况, 满意度) have values reconstructed: the 数量 row is missed (45.17 % of ≥90 %),
    scored 10 × 45.17 / 90 = 5.02 with a deviation text; the others met.
    """
    s = Sheet()
    _head(s, "财政项目支出绩效自评表", "（2022 年度）", "援滇对口支援及结对帮扶经费", "上海市普陀区体育局",
          "上海市普陀区体育事业管理中心", "项目资金\n（元）")
    s.row(6, "B", "年度资金总额", None, "20000.00", "20000.00", "9,034", 10, "45.17%", 4.52)
    s.row(7, "B", "其中：当年财政拨款", None, 0, 0, None, "—", None, "—")
    s.row(8, "B", "上年结转资金", None, 0, 0, None, "—", None, "—")
    s.row(9, "B", "其他资金", None, 0, 0, None, "—", None, "—")
    _goal(s, 10, None, "已完成援滇人员相关经费支付。")
    # reconstructed values
    t = _indicators(s, 12, [
        ("产出指标", "数量指标", "经费使用率", "≥90%", "45.17%", 10, 5.02, "援滇人员轮换推迟，部分经费未使用"),
        ("产出指标", "质量指标", "经费完成情况", "按规定使用", "达成预期指标", 20, 20, None),
        ("产出指标", "时效指标", "经费完成进度", "年底前完成", "达成预期指标", 20, 20, None),
        ("效益指标", "社会效益指标", "经费使用完成情况", "有效保障援滇工作", "达成预期指标", 30, 30, None),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None),
    ], ["B13:B15"])
    # 4.52 + 5.02 + 20 + 20 + 30 + 10 = 89.54
    s.row(t, "A", "总分", None, None, None, None, None, 100, 89.54)
    s.merges.append(f"A{t}:F{t}")
    return s


# ====================================================================== 河北 廊坊 2019


def langfang_heating_2019() -> Sheet:
    """办公宿舍楼、食堂及餐厅暖通改造经费 (2019).

    Real: 43.2 / 43.2 / 37.24, 10, 86 %, 9 (37.24 ÷ 43.2 = 86.20 % → 8.62, stated 9);
    其中：当年财政拨款 43.2 / 43.2 / 37.24 with 分值/执行率/得分 blank; 预期目标 “43.2”,
    实际完成情况 “37.24”; template rows “指标1工程资金金额”, “指标2”, “……” kept; targets and
    actuals bare numbers; “0” typed in the 偏差 column of three met rows; the 一级 label
    “效益指标” written again for the 可持续影响 block (separate merge).
    Reconstructed: the 满意度 “指标2” / “……” rows and the 总分 row (100 / 98 = 9 + 89 stated).
    """
    s = Sheet()
    _head(s, "项目支出绩效自评表", "（2019年度）", "办公宿舍楼、食堂及餐厅暖通改造经费", "廊坊市发改委",
          "廊坊市食品工程学校", "项目资金\n（万元）")
    s.row(6, "B", "年度资金总额", None, 43.2, 43.2, 37.24, 10, "86%", 9)
    s.row(7, "B", "其中：当年财政拨款", None, 43.2, 43.2, 37.24)
    s.row(8, "B", "上年结转资金")
    s.row(9, "B", "其他资金")
    _goal(s, 10, "43.2", "37.24")
    P = (None, None, None, None, None)
    rows = [
        ("产出指标", "数量指标", "指标1工程资金金额", 43.2, 37.24, 10, 9, "已完工，剩余3%尾款未付，且最高限价低于预算金额。提高预算准确度。"),
        (None, None, "指标2", *P),
        (None, None, "……", *P),
        (None, "质量指标", "指标1工程完工率", 100, 100, 10, 10, None),
        (None, None, "指标2工程验收合格率", 100, 100, 10, 10, None),
        (None, None, "……", *P),
        (None, "时效指标", "指标1项目完成及时率", 100, 100, 10, 10, None),
        (None, None, "指标2", *P),
        (None, None, "……", *P),
        (None, "成本指标", "指标1成本控制率", 100, 100, 10, 10, None),
        (None, None, "指标2", *P),
        (None, None, "……", *P),
        ("效益指标", "经济效益\n指标", "指标1安全率", 100, 100, 10, 10, 0),
        (None, None, "指标2", *P),
        (None, None, "……", *P),
        (None, "社会效益\n指标", "指标1学校发展能力", 100, 100, 10, 10, 0),
        (None, None, "指标2", *P),
        (None, None, "……", *P),
        (None, "生态效益\n指标", "指标1", *P),
        (None, None, "指标2", *P),
        (None, None, "……", *P),
        ("效益指标", "可持续影响\n指标", "指标1长期使用性", 100, 100, 10, 10, None),
        (None, None, "指标2", *P),
        (None, None, "……", *P),
        ("满意度\n指标", "服务对象满意度指标", "指标1学生满意度", 100, 100, 10, 10, 0),
        (None, None, "指标2", *P),  # reconstructed
        (None, None, "……", *P),  # reconstructed
    ]
    h = 12
    merges = [f"B{h + 1}:B{h + 12}", f"B{h + 13}:B{h + 21}", f"B{h + 22}:B{h + 24}", f"B{h + 25}:B{h + 27}"]
    merges += [f"C{h + 1 + 3 * k}:C{h + 3 + 3 * k}" for k in range(9)]
    t = _indicators(s, h, rows, merges)
    # reconstructed 总分: 分值 100, 得分 9 + 9 + 10 × 8 = 98 (the stated figures added up)
    s.row(t, "A", "总分", None, None, None, None, None, 100, 98)
    s.merges.append(f"A{t}:F{t}")
    return s


# ====================================================================== 安徽 六安 2021


def luan_public_culture_2021() -> Sheet:
    """公共文化服务体系经费 (2021).

    Real funding block: 年度资金总额 200 / 200 / 179.43, 分值 10, 89.7 %, 得分 9; the 其中 row
    “其中：当年财政拨款” repeats 200 / 200 / 179.43 AND 分值 10, 89.7 %, 得分 8; 上年结转资金 /
    其他资金 empty. Real goal texts and the page's stated 自评得分 95 (put in the 总分 row).
    Indicator rows reconstructed from the page's narrative (130 场, 线下 13 万人次, 线上 72 万人次,
    2 部精品, 完成率 100 %, 时效 missed because of the epidemic): their stated scores add up to
    85, so 9 + 85 = 94 ≠ 95 and the computed total is 8.97 + 85 = 93.97.
    """
    s = Sheet()
    _head(s, "项目支出绩效自评表", "（2021 年度）", "公共文化服务体系经费", "六安市文化和旅游局", "六安市文旅局",
          "项目资金\n（万元）")
    s.row(6, "B", "年度资金总额", None, 200, 200, 179.43, 10, "89.7%", 9)
    s.row(7, "B", "其中：当年财政拨款", None, 200, 200, 179.43, 10, "89.7%", 8)
    s.row(8, "B", "上年结转资金")
    s.row(9, "B", "其他资金")
    _goal(s, 10, "通过项目实施，完成开展“社区一家亲”系列活动，达到展示六安文化魅力，丰富群众业余文化生活，"
                 "扩大群众文化参与面，提升百姓幸福指数的工作目标。",
          "开展“社区一家亲”活动130场，线下观众达到13万人次、线上活动观众数量72万人次，打造2部精品参赛作品。")
    # reconstructed rows (names from the narrative)
    rows = [
        ("产出指标", "数量指标", "开展“社区一家亲”活动场次", "≥120场", "130场", 10, 10, None),
        (None, None, "线下观众人次", "≥12万人次", "13万人次", 10, 10, None),
        (None, None, "精品参赛作品数量", "≥3部", "2部", 9, 6, "受疫情影响一部作品未能参赛，下年度提前排演"),
        (None, "质量指标", "活动完成率", "=100%", "100%", 11, 11, None),
        (None, "时效指标", "活动按时开展率", "≥95%", "76%", 10, 8, "受疫情影响部分活动由线下改为线上，延后开展"),
        ("效益指标", "社会效益指标", "线上活动观众数量", "≥60万人次", "72万人次", 15, 15, None),
        (None, "可持续影响指标", "群众文化参与面", "持续扩大", "达成预期指标", 15, 15, None),
        ("满意度指标", "服务对象满意度指标", "观众满意度", "≥90%", "93%", 10, 10, None),
    ]
    # weights 10+10+9+11+10 = 50, 15+15 = 30, 10 → 90; scores 10+10+6+11+8+15+15+10 = 85
    t = _indicators(s, 12, rows, ["B13:B17", "C13:C15", "B18:B19"])
    # the page's own 自评 95 (real) against rows whose stated scores add up to 9 + 85 = 94
    s.row(t, "A", "总分", None, None, None, None, None, 100, 95)
    s.merges.append(f"A{t}:F{t}")
    return s


# ====================================================================== 北京 海淀 学院路 2016


def haidian_xueyuanlu_2016() -> Sheet:
    """【体制】自管道路清扫保洁外包工作经费 (2016), Beijing's pre-2020 layout.

    Funding (real): columns B 年初预算数(A), C 全年执行数(B), D 分值(10分), E 执行率(B/A), F 得分,
    G-I 得分计算方法 — no 全年预算数 column, the rate's denominator is 年初预算数 by the header.
    年度资金总额: 310.2 / 154.74 / 10 / 50% / 5 (154.74 ÷ 310.2 = 49.88 %, rounded to whole percent;
    5 = 4.99 rounded). 其中：本年一般公共预算拨款 310.2 / 154.74; 其他资金 empty.
    Indicators: B 一级 C 二级 D 三级 E 分值 F 年度指标值(A) G 全年实际值(B) H 得分计算方法 I 得分
    J 未完成原因分析. First row real (12.5 / 12.5 / 12.5 / method / 12.5); the rest reconstructed,
    four 产出 rows of 12.5 (“产出指标(50分)”), 效益 30, 满意度 10.
    """
    s = Sheet()
    s.row(1, "A", "项目支出绩效自评表")
    s.merges.append("A1:J1")
    s.row(2, "A", "（2016年度）")
    s.merges.append("A2:J2")
    s.row(3, "A", "项目名称", "【体制】自管道路清扫保洁外包工作经费")
    s.merges.append("B3:J3")
    s.row(4, "A", "主管部门及代码", "北京市海淀区人民政府学院路街道办事处", None, None, None, "实施单位",
          "北京市海淀区学院路街道城市运行服务中心")
    s.merges += ["B4:E4", "G4:J4"]
    method = "执行率*该指标分值，最高不得超过分值上限。"
    s.row(5, "A", "项目资金（万元）", None, "年初预算数（A）", "全年执行数（B）", "分值（10分）", "执行率（B/A）", "得分",
          "得分计算方法")
    s.row(6, "B", "年度资金总额：", 310.2, 154.74, 10, "50%", 5, method)
    s.row(7, "B", "其中：本年一般公共预算拨款", 310.2, 154.74)
    s.row(8, "B", "其他资金")
    s.merges += ["A5:A8", "G5:J5", "G6:J8"]
    s.row(9, "A", "年度总体目标",
          "通过规范地区自管道路清扫保洁外包工作经费工作专项资金的使用，明确专项资金使用目的，实现科学管理，"
          "充分发挥项目资金在地区自管小区、小广告、三级以下道路、无主垃圾渣土清运及重大活动环境卫生保障工作中的作用，"
          "将自管道路保洁进行外包，更好的服务于本地区政治、经济、文化等各项事业的发展", None, None, None,
          "按照年初设定目标，将辖区20条城市道路清扫保洁、4处居民生活区小广场清扫保洁业务通过公开招投标方式进行了外包，"
          "通过地区自管道路清扫保洁外包项目的实施，使地区环境卫生及社区环境更加优美，为建设全国文明城区及建设美丽学院路做出了贡献")
    s.merges += ["B9:E9", "F9:J9"]
    s.row(10, "A", "绩效指标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值（A）", "全年实际值（B）",
          "得分计算方法", "得分", "未完成原因分析")
    m = "完成值达到指标值，记满分；未达到指标值，按B/A或A/B*该指标分值记分。"
    rows = [
        ("产出指标（50分）", "数量指标", "是否完成绩效目标申报表中申报的数量", 12.5, 12.5, 12.5, m, 12.5, None),
        # reconstructed from here
        (None, "质量指标", "道路清扫保洁质量达标率", 12.5, "≥95%", "96%", m, 12.5, None),
        (None, "时效指标", "保洁作业及时率", 12.5, "≥98%", "99%", m, 12.5, None),
        (None, "成本指标", "项目成本控制", 12.5, "≤310.2万元", "154.74万元", m, 12.5, None),
        ("效益指标（30分）", "社会效益指标", "地区环境卫生改善程度", 30, "明显改善", "达成预期指标", m, 30, None),
        ("满意度指标（10分）", "服务对象满意度指标", "辖区居民满意度", 10, "≥90%", "92%", m, 10, None),
    ]
    for i, row in enumerate(rows):
        s.row(11 + i, "B", *row)
    s.merges += ["A10:A16", "B11:B14"]
    # reconstructed 总分: 分值 100, 得分 5 + 90 = 95
    s.row(17, "A", "总分", None, None, None, 100, None, None, None, 95)
    s.merges.append("A17:D17")
    return s
