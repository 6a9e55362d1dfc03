"""One file cannot take a merge down: crashes, runaway and stuck reads cost only that file.

The worker processes are real (no mock of the pool): a file makes the read really abort
(python-calamine aborting on an allocation the worker's memory budget refuses, or a
hostile workbook that aborts it outright), or the documented test hook
``JIXIAO_MERGE_FAULT`` makes a worker misbehave on one named file. Each time the other
files are merged, the culprit's row in 文件清单 says why, and the summary is written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hostile_corpus import write_minimal_form
from jixiao.processor.cli.main import main
from jixiao.processor.core.rules import load_profile
from jixiao.processor.merge.run import MergeOptions, merge
from jixiao.processor.merge.runner import FAULT_ENV, Budget, default_workers
from openpyxl import load_workbook
from summary_table import table

pytestmark = pytest.mark.skipif(os.name != "posix", reason="resource limits and signals are POSIX")


def _inbox(root: Path, n: int = 6) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        write_minimal_form(root / f"单位{i}.xlsx", f"项目{i}", unit=f"单位{i}")
    return root


def _far_extent(src: Path, dst: Path, rows: int = 60_000) -> Path:
    """A form with one more cell at Z{rows}: an honest file whose sheet python-calamine
    holds as a rectangle of about 1.5 million cells (within the guard's cell limit)."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b"</sheetData>", f'<row r="{rows}"><c r="Z{rows}"><v>1</v></c></row>'
                                                      "</sheetData>".encode())
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="A1:Z{rows}"'.encode(), data)
            out.writestr(info, data)
    return dst


def _huge_unique_count(src: Path, dst: Path) -> Path:
    """The form with its title moved into a shared-strings part whose header announces
    4 × 10¹² strings: python-calamine 0.9 reserves room for them up front and aborts the
    process (issue 11)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from merge_corpus import declare_shared_strings

    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
           b'spreadsheetml/2006/main" count="1" uniqueCount="4000000000000"><si><t>x</t></si></sst>')
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<c r="A1"([^>]*) t="inlineStr"><is><t>[^<]*</t></is></c>',
                              rb'<c r="A1"\1 t="s"><v>0</v></c>', data, count=1)
            out.writestr(info, declare_shared_strings(info.filename, data))
        out.writestr("xl/sharedStrings.xml", sst)
    return dst


def _statuses(result) -> dict[str, tuple[str, str | None, str]]:
    return {f.name: (f.status, f.code, f.reason) for f in result.files}


def test_a_read_that_really_aborts_costs_only_that_file(tmp_path: Path):
    """The memory budget refuses python-calamine's allocation for a sheet of 1.5 million
    cells; Rust aborts the worker (SIGABRT). The file is retried alone, dies again and is
    未汇总; the others are merged. Run as the command, in its own process: the budget counts
    what a worker maps after it starts, and a fresh process starts small."""
    inbox = _inbox(tmp_path / "收件")
    _far_extent(inbox / "单位0.xlsx", inbox / "远处单元格.xlsx")
    out = tmp_path / "汇总.xlsx"
    p = subprocess.run([sys.executable, "-m", "jixiao.processor.cli.main", "merge", str(inbox), "-o", str(out),
                        "--workers", "2", "--limit-memory", "30"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    rows = {r["文件"]: (r["状态"], r["说明"]) for r in table(load_workbook(out)["文件清单"])}
    status, reason = rows["远处单元格.xlsx"]
    assert status == "未汇总"
    assert "异常终止" in reason and "单独重试一次仍然如此" in reason and "30 MB" in reason
    assert sum(1 for s, _r in rows.values() if s == "已汇总") == 6


def test_the_same_file_reads_under_an_ample_budget(tmp_path: Path):
    """Control for the test above: the far cell alone does not break the read."""
    inbox = _inbox(tmp_path / "收件", 1)
    far = _far_extent(inbox / "单位0.xlsx", tmp_path / "远处单元格.xlsx")
    result = merge([far], load_profile(), MergeOptions(workers=1, budget=Budget(memory_mb=1024)))
    assert [f.status for f in result.files] == ["merged"]


@pytest.mark.parametrize("workers", [1, 2])
def test_injected_abort_retried_alone_then_blamed(tmp_path: Path, monkeypatch, workers: int):
    inbox = _inbox(tmp_path / "收件", 12)
    monkeypatch.setenv(FAULT_ENV, "abort:单位5")
    result = merge([inbox], load_profile(), MergeOptions(workers=workers))
    got = _statuses(result)
    assert got["单位5.xlsx"][:2] == ("failed", "J501") and "单独重试一次仍然如此" in got["单位5.xlsx"][2]
    assert {n for n, (s, _c, _r) in got.items() if s == "merged"} == {f"单位{i}.xlsx" for i in range(12) if i != 5}
    j501 = [f for f in result.findings if f.code == "J501"]
    assert [f.file for f in j501] == ["单位5.xlsx"]


def test_a_crash_that_does_not_repeat_is_not_blamed_on_the_file(tmp_path: Path, monkeypatch):
    inbox = _inbox(tmp_path / "收件", 8)
    monkeypatch.setenv(FAULT_ENV, "abort-once:单位3")
    result = merge([inbox], load_profile(), MergeOptions(workers=2))
    assert all(f.status == "merged" for f in result.files if f.name.endswith(".xlsx"))
    assert (inbox / "单位3.xlsx.fault-once").exists()  # it did crash once
    assert len(result.projects) == 8


def test_runaway_file_stopped_by_its_cpu_budget(tmp_path: Path, monkeypatch):
    inbox = _inbox(tmp_path / "收件", 4)
    monkeypatch.setenv(FAULT_ENV, "hang:单位2")
    t0 = time.monotonic()
    result = merge([inbox], load_profile(), MergeOptions(workers=2, budget=Budget(seconds=1)))
    assert time.monotonic() - t0 < 30
    status, code, reason = _statuses(result)["单位2.xlsx"]
    assert (status, code) == ("failed", "J504") and "读取超过 1 秒" in reason
    assert len(result.projects) == 3


def test_stuck_read_using_no_cpu_is_killed(tmp_path: Path, monkeypatch):
    from jixiao.processor.merge import runner

    monkeypatch.setattr(runner, "STALL_SECONDS", 1.5)
    inbox = _inbox(tmp_path / "收件", 3)
    monkeypatch.setenv(FAULT_ENV, "sleep:单位1")
    t0 = time.monotonic()
    result = merge([inbox], load_profile(), MergeOptions(workers=1))
    assert time.monotonic() - t0 < 30
    status, code, reason = _statuses(result)["单位1.xlsx"]
    assert (status, code) == ("failed", "J501") and "停止响应" in reason
    assert len(result.projects) == 2


def test_memory_hog_gets_memory_error_and_the_worker_goes_on(tmp_path: Path, monkeypatch):
    inbox = _inbox(tmp_path / "收件", 4)
    monkeypatch.setenv(FAULT_ENV, "memory:单位0")
    result = merge([inbox], load_profile(), MergeOptions(workers=1, budget=Budget(memory_mb=256)))
    status, code, reason = _statuses(result)["单位0.xlsx"]
    assert (status, code) == ("failed", "J504") and "内存" in reason
    assert len(result.projects) == 3


def test_cli_survives_a_hostile_workbook_that_aborts_calamine(tmp_path: Path):
    """End to end, in its own process: no traceback, no BrokenProcessPool, the summary written,
    the hostile file listed as 未汇总."""
    inbox = _inbox(tmp_path / "收件", 5)
    _huge_unique_count(inbox / "单位0.xlsx", inbox / "共享字符串.xlsx")
    out_file = tmp_path / "汇总.xlsx"
    p = subprocess.run([sys.executable, "-m", "jixiao.processor.cli.main", "merge", str(inbox), "-o", str(out_file)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr and "BrokenProcessPool" not in p.stderr + p.stdout
    assert "memory allocation" not in p.stderr  # a worker's native panic text stays off the terminal
    rows = {r["文件"]: (r["状态"], r["说明"]) for r in table(load_workbook(out_file)["文件清单"])}
    assert rows["共享字符串.xlsx"][0] == "未汇总" and rows["共享字符串.xlsx"][1]
    assert sum(1 for s, _r in rows.values() if s == "已汇总") == 5


def test_default_workers_follow_the_cores_and_the_batch():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert default_workers(10_000) == min(cores, 16)
    assert default_workers(3) == 1
    assert default_workers(0) == 1


# ---------------------------------------------------------------------- no input, no overwrite


def test_missing_path_exits_2_and_keeps_the_summary(tmp_path: Path, capsys):
    inbox = _inbox(tmp_path / "收件", 2)
    out = tmp_path / "汇总.xlsx"
    assert main(["merge", str(inbox), "-o", str(out)]) == 0
    before = out.read_bytes()
    capsys.readouterr()
    assert main(["merge", str(tmp_path / "收件箱_typo"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "找不到" in err and "收件箱_typo" in err
    assert out.read_bytes() == before
    assert main(["merge", str(inbox), str(tmp_path / "补交"), "-o", str(out)]) == 2  # one of several
    assert out.read_bytes() == before


def test_no_readable_form_exits_2_unless_allowed(tmp_path: Path, capsys):
    empty = tmp_path / "收件"
    empty.mkdir()
    (empty / "说明.pdf").write_bytes(b"%PDF-1.4\n")
    out = tmp_path / "汇总.xlsx"
    out.write_bytes(b"previous summary")
    assert main(["merge", str(empty), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "没有读到可汇总的自评表" in err and "保持不变" in err and "--allow-empty" in err
    assert out.read_bytes() == b"previous summary"
    assert main(["merge", str(empty), "-o", str(out), "--allow-empty"]) == 0
    rows = table(load_workbook(out)["文件清单"])
    assert [(r["文件"], r["状态"]) for r in rows] == [("说明.pdf", "未汇总")]


def test_limits_on_the_command_line(tmp_path: Path, monkeypatch, capsys):
    inbox = _inbox(tmp_path / "收件", 3)
    monkeypatch.setenv(FAULT_ENV, "hang:单位1")
    out = tmp_path / "汇总.xlsx"
    assert main(["merge", str(inbox), "-o", str(out), "--limit-seconds", "1"]) == 0
    assert "未汇总 1 个" in capsys.readouterr().out
    assert main(["merge", str(inbox), "-o", str(out), "--limit-memory", "1"]) == 2


def test_workers_start_from_a_fresh_server_while_other_threads_run(tmp_path: Path, monkeypatch):
    """A notebook runs threads; forking it could deadlock a worker. Then the workers come
    from a server process, and crash isolation works the same."""
    import threading

    from jixiao.processor.merge.runner import _start_method

    inbox = _inbox(tmp_path / "收件", 5)
    monkeypatch.setenv(FAULT_ENV, "abort:单位2")
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()
    try:
        assert _start_method() in ("forkserver", "spawn")
        result = merge([inbox], load_profile(), MergeOptions(workers=2))
    finally:
        stop.set()
        t.join()
    got = _statuses(result)
    assert got["单位2.xlsx"][:2] == ("failed", "J501")
    assert len(result.projects) == 4
