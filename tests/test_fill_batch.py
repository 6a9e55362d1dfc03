"""``jixiao fill`` for the collector: folders and several files, protected workbooks."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from jixiao.processor.cli.main import main
from jixiao.processor.core.errors import InputError
from jixiao.processor.files.openpyxl_write import fill_file
from openpyxl import load_workbook
from openpyxl.workbook.protection import WorkbookProtection
from xlsx_snapshot import snapshot

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """A collector's folder: two units, a bad file, a lock file, an attachment that is not a table."""
    root = tmp_path / "收件"
    (root / "单位A").mkdir(parents=True)
    (root / "单位B" / "补报").mkdir(parents=True)
    shutil.copyfile(EXAMPLES / "01_信访宣传项目经费.xlsx", root / "单位A" / "01.xlsx")
    shutil.copyfile(EXAMPLES / "02_信访工作经费.xlsx", root / "单位A" / "02.xlsm")
    shutil.copyfile(EXAMPLES / "06_正确示例_某项目.xlsx", root / "单位B" / "补报" / "06.xlsx")
    (root / "单位B" / "坏文件.xlsx").write_bytes(b"not a workbook at all")
    (root / "单位B" / "~$01.xlsx").write_bytes(b"lock")
    (root / "单位B" / "说明.pdf").write_bytes(b"%PDF-1.4")
    return root


def test_folder_to_folder_mirrors_the_tree_one_line_per_file(inbox: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = {p: _sha(p) for p in inbox.rglob("*") if p.is_file()}
    out = tmp_path / "已校验"
    assert main(["fill", str(inbox), "-o", str(out)]) == 2  # one file could not be processed
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("[1/4] 单位A/01.xlsx → ") and "总分 110（优）" in lines[0]
    assert lines[1].startswith("[2/4] 单位A/02.xlsm → ") and lines[1].split(" → ")[1].startswith(
        str(out / "单位A" / "02_已校验.xlsx"))
    assert lines[2].startswith("[3/4] 单位B/坏文件.xlsx：未处理：") and "不是 Excel 工作簿" in lines[2]
    assert lines[3].startswith("[4/4] 单位B/补报/06.xlsx → ") and "发现 0 个错误" in lines[3]
    assert lines[4] == "共 4 个文件：已写入 3 个（其中 2 个有错误），1 个未处理。"
    assert len(lines) == 5
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xlsx")) == [
        "单位A/01_已校验.xlsx", "单位A/02_已校验.xlsx", "单位B/补报/06_已校验.xlsx"]
    assert {p: _sha(p) for p in inbox.rglob("*") if p.is_file()} == before  # inputs untouched
    # a second run over its own output: the copies are not inputs again
    assert main(["fill", str(out), "-o", str(tmp_path / "再次")]) == 2
    assert "没有 .xlsx" in capsys.readouterr().out
    # filling a copy again gives the same copy
    copy = out / "单位A" / "01_已校验.xlsx"
    assert snapshot(fill_file(copy, tmp_path / "again.xlsx").output) == snapshot(copy)


def test_several_inputs_and_outputs_beside_them(inbox: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    single = tmp_path / "04.xlsx"
    shutil.copyfile(EXAMPLES / "04_服务经费.xlsx", single)
    assert main(["fill", str(inbox / "单位A"), str(single)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(" → ")[0] for line in lines[:3]] == ["[1/3] 单位A/01.xlsx", "[2/3] 单位A/02.xlsm",
                                                           "[3/3] 04.xlsx"]
    assert lines[-1] == "共 3 个文件：已写入 3 个（其中 3 个有错误），0 个未处理。"
    assert (inbox / "单位A" / "01_已校验.xlsx").is_file() and (tmp_path / "04_已校验.xlsx").is_file()
    # the copies are not inputs of the next run, and the output folder inside the inbox neither
    capsys.readouterr()
    assert main(["fill", str(inbox / "单位A"), "-o", str(inbox / "单位A" / "输出")]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "共 2 个文件：已写入 2 个（其中 2 个有错误），0 个未处理。"
    assert main(["fill", str(inbox / "单位A"), "-o", str(inbox / "单位A" / "输出")]) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1] == lines[-1]


@pytest.mark.parametrize("args,needle", [
    (["-o", "汇总.xlsx"], "输出文件夹"),
    (["--in-place", "-o", "x"], "--in-place"),
])
def test_batch_usage_errors(inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args, needle) -> None:
    args = [str(tmp_path / a) if a in ("汇总.xlsx", "x") else a for a in args]
    assert main(["fill", str(inbox), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
    assert not list(tmp_path.glob("汇总*")) and not (tmp_path / "x").exists()


def test_a_missing_path_is_counted(inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fill", str(inbox / "单位A"), str(tmp_path / "没有.xlsx"), "-o", str(tmp_path / "o")]) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].startswith("[3/3] 没有.xlsx：未处理：") and "找不到" in lines[-2]
    assert lines[-1] == "共 3 个文件：已写入 2 个（其中 2 个有错误），1 个未处理。"


# --------------------------------------------------------------------------- protection


def _protected(tmp_path: Path, sheet: bool = True) -> Path:
    path = tmp_path / "保护.xlsx"
    wb = load_workbook(EXAMPLES / "02_信访工作经费.xlsx")
    if sheet:
        wb["自评表"].protection.sheet = True
    else:
        wb.security = WorkbookProtection(lockStructure=True)
    wb.save(path)
    return path


@pytest.mark.parametrize("sheet,what", [(True, "工作表“自评表”"), (False, "工作簿结构")])
def test_protected_sheet_or_book_is_refused_before_anything_is_written(tmp_path: Path, sheet: bool, what: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    src = _protected(tmp_path, sheet)
    before = _sha(src)
    with pytest.raises(InputError) as err:
        fill_file(src, tmp_path / "o.xlsx")
    assert err.value.code == "J520" and err.value.detail.startswith(f"{what}受保护，未做任何修改")
    assert main(["fill", str(src), "--in-place"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"jixiao：{src}：{what}受保护") and "撤销" in line
    assert _sha(src) == before and sorted(p.name for p in tmp_path.iterdir()) == ["保护.xlsx"]


def test_a_protected_file_in_a_batch_is_reported_and_the_batch_goes_on(inbox: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copyfile(_protected(tmp_path), inbox / "单位A" / "00.xlsx")
    assert main(["fill", str(inbox / "单位A"), "-o", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "[1/3] 00.xlsx：未处理：工作表“自评表”受保护，未做任何修改：请先撤销保护（审阅 → 撤销工作表保护）后再校验"
    assert lines[-1] == "共 3 个文件：已写入 2 个（其中 2 个有错误），1 个未处理。"
    assert not (tmp_path / "out" / "00_已校验.xlsx").exists()


def test_a_protected_sheet_that_is_not_written_does_not_stop_fill(tmp_path: Path) -> None:
    """A locked cover sheet (common in forms sent down by a finance bureau) is left alone."""
    path = tmp_path / "封面受保护.xlsx"
    wb = load_workbook(EXAMPLES / "02_信访工作经费.xlsx")
    cover = wb.create_sheet("填表说明", 0)
    cover["A1"] = "请按要求填写"
    cover.protection.sheet = True
    wb.save(path)
    out = fill_file(path, tmp_path / "o.xlsx").output
    assert load_workbook(out)["自评表"]["I6"].value == 10


def test_one_file_into_an_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").mkdir()
    assert main(["fill", str(EXAMPLES / "04_服务经费.xlsx"), "-o", str(tmp_path / "out")]) == 1
    assert (tmp_path / "out" / "04_服务经费_已校验.xlsx").is_file()
    assert capsys.readouterr().out.strip().splitlines()[-1] == "共 1 个文件：已写入 1 个（其中 1 个有错误），0 个未处理。"
