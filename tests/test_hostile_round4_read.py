"""Red-team round 3, open items of the reader and the add-in (issue 11):

- overlapping merged ranges: one refusal (J519) in check, fill, merge and the add-in, not a
  confident "项目名称未填写" and a grade, nor "没有可识别的自评表";
- a money cell that holds what is not a number (#DIV/0!, “50²”, “47½”) is unread, not
  empty: no F110 "未填写", its R005, and no rate / total / grade derived from it — the same
  in every command and in the add-in;
- the add-in reads a cell showing an Excel error as that error (xlwings returns None by
  default), as check and fill do;
- an unexpected error in the add-in: a Chinese alert naming a log file, the traceback in
  the log, written atomically and never through a link.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import jixiao
import openpyxl
import pytest
from hostile_round3 import gen
from jixiao.processor.core.grid import Grid, overlapping_merges
from xlwings_remote import actions, make_book, sheet_json

# ------------------------------------------------------------------ overlapping merged ranges


def _shares_a_cell(a, b) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def test_overlapping_merges_finds_a_pair_exactly_when_two_ranges_share_a_cell():
    rng = random.Random(11)
    for _ in range(3000):
        ranges = []
        for _ in range(rng.randint(0, 7)):
            r, c = rng.randint(1, 9), rng.randint(1, 9)
            ranges.append((r, c, r + rng.randint(0, 3), c + rng.randint(0, 3)))
        pair = overlapping_merges(ranges)
        assert (pair is not None) == any(_shares_a_cell(a, b) for a, b in itertools.combinations(ranges, 2))
        if pair is not None:
            assert pair[0] in ranges and pair[1] in ranges and _shares_a_cell(*pair)


def test_overlapping_merges_is_not_pairwise():
    """100,000 disjoint merges (every other cell pair of 1,000 rows, and 16,384 tall columns
    beside 90,000 short rows) are swept, not compared two by two (5·10⁹ pairs)."""
    tiles = [(r, c, r, c + 1) for r in range(1, 1001) for c in range(1, 200, 2)]
    assert overlapping_merges(tiles) is None
    columns = [(1, c, 100_000, c) for c in range(1, 16_385)] + [(r, 20_000, r, 20_001) for r in range(1, 90_000)]
    assert overlapping_merges(columns) is None
    assert overlapping_merges([*tiles, (1000, 199, 1003, 199)]) == ((1000, 199, 1000, 200), (1000, 199, 1003, 199))


def _overlapping(tmp_path: Path, name: str = "重叠.xlsx") -> Path:
    p = gen.parts()
    x = p[gen.S].decode()
    assert '<mergeCell ref="B3:I3"' in x  # the example's own 项目名称 merge
    x = x.replace("</mergeCells>", '<mergeCell ref="A1:I30"/></mergeCells>', 1)
    p[gen.S] = x.encode()
    return gen.write(tmp_path / name, p)


def _refusal(findings) -> Any:
    (found,) = [f for f in findings if f.code == "J519"]
    return found


def test_check_refuses_overlapping_merges_with_one_reason(tmp_path):
    """check read a title merged over the whole form as the project name's cell: "项目名称未填写"
    (R006) and a grade, or nothing at all ("没有可识别的自评表")."""
    path = _overlapping(tmp_path)
    report = jixiao.check(path)
    found = _refusal(report.findings)
    assert {found.params["first"], found.params["second"]} & {"A1:I30"}
    assert found.params["sheet"] == "自评表" and "重叠" in found.message
    assert not report.sheets and report.exit_code == 2
    assert not [f for f in report.findings if f.code in ("R006", "J503")]


def test_fill_and_merge_refuse_overlapping_merges_alike(tmp_path):
    path = _overlapping(tmp_path / "in")
    filled = jixiao.fill(path, tmp_path / "out.xlsx")
    assert _refusal(filled.findings) and not filled.written and not (tmp_path / "out.xlsx").exists()
    good = tmp_path / "in" / "好.xlsx"
    good.write_bytes(gen.BASE.read_bytes())
    summary = jixiao.merge(tmp_path / "in")
    assert len(summary.result.projects) == 1  # the other file is still merged
    refused = _refusal(summary.findings)
    assert refused.file.endswith("重叠.xlsx")


def _book_from_file(xw, path: Path, **extra: Any) -> Any:
    """The first sheet as an Excel client sends it: shown values from A1, "" for blanks."""
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    values = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
    return make_book(xw, [sheet_json(ws.title, values, **extra)])


def _alerts(book) -> list[str]:
    return [a["args"][0] for a in actions(book, "alert")]


def test_the_add_in_refuses_overlapping_merges_and_writes_nothing(xw, tmp_path):
    path = _overlapping(tmp_path)
    book = _book_from_file(xw, path, merged_ranges=["$A$1:$I$30", "B3:I3", "A12:A20"])
    jixiao.main()
    (alert,) = _alerts(book)
    assert "重叠" in alert and "A1:I30" in alert and "B3:I3" in alert
    assert [a for a in actions(book) if a["func"] != "alert"] == []


def test_the_dry_run_refuses_overlapping_merges_as_check_does(tmp_path, monkeypatch, capsys):
    """python -m jixiao sent no merged ranges, and openpyxl empties the cells under a merge:
    the click said "不是项目支出绩效自评表". Now the payload carries the ranges, as a client's does."""
    from jixiao import dry_run

    monkeypatch.setenv(dry_run.LICENSE_ENV, "noncommercial")
    dry_run.main([str(_overlapping(tmp_path)), "--no-write"])
    out = capsys.readouterr().out
    assert "重叠" in out and "不是项目支出绩效自评表" not in out


def test_the_engine_refuses_overlap_for_every_adapter_alike():
    """One place (the engine's sheet entry): a grid from any reader is refused the same way."""
    from jixiao.processor.core.engine import check_grid, check_sheet
    from jixiao.processor.core.errors import InputError

    grid = Grid("表", [["项目支出绩效自评表"]], merged=[(1, 1, 30, 9), (3, 2, 3, 9)])
    for call in (check_sheet, check_grid):
        with pytest.raises(InputError) as err:
            call(grid, "x.xlsx")
        assert err.value.code == "J519" and "A1:I30 与 B3:I3 重叠" in str(err.value)


# ------------------------------------------------------------------ money that is not a number


CELLS = {
    "div0": '<c r="{ref}" s="6" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    "footnote": '<c r="{ref}" s="6" t="inlineStr"><is><t>50²</t></is></c>',
    "half": '<c r="{ref}" s="6" t="inlineStr"><is><t>47½</t></is></c>',
}


def _money(tmp_path: Path, ref: str, kind: str) -> Path:
    p = gen.parts()
    gen.cell(p, ref, CELLS[kind].format(ref=ref))
    gen.cell(p, "B3", gen.istr("B3", f"项目{ref}{kind}", 4))  # merge keeps one version of a project
    return gen.write(tmp_path / f"{ref}_{kind}.xlsx", p)


def _codes(findings) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        out.setdefault(f.code, set()).add(f.cell)
    return out


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("ref", ["E7", "F7"])
def test_an_unreadable_part_row_amount_is_not_called_missing(tmp_path, ref, kind):
    """“其中：当年财政拨款” 全年预算数 #DIV/0!: check said both "…未填写" (F110) and
    "应为数字" (R005). The cell is filled; only R005 is true. The total (from 年度资金总额,
    read in full) still stands; the parts' sum is not compared (F101 needs the part)."""
    path = _money(tmp_path, ref, kind)
    (sheet,) = jixiao.check(path).sheets
    codes = _codes(sheet.findings)
    assert ref in codes.get("R005", set())
    assert "F110" not in codes and "F101" not in codes
    assert sheet.scores.total_score is not None and sheet.scores.execution_rate == pytest.approx(0.95)


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("ref", ["E6", "F6"])
def test_an_unreadable_total_amount_gives_no_rate_total_or_grade(tmp_path, ref, kind):
    path = _money(tmp_path, ref, kind)
    (sheet,) = jixiao.check(path).sheets
    codes = _codes(sheet.findings)
    assert ref in codes.get("R005", set()) and "R025" in codes
    assert "F110" not in codes
    s = sheet.scores
    assert (s.execution_rate, s.execution_score, s.total_score, s.grade) == (None, None, None, None)


def test_fill_and_merge_say_the_same_of_an_unreadable_amount(tmp_path):
    src = tmp_path / "in"
    total = _money(src, "F6", "div0")
    part = _money(src, "E7", "half")
    checked = {Path(r.file).name: _codes([x for s in r.sheets for x in s.findings]) for r in jixiao.check(src, cross_check=False).results}
    filled = jixiao.fill(src, tmp_path / "out")
    for result in filled.results:
        codes = _codes([x for s in result.sheets for x in s.findings])
        assert codes == checked[Path(result.file).name]
        assert "F110" not in codes
    summary = jixiao.merge([total, part])
    rows = {Path(p["file"]).name: p for p in summary.tables()["projects"]}
    assert rows[total.name]["total_score"] is None and rows[total.name]["grade"] in (None, "")
    assert rows[part.name]["total_score"] is not None
    assert not [f for f in summary.findings if f.code == "F110"]


# ------------------------------------------------------------------ the add-in reads error cells


def test_the_add_in_grid_holds_an_error_cell_as_check_reads_it(xw, tmp_path):
    """xlwings returns a cell showing #DIV/0! as None unless asked (err_to_str): the button
    said "全年预算数未填写" where check says "应为数字，实为“#DIV/0!”"."""
    from jixiao.processor.files.calamine_read import load_workbook
    from jixiao.processor.files.xlwings_read import read_grid_from_sheet

    path = _money(tmp_path, "E6", "div0")
    book = _book_from_file(xw, path)
    grid = read_grid_from_sheet(book.sheets.active)
    calamine = load_workbook(path).grids[0]
    assert grid.get(6, 5) == calamine.get(6, 5) == "#DIV/0!"


@pytest.mark.parametrize("ref", ["E6", "E7"])
def test_the_add_in_finds_what_check_finds_in_an_error_cell(xw, tmp_path, ref):
    path = _money(tmp_path, ref, "div0")
    (sheet,) = jixiao.check(path).sheets
    expected = {(f.code, f.cell) for f in sheet.findings}
    book = _book_from_file(xw, path)
    jixiao.main()
    notes = {a["args"][0].replace("$", ""): a["args"][1] for a in actions(book, "addNote")}
    assert "R005" in notes[ref] and "#DIV/0!" in notes[ref]
    assert not any("F110" in text for text in notes.values())
    shown = {(code, cell) for code, cell in expected if any(code in t for c, t in notes.items() if c == cell)}
    assert shown == expected  # every finding of check is a note at its cell, and only those


# ------------------------------------------------------------------ unexpected error in the add-in


@pytest.fixture
def broken_engine(monkeypatch):
    """The engine fails in a way nobody foresaw, with an English message."""
    import types

    import jixiao.processor.core.engine as engine

    state = types.SimpleNamespace(error=KeyError("list index out of range in ReaderState"))

    def check_sheet(grid, file, profile):
        raise state.error

    monkeypatch.setattr(engine, "check_sheet", check_sheet)
    return state


def _ascii_words(text: str) -> list[str]:
    import re

    return re.findall(r"[A-Za-z]{3,}", text.replace(".log", "").replace("jixiao", ""))


def test_an_unexpected_error_gives_a_chinese_alert_and_the_traceback_in_the_log(xw, broken_engine, tmp_path):
    book = _book_from_file(xw, gen.BASE)
    jixiao.main()
    (alert,) = _alerts(book)
    log = tmp_path / "log" / jixiao.LOG_NAME
    assert str(log) in alert and "\n" not in alert
    assert "工作簿未被修改" in alert and "重试" in alert and "技术支持" in alert
    assert "ReaderState" not in alert and not _ascii_words(alert.replace(str(log), ""))
    text = log.read_text(encoding="utf-8")
    assert "KeyError" in text and "ReaderState" in text and "Traceback" in text
    assert "自评表.xlsx" in text and "尚未写入" in text
    assert [a for a in actions(book) if a["func"] != "alert"] == []


def test_an_error_while_writing_says_the_sheet_may_be_half_changed(xw, tmp_path, monkeypatch):
    import jixiao.processor.files.xlwings_write as writer

    def apply_plan(book, sheet, plan):
        raise RuntimeError("COM object disconnected")

    monkeypatch.setattr(writer, "apply_plan", apply_plan)
    book = _book_from_file(xw, gen.BASE)
    jixiao.main()
    (alert,) = _alerts(book)
    assert "可能只改了一部分" in alert and "不保存" in alert and "COM" not in alert
    assert "写入工作簿时" in (tmp_path / "log" / jixiao.LOG_NAME).read_text(encoding="utf-8")


def test_the_log_is_never_written_through_a_link(xw, broken_engine, tmp_path):
    outside = tmp_path / "别处.txt"
    outside.write_text("原有内容", encoding="utf-8")
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / jixiao.LOG_NAME).symlink_to(outside)
    book = _book_from_file(xw, gen.BASE)
    jixiao.main()
    (alert,) = _alerts(book)
    assert outside.read_text(encoding="utf-8") == "原有内容"
    assert "未能写入日志" in alert and "意外错误" in alert and not _ascii_words(alert)


def test_the_log_folder_may_not_be_a_link_below_the_users_profile(tmp_path, monkeypatch):
    from jixiao import incident

    home = tmp_path / "home"
    elsewhere = tmp_path / "共享盘"
    home.mkdir()
    elsewhere.mkdir()
    (home / ".jixiao").symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.delenv("JIXIAO_LOG_DIR", raising=False)
    monkeypatch.setattr(incident.sys, "platform", "linux")
    monkeypatch.setattr(incident.Path, "home", classmethod(lambda cls: home))
    with pytest.raises(OSError):
        incident.write_entry(ValueError("x"), writing=False)
    assert list(elsewhere.iterdir()) == []


def test_the_log_keeps_earlier_entries_and_stays_bounded(tmp_path, monkeypatch):
    from jixiao import incident

    monkeypatch.setenv("JIXIAO_LOG_DIR", str(tmp_path))
    monkeypatch.setattr(incident, "KEEP_BYTES", 4000)
    for i in range(40):
        path = incident.write_entry(ValueError(f"第{i}次"), writing=False, book_name="表.xlsx")
    text = path.read_text(encoding="utf-8")  # a cut inside a character would not decode
    assert len(text.encode()) <= 4000 and "第39次" in text and "第0次" not in text
    assert text.count("=== ") >= 2 and [p.name for p in tmp_path.iterdir()] == [jixiao.LOG_NAME]
