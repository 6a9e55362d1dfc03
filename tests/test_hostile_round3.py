"""Red-team round 3: attacks built by tests/hostile_round3/gen.py that found a real problem."""

from __future__ import annotations

import jixiao
import openpyxl
import pytest
from hostile_round3 import gen
from jixiao.processor.files.calamine_read import load_workbook
from jixiao.processor.files.openpyxl_read import grids_from_openpyxl


def _cached_errors(tmp_path):
    p = gen.parts()
    gen.cell(p, "E6", '<c r="E6" s="6" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    gen.cell(p, "I6", '<c r="I6" s="6" t="e"><v>#REF!</v></c>')  # an error without a formula
    return gen.write(tmp_path / "错误值.xlsx", p)


def test_a_cell_holding_an_excel_error_is_read_as_that_error_not_as_empty(tmp_path):
    """calamine reads #DIV/0! as an empty cell: check said only "全年预算数未填写" and said
    nothing of a #REF! score, while fill (openpyxl) saw both errors."""
    path = _cached_errors(tmp_path)
    found = {(f.code, f.cell, f.params.get("found")) for f in jixiao.check(path).findings}
    assert ("R005", "E6", "#DIV/0!") in found
    assert ("R005", "I6", "#REF!") in found


def test_check_and_fill_read_error_cells_alike(tmp_path):
    path = _cached_errors(tmp_path)
    grid = grids_from_openpyxl(openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True))[0]
    calamine = load_workbook(path).grids[0]
    for row, col in ((6, 5), (6, 9)):
        assert calamine.get(row, col) == grid.get(row, col) != ""


def test_an_output_name_too_long_for_the_file_system_is_explained_in_chinese(tmp_path, capsys):
    """A submitted name of 83 汉字 is a legal file; its copy "…_已校验.xlsx" is over 255 bytes:
    fill printed the operating system's English "File name too long"."""
    import shutil

    from jixiao.processor.cli.main import main

    src = tmp_path / ("长" * 83 + ".xlsx")
    shutil.copy(gen.BASE, src)
    out = tmp_path / "out"
    code = main(["fill", str(tmp_path), "-o", str(out)])
    said = capsys.readouterr()
    assert code == 2
    assert not list(out.glob("*.xlsx"))
    assert "文件名过长" in said.out + said.err
    assert "too long" not in said.out + said.err


def test_os_reason_never_passes_english_through():
    import errno

    from jixiao.processor.files.atomic import UnsafeOutput
    from jixiao.processor.files.fileio import os_reason

    for num in (errno.ENAMETOOLONG, errno.EACCES, errno.ENOSPC, errno.EROFS, errno.EXDEV, 9999):
        reason = os_reason(OSError(num, "English text"))
        assert reason and not reason.isascii() and "English" not in reason
    assert os_reason(UnsafeOutput("“x”不在输出文件夹之内", "x")) == "“x”不在输出文件夹之内"
    assert not os_reason(TimeoutError("timed out")).isascii()


def test_fill_refuses_copies_whose_names_differ_only_in_case_or_normalisation(tmp_path):
    """Case.xlsx and case.xlsx (or é composed and decomposed), legal side by side on Linux,
    gave two copies that are one file on Windows and macOS: the second silently replaced
    the first there. Now the second is refused with J556, naming the first."""
    import shutil
    import unicodedata

    src = tmp_path / "in"
    src.mkdir()
    for name in ("Case.xlsx", "case.xlsx", unicodedata.normalize("NFC", "é.xlsx"),
                 unicodedata.normalize("NFD", "é.xlsx")):
        shutil.copy(gen.BASE, src / name)
    report = jixiao.fill(src, tmp_path / "out")
    refused = [f for f in report.findings if f.code == "J556"]
    assert len(refused) == 2
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 2


CONTROLS = ("\x1b", "\x07", "\x00", "\u202e")


def test_merge_csv_never_carries_an_escape_sequence_from_a_submitted_name(tmp_path):
    """A project name written with OOXML's _x001B_ escape reached projects.csv raw:
    ``type projects.csv`` retitled the terminal and cleared the screen."""
    p = gen.parts()
    gen.cell(p, "B3", '<c r="B3" s="4" t="inlineStr"><is><t>项目_x001B_]0;pwned_x0007__x001B_[2J_x0000_'
                      '\u202e尾</t></is></c>')
    gen.write(tmp_path / "in" / "x.xlsx", p)
    jixiao.merge(tmp_path / "in").write_csv(tmp_path / "csv")
    text = (tmp_path / "csv" / "projects.csv").read_text(encoding="utf-8-sig")
    assert "项目" in text and "\\u001b]0;pwned" in text
    assert not any(c in text for c in CONTROLS)


def test_the_collect_register_csv_shows_controls_in_attachment_names_escaped(tmp_path):
    """An attachment named "项目\\x1b[2J.xlsx" or "name\\x00.xlsx" was written raw into
    收件登记.csv — a NUL the register's own reader then refuses as damaged."""
    from jixiao.processor.collect.manifest import ManifestEntry, _read_csv, render_csv

    names = ["项目\x1b[2J.xlsx", "name\x00.xlsx", "\u202egnp.xlsx", "\t=1+2.xlsx"]
    text = render_csv([ManifestEntry("saved", sender="a@b.cn", attachment=name) for name in names])
    assert not any(c in text for c in CONTROLS)
    path = tmp_path / "收件登记.csv"
    path.write_text(text, encoding="utf-8-sig")
    assert len(_read_csv(path)) == len(names)


@pytest.mark.parametrize("text", ["50²", "47.5¹", "④7.5", "5⓪"])
def test_a_footnote_mark_or_circled_digit_is_not_read_into_the_number(text):
    """NFKC made "50²" (a footnote mark) 502 万元: confident F101/F103/F104 errors and a
    grade computed from a budget ten times too large."""
    from jixiao.processor.core.values import parse_money, parse_number

    assert parse_number(text).ok is False and parse_number(text).value is None
    assert parse_money(text)[0].value is None


def test_full_width_digits_are_still_numbers():
    from jixiao.processor.core.values import parse_number

    assert parse_number("４７．５").value == 47.5
    assert parse_number("５０万元").value == 50


def test_the_dry_run_names_the_sheet_an_action_really_touches_after_a_new_sheet():
    """With two sheets, python -m jixiao listed the 校验结果 rows as written into the
    second form ("写入 自评表(2)!A1:H17") though the add-in wrote them into 校验结果."""
    from jixiao.dry_run import _follow_sheets, describe

    sheets = ["自评表", "自评表(2)"]
    actions = [{"func": "addSheet", "args": [1, "校验结果"]},
               {"func": "setValues", "values": [["x"]], "sheet_position": 1, "start_row": 0,
                "start_column": 0, "row_count": 1, "column_count": 1}]
    shown = []
    for action in actions:
        shown.append(describe(action, sheets))
        _follow_sheets(action, sheets)
    assert shown[1] == "写入 校验结果!A1 = x"
    assert sheets == ["自评表", "校验结果", "自评表(2)"]


@pytest.mark.parametrize(("attack", "words"), [("sheet_name", "文件已损坏"), ("strict", "严格 Open XML")])
def test_the_dry_run_refuses_a_workbook_openpyxl_cannot_read_in_one_chinese_line(tmp_path, attack, words, capsys,
                                                                                  monkeypatch):
    """A sheet named "自评'表]=A1!#" gave an openpyxl traceback; a Strict Open XML file gave
    an empty workbook and the alert "意外错误（list index out of range）"."""
    from jixiao import dry_run

    p = gen.parts()
    if attack == "sheet_name":
        p["xl/workbook.xml"] = p["xl/workbook.xml"].replace("自评表".encode(), "自评&apos;表]=A1!#".encode())
    else:
        for k in list(p):
            if k.endswith((".xml", ".rels")):
                p[k] = p[k].replace(gen.NS_T.encode(), b"http://purl.oclc.org/ooxml/spreadsheetml/main").replace(
                    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                    b"http://purl.oclc.org/ooxml/officeDocument/relationships")
    path = gen.write(tmp_path / "x.xlsx", p)
    monkeypatch.setenv(dry_run.LICENSE_ENV, "noncommercial")
    assert dry_run.main([str(path), "--no-write"]) == 2
    said = capsys.readouterr()
    assert "Traceback" not in said.err and "index out of range" not in said.out + said.err
    assert said.err.count("\n") == 1 and words in said.err
