"""Benchmark: read + audit one workbook, and `jixiao check` wall time including start-up.

Run: python benchmarks/bench_check.py [FILE]   (default: examples/02_信访工作经费.xlsx)
Targets (issue 2): processing ≤ 2 ms per workbook read with python-calamine; one-file
`jixiao check` ≤ 0.5 s wall. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
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


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "02_信访工作经费.xlsx"
    from jixiao.processor.core.engine import check_file, check_grids
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.calamine_read import load_workbook

    profile = load_profile()
    check_file(path, profile)  # warm caches (profile, catalogue, regexes)
    wb = load_workbook(path, profile["limits"])
    n = 300

    def show(label: str, times: list[float]) -> None:
        print(f"{label:<44} median {statistics.median(times):7.3f} ms   p90 {sorted(times)[int(len(times) * .9)]:7.3f} ms")

    print(f"file: {path.name} ({path.stat().st_size} bytes), {n} runs each")
    show("guard + calamine read (I/O, unzip, XML)", per_call(lambda: load_workbook(path, profile["limits"]), n))
    show("processing: reader + compute + audit", per_call(lambda: check_grids(wb.grids, str(path), profile), n))
    show("whole check_file (guard+read+process)", per_call(lambda: check_file(path, profile), n))

    walls = []
    for _ in range(7):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jixiao.processor.cli.main", "check", str(path)], capture_output=True)
        walls.append((time.perf_counter() - t) * 1000)
    show("`jixiao check FILE` wall, fresh process", walls)


if __name__ == "__main__":
    main()
