"""Issue 6: every command stays safe on the adversarial corpus (tests/hostile_corpus.py).

Each file goes through the real `jixiao check` in its own process, with a timeout, so a
crash (calamine aborts the process on a zip bomb), a hang or a traceback is caught.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hostile_corpus import build_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    expect = build_corpus(d)
    return d, expect


def digest(path: Path) -> str:
    try:
        if path.is_file() and not path.is_symlink():
            return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    return "-"


def jixiao(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "processor.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_check_processes_or_refuses_each_file_with_one_chinese_line(corpus):
    d, expect = corpus
    names = sorted(expect)
    before = {n: digest(d / n) for n in names}
    with ThreadPoolExecutor(max_workers=2) as pool:
        procs = dict(zip(names, pool.map(lambda n: jixiao("check", str(d / n)), names)))
    problems = []
    for name in names:
        p = procs[name]
        if "Traceback" in p.stderr or p.returncode < 0:
            problems.append(f"{name}: crashed ({p.returncode}) {p.stderr[-300:]}")
        elif expect[name] == "ok":
            if p.returncode not in (0, 1):
                problems.append(f"{name}: expected to be processed, got {p.returncode}: {p.stderr.strip()}")
        else:
            lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
            if p.returncode != 2 or len(lines) != 1 or name not in lines[0]:
                problems.append(f"{name}: expected exit 2 with one line naming the file, got "
                                f"{p.returncode}: {p.stderr.strip()!r}")
    assert problems == []
    assert {n: digest(d / n) for n in names} == before  # inputs unchanged


def test_encrypted_file_says_so(corpus):
    d, expect = corpus
    if "encrypted.xlsx" not in expect:
        pytest.skip("msoffcrypto-tool not installed")
    p = jixiao("check", str(d / "encrypted.xlsx"))
    assert p.returncode == 2 and "文件已加密，请去除密码后重新提交" in p.stderr


def test_formula_text_from_a_submission_stays_text_in_json(corpus):
    import json

    d, _ = corpus
    p = jixiao("check", "--format", "json", str(d / "formula_injection.xlsx"))
    data = json.loads(p.stdout)
    assert data[0]["project"].startswith("=")  # read as the text it is, never evaluated
