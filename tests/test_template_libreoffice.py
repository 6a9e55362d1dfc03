"""The template's formulas agree with the Python engine, recalculated in real LibreOffice.

Inputs are filled into copies of the template with openpyxl (which writes formulas
without cached values), LibreOffice headless converts them to xlsx with a fresh user
profile that forces recalculation on load, and openpyxl reads the results back
(``data_only=True``). Every computed cell is compared with ``jixiao.processor.core.compute``.

Forcing recalculation: LibreOffice's default for OOXML files is "never recalculate"
(``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode`` = 1) and it ignores the
workbook's ``fullCalcOnLoad`` flag, keeping whatever values are cached. The profile
written here sets ``OOXMLRecalcMode`` = 0 ("always recalculate"); the ``stale`` case
injects wrong cached values (999) to prove the setting is in effect.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lo_render
import pytest
from jixiao.processor.core.compute import excel_round, execution_score, funding_rate
from jixiao.processor.core.model import Field, FundingRow
from jixiao.processor.core.rules import Profile, load_profile
from jixiao.processor.template import project_form as T
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "templates" / "自评表.xlsx"
SOFFICE = lo_render.SOFFICE

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="需要 LibreOffice（apt-get install libreoffice-calc）")

Money = tuple[float | None, float | None, float | None]  # 年初预算数, 全年预算数, 全年执行数


@dataclass(frozen=True)
class Case:
    name: str
    funding: dict[str, Money]
    indicators: tuple[tuple[float, float], ...] = ()  # (分值, 得分) typed by the filler
    exec_weight: float | None = None  # None: keep the template's default
    profile: str = "default"
    stale: bool = False  # inject wrong cached values before recalculation
    note: str = field(default="", compare=False)


NONE3: Money = (None, None, None)

CASES = [
    Case("halfway", {"total": (100, 100, 86.25), "current": (80, 80, 69), "carryover": (20, 20, 17.25),
                     "other": (0, 0, 0)},
         ((20, 20), (30, 29.995), (40, 38.5)), note="0.8625×10 = 8.625 → 8.63; 97.125 → 97.13"),
    Case("over100", {"total": (50, 50, 55), "current": (50, 50, 55)}, ((50, 45), (30, 30), (10, 5)),
         note="执行率 110% 封顶 100%；总分恰为 90 → 优"),
    Case("zero_budget", {"total": (0, 0, 5), "current": (0, 0, 5)}, ((90, 79.995),),
         note="全年预算数 0 → 无执行率；79.995 → 80 → 良"),
    Case("blank", {}, (), note="空表：执行率、得分、总分、等级留空"),
    Case("executed_blank", {"total": (10, 10, None)}, ((60, 59.994),), note="59.99 → 差"),
    Case("round_1005", {"total": (200, 200, 20.1)}, ((90, 60),), note="0.1005×10 = 1.005 → 1.01"),
    Case("weight20", {"total": (3, 3, 1)}, ((80, 73.335),), exec_weight=20, note="6.67 + 73.335 → 80.01"),
    Case("subrows", {"total": (100, 120, 90), "current": (50, 60, 70), "carryover": (50, 60, 20),
                     "other": (0, 0, 0)}, ((30, 30), (30, 25.5), (30, 20.125)),
         note="分项执行率 > 1 与 < 1"),
    Case("halfway_stale", {"total": (100, 100, 86.25), "current": (80, 80, 69)}, ((20, 20),), stale=True,
         note="缓存值 999 必须被重算覆盖"),
    Case("caps65", {"total": (100, 100, 65)}, ((90, 85),), profile="province-example-caps", note="封顶 79"),
    Case("caps75", {"total": (100, 100, 75)}, ((90, 85),), profile="province-example-caps", note="封顶 89"),
    Case("caps55", {"total": (100, 100, 55)}, ((90, 85),), profile="province-example-caps", note="封顶 69"),
    Case("caps85", {"total": (100, 100, 85)}, ((90, 85),), profile="province-example-caps", note="不封顶"),
    Case("caps_nobudget", {"total": (0, 0, 5)}, ((90, 85),), profile="province-example-caps",
         note="无执行率不封顶"),
]  # fmt: skip


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def recalc_with_libreoffice(paths: list[Path], outdir: Path, workdir: Path) -> dict[Path, Path]:
    """Convert ``paths`` to xlsx in ``outdir`` with LibreOffice, recalculating every formula."""
    return lo_render.convert(paths, outdir, workdir, "xlsx:Calc MS Excel 2007 XML")


def inject_stale_cache(path: Path, value: str = "999") -> int:
    """Give every formula cell a wrong cached value, as a workbook last saved elsewhere would."""
    tmp = path.with_suffix(".tmp")
    n = 0
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                text, n = re.subn(r"(<f>[^<]*</f>)(?:<v\s*/>|<v>[^<]*</v>)?", rf"\1<v>{value}</v>", text)
                data = text.encode("utf-8")
            dst.writestr(info, data)
    tmp.replace(path)
    return n


def fill(template: Path, case: Case, out: Path) -> Path:
    """A copy of the template with the case's inputs typed in (formulas untouched)."""
    L, fc, ic = T.LAYOUT, T.LAYOUT.funding_cols, T.LAYOUT.indicator_cols
    wb = load_workbook(template)
    ws = wb[T.SHEET_NAME]
    ws[T.LAYOUT.cell("JX_ProjectName")] = f"测试项目 {case.name}"
    for kind, row in L.funding_rows.items():
        for key, v in zip(("initial", "budget", "executed"), case.funding.get(kind, NONE3), strict=True):
            ws[f"{fc[key]}{row}"] = v
    if case.exec_weight is not None:
        ws[f"{fc['weight']}{L.funding_rows['total']}"] = case.exec_weight
    for i, (weight, score) in enumerate(case.indicators):
        r = L.indicator_rows[i]
        ws[f"{ic['level3']}{r}"] = f"指标{i + 1}"
        ws[f"{ic['weight']}{r}"] = weight
        ws[f"{ic['score']}{r}"] = score
    wb.save(out)
    if case.stale:
        assert inject_stale_cache(out) > 0
    return out


def expected(case: Case, profile: Profile) -> dict[str, Any]:
    """What every computed cell should show, by the engine's own functions (None = blank)."""
    L, fc, ic = T.LAYOUT, T.LAYOUT.funding_cols, T.LAYOUT.indicator_cols
    den = profile["execution"]["denominator"]
    out: dict[str, Any] = {}
    rates: dict[str, float | None] = {}
    for kind, row in L.funding_rows.items():
        ini, bud, exe = case.funding.get(kind, NONE3)
        fr = FundingRow(kind=kind, label=Field(), row=row, initial=Field(ini, ini),
                        budget=Field(bud, bud), executed=Field(exe, exe))  # fmt: skip
        rates[kind] = funding_rate(fr, den)
        out[f"{fc['rate']}{row}"] = rates[kind]
    weight = profile.execution_weight if case.exec_weight is None else float(case.exec_weight)
    rate = rates["total"]
    exec_score = execution_score(rate, weight, profile)
    out[f"{fc['score']}{L.funding_rows['total']}"] = exec_score if rate is not None else None
    out[f"{ic['weight']}{L.total_row}"] = excel_round(weight + sum(w for w, _ in case.indicators), 2)
    scores = [s for _, s in case.indicators]
    total: float | None = None
    if rate is not None or scores:  # same arithmetic as compute.compute
        total = excel_round(exec_score + excel_round(sum(scores), 2), 2)
        if rate is not None:
            caps = [c["max_total"] for c in profile["execution"]["score_caps"] if rate < c["below"]]
            if caps and total > min(caps):
                total = float(min(caps))
    out[f"{ic['score']}{L.total_row}"] = total
    out[f"{ic['score']}{L.grade_row}"] = profile.grade(total) if total is not None else None
    return out


def python_round_differs(x: float) -> bool:
    """True when Python's round() would give another answer than Excel's ROUND here."""
    return round(x, 2) != excel_round(x, 2)


# ---------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("lo")
    templates: dict[str, Path] = {"default": COMMITTED}
    for prof in {c.profile for c in CASES} - {"default"}:
        templates[prof] = T.build_template(work / f"template-{prof}.xlsx", prof)
    (work / "in").mkdir()
    inputs = [fill(templates[c.profile], c, work / "in" / f"{c.name}.xlsx") for c in CASES]
    outs = recalc_with_libreoffice(inputs, work / "out", work)
    return {c.name: outs[p] for c, p in zip(CASES, inputs, strict=True)}


def _read(path: Path, cells: list[str]) -> dict[str, Any]:
    ws = load_workbook(path, data_only=True)[T.SHEET_NAME]
    return {a: ws[a].value for a in cells}


# ---------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------


def test_cases_exercise_excel_rounding() -> None:
    # the half-way cases really are cases where Python's round() would be wrong
    assert python_round_differs(0.8625 * 10)
    assert python_round_differs(86.25 / 100 * 10)
    assert excel_round(0.8625 * 10, 2) == 8.63


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_formulas_agree_with_engine(case: Case, recalculated: dict[str, Path]) -> None:
    profile = load_profile(case.profile)
    want = expected(case, profile)
    got = _read(recalculated[case.name], list(want))
    for cell, w in want.items():
        g = got[cell]
        if w is None:
            assert g in (None, ""), f"{case.name} {cell}: 应为空，LibreOffice 算得 {g!r}"
        elif isinstance(w, str):
            assert g == w, f"{case.name} {cell}: 应为 {w!r}，LibreOffice 算得 {g!r}"
        else:
            assert isinstance(g, (int, float)), f"{case.name} {cell}: 应为 {w!r}，LibreOffice 算得 {g!r}"
            assert abs(g - w) <= 1e-9 * max(1.0, abs(w)), f"{case.name} {cell}: 应为 {w!r}，LibreOffice 算得 {g!r}"


def test_known_values(recalculated: dict[str, Path]) -> None:
    """A few figures written out by hand, independent of the engine."""
    L = T.LAYOUT
    got = _read(recalculated["halfway"], ["H7", "I7", "H8", "H10", "G25", "H25", "H26"])
    assert got["H7"] == pytest.approx(0.8625)
    assert got["I7"] == 8.63  # Python's round(8.625, 2) gives 8.62
    assert got["H8"] == pytest.approx(0.8625)
    assert got["H10"] in (None, "")  # 全年预算数 0
    assert (got["G25"], got["H25"], got["H26"]) == (100, 97.13, "优")
    assert _read(recalculated["over100"], ["I7", "H25", "H26"]) == {"I7": 10, "H25": 90, "H26": "优"}
    assert _read(recalculated["round_1005"], ["I7"])["I7"] == 1.01
    assert _read(recalculated["zero_budget"], ["H25", "H26"]) == {"H25": 80, "H26": "良"}
    assert _read(recalculated["caps65"], ["H25", "H26"]) == {"H25": 79, "H26": "中"}
    assert _read(recalculated["halfway_stale"], [f"I{L.funding_rows['total']}"]) == {"I7": 8.63}


def test_engine_reads_recalculated_forms(recalculated: dict[str, Path]) -> None:
    """End to end: the label reader + compute agree with the recalculated cells."""
    from jixiao.processor.core.engine import check_file

    rate_cells = {f"H{r}" for r in T.LAYOUT.funding_rows.values()} | {"I7"}
    for case in CASES:
        profile = load_profile(case.profile)
        result = check_file(recalculated[case.name], profile)
        assert len(result.sheets) == 1, case.name
        sheet = result.sheets[0]
        got = _read(recalculated[case.name], ["H7", "I7"])
        s = sheet.scores
        if got["H7"] in (None, ""):
            assert s.execution_rate is None, case.name
        else:
            assert s.execution_rate == pytest.approx(got["H7"], abs=1e-12), case.name
            assert s.execution_score == got["I7"], case.name
        # the audit compares stated rates/scores with its own: the formulas must never be flagged
        flagged = [f for f in sheet.findings if f.cell in rate_cells]
        assert not flagged, f"{case.name}: " + "; ".join(f"{f.code} {f.cell} {f.message}" for f in flagged)
