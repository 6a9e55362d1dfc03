"""Recall of real defects, false errors and score agreement of the engine on the real corpus.

    .venv/bin/python scripts/corpus_report.py            # table per 自评表, then the totals
    .venv/bin/python scripts/corpus_report.py --details  # also every miss / false finding
    .venv/bin/python scripts/corpus_report.py --json     # the same as JSON
    .venv/bin/python scripts/corpus_report.py --inventory  # the tables and the issue's coverage targets
    .venv/bin/python scripts/corpus_report.py --write-known-failures
        # rewrite tests/corpus/known_failures.json (the xfail list of tests/test_corpus.py)

The tables and their hand-worked expectations live in tests/corpus/tables/ (see the README
there). Recall counts the expected defects that have a catalogue code; defects no code covers
yet are listed apart. A false error is an error-severity finding that no expectation accounts
for; a false alarm is any finding on a cell a table marks "not_flagged".
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corpus.build import KNOWN_FAILURES, tables  # noqa: E402
from corpus.compare import FIGURES, Outcome, run  # noqa: E402
from corpus.coverage import TARGETS, coverage  # noqa: E402


def inventory(tabs: list) -> tuple[list[str], dict[str, int]]:
    """One line per table and the counts the issue asks for."""
    have = coverage(tabs)
    lines = [f"{t.id:36} {t.data['province']:3} {t.data['level']:8} {t.data['year']}  "
             f"{'complete' if t.data['source'].get('complete', True) else 'cut':8} {', '.join(t.data['classes'])}"
             for t in tabs]
    return lines, have


def summary(outcomes: list[Outcome]) -> dict:
    found = sum(len(o.found) for o in outcomes)
    missed = sum(len(o.missed) for o in outcomes)
    compared = [(n, ok) for o in outcomes for n, (e, _g, ok) in o.figures.items() if e != "unknown"]
    per_figure = {n: [ok for m, ok in compared if m == n] for n in FIGURES}
    return {
        "tables": len(outcomes),
        "tables_passing": sum(o.ok for o in outcomes),
        "refused": sum(o.refused is not None for o in outcomes),
        "defects_expected": found + missed,
        "defects_found": found,
        "recall": round(found / (found + missed), 3) if found + missed else None,
        "defects_without_code": sum(len(o.uncoded) for o in outcomes),
        "false_errors": sum(len(o.false_errors) for o in outcomes),
        "tables_with_false_errors": sum(bool(o.false_errors) for o in outcomes),
        "false_alarms": sum(len(o.false_alarms) for o in outcomes),
        "extra_warnings": sum(len(o.extra_warnings) for o in outcomes),
        "figures_compared": len(compared),
        "figures_agreeing": sum(ok for _n, ok in compared),
        "score_agreement": round(sum(ok for _n, ok in compared) / len(compared), 3) if compared else None,
        "per_figure": {n: f"{sum(v)}/{len(v)}" for n, v in per_figure.items() if v},
        "tables_all_figures_agree": sum(o.scores_agree for o in outcomes),
    }


def row(o: Outcome) -> dict:
    d = o.table.data
    agree = [ok for e, _g, ok in o.figures.values() if e != "unknown"]
    return {
        "id": o.table.id, "province": d["province"], "level": d["level"], "year": d["year"],
        "ok": o.ok, "refused": o.refused,
        "found": len(o.found), "expected": len(o.found) + len(o.missed), "uncoded": len(o.uncoded),
        "false_errors": len(o.false_errors), "false_alarms": len(o.false_alarms),
        "figures": f"{sum(agree)}/{len(agree)}",
        "problems": o.problems(),
        "extra_warnings": [f"{f['code']} at {f['cell']}: {f['message']}" for f in o.extra_warnings],
    }


def short_reason(o: Outcome) -> str:
    parts = []
    if o.refused:
        parts.append(f"refused ({o.refused.split()[0]})")
    if o.missed:
        parts.append("misses " + ", ".join(sorted({d["code"] for d in o.missed})))
    if o.false_errors:
        parts.append("false errors " + ", ".join(sorted({f["code"] for f in o.false_errors})))
    if o.false_alarms:
        parts.append("false alarms " + ", ".join(sorted({f["code"] for f in o.false_alarms})))
    wrong = [n for n, (_e, _g, ok) in o.figures.items() if not ok]
    if wrong:
        parts.append("figures wrong: " + ", ".join(wrong))
    if o.record:
        parts.append("record: " + ", ".join(o.record))
    return "engine today: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--details", action="store_true")
    ap.add_argument("--write-known-failures", action="store_true")
    ap.add_argument("--inventory", action="store_true")
    args = ap.parse_args(argv)
    if args.inventory:
        lines, have = inventory(tables())
        print("\n".join(lines))
        print()
        for key, want in TARGETS.items():
            print(f"{key:20} {have[key]:>3} / {want}{'' if have[key] >= want else '   (short)'}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = [run(t, Path(tmp)) for t in tables()]
    rows, total = [row(o) for o in outcomes], summary(outcomes)
    if args.write_known_failures:
        known = {o.table.id: short_reason(o) for o in outcomes if not o.ok}
        KNOWN_FAILURES.write_text(json.dumps(known, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps({"tables": rows, "summary": total}, ensure_ascii=False, indent=1))
        return 0
    print(f"{'table':40} {'prov':4} {'lvl':8} {'year':4}  ok  defects  false  alarms  figures")
    for r in rows:
        print(f"{r['id']:40} {r['province']:4} {r['level']:8} {r['year']}  {'✓' if r['ok'] else '✗':2}"
              f"  {r['found']:>2}/{r['expected']:<2}+{r['uncoded']}  {r['false_errors']:>5}  {r['false_alarms']:>6}"
              f"  {r['figures']:>7}{'  REFUSED' if r['refused'] else ''}")
        if args.details:
            for p in r["problems"]:
                print(f"      {p}")
            for w in r["extra_warnings"]:
                print(f"      (unexpected warning) {w}")
    t = total
    print()
    print(f"tables {t['tables']}, passing {t['tables_passing']}, refused {t['refused']}")
    print(f"recall of real defects: {t['defects_found']}/{t['defects_expected']} = {t['recall']}"
          f"  (+{t['defects_without_code']} defects no catalogue code covers yet)")
    print(f"false errors: {t['false_errors']} in {t['tables_with_false_errors']} tables;"
          f" false alarms on guarded cells: {t['false_alarms']}; unexpected warnings: {t['extra_warnings']}")
    print(f"score agreement: {t['figures_agreeing']}/{t['figures_compared']} figures = {t['score_agreement']};"
          f" tables with every figure right: {t['tables_all_figures_agree']}/{t['tables']}")
    print("per figure: " + ", ".join(f"{k} {v}" for k, v in t["per_figure"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
