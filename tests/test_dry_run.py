"""python -m jixiao 文件: the button's entry point on the remote engine, replayed onto a copy."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from jixiao import dry_run

from tests.xlwings_remote import LICENSE_ENV, _log_dir, load_remote_xlwings  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "01_信访宣传项目经费.xlsx"


@pytest.fixture
def licensed(monkeypatch):
    monkeypatch.setenv(LICENSE_ENV, "noncommercial")
    module, reason = load_remote_xlwings()
    if module is None:
        pytest.skip(reason)


def test_click_writes_a_copy_and_lists_the_changes(tmp_path: Path, licensed, capsys) -> None:
    src = tmp_path / "自评表.xlsx"
    shutil.copyfile(EXAMPLE, src)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    assert dry_run.main([str(src)]) == 0
    out = capsys.readouterr().out
    assert "弹出提示：发现" in out and "批注 " in out and "新建工作表“校验结果”" in out
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before  # input untouched
    copy = tmp_path / "自评表_点击结果.xlsx"
    wb = openpyxl.load_workbook(copy)
    assert "校验结果" in wb.sheetnames
    ws = wb.worksheets[0]
    commented = [c for row in ws.iter_rows() for c in row if c.comment]
    assert commented and all(c.comment.author == "jixiao" for c in commented)
    # every value the click writes is in the copy, at the cell the action names
    writes = [a for a in dry_run.click(src) if a["func"] == "setValues" and a["sheet_position"] == 0]
    assert writes
    for action in writes:
        for i, row in enumerate(action["values"]):
            for j, value in enumerate(row):
                cell = ws.cell(action["start_row"] + 1 + i, action["start_column"] + 1 + j)
                assert cell.value == (None if value == "" else value)


def test_no_write_and_refusals(tmp_path: Path, licensed, capsys, monkeypatch) -> None:
    src = tmp_path / "a.xlsx"
    shutil.copyfile(EXAMPLE, src)
    assert dry_run.main([str(src), "--no-write"]) == 0
    assert list(tmp_path.iterdir()) == [src]
    fake = tmp_path / "假.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    assert dry_run.main([str(fake)]) == 2
    assert "假.xlsx" in capsys.readouterr().err
    monkeypatch.delenv(LICENSE_ENV)
    assert dry_run.main([str(src)]) == 2
    assert "jixiao fill" in capsys.readouterr().err
