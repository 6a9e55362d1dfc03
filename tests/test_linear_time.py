"""Everything that parses submitted text does it in linear time (issue 11).

Each case feeds one parser an input built to make a backtracking regular expression or a
quadratic loop explode — tens of thousands of nested or unclosed ``<c`` tags, a megabyte
of one character, a header of nothing but ``=?`` — and runs it in its own process with
a time limit. No timing is asserted inside the test: a linear parser finishes these in
well under a second; the old regular expression over ``<c`` tags took minutes for the
first input. A timeout is the failure.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

LIMIT_SECONDS = 30

CASES = {
    # formula_cells: the lazy <c\b…(.*?)</c> regex rescanned from every nested tag
    "formula_cells_nested": """
        from jixiao.processor.files.formula_cells import scan_sheet
        xml = b'<worksheet><sheetData><row r="1">' + b'<c r="A1">' * 100_000 + b'<f>1</f>' \\
              + b'</c>' * 100_000 + b'</row></sheetData></worksheet>'
        scan_sheet(xml)
    """,
    "formula_cells_unclosed": """
        from jixiao.processor.files.formula_cells import scan_sheet
        scan_sheet(b'<worksheet><sheetData><row r="1">' + b'<c r="A1"><f>1</f>' * 200_000)
    """,
    "guard_nested_cells": """
        import io, zipfile, tempfile, os
        from jixiao.processor.core.errors import InputError
        from jixiao.processor.files.guard import inspect
        sheet = b'<worksheet><sheetData><row r="1">' + b'<c>' * 100_000 + b'</c>' * 100_000 + b'</row></sheetData></worksheet>'
        path = os.path.join(tempfile.mkdtemp(), 'n.xlsx')
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
            z.writestr('[Content_Types].xml', b'<Types/>')
            z.writestr('xl/workbook.xml', b'<workbook/>')
            z.writestr('xl/worksheets/sheet1.xml', sheet)
        try:
            inspect(path)
        except InputError as e:
            assert e.code == 'J501', e.code
    """,
    # the guard's fast worksheet scan, on inputs built against each of its patterns (it is
    # called only after expat accepted the part, but must be linear on any bytes)
    "guard_fast_scan": """
        from jixiao.processor.files.guard.sheet_scan import scan
        N = 200_000
        sd = lambda body, after=b'': b'<worksheet><sheetData>' + body + b'</sheetData>' + after + b'</worksheet>'
        for body in (b'<row/>' * N + b'x',                      # runs of empty rows, no cell after
                     b'</row>' + b'<row/>' * N + b'<row>x',
                     b'<row r="1">' + b'<c r="A1"><is>' + b'<t/>' * N,
                     b'<row r="1">' + b'<c r="A1"><is><r><rPr>' + b'<b/>' * N,
                     b'<row r="1"><c r="A1" ' + b' a="1"' * N,    # one endless cell tag
                     b'<row r="1"><c r="A1"><f>' + b'a' * (5 * N),
                     b'<row r="1">' + b'<c r="A1"><v>1</v></c>' * N + b'<x/>',
                     b'<row r="1"><c r="A1"/>' + b'<row ' * N,
                     b'<c r="A1"/>' * N,                          # cells outside rows
                     b'<row r="1"><c r="A1" t="s"><v>' + b' ' * (5 * N) + b'</v></c></row>',
                     b'<row r="1"><c r="A1"><f>' + b'&amp;' * N + b'"' + b' ' * N + b'</f></c></row>'):
            scan(sd(body))
        scan(sd(b'', b'<x:' * N))
        scan(sd(b'', b'<mergeCell ref="' * N))
        scan(sd(b'', b'<hyperlink a="1"' * N))
        scan(sd(b'', b'<' + b'a:' * N + b'c '))
        scan(b'<worksheet><sheetData>' + b'<sheetData>' * N)
    """,
    "cell_references": """
        from jixiao.processor.files.guard.cellrefs import parse_cell, range_cells
        for ref in ('A' * 1_000_000, '1' * 1_000_000, 'A1' * 500_000):
            parse_cell(ref)
            range_cells(ref)
        range_cells('A1:B2 ' * 200_000)
    """,
    "visible_text": """
        from jixiao.processor.core.visible import visible
        visible('\\x1b[2J\\u202e项目' * 2_000_000, keep='\\n')
    """,
    "roster_email_pattern": """
        from jixiao.processor.collect.roster import EMAIL
        EMAIL.findall('a' * 1_000_000)
        EMAIL.findall('a@' * 500_000)
        EMAIL.findall('a@b.' * 250_000)
    """,
    "addresses": """
        from jixiao.processor.collect.addresses import normalize_address
        normalize_address('a' * 1_000_000 + '@' + 'b.' * 500_000)
    """,
    "encoded_words": """
        from jixiao.processor.collect.textdecode import decode_words, mime_params
        decode_words('=?' * 500_000)
        decode_words('=?utf-8?B?' + 'A' * 1_000_000)
        mime_params('attachment; ' + 'filename*0*=x;' * 50_000)
        mime_params('attachment; filename="' + '\\\\' * 1_000_000)
    """,
    "message_id_and_dates": """
        from jixiao.processor.collect.sources import normalize_message_id
        from jixiao.processor.collect.collector import _parse_date
        normalize_message_id('<' * 1_000_000)
        normalize_message_id('<a' * 500_000)
        _parse_date('2024-01-01 ' + ' ' * 1_000_000 + 'x')
        _parse_date('GMT+' * 250_000)
    """,
    "fill_formula_scanner": """
        from jixiao.processor.files.sanitize import formula_strings, refers_outside
        refers_outside('"' * 1_000_001)
        refers_outside('[' * 1_000_000)
        refers_outside('=A1&"' + '""' * 500_000)
    """,
    "mbox_one_huge_line": """
        import os, tempfile
        from pathlib import Path
        from jixiao.processor.collect.sources import iter_mbox
        path = Path(tempfile.mkdtemp()) / 'x.mbox'
        with open(path, 'wb') as f:
            f.write(b'From a@b Sat Jan  1 00:00:00 2000\\n')
            f.write(b'x' * 50_000_000)
        msgs = list(iter_mbox(path, max_bytes=10_000_000))
        assert len(msgs) == 1 and msgs[0].data is None and msgs[0].code == 'C117'
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_parser_finishes_on_adversarial_input(name):
    code = textwrap.dedent(CASES[name])
    try:
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=LIMIT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: still running after {LIMIT_SECONDS} s (super-linear parsing)")
    assert run.returncode == 0, run.stderr[-2000:]
