"""The pipeline on real files: guard → calamine → reader → compute → audit."""

import shutil
from pathlib import Path

from hostile_corpus import EXTERNAL_LINK, EXTERNAL_LINK_RELS, _rewrite, write_minimal_form
from jixiao.processor.core.engine import check_file, cross_check

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_macros_and_links_are_read_for_values_only_with_an_info_finding(tmp_path):
    base = write_minimal_form(tmp_path / "base.xlsx")
    xlsm = _rewrite(base, tmp_path / "带宏.xlsm", add={
        "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "xl/externalLinks/externalLink1.xml": EXTERNAL_LINK.encode(),
        "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_LINK_RELS.encode(),
    })
    result = check_file(xlsm)
    r011 = [f for f in result.findings if f.code == "R011"]
    assert len(r011) == 1 and r011[0].severity == "info"
    assert "宏" in r011[0].message and "外部链接" in r011[0].message
    assert result.sheets and result.sheets[0].record.project.text  # the values were still read


def test_cross_check_over_the_seed_flags_copied_indicators(tmp_path):
    results = [check_file(p) for p in sorted(EXAMPLES.glob("0[1-5]_*.xlsx"))]
    cross_check(results)
    flagged = {Path(s.file).name for r in results for s in r.sheets if any(f.code == "I223" for f in s.findings)}
    # 信访工作经费 and 服务经费 share 6 of their 7 indicators
    assert {"02_信访工作经费.xlsx", "04_服务经费.xlsx"} <= flagged


def test_input_file_is_not_modified(tmp_path):
    src = tmp_path / "a.xlsx"
    shutil.copyfile(EXAMPLES / "02_信访工作经费.xlsx", src)
    before = src.read_bytes(), src.stat().st_mtime_ns
    check_file(src)
    assert (src.read_bytes(), src.stat().st_mtime_ns) == before


def test_every_reader_variant_reads_the_same_from_a_real_file(tmp_path):
    """The grid path and the calamine file path agree on every layout variant."""
    from builders import make_grid, write_xlsx
    from jixiao.processor.core.engine import check_grid
    from test_reader import VARIANTS

    for i, (name, form) in enumerate(VARIANTS.items()):
        grid = make_grid(form)
        from_file = check_file(write_xlsx(tmp_path / f"v{i}.xlsx", grid)).sheets[0]
        from_grid = check_grid(grid, from_file.file)
        assert from_file.scores.as_json() == from_grid.scores.as_json(), name
        assert [(f.code, f.cell) for f in from_file.findings] == [(f.code, f.cell) for f in from_grid.findings], name


def _template_filled_by_openpyxl(path):
    """Our template filled by a program (openpyxl saves formulas without cached values)."""
    from builders import fill_template

    return fill_template(path)


def test_formula_cells_without_cached_values_are_not_missing(tmp_path):
    from jixiao.processor.files.formula_cells import uncached_formulas

    path = _template_filled_by_openpyxl(tmp_path / "t.xlsx")
    formulas = uncached_formulas(str(path))["自评表"]
    assert formulas["H7"].startswith("=IF(") and formulas["H25"].startswith("=IF(COUNT(")
    s = check_file(path).sheets[0]
    assert (s.scores.execution_rate, s.scores.total_score) == (0.8, 98.0)
    assert [f for f in s.findings if f.severity == "error"] == []  # no “未填写” for the form's formulas


def test_the_guard_finds_uncached_formulas_in_its_own_pass(tmp_path, monkeypatch):
    """One pass over the package: the guard hands the formula cells to the reader, which
    then opens the zip only through python-calamine (formula_cells is not asked)."""
    import zipfile

    from jixiao.processor.files import formula_cells
    from jixiao.processor.files.guard import inspect

    path = _template_filled_by_openpyxl(tmp_path / "t.xlsx")
    expected = formula_cells.uncached_formulas(str(path))
    with zipfile.ZipFile(path) as z:  # the part-by-part scan agrees on a sheet's own XML
        assert formula_cells.scan_sheet(z.read("xl/worksheets/sheet1.xml")) == expected["自评表"]
    assert inspect(path).formulas == expected and expected["自评表"]

    def second_open(*_a, **_k):
        raise AssertionError("the package was opened a second time for its formulas")

    monkeypatch.setattr(formula_cells, "uncached_formulas", second_open)
    s = check_file(path).sheets[0]
    assert (s.scores.execution_rate, s.scores.total_score) == (0.8, 98.0)


def test_uncached_formulas_of_a_cell_with_and_without_its_value():
    from jixiao.processor.files.formula_cells import scan_sheet

    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row r="1"><c r="A1"><f>SUM(B1:C1)</f></c><c r="B1"><f>1+1</f><v>2</v></c>'
           b'<c r="C1" t="s"><f>X()</f><v>  </v></c><c r="D1"><f t="shared" si="0"/></c>'
           b'<c r="E1" t="s"><v>3</v></c></row></sheetData></worksheet>')
    assert scan_sheet(xml) == {"A1": "=SUM(B1:C1)", "C1": "=X()", "D1": "=（共享公式）"}


def test_cached_formula_values_are_read_as_values(tmp_path):
    """jixiao fill writes cached values back: the same formulas then read as values."""
    from jixiao.processor.files.formula_cells import uncached_formulas
    from jixiao.processor.files.openpyxl_write import fill_file

    src = _template_filled_by_openpyxl(tmp_path / "t.xlsx")
    assert uncached_formulas(str(src))["自评表"]
    out = fill_file(src).output
    assert uncached_formulas(str(out)).get("自评表", {}).keys().isdisjoint({"H7", "I7", "H25"})
    s = check_file(out).sheets[0]
    assert s.record.funding_row("total").rate.value == 0.8  # the cached value, read by calamine


def test_a_stray_uncached_formula_far_away(tmp_path):
    """At XFD1048576 the guard refuses the sheet (its rectangle is too large to read); a
    nearer stray formula is read as the form's own cell without growing past the limit."""
    import zipfile

    import pytest
    from hostile_corpus import write_minimal_form
    from jixiao.processor.core.errors import InputError

    base = write_minimal_form(tmp_path / "base.xlsx")
    with zipfile.ZipFile(base) as z:
        parts = {n: z.read(n) for n in z.namelist()}

    def with_formula_at(ref: str, row: int) -> Path:
        out = dict(parts)
        out["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
            b"</sheetData>", f'<row r="{row}"><c r="{ref}"><f>1+1</f></c></row></sheetData>'.encode())
        path = tmp_path / f"{ref}.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in out.items():
                z.writestr(name, data)
        return path

    with pytest.raises(InputError) as err:
        check_file(with_formula_at("XFD1048576", 1048576))
    assert err.value.code == "J538"  # the sheet's used rectangle, refused by the guard
    record = check_file(with_formula_at("Z5000", 5000)).sheets[0].record
    assert record.total is not None


def test_profiles_with_the_same_id_do_not_share_caches(tmp_path):
    import dataclasses

    from jixiao.processor.core.compute import qualitative_level
    from jixiao.processor.core.rules import load_profile

    base = load_profile()
    data = dataclasses.replace(base, data={**base.data, "qualitative": {
        **base["qualitative"], "levels": [{**base["qualitative"]["levels"][0], "aliases": ["完美"]},
                                          *base["qualitative"]["levels"][1:]]}})
    assert qualitative_level("完美", base) is None
    assert qualitative_level("完美", data)["name"] == "达成预期指标"


def test_severity_overrides_reach_findings_made_outside_the_audit(tmp_path):
    from builders import Form, make_grid
    from jixiao.processor.core.engine import check_grids
    from jixiao.processor.core.grid import Grid
    from jixiao.processor.core.rules import load_profile

    p = tmp_path / "quiet.json"
    p.write_text('{"extends": "default", "id": "quiet", "name": "安静", "severity": {"R001": "off", "I223": "warning",'
                 ' "R011": "off"}}', encoding="utf-8")
    quiet = load_profile(str(p))
    result = check_grids([Grid("说明", [["填表说明"]]), make_grid(Form())], "f.xlsx", quiet)
    assert result.findings == []  # R001 switched off
    results = [check_file(p_, quiet) for p_ in sorted(EXAMPLES.glob("0[24]_*.xlsx"))]
    cross_check(results, quiet)
    i223 = [f for r in results for s in r.sheets for f in s.findings if f.code == "I223"]
    assert i223 and all(f.severity == "warning" for f in i223)
