"""Issue 10's coverage targets for the real corpus, and what the corpus has.

One place for the targets: tests/test_corpus.py enforces them, scripts/corpus_report.py
prints them (``--inventory``).
"""

from __future__ import annotations

from collections import Counter

from .build import Table

# the province of a table whose source names no place; it counts as no province
UNKNOWN_PLACE = "未详"

# ≥ 30 tables, ≥ 15 provinces or central ministries, ≥ 5 years, and the layout classes
TARGETS = {"tables": 30, "provinces": 15, "years": 5, "framework": 5, "two_row_header": 3, "money_yuan": 3,
           "no_weight_column": 3, "county_or_township": 3}

# targets the sources reachable from here could not meet (see README.md, “State of the corpus”);
# the coverage test expects them to fail, strictly, so meeting one makes the test say so.
# (provinces was here until the 贵州 and 福建 department forms made fifteen)
SHORT: dict[str, str] = {}


def coverage(tabs: list[Table]) -> dict[str, int]:
    """The counts the targets are about."""
    classes = Counter(c for t in tabs for c in t.data["classes"])
    return {
        "tables": len(tabs),
        "provinces": len({t.data["province"] for t in tabs} - {UNKNOWN_PLACE}),
        "years": len({t.data["year"] for t in tabs}),
        "framework": classes["framework"],
        "two_row_header": classes["two_row_header"],
        "money_yuan": sum(t.data["money_unit"] == "元" for t in tabs),
        "no_weight_column": classes["no_weight_column"],
        "county_or_township": sum(t.data["level"] in ("county", "township") for t in tabs),
    }
