"""A year-end inbox the size of a district's: 200 forms across 10 units.

Deterministic (one seeded random generator): money from 1 to 800 万元, execution from 55 %
to 100 %, indicators met, missed or left unmeasured, one form in ten handing out 110
points (the seed's mistake), some with long project names that must wrap, two forms
that are not workbooks. Units are named so that pinyin order differs from code-point
order (长沙 before 重庆 by pinyin; 重 < 长 by code point).
"""

from __future__ import annotations

import random
from pathlib import Path

from hostile_corpus import write_minimal_form

UNITS = [
    "重庆市渝中区财政局", "长沙市岳麓区卫生健康局", "北京市朝阳区教育委员会", "安徽省合肥市城市管理局",
    "厦门市思明区民政局", "郑州市金水区农业农村局", "哈尔滨市南岗区文化和旅游局",
    "乌鲁木齐市天山区人力资源和社会保障局", "西安市雁塔区交通运输局", "广州市天河区住房和城乡建设局",
]
KINDS = ["信息化运维", "办公设备购置", "业务培训", "宣传活动", "专项调查", "基础设施维护", "公共服务购买",
         "课题研究", "应急物资储备", "档案数字化"]
PER_UNIT = 20


def _indicators(rng: random.Random, extra_weight: bool) -> list[tuple]:
    count_target = rng.choice([20, 50, 100, 200])
    actual = round(count_target * rng.uniform(0.6, 1.15))
    q_score = 20 if actual >= count_target else round(20 * actual / count_target, 2)
    rate_actual = rng.choice([92, 95, 98, 100])
    rate_score = 15 if rate_actual >= 95 else round(15 * rate_actual / 95, 2)
    level = rng.choice([("达成预期指标", 27), ("部分达成预期指标并具有一定效果", 21),
                        ("未达成预期指标且效果较差", 12)])
    inds = [
        ("产出指标", "数量指标", "完成工作量", f"≥{count_target}项", f"{actual}项", 20, q_score,
         "" if actual >= count_target else "进度滞后，下年度加强调度"),
        ("产出指标", "质量指标", "验收合格率", "≥95%", f"{rate_actual}%", 15, rate_score,
         "" if rate_actual >= 95 else "个别批次返工"),
        ("产出指标", "时效指标", "按时完成率", "100%", "100%", 10, 10, ""),
        ("成本指标", "经济成本指标", "成本控制", "≤预算", "完成指标" if rng.random() < 0.3 else "未超预算", 5, 5, ""),
        ("效益指标", "社会效益指标", "服务质量提升", "有所提升", level[0], 30, level[1],
         "" if level[1] >= 24 else "宣传覆盖不足，下年度改进"),
        ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", f"{rng.choice([88, 92, 96])}%", 10,
         10, ""),
    ]
    if extra_weight:  # the seed's mistake: one more indicator, 110 points handed out
        inds.append(("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "95%", 10, 10, ""))
    return inds


def build_inbox(root: Path, seed: int = 2024) -> Path:
    """Write the 200 forms (and two stray files) under ``root``/收件; return that folder."""
    rng = random.Random(seed)
    inbox = root / "收件"
    for u, unit in enumerate(UNITS):
        folder = inbox / f"{u + 1:02d}_{unit}"
        folder.mkdir(parents=True)
        for k in range(PER_UNIT):
            budget = round(rng.uniform(1, 800), 2)
            executed = round(budget * rng.uniform(0.55, 1.0), 2)
            kind = KINDS[k % len(KINDS)]
            name = f"2024年度{unit[-6:]}{kind}项目（第{k // len(KINDS) + 1}批）"
            if k % 7 == 3:
                name = f"2024年度{unit}关于推进{kind}与基层治理能力现代化建设的专项经费项目（第{k + 1}号）"
            write_minimal_form(
                folder / f"{k + 1:02d}_{kind}.xlsx", name, unit=unit, department="某市某区人民政府",
                funds=[("年度资金总额", budget, budget, executed), ("其中：当年财政拨款", budget, budget, executed),
                       ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0)],
                indicators=_indicators(rng, extra_weight=(u * PER_UNIT + k) % 10 == 4),
            )
    (inbox / "说明.txt").write_text("报送说明", encoding="utf-8")
    (inbox / "02_长沙市岳麓区卫生健康局" / "扫描件.pdf").write_bytes(b"%PDF-1.4\n")
    return inbox
