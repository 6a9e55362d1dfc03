"""jixiao.main() through xlwings' remote engine on real tables in foreign layouts.

Every case builds the sheet as an Excel client sends it (cell values from A1, "" for a
blank), runs the add-in entry point ``jixiao.main()`` and then checks EVERY action it
queued against an independent computation of what it should have done:

* each setValues on the form writes exactly the values of the engine's plan
  (``jixiao.processor.core.plan.build_plan``; also checked against hand-computed 执行率 /
  资金得分 / 指标得分 / 总分) to the right cells (the remote engine's start_row /
  start_column are 0-based), one call per rectangle, and only into cells the engine owns —
  never over a filler's input;
* a cell jixiao wrote gets the computed look, every other finding's cell the fill of its
  worst severity, and a note that carries each finding's message and fix; nothing else on
  the form is coloured or annotated;
* the 校验结果 page lists one row per finding under its header, submission text that
  starts with ``= + - @`` stays text, only our own cell links are formulas; the run's
  record goes to a hidden sheet;
* the alert is the summary.

The remote engine cannot read fills, number formats or note texts; here it runs without
the desktop reads of ``tests/excel_sim.py`` (the contract test runs with them).

The remote engine is part of xlwings PRO: ``XLWINGS_LICENSE_KEY=noncommercial`` is set
here, for the tests only (as in tests/test_addin_main.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import builders as B
import pytest
import real_layouts as RL
from jixiao.processor.core.grid import Grid, addr, parse_addr
from jixiao.processor.core.marks import (
    COMPUTED,
    LEDGER_SHEET,
    MARK_FILL,
    RESULT_SHEET,
    computed_line,
    finding_note,
    looks_like_formula,
)
from jixiao.processor.core.plan import KEEP, Look
from jixiao.processor.core.result_page import RESULT_HEADER
from xlsx_snapshot import expected_mark
from xlwings_remote import actions, make_book, sheet_json

ROOT = Path(__file__).resolve().parent.parent


def values_of_layout(s: RL.Sheet) -> list[list[Any]]:
    """A real_layouts Sheet as the remote payload: a rectangle from A1, "" for blanks."""
    cells = {parse_addr(a1): v for a1, v in s.cells.items()}
    h = max(r for r, _ in cells)
    w = max(c for _, c in cells)
    out = [[""] * w for _ in range(h)]
    for (r, c), v in cells.items():
        out[r - 1][c - 1] = v
    return out


def values_of_grid(g: Grid) -> list[list[Any]]:
    """A builders grid (any origin) as the remote payload from A1."""
    out = [[""] * g.max_col for _ in range(g.max_row)]
    for i, row in enumerate(g.rows):
        for j, v in enumerate(row):
            if v is not None:
                out[g.origin_row - 1 + i][g.origin_col - 1 + j] = v
    return out


def values_of_xlsx(path: Path) -> tuple[str, list[list[Any]]]:
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    return ws.title, [["" if v is None else v for v in row] for row in ws.iter_rows(min_row=1, min_col=1,
                                                                                   values_only=True)]


def find(values: list[list[Any]], text: str, nth: int = 0) -> tuple[int, int]:
    """1-based (row, col) of the nth cell whose text is exactly ``text``."""
    hits = [(i + 1, j + 1) for i, row in enumerate(values) for j, v in enumerate(row) if v == text]
    return hits[nth]


def a1(pos: tuple[int, int]) -> str:
    return addr(*pos)


# --------------------------------------------------------------------------- actions


def top_left(a: dict) -> tuple[int, int]:
    return a["start_row"] + 1, a["start_column"] + 1


def cells_of(a: dict) -> list[tuple[int, int]]:
    r0, c0 = top_left(a)
    return [(r0 + i, c0 + j) for i in range(a["row_count"]) for j in range(a["column_count"])]


def written_cells(book: Any, sheet: int = 0) -> dict[tuple[int, int], Any]:
    out: dict[tuple[int, int], Any] = {}
    for a in actions(book, "setValues", sheet):
        r0, c0 = top_left(a)
        assert len(a["values"]) == a["row_count"] and all(len(r) == a["column_count"] for r in a["values"])
        for i, row in enumerate(a["values"]):
            for j, v in enumerate(row):
                assert (r0 + i, c0 + j) not in out, f"{addr(r0 + i, c0 + j)} written twice"
                out[(r0 + i, c0 + j)] = v
    return out


def alerts(book: Any) -> list[str]:
    return [a["args"][0] for a in actions(book, "alert")]


def mergeable(a: dict, b: dict) -> bool:
    """Two rectangles that one call could have covered."""
    (ar, ac), (br, bc) = top_left(a), top_left(b)
    same_rows = ar == br and a["row_count"] == b["row_count"]
    same_cols = ac == bc and a["column_count"] == b["column_count"]
    return ((same_rows and (ac + a["column_count"] == bc or bc + b["column_count"] == ac))
            or (same_cols and (ar + a["row_count"] == br or br + b["row_count"] == ar)))


# --------------------------------------------------------------------------- the oracle


def expected_for(values: list[list[Any]], sheet: str, book_name: str = "自评表.xlsx"):
    """(results, plan) computed directly by the engine on the same cells (origin A1), seen
    as the remote engine shows them: values only (fills, formats and notes unknown)."""
    from jixiao.processor.core.engine import check_sheet
    from jixiao.processor.core.plan import build_plan
    from jixiao.processor.core.rules import load_profile

    rows = [[None if v == "" else v for v in row] for row in values]
    grid = Grid(sheet, rows, 1, 1)
    profile = load_profile()
    results = check_sheet(grid, book_name, profile)
    assert results, "the oracle does not see a 自评表 here"
    looks = lambda name, cells: {c: Look(grid.get(*parse_addr(c)), None, None) for c in cells}  # noqa: E731
    return results, build_plan(results, looks=looks, tolerances=profile.tol, scope=sheet, sheet_order=[sheet])


def engine_owned(results) -> set[tuple[int, int]]:
    from jixiao.processor.core.plan import computed_cells

    return {parse_addr(c.split(":")[0]) for r in results for c in computed_cells(r)}


def page_rows(book: Any, position: int = 1) -> list[list[Any]]:
    """The findings table the click wrote to 校验结果 (rows below the header)."""
    (page,) = actions(book, "setValues", position)
    rows = page["values"]
    header = rows.index(RESULT_HEADER)
    return [r for r in rows[header + 1:] if any(v not in (None, "") for v in r)], header + 1


def run_and_verify(xw: Any, values: list[list[Any]], sheet: str = "自评表", hand: dict[str, Any] | None = None,
                   extra_sheets: tuple = (), **sheet_extra: Any):
    """Run jixiao.main() on the sheet and check every action it queued."""
    import jixiao

    results, plan = expected_for(values, sheet)
    findings = [f for r in results for f in r.findings]
    book = make_book(xw, [sheet_json(sheet, values, **sheet_extra), *extra_sheets])
    jixiao.main()
    acts = book.json()["actions"]
    funcs = {a["func"] for a in acts}
    allowed = {"setScreenUpdating", "setValues", "setNumberFormat", "setRangeColor", "addNote", "addSheet",
               "setFontProperty", "activateSheet", "alert", "rangeMerge", "setColumnWidth", "setRowHeight",
               "setWrapText", "setSheetVisibility"}
    assert funcs <= allowed, funcs - allowed

    # ---- alert: exactly the summary
    assert alerts(book) == [plan.summary]
    assert actions(book, "alert")[0]["args"][1:4] == [jixiao.ALERT_TITLE, "ok", "info"]

    # ---- values on the form: exactly the engine's, in the right cells
    written = written_cells(book, 0)
    planned = {parse_addr(c.cell): c.value for c in plan.changes if c.value is not KEEP}
    assert {a1(p): v for p, v in written.items()} == {a1(p): v for p, v in planned.items()}
    for cell, value in (hand or {}).items():
        got = written.get(parse_addr(cell))
        assert got == pytest.approx(value) if isinstance(value, float) else got == value, (cell, got, value)
    # written cells are engine-owned (执行率 / 资金得分 / 指标得分 / 总分 / 等级), never an input
    owned = engine_owned(results)
    assert set(written) <= owned, [a1(p) for p in set(written) - owned]
    # and each written cell was blank or held a different stated value (a note says which)
    for pos, v in written.items():
        before = values[pos[0] - 1][pos[1] - 1] if pos[0] <= len(values) and pos[1] <= len(values[0]) else ""
        assert before != v, (a1(pos), before, v)
    # number formats: the plan's, one call per rectangle of one format
    formats = {c.cell: c.number_format for c in plan.changes if c.number_format is not KEEP}
    fmt_acts = actions(book, "setNumberFormat", 0)
    assert {a1(p): a["args"][0] for a in fmt_acts for p in cells_of(a)} == formats
    for i, x in enumerate(fmt_acts):
        for y in fmt_acts[i + 1:]:
            assert not (x["args"] == y["args"] and mergeable(x, y)), (a1(top_left(x)), a1(top_left(y)))
    value_acts = actions(book, "setValues", 0)
    for i, x in enumerate(value_acts):
        for y in value_acts[i + 1:]:
            assert not mergeable(x, y), (a1(top_left(x)), a1(top_left(y)))

    # ---- fills on the form: every finding's cell and every written cell, nothing else
    by_cell: dict[tuple[int, int], list] = {}
    for f in findings:
        if f.cell:
            by_cell.setdefault(parse_addr(f.cell.split(":")[0]), []).append(f)
    marks = {pos: "#" + expected_mark(by_cell.get(pos, []), pos in written) for pos in set(by_cell) | set(written)}
    fills: dict[tuple[int, int], str] = {}
    color_acts = actions(book, "setRangeColor", 0)
    for a in color_acts:
        for pos in cells_of(a):
            assert pos not in fills, f"{a1(pos)} coloured twice"
            fills[pos] = a["args"][0]
    assert {a1(p): c for p, c in fills.items()} == {a1(p): c for p, c in marks.items()}
    for i, x in enumerate(color_acts):
        for y in color_acts[i + 1:]:
            assert not (x["args"] == y["args"] and mergeable(x, y)), (a1(top_left(x)), a1(top_left(y)))

    # ---- notes: one per marked cell, each carrying every finding's message and fix
    notes = {}
    for a in actions(book, "addNote", 0):
        assert a["row_count"] == a["column_count"] == 1
        assert a["args"][0] == "$" + "$".join(_split(a1(top_left(a))))
        notes[top_left(a)] = a["args"][1]
    assert set(notes) == set(marks)
    for pos, fs in by_cell.items():
        for f in fs:
            assert finding_note(f) in notes[pos]
    for pos in written:
        assert notes[pos].startswith(computed_line(None)[:6]), notes[pos]
        assert marks[pos] == "#" + MARK_FILL[COMPUTED]

    # ---- the 校验结果 page right after the form, the record hidden at the end
    assert [a["args"] for a in actions(book, "addSheet")] == [[1, RESULT_SHEET], [len(book.sheets) - 1, LEDGER_SHEET]]
    names = [s.name for s in book.sheets]
    assert names[:2] == [sheet, RESULT_SHEET] and names[-1] == LEDGER_SHEET
    assert actions(book, "setSheetVisibility")[-1]["args"] == ["Hidden"]
    rows, first = page_rows(book)
    # one form: sorted by severity then cell; stacked forms: form by form
    ordered = [f for r in results for f in sorted(r.findings, key=lambda f: f.sort_key())]
    if not ordered:
        assert len(rows) == 1 and rows[0][5] == "未发现问题。"
    else:
        assert len(rows) == len(ordered)
    from jixiao.processor.core.findings import SEVERITY_CN

    for i, (row, f) in enumerate(zip(rows, ordered), start=1):
        assert row[:4] == [i, SEVERITY_CN[f.severity], f.code, as_cell_text(sheet)]
        if f.cell:
            quoted = sheet.replace("'", "''").replace('"', '""')
            assert row[4] == f'=HYPERLINK("#\'{quoted}\'!{f.cell.split(":")[0]}","{f.cell}")'
        else:
            assert row[4] in ("", None)
        for got, raw in ((row[5], f.message), (row[6], f.fix)):
            assert got == as_cell_text(raw)
        # nothing but our own link may be a formula
        assert not any(looks_like_formula(v) for k, v in enumerate(row) if k != 4)
    level_fills = {}
    for a in actions(book, "setRangeColor", 1):
        for pos in cells_of(a):
            level_fills[pos] = a["args"][0]
    for i, f in enumerate(ordered):
        assert level_fills[(first + 1 + i, 2)] == "#" + MARK_FILL[f.severity]
    assert actions(book, "activateSheet")[-1]["args"] == [0]

    # ---- few calls: bounded by the number of rectangles and notes, not cells
    page_calls = len([a for a in acts if a.get("sheet_position") in (1, len(book.sheets) - 1)])
    assert len(acts) - page_calls <= 8 + len(value_acts) + len(fmt_acts) + len(color_acts) + len(notes)
    return book, results, plan, written


def as_cell_text(value: Any) -> Any:
    return "'" + value if looks_like_formula(value) else value


def _split(a1_text: str) -> tuple[str, str]:
    letters = "".join(ch for ch in a1_text if ch.isalpha())
    return letters, a1_text[len(letters):]


# --------------------------------------------------------------------------- builders variants

def wrong_form(**layout: Any) -> B.Form:
    """A form whose engine-owned cells are blank or wrong, so main() has to write.

    执行率 45/50 = 90% (blank on 总额 and 当年拨款), 资金得分 0.9 × 10 = 9 (blank),
    培训人次 400/500 × 20 = 16 (blank), 问题响应时间 ≤8 h with 10 h: 8/10 × 10 = 8 (stated 10),
    总分 9 + 16 + 15 + 8 + 5 + 30 + 10 = 93 (blank).
    """
    inds = B.default_indicators()
    inds[0].actual, inds[0].score = "400人次", None
    inds[0].deviation = "部分培训推迟"
    inds[2].actual, inds[2].score = "10小时", 10
    inds[2].deviation = "人手不足"
    base = {"total": (50, 50, 45, 10, None, None), "current": (50, 50, 45, "—", None, "—"),
            "total_row": (100, None), "indicators": inds}
    return B.Form(**(base | layout))


def hand_values(values: list[list[Any]], rate_header: str = "执行率") -> dict[str, Any]:
    """The hand-computed figures of ``wrong_form`` located by label in the sheet."""
    total_r, _ = find(values, "年度资金总额")
    cur_r, _ = find(values, "其中：当年财政拨款")
    hdr_r, rate_c = find(values, rate_header)
    score_c = next(j + 1 for j, v in enumerate(values[hdr_r - 1]) if v == "得分")
    ind_hdr_r, _ = find(values, "一级指标")
    ind_score_c = next(j + 1 for j, v in enumerate(values[ind_hdr_r - 1]) if v == "得分")
    sum_r, _ = find(values, "总分")
    return {
        addr(total_r, rate_c): 0.9, addr(cur_r, rate_c): 0.9, addr(total_r, score_c): 9.0,
        addr(find(values, "培训人次")[0], ind_score_c): 16.0,
        addr(find(values, "问题响应时间")[0], ind_score_c): 8.0,
        addr(sum_r, ind_score_c): 93.0,
    }


VARIANTS = {
    "paper": {},
    "rate_B_over_A": {"no_initial_column": True},
    "columns_reordered": {"indicator_columns": ("l1", "l2", "l3", "weight", "target", "actual", "score",
                                               "deviation")},
    "score_before_weight": {"indicator_columns": ("l3", "l1", "l2", "actual", "target", "score", "weight",
                                                 "deviation")},
    "level1_weights_merged": {"l1_weights": True, "merge_levels": True},
    "levels_once": {"level_once": True},
    "extra_columns_rows_placeholders": {"notes_column": True, "extra_rows": True, "placeholder_rows": 2},
    "offset_origin_C3": {"origin": (3, 3)},
    "offset_origin_with_extras": {"origin": (4, 2), "extra_rows": True, "notes_column": True},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_builder_variants_write_exactly_the_engine_values(xw, variant) -> None:
    values = values_of_grid(B.make_grid(wrong_form(**VARIANTS[variant])))
    header = "执行率（B/A）" if VARIANTS[variant].get("no_initial_column") else "执行率"
    hand = hand_values(values, header)
    _, _, _, written = run_and_verify(xw, values, hand=hand)
    assert {a1(p) for p in written} == set(hand)  # exactly the six hand-computed cells


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_builder_variants_correct_form_writes_nothing(xw, variant) -> None:
    values = values_of_grid(B.make_grid(B.Form(**VARIANTS[variant])))
    _, _, plan, written = run_and_verify(xw, values)
    assert written == {} and all(c.value is KEEP for c in plan.changes)


def test_grade_row_is_written_over_a_wrong_grade(xw) -> None:
    values = values_of_grid(B.make_grid(wrong_form(grade="良")))
    r, c = find(values, "自评等级")
    hand = {**hand_values(values), addr(r, c + 1): "优"}  # 93 → 优
    run_and_verify(xw, values, hand=hand)


# --------------------------------------------------------------------------- real layouts


def test_sichuan_anke_numbers_as_text_all_agree(xw) -> None:
    """四川 510000_0013zp: numbers exported as text (“3.36”, “100.00%”, “97”) all agree."""
    values = values_of_layout(RL.sichuan_daying_anke_2023())
    _, results, plan, written = run_and_verify(xw, values)
    assert written == {}
    sc = results[0].scores
    assert (sc.execution_rate, sc.execution_score, sc.total_score) == (1.0, 10.0, 97.0)


def test_sichuan_anke_blank_engine_cells_are_filled_at_the_right_cells(xw) -> None:
    s = RL.sichuan_daying_anke_2023().set(F9=None, F10=None, H9=None, J15=None, J16="15", J19=None)
    values = values_of_layout(s)
    # F9/F10 3.36/3.36 = 100%; H9 10; J15 50 (= 100 %); J16 13/13 → 20 (stated 15);
    # 合计 J19 = 10 + 50 + 20 + 7 (qualitative, stated) + 10 = 97
    hand = {"F9": 1.0, "F10": 1.0, "H9": 10.0, "J15": 50.0, "J16": 20.0, "J19": 97.0}
    _, _, _, written = run_and_verify(xw, values, hand=hand)
    assert {a1(p) for p in written} == set(hand)
    assert values[18][8] == "100"  # 合计 权重 I19 untouched


def test_sichuan_qingshen_blank_scores(xw) -> None:
    """Scores, 完成值 and the 合计 得分 left blank: only 资金得分 can be computed; the total is not
    known (the indicators' scores are not), so 合计 stays blank rather than “10”."""
    values = values_of_layout(RL.sichuan_qingshen_wages_2023())
    _, results, _, written = run_and_verify(xw, values)
    assert results[0].scores.execution_score == 10.0  # 251.89 / 251.89 × 10
    assert results[0].scores.total_score is None
    assert {a1(p): v for p, v in written.items()} == {"H9": 10.0}


def test_sichuan_wages_lower_is_better(xw) -> None:
    """科目调整次数 ≤10 次, actual 12: 22.5 × 10/12 = 18.75 (stated 18.75, agrees)."""
    values = values_of_layout(RL.sichuan_wages_4x22_5().set(J16=None, J19="100"))
    hand = {"J16": 18.75, "J19": 96.25}
    _, _, _, written = run_and_verify(xw, values, hand=hand)
    assert {a1(p) for p in written} == set(hand)


def test_sichuan_cost_only(xw) -> None:
    values = values_of_layout(RL.sichuan_daying_cost_only_2023())
    run_and_verify(xw, values)


def test_anhui_zero_total_row(xw) -> None:
    """安徽: the total row filled with 0 while 其中 holds 90/89.974: F101 on D6:F6, the
    blank 其中 执行率 H7 filled with 89.974 / 89.974 = 100%."""
    values = values_of_layout(RL.anhui_guichi_2022())
    _, results, _, written = run_and_verify(xw, values, hand={"H7": 1.0})
    assert {a1(p) for p in written} == {"H7"}
    codes = {(f.code, f.cell) for f in results[0].findings}
    assert {("F101", "D6"), ("F101", "E6"), ("F101", "F6")} <= codes


def test_anhui_filled_total_row_with_blank_scores(xw) -> None:
    s = RL.anhui_guichi_2022(total_row_zero=False).set(I6=None, H13=None, H17="6", H24=None)
    values = values_of_layout(s)
    # I6 = 1 × 10; H13 50/≥50 → 8; H17 90/≤90 → 8 (stated 6); 总分 = 10 + 90 = 100
    hand = {"I6": 10.0, "H13": 8.0, "H17": 8.0, "H24": 100.0}
    _, _, _, written = run_and_verify(xw, values, hand=hand)
    assert {a1(p) for p in written} - {"H7"} == set(hand)


def test_template_execution_indicator_layout(xw) -> None:
    """执行率（B/A） table without 分值/得分; 项目预算执行率 scored as an indicator."""
    values = values_of_layout(RL.template_execution_indicator())
    _, results, _, written = run_and_verify(xw, values)
    assert written == {}
    assert results[0].scores.total_score == 98.09  # 19 + 15 + 9.09 + 10 + 20 + 15 + 10


def test_template_execution_indicator_blank_cells(xw) -> None:
    s = RL.template_execution_indicator().set(E6=None, H10=None, H12=None, H17=None)
    values = values_of_layout(s)
    # E6 38/40 = 95%; H10 380/400 × 20 = 19; H12 10/11 × 10 = 9.09; 总分 98.09 (no execution score)
    hand = {"E6": 0.95, "H10": 19.0, "H12": 9.09, "H17": 98.09}
    _, _, _, written = run_and_verify(xw, values, hand=hand)
    assert {a1(p) for p in written} == set(hand)


# --------------------------------------------------------------------------- seed examples


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.xlsx")), ids=lambda p: p.stem)
def test_seed_examples(xw, path) -> None:
    name, values = values_of_xlsx(path)
    run_and_verify(xw, values, sheet=name)


# --------------------------------------------------------------------------- text, percent, formulas


def test_numbers_as_text_everywhere(xw) -> None:
    """Every number typed as text (“50”, “45万元”, “20”, “１０”): the same writes."""
    form = wrong_form(total=("50", "50", "45万元", "10", None, None), current=("50", "50", "45", "—", None, "—"),
                      total_row=("100", None))
    for ind in form.indicators:
        ind.weight = str(ind.weight)
        ind.score = None if ind.score is None else "１０" if ind.score == 10 and ind.l3 == "问题响应时间" \
            else str(ind.score)
    values = values_of_grid(B.make_grid(form))
    run_and_verify(xw, values, hand=hand_values(values))


def test_percent_cells_as_fractions(xw) -> None:
    """Percent-formatted cells arrive as 0.95: 执行率 0.9 agrees, actual 0.97 for “≥95%” is 97%."""
    form = wrong_form(total=(50, 50, 45, 10, 0.9, 9), current=(50, 50, 45, "—", 0.9, "—"), total_row=(100, 93))
    form.indicators[1].actual = 0.97  # 培训合格率 ≥95%: met, 15
    form.indicators[4].actual = 0.9  # 政策知晓率 ≥90%: met, 30
    form.indicators[5].actual = 0.92  # 满意度 ≥90%: met, 10
    form.indicators[0].score = 16
    form.indicators[2].score = 8
    values = values_of_grid(B.make_grid(form))
    _, results, _, written = run_and_verify(xw, values)
    assert written == {}
    assert results[0].scores.total_score == 93.0


def test_percent_cell_below_target(xw) -> None:
    """实际完成值 0.9 (a 90% cell) against “≥95%”: 15 × 90/95 = 14.21, total 93 − 0.79."""
    form = wrong_form()
    form.indicators[1].actual = 0.9
    form.indicators[1].deviation = "抽检不合格"
    values = values_of_grid(B.make_grid(form))
    score_r = find(values, "培训合格率")[0]
    hand = {**hand_values(values), f"H{score_r}": 14.21}
    hand[f"H{find(values, '总分')[0]}"] = 92.21
    run_and_verify(xw, values, hand=hand)


FORMULA_TEXT = '=HYPERLINK("http://x","y")'


def test_formula_like_submission_text_stays_text(xw) -> None:
    """Project name, funding labels and a sheet name starting with = + - @ never become formulas."""
    values = values_of_grid(B.make_grid(wrong_form(project=FORMULA_TEXT)))
    hand = hand_values(values)
    r, c = find(values, "年度资金总额")
    values[r - 1][c - 1] = "=年度资金总额"  # F111 “{label}执行率未填写” starts with “=”
    r, c = find(values, "其中：当年财政拨款")
    values[r - 1][c - 1] = "+其中：当年财政拨款"
    book, results, plan, written = run_and_verify(xw, values, hand=hand)
    assert find(values, FORMULA_TEXT) not in written
    rows, _ = page_rows(book)
    messages = [row[5] for row in rows]
    assert any(m.startswith("'=年度资金总额") for m in messages)
    assert any(m.startswith("'+其中") for m in messages)


def test_sheet_name_starting_with_minus(xw) -> None:
    values = values_of_grid(B.make_grid(wrong_form()))
    book, _, _, _ = run_and_verify(xw, values, "-2024自评表")
    rows, _ = page_rows(book)
    assert all(row[3] == "'-2024自评表" for row in rows)
    assert all(row[4].startswith("=HYPERLINK(\"#'-2024自评表'!") for row in rows if row[4])


# --------------------------------------------------------------------------- stacked, offsets


def test_two_forms_stacked_every_write(xw) -> None:
    upper = B.make_grid(wrong_form(project="甲项目"))
    lower = B.make_grid(wrong_form(project="乙项目", no_initial_column=True))
    rows = upper.rows + [[None] * len(upper.rows[0])] + lower.rows
    width = max(len(r) for r in rows)
    values = [[("" if v is None else v) for v in r] + [""] * (width - len(r)) for r in rows]
    offset = len(upper.rows) + 1
    hand_upper = hand_values(values[:len(upper.rows)])
    hand_lower = {addr(parse_addr(k)[0] + offset, parse_addr(k)[1]): v
                  for k, v in hand_values(values[offset:], "执行率（B/A）").items()}
    book, results, plan, written = run_and_verify(xw, values, hand=hand_upper | hand_lower)
    assert len(results) == 2
    assert {a1(p) for p in written} == set(hand_upper) | set(hand_lower)
    assert alerts(book)[0].startswith("共 2 张自评表：")


def test_used_range_not_at_a1_payload_from_a1(xw) -> None:
    """The client sends values from A1 (blank rows/columns above and left): same cells."""
    values = values_of_grid(B.make_grid(wrong_form(origin=(5, 4))))
    assert values[0] == [""] * len(values[0]) and all(r[0] == "" for r in values)
    hand = hand_values(values)
    assert "J10" in hand  # 总额 执行率 at row 5+5, column D+6
    run_and_verify(xw, values, hand=hand)


def test_used_range_address_offset(xw) -> None:
    """A client that also sends used_range_address (C5:…): the grid starts there and
    writes still land on the absolute cells (0-based start_row/start_column)."""
    from jixiao.processor.files.xlwings_read import read_grid_from_sheet

    values = values_of_grid(B.make_grid(wrong_form(origin=(5, 3))))
    used = f"C5:{addr(len(values), len(values[0]))}"
    probe = make_book(xw, [sheet_json("自评表", values, used_range_address=used)])
    grid = read_grid_from_sheet(probe.sheets.active)
    assert (grid.origin_row, grid.origin_col) == (5, 3) and grid.rows[0][0] == "项目支出绩效自评表"
    del xw.Book._mock_caller
    hand = hand_values(values)
    book, _, _, written = run_and_verify(xw, values, hand=hand, used_range_address=used)
    r, c = parse_addr(next(k for k, v in hand.items() if v == 93.0))
    (total_write,) = [a for a in actions(book, "setValues", 0) if top_left(a) == (r, c)]
    assert (total_write["start_row"], total_write["start_column"]) == (r - 1, c - 1)


# --------------------------------------------------------------------------- sheets that are not checked


def _no_writes(book) -> None:
    assert actions(book, "setValues") == [] and actions(book, "setRangeColor") == []
    assert actions(book, "addNote") == [] and actions(book, "addSheet") == []


def test_non_form_sheet(xw) -> None:
    import jixiao

    book = make_book(xw, [sheet_json("名单", [["姓名", "电话", "金额"], ["张三", "123", 45], ["=1+1", "-2", "@x"]])])
    jixiao.main()
    (message,) = alerts(book)
    assert "不是项目支出绩效自评表" in message and "名单" in message
    _no_writes(book)


@pytest.mark.parametrize("values", [[], [[]], [[""]], [["", ""], ["", ""]]], ids=["no-rows", "empty-row", "A1", "2x2"])
def test_empty_sheet(xw, values) -> None:
    import jixiao

    book = make_book(xw, [sheet_json("Sheet1", values)])
    jixiao.main()
    (message,) = alerts(book)
    assert "是空的" in message
    _no_writes(book)


def test_blank_template(xw) -> None:
    import jixiao

    name, values = values_of_xlsx(ROOT / "templates" / "自评表.xlsx")
    book = make_book(xw, [sheet_json(name, values)])
    jixiao.main()
    (message,) = alerts(book)
    assert "空白自评表" in message
    _no_writes(book)


def test_result_sheet_active(xw) -> None:
    import jixiao

    values = values_of_grid(B.make_grid(wrong_form()))
    book = make_book(xw, [sheet_json("自评表", values), sheet_json(RESULT_SHEET, [RESULT_HEADER])], active=1)
    jixiao.main()
    assert "请切换到自评表" in alerts(book)[0]
    _no_writes(book)


def test_form_on_second_sheet_with_other_sheets(xw) -> None:
    """The active sheet is the second one: every action addresses sheet_position 1."""
    import jixiao

    values = values_of_grid(B.make_grid(wrong_form()))
    _, plan = expected_for(values, "自评表")
    book = make_book(xw, [sheet_json("说明", [["填表说明"]]), sheet_json("自评表", values),
                          sheet_json("附表", [["x"]])], active=1)
    jixiao.main()
    assert alerts(book) == [plan.summary]
    assert [s.name for s in book.sheets] == ["说明", "自评表", RESULT_SHEET, "附表", LEDGER_SHEET]
    form_writes = written_cells(book, 1)
    assert {a1(p): v for p, v in form_writes.items()} == {c.cell: c.value for c in plan.changes if c.value is not KEEP}
    assert written_cells(book, 0) == {}
    assert [a["args"] for a in actions(book, "addSheet")] == [[2, RESULT_SHEET], [4, LEDGER_SHEET]]
    assert actions(book, "activateSheet")[-1]["args"] == [1]


def test_existing_result_sheet_is_rewritten_not_added(xw) -> None:
    """A 校验结果 sheet from an older add-in (findings table at the top, no record): it is
    rewritten in place, and the cells it listed lose their old marks when fine now."""
    import jixiao

    values = values_of_grid(B.make_grid(wrong_form()))
    _, plan = expected_for(values, "自评表")
    old = [RESULT_HEADER, [1, "错误", "J101", "自评表", "A30", "旧问题", "", ""]]
    book = make_book(xw, [sheet_json("自评表", values), sheet_json(RESULT_SHEET, old)])
    jixiao.main()
    assert [a["args"] for a in actions(book, "addSheet")] == [[2, LEDGER_SHEET]]
    assert [a["sheet_position"] for a in actions(book, "sheetClear")] == [1]
    cleared = [top_left(a) for a in actions(book, "setRangeColor", 0) if a["args"] == [None]]
    assert cleared == [(30, 1)]
    rows, _ = page_rows(book)
    assert len(rows) == len([f for r in expected_for(values, "自评表")[0] for f in r.findings])


def test_sheet_name_with_quotes_in_links(xw) -> None:
    import jixiao

    values = values_of_grid(B.make_grid(wrong_form()))
    name = "张\'s \"表\""
    results, _ = expected_for(values, name)
    book = make_book(xw, [sheet_json(name, values)])
    jixiao.main()
    rows, _ = page_rows(book)
    cells = [f.cell for r in results for f in sorted(r.findings, key=lambda f: f.sort_key())]
    assert [row[4] for row in rows] == [
        f'=HYPERLINK("#\'张\'\'s ""表""\'!{c}","{c}")' if c else None for c in cells]


# --------------------------------------------------------------------------- a second click


@pytest.mark.parametrize("desktop", [True, False], ids=["desktop", "remote"])
def test_second_click_writes_nothing_again(xw, desktop: bool) -> None:
    """A second click on the first click's result: the record gives the filler's values
    back and the same findings follow. Desktop Excel tells fills, formats and notes, so
    nothing on the form is written again; where they cannot be read, only those are."""
    import excel_sim as S

    grid = B.make_grid(wrong_form())
    sheet = S.SimSheet("自评表", values={(grid.origin_row + i, grid.origin_col + j): v
                                        for i, row in enumerate(grid.rows) for j, v in enumerate(row) if v is not None})
    book = S.SimBook("自评表.xlsx", [sheet])
    S.click(xw, book, desktop=desktop)
    first = S.state_of_sim(book)
    acts = S.click(xw, book, desktop=desktop)
    form = [a["func"] for a in acts if a.get("sheet_position") == 0 and a["func"] != "activateSheet"]
    if desktop:
        assert form == []
    else:
        assert "setValues" not in form and set(form) <= {"setNumberFormat", "setRangeColor", "setNoteText"}
    assert S.state_of_sim(book) == first


def test_second_click_keeps_the_fillers_value_in_the_record(xw) -> None:
    """The first click records the filler's 10 (replaced by 8); the second click checks that
    10 again (I204 persists) and lists it as the original value."""
    import excel_sim as S

    values = values_of_grid(B.make_grid(wrong_form()))
    r = find(values, "问题响应时间")[0]
    assert values[r - 1][7] == 10
    sheet = S.SimSheet("自评表", values={(i + 1, j + 1): v for i, row in enumerate(values)
                                        for j, v in enumerate(row) if v != ""})
    book = S.SimBook("自评表.xlsx", [sheet])
    S.click(xw, book, desktop=False)
    S.click(xw, book, desktop=False)
    assert book.sheet("自评表").values[(r, 8)] == 8.0
    page = book.sheet(RESULT_SHEET).values
    rows = [[page.get((i, c)) for c in range(1, 9)] for i in range(1, 80)]
    hit = next(row for row in rows if row[2] == "I204")
    assert hit[4].endswith(f'!H{r}","H{r}")') and hit[7] == "10"
