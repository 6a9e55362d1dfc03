"""jixiao.main() and the xlwings adapter through REAL xlwings objects.

Excel is not available on Linux, so the workbook is xlwings' remote engine:
``xw.Book(json=...)`` builds a book from the JSON an Excel client sends, and every
change made through the ordinary xlwings API is recorded as an action in
``book.json()``. The tests assert on those actions: the values written to which cells,
the fills and notes, the 校验结果 sheet and the alert. The remote engine is part of
xlwings PRO; ``XLWINGS_LICENSE_KEY=noncommercial`` is set here, only for the tests.
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any

import pytest
from jixiao.processor.core.ledger import Ledger
from jixiao.processor.core.marks import COMPUTED, LEDGER_SHEET, MARK_FILL, RESULT_SHEET
from jixiao.processor.core.plan import CellChange, Plan
from jixiao.processor.core.result_page import RESULT_HEADER, build_page
from xlwings_remote import actions, cell_of, make_book
from xlwings_remote import sheet_json as _sheet

FORM = [
    ["项目支出绩效自评表", None, None, None],
    ["项目名称", "示例项目", None, None],
    ["年度资金总额", 100.0, 90.0, None],
    ["当年财政拨款", 80.0, 72.0, None],
    [None, None, None, None],
]

ROWS = [["error", "J101", "自评表", "C3", "执行数不能大于预算数", "核对执行数", ""],
        ["error", "J101", "自评表", "C4", "另一个错误", "核对", ""],
        ["warning", "J201", "自评表", "B2", "项目名称过短", "写全称", ""]]


def hand_plan() -> Plan:
    """A plan written by hand: what the engine decided, for the writer alone."""
    changes = [
        CellChange("自评表", "D3", value=0.9, number_format="0.00%", fill=MARK_FILL[COMPUTED], note="已填入"),
        CellChange("自评表", "D4", value=0.9, number_format="0.00%", fill=MARK_FILL[COMPUTED], note="已填入"),
        CellChange("自评表", "E3", value=9.0, fill=MARK_FILL[COMPUTED], note="已填入"),
        CellChange("自评表", "B7", value="优"),
        CellChange("自评表", "C3", fill=MARK_FILL["error"], note="执行数不能大于预算数。"),
        CellChange("自评表", "C4", fill=MARK_FILL["error"], note="另一个错误。"),
        CellChange("自评表", "B2", fill=MARK_FILL["warning"], note="项目名称过短。"),
    ]
    return Plan(changes, build_page("自评表校验结果", [], ROWS), Ledger(), "发现 2 个错误、1 个提示", ["自评表"])


def _table(book, sheet: int) -> list[list]:
    (table,) = [a for a in actions(book, "setValues") if a["sheet_position"] == sheet]
    return table["values"]


# --------------------------------------------------------------------------- adapter


def test_read_grid_one_bulk_read(xw) -> None:
    from jixiao.processor.files.xlwings_read import read_grid_from_sheet

    book = make_book(xw, [_sheet("自评表", [[""] * 4] + [[v if v is not None else "" for v in r] for r in FORM])])
    grid = read_grid_from_sheet(book.sheets.active)
    assert grid.sheet == "自评表"
    assert (grid.origin_row, grid.origin_col) == (1, 1)
    assert grid.get(3, 1) == "项目名称"
    assert grid.get(4, 2) == 100
    assert grid.get(1, 1) is None  # "" from the client is an empty cell
    assert grid.merged == []  # the remote engine's payload has no merged ranges
    assert actions(book) == []  # reading queues no action


def test_blocks_group_rectangles() -> None:
    from jixiao.processor.files.xlwings_write import blocks

    cells = {(3, 4): 1, (4, 4): 2, (3, 5): 3, (4, 5): 4, (7, 2): 5, (3, 7): 6}
    got = [(b.row, b.col, b.rows) for b in blocks(cells, lambda pos: None)]
    assert got == [(3, 4, [[1, 3], [2, 4]]), (3, 7, [[6]]), (7, 2, [[5]])]
    fmt = {(3, 4): "a", (3, 5): "b"}
    assert len(blocks({(3, 4): 1, (3, 5): 2}, fmt.__getitem__)) == 2


def test_apply_plan_writes_values_marks_page_and_record(xw) -> None:
    from jixiao.processor.files.xlwings_write import apply_plan

    book = make_book(xw, [_sheet("自评表", FORM), _sheet("说明", [["x"]])])
    sheet = book.sheets.active
    apply_plan(book, sheet, hand_plan())

    form_writes = {cell_of(a): a["values"] for a in actions(book, "setValues") if a["sheet_position"] == 0}
    # D3:E4 … one rectangle per call: D3:E3 (row 3), D4 (row 4), B7
    assert form_writes == {(3, 4): [[0.9, 9.0]], (4, 4): [[0.9]], (7, 2): [["优"]]}
    formats = {cell_of(a): (a["row_count"], a["args"][0]) for a in actions(book, "setNumberFormat")}
    assert formats == {(3, 4): (2, "0.00%")}  # D3:D4 in one call; E3 keeps the column's format
    fills = {(cell_of(a), a["row_count"], a["column_count"]): a["args"][0]
             for a in actions(book, "setRangeColor") if a["sheet_position"] == 0}
    assert fills[((3, 3), 2, 1)] == "#" + MARK_FILL["error"]  # C3:C4 in one call
    assert fills[((3, 4), 1, 2)] == "#" + MARK_FILL[COMPUTED]  # D3:E3
    assert fills[((2, 2), 1, 1)] == "#" + MARK_FILL["warning"]
    notes = {a["args"][0]: a["args"][1] for a in actions(book, "addNote")}
    assert notes["$C$3"] == "执行数不能大于预算数。" and notes["$B$2"] == "项目名称过短。"

    added = actions(book, "addSheet")
    assert [a["args"] for a in added] == [[1, RESULT_SHEET], [3, LEDGER_SHEET]]  # page after the form
    assert [s.name for s in book.sheets] == ["自评表", RESULT_SHEET, "说明", LEDGER_SHEET]
    assert actions(book, "setSheetVisibility")[-1]["args"] == ["Hidden"]  # the record is out of sight
    rows = _table(book, 1)
    header = rows.index(RESULT_HEADER)
    assert rows[header + 1][:4] == [1, "错误", "J101", "自评表"]
    assert rows[header + 1][4] == '=HYPERLINK("#\'自评表\'!C3","C3")'
    level_fills = [a for a in actions(book, "setRangeColor") if a["sheet_position"] == 1]
    assert any(cell_of(a) == (header + 2, 2) and a["row_count"] == 2 for a in level_fills)
    assert _table(book, 3)[0] == ["类别", "工作表", "单元格", "内容"]
    assert actions(book, "activateSheet")[-1]["args"] == [0]  # back to the form


def test_apply_plan_updates_existing_notes_and_takes_marks_off(xw) -> None:
    from jixiao.processor.files.xlwings_write import apply_plan

    book = make_book(xw, [
        _sheet("自评表", FORM, notes=[{"address": "$C$3"}, {"address": "$A$5"}]),
        _sheet(RESULT_SHEET, [RESULT_HEADER]),
    ])
    plan = Plan([CellChange("自评表", "C3", note="新的问题。"), CellChange("自评表", "A5", fill="", note=None)],
                build_page("t", [], []), Ledger(), "", ["自评表"])
    apply_plan(book, book.sheets.active, plan)
    assert [a["args"] for a in actions(book, "setNoteText")] == [["$C$3", "新的问题。"]]
    assert [a["args"] for a in actions(book, "deleteNote")] == [["$A$5"]]
    cleared = [a for a in actions(book, "setRangeColor") if a["args"] == [None]]
    assert [(cell_of(a), a["sheet_position"]) for a in cleared] == [((5, 1), 0)]
    assert [a["args"] for a in actions(book, "addSheet")] == [[2, LEDGER_SHEET]]  # 校验结果 is reused
    assert [a["sheet_position"] for a in actions(book, "sheetClear")] == [1]


def test_apply_plan_without_findings(xw) -> None:
    from jixiao.processor.core.result_page import NO_FINDINGS
    from jixiao.processor.files.xlwings_write import apply_plan

    book = make_book(xw, [_sheet("自评表", FORM)])
    apply_plan(book, book.sheets.active, Plan([], build_page("t", [], []), Ledger(), "", ["自评表"]))
    rows = _table(book, 1)
    assert rows[rows.index(RESULT_HEADER) + 1][5] == NO_FINDINGS
    assert actions(book, "addNote") == []


# --------------------------------------------------------------------------- main()


def _alerts(book: Any) -> list[str]:
    return [a["args"][0] for a in actions(book, "alert")]


@pytest.fixture
def fake_engine(monkeypatch) -> types.SimpleNamespace:
    """A stand-in jixiao.processor.core.engine + build_plan, so main()'s wiring is tested alone."""
    filled = types.SimpleNamespace(project=types.SimpleNamespace(empty=False), funding=[], indicators=[],
                                   is_blank=False)
    state = types.SimpleNamespace(result=types.SimpleNamespace(record=filled), error=None, grids=[])

    def check_sheet(grid, file, profile):
        state.grids.append((grid, file, profile))
        if state.error:
            raise state.error
        return [] if state.result is None else [state.result]

    module = types.ModuleType("jixiao.processor.core.engine")
    module.check_sheet = check_sheet
    monkeypatch.setitem(sys.modules, "jixiao.processor.core.engine", module)
    import jixiao.processor.core.plan

    monkeypatch.setattr(jixiao.processor.core.plan, "build_plan", lambda results, **kw: hand_plan())
    return state


def test_main_applies_the_plan_and_alerts_summary(xw, fake_engine) -> None:
    import jixiao

    book = make_book(xw, [_sheet("自评表", FORM)])
    jixiao.main()
    assert _alerts(book) == ["发现 2 个错误、1 个提示"]
    grid, file, _profile = fake_engine.grids[0]
    assert file == "自评表.xlsx" and grid.get(2, 1) == "项目名称"
    assert any(cell_of(a) == (3, 4) for a in actions(book, "setValues"))
    assert RESULT_SHEET in [s.name for s in book.sheets]


def test_main_not_a_form(xw, fake_engine) -> None:
    import jixiao

    fake_engine.result = None
    book = make_book(xw, [_sheet("Sheet1", [["随便写的", 1]])])
    jixiao.main()
    (message,) = _alerts(book)
    assert "不是项目支出绩效自评表" in message and "Sheet1" in message
    assert actions(book, "setValues") == [] and actions(book, "addSheet") == []


def test_main_empty_sheet(xw) -> None:
    import jixiao

    book = make_book(xw, [_sheet("Sheet1", [[""]])])
    jixiao.main()
    (message,) = _alerts(book)
    assert "是空的" in message


def test_main_on_result_sheet(xw) -> None:
    import jixiao

    book = make_book(xw, [_sheet("自评表", FORM), _sheet(RESULT_SHEET, [RESULT_HEADER])], active=1)
    jixiao.main()
    assert "请切换到自评表" in _alerts(book)[0]


def test_main_input_error_is_one_line(xw, fake_engine) -> None:
    import jixiao
    from jixiao.processor.core.errors import InputError

    fake_engine.error = InputError("表格结构异常", code="J504")
    book = make_book(xw, [_sheet("自评表", FORM)])
    jixiao.main()
    assert _alerts(book) == ["表格结构异常"]


def test_main_unexpected_error_logged(xw, fake_engine, tmp_path) -> None:
    import jixiao

    fake_engine.error = RuntimeError("boom")
    book = make_book(xw, [_sheet("自评表", FORM)])
    jixiao.main()
    (message,) = _alerts(book)
    assert "意外错误" in message and "\n" not in message
    log = tmp_path / "log" / jixiao.LOG_NAME
    assert str(log) in message
    assert "RuntimeError: boom" in log.read_text(encoding="utf-8")


def test_import_is_light() -> None:
    import subprocess

    code = ("import sys, jixiao; heavy = [m for m in ('pandas', 'numpy', 'xlwings', 'openpyxl', "
            "'jixiao.processor', 'jsonschema') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert out.stdout.strip() == ""


# --------------------------------------------------------------------------- real engine

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def sheet_from_xlsx(path, name: str | None = None) -> dict[str, Any]:
    """The sheet as an Excel client sends it: cached values from A1, "" for blanks."""
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    values = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
    return _sheet(name or ws.title, values)


def test_main_refuses_a_protected_sheet_before_writing(xw) -> None:
    """A protected sheet (as an Office.js client reports it; COM: Worksheet.ProtectContents)
    gets one Chinese line and not a single write."""
    import jixiao

    book = make_book(xw, [sheet_from_xlsx(ROOT / "examples" / "02_信访工作经费.xlsx") | {"protection": {"protected": True}}])
    jixiao.main()
    (message,) = _alerts(book)
    assert message.startswith("工作表“自评表”受保护，未做任何修改") and "\n" not in message
    assert {a["func"] for a in book.json()["actions"]} <= {"alert", "setScreenUpdating"}


def test_protection_of_the_book_structure_and_of_com_sheets() -> None:
    from jixiao.processor.files.xlwings_read import protection_problem

    class Com:  # what pywin32 shows of a Workbook / Worksheet
        def __init__(self, **flags):
            self.__dict__.update(flags)

    class Sheet:
        def __init__(self, name, **flags):
            self.name, self.api = name, Com(**flags)

    class Book:
        def __init__(self, sheets, **flags):
            self.sheets, self.api = sheets, Com(**flags)

    form = Sheet("自评表", ProtectContents=False)
    assert protection_problem(Book([form], ProtectStructure=False), form) is None
    assert protection_problem(Book([form], ProtectStructure=True), form) == "工作簿结构"
    locked = Sheet("自评表", ProtectContents=True)
    assert protection_problem(Book([locked], ProtectStructure=False), locked) == "工作表“自评表”"
    page = Sheet(RESULT_SHEET, ProtectContents=True)
    assert protection_problem(Book([form, page], ProtectStructure=False), form) == f"工作表“{RESULT_SHEET}”"


def test_real_engine_example_form(xw) -> None:
    """The click writes what the engine planned: its values, and its summary as the alert."""
    import copy

    import jixiao
    from jixiao.processor.core.engine import check_sheet
    from jixiao.processor.core.plan import KEEP, build_plan
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.xlwings_read import formula_cells, looks_on, read_grid_from_sheet

    path = ROOT / "examples" / "02_信访工作经费.xlsx"
    book = make_book(xw, [sheet_from_xlsx(path)])
    sheet = book.sheets.active
    grid = read_grid_from_sheet(sheet)
    expected = build_plan(check_sheet(grid, book.name), looks=looks_on(sheet, copy.deepcopy(grid), formula_cells(sheet)),
                          tolerances=load_profile().tol, scope=sheet.name)
    jixiao.main()
    assert _alerts(book) == [expected.summary]
    written = {}
    for a in actions(book, "setValues"):
        if a["sheet_position"] == 0:
            r0, c0 = cell_of(a)
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    written[(r0 + i, c0 + j)] = v
    from jixiao.processor.core.grid import parse_addr

    assert written == {parse_addr(c.cell): c.value for c in expected.changes if c.value is not KEEP}
    assert written[parse_addr("I6")] == 10  # the missing 预算执行率得分
    filled = set()
    for a in actions(book, "setRangeColor"):
        if a["sheet_position"] == 0 and a["args"][0]:
            r0, c0 = cell_of(a)
            filled |= {(r0 + i, c0 + j) for i in range(a["row_count"]) for j in range(a["column_count"])}
    assert filled == {parse_addr(c.cell) for c in expected.changes if c.fill not in (KEEP, "")}
    assert RESULT_SHEET in [s.name for s in book.sheets]


def test_real_engine_blank_template(xw) -> None:
    import jixiao

    book = make_book(xw, [sheet_from_xlsx(ROOT / "templates" / "自评表.xlsx")])
    jixiao.main()
    (message,) = _alerts(book)
    assert "空白自评表" in message
    assert actions(book, "setValues") == []


def test_real_engine_not_a_form(xw) -> None:
    import jixiao

    book = make_book(xw, [_sheet("名单", [["姓名", "电话"], ["张三", "123"]])])
    jixiao.main()
    assert "不是项目支出绩效自评表" in _alerts(book)[0]


def test_import_xlwings_skips_pandas_without_breaking_it() -> None:
    import subprocess

    code = ("import sys, jixiao; xw = jixiao.import_xlwings(); "
            "print('pandas' in sys.modules, 'numpy' in sys.modules, sys.modules.get('pandas', 0) is None); "
            "import importlib.util as u; print(u.find_spec('pandas') is not None or 'no-pandas')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"})
    if out.returncode != 0:
        pytest.skip(f"xlwings 无法导入：{out.stderr.strip().splitlines()[-1:]}")
    first, _second = out.stdout.split("\n")[:2]
    assert first == "False False False"


def test_page_keeps_submission_text_as_text(xw) -> None:
    from jixiao.processor.files.xlwings_write import write_result_page

    book = make_book(xw, [_sheet("自评表", FORM)])
    page = build_page("t", [], [["error", "T304", "自评表", "H19", '=HYPERLINK("http://x","y")', "+cmd", "-1"]])
    write_result_page(book, book.sheets.active, page)
    rows = _table(book, 1)
    row = rows[rows.index(RESULT_HEADER) + 1]
    assert row[5] == "'=HYPERLINK(\"http://x\",\"y\")" and row[6] == "'+cmd" and row[7] == "'-1"
    assert row[4].startswith('=HYPERLINK("#\'自评表\'!H19"')  # only our own link is a formula


def test_main_checks_every_form_stacked_on_the_sheet(xw) -> None:
    """Reports sometimes stack several 自评表 on one sheet: one click checks them all."""
    import jixiao
    from builders import Form, make_grid

    upper = make_grid(Form(project="甲项目", total_row=(100, 90)))  # T304 on the upper total
    lower = make_grid(Form(project="乙项目", total=(50, 50, 47.5, 10, 0.95, None)))  # F105 on the lower
    rows = [[("" if v is None else v) for v in r] for r in upper.rows + [[None]] + lower.rows]
    book = make_book(xw, [_sheet("自评表", rows)])
    jixiao.main()
    (message,) = _alerts(book)
    assert message.startswith("共 2 张自评表：发现 2 个错误")
    offset = len(upper.rows) + 1
    written = {cell_of(a) for a in actions(book, "setValues")}
    assert (len(upper.rows), 8) in written  # upper 总分 (row 19, H)
    assert (offset + 6, 8) in written  # lower 资金得分 (row 6 of the lower form, H)



def test_formula_cells_are_read_in_one_call_and_never_written() -> None:
    """Desktop Excel reports formulas; the add-in leaves those cells to the filler's formula."""
    from jixiao.processor.files.xlwings_read import formula_cells

    class Used:
        row, column = 3, 2  # the used range starts at B3

        def options(self, ndim):
            return self

        formula = [["项目名称", "=1+1"], ["", "=SUM(C3:C4)"]]

    class Sheet:
        used_range = Used()

    assert formula_cells(Sheet()) == {"C3", "C4"}

    class Remote:
        class used_range:  # noqa: N801 - the shape of the remote engine's object
            row = column = 1

            @staticmethod
            def options(ndim):
                raise NotImplementedError("Reading formulas synchronously isn't supported")

    assert formula_cells(Remote()) == set()


def test_checking_another_sheet_keeps_the_first_sheets_marks_and_rows(xw, tmp_path) -> None:
    """One 校验结果 for the book: a click on sheet B keeps sheet A's marks, rows and record."""
    import excel_sim as S
    from builders import Form, make_grid, write_xlsx
    from jixiao.processor.core.grid import parse_addr

    a = make_grid(Form(project="甲项目", total_row=(100, 90)), sheet="表A")  # T304 on H19
    b = make_grid(Form(project="乙项目", total=(50, 50, 47.5, 10, 0.95, None)), sheet="表B")  # F105 on H6
    book = S.from_xlsx(write_xlsx(tmp_path / "两表.xlsx", a, b))
    S.click(xw, book, "表A")
    S.click(xw, book, "表B")
    page = book.sheet(RESULT_SHEET).values
    listed = {(page.get((r, 4)), page.get((r, 3))) for r in range(1, 80)}
    assert {("表A", "T304"), ("表B", "F105")} <= listed
    assert book.sheet("表A").fills[parse_addr("H19")] == MARK_FILL[COMPUTED]  # still marked
    assert book.sheet("表A").values[parse_addr("H19")] == 99.5
    # clicking A again changes nothing on A, and B's part of the page stays
    before = S.state_of_sim(book)
    S.click(xw, book, "表A")
    assert S.state_of_sim(book) == before
