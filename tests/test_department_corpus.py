"""The published 部门整体 forms of tests/corpus (transcribed by hand from department reports of
安徽, 重庆, 贵州, 湖南, 福建 and two unnamed places; both frameworks): each is read as a department
form, its money rows are the hand-read ones (``expected.department.rows``), and the corpus'
defects and scores are judged by tests/test_corpus.py like every other table."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus.build import build, known_failures, tables
from jixiao.processor.core.engine import check_file

DEPT = [t for t in tables() if t.data.get("form") == "department"]
KNOWN = known_failures()
PASSING = [t for t in DEPT if t.id not in KNOWN]


def test_the_corpus_holds_five_department_forms_of_several_provinces_in_both_frameworks():
    assert len(PASSING) >= 5
    assert len({t.data["province"] for t in PASSING} - {"未详"}) >= 4
    frameworks = {(t.data["expected"].get("department") or {}).get("framework") for t in PASSING}
    assert "management" in frameworks and (frameworks - {"management"})  # 部门管理 and 产出/效益/满意度


@pytest.mark.parametrize("table", PASSING, ids=lambda t: t.id)
def test_read_as_a_department_form_with_its_money_rows(table, tmp_path: Path):
    res = check_file(build(table, tmp_path))
    assert [s.record.read.form for s in res.sheets] == ["department"] * len(res.sheets)
    rec = res.sheets[0].record
    rows = (table.data["expected"].get("department") or {}).get("rows") or {}
    for kind, want in rows.items():
        row = rec.funding_row("other_use" if kind == "other" and rec.funding_row("other_use") else kind)
        for key in ("initial", "budget", "executed"):
            # (a part written “项目支出：1025.20” has its one amount, read as the 全年预算数)
            if want.get(key) is not None and (row is None or key in row.cells):
                assert row is not None and getattr(row, key).value == pytest.approx(want[key]), (kind, key)
