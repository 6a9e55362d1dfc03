"""Throughput of ``jixiao merge`` — files per second — and the side-by-side ratio.

Generates N distinct workbooks in a temporary folder (sub-folders of 50) by varying the
examples/*.xlsx: each copy gets its own project name (patched in the XML part that
holds it, so every file is a different project and no duplicate is skipped). Then it
times, on the same files:

- ``merge`` with --workers 1 and --workers 2 (discovery, hashing, guard, calamine read,
  scoring, audit, duplicates) plus writing the summary workbook;
- a naive reader: ``openpyxl.load_workbook`` of every file and a walk over all values
  (what a hand-written script would do — and it computes nothing).

Usage::

    python benchmarks/bench_merge.py [--files 500] [--repeat 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.xlsx"))


def _project_name(path: Path) -> str:
    from jixiao.processor.core.engine import check_file

    return check_file(path).sheets[0].record.project.text


def generate(folder: Path, n: int) -> list[Path]:
    templates = []
    for ex in EXAMPLES:
        with zipfile.ZipFile(ex) as z:
            members = [(info, z.read(info.filename)) for info in z.infolist()]
        name = escape(_project_name(ex)).encode("utf-8")
        templates.append((ex.stem, members, name))
    out = []
    for stem, members, name in templates:
        assert any(name in data for _info, data in members), f"project name of {stem} not found"
    for i in range(n):
        stem, members, name = templates[i % len(templates)]
        sub = folder / f"单位{i // 50:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"{i:04d}_{stem}.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in members:
                if name in data:  # shared strings, or an inline string in the sheet
                    data = data.replace(name, name + f"（第{i}号）".encode(), 1)
                z.writestr(info, data)
        out.append(path)
    return out


def naive_openpyxl(files: list[Path]) -> int:
    import openpyxl

    cells = 0
    for f in files:
        wb = openpyxl.load_workbook(f, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += sum(1 for v in row if v is not None)
        wb.close()
    return cells


def run_merge(folder: Path, workers: int, out: Path) -> tuple[int, int]:
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.merge.run import MergeOptions, merge
    from jixiao.processor.merge.summary_xlsx import write_summary

    result = merge([folder], load_profile(), MergeOptions(workers=workers))
    write_summary(result, out)
    return len(result.projects), result.count("merged")


def timed(fn, repeat: int):
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    folder = args.keep or tmp / "收件"
    try:
        t0 = time.perf_counter()
        files = generate(folder, args.files)
        print(f"生成 {len(files)} 个工作簿：{time.perf_counter() - t0:.1f} s（{folder}）")
        print(f"Python {sys.version.split()[0]}，CPU {os.cpu_count()}")
        rows = []
        for workers in (1, 2):
            sec, (projects, merged) = timed(lambda w=workers: run_merge(folder, w, tmp / f"汇总{w}.xlsx"),
                                            args.repeat)
            assert merged == len(files), f"only {merged} of {len(files)} merged"
            rows.append((f"jixiao merge --workers {workers}（含写汇总表）", sec))
        sec, _cells = timed(lambda: naive_openpyxl(files), args.repeat)
        rows.append(("naive openpyxl 读取（不计算）", sec))
        for label, sec in rows:
            print(f"{label:<36} {sec:7.2f} s  {len(files) / sec:8.1f} 文件/秒")
        naive = rows[-1][1]
        for label, sec in rows[:-1]:
            print(f"side by side：{label} 比 naive openpyxl 快 {naive / sec:.2f} 倍")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
