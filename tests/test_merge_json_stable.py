"""``jixiao merge --json`` writes the same bytes for the same inputs, run after run.

The record's ``unread`` fields (分值 / 得分 cells the reader could not read as numbers) are a
set in the engine; written as ``str(set)`` its order followed the process's string hashing,
so two runs on the same files gave different JSON (and a string, not a list)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "06_正确示例_某项目.xlsx"


def _unreadable_row(folder: Path) -> Path:
    """Example 06 with the 分值 and 得分 of one indicator row written as words (R005 twice)."""
    folder.mkdir()
    path = folder / "分值得分无法读取.xlsx"
    shutil.copy(EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    ws["G15"], ws["H15"] = "十分", "满分"
    wb.save(path)
    return path


def _merge_json(folder: Path, out: Path, seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run([sys.executable, "-m", "jixiao.processor.cli.main", "merge", str(folder),
                    "-o", str(out / f"汇总{seed}.xlsx"), "--json", str(out / f"{seed}.json"),
                    "--summary-date", "2026-01-01"], check=True, env=env, capture_output=True)
    return (out / f"{seed}.json").read_bytes()


def _unread_values(obj) -> list:
    if isinstance(obj, dict):
        return [v for k, v in obj.items() if k == "unread"] + [x for v in obj.values() for x in _unread_values(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _unread_values(v)]
    return []


def test_merge_json_is_the_same_whatever_the_string_hashing(tmp_path):
    _unreadable_row(tmp_path / "收件")
    runs = {seed: _merge_json(tmp_path / "收件", tmp_path, seed) for seed in ("1", "2", "3", "4")}
    assert len(set(runs.values())) == 1
    unread = _unread_values(json.loads(runs["1"]))
    assert ["score", "weight"] in unread  # the row's two unreadable cells, as a sorted list
    assert all(isinstance(u, list) and u == sorted(u) for u in unread)
