"""Cost of the analyst's outputs on top of a merge: tidy tables, pandas DataFrames, CSV.

Generates N distinct workbooks (the generator of ``bench_merge.py``), merges them once
through the Python API, then times on the same ``Summary``:

- ``tables()``: the four tidy tables as rows (what --csv and the frames start from);
- ``frames()``: the same as pandas DataFrames (including pandas' import, in a fresh process);
- ``write_csv()``: the four UTF-8-BOM CSV files;

and prints them beside the merge's own time, so the figures read as a share of it.

Usage::

    python benchmarks/bench_tables.py [--files 500]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_merge import generate  # noqa: E402

CHILD = """
import sys, time
import jixiao
t0 = time.perf_counter()
summary = jixiao.merge(sys.argv[1], workers=1)
t1 = time.perf_counter()
tables = summary.tables()
t2 = time.perf_counter()
summary.write_csv(sys.argv[2])
t3 = time.perf_counter()
frames = summary.frames()
t4 = time.perf_counter()
rows = {k: len(v) for k, v in tables.items()}
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, rows)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "收件"
        generate(folder, args.files)
        out = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(Path(tmp) / "csv")],
                             capture_output=True, text=True, check=True)
        merge_s, tables_s, csv_s, frames_s, rows = out.stdout.strip().split(" ", 4)
        sizes = sum(p.stat().st_size for p in (Path(tmp) / "csv").iterdir())
    print(f"Python {sys.version.split()[0]}; {args.files} files merged, rows: {rows}")
    print(f"  merge (workers 1)        {float(merge_s):8.2f} s")
    for label, seconds in (("tables()", tables_s), ("write_csv()", csv_s), ("frames() + pandas import", frames_s)):
        share = float(seconds) / float(merge_s) * 100
        print(f"  {label:<24} {float(seconds):8.3f} s  ({share:.1f}% of the merge)")
    print(f"  CSV written: {sizes / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
