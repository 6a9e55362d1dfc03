"""The funding-header search always moves on down the sheet.

A header band may reach above the row the search started from (a header-like row above it
joins the band). When that band holds a figure it is not a header, and the search must go
on below its start — it once restarted at the band's first row and looked at the same rows
for ever (found by test_fuzz_reader once numbers typed as text count as figures)."""

from __future__ import annotations

import signal

import pytest
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.grid import Grid
from jixiao.processor.core.reader.funding import funding_headers
from jixiao.processor.core.reader.sheet import Sheet
from jixiao.processor.core.reader.vocabulary import default_vocabulary

HEAD = ["", "年初预算数", "全年预算数", "全年执行数", "执行率"]


@pytest.fixture
def hang_guard():
    """Turn a hang into a failure (not a speed target: the search either ends or never does)."""
    def stop(*_):
        raise AssertionError("the funding-header search did not end")
    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("figure", [61, "61"])
def test_a_header_like_band_holding_a_figure_is_passed_over_and_the_search_ends(hang_guard, figure):
    rows = [["项目名称", "某项目", None, None, None],
            list(HEAD),
            [*HEAD[:4], figure],  # header words and a figure: a row of a table, not a header
            ["年度资金总额", 100, 100, 90, None]]
    grid = Grid("自评表", rows)
    sheet = Sheet(grid, default_vocabulary())
    assert all(h.first >= 1 for h in funding_headers(sheet))
    check_grids([grid], "甲.xlsx")  # ends, whatever it finds
