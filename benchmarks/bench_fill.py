"""Benchmark: ``jixiao fill`` per file and as a batch, and what one 校验/计算 click costs.

Run: python benchmarks/bench_fill.py [N copies for the batch, default 40]
     python benchmarks/bench_fill.py --unmet N   (only the form with N unmet indicators)

- fill of each seed table (openpyxl load, check, plan, write, save): median of 5 runs;
- the collector's batch: N copies of the seed tables in sub-folders, ``jixiao fill DIR -o OUT``
  in-process, files per second;
- fill of a form with N indicators none of which is met (``--unmet N``, default 10,000 in the
  full run): one finding each, so without the ``max_listed_findings`` cap of rules/limits.json
  fill wrote N notes and N rows on 校验结果; the time, the notes and rows written are printed;
- one click on seed table 02 through xlwings' remote engine: the write calls it queues and
  the synchronous reads of cell looks it makes (desktop Excel answers those, one round trip
  each), for a first and a second click.

Prints figures; asserts nothing. Needs xlwings (the remote engine, licence set here only).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "examples").glob("0[1-5]_*.xlsx"))


def fill_times(tmp: Path) -> None:
    from jixiao.processor.files.openpyxl_write import fill_file

    fill_file(SEEDS[0], tmp / "warm.xlsx")
    for src in SEEDS:
        times = []
        for i in range(5):
            t = time.perf_counter()
            fill_file(src, tmp / f"o{i}.xlsx")
            times.append((time.perf_counter() - t) * 1000)
        print(f"fill {src.name:<28} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms")


def batch(tmp: Path, n: int) -> None:
    import contextlib
    import io

    from jixiao.processor.cli.main import main

    inbox = tmp / "收件"
    for i in range(n):
        folder = inbox / f"单位{i // 10:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SEEDS[i % len(SEEDS)], folder / f"{i:03d}.xlsx")
    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["fill", str(inbox), "-o", str(tmp / "已校验")])
    dt = time.perf_counter() - t
    lines = out.getvalue().strip().splitlines()
    print(f"batch fill of {n} files: {dt:.2f} s, {n / dt:.1f} files/s, exit {code}, {len(lines)} lines "
          f"(last: {lines[-1]})")


def unmet(tmp: Path, n: int) -> None:
    import openpyxl

    sys.path.insert(0, str(ROOT / "tests"))
    from hostile_round3.gen import many_indicators, write
    from jixiao.processor.core.marks import RESULT_SHEET
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.openpyxl_write import fill_file

    src = write(tmp / f"unmet_{n}.xlsx", many_indicators(n, actual="0个"))
    cap = load_profile()["limits"]["max_listed_findings"]
    t = time.perf_counter()
    outcome = fill_file(src, tmp / "unmet_out.xlsx")
    dt = time.perf_counter() - t
    wb = openpyxl.load_workbook(tmp / "unmet_out.xlsx")
    notes = sum(1 for ws in wb.worksheets if ws.title != RESULT_SHEET for row in ws.iter_rows() for c in row
                if c.comment)
    page = wb[RESULT_SHEET].max_row
    print(f"fill of a form with {n} unmet indicators: {dt:.1f} s, {len(outcome.findings)} findings, "
          f"{notes} notes, {page} rows on {RESULT_SHEET} (max_listed_findings {cap})")


def click_cost() -> None:
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    sys.path.insert(0, str(ROOT / "tests"))
    import excel_sim as S
    import jixiao.processor.files.xlwings_read as XW
    from xlwings_remote import load_remote_xlwings

    xw, reason = load_remote_xlwings()
    if xw is None:
        print(f"click: skipped ({reason})")
        return
    reads = Counter()
    original = XW._look

    def counted(sheet, a1, shown, formulas):
        reads["cells"] += 1
        return original(sheet, a1, shown, formulas)

    XW._look = counted
    try:
        book = S.from_xlsx(ROOT / "examples" / "02_信访工作经费.xlsx")
        for label in ("first click", "second click"):
            reads.clear()
            t = time.perf_counter()
            acts = S.click(xw, book)
            dt = (time.perf_counter() - t) * 1000
            kinds = Counter(a["func"] for a in acts)
            form = sum(1 for a in acts if a.get("sheet_position") == 0 and a["func"] not in ("activateSheet",))
            print(f"{label}: {len(acts)} write calls ({form} on the form sheet; {dict(kinds.most_common(6))}), "
                  f"{reads['cells']} cells looked at (≤ 4 reads each: format, fill, note text, author), "
                  f"{dt:.0f} ms in Python")
    finally:
        XW._look = original


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--unmet"]:
        with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmp:
            unmet(Path(tmp), int(args[1]) if len(args) > 1 else 10_000)
        return
    n = int(args[0]) if args else 40
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmp:
        fill_times(Path(tmp))
        batch(Path(tmp), n)
        unmet(Path(tmp), 10_000)
    click_cost()


if __name__ == "__main__":
    main()
