"""``jixiao fill``: computed cells, marks, the 校验结果 sheet, idempotency, safety."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jixiao.processor.cli.main import main
from jixiao.processor.core.engine import check_file
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.grid import Grid
from jixiao.processor.core.ledger import CellEntry, Ledger, restore_grid
from jixiao.processor.core.marks import (
    COMPUTED,
    LEDGER_SHEET,
    MARK_FILL,
    NOTE_AUTHOR,
    RESULT_SHEET,
    compose_note,
    strip_ours,
)
from jixiao.processor.core.plan import KEEP, build_plan
from jixiao.processor.files.cell_marks import fill_from_tag, fill_tag
from jixiao.processor.files.openpyxl_page import read_ledger
from jixiao.processor.files.openpyxl_write import default_output, fill_file
from jixiao.processor.files.xlsx_cache import fill_cached_values
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import Color
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook
from xlsx_snapshot import findings_table, snapshot

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DATA = Path(__file__).resolve().parent / "data"
EXAMPLE_FILES = sorted(EXAMPLES.glob("0*.xlsx"))
INJECT_LINK = '=HYPERLINK("http://x","y")'
INJECT_SUM = "=1+1"
RED, YELLOW, BLUE, GREEN = (f"FF{MARK_FILL[s]}" for s in ("error", "warning", "info", COMPUTED))


# --------------------------------------------------------------------------- helpers


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _text(cell: Any, value: Any) -> None:
    """What a filler typing text into Excel produces: a string, even when it starts with =."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def build_foreign(path: Path, project: str = INJECT_LINK, indicator: str = INJECT_SUM,
                  rate_formula: bool = False) -> Path:
    """A table not made from our template: a cover sheet first, the form from column B,
    an inserted empty row, no 年初预算数 column, 执行率（B/A）, 分值 before 年度指标值,
    "产出指标(50分)" labels, merged level-1 cells, a 备注 column, the filler's own fill,
    a user note on a cell that will be marked, data validation, widths, print setup."""
    wb = Workbook()
    cover = wb.active
    cover.title = "封面"
    cover["A1"] = "说明：本工作簿由某区财政局下发"
    cover.column_dimensions["A"].width = 44
    ws = wb.create_sheet("绩效自评")
    ws["B1"] = "项目支出绩效自评表"
    ws.merge_cells("B1:K1")
    ws["B2"] = "（2023年度）"
    ws["B3"] = "项目名称"
    _text(ws["C3"], project)
    ws["B4"], ws["C4"], ws["F4"], ws["G4"] = "主管部门", "某区教育局", "实施单位", "某区教师进修学校"
    # row 5 left empty
    for col, head in zip("BDEFGHI", ("项目资金（万元）", "全年预算数（A）", "全年执行数（B）", "分值",
                                     "执行率（B/A）", "得分", "备注")):
        ws[f"{col}6"] = head
    ws["C7"], ws["D7"], ws["E7"], ws["F7"] = "年度资金总额:", 100, 80, 10
    ws["C8"], ws["D8"], ws["E8"], ws["F8"], ws["H8"] = "其中：本年财政拨款", 100, 80, "—", "—"
    if rate_formula:
        ws["G8"] = "=E8/D8"  # saved by openpyxl: a formula without a cached value
    ws["C9"], ws["F9"], ws["H9"] = "上年结转资金", "—", "—"
    ws["C10"], ws["F10"], ws["H10"] = "其他资金", "—", "—"
    ws.merge_cells("B7:B10")
    ws["B11"], ws["C11"], ws["G11"] = "年度总体目标", "预期目标", "实际完成情况"
    ws["C12"], ws["G12"] = "完成教师培训 100 人次", "完成教师培训 80 人次"
    for i, head in enumerate(("绩效指标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值",
                              "实际完成值", "得分", "偏差原因分析及改进措施", "备注")):
        ws.cell(13, 2 + i, head)
    rows = [
        ("产出指标(50分)", "数量指标", indicator, 30, "≥100人次", "80人次", None, "受疫情影响部分培训取消"),
        (None, "质量指标", "培训合格率", 20, "≥95%", "96%", 20, None),
        ("效益指标(30分)", "社会效益指标", "参训教师教学能力提升", 30, "≥90%", "92%", 30, None),
        ("满意度指标(10分)", "服务对象满意度指标", "参训教师满意度", 10, "≥90%", "95%", 10, None),
    ]
    for r, row in enumerate(rows, start=14):
        for c, value in enumerate(row):
            if value is not None:
                _text(ws.cell(r, 3 + c), value)
    ws.merge_cells("C14:C15")
    ws.merge_cells("B14:B17")
    ws["B18"], ws["F18"] = "总分", 100
    ws["I15"].fill = PatternFill("solid", fgColor="FFFFFF00")  # not marked: stays yellow
    ws["I14"].fill = PatternFill("solid", fgColor=Color(theme=4, tint=0.6))  # marked: restorable
    ws["I18"].comment = Comment("请财务科复核", "张三")
    dv = DataValidation(type="list", formula1='"优,良,中,差"')
    ws.add_data_validation(dv)
    dv.add("K18")
    ws.column_dimensions["D"].width = 30
    ws.row_dimensions[12].height = 40
    ws.print_area = "B1:K18"
    ws.page_setup.orientation = "landscape"
    wb.save(path)
    return path


def calamine_values(path: Path, sheet: str) -> list[list[Any]]:
    """The sheet as python-calamine (hence ``check`` and ``merge``) reads it, from A1."""
    wb = CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def result_table(path: Path) -> list[tuple]:
    """The findings table of the 校验结果 page (below the summary and the legend)."""
    return [r for _, r in findings_table(load_workbook(path)[RESULT_SHEET])]


def written_cells(outcome) -> set[str]:
    return {c.cell for c in outcome.plan.changes if c.value is not KEEP}


# --------------------------------------------------------------------------- seed examples


def test_example_02_missing_execution_score_is_filled(tmp_path: Path) -> None:
    src = tmp_path / "02.xlsx"
    shutil.copyfile(EXAMPLES / "02_信访工作经费.xlsx", src)
    before = sha(src)
    outcome = fill_file(src)
    assert sha(src) == before  # the input is byte-identical
    assert outcome.output == default_output(src) == tmp_path / "02_已校验.xlsx"
    ws = load_workbook(outcome.output)["自评表"]
    assert ws["I6"].value == 10
    assert ws["I6"].fill.fgColor.rgb == GREEN  # a value jixiao computed: its own look, not error red
    assert ws["I6"].comment.author == NOTE_AUTHOR
    note = ws["I6"].comment.text
    assert note.startswith("已填入计算结果（原为空）。") and "F105" in note and "修改建议" in note
    assert "〔" not in note  # no bookkeeping in the note
    assert ws["H20"].value == 110  # 总分 100 → 110, the filler's 100 named in the note and on 校验结果
    assert ws["H20"].comment.text.startswith("已填入计算结果（原为 100），对应等级：优。")
    assert ws["E6"].fill.fgColor.rgb == YELLOW  # F107 budget change, a warning
    assert ws["E6"].value == 2.48  # a marked cell keeps what the filler typed
    rows = result_table(outcome.output)
    findings = check_file(src).all_findings
    assert len(rows) == len(findings)
    assert rows[0][:5] == (1, "错误", "F105", "自评表", "I6")
    assert rows[0][7] == "（空）"  # the original value, where jixiao wrote its own
    assert next(r for r in rows if r[2] == "T304")[7] == "100"
    rs = load_workbook(outcome.output)[RESULT_SHEET]
    row = findings_table(rs)[0][0]
    assert rs.cell(row, 5).hyperlink.location == "'自评表'!I6"


def test_example_04_missing_total_is_filled(tmp_path: Path) -> None:
    out = fill_file(EXAMPLES / "04_服务经费.xlsx", tmp_path / "o.xlsx").output
    ws = load_workbook(out)["自评表"]
    assert ws["H20"].value == 110
    assert "T303" in ws["H20"].comment.text
    assert ws["H20"].comment.text.startswith("已填入计算结果（原为空），对应等级：优。")


@pytest.mark.parametrize("src", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_fill_twice_equals_fill_once(src: Path, tmp_path: Path) -> None:
    y = fill_file(src, tmp_path / "y.xlsx")
    z = fill_file(y.output, tmp_path / "z.xlsx")
    assert snapshot(y.output) == snapshot(z.output)
    assert [f.as_json() for f in y.findings] == [f.as_json() for f in z.findings]


@pytest.mark.parametrize("src", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_output_reads_like_the_input(src: Path, tmp_path: Path) -> None:
    """Filling changes only the engine's cells; everything else reads the same."""
    out = fill_file(src, tmp_path / "o.xlsx").output
    written = written_cells(fill_file(src, tmp_path / "o2.xlsx"))
    before = load_workbook(src).worksheets[0]  # 自评表, or 部门整体自评表 (example 07)
    after = load_workbook(out)[before.title]
    for row in before.iter_rows():
        for c in row:
            if c.coordinate not in written:
                assert after[c.coordinate].value == c.value, c.coordinate


# --------------------------------------------------------------------------- foreign layout


def test_foreign_layout_gets_computed_cells_and_marks(tmp_path: Path) -> None:
    src = build_foreign(tmp_path / "外单位.xlsx")
    before = sha(src)
    outcome = fill_file(src)
    assert sha(src) == before
    ws = load_workbook(outcome.output)["绩效自评"]
    # 执行率 (B/A) and its score on the 年度资金总额 row, 7 — not on the template's row 6
    assert ws["G7"].value == pytest.approx(0.8)
    assert "%" in ws["G7"].number_format
    assert ws["H7"].value == pytest.approx(8)
    assert ws["G8"].value == pytest.approx(0.8)
    # the quantitative indicator missed its target: 80/100 × 30 = 24, on row 14, column I
    assert ws["I14"].value == pytest.approx(24)
    assert ws["I18"].value == pytest.approx(92)  # 总分 = 8 + 24 + 20 + 30 + 10
    for cell in ("G7", "H7", "G8", "I14", "I18"):  # values jixiao wrote: the computed look
        assert ws[cell].fill.fgColor.rgb == GREEN, cell
        assert ws[cell].comment.author == NOTE_AUTHOR
    # the 其中 row's missing rate (F112, a warning) is filled in too
    assert "F112" in ws["G8"].comment.text
    assert "I202" in ws["I14"].comment.text
    assert "T303" in ws["I18"].comment.text
    # untouched cells of the filler
    assert ws["I15"].value == 20 and ws["I15"].fill.fgColor.rgb == "FFFFFF00"
    assert ws["F7"].value == 10 and not ws["F7"].comment
    # the user's own note on I18 is kept above ours
    assert ws["I18"].comment.text.startswith("请财务科复核\n\n—— jixiao 校验 ——\n已填入计算结果")
    # structure survives
    snap = snapshot(outcome.output)
    assert snap["sheets"] == ["封面", "绩效自评", RESULT_SHEET, LEDGER_SHEET]
    assert snap["封面"]["cells"]["A1"][0] == "说明：本工作簿由某区财政局下发"
    assert snap["封面"]["widths"] == {"A": 44}
    assert set(snap["绩效自评"]["merged"]) == {"B1:K1", "B7:B10", "B14:B17", "C14:C15"}
    assert snap["绩效自评"]["validation"] == [("K18", '"优,良,中,差"')]
    assert snap["绩效自评"]["widths"] == {"D": 30}
    assert snap["绩效自评"]["print"] == ("'绩效自评'!$B$1:$K$18", "landscape")
    assert load_workbook(outcome.output)["绩效自评"].row_dimensions[12].height == 40
    # every finding with a cell is listed and linked to that cell
    rows = result_table(outcome.output)[1:]
    cells = {r[4] for r in rows if r[3] == "绩效自评"}
    assert {"G7", "H7", "G8", "I14", "I18"} <= cells


def test_foreign_layout_fill_is_idempotent_and_restores_fills(tmp_path: Path) -> None:
    src = build_foreign(tmp_path / "f.xlsx")
    y = fill_file(src, tmp_path / "y.xlsx").output
    z = fill_file(y, tmp_path / "z.xlsx").output
    assert snapshot(y) == snapshot(z)
    assert result_table(y) == result_table(z)
    # the record keeps what every marked cell had; planning with no form left takes every
    # mark off again: the filler's values, fills (a theme colour too) and notes come back
    wb = load_workbook(z)
    ledger = read_ledger(wb)
    assert ledger.cells[("绩效自评", "I14")].fill_before == fill_tag(load_workbook(src)["绩效自评"]["I14"].fill)
    assert ledger.cells[("绩效自评", "I14")].fill_before.startswith("solid:t4~0.6:")
    assert ledger.cells[("绩效自评", "I18")].note_before == "请财务科复核"
    from jixiao.processor.files.openpyxl_write import apply_plan, looks_in

    apply_plan(wb, build_plan([], looks=looks_in(wb), ledger=ledger))
    ws = wb["绩效自评"]
    assert ws["I14"].fill.fgColor.theme == 4 and ws["I14"].fill.fgColor.tint == pytest.approx(0.6)
    assert ws["I14"].value is None and ws["G7"].value is None and ws["I18"].value is None
    assert not ws["G7"].fill.fill_type and ws["G7"].comment is None
    assert ws["I18"].comment.text == "请财务科复核" and ws["I18"].comment.author == "张三"
    original = load_workbook(src)["绩效自评"]
    for row in original.iter_rows():
        for c in row:
            assert ws[c.coordinate].value == c.value, c.coordinate
            assert fill_tag(ws[c.coordinate].fill) == fill_tag(c.fill), c.coordinate


def test_a_marked_copy_of_jixiao_0_1_is_read_as_a_record(tmp_path: Path) -> None:
    """A copy filled by jixiao 0.1 (its notes carried 〔原底色〕 and 〔原填写〕) fills like the original:
    the same values, fills, notes and 校验结果. (0.1 did not record number formats: the "0.00" it
    set on scores stays.)"""
    legacy = DATA / "legacy_0_1_foreign_filled.xlsx"
    assert "〔原底色：" in load_workbook(legacy)["绩效自评"]["I18"].comment.text
    fresh = snapshot(fill_file(DATA / "legacy_0_1_foreign_source.xlsx", tmp_path / "a.xlsx").output)
    again = snapshot(fill_file(legacy, tmp_path / "b.xlsx").output)
    for name in ("绩效自评", RESULT_SHEET):
        assert {k: v[:3] + v[4:] for k, v in again[name]["cells"].items()} == \
               {k: v[:3] + v[4:] for k, v in fresh[name]["cells"].items()}, name


def test_formula_injection_stays_text(tmp_path: Path) -> None:
    src = build_foreign(tmp_path / "f.xlsx", project=INJECT_LINK, indicator=INJECT_SUM)
    out = fill_file(src).output
    wb = load_workbook(out)
    texts = [c for row in wb[RESULT_SHEET].iter_rows() for c in row if isinstance(c.value, str)]
    hits = [c for c in texts if INJECT_SUM in c.value]
    assert hits, "the indicator name should appear in a message"
    for c in texts:
        assert c.data_type == "s", c.coordinate
    # no formula anywhere in the result sheet's XML
    with zipfile.ZipFile(out) as zf:
        from jixiao.processor.files.xlsx_cache import sheet_parts

        part = sheet_parts(zf)[RESULT_SHEET]
        assert b"<f>" not in zf.read(part) and b"<f " not in zf.read(part)
    # the filler's own cells are still text, not formulas
    ws = wb["绩效自评"]
    assert ws["C3"].value == INJECT_LINK and ws["C3"].data_type == "s"
    assert ws["E14"].value == INJECT_SUM and ws["E14"].data_type == "s"
    # and messages quoting them are plain text in notes
    assert INJECT_SUM in ws["I14"].comment.text


def test_a_text_starting_with_equals_in_a_result_row_is_not_evaluated(tmp_path: Path) -> None:
    from jixiao.processor.core.result_page import build_page
    from jixiao.processor.files.openpyxl_page import write_result_page

    wb = Workbook()
    page = build_page("t", [], [["error", "X000", "Sheet", "A1", INJECT_LINK, "+cmd|' /C calc'!A0", "-1"]])
    write_result_page(wb, page)
    buf = io.BytesIO()
    wb.save(buf)
    ws = load_workbook(io.BytesIO(buf.getvalue()))[RESULT_SHEET]
    ((row, values),) = findings_table(ws)
    assert values[5] == INJECT_LINK and ws.cell(row, 6).data_type == "s"
    assert ws.cell(row, 7).data_type == "s" and ws.cell(row, 8).data_type == "s"


# --------------------------------------------------------------------------- formula cells


def test_formula_cells_are_never_written_and_get_a_cached_value(tmp_path: Path) -> None:
    src = build_foreign(tmp_path / "f.xlsx", rate_formula=True)
    outcome = fill_file(src)
    ws = load_workbook(outcome.output)["绩效自评"]
    assert ws["G8"].value == "=E8/D8"  # still the formula
    assert "G8" not in written_cells(outcome)
    # a reader that cannot evaluate formulas sees the engine's value, not a blank
    rows = calamine_values(outcome.output, "绩效自评")
    assert rows[7][6] == pytest.approx(0.8)  # G8
    assert load_workbook(outcome.output).calculation.fullCalcOnLoad is True


def test_cached_values_of_the_input_survive(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = 2, 3, "=A1*A2", '=IF(A1>1,"大","小")'
    buf = io.BytesIO()
    wb.save(buf)
    data = fill_cached_values(buf.getvalue(), {"数据": {"A3": 6, "A4": "大"}})
    src = tmp_path / "cached.xlsx"
    src.write_bytes(data)
    assert calamine_values(src, "数据")[2:] == [[6.0], ["大"]]
    # a workbook with a form sheet and this data sheet: fill keeps the data sheet's caches
    form = build_foreign(tmp_path / "f.xlsx")
    fwb = load_workbook(form)
    other = fwb.create_sheet("数据")
    other["A1"], other["A2"], other["A3"] = 2, 3, "=A1*A2"
    fbuf = io.BytesIO()
    fwb.save(fbuf)
    mixed = tmp_path / "mixed.xlsx"
    mixed.write_bytes(fill_cached_values(fbuf.getvalue(), {"数据": {"A3": 6}}))
    out = fill_file(mixed).output
    assert calamine_values(out, "数据")[2] == [6.0]
    assert load_workbook(out)["数据"]["A3"].value == "=A1*A2"


def test_fill_cached_values_kinds() -> None:
    from jixiao.processor.files.xlsx_cache import fill_sheet_xml

    xml = (b'<sheetData><row r="1"><c r="A1" s="1"><f>1/0</f><v /></c><c r="B1"><f>TRUE()</f><v/></c>'
           b'<c r="C1" t="n"><f>C2</f><v></v></c><c r="D1" s="2"/><c r="E1" t="inlineStr"><is><t>x</t></is></c>'
           b'<c r="F1"><f>"a&amp;b"</f><v /></c></row></sheetData>')
    out = fill_sheet_xml(xml, {"A1": "#DIV/0!", "B1": True, "C1": 1.5, "D1": 9, "E1": 9, "F1": "a&b<"})
    assert b'<c r="A1" s="1" t="e"><f>1/0</f><v>#DIV/0!</v></c>' in out
    assert b'<c r="B1" t="b"><f>TRUE()</f><v>1</v></c>' in out
    assert b'<c r="C1"><f>C2</f><v>1.5</v></c>' in out
    assert b'<c r="D1" s="2"/>' in out  # not a formula: untouched
    assert b'<c r="E1" t="inlineStr"><is><t>x</t></is></c>' in out
    assert b'<c r="F1" t="str"><f>"a&amp;b"</f><v>a&amp;b&lt;</v></c>' in out


# --------------------------------------------------------------------------- notes and fills


def test_note_under_the_users_own_note() -> None:
    ours = "错误 T304：总分应为 110，实为 100\n修改建议：请按各项得分重新合计总分"
    text = compose_note(ours, "原来的批注\n第二行")
    assert text == f"原来的批注\n第二行\n\n—— jixiao 校验 ——\n{ours}"
    assert strip_ours(text) == "原来的批注\n第二行"  # what is left when the user edited the note
    assert compose_note(ours, None) == ours and compose_note(ours, "  ") == ours
    assert strip_ours(ours) == ours  # a note without our part is all the user's


def test_ledger_round_trip_keeps_types() -> None:
    ledger = Ledger()
    ledger.cells[("表", "H19")] = CellEntry("表", "H19", written=True, value=110.0, original=100.0, fill_before="",
                                           fill="E2EFDA", note="n")
    ledger.cells[("表", "I6")] = CellEntry("表", "I6", written=True, value=0.0, original=None, format_before="0%")
    ledger.cells[("表", "C3")] = CellEntry("表", "C3", fill_before="solid:t4~0.6:auto", fill="FFC7CE",
                                           note_before="=cmd", note_author_before="张三", note="x")
    ledger.rows["表"] = [["error", "T304", "表", "H19", "m", "f", "100"]]
    ledger.forms["表"] = [{"sheet": "表", "project": "p"}]
    rows = ledger.to_rows()
    assert rows[0] == ["类别", "工作表", "单元格", "内容"]
    again = Ledger.from_rows(rows[1:])
    assert again.cells == ledger.cells and again.rows == ledger.rows and again.forms == ledger.forms
    assert again.cells[("表", "I6")].value == 0.0  # a written 0 is not lost
    assert Ledger.from_rows([["单元格", "表", "A1", "{not json"], ["其他", "x", "y", "{}"]]).cells == {}


def test_restore_grid_puts_the_fillers_values_back() -> None:
    grid = Grid("s", [[None, 110.0], [10.0, None]], 1, 1)
    ledger = Ledger()
    ledger.cells[("s", "A2")] = CellEntry("s", "A2", written=True, value=10.0, original=None)
    ledger.cells[("s", "B1")] = CellEntry("s", "B1", written=True, value=110.0, original=100.0)
    ledger.cells[("s", "B2")] = CellEntry("s", "B2", written=True, value=5.0, original=3.0)  # user cleared it
    restore_grid(grid, ledger)
    assert grid.rows == [[None, 100.0], [None, None]]


@pytest.mark.parametrize("fill", [
    PatternFill(fill_type=None),
    PatternFill("solid", fgColor="FFFFFF00"),
    PatternFill("solid", fgColor=Color(theme=4, tint=-0.25)),
    PatternFill("solid", fgColor=Color(indexed=22)),
    PatternFill("gray125", fgColor="FF00FF00", bgColor="FF0000FF"),
])
def test_fill_tag_round_trip(fill: PatternFill) -> None:
    again = fill_from_tag(fill_tag(fill))
    assert fill_tag(again) == fill_tag(fill)
    assert again.fill_type == fill.fill_type


# --------------------------------------------------------------------------- files and CLI


def test_in_place_keeps_one_backup(tmp_path: Path) -> None:
    src = tmp_path / "02.xlsx"
    shutil.copyfile(EXAMPLES / "02_信访工作经费.xlsx", src)
    original = src.read_bytes()
    outcome = fill_file(src, in_place=True)
    assert outcome.output == src and outcome.backup == tmp_path / "02.bak.xlsx"
    assert outcome.backup.read_bytes() == original
    assert load_workbook(src)["自评表"]["I6"].value == 10
    first = src.read_bytes()
    fill_file(src, in_place=True)
    assert (tmp_path / "02.bak.xlsx").read_bytes() == first  # one backup, replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["02.bak.xlsx", "02.xlsx"]
    assert snapshot(src) == snapshot(tmp_path / "02.bak.xlsx")  # idempotent in place too


def test_cli_exit_codes_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = build_foreign(tmp_path / "f.xlsx")
    assert main(["fill", str(src), "-o", str(tmp_path / "o.xlsx")]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"已写入 {tmp_path / 'o.xlsx'}：发现 4 个错误、1 个提示（另有 1 条说明）"]
    good = tmp_path / "06.xlsx"
    shutil.copyfile(EXAMPLES / "06_正确示例_某项目.xlsx", good)
    assert main(["fill", str(good)]) == 0
    assert (tmp_path / "06_已校验.xlsx").exists()


@pytest.mark.parametrize("name,content,args,needle", [
    ("a.xls", None, [], "另存为"),
    ("b.xlsx", b"not a workbook at all", [], ""),
    ("c.xlsm", None, ["--in-place"], "--in-place"),
    ("d.xlsx", None, ["-o", "out.xlsm"], ".xlsx"),
])
def test_cli_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                      content: bytes | None, args: list[str], needle: str) -> None:
    src = tmp_path / name
    if content is not None:
        src.write_bytes(content)
    elif name.endswith(".xls"):
        src.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504)
    else:
        shutil.copyfile(EXAMPLES / "01_信访宣传项目经费.xlsx", src)
    before = src.read_bytes()
    args = [a if a != "out.xlsm" else str(tmp_path / a) for a in args]
    assert main(["fill", str(src), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jixiao：") and needle in err
    assert len(err.strip().splitlines()) == 1
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_output_same_as_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "a.xlsx"
    shutil.copyfile(EXAMPLES / "01_信访宣传项目经费.xlsx", src)
    with pytest.raises(InputError, match="--in-place"):
        fill_file(src, src)


def test_xlsm_input_gives_xlsx_output(tmp_path: Path) -> None:
    src = tmp_path / "宏.xlsm"
    shutil.copyfile(EXAMPLES / "02_信访工作经费.xlsx", src)
    outcome = fill_file(src)
    assert outcome.output == tmp_path / "宏_已校验.xlsx"
    assert load_workbook(outcome.output)["自评表"]["I6"].value == 10


def test_a_value_written_earlier_goes_back_when_the_filler_was_right_after_all(tmp_path: Path) -> None:
    """Run 1 rewrites 总分 90 → 99.5; the filler then changes an input so that 90 is right:
    run 2 shows the filler's 90 again and reports no T304 (review finding)."""
    from builders import Form, make_grid, write_xlsx

    src = write_xlsx(tmp_path / "a.xlsx", make_grid(Form(total_row=(100, 90))))
    first = fill_file(src, tmp_path / "b.xlsx").output
    wb = load_workbook(first)
    assert wb["自评表"]["H19"].value == pytest.approx(99.5)
    wb["自评表"]["F13"] = "262.5人次"  # 262.5 / 500 × 20 = 10.5, so the total is 9.5 + 10.5 + 70 = 90
    wb.save(tmp_path / "c.xlsx")
    second = fill_file(tmp_path / "c.xlsx", tmp_path / "d.xlsx")
    ws = load_workbook(second.output)["自评表"]
    assert ws["H19"].value == pytest.approx(90)
    assert "T304" not in {f.code for f in second.findings}


def test_values_the_audit_accepts_are_not_rewritten(tmp_path: Path) -> None:
    """A rate typed as a whole percent (95% for 95.4%) raises no finding and stays as typed."""
    from builders import Form, make_grid, write_xlsx

    form = Form(total=(50, 50, 47.7, 10, 0.95, 9.54), current=(50, 50, 47.7, "—", 0.95, "—"), total_row=(100, 99.54))
    out = fill_file(write_xlsx(tmp_path / "a.xlsx", make_grid(form)), tmp_path / "b.xlsx")
    assert not {f.code for f in out.findings} & {"F103", "F104", "T304"}
    assert not {"G6", "G7"} & written_cells(out)
    assert load_workbook(out.output)["自评表"]["G6"].value == 0.95


def test_result_page_is_a_page_to_act_on(tmp_path: Path) -> None:
    """A4 landscape, one page wide, the findings header on every page, the summary at the top,
    wrapped text with its row heights, links, and the original values."""
    out = fill_file(EXAMPLES / "02_信访工作经费.xlsx", tmp_path / "o.xlsx").output
    ws = load_workbook(out)[RESULT_SHEET]
    assert (int(ws.page_setup.paperSize), ws.page_setup.orientation) == (9, "landscape")  # 9: A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    table = findings_table(ws)
    header = table[0][0] - 1
    assert ws.print_title_rows == f"${header}:${header}" and ws.freeze_panes == f"A{header + 1}"
    summary = {ws.cell(r, 1).value: ws.cell(r, 4).value for r in range(2, header)}
    assert summary["项目名称"] == "2024年度区信访办信访工作经费（工作表“自评表”）"
    assert (summary["计算执行率"], summary["计算总分"], summary["等级"]) == ("100%", "110 分（表上为 100 分）", "优")
    assert summary["问题数"] == "错误 4 个，提示 15 个，信息 3 条"
    assert [summary[k] for k in ("错误", "提示", "信息", "已计算")] and ws.cell(header - 2, 1).value.startswith("说明")
    for row, values in table:
        assert ws.cell(row, 6).alignment.wrap_text and ws.cell(row, 7).alignment.wrap_text
        # 问题 is 48 characters wide: a message of 30 or more Chinese characters takes two lines
        assert ws.row_dimensions[row].height >= (28 if len(values[5]) >= 30 else 14), (row, values[5])
        assert ws.cell(row, 5).hyperlink.location == f"'自评表'!{values[4]}"
    originals = {values[2]: values[7] for _, values in table if values[7]}
    assert originals == {"F105": "（空）", "T304": "100", "I208": "100"}
