"""Red team of issue 16's fast paths: inputs their authors did not design, against the plain
computations (and the code before the speed work) they replace."""

from __future__ import annotations

from jixiao.processor.core.grid import Grid
from jixiao.processor.core.reader import sheet as sheet_module
from jixiao.processor.core.reader.sheet import Sheet
from jixiao.processor.core.reader.vocabulary import default_vocabulary

# ------------------------------------------------------------ merged-range maps shared between sheets


def _big_merges(shift: int) -> list[tuple[int, int, int, int]]:
    """249 ranges of 40 × 50 cells: some 500,000 merged cells, what the guard lets a file hold
    (max_merged_cells), each list distinct."""
    return [(30 + 41 * k, 12 + shift, 69 + 41 * k, 61 + shift) for k in range(249)]


def test_sheets_with_huge_merges_are_not_kept_between_forms():
    """The shared maps are kept for the next form (64 lists). A template's ranges cover a few
    hundred cells; a hostile file's may cover half a million, and 64 such files kept 5 GB alive
    in one worker (measured: ``jixiao check`` of 70 such files, 138 MB before the speed work,
    5.5 GB with the maps kept). Those maps are the sheet's own and go with it."""
    sheet_module._merge_maps.cache_clear()
    vocab = default_vocabulary()
    rows = [["项目名称", "x"], ["", ""]]
    for shift in range(3):
        s = Sheet(Grid("s", rows, 1, 1, _big_merges(shift)), vocab)
        assert s.merge_br[(30, 12 + shift)] == (69, 61 + shift)  # (still read in full)
        assert s.merge_tl[(69, 61 + shift)] == (30, 12 + shift)
    # nor does a reversed range (rows or columns backwards) make a big list look small
    Sheet(Grid("s", rows, 1, 1, [*_big_merges(9), (1_000_000, 1, 1, 1), (1, 1_000_000, 1, 1)]), vocab)
    kept = sheet_module._merge_maps.cache_info().currsize
    assert kept == 0, f"{kept} maps of half a million merged cells each kept for later forms"


def test_what_the_shared_maps_can_hold_is_bounded():
    """Whatever lists come, the cache holds at most maxsize lists of at most _SHARED_CELLS cells."""
    held = sheet_module._merge_maps.cache_parameters()["maxsize"] * sheet_module._SHARED_CELLS
    assert held <= 200_000
    sheet_module._merge_maps.cache_clear()
    vocab = default_vocabulary()
    for shift in range(5):  # a template-sized list: shared
        Sheet(Grid("s", [["a"]], 1, 1, [(1, 1 + shift, 2, 3 + shift), (3, 1, 3, 9)]), vocab)
    assert sheet_module._merge_maps.cache_info().currsize == 5


# ------------------------------------------------------------ texts read once per distinct text


def _weight_row(weight) -> list:
    from builders import Ind, default_indicators

    inds = default_indicators()
    inds[0] = Ind("产出指标", "数量指标", "培训人次", "≥500人次", "520人次", weight, 20)
    return inds


def _codes(weight) -> list[tuple[str, str | None]]:
    from builders import Form, make_grid
    from jixiao.processor.core.engine import check_grid

    return [(f.code, f.cell) for f in check_grid(make_grid(Form(indicators=_weight_row(weight))), "a.xlsx").findings]


def test_a_formula_is_never_read_from_the_typed_texts_cache_entry():
    """A 分值 cell holding a formula without a cached value is the form's own computation (no
    R005); a cell with the same characters typed as text is not a number (R005). A Formula equals
    the text it holds, so a cache keyed on the text would hand one the other's reading."""
    from jixiao.processor.core.grid import Formula
    from jixiao.processor.core.values import NO_NUMBER, _parse_number_text, parse_number

    for text in ("SUM(10,10)", "=G13*2", "10", "１０", "—"):
        _parse_number_text.cache_clear()
        typed = parse_number(text)
        assert parse_number(Formula(text)) is NO_NUMBER and NO_NUMBER.ok  # after the typed text
        assert parse_number(text) == typed == _parse_number_text.__wrapped__(text)
    _parse_number_text.cache_clear()
    cold = _codes(Formula("SUM(10,10)"))
    assert ("R005", "G13") not in cold
    typed = _codes("SUM(10,10)")
    assert ("R005", "G13") in typed
    assert _codes(Formula("SUM(10,10)")) == cold  # the typed text's reading is cached by now
    assert _codes("SUM(10,10)") == typed


# ------------------------------------------------------------ Excel's ROUND


def _round_reference(x: float, n: int) -> float:
    """Excel ROUND from first principles: the value's 15 significant digits as an exact fraction,
    half away from zero (no Decimal context, no fast path)."""
    from fractions import Fraction

    t = Fraction(f"{x:.15g}")
    scaled = abs(t) * 10**n
    q = int(scaled + Fraction(1, 2))  # floor(|t|·10ⁿ + ½): a half goes away from zero
    out = float(Fraction(q, 10**n))
    return -out if t < 0 else out


_NEAR_HALVES = [2.675, 1.005, 0.125, 0.285, 1.255, 8.345, 0.045, 94.415, 9.995, 4.35, 1.15, 0.5, 2.5, -2.5,
                -1.005, -0.125, 99999999999999.95, 12345678901.235, 0.0001, 0.00005, 1e-5, 0.1 + 0.2, 1 / 3]


def test_excel_round_against_exact_fractions():
    import math

    from hypothesis import given, settings
    from hypothesis import strategies as st
    from jixiao.processor.core.compute import excel_round

    for x in _NEAR_HALVES:  # each, and the floats right beside it (a .5 just below or above in binary)
        for y in (math.nextafter(x, -math.inf), x, math.nextafter(x, math.inf)):
            for n in range(0, 7):
                assert excel_round(y, n) == _round_reference(y, n), (y, n)

    @settings(max_examples=3000)
    @given(st.one_of(st.floats(min_value=-1e15, max_value=1e15, exclude_max=True, exclude_min=True),
                     st.builds(lambda k, d: k / 10**d + 5 / 10**(d + 1), st.integers(-10**8, 10**8), st.integers(0, 4))),
           st.integers(0, 6))
    def check(x, n):
        assert excel_round(x, n) == _round_reference(x, n)

    check()
    for x in (math.nan, math.inf, -math.inf, 1e15, -1e16, 5e-324):  # nothing to round (or below any digit)
        assert repr(excel_round(x, 2)) == repr(x if not math.isfinite(x) or abs(x) >= 1e15 else 0.0)
    assert repr(excel_round(-0.0, 2)) == "0.0" and repr(excel_round(-0.0, 0)) == "0.0"


# ------------------------------------------------------------ two profiles in one process

_VARIANT = {
    "extends": "default", "id": "redteam-variant", "name": "红队变体", "description": "两套规则在同一进程",
    "weights": {"total": 100, "level1": {"产出指标": 40, "效益指标": 40, "满意度指标": 10}},
    "framework": {
        "level1": {"产出指标": ["数量指标", "质量指标"], "效益指标": ["社会效益指标"], "满意度指标": ["服务对象满意度指标"],
                   "成本指标": ["经济成本指标"]},
        "lower_is_better": ["培训人次", "合格率", "响应时间"], "higher_is_better": ["成本", "时间"]},
    "qualitative": {"vague_actuals": ["520人次", "97%", "93%"]},
    "vocabulary": {"indicator_columns": {"weight": {"equals+": ["标准分"]}}},
}
_CHECK = """
import json, sys
from builders import Form, Ind, default_indicators, make_grid, replace_cells
from jixiao.processor.core.engine import check_grid
from jixiao.processor.core.rules import load_profile
out = []
for tag in sys.argv[1].split(","):
    profile = load_profile() if tag == "default" else load_profile(sys.argv[2])
    for form in ("project", "department", "标准分"):
        if form == "department":
            from department_forms import seed_grid
            grid = seed_grid()
        else:
            inds = default_indicators()  # targets without ≥ / ≤: the direction comes from the name
            inds[0] = Ind("产出指标", "数量指标", "培训人次", "500人次", "520人次", 20, 20)
            inds[2] = Ind("产出指标", "时效指标", "问题响应时间", "8小时", "6小时", 10, 10)
            grid = make_grid(Form(l1_weights=True, indicators=inds))
            if form == "标准分":
                replace_cells(grid, {"分值": "标准分"})
        r = check_grid(grid, "a.xlsx", profile)
        out.append([tag, form, r.scores.total_score, r.scores.grade, [(f.code, f.severity, f.cell, f.message) for f in r.findings]])
print(json.dumps(out, ensure_ascii=False))
"""


def _run(order: str, variant: str) -> list:
    import json
    import subprocess
    import sys
    from pathlib import Path

    tests = str(Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", _CHECK, order, variant], capture_output=True, text=True, check=True,
                         cwd=tests, env={"PYTHONPATH": tests, "PATH": "/usr/bin:/bin"}).stdout
    return json.loads(out)


def test_two_profiles_in_one_process_never_share_answers(tmp_path):
    """The scorer's and the auditor's per-profile caches (direction words, vague 实际完成值, the
    framework's cores, first-level weights, the vocabulary): the Python API loading the default
    profile and a variant in one process gets, for each, what a process of its own gets."""
    import json

    variant = tmp_path / "variant.json"
    variant.write_text(json.dumps(_VARIANT, ensure_ascii=False), encoding="utf-8")
    alone_default = _run("default", str(variant))
    alone_variant = _run("variant", str(variant))
    assert [x[4] for x in alone_default] != [x[4] for x in alone_variant]  # the variant changes the findings
    mixed = _run("default,variant,default,variant", str(variant))
    assert mixed == alone_default + alone_variant + alone_default + alone_variant


# ------------------------------------------------------------ the summary's text cells

_HOSTILE = ["=HYPERLINK(\"http://x.cn\",\"点我\")", "<r><t>注入</t></r>", "_x0041_单位", "_x005F_x0041_", "报表\u202excod.exe",
            "  前后空格  ", "\n换行\n", "+1", "-1", "@SUM(A1)", "=1+1", "铃_x0007_声", "Ａ\u0301全角"]


def test_texts_from_submissions_read_back_as_shown_on_every_summary_sheet(tmp_path):
    """Unit, project and indicator names shaped as formulas, rich text, OOXML escapes, bidi
    controls and edge spaces, each on many rows (the inline-string cache of the long sheets and
    the shared strings of the xlsxwriter sheets): read back as Excel reads them, every one is the
    text the outputs show (in_document of what the form holds), and no cell is a formula."""
    import jixiao
    import openpyxl
    from builders import Form, Ind, cell_of, default_indicators, make_grid, write_xlsx
    from jixiao.processor.core.grid import parse_addr
    from jixiao.processor.core.visible import in_document
    from python_calamine import CalamineWorkbook

    src = tmp_path / "in"
    src.mkdir()
    for i, text in enumerate(_HOSTILE):
        inds = default_indicators()
        inds[0] = Ind("产出指标", "数量指标", text, "≥500人次", "20人次", 20, 20)  # a finding naming it
        for k in range(2):  # twice: the second is a cache hit
            grid = make_grid(Form(project=text, unit=text, department=text, indicators=inds))
            write_xlsx(src / f"{i:02d}_{k}.xlsx", grid)
    row, col = parse_addr(cell_of(grid, text))
    out = tmp_path / "汇总.xlsx"
    jixiao.merge(src).write_xlsx(out)

    def rows(path):  # read as Excel reads: _xHHHH_ decoded (openpyxl leaves them)
        wb = CalamineWorkbook.from_path(str(path))
        return [r for name in wb.sheet_names for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)]

    shown = [v for r in rows(out) for v in r if isinstance(v, str)]
    for i, text in enumerate(_HOSTILE):
        # what the form holds as the reader takes it (stripped), as the outputs show it
        want = in_document(rows(src / f"{i:02d}_0.xlsx")[row - 1][col - 1].strip())
        assert shown.count(want) >= 2, (text, want)  # the unit and project columns: the whole text
        assert any(want in t and t != want for t in shown), want  # inside a finding's message
    wb = openpyxl.load_workbook(out)
    formulas = [(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f" and not str(c.value).startswith("=SUBTOTAL(")]
    assert formulas == []


# ------------------------------------------------------------ sort keys from pypinyin's dictionaries

_UNIT_NAMES = [
    "重庆市长寿区银行行长办公室", "长沙市乐山乐器行", "一块石头落地办", "行长", "朝阳区朝阳门", "单于单位", "重重",  # polyphones in phrases
    "𠀀𪛖单位", "\U0002A6D6", "\U0002B740中", "\U00030000", "\U00031350区", "\U0002F80A", "〇〇单位", "\ue815",  # extensions, PUA
    "兀单位", "\u2f00\u2f08局", "\uf900\ufa18", "々単位", "ㄅㄆ", "㐀㐁",  # compatibility ideographs, radicals (NFKC maps them)
    "Ａ单位", "A单位", "a单位", "１号楼", "1号楼", "Ⅳ号", "单位😀", "😀", "", " ", "\u3000",  # full width, emoji, blanks
    "\ud800单位", "单\udfff位", "e单位", "ü单位", "ā单位", "m̄", "ê̄", "单位\u0301",  # surrogates, toned Latin
    "北京市丰台区信访办公室", "区 信访 办", "区（信访）办", "某区信访办公室(示例单位)",
    "一块石头", "欸诶单位", "嗯呣", "哦噢",  # a rest that only begins a phrase; ê, ń, m readings
]


def test_unit_and_project_keys_are_pypinyins():
    """order.pinyin_key is lazy_pinyin (TONE3, neutral tone 5) of the normalised name, and
    order.name_key each character's first reading through to_tone3 — for the names above:
    phrases with polyphones, CJK extensions, compatibility ideographs and radicals, full-width
    forms, emoji, blanks, lone surrogates and toned Latin letters."""
    from jixiao.processor.core.values import norm
    from jixiao.processor.merge import order
    from pypinyin import Style, lazy_pinyin
    from pypinyin.contrib.tone_convert import to_tone3
    from pypinyin.pinyin_dict import pinyin_dict

    order.pinyin_key.cache_clear()
    order.name_key.cache_clear()
    order._char_key.cache_clear()
    for name in _UNIT_NAMES:
        text = norm(name)
        want = (*(s.lower() for s in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)), "\0", text)
        assert order.pinyin_key(name) == (want if text else ("\U0010ffff",)), name

        def char(ch: str) -> str:
            reading = pinyin_dict.get(ord(ch))
            return to_tone3(reading.split(",")[0], neutral_tone_with_five=True) if reading else ch.lower()

        assert order.name_key(name) == ((*map(char, text), "\0", text) if text else ("\U0010ffff",)), name


# ------------------------------------------------------------ sealed rules files


def test_a_sealed_file_that_is_no_profile_is_still_refused_in_chinese():
    """The seal vouches for the shipped profiles as profiles. vocabulary.json is sealed too, as a
    part every profile is composed with, not as a profile: ``--rules vocabulary`` (or its path)
    was refused with P6xx before the seal, and crashed with KeyError 'execution' after it."""
    import subprocess
    import sys

    import pytest
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.rules import _profiles_dir, load_profile

    for name in ("vocabulary", str(_profiles_dir() / "vocabulary.json")):
        load_profile.cache_clear()
        with pytest.raises(InputError) as refused:
            load_profile(name)
        assert refused.value.code.startswith("P6") and "vocabulary.json" in str(refused.value)
    out = subprocess.run([sys.executable, "-m", "jixiao.processor.cli.main", "check", "x.xlsx", "--rules", "vocabulary"],
                         capture_output=True, text=True)
    assert "Traceback" not in out.stderr and "KeyError" not in out.stderr + out.stdout
    assert "vocabulary.json" in out.stderr + out.stdout and out.returncode != 0


def test_merged_ranges_given_as_lists_are_read_as_before():
    """A grid built by hand or from JSON (the engine's API takes any Grid) may hold its merged
    ranges as lists: unhashable, so the shared maps' cache cannot key on them; the sheet then
    makes maps of its own (before the speed work such a grid was read, after it: TypeError)."""
    from builders import Form, make_grid
    from jixiao.processor.core.engine import check_grid

    grid = make_grid(Form(merge_levels=True))
    assert grid.merged
    as_tuples = [(f.code, f.cell, f.message) for f in check_grid(grid, "a.xlsx").findings]
    grid.merged = [list(m) for m in grid.merged]
    s = Sheet(grid, default_vocabulary())
    assert dict(s.merge_br) == {(r1, c1): (r2, c2) for r1, c1, r2, c2 in grid.merged}
    assert [(f.code, f.cell, f.message) for f in check_grid(grid, "a.xlsx").findings] == as_tuples
