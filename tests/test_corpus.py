"""The corpus of real published 自评表 (tests/corpus/): every table through the engine.

Each table's expected figures and defects were worked out by hand from the domain rules
(docs in tests/corpus/README.md). Tables the current engine is known to get wrong are listed in
tests/corpus/known_failures.json and run as xfail(strict=False); set JIXIAO_CORPUS_STRICT=1 (or
empty that file) to make every table count. ``python scripts/corpus_report.py`` prints recall,
false errors and score agreement over the whole corpus.
"""

from __future__ import annotations

import os
from collections import Counter

import jsonschema
import pytest
from corpus.build import build, check_grid, known_failures, schema, tables
from corpus.compare import judge, run

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


@pytest.mark.xfail(len(TABLES) < 30, strict=False, reason="the corpus is still being transcribed")
def test_corpus_covers_what_issue_10_asks():
    """≥ 30 tables, ≥ 15 provinces or central ministries, ≥ 5 years, and the layout classes."""
    classes = Counter(c for t in TABLES for c in t.data["classes"])
    levels = Counter(t.data["level"] for t in TABLES)
    assert len(TABLES) >= 30
    assert len({t.data["province"] for t in TABLES}) >= 15
    assert len({t.data["year"] for t in TABLES}) >= 5
    assert classes["framework"] >= 5
    assert classes["two_row_header"] >= 3
    assert sum(t.data["money_unit"] == "元" for t in TABLES) >= 3
    assert classes["no_weight_column"] >= 3
    assert levels["county"] + levels["township"] >= 3


def test_judge_counts_a_missed_defect_and_a_false_error():
    """The comparison itself: a required finding absent, an unexpected error present."""
    table = TABLES[0]
    exp = table.expected
    coded = [d for d in exp["defects"] if d["code"]]
    noise = {"code": "T399", "severity": "error", "cell": "ZZ999", "message": "x"}
    out = judge(table, [noise], {k: v for k, v in exp["scores"].items()}, None)
    assert out.missed == coded and out.false_errors == [noise] and out.scores_agree


# ---------------------------------------------------------------------- the engine on each table


@pytest.mark.parametrize("table", [_param(t) for t in TABLES])
def test_engine_reads_real_table(table, tmp_path):
    outcome = run(table, tmp_path)
    assert outcome.ok, f"{table.id} ({table.data['issuer']} {table.data['year']}):\n  " + "\n  ".join(
        outcome.problems())
