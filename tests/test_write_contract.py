"""One write protocol, two writers: ``jixiao fill`` (openpyxl) and the 校验/计算 button (xlwings).

Every case runs through both writers, and what the user then sees — each cell's value,
number format, fill and note on every sheet, the 校验结果 page and the (hidden) record —
must be identical:

* first run: fill's copy == the workbook after one click;
* second run: fill on its own output and a second click change nothing (idempotence);
* across: a click on fill's copy, and fill on the book a click left, change nothing;
* a filler who corrects the form and runs again gets their own fills and notes back.

The xlwings writer talks to xlwings' remote engine; ``tests/excel_sim.py`` keeps the
workbook its actions change and answers the reads desktop Excel answers (fills, number
formats, formulas, note texts). Note authors are not compared: Excel sets the author of
a note to the user's name and does not let a program choose it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import builders as B
import excel_sim as S
import pytest
from jixiao.processor.core.marks import COMPUTED, LEDGER_SHEET, MARK_FILL, RESULT_SHEET
from jixiao.processor.files.openpyxl_write import fill_file
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
USER_YELLOW, USER_GREEN = "FFFF00", "92D050"


# --------------------------------------------------------------------------- cases


def _example(name: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        shutil.copyfile(EXAMPLES / name, path)
        return path
    return make


def _wrong(path: Path) -> Path:
    """Blank and wrong engine cells (rates, execution score, two indicator scores, total),
    a rate column shown as whole percents and a score column with one decimal."""
    grid = B.make_grid(B.Form(total=(50, 50, 45.1, 10, None, None), current=(50, 50, 45.1, "—", None, "—"),
                              total_row=(100, None), indicators=_missed()))
    B.write_xlsx(path, grid)
    wb = load_workbook(path)
    ws = wb["自评表"]
    for r in range(6, 8):
        ws.cell(r, 7).number_format = "0%"  # 执行率: 90.2 % must not show as 90 %
    for r in range(13, 20):
        ws.cell(r, 8).number_format = "0.0"  # 得分
    wb.save(path)
    return path


def _missed() -> list[B.Ind]:
    inds = B.default_indicators()
    inds[0].actual, inds[0].score, inds[0].deviation = "400人次", None, "部分培训推迟"
    inds[2].actual, inds[2].score, inds[2].deviation = "10小时", 10, "人手不足"
    return inds


def _users(path: Path) -> Path:
    """A filler's own fills and notes: on cells that get marked, one that gets a computed
    value, and cells that do not."""
    _wrong(path)
    wb = load_workbook(path)
    ws = wb["自评表"]
    ws["H13"].fill = PatternFill("solid", fgColor="FF" + USER_YELLOW)  # 培训人次 得分: computed
    ws["H13"].comment = Comment("张三：这一项请财务核对", "张三")
    ws["I13"].fill = PatternFill("solid", fgColor="FF" + USER_GREEN)  # 偏差原因: not marked
    ws["I13"].comment = Comment("李四：已补充原因", "李四")
    ws["B3"].comment = Comment("项目名称与批复一致", "王五")  # not marked
    ws["E3"].fill = PatternFill("solid", fgColor="FF" + USER_YELLOW)  # 实施单位 label: not marked
    wb.save(path)
    return path


def _stacked(path: Path) -> Path:
    upper = B.make_grid(B.Form(project="甲项目", total_row=(100, 90)))
    lower = B.make_grid(B.Form(project="乙项目", total=(50, 50, 47.5, 10, 0.95, None)))
    rows = upper.rows + [[None]] + lower.rows
    width = max(len(r) for r in rows)
    from jixiao.processor.core.grid import Grid

    return B.write_xlsx(path, Grid("自评表", [r + [None] * (width - len(r)) for r in rows]))


def _template_with_formulas(path: Path) -> Path:
    """Our template filled in, its formulas cached as Excel saves them; 总分 typed over."""
    import io

    from jixiao.processor.core.engine import check_file
    from jixiao.processor.core.plan import computed_cells
    from jixiao.processor.files.xlsx_cache import fill_cached_values

    B.fill_template(path, {**B.TEMPLATE_ROWS, 14: ("培训人次", "≥100人次", "80人次", 50, 50)})
    cells = computed_cells(check_file(path).sheets[0])
    cached = {c: v for c, v in cells.items() if c in ("H7", "H8", "I7", "H25", "H26")}
    cached["G25"] = 100
    buf = io.BytesIO(path.read_bytes())
    path.write_bytes(fill_cached_values(buf.getvalue(), {"自评表": cached}))
    return path


def _department(path: Path) -> Path:
    """The seed's 部门整体 form: D401 on its 结转结余, its 结转结余率 rewritten (the button checks the
    active sheet, so the form stands alone here; a workbook of both kinds: test_department_form)."""
    from department_forms import seed_grid

    return B.write_xlsx(path, seed_grid())


CASES: dict[str, Callable[[Path], Path]] = {
    "seed_01": _example("01_信访宣传项目经费.xlsx"),
    "seed_02_missing_exec_score": _example("02_信访工作经费.xlsx"),
    "seed_04_missing_total": _example("04_服务经费.xlsx"),
    "correct_06": _example("06_正确示例_某项目.xlsx"),
    "wrong_scores_and_formats": _wrong,
    "users_fills_and_notes": _users,
    "stacked_forms": _stacked,
    "template_formulas": _template_with_formulas,
    "department_seed": _department,
}


# --------------------------------------------------------------------------- runs


def _fill(src: Path, out: Path) -> dict:
    return S.state_of_xlsx(fill_file(src, out).output)


def _click(xw, book: S.SimBook) -> dict:
    S.click(xw, book)
    return S.state_of_sim(book)


@pytest.mark.parametrize("case", list(CASES))
def test_both_writers_leave_the_same_workbook(case: str, xw, tmp_path: Path) -> None:
    src = CASES[case](tmp_path / "自评表.xlsx")
    filled = _fill(src, tmp_path / "a1.xlsx")
    book = S.from_xlsx(src)
    clicked = _click(xw, book)
    _same(filled, clicked, "fill vs click")
    assert book.alerts and book.alerts[-1]
    # a second run changes nothing, whichever writer ran first
    _same(filled, _fill(tmp_path / "a1.xlsx", tmp_path / "a2.xlsx"), "fill twice")
    _same(clicked, _click(xw, book), "click twice")
    _same(filled, _click(xw, S.from_xlsx(tmp_path / "a1.xlsx")), "click on fill's copy")
    _same(clicked, _fill(S.to_xlsx(book, tmp_path / "b1.xlsx"), tmp_path / "b2.xlsx"), "fill after a click")
    # the form's own fills change only where a mark now is; our sheets come after the form
    form_sheet = filled["sheets"][0][0]
    before = S.state_of_xlsx(src)[form_sheet]
    for cell, (_, _, fill, _) in filled[form_sheet].items():
        if fill != before.get(cell, (None, None, "", None))[2]:
            assert fill in MARK_FILL.values(), cell
    names = [n for n, _ in filled["sheets"]]
    assert names[-2:] == [RESULT_SHEET, LEDGER_SHEET] and dict(filled["sheets"])[LEDGER_SHEET] is True


def _same(a: dict, b: dict, what: str) -> None:
    assert a["sheets"] == b["sheets"], what
    for name, _hidden in a["sheets"]:
        diff = {k: (a[name].get(k), b[name].get(k)) for k in set(a[name]) | set(b[name])
                if a[name].get(k) != b[name].get(k)}
        assert not diff, f"{what}：工作表“{name}”不同：{dict(sorted(diff.items())[:6])}"


# --------------------------------------------------------------------------- what the cases must show


def test_values_in_the_columns_conventions(xw, tmp_path: Path) -> None:
    src = _wrong(tmp_path / "w.xlsx")
    state = _fill(src, tmp_path / "o.xlsx")["自评表"]
    # 执行率 45.1 / 50 = 90.2 %: the whole-percent column gets two decimals, as the note quotes
    value, fmt, fill, note = state["G6"]
    assert (value, fmt, fill) == (0.902, "0.00%", MARK_FILL[COMPUTED])
    assert "90.2%" in note
    # 培训人次 400 / 500 × 20 = 16: the column's one decimal shows it; 问题响应时间 8 / 10 × 10 = 8
    assert state["H13"][:3] == (16.0, "0.0", MARK_FILL[COMPUTED])
    assert state["H15"][:2] == (8.0, "0.0")
    # 总分 = 9.02 + 16 + 15 + 8 + 5 + 30 + 10 = 93.02 needs two decimals
    assert state["H19"][:2] == (93.02, "0.00")
    assert "已填入计算结果（原为空）" in state["H19"][3]


def test_seed_total_keeps_the_columns_general_format(tmp_path: Path) -> None:
    """The seed's 总分 column shows 20, 10, 100: the computed 110 shows as 110, not 110.00."""
    state = _fill(EXAMPLES / "01_信访宣传项目经费.xlsx", tmp_path / "o.xlsx")["自评表"]
    value, fmt, fill, note = state["H19"]
    assert (value, fmt, fill) == (110.0, "General", MARK_FILL[COMPUTED])
    assert note.startswith("已填入计算结果（原为 100），对应等级：优。")
    assert "〔" not in note and "原底色" not in note  # no bookkeeping in sight
    assert state["G19"][2] == MARK_FILL["error"]  # 分值 110 ≠ 100: an error, in error red


def test_users_fills_and_notes_survive_and_come_back(xw, tmp_path: Path) -> None:
    src = _users(tmp_path / "u.xlsx")
    filled = _fill(src, tmp_path / "a1.xlsx")["自评表"]
    assert filled["H13"][2] == MARK_FILL[COMPUTED]  # marked for now …
    assert filled["H13"][3].startswith("张三：这一项请财务核对\n\n—— jixiao 校验 ——\n已填入计算结果")
    assert filled["I13"][2:] == (USER_GREEN, "李四：已补充原因")  # never touched
    assert filled["B3"][3] == "项目名称与批复一致" and filled["E3"][2] == USER_YELLOW

    # the filler corrects the form (the score they had left blank, as computed) and runs again
    def correct(path: Path, out: Path) -> Path:
        wb = load_workbook(path)
        wb["自评表"]["F13"] = "500人次"  # target met after all: 20 points, typed by the filler
        wb["自评表"]["H13"] = 20
        wb.save(out)
        return out

    again = _fill(correct(tmp_path / "a1.xlsx", tmp_path / "a1c.xlsx"), tmp_path / "a2.xlsx")["自评表"]
    assert again["H13"][2:] == (USER_YELLOW, "张三：这一项请财务核对")  # their fill and note, exactly
    assert again["H13"][0] == 20.0
    book = S.from_xlsx(tmp_path / "a1.xlsx")
    S.click(xw, book)
    sheet = book.sheet("自评表")
    sheet.values[(13, 6)], sheet.values[(13, 8)] = "500人次", 20.0
    clicked = _click(xw, book)["自评表"]
    assert clicked["H13"] == again["H13"]


def test_a_click_without_desktop_reads_never_overwrites_a_users_note(xw, tmp_path: Path) -> None:
    """Where a note's text cannot be read (the remote engine), the user's note stays as it is."""
    book = S.from_xlsx(_users(tmp_path / "u.xlsx"))
    S.click(xw, book, desktop=False)
    sheet = book.sheet("自评表")
    assert sheet.notes[(13, 8)] == "张三：这一项请财务核对"
    assert sheet.fills[(13, 8)] == MARK_FILL[COMPUTED] and sheet.values[(13, 8)] == 16.0


def test_deleting_the_result_sheet_accepts_jixiaos_values(xw, tmp_path: Path) -> None:
    """The filler's way to take jixiao's figures as their own: delete 校验结果 and run again.
    The written 110 then counts as typed (no T304 any more), and its mark comes off."""
    first = fill_file(EXAMPLES / "01_信访宣传项目经费.xlsx", tmp_path / "a1.xlsx").output
    wb = load_workbook(first)
    del wb[RESULT_SHEET]
    wb.save(tmp_path / "a1_deleted.xlsx")
    again = fill_file(tmp_path / "a1_deleted.xlsx", tmp_path / "a2.xlsx")
    assert "T304" not in {f.code for f in again.findings} and "T301" in {f.code for f in again.findings}
    filled = S.state_of_xlsx(again.output)
    value, fmt, fill, note = filled["自评表"]["H19"]
    assert (value, fill) == (110.0, MARK_FILL["warning"])  # now only I208 (all full marks) is there
    assert note.startswith("提示 I208") and "T304" not in note and "已填入" not in note
    book = S.from_xlsx(first)
    book.sheets = [s for s in book.sheets if s.name != RESULT_SHEET]
    book.active = 0
    _same(filled, _click(xw, book), "fill vs click after 校验结果 was deleted")
