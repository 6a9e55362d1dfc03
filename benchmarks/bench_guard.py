"""How much the workbook guard costs, next to what opening the file costs anyway.

    python benchmarks/bench_guard.py [--quick]

Prints, per file, the median time of ``guard.inspect`` on a file it has not seen (what it
keeps between files forgotten first), of the same call again (the parts, rows and listing
kept from the first: a batch of forms from one template), of ``inspect(exact=True)`` (every
worksheet measured by expat handlers instead of the fast scan of ``sheet_scan``), and of
the same call with the pass over the parts (inflate + CRC + XML prolog + measurement of
cells, strings, merges, styles …) switched off, so the price of that pass is visible; then the time
openpyxl and calamine take to open the same file; then the time to refuse each kind of
hostile file (most are refused before anything is decompressed). Not a test: nothing is
asserted.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hostile_corpus import build_corpus, minimal_form_cells, write_minimal_form  # noqa: E402
from jixiao.processor.core.errors import InputError  # noqa: E402
from jixiao.processor.files import guard  # noqa: E402
from jixiao.processor.files.guard import container  # noqa: E402


def median_seconds(fn: Callable[[], object], budget: float = 0.5, max_runs: int = 2000) -> float:
    times: list[float] = []
    deadline = time.perf_counter() + budget
    while len(times) < 5 or (time.perf_counter() < deadline and len(times) < max_runs):
        start = time.perf_counter()
        try:
            fn()
        except InputError:
            pass
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def first_sight(path: Path, exact: bool = False) -> object:
    """``inspect`` of a file the guard has not seen: nothing kept from an earlier run."""
    container.forget()
    return guard.inspect(path, exact=exact)


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.0f} µs"
    return f"{seconds * 1e3:8.2f} ms"


def write_xlsxwriter_form(path: Path) -> Path:
    """The form as Excel-like tools write it: shared strings, more parts."""
    import xlsxwriter

    cells, _ = minimal_form_cells()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("自评表")
    for r, c, v in cells:
        if isinstance(v, str):
            ws.write_string(r - 1, c - 1, v)
        else:
            ws.write(r - 1, c - 1, v)
    wb.close()
    return path


def open_openpyxl(path: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(path, read_only=False, data_only=True).close()


def open_calamine(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()


def main() -> None:
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        expected = build_corpus(directory)
        files = {
            "openpyxl 自评表 (minimal.xlsx)": write_minimal_form(directory / "bench_minimal.xlsx"),
            "xlsxwriter 自评表": write_xlsxwriter_form(directory / "bench_xlsxwriter.xlsx"),
            "宏+外部链接 (.xlsm)": directory / "macros_links.xlsm",
            "大表 120k 单元格": directory / "large_sane.xlsx",
        }
        if "form.xls" in expected:
            files["BIFF8 自评表 (.xls)"] = directory / "form.xls"
        refusals = {
            "加密 .xlsx (J502)": "encrypted.xlsx",
            "压缩炸弹 1.3 GB (J533)": "zip_bomb.xlsx",
            "压缩比炸弹 100 MB (J534)": "zip_bomb_ratio.xlsx",
            "大小不实 200 MB (J535)": "zip_bomb_lying_size.xlsx",
            "billion laughs (J536)": "billion_laughs.xlsx",
            "带前缀的远处单元格 (J538)": "far_cell_prefixed.xlsx",
            "无 r 的远处单元格 (J538)": "far_cells_without_r.xlsx",
            "uniqueCount 40 亿 (J539)": "huge_unique_count.xlsx",
            "长字符串×1万引用 (J540)": "shared_string_x10000.xlsx",
            "合并整张表 (J541)": "whole_sheet_merge.xlsx",
            "25 万条样式 (J543)": "many_styles.xlsx",
            "20 MB 绘图部件 (J544)": "big_drawing.xlsx",
            "34 万个单元格和行 (J537)": "many_cells.xlsx",
            ".xls 远处单元格 (J538)": "xls_far_cell.xls",
            "截断 (J501)": "truncated.xlsx",
            "文本改名 (J505)": "text_renamed.xlsx",
        }
        budget = 0.2 if quick else 0.5

        print(
            f"{'文件':28} {'大小':>10} {'inspect':>11} {'再次检查':>11} {'精确模式':>11} {'不含流式校验':>11} "
            f"{'openpyxl':>11} {'calamine':>11}"
        )
        for label, path in files.items():
            size = guard.human_size(path.stat().st_size)
            full = median_seconds(lambda p=path: first_sight(p), budget)
            again = median_seconds(lambda p=path: guard.inspect(p), budget)
            exact = median_seconds(lambda p=path: first_sight(p, exact=True), budget)
            with mock.patch.object(container, "_member", lambda *args: None):
                light = median_seconds(lambda p=path: first_sight(p), budget)
            opx = (
                ""
                if path.suffix == ".xls"
                else fmt(median_seconds(lambda p=path: open_openpyxl(p), budget, 20))
            )
            cal = fmt(median_seconds(lambda p=path: open_calamine(p), budget, 50))
            print(f"{label:28} {size:>10} {fmt(full):>11} {fmt(again):>11} {fmt(exact):>11} {fmt(light):>11} "
                  f"{opx:>11} {cal:>11}")

        print()
        print(f"{'拒绝的文件':28} {'大小':>10} {'inspect':>11}")
        for label, name in refusals.items():
            if name not in expected:
                continue
            path = directory / name
            t = median_seconds(lambda p=path: guard.inspect(p), budget)
            print(f"{label:28} {guard.human_size(path.stat().st_size):>10} {fmt(t):>11}")


if __name__ == "__main__":
    main()
