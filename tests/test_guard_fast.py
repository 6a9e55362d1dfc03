"""The guard's fast worksheet scan against its exact expat pass (issue 16).

``inspect(path)`` measures a plain worksheet with regular expressions
(:mod:`jixiao.processor.files.guard.sheet_scan`) and anything else with expat handlers;
``inspect(path, exact=True)`` uses the handlers everywhere. On every workbook the tests
can build — the examples, the real-table corpus, the hostile corpora of rounds two and
three, and the odd shapes below — both give the same verdict (code and parameters) or
the same report and the same figures. Forms written by the usual tools must take the
fast scan, or it would be tested on nothing.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from jixiao.processor.core.errors import InputError
from jixiao.processor.files.guard import inspect

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import _members, build_corpus, write_minimal_form  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def measure(path: Path, exact: bool, limits: dict | None = None) -> tuple:
    try:
        report = inspect(path, limits, exact=exact)
    except InputError as err:
        return ("refused", err.code, err.params)
    figures = dict(report.figures)
    fast = figures.pop("fast_sheets", 0)
    return ("ok", report.kind, report.cells, report.risky_functions, report.formulas, figures), fast


def same_both_ways(path: Path, limits: dict | None = None) -> int:
    """Assert the fast and the exact pass agree on ``path``; return the sheets scanned fast."""
    fast, exact = measure(path, False, limits), measure(path, True, limits)
    if fast[0] == "refused" or exact[0] == "refused":
        assert fast == exact, path.name
        return 0
    assert fast[0] == exact[0], path.name
    assert exact[1] == 0
    return fast[1]


def test_examples_and_test_data_agree_and_take_the_fast_scan():
    files = sorted((ROOT / "examples").glob("*.xlsx")) + sorted((ROOT / "tests" / "data").glob("*.xls*"))
    files.append(ROOT / "templates" / "自评表.xlsx")
    assert len(files) >= 7
    scanned = [same_both_ways(path) for path in files]
    assert all(scanned[:6]), "the examples (openpyxl) must take the fast scan"


def test_real_table_corpus_agrees(tmp_path):
    from corpus import build

    tables = build.tables()
    assert len(tables) >= 30
    scanned = [same_both_ways(build.build(table, tmp_path)) for table in tables]
    assert all(scanned)


def test_hostile_corpus_agrees(tmp_path):
    expected = build_corpus(tmp_path)
    fast = 0
    for name in sorted(expected):
        fast += same_both_ways(tmp_path / name) > 0
    assert fast >= 10  # the sane items and the ones refused elsewhere than in a sheet


def test_round_three_corpus_agrees(tmp_path):
    from hostile_round3 import gen

    paths = gen.build(tmp_path / "r3")
    assert paths
    for path in paths:
        same_both_ways(path)


def test_limits_are_decided_alike_near_the_edge(tmp_path):
    """Just within and just beyond each limit the scan measures: the fast scan accepts only
    what the exact pass accepts, and a refusal carries the exact pass's figures."""
    form = write_minimal_form(tmp_path / "form.xlsx")
    report = inspect(form)
    fig = report.figures
    assert fig["fast_sheets"] == 1 and fig["cells"] and fig["area"] and fig["merged"] and fig["text"]
    for key, figure in (("max_cell_elements", "cells"), ("max_cells", "area"), ("max_text_chars", "text"),
                        ("max_merged_cells", "merged")):
        for limit in (fig[figure], fig[figure] - 1):
            same_both_ways(form, {key: limit})
    assert measure(form, False, {"max_cells": fig["area"] - 1})[1] == "J538"


# ---------------------------------------------------------------------- odd shapes

@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> dict[str, bytes]:
    return _members(write_minimal_form(tmp_path_factory.mktemp("fast") / "base.xlsx"))


def with_sheet(tmp_path: Path, parts: dict[str, bytes], body: str, name: str = "t.xlsx",
               prolog: str = '<?xml version="1.0" encoding="UTF-8"?>') -> Path:
    xml = prolog + body
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in parts.items():
            z.writestr(member, xml.encode() if member == "xl/worksheets/sheet1.xml" else data)
    return path


def sheet(data: str, after: str = "", before: str = "") -> str:
    return f'<worksheet xmlns="{NS}">{before}<sheetData>{data}</sheetData>{after}</worksheet>'


PLAIN = {
    "excel": sheet('<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>0</v></c>'
                   '<c r="B1" s="2"><f>SUM(C1:C3)</f><v>6</v></c><c r="C1" s="2"/></row>'
                   '<row r="3" ht="20" customHeight="1"/><row r="4"><c r="D4" t="str">'
                   '<f t="shared" ref="D4:D9" si="0">A1&amp;"x"</f><v>ab</v></c></row>',
                   '<mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>'
                   '<hyperlinks><hyperlink ref="A1" r:id="rId1" display="链接"/></hyperlinks>'),
    "openpyxl_uncached": sheet('<row r="2"><c r="B2" s="5" t="n" /><c r="C2"><f>B2*2</f><v></v></c>'
                               '<c r="D2"><f>IF(B2&lt;0,"&gt;","")</f><v/></c><c r="E2"><f t="shared" si="0"/></c></row>'),
    "errors": sheet('<row r="6"><c r="E6" s="6" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
                    '<c r="I6" t="e"><v>#REF!</v></c><c r="J6" t="e"><f>X</f><v> </v></c></row>'),
    "inline_rich": sheet('<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> 甲 </t></is></c>'
                         '<c r="B1" t="inlineStr"><is><r><rPr><b/><sz val="11"/></rPr><t>乙</t></r>'
                         '<r><t>丙&amp;</t></r></is></c></row>'),
    "empty_rows_around": sheet('<row r="1"/><row r="2"></row><row r="3"><c r="A3"/></row><row r="9"/>'),
    "rows_only": sheet('<row r="1"/><row r="7" ht="3"/>'),
    "empty_sheet": f'<worksheet xmlns="{NS}"><sheetData/></worksheet>',
    "far_but_plain": sheet('<row r="900000"><c r="B900000"><v>1</v></c></row><row r="1"><c r="A1"/></row>'),
    "many_shared": sheet("".join(f'<row r="{r}"><c r="A{r}" t="s"><v>{r % 2}</v></c></row>' for r in range(1, 60))),
}

UNUSUAL = {
    "comment_with_cell": sheet('<row r="1"><c r="A1"/></row><!-- <row r="2"><c r="ZZZ99999"/></row> -->'),
    "cdata_in_formula": sheet('<row r="1"><c r="A1"><f><![CDATA[A1<c r="Z9">]]></f></c></row>'),
    "processing_instruction": sheet('<row r="1"><c r="A1"/></row><?x <c r="ZZ9"/> ?>'),
    "prefixed_cells": f'<x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r="2"><x:c r="A2"/><x:c r="E2"/>'
                      '</x:row></x:sheetData></x:worksheet>',
    "prefixed_cell_among_plain": sheet('<row r="1"><c r="A1"/><x:c xmlns:x="u" r="XFD99999"/></row>'),
    "cells_without_r": sheet('<row r="3"><c><v>1</v></c><c><v>2</v></c></row>'),
    "rows_without_r": sheet("<row><c><v>1</v></c></row><row><c r=\"B2\"/></row>"),
    "pretty_printed": sheet('\n  <row r="1">\n    <c r="A1"><v>1</v></c>\n  </row>\n'),
    "entity_in_r": sheet('<row r="1"><c r="&#65;1"><v>1</v></c></row>'),
    "single_quoted_t": sheet("<row r=\"1\"><c r=\"A1\" t='s'><v>0</v></c></row>"),
    "t_after_others": sheet('<row r="1"><c r="A1" cm="1" t="s"><v>0</v></c></row>'),
    "spaces_around_equals": sheet('<row r="1"><c r="A1" t = "s"><v>0</v></c></row>'),
    "gt_in_formula_attribute": sheet('<row r="1"><c r="A1"><f x="a>b">SUM()</f></c></row>'),
    "gt_in_text_attribute": sheet('<row r="1"><c r="A1" t="inlineStr"><is><t x="1 > 0" >甲</t></is></c></row>'),
    "slash_gt_in_cell_attribute": sheet('<row r="1"><c r="A1" x="/>"><v>1</v></c></row>'),
    "crlf_in_formula": sheet('<row r="1"><c r="A1"><f>A2&#13;\r\n+B2\r+C2</f></c></row>'),
    "cell_outside_row": sheet('<row r="1"><c r="A1"/></row><c r="B1"/>'),
    "nested_rows": sheet('<row r="1"><c r="A1"/><row r="2"><c r="A2"/></row></row>'),
    "nested_cells": sheet('<row r="1"><c r="A1"><c r="B1"/></c></row>'),
    "cell_in_rich_text": sheet('<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><c r="XFD1"/></rPr><t>x</t></r>'
                               '</is></c></row>'),
    "merge_in_rich_text": sheet('<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><mergeCell ref="A1:Z99"/>'
                                '</rPr><t>x</t></r></is></c></row>'),
    "long_run_of_empty_rows": sheet('<row r="1"><c r="A1"/></row>' + "".join(f'<row r="{r}"/>' for r in range(2, 80))
                                    + '<row r="80"><c r="B80"/></row>'),
    "two_sheet_data": sheet('<row r="1"><c r="A1"/></row>', '<sheetData><row r="9"><c r="Z9"/></row></sheetData>'),
    "cell_after_sheet_data": sheet('<row r="1"><c r="A1"/></row>', '<extLst><c r="Z99"/></extLst>'),
    "prefixed_merge": sheet('<row r="1"><c r="A1"/></row>', '<x:mergeCell xmlns:x="u" ref="A1:Z99"/>'),
    "merge_with_entity": sheet('<row r="1"><c r="A1"/></row>', '<mergeCells><mergeCell ref="A1:&#66;9"/></mergeCells>'),
    "hyperlink_single_quotes": sheet('<row r="1"><c r="A1"/></row>', "<hyperlinks><hyperlink ref='A1:C3'/></hyperlinks>"),
    "merge_before_data": sheet('<row r="1"><c r="A1"/></row>', before='<mergeCells><mergeCell ref="A1:D4"/></mergeCells>'),
    "utf16": "",  # filled in the test: the same plain sheet in UTF-16
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_shapes_take_the_fast_scan_and_agree(tmp_path, parts, name):
    path = with_sheet(tmp_path, parts, PLAIN[name])
    assert same_both_ways(path) == 1


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_unusual_shapes_agree_whichever_pass_measures_them(tmp_path, parts, name):
    if name == "utf16":
        xml = ('<?xml version="1.0" encoding="UTF-16"?>' + PLAIN["excel"]).encode("utf-16")
        path = tmp_path / "u.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            for member, data in parts.items():
                z.writestr(member, xml if member == "xl/worksheets/sheet1.xml" else data)
    else:
        path = with_sheet(tmp_path, parts, UNUSUAL[name])
    same_both_ways(path)


def test_what_the_scan_cannot_judge_goes_to_the_exact_pass(tmp_path, parts):
    # a comment may hide a far cell the scan would count: the exact pass measures the sheet
    for name in ("comment_with_cell", "prefixed_cells", "cells_without_r", "pretty_printed", "entity_in_r",
                 "single_quoted_t", "t_after_others", "gt_in_formula_attribute", "cell_outside_row",
                 "long_run_of_empty_rows", "two_sheet_data", "prefixed_merge", "cell_in_rich_text",
                 "merge_in_rich_text"):
        path = with_sheet(tmp_path, parts, UNUSUAL[name], name=f"{name}.xlsx")
        result = measure(path, False)
        assert result[0] == "refused" or result[1] == 0, name


def test_the_exact_figures_of_odd_text(tmp_path, parts):
    """Entities, line ends and error literals are read as expat reads them."""
    path = with_sheet(tmp_path, parts, PLAIN["openpyxl_uncached"])
    formulas = inspect(path).formulas
    assert formulas == {"自评表": {"C2": "=B2*2", "D2": '=IF(B2<0,">","")', "E2": "=（共享公式）"}}
    path = with_sheet(tmp_path, parts, PLAIN["errors"])
    assert inspect(path).formulas == {"自评表": {"E6": "#DIV/0!", "I6": "#REF!", "J6": "=X"}}
