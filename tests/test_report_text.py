"""The "评价得分情况" paragraph: reproduced from the seed report's own figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hostile_corpus import write_minimal_form
from jixiao.processor.core.rules import load_profile
from jixiao.processor.merge.report_text import (
    DEPT_EVAL,
    TOTAL,
    UNIT_EVAL,
    band_index,
    default_bands,
    money_text,
    paragraph,
    percent_text,
    tally,
)
from jixiao.processor.merge.run import MergeOptions, merge

# seeds/000_ce97aa6f33119277.txt, part 一（五）1, PDF line breaks joined and the typesetting's
# spaces between digits and Chinese dropped (the paragraph is written ready to paste into Word)
SEED = (
    "2025年，区信访办对2024年度部门项目支出实施了绩效评价，评价项目8个，占部门项目总数的100%，"
    "涉及金额54.93万元。其中，部门评价项目1个，涉及金额20.9万元，评价得分在90（含）-100分的1个、"
    "评价得分在80（含）-90分的0个、评价得分在60（含）-80分的0个、评价得分在60分以下的0个。"
    "单位自评项目7个，涉及金额34.03万元，评价得分在90（含）-100分的7个、评价得分在80（含）-90分的0个、"
    "评价得分在60（含）-80分的0个、评价得分在60分以下的0个。"
)
SEED_FILE = Path("/work/shared/seeds/000_ce97aa6f33119277.txt")

# 1 部门评价 project (the 智慧信访 system, 20.9 万元) and 7 单位自评 projects, 34.03 万元
UNIT_AMOUNTS = [4, 2.48, 12, 9, 2, 2.55, 2]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_seed_paragraph_from_figures():
    items = [(DEPT_EVAL, 110.0, 20.9)] + [(UNIT_EVAL, 110.0, a) for a in UNIT_AMOUNTS]
    table = tally(items, default_bands())
    assert table.totals[TOTAL].count == 8
    assert money_text(table.totals[TOTAL].amount) == "54.93"
    assert paragraph(table, department="区信访办", year=2024) == SEED


@pytest.mark.skipif(not SEED_FILE.is_file(), reason="seed report not available")
def test_seed_constant_is_the_seed_text():
    text = _squash(SEED_FILE.read_text(encoding="utf-8"))
    assert _squash(SEED) in text


def test_seed_paragraph_end_to_end(tmp_path: Path):
    """Eight constructed workbooks merged → the seed's sentence, word for word."""
    forms = tmp_path / "收件"
    forms.mkdir()

    def funds(x: float):
        return [("年度资金总额", x, x, x), ("其中：当年财政拨款", x, x, x), ("上年结转资金", 0, 0, 0),
                ("其他资金", 0, 0, 0)]

    write_minimal_form(forms / "智慧信访.xlsx", "“智慧信访”系统运行维护项目", funds=funds(20.9))
    for i, amount in enumerate(UNIT_AMOUNTS):
        sub = forms / f"单位{i % 3}"
        sub.mkdir(exist_ok=True)
        write_minimal_form(sub / f"项目{i}.xlsx", f"单位自评项目{i}", funds=funds(amount))
    profile = load_profile()
    result = merge([forms], profile, MergeOptions(dept_evaluated=["“智慧信访”系统运行维护项目"],
                                                  department_name="区信访办"))
    assert [p.total_score >= 90 for p in result.projects] == [True] * 8
    assert result.paragraph == SEED
    dept = [p for p in result.projects if p.method == DEPT_EVAL]
    assert [(p.name, p.method_source) for p in dept] == [("“智慧信访”系统运行维护项目", "名单")]


def test_bands_and_edges():
    bands = default_bands()
    assert [b.label for b in bands] == ["90（含）-100分", "80（含）-90分", "60（含）-80分", "60分以下"]
    assert [band_index(s, bands) for s in (110, 100, 90, 89.99, 80, 79.5, 60, 59.99, 0, None)] == \
        [0, 0, 0, 1, 1, 2, 2, 3, 3, 3]
    assert money_text(20.90) == "20.9" and money_text(100.0) == "100" and money_text(0.005) == "0.01"
    assert percent_text(8, 8) == "100%" and percent_text(7, 8) == "87.5%" and percent_text(1, 3) == "33.33%"


def test_share_of_department_projects_and_empty_group():
    table = tally([(UNIT_EVAL, 85.0, 10.0), (UNIT_EVAL, 55.0, None)], default_bands())
    text = paragraph(table, department=None, year=2024, total_projects=4)
    assert text.startswith("2025年，本部门对2024年度部门项目支出实施了绩效评价，评价项目2个，占部门项目总数的50%，")
    assert "部门评价项目0个。单位自评项目2个，涉及金额10万元，" in text
    assert "80（含）-90分的1个" in text and "60分以下的1个。" in text


def test_sums_are_exact_decimals():
    table = tally([(UNIT_EVAL, 95, 0.1)] * 3, default_bands())
    assert money_text(table.totals[TOTAL].amount) == "0.3"
