"""Golden tests on examples/: the seed's five real tables and one correct table."""

import json
from pathlib import Path

import pytest

from processor.engine import check_file

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GOLDEN = Path(__file__).parent / "golden" / "examples.json"
SEED = sorted(EXAMPLES.glob("0[1-5]_*.xlsx"))


def summary(path: Path) -> dict:
    r = check_file(path)
    s = r.sheets[0]
    return {"scores": s.scores.as_json(),
            "findings": sorted(f"{f.code} {f.cell}" for f in s.findings if f.severity != "info")}


def test_examples_match_reviewed_golden_file():
    """Regenerate with: python tests/test_examples.py (then review the diff)."""
    got = {p.name: summary(p) for p in sorted(EXAMPLES.glob("*.xlsx"))}
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SEED, ids=lambda p: p.stem)
def test_seed_tables_weights_total_110_against_a_total_of_100(path):
    s = check_file(path).sheets[0]
    assert s.scores.weights_total == 110 and s.scores.total_score == 110
    t301 = next(f for f in s.findings if f.code == "T301")
    assert t301.severity == "error" and "实为 110" in t301.message


def test_missing_execution_score_in_work_fund_table():
    s = check_file(EXAMPLES / "02_信访工作经费.xlsx").sheets[0]
    f105 = next(f for f in s.findings if f.code == "F105")
    assert f105.cell == s.record.funding_row("total").cells["score"]


def test_missing_total_score_in_service_fund_table():
    s = check_file(EXAMPLES / "04_服务经费.xlsx").sheets[0]
    t303 = next(f for f in s.findings if f.code == "T303")
    assert t303.cell == s.record.total.cells["score"] and "应为 110" in t303.message


def test_cost_subcategory_outside_framework_in_purchase_table():
    s = check_file(EXAMPLES / "03_购置经费.xlsx").sheets[0]
    i212 = next(f for f in s.findings if f.code == "I212")
    assert "可持续发展指标" in i212.message


def test_correct_example_has_no_error_and_computes_its_figures():
    s = check_file(EXAMPLES / "06_正确示例_某项目.xlsx").sheets[0]
    assert [f for f in s.findings if f.severity == "error"] == []
    assert s.scores.execution_rate == pytest.approx(0.95)
    assert (s.scores.execution_score, s.scores.total_score, s.scores.grade) == (9.5, 94.42, "优")
    assert s.scores.weights_total == 100


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    data = {p.name: summary(p) for p in sorted(EXAMPLES.glob("*.xlsx"))}
    GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
