"""``jixiao merge`` against merely reading the same files, side by side, on distinct forms.

Generates corpora with ``merge_corpus.py`` (every form its own project; ``realistic``:
a few findings each, about 2 % copied indicator sets; ``findings``: tens of findings
each), then times whole processes, start-up included, in turn — merge, reader, merge,
reader … — so that a machine shared with other work slows both alike:

- ``jixiao merge DIR -o 汇总.xlsx`` with default settings (workers: one per core);
- a bare python-calamine read of the same files (open each, every sheet ``to_python()``):
  the yardstick of the targets (merge ≤ 4× this; moonshot ≤ 3×);
- ``pandas.read_excel(engine="calamine", sheet_name=None)`` of the same files, when
  pandas is installed (moonshot: merge faster than this);
- with ``--floor``, two stripped merges that show what is left for the engine's own logic:
  ``floor-read`` is merge's pipeline (discovery, hashing, the worker pool, one result per
  file) with each worker only reading the file with calamine; ``floor-guard`` adds the
  guard (every submitted file is proven safe before a library opens it). Neither reads a
  form, scores or audits it, nor writes a summary: ``floor-guard ÷ calamine`` is the part
  of the ratio that no work on the reader, scorer, auditor or summary can remove.

For each it prints the median wall time, ms per form, CPU time, the peak resident memory
(the largest process, and all processes of the command together, sampled every 20 ms)
and the median of the per-pair ratios merge ÷ reader. ``--scaling`` runs the realistic
corpus at 1,000 / 4,000 / 10,000 forms and prints the growth of time and memory.

Usage::

    python benchmarks/bench_merge.py                        # realistic + findings, 2,000 forms each
    python benchmarks/bench_merge.py --files 4000 --corpus realistic --repeat 5
    python benchmarks/bench_merge.py --scaling              # 1,000 / 4,000 / 10,000 forms
    python benchmarks/bench_merge.py --keep /tmp/corpora    # generate once, reuse next time
    python benchmarks/bench_merge.py --corpus realistic --also-workers 1   # default workers vs one
    python benchmarks/bench_merge.py --corpus realistic --floor   # + merge stripped to guard / read
    python benchmarks/bench_merge.py --read calamine DIR    # (used by the script itself)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


# ---------------------------------------------------------------------- the readers timed


def _workbooks(folder: str) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        out += [os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith((".xlsx", ".xls"))]
    return out


def read_calamine(folder: str) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in _workbooks(folder):
        wb = CalamineWorkbook.from_path(path)
        for name in wb.sheet_names:
            cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
    return cells


def read_pandas(folder: str) -> int:
    import pandas as pd

    cells = 0
    for path in _workbooks(folder):
        for frame in pd.read_excel(path, sheet_name=None, header=None, engine="calamine").values():
            cells += frame.size
    return cells


def read_floor(folder: str, guarded: bool) -> int:
    """merge's pipeline with each worker only reading (``guarded``: guard, then read) each file.

    The workers run :func:`_floor_form` (or :func:`_floor_read`) instead of the engine's
    ``read_form``: it is put in the runner module before the pool starts, and workers forked
    from this process (Linux) run it. Every file is still discovered, hashed, sent, answered and accounted for."""
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.merge import runner
    from jixiao.processor.merge.run import merge

    if runner._start_method() != "fork":
        raise SystemExit("--floor 需要 Linux（工作进程由本进程派生）")
    runner.read_form = _floor_form if guarded else _floor_read
    result = merge([folder], load_profile())
    return sum(1 for f in result.files if f.status == "merged")


def _floor_form(path: str, name: str, profile, extras=()):
    from jixiao.processor.files.calamine_read import load_workbook
    from jixiao.processor.merge.projection import FormResult, failure

    try:
        load_workbook(path, profile["limits"])  # the guard, then calamine: every sheet's values
    except Exception as exc:  # noqa: BLE001 - as read_form reports it
        return failure(exc)
    return FormResult(True, [], [])


def _floor_read(path: str, name: str, profile, extras=()):
    from jixiao.processor.merge.projection import FormResult
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    for sheet in wb.sheet_names:
        wb.get_sheet_by_name(sheet).to_python(skip_empty_area=True)
    return FormResult(True, [], [])


# ---------------------------------------------------------------------- timing whole processes


@dataclass
class Run:
    wall: float
    cpu: float
    peak_one_mb: float  # the largest single process
    peak_all_mb: float  # all processes of the command at once (sampled)


def _tree_rss_kb(pid: int) -> int:
    """RSS of a process and its descendants (Linux /proc), in KB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run(cmd: list[str]) -> Run:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"命令失败（{proc.returncode}）：{' '.join(cmd)}\n{err.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    one = after.ru_maxrss / 1024 if after.ru_maxrss > before.ru_maxrss else float("nan")
    return Run(wall, cpu, one, peak / 1024)


def side_by_side(folder: Path, n: int, repeat: int, out: Path, with_pandas: bool,
                 workers: int | None, also_workers: int | None = None,
                 floor: bool = False) -> tuple[float, float, float]:
    """Print the figures; return merge's median wall time, its peak memory and its ratio to calamine."""
    merge = [PY, "-m", "jixiao.processor.cli.main", "merge", str(folder), "-o", str(out)]
    if workers:
        merge += ["--workers", str(workers)]
    commands = {"merge": merge, "calamine": [PY, __file__, "--read", "calamine", str(folder)]}
    if also_workers:  # the same merge with another worker count, in the same rounds
        commands[f"merge-w{also_workers}"] = merge[:7] + ["--workers", str(also_workers)]
    if with_pandas:
        commands["pandas"] = [PY, __file__, "--read", "pandas", str(folder)]
    if floor:
        commands["floor-read"] = [PY, __file__, "--read", "floor-read", str(folder)]
        commands["floor-guard"] = [PY, __file__, "--read", "floor-guard", str(folder)]
    runs: dict[str, list[Run]] = {k: [] for k in commands}
    run(commands["calamine"])  # warm the file cache, not counted
    for _ in range(repeat):
        for key, cmd in commands.items():
            runs[key].append(run(cmd))
    med = {k: statistics.median(r.wall for r in v) for k, v in runs.items()}
    for key, rs in runs.items():
        wall = med[key]
        cpu = statistics.median(r.cpu for r in rs)
        peak_all = max(r.peak_all_mb for r in rs)
        print(f"  {key:<11} {wall:8.2f} s  {wall / n * 1000:6.3f} ms/份  CPU {cpu:7.2f} s  "
              f"峰值内存 {peak_all:6.0f} MB（全部进程）")
    for key in commands:
        if key == "merge" or key.startswith("floor"):
            continue
        ratios = [m.wall / r.wall for m, r in zip(runs["merge"], runs[key])]
        cpu_ratios = [m.cpu / r.cpu for m, r in zip(runs["merge"], runs[key])]
        print(f"  merge ÷ {key:<8} 墙钟 {statistics.median(ratios):5.2f}×（{min(ratios):.2f}–{max(ratios):.2f}），"
              f"CPU {statistics.median(cpu_ratios):5.2f}×")
    if also_workers:
        key = f"merge-w{also_workers}"
        ratios = [m.wall / r.wall for m, r in zip(runs[key], runs["calamine"])]
        print(f"  {key} ÷ calamine 墙钟 {statistics.median(ratios):5.2f}×（{min(ratios):.2f}–{max(ratios):.2f}）")
    for key in [k for k in commands if k.startswith("floor")]:
        ratios = [m.wall / r.wall for m, r in zip(runs[key], runs["calamine"])]
        print(f"  {key:<11} ÷ calamine 墙钟 {statistics.median(ratios):5.2f}×（{min(ratios):.2f}–{max(ratios):.2f}）")
    return med["merge"], max(r.peak_all_mb for r in runs["merge"]), med["merge"] / med["calamine"]


# ---------------------------------------------------------------------- corpora


def corpus(base: Path, kind: str, n: int) -> Path:
    sys.path.insert(0, str(HERE))
    from merge_corpus import generate

    folder = base / f"{kind}-{n}"
    stamp = base / f"{kind}-{n}.complete"
    if not stamp.exists():
        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.perf_counter()
        generate(folder, n, kind)
        stamp.write_text("ok")
        print(f"生成 {kind} 语料 {n} 份：{time.perf_counter() - t0:.1f} s（{folder}）")
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--corpus", choices=("realistic", "findings", "copies", "all"), default="all")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each command (medians are printed)")
    ap.add_argument("--scaling", action="store_true", help="realistic corpus at 1,000 / 4,000 / 10,000 forms")
    ap.add_argument("--sizes", default="1000,4000,10000", help="corpus sizes of --scaling")
    ap.add_argument("--workers", type=int, help="pass --workers to merge (default: merge decides)")
    ap.add_argument("--also-workers", type=int, metavar="N",
                    help="also time merge --workers N in the same rounds (e.g. 1: does the default pay off?)")
    ap.add_argument("--floor", action="store_true",
                    help="also time merge stripped to reading (floor-read) and to guard + reading (floor-guard)")
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas.read_excel yardstick")
    ap.add_argument("--keep", type=Path, help="generate corpora into this folder and keep them")
    ap.add_argument("--read", nargs=2, metavar=("READER", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.read:
        reader, folder = args.read
        if reader.startswith("floor-"):
            read_floor(folder, guarded=reader == "floor-guard")
        else:
            (read_calamine if reader == "calamine" else read_pandas)(folder)
        return 0

    try:
        import pandas  # noqa: F401

        with_pandas = not args.no_pandas
    except ImportError:
        with_pandas = False
        print("（未安装 pandas：跳过 pandas.read_excel 的对照）")
    base = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    out_dir = Path(tempfile.mkdtemp(prefix="jixiao-bench-out-"))
    print(f"Python {sys.version.split()[0]}，CPU {os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}")
    try:
        if args.scaling:
            sizes = [int(x) for x in args.sizes.split(",")]
            rows = []
            for n in sizes:
                folder = corpus(base, "realistic", n)
                print(f"realistic × {n}：")
                rows.append((n, *side_by_side(folder, n, args.repeat, out_dir / "汇总.xlsx", False, args.workers)))
            print("规模            时间      ms/份   峰值内存   ÷ calamine   时间比（对最小规模）")
            for n, wall, peak, ratio in rows:
                print(f"  {n:>6} 份  {wall:8.2f} s  {wall / n * 1000:6.3f}  {peak:6.0f} MB   {ratio:5.2f}×"
                      f"      {wall / rows[0][1]:5.2f}")
        else:
            kinds = ("realistic", "findings") if args.corpus == "all" else (args.corpus,)
            for kind in kinds:
                folder = corpus(base, kind, args.files)
                print(f"{kind} × {args.files}：")
                side_by_side(folder, args.files, args.repeat, out_dir / "汇总.xlsx", with_pandas, args.workers,
                             args.also_workers, args.floor)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
