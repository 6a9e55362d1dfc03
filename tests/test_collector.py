"""merge.collector.paused: no automatic collection inside, the previous state back after, on error too."""

from __future__ import annotations

import gc

import pytest
from jixiao.processor.merge.collector import paused


def test_paused_then_back_on_error_too():
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), paused():
        raise ValueError
    assert gc.isenabled()


def test_a_collector_off_before_stays_off():
    gc.disable()
    try:
        with paused(), paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_summary_is_written_with_the_collector_paused(monkeypatch):
    from jixiao.processor.merge import summary_xlsx

    seen = []
    monkeypatch.setattr(summary_xlsx, "_workbook", lambda result, target: seen.append(gc.isenabled()))
    summary_xlsx.render(None)
    assert seen == [False] and gc.isenabled()
