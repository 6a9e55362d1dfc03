"""Benchmark: read + audit one workbook, and `jixiao check` wall time including start-up.

Run: python benchmarks/bench_check.py [FILE]   (default: examples/02_信访工作经费.xlsx)
     python benchmarks/bench_check.py --corpus  (also every real table of tests/corpus)
Targets (issues 2 and 10): processing ≤ 2 ms per form read with python-calamine; one-file
`jixiao check` ≤ 0.5 s wall. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def per_call(fn, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def show(label: str, times: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(times):7.3f} ms   p90 {sorted(times)[int(len(times) * .9)]:7.3f} ms")


def corpus(profile) -> None:
    """Processing time of each real transcribed table (tests/corpus): the spread over layouts."""
    sys.path.insert(0, str(ROOT / "tests"))
    from corpus.build import build, tables
    from jixiao.processor.core.engine import check_grids
    from jixiao.processor.files.calamine_read import load_workbook

    run = _safe(check_grids)
    medians, bests = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for t in tables():
            grids = load_workbook(build(t, Path(tmp)), profile["limits"]).grids
            run(grids, t.id, profile)
            times = per_call(lambda g=grids, name=t.id: run(g, name, profile), 60)
            rows = sum(len(g.rows) for g in grids)
            medians.append((statistics.median(times), t.id, rows))
            bests.append((min(times), t.id, rows))
    for label, figures in (("median of 60 runs", medians), ("best of 60 runs (a busy machine's noise left out)", bests)):
        figures.sort()
        mid = statistics.median(m for m, _, _ in figures)
        slow, name, rows = figures[-1]
        over = sum(m > 2.0 for m, _, _ in figures)
        print(f"real corpus, {len(figures)} tables, {label}: processing per form median {mid:.3f} ms, "
              f"slowest {slow:.3f} ms ({name}, {rows} rows), fastest {figures[0][0]:.3f} ms, over 2 ms: {over}")


def _safe(fn):
    from jixiao.processor.core.errors import InputError

    def run(*args):
        try:
            return fn(*args)
        except InputError:  # a refused table is timed up to its refusal
            return None
    return run


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else ROOT / "examples" / "02_信访工作经费.xlsx"
    from jixiao.processor.core.engine import check_file, check_grids
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.calamine_read import load_workbook

    profile = load_profile()
    check_file(path, profile)  # warm caches (profile, catalogue, regexes)
    wb = load_workbook(path, profile["limits"])
    n = 300

    print(f"file: {path.name} ({path.stat().st_size} bytes), {n} runs each")
    show("guard + calamine read (I/O, unzip, XML)", per_call(lambda: load_workbook(path, profile["limits"]), n))
    show("processing: reader + compute + audit", per_call(lambda: check_grids(wb.grids, str(path), profile), n))
    show("whole check_file (guard+read+process)", per_call(lambda: check_file(path, profile), n))
    if "--corpus" in sys.argv:
        corpus(profile)

    walls = []
    for _ in range(7):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jixiao.processor.cli.main", "check", str(path)], capture_output=True)
        walls.append((time.perf_counter() - t) * 1000)
    show("`jixiao check FILE` wall, fresh process", walls)


if __name__ == "__main__":
    main()
