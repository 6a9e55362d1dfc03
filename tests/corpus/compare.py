"""Run one transcribed table through the engine and compare with what a reviewer expects.

Shared by tests/test_corpus.py (pass / fail per table) and scripts/corpus_report.py (recall,
false errors and score agreement over the corpus). The expectations are the table file's
``expected`` block, worked out by hand from the domain rules; nothing here is derived from
the engine's own output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import range_boundaries

from .build import Table, build

FIGURES = ("execution_rate", "execution_score", "indicator_score", "total_score", "weights_total", "grade")
# how far apart a computed figure may be from the hand figure and still agree
TOLERANCE = {"execution_rate": 1e-4, "execution_score": 0.01, "indicator_score": 0.01,
             "total_score": 0.01, "weights_total": 0.01}


@dataclass
class Outcome:
    """What the engine made of one table, judged against the table's expectations."""

    table: Table
    refused: str | None = None  # the InputError line when the engine refused the file
    found: list[dict] = field(default_factory=list)  # expected defects the engine reported
    missed: list[dict] = field(default_factory=list)  # expected (coded) defects it did not report
    uncoded: list[dict] = field(default_factory=list)  # real defects no catalogue code covers yet
    false_errors: list[dict] = field(default_factory=list)  # error findings nobody expected
    false_alarms: list[dict] = field(default_factory=list)  # findings on cells marked not_flagged
    extra_warnings: list[dict] = field(default_factory=list)  # unexpected warnings (reported only)
    figures: dict[str, tuple[Any, Any, bool]] = field(default_factory=dict)  # name → (expected, got, agree)
    record: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name → (expected, got) that differ

    @property
    def scores_agree(self) -> bool:
        return all(ok for _e, _g, ok in self.figures.values())

    @property
    def ok(self) -> bool:
        return (self.refused is None and not self.missed and not self.false_errors
                and not self.false_alarms and self.scores_agree and not self.record)

    def problems(self) -> list[str]:
        """One line per disagreement, for a test failure or a report."""
        out: list[str] = []
        if self.refused:
            out.append(f"refused: {self.refused}")
        out += [f"missed {d['code']} at {_cells(d['cell'])}: {d['why']}" for d in self.missed]
        out += [f"false error {f['code']} at {f['cell']}: {f['message']}" for f in self.false_errors]
        out += [f"false alarm {f['code']} at {f['cell']} (marked not_flagged): {f['message']}"
                for f in self.false_alarms]
        out += [f"{name}: expected {e!r}, engine {g!r}" for name, (e, g, ok) in self.figures.items() if not ok]
        out += [f"record {name}: expected {e!r}, engine {g!r}" for name, (e, g) in self.record.items()]
        return out


def _cells(cell: Any) -> str:
    if cell is None:
        return "(whole sheet)"
    return cell if isinstance(cell, str) else " or ".join(cell)


def _inside(a1: str, rng: str | None) -> bool:
    """Is cell (or range) ``a1`` the reported cell, or inside the reported range?"""
    if not a1 or not rng:
        return False
    if a1 == rng:
        return True
    try:
        c1, r1, c2, r2 = range_boundaries(a1)
        k1, s1, k2, s2 = range_boundaries(rng.replace("$", ""))
    except ValueError:
        return False
    if None in (c1, r1, c2, r2, k1, s1, k2, s2):
        return False
    return k1 <= c1 and c2 <= k2 and s1 <= r1 and r2 <= s2


def _matches(finding: dict, code: str, cell: Any) -> bool:
    if finding["code"] != code:
        return False
    if cell is None:
        return True
    return any(_inside(a1, finding["cell"]) for a1 in ([cell] if isinstance(cell, str) else cell))


def _figure_agrees(name: str, expected: Any, got: Any) -> bool:
    if expected == "unknown":
        return True
    if expected is None or got is None or name == "grade":
        return expected == got
    return abs(float(expected) - float(got)) <= TOLERANCE[name] + 1e-9


def judge(table: Table, findings: list[dict], scores: dict[str, Any] | None,
          record: dict[str, Any] | None, refused: str | None = None) -> Outcome:
    """Compare engine output (findings as JSON dicts, scores, record facts) with the table's
    expectations. Pure, so it can be tested without the engine."""
    exp = table.expected
    out = Outcome(table, refused=refused)
    coded = [d for d in exp.get("defects", []) if d["code"]]
    out.uncoded = [d for d in exp.get("defects", []) if not d["code"]]
    if refused is not None:
        out.missed = coded
        # a refused file has no figures: right only where the table truly lacks one (or it is not compared)
        out.figures = {n: (exp["scores"][n], None, _figure_agrees(n, exp["scores"][n], None))
                       for n in FIGURES if n in exp["scores"]}
        return out
    claimed: set[int] = set()
    for d in coded:
        codes = [d["code"], *d.get("alt_codes", [])]
        hits = [i for i, f in enumerate(findings) if any(_matches(f, c, d["cell"]) for c in codes)]
        (out.found if hits else out.missed).append(d)
        claimed.update(hits)
    tolerated = exp.get("tolerated", [])
    not_flagged = exp.get("not_flagged", [])
    for i, f in enumerate(findings):
        guarded = [n for n in not_flagged if _inside(n["cell"], f["cell"]) or _inside(f["cell"] or "", n["cell"])]
        if i not in claimed and any((f["code"] in n["codes"]) if n.get("codes") else f["severity"] != "info"
                                    for n in guarded):
            out.false_alarms.append(f)
            continue
        if i in claimed or any(_matches(f, t["code"], t.get("cell")) for t in tolerated):
            continue
        if f["severity"] == "error":
            out.false_errors.append(f)
        elif f["severity"] == "warning":
            out.extra_warnings.append(f)
    for name in FIGURES:
        if name in exp["scores"]:
            want, got = exp["scores"][name], (scores or {}).get(name)
            out.figures[name] = (want, got, _figure_agrees(name, want, got))
    for name, want in exp.get("record", {}).items():
        got = (record or {}).get(name)
        if got != want:
            out.record[name] = (want, got)
    return out


def run(table: Table, work_dir: Path) -> Outcome:
    """Build the table's workbook, check it with the engine, judge the result."""
    from jixiao.processor.core.engine import check_file
    from jixiao.processor.core.errors import InputError

    path = build(table, work_dir)
    try:
        result = check_file(path)
    except InputError as err:
        return judge(table, [], None, None, refused=f"{err.code} {err.detail}")
    sheets = [s for s in result.sheets if s.sheet == table.sheet] or result.sheets
    sheet = sheets[0]
    findings = [f.as_json() for f in result.findings] + [f.as_json() for f in sheet.findings]
    record = {"project": sheet.record.project.text, "year": sheet.record.year}
    return judge(table, findings, sheet.scores.as_json(), record)
