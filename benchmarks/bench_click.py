"""What one click of 校验/计算 costs in Python: the add-in's exact command line, new process each time.

    python benchmarks/bench_click.py [--runs 7] [--envs 目录]

The command line is read from a freshly built add-in: the start of xlwings'
``ExecuteWindows`` RunCommand (``-B -c "<prefix>(\\"<PYTHONPATH>\\"); <RunPython command>"``)
and our ribbon module's ``RunPython`` argument, with the arguments xlwings appends
(``--wb= --from_xl=1 --app= --hwnd=``). It runs in two environments installed from this
source tree like the offline bundle installs (``pip install ".[addin]"``): one without
pandas, one with pandas (and numpy). For comparison the same runs with xlwings' own
prefix ``import xlwings.utils;xlwings.utils.prepare_sys_path(…)``.

There is no Excel here, so ``xw.Book.caller()`` fails once Python would contact Excel:
each figure is Python's start-up and imports up to that point, which is what a click
pays before any work. The work itself (reading the sheet, checking, writing back) is
measured by ``python -m jixiao 文件`` below, on xlwings' remote engine, with no Excel.
Each run is a new process (each click is one); the OS file cache is warm, so the first
click after a reboot is slower. COM calls to Excel on Windows add their own time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
XLWINGS_PREFIX = "import xlwings.utils;xlwings.utils.prepare_sys_path("


def command_from_addin() -> tuple[str, str, str]:
    """(prefix, RunPython command, xlwings version) as the built add-in's VBA has them."""
    from jixiao import addin_vba, build

    with tempfile.TemporaryDirectory() as tmp:
        project = build.read_addin_vba(build.build_addin(Path(tmp)))
    xlwings_bas = project.source(addin_vba.XLWINGS_MODULE)
    ribbon = project.source(addin_vba.RIBBON_MODULE)
    prefix = re.search(r'-B -c ""(.*?)\(\\""" & PYTHONPATH', xlwings_bas).group(1) + "("
    version = build.recorded_xlwings(project)
    run = re.search(r'RunPython "(.*?)" & XLWINGS_VERSION & "(.*?)"\r?\n', ribbon)
    return prefix, run.group(1) + version + run.group(2), version


def click_argv(python: Path, prefix: str, command: str, book: Path) -> list[str]:
    # PYTHONPATH as the VBA builds it: AddExcelDir;ActiveFullName;ThisFullName;;;;PYTHONPATH
    pythonpath = f"False;{book};{book.with_name('jixiao.xlam')};;;;"
    code = f'{prefix}"{pythonpath}"); {command}'
    return [str(python), "-B", "-c", code, f"--wb={book.name}", "--from_xl=1",
            "--app=C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", "--hwnd=1"]


def make_env(folder: Path, with_pandas: bool) -> Path:
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"{ROOT}[addin]"], check=True)
        if with_pandas:
            subprocess.run([str(python), "-m", "pip", "install", "-q", "pandas"], check=True)
    return python


def timed(argv: list[str], runs: int) -> tuple[list[float], str]:
    times, last = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - start)
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    return times, last


def loaded(python: Path, code: str) -> str:
    probe = code.split("; import jixiao;")[0] + \
        "; import sys; print(','.join(m for m in ('pandas', 'numpy') if m in sys.modules) or '无')"
    return subprocess.run([str(python), "-B", "-c", probe], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--envs", default=str(Path(tempfile.gettempdir()) / "jixiao-bench-envs"),
                        help="放两个测量用环境的目录（可重复使用）")
    args = parser.parse_args()
    prefix, command, version = command_from_addin()
    book = ROOT / "examples" / "06_正确示例_某项目.xlsx"
    print(f"加载项（xlwings {version}）运行的命令：python -B -c \"{prefix}\\\"…\\\"); {command}\" "
          "--wb=… --from_xl=1 --app=… --hwnd=…")
    envs = Path(args.envs)
    rows = []
    for label, with_pandas in (("不含 pandas", False), ("含 pandas", True)):
        python = make_env(envs / ("pandas" if with_pandas else "plain"), with_pandas)
        for name, pre in (("jixiao 加载项", prefix), ("xlwings 原样", XLWINGS_PREFIX)):
            argv = click_argv(python, pre, command, book)
            times, last = timed(argv, args.runs)
            rows.append((label, name, statistics.median(times), min(times), max(times),
                         loaded(python, argv[3]), last))
    print(f"\n每次新进程，运行 {args.runs} 次（到 Python 联系 Excel 为止）：")
    print("| 环境 | 命令开头 | 中位数 | 最快–最慢 | 载入的 pandas/numpy |")
    print("|---|---|---|---|---|")
    for label, name, med, lo, hi, mods, _last in rows:
        print(f"| {label} | {name} | {med:.2f} s | {lo:.2f}–{hi:.2f} s | {mods} |")
    print(f"\n（每次都停在：{rows[0][-1][:120]}）")

    # the click's work, without Excel: python -m jixiao on xlwings' remote engine
    python = make_env(envs / "plain", False)
    work = [str(python), "-B", "-m", "jixiao", str(book), "--no-write"]
    times, last = timed(work, args.runs)
    print(f"\n整次点击（无 Excel，remote 引擎：启动 + 读取 + 校验 + 生成写回操作）："
          f"中位数 {statistics.median(times):.2f} s（{min(times):.2f}–{max(times):.2f} s）"
          f"  命令：python -m jixiao {book.name} --no-write")


if __name__ == "__main__":
    main()
