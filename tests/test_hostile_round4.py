"""Red-team round 3, open items: one verdict for every command (check, fill, merge, the
add-in's dry run) on Strict Open XML, a listed sheet without content and hidden sheets;
and a bounded fill of a form with thousands of findings. Attacks from tests/hostile_round3/gen.py."""

from __future__ import annotations

import json
import shutil

import jixiao
import pytest
from hostile_round3 import gen


def strict_ooxml(path):
    """examples/06 saved as Strict Open XML: the same parts in purl.oclc.org namespaces."""
    p = gen.parts()
    for k in list(p):
        if k.endswith((".xml", ".rels")):
            p[k] = p[k].replace(gen.NS_T.encode(), b"http://purl.oclc.org/ooxml/spreadsheetml/main").replace(
                gen.NS_R.encode(), b"http://purl.oclc.org/ooxml/officeDocument/relationships")
    return gen.write(path, p)


def missing_part(path):
    """workbook.xml lists a second sheet “附表” whose part is not in the package."""
    p = gen.add_sheet(gen.parts(), "附表", b"", part="xl/worksheets/sheet9.xml")
    del p["xl/worksheets/sheet9.xml"]
    return gen.write(path, p)


def missing_relationship(path):
    """workbook.xml names its only sheet by a relationship id the relationships lack."""
    p = gen.parts()
    p["xl/workbook.xml"] = p["xl/workbook.xml"].replace(b'r:id="rId1"', b'r:id="rId77"')
    return gen.write(path, p)


def verdicts(path, tmp_path, capsys, monkeypatch):
    """{command: (code or None, the line the user reads)} for check, fill, merge and the dry run."""
    from jixiao import dry_run
    from jixiao.processor.cli.main import main

    out = {}
    report = jixiao.check(path)
    out["check"] = (report.refused[0].code, report.refused[0].message) if report.refused else (None, "")
    filled = jixiao.fill(path, tmp_path / "out.xlsx")
    out["fill"] = (filled.refused[0].code, filled.refused[0].message) if filled.refused else (None, "")
    folder = tmp_path / "merge"
    folder.mkdir(exist_ok=True)
    shutil.copy(path, folder / path.name)
    shutil.copy(gen.BASE, folder / "good.xlsx")  # so the merge has something to summarise
    row = next(r for r in jixiao.merge(folder).tables()["files"] if r["file"] == path.name)
    out["merge"] = (row["code"], row["reason"])
    capsys.readouterr()
    monkeypatch.setenv(dry_run.LICENSE_ENV, "noncommercial")
    code = dry_run.main([str(path), "--no-write"])
    said = capsys.readouterr()
    out["addin"] = ("refused" if code == 2 else None, said.err.strip())
    capsys.readouterr()
    assert main(["check", str(path)]) == 2
    out["cli"] = (None, capsys.readouterr().err.strip())
    return out


@pytest.mark.parametrize(("build", "code", "words"), [
    (strict_ooxml, "J515", "“严格 Open XML”格式"),
    (missing_part, "J516", "工作表“附表”"),
    (missing_relationship, "J516", "工作表“自评表”"),
])
def test_every_command_gives_the_same_chinese_line(tmp_path, capsys, monkeypatch, build, code, words):
    """Strict OOXML: check and merge graded it, fill said "没有可识别的自评表". A sheet listed
    without its part: check and merge refused the whole file ("文件已损坏"), fill and the
    add-in processed the rest. Now the guard decides once, naming the sheet."""
    path = build(tmp_path / "表.xlsx")
    seen = verdicts(path, tmp_path, capsys, monkeypatch)
    line = seen["check"][1]
    assert seen["check"][0] == seen["fill"][0] == seen["merge"][0] == code
    assert words in line and seen["fill"][1] == seen["merge"][1] == line
    assert seen["addin"][0] == "refused" and line in seen["addin"][1] and seen["addin"][1].count("\n") == 0
    assert line in seen["cli"][1] and seen["cli"][1].count("\n") == 0
    assert not (tmp_path / "out.xlsx").exists()


def test_strict_is_told_how_to_save_again():
    from jixiao.processor.core.findings import render

    message, fix = render("J515")
    assert "另存为" in message and "Excel 工作簿" in message  # the terminal shows only the message
    assert "Strict Open XML 电子表格" in fix


def test_an_ordinary_workbook_with_an_absolute_or_relative_sheet_target_still_passes(tmp_path):
    """The guard resolves "/xl/worksheets/sheet2.xml" and "worksheets/sheet2.xml" alike."""
    from jixiao.processor.files.guard import inspect

    p = gen.add_sheet(gen.parts(), "附表", gen.parts()[gen.S])  # an absolute target
    inspect(gen.write(tmp_path / "a.xlsx", p))
    p["xl/_rels/workbook.xml.rels"] = p["xl/_rels/workbook.xml.rels"].replace(
        b'Target="/xl/worksheets/sheet2.xml"', b'Target="worksheets/sheet2.xml"')
    inspect(gen.write(tmp_path / "b.xlsx", p))


# ------------------------------------------------------------------ hidden sheets


def hidden_second_form(path, state):
    """examples/06 plus a second form (另一个项目B) on a sheet of the given state."""
    p = gen.parts()
    second = p[gen.S].decode().replace("2024年度信访法律咨询服务项目（示例）", "另一个项目B").encode()
    return gen.write(path, gen.add_sheet(p, "自评表(2)", second, state=state))


def r030(findings):
    return [(f.sheet, f.params.get("how", "")) for f in findings if f.code == "R030"]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_check_reads_a_form_on_a_hidden_sheet_and_says_so(tmp_path, state):
    """A veryHidden sheet was silently ignored by check, merge and fill; a hidden one was read
    without a word. Both are read now, with R030 naming the sheet."""
    report = jixiao.check(hidden_second_form(tmp_path / "表.xlsx", state))
    assert {s.record.project.text for s in report.sheets} == {"2024年度信访法律咨询服务项目（示例）", "另一个项目B"}
    said = r030(report.findings)
    assert [sheet for sheet, _ in said] == ["自评表(2)"]
    assert ("VBA" in said[0][1]) == (state == "veryHidden")
    hidden = next(s for s in report.sheets if s.sheet == "自评表(2)")
    assert "R030" in {f.code for f in hidden.findings}
    assert "R030" not in {f.code for s in report.sheets if s.sheet == "自评表" for f in s.findings}


def test_a_visible_workbook_gets_no_hidden_sheet_finding(tmp_path):
    assert not r030(jixiao.check(hidden_second_form(tmp_path / "表.xlsx", None)).findings)


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_fill_reads_the_hidden_form_like_check_and_keeps_the_sheet_hidden(tmp_path, state):
    import openpyxl
    from jixiao.processor.core.marks import RESULT_SHEET

    src = hidden_second_form(tmp_path / "表.xlsx", state)
    checked = {(f.code, f.sheet, f.cell) for f in jixiao.check(src).findings}
    filled = jixiao.fill(src, tmp_path / "out.xlsx")
    assert {(f.code, f.sheet, f.cell) for f in filled.findings} == checked
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert wb["自评表(2)"].sheet_state == state
    page = [[c.value for c in row] for row in wb[RESULT_SHEET].iter_rows()]
    assert any(row[2] == "R030" and row[3] == "自评表(2)" for row in page)
    assert any("另一个项目B" in str(row[3]) for row in page)  # its summary block


def test_merge_lists_the_hidden_form_and_the_finding(tmp_path):
    folder = tmp_path / "in"
    hidden_second_form(folder / "表.xlsx", "veryHidden")
    tables = jixiao.merge(folder).tables()
    assert {r["project"] for r in tables["projects"]} == {"2024年度信访法律咨询服务项目（示例）", "另一个项目B"}
    rows = [r for r in tables["findings"] if r["code"] == "R030"]
    number = next(r["project_no"] for r in tables["projects"] if r["project"] == "另一个项目B")
    assert [(r["sheet"], r["project_no"]) for r in rows] == [("自评表(2)", number)]
    assert tables["files"][0]["warnings"] >= 1


def test_the_add_in_says_the_same_when_pointed_at_a_hidden_sheet(tmp_path, monkeypatch):
    """The button runs on the active sheet, which Excel never hides; the dry run can name
    another (--sheet), and the sheet's visibility reaches the engine as Office.js sends it."""
    from jixiao import dry_run

    monkeypatch.setenv(dry_run.LICENSE_ENV, "noncommercial")
    src = hidden_second_form(tmp_path / "表.xlsx", "veryHidden")
    assert dry_run.payload(src, "")["sheets"][1]["visibility"] == "VeryHidden"
    hidden = dry_run.click(src, "自评表(2)")
    shown = dry_run.click(src, "自评表")
    text = [str(a.get("values")) for a in hidden if a["func"] == "setValues"]
    assert any("R030" in t for t in text)
    assert not any("R030" in str(a.get("values")) for a in shown if a["func"] == "setValues")


def test_xlwings_sheet_state_from_either_engine():
    from types import SimpleNamespace

    from jixiao.processor.files.xlwings_read import sheet_state

    assert sheet_state(SimpleNamespace(api={"visibility": "VeryHidden"})) == "veryHidden"
    assert sheet_state(SimpleNamespace(api={"visibility": "Visible"})) == "visible"
    assert sheet_state(SimpleNamespace(api=SimpleNamespace(Visible=0))) == "hidden"
    assert sheet_state(SimpleNamespace(api=SimpleNamespace(Visible=-1))) == "visible"
    assert sheet_state(SimpleNamespace()) == "visible"


# ------------------------------------------------------------------ many findings: a bounded fill


def capped_rules(tmp_path, cap):
    path = tmp_path / "cap.json"
    path.write_text(json.dumps({"extends": "default", "id": "cap", "name": "上限", "limits": {"max_listed_findings": cap}}),
                    encoding="utf-8")
    return str(path)


def page_rows(wb):
    """The findings table of 校验结果: [序号, 级别, 代码, 工作表, 单元格, 问题, 修改建议, 原填写值] rows."""
    from jixiao.processor.core.marks import RESULT_SHEET
    from jixiao.processor.core.result_page import RESULT_HEADER

    rows = [[c.value for c in row] for row in wb[RESULT_SHEET].iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[:len(RESULT_HEADER)] == RESULT_HEADER)
    return [row for row in rows[start + 1:] if row[2]]


def test_fill_lists_and_marks_at_most_the_cap_and_counts_the_rest(tmp_path):
    """10,000 unmet indicators made fill write 10,000 notes and rows (minutes). Now at most
    max_listed_findings per sheet, the most severe first and every kind represented; one R031
    row counts the rest by code; check still lists every finding."""
    import openpyxl

    src = gen.write(tmp_path / "表.xlsx", gen.many_indicators(40, actual="0个"))
    rules = capped_rules(tmp_path, 10)
    every = jixiao.check(src, rules=rules).findings
    assert len([f for f in every if f.code == "I205"]) == 40  # check: unchanged, all of them
    filled = jixiao.fill(src, tmp_path / "out.xlsx", rules=rules)
    assert len(filled.findings) == len(every)
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    rows = page_rows(wb)
    listed, summary = rows[:-1], rows[-1]
    assert len(listed) == 10 and summary[2] == "R031"
    sheet_findings = [f for f in every if f.sheet == "自评表"]
    count = len(sheet_findings) - 10
    unlisted_i205 = 40 - sum(1 for r in listed if r[2] == "I205")
    assert f"另有 {count} 条" in summary[5] and f"I205 {unlisted_i205} 条" in summary[5]
    assert summary[1] == "错误"  # the worst of what it stands for
    assert "T301" in {r[2] for r in listed}  # the one 权重合计 error is not lost behind forty I205
    # marks only where a listed finding points
    ws = wb["自评表"]
    noted = {c.coordinate for row in ws.iter_rows() for c in row if c.comment}
    assert noted == {r[4] for r in listed if r[3] == "自评表" and r[4]}


def test_the_cap_is_said_in_the_terminal(tmp_path, capsys):
    from jixiao.processor.cli.main import main

    src = gen.write(tmp_path / "表.xlsx", gen.many_indicators(40, actual="0个"))
    main(["fill", str(src), "-o", str(tmp_path / "out.xlsx"), "--rules", capped_rules(tmp_path, 10)])
    said = capsys.readouterr()
    assert "未逐格标注" in said.err and "R031" not in said.err and "最多列出并标注 10 条" in said.err


def test_a_second_fill_of_the_output_changes_nothing(tmp_path):
    import openpyxl

    src = gen.write(tmp_path / "表.xlsx", gen.many_indicators(30, actual="0个"))
    rules = capped_rules(tmp_path, 10)
    jixiao.fill(src, tmp_path / "a.xlsx", rules=rules)
    jixiao.fill(tmp_path / "a.xlsx", tmp_path / "b.xlsx", rules=rules)
    a, b = (openpyxl.load_workbook(tmp_path / n) for n in ("a.xlsx", "b.xlsx"))
    assert page_rows(a) == page_rows(b)
    comments = [{c.coordinate: c.comment.text for row in wb["自评表"].iter_rows() for c in row if c.comment}
                for wb in (a, b)]
    assert comments[0] == comments[1]


def test_a_form_under_the_cap_is_untouched_by_it(tmp_path):
    import openpyxl

    src = gen.write(tmp_path / "表.xlsx", gen.many_indicators(5, actual="0个"))
    filled = jixiao.fill(src, tmp_path / "out.xlsx", rules=capped_rules(tmp_path, 100))
    rows = page_rows(openpyxl.load_workbook(tmp_path / "out.xlsx"))
    assert "R031" not in {r[2] for r in rows}
    assert len(rows) == len([f for f in filled.findings if f.sheet])


def test_the_add_in_follows_the_same_cap(tmp_path, monkeypatch):
    """One engine: the button's plan is build_plan with the profile's limits, as fill's is."""
    from jixiao import dry_run

    monkeypatch.setenv(dry_run.LICENSE_ENV, "noncommercial")
    from jixiao.processor.core.rules import default_limits

    cap = default_limits()["max_listed_findings"]
    src = gen.write(tmp_path / "表.xlsx", gen.many_indicators(cap + 20, actual="0个"))
    actions = dry_run.click(src)
    notes = [a for a in actions if a["func"] == "setNote" or a["func"] == "addNote" or "note" in a["func"].lower()]
    values = " ".join(str(a.get("values")) for a in actions if a["func"] == "setValues")
    assert "R031" in values and "未逐格标注" in values
    assert len(notes) <= cap


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_one_grid_and_one_sheet_say_alike_that_the_form_is_hidden(state):
    """check_grid (one form, the API's) and check_sheet (every form) share the R030 step."""
    import dataclasses

    from builders import Form, make_grid
    from jixiao.processor.core.engine import check_grid, check_sheet

    grid = dataclasses.replace(make_grid(Form()), state=state)
    one = check_grid(grid, "甲.xlsx")
    every = check_sheet(grid, "甲.xlsx")
    assert [f.code for f in one.findings if f.code == "R030"] == ["R030"]
    assert [f.message for f in one.findings] == [f.message for f in every[0].findings]
