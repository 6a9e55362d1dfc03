"""Issues 6 and 11: every command stays safe on the adversarial corpus (tests/hostile_corpus.py).

Each file goes through every command that opens a workbook — ``check``, ``fill``,
``merge`` (as a submission, as ``--department`` and as ``--roster``) and ``collect
--roster`` — each run in its own process, within 60 s and 1 GB of address space
(:mod:`hostile_run`), so a native abort, a hang, a memory blow-up or a traceback is
caught. A refused file gets exit status 2 and one Chinese line naming it; nothing is
written outside the output folder; outputs of earlier runs survive a failed one; nothing
a file contains reaches the terminal as a control sequence.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hostile_corpus import build_corpus, write_minimal_form
from hostile_run import MEMORY_LIMIT, TERMINAL_CONTROLS, jixiao, tree
from hostile_workbooks import TERMINAL_ATTACK

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    expect = build_corpus(d)
    return d, expect


def run_all(commands: dict[str, tuple]) -> dict:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(jixiao, *args) for name, args in commands.items()}
        return {name: f.result() for name, f in futures.items()}


def refused_with_one_line(run, name: str) -> str | None:
    lines = run.lines
    if run.returncode != 2 or len(lines) != 1 or name not in lines[0] or not CJK.search(lines[0]):
        return f"expected exit 2 with one Chinese line naming the file, got {run.returncode}: {run.stderr.strip()!r}"
    return None


# ---------------------------------------------------------------- check


def test_check_processes_or_refuses_each_file_with_one_chinese_line(corpus):
    d, expect = corpus
    names = sorted(expect)
    before = tree(d)
    runs = run_all({n: ("check", d / n) for n in names})
    problems = []
    for name in names:
        run = runs[name]
        why = run.crashed()
        if why is None and expect[name] == "ok":
            if run.returncode not in (0, 1):
                why = f"expected to be processed, got {run.returncode}: {run.stderr.strip()}"
        elif why is None:
            why = refused_with_one_line(run, name)
        if why:
            problems.append(f"{name}: {why}")
    assert problems == []
    assert tree(d) == before  # inputs unchanged, nothing written beside them


def test_encrypted_file_says_so(corpus):
    d, expect = corpus
    if "encrypted.xlsx" not in expect:
        pytest.skip("msoffcrypto-tool not installed")
    run = jixiao("check", d / "encrypted.xlsx")
    assert run.returncode == 2 and "文件已加密，请去除密码后重新提交" in run.stderr


def test_formula_text_from_a_submission_stays_text_in_json(corpus):
    d, _ = corpus
    run = jixiao("check", "--format", "json", d / "formula_injection.xlsx")
    data = json.loads(run.stdout)
    assert data[0]["project"].startswith("=")  # read as the text it is, never evaluated


def test_escape_sequences_never_reach_the_terminal(corpus, tmp_path):
    d, _ = corpus
    src = d / "escape_sequences.xlsx"
    for args in (("check", src), ("check", "--format", "json", src), ("fill", src, "-o", tmp_path / "o.xlsx"),
                 ("merge", src, "-o", tmp_path / "m.xlsx")):
        run = jixiao(*args)
        assert run.crashed() is None, (args, run.crashed())
        if args[0] == "check":
            assert "\\u001b]0;pwned" in run.stdout, args  # shown, as an escape
    data = json.loads(jixiao("check", "--format", "json", src).stdout)
    assert data[0]["project"] == TERMINAL_ATTACK  # the JSON still carries the exact text


def test_check_piped_into_head_ends_quietly(corpus):
    d, _ = corpus
    files = " ".join(f"'{d / n}'" for n in ("minimal.xlsx", "webservice.xlsx") * 60)  # > 64 KB of output
    p = subprocess.run(f"'{sys.executable}' -m jixiao.processor.cli.main check {files} | head -1",
                       shell=True, capture_output=True, text=True, timeout=120)
    assert p.stdout.count("\n") == 1
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr and "Exception ignored" not in p.stderr


# ---------------------------------------------------------------- fill


def _package_is_clean(path: Path) -> str | None:
    """What a copy written by fill must not carry; None when it carries none of it."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        if any(n.lower().startswith("xl/externallinks/") for n in names):
            return "an external link part"
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            return "a VBA project"
        for n in names:
            if n.endswith(".rels"):
                text = z.read(n).decode("utf-8", "replace")
                for target in re.findall(r'Target="([^"]*)"[^>]*TargetMode="External"', text):
                    if not target.lower().startswith(("http://", "https://", "mailto:")):
                        return f"an external target {target!r} in {n}"
    return None


def test_fill_processes_or_refuses_each_file_and_writes_only_its_output(corpus, tmp_path):
    d, expect = corpus
    names = sorted(expect)
    before = tree(d)
    outs = {n: tmp_path / f"out_{i}" for i, n in enumerate(names)}
    for folder in outs.values():
        folder.mkdir()
    runs = run_all({n: ("fill", d / n, "-o", outs[n] / "copy.xlsx") for n in names})
    problems = []
    for name in names:
        run, folder = runs[name], outs[name]
        why = run.crashed()
        produced = sorted(p.name for p in folder.iterdir())
        if why is None and expect[name] == "ok":
            if not name.endswith((".xlsx", ".xlsm")):
                why = refused_with_one_line(run, name)  # fill writes .xlsx only: asks for "另存为"
            elif run.returncode not in (0, 1) or produced != ["copy.xlsx"]:
                why = f"expected a copy, got {run.returncode} {produced}: {run.stderr.strip()}"
            else:
                why = _package_is_clean(folder / "copy.xlsx")
        elif why is None:
            why = refused_with_one_line(run, name)
            if why is None and produced:
                why = f"refused, yet wrote {produced}"
        if why:
            problems.append(f"{name}: {why}")
    assert problems == []
    assert tree(d) == before


def test_fill_breaks_external_links_and_keeps_safe_links(corpus, tmp_path):
    import openpyxl

    d, _ = corpus
    out = tmp_path / "copy.xlsx"
    run = jixiao("fill", d / "links_and_macros.xlsm", "-o", out)
    assert run.returncode in (0, 1) and run.crashed() is None
    assert "外部链接" in run.stderr and "超链接" in run.stderr and "宏" in run.stderr
    assert _package_is_clean(out) is None
    ws = openpyxl.load_workbook(out)["自评表"]
    assert ws["L1"].value == 42  # the linked formula became the value it showed
    assert ws["L2"].value == "点此" and ws["L2"].data_type != "f"
    links = {c.coordinate: (c.hyperlink.target or c.hyperlink.location) for row in ws.iter_rows() for c in row
             if c.hyperlink is not None}
    assert links == {"K5": "https://www.mof.gov.cn/", "K6": "'自评表'!A1"}


def test_a_failed_fill_leaves_the_previous_copy_alone(corpus, tmp_path):
    d, _ = corpus
    out = tmp_path / "汇报" / "copy.xlsx"
    out.parent.mkdir()
    assert jixiao("fill", d / "minimal.xlsx", "-o", out).returncode in (0, 1)
    previous = out.read_bytes()
    for name in ("far_cell_prefixed.xlsx", "shared_string_x10000.xlsx", "whole_sheet_merge.xlsx", "truncated.xlsx"):
        run = jixiao("fill", d / name, "-o", out)
        assert run.returncode == 2 and run.crashed() is None, name
        assert out.read_bytes() == previous
    assert sorted(p.name for p in out.parent.iterdir()) == ["copy.xlsx"]


def test_fill_never_writes_through_a_link(corpus, tmp_path):
    d, _ = corpus
    outside = tmp_path / "outside.xlsx"
    outside.write_bytes(b"precious")
    folder = tmp_path / "out"
    folder.mkdir()
    os.symlink(outside, folder / "copy.xlsx")
    run = jixiao("fill", d / "minimal.xlsx", "-o", folder / "copy.xlsx")
    assert run.returncode == 2 and "符号链接" in run.stderr and run.crashed() is None
    assert outside.read_bytes() == b"precious" and (folder / "copy.xlsx").is_symlink()


# ---------------------------------------------------------------- merge, department, rosters


OUR_FORMULA = re.compile(r"^=SUBTOTAL\(\d+,[A-Z]+\d+:[A-Z]+\d+\)$")
MEMORY_CEILING_MB = 400  # the whole corpus through merge stays far below the 1 GB limit


def regular_files(d: Path) -> list[str]:
    out = []
    for p in sorted(d.rglob("*")):
        if p.is_symlink() or not p.is_dir():
            out.append(p.relative_to(d).as_posix())
    return out


def test_merge_accounts_for_every_file_writes_no_submitted_formula_and_stays_small(corpus, tmp_path):
    import openpyxl

    d, expect = corpus
    names = regular_files(d)
    before = tree(d)
    out = tmp_path / "汇总.xlsx"
    run = jixiao("merge", d, "-o", out, "--json", tmp_path / "all.json", timeout=300)
    assert run.returncode == 0 and run.crashed() is None, run.stderr
    assert run.peak_mb is not None and run.peak_mb < MEMORY_CEILING_MB

    wb = openpyxl.load_workbook(out)
    listing = {row[1]: row[2] for row in wb["文件清单"].iter_rows(min_row=2, values_only=True) if row[1]}
    assert sorted(listing) == names  # every file met is listed once, nothing silently dropped
    for name, outcome in expect.items():
        if name in listing:
            assert listing[name] in (("已汇总", "重复") if outcome == "ok" else ("未汇总",)), name
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert OUR_FORMULA.match(str(c.value)), f"{ws.title}!{c.coordinate}: {c.value}"
    names_in_summary = [r[1] for r in wb["项目汇总"].iter_rows(min_row=2, values_only=True)]
    assert '=HYPERLINK("http://x","y")' in names_in_summary  # visible text, not a live link
    data = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert data
    assert tree(d) == before


def one_per_code(expect: dict[str, str]) -> list[str]:
    """A refused workbook for each refusal code of the corpus (the rest go through check/fill)."""
    chosen: dict[str, str] = {}
    for name in sorted(expect):
        if expect[name] != "ok" and name.endswith((".xlsx", ".xls")):
            chosen.setdefault(expect[name], name)
    for name in ("far_cell_prefixed.xlsx", "far_cells_without_r.xlsx", "whole_sheet_merge.xlsx",
                 "whole_sheet_hyperlink.xlsx", "xls_far_cell.xls", "xls_huge_sst.xls"):
        if name in expect:
            chosen[name] = name
    return sorted(set(chosen.values()))


@pytest.mark.parametrize("option", ["--department", "--roster"])
def test_hostile_department_and_roster_files_are_refused_by_the_guard(corpus, tmp_path, option):
    d, expect = corpus
    good = tmp_path / "in"
    good.mkdir()
    write_minimal_form(good / "a.xlsx")
    refused = one_per_code(expect)
    runs = run_all({n: ("merge", good, "-o", tmp_path / f"{i}.xlsx", option, d / n) for i, n in enumerate(refused)})
    problems = []
    for name in refused:
        run = runs[name]
        why = run.crashed() or (None if run.returncode == 2 and len(run.lines) == 1 and CJK.search(run.stderr)
                                else f"{run.returncode}: {run.stderr.strip()!r}")
        if why:
            problems.append(f"{name}: {why}")
    assert problems == []


def test_collect_roster_refuses_hostile_roster_workbooks(corpus, tmp_path):
    d, expect = corpus
    refused = one_per_code(expect)
    runs = run_all({n: ("collect", "--roster", d / n, "-o", tmp_path / f"c{i}") for i, n in enumerate(refused)})
    problems = [f"{n}: {runs[n].crashed() or runs[n].stderr.strip()!r}" for n in refused
                if runs[n].crashed() or runs[n].returncode != 2 or len(runs[n].lines) != 1]
    assert problems == []


def _a_good_summary(tmp_path: Path) -> tuple[Path, bytes]:
    src = tmp_path / "收件箱"
    src.mkdir()
    write_minimal_form(src / "a.xlsx")
    out = tmp_path / "汇总.xlsx"
    assert jixiao("merge", src, "-o", out).returncode == 0
    return out, out.read_bytes()


def test_merge_of_a_missing_folder_keeps_the_previous_summary(tmp_path):
    out, previous = _a_good_summary(tmp_path)
    run = jixiao("merge", tmp_path / "收件箱_typo", "-o", out)
    assert run.returncode == 2 and CJK.search(run.stderr)
    assert out.read_bytes() == previous


def test_merge_that_finds_no_readable_form_keeps_the_previous_summary(corpus, tmp_path):
    d, _ = corpus
    out, previous = _a_good_summary(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("truncated.xlsx", "far_cell_prefixed.xlsx"):
        (bad / name).write_bytes((d / name).read_bytes())
    run = jixiao("merge", bad, "-o", out)
    assert run.returncode == 2 and out.read_bytes() == previous


def test_the_bounded_runner_really_bounds_memory(tmp_path):
    """The 1 GB limit is in force in the child: an allocation of 2 GB fails there."""
    probe = tmp_path / "probe.py"
    probe.write_text("b = bytearray(2 * 1024**3)\n", encoding="utf-8")
    from hostile_run import _limit_memory

    p = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=60,
                       preexec_fn=_limit_memory)
    assert p.returncode != 0 and "MemoryError" in p.stderr
    assert MEMORY_LIMIT == 1024**3


def test_merge_killed_mid_write_leaves_the_previous_summary_intact(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(150):
        write_minimal_form(src / f"单位{i:03d}.xlsx", project_name=f"项目{i:03d}")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "汇总.xlsx"
    killed_mid_write = False
    for attempt in range(5):  # the write window is short; a late kill just means another try
        assert jixiao("merge", src, "-o", out, timeout=300).returncode == 0
        previous = out.read_bytes()
        write_minimal_form(src / f"新增{attempt}.xlsx", project_name=f"新增项目{attempt}")  # next summary differs
        proc = subprocess.Popen([sys.executable, "-m", "jixiao.processor.cli.main", "merge", str(src), "-o", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if any(p.name != out.name for p in out_dir.iterdir()):  # the temporary file exists: writing
                os.kill(proc.pid, signal.SIGKILL)
                killed_mid_write = True
                break
            time.sleep(0.0005)
        proc.wait()
        for p in out_dir.iterdir():  # what a killed process left behind is only its temporary file
            if p.name != out.name:
                p.unlink()
        if killed_mid_write:
            assert out.read_bytes() == previous  # the old summary, whole, under the final name
            break
    assert killed_mid_write, "never caught the merge while it was writing"


def test_terminal_controls_pattern_catches_what_it_must():
    assert TERMINAL_CONTROLS.search(TERMINAL_ATTACK)
    assert not TERMINAL_CONTROLS.search("项目名称：信访业务培训项目\n\t合计")
