"""The corpus of real published 自评表 (tests/corpus/): every table through the engine.

Each table's expected figures and defects were worked out by hand from the domain rules
(docs in tests/corpus/README.md). Tables the current engine is known to get wrong are listed in
tests/corpus/known_failures.json and run as xfail(strict=False); set JIXIAO_CORPUS_STRICT=1 (or
empty that file) to make every table count. ``python scripts/corpus_report.py`` prints recall,
false errors and score agreement over the whole corpus.
"""

from __future__ import annotations

import os

import jsonschema
import pytest
from corpus.build import Table, build, check_grid, known_failures, schema, tables, typed
from corpus.compare import judge, run
from corpus.coverage import SHORT, TARGETS, coverage

TABLES = tables()
STRICT = os.environ.get("JIXIAO_CORPUS_STRICT") == "1"
KNOWN = {} if STRICT else known_failures()


def _param(table):
    marks = [pytest.mark.xfail(strict=False, reason=KNOWN[table.id])] if table.id in KNOWN else []
    return pytest.param(table, id=table.id, marks=marks)


# ---------------------------------------------------------------------- the data itself


@pytest.mark.parametrize("table", TABLES, ids=[t.id for t in TABLES])
def test_table_file_is_well_formed(table, tmp_path):
    jsonschema.validate(table.data, schema())
    assert check_grid(table) == []
    assert build(table, tmp_path).stat().st_size > 0


def test_known_failures_name_real_tables():
    assert set(known_failures()) <= {t.id for t in TABLES}


@pytest.mark.parametrize("target", [
    pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=SHORT[name])] if name in SHORT else [])
    for name in TARGETS])
def test_corpus_covers_what_issue_10_asks(target):
    """≥ 30 tables, ≥ 15 provinces or central ministries, ≥ 5 years, and the layout classes."""
    assert coverage(TABLES)[target] >= TARGETS[target]


def test_coverage_counts_what_the_table_files_say():
    toy = [Table("a", {"classes": ["framework", "two_row_header"], "province": "河北", "year": 2019,
                       "money_unit": "元", "level": "township"}, None),
           Table("b", {"classes": ["framework"], "province": "河北", "year": 2022, "money_unit": "万元",
                       "level": "city"}, None)]
    assert coverage(toy) == {"tables": 2, "provinces": 1, "years": 2, "framework": 2, "two_row_header": 1,
                             "money_yuan": 1, "no_weight_column": 0, "county_or_township": 1}


def test_judge_counts_a_missed_defect_and_a_false_error():
    """The comparison itself: a required finding absent, an unexpected error present."""
    table = TABLES[0]
    exp = table.expected
    coded = [d for d in exp["defects"] if d["code"]]
    noise = {"code": "T399", "severity": "error", "cell": "ZZ999", "message": "x"}
    out = judge(table, [noise], {k: v for k, v in exp["scores"].items()}, None)
    assert out.missed == coded and out.false_errors == [noise] and out.scores_agree


@pytest.mark.parametrize("entry,expected", [
    ("37.24", (37.24, None)), ("880", (880, None)), ("215,457.6", (215457.6, "#,##0.00")),
    ("97.80%", (0.978, "0.00%")), ("100%", (1.0, "0%")), ("'100", ("100", None)),
    ("≥266米", ("≥266米", None)), ("150万", ("150万", None)), ("—", ("—", None)),
    ({"v": 0.144615, "fmt": "0.0"}, (0.144615, "0.0")), (12, (12, None)),
])
def test_entries_are_typed_as_excel_types_them(entry, expected):
    value, fmt = typed(entry)
    assert fmt == expected[1]
    assert type(value) is type(expected[0])
    assert value == pytest.approx(expected[0]) if isinstance(value, float) else value == expected[0]


def test_text_typing_keeps_every_string():
    assert typed("37.24", "text") == ("37.24", None)


def _toy(expected: dict) -> Table:
    return Table("toy", {"expected": {"scores": {}, "defects": [], **expected}}, None)


def test_judge_alternatives_ranges_and_guards():
    toy = _toy({
        "defects": [{"code": "F104", "alt_codes": ["I204"], "cell": "H13", "why": "x"},
                    {"code": "I221", "cell": ["E16", "D16"], "why": "x"},
                    {"code": None, "cell": "G6", "family": "F", "why": "no code yet"}],
        "tolerated": [{"code": "R008", "why": "template rows"}],
        "not_flagged": [{"cell": "E9:E16", "codes": ["I210"], "why": "by design"}],
        "scores": {"total_score": 95, "grade": "优", "indicator_score": None, "weights_total": "unknown"},
    })
    findings = [
        {"code": "I204", "severity": "error", "cell": "H13", "message": "alt code"},
        {"code": "I221", "severity": "error", "cell": "D16", "message": "alternative cell"},
        {"code": "R008", "severity": "info", "cell": "D20", "message": "tolerated"},
        {"code": "I210", "severity": "warning", "cell": "E12", "message": "inside the guarded range"},
        {"code": "T304", "severity": "error", "cell": "H28", "message": "nobody expected it"},
    ]
    out = judge(toy, findings, {"total_score": 95.004, "grade": "优", "indicator_score": 12.0, "weights_total": 7}, None)
    assert [d["code"] for d in out.found] == ["F104", "I221"] and out.missed == []
    assert [d["cell"] for d in out.uncoded] == ["G6"]
    assert [f["code"] for f in out.false_alarms] == ["I210"]
    assert [f["code"] for f in out.false_errors] == ["T304"]
    # 95.004 agrees within 0.01, a figure the table lacks must stay None, "unknown" is not compared
    assert {n: ok for n, (_e, _g, ok) in out.figures.items()} == {
        "indicator_score": False, "total_score": True, "weights_total": True, "grade": True}
    assert not out.ok


def test_a_refused_file_misses_everything():
    toy = _toy({"defects": [{"code": "F101", "cell": "D6", "why": "x"}],
                "scores": {"total_score": 90, "execution_rate": None, "grade": "unknown"}})
    out = judge(toy, [], None, None, refused="J503 no form")
    assert out.missed and not out.scores_agree and out.problems()[0].startswith("refused")
    # no figure at all is right only where the table has none
    assert {n: ok for n, (_e, _g, ok) in out.figures.items()} == {
        "execution_rate": True, "total_score": False, "grade": True}


# ---------------------------------------------------------------------- the engine on each table


@pytest.mark.parametrize("table", [_param(t) for t in TABLES])
def test_engine_reads_real_table(table, tmp_path):
    outcome = run(table, tmp_path)
    assert outcome.ok, f"{table.id} ({table.data['issuer']} {table.data['year']}):\n  " + "\n  ".join(
        outcome.problems())
