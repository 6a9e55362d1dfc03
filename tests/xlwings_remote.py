"""Driving the add-in through xlwings' remote engine (shared by the add-in tests).

``xw.Book(json=…)`` builds a book from the JSON an Office.js client sends; every change
made through the ordinary xlwings API is recorded as an action in ``book.json()``. The
remote engine is part of xlwings PRO: ``XLWINGS_LICENSE_KEY=noncommercial`` is set here,
only for the tests. Test modules import the fixtures they use (``xw`` and the two
autouse ones) from this module.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from typing import Any

import pytest

LICENSE_ENV = "XLWINGS_LICENSE_KEY"


def load_remote_xlwings() -> tuple[Any, str | None]:
    """xlwings with its remote engine registered, or (None, reason)."""
    try:
        import xlwings as xw
    except Exception as exc:  # noqa: BLE001 - any failure means: skip with the reason
        return None, f"xlwings 无法导入：{exc!r}"
    if "remote" not in [engine.name for engine in xw.engines]:
        # xlwings was imported before the licence variable was set: register it now
        try:
            remote = importlib.import_module("xlwings.pro._xlremote")
            xw.engines.add(xw.Engine(impl=remote.engine))
        except Exception as exc:  # noqa: BLE001
            return None, f"xlwings 的 remote 引擎无法加载：{exc!r}"
    return xw, None


@pytest.fixture(scope="module")
def xw() -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(LICENSE_ENV, "noncommercial")
        module, reason = load_remote_xlwings()
        if module is None:
            print(f"SKIP: {reason}", file=sys.stderr)
            pytest.skip(reason)
        yield module


@pytest.fixture(autouse=True)
def _log_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JIXIAO_LOG_DIR", str(tmp_path / "log"))


@pytest.fixture(autouse=True)
def _no_mock_caller(request) -> Iterator[None]:
    yield
    if "xw" in request.fixturenames:
        module = request.getfixturevalue("xw")
        if hasattr(module.Book, "_mock_caller"):
            del module.Book._mock_caller


def sheet_json(name: str, values: list[list[Any]], notes: list[dict] | None = None, **extra: Any) -> dict:
    """One sheet of the payload: values from A1 ("" or None for blanks)."""
    return {"name": name, "values": values, "pictures": [], "shapes": [], "charts": [], "tables": [],
            "notes": notes or [], "visibility": "Visible", **extra}


def make_book(xw: Any, sheets: list[dict], active: int = 0, name: str = "自评表.xlsx") -> Any:
    """A remote book as an Office.js client would send it, set as the mock caller."""
    payload = {"client": "Office.js", "version": xw.__version__,
               "book": {"name": name, "active_sheet_index": active, "selection": "A1"},
               "names": [], "sheets": sheets}
    book = xw.Book(json=payload)
    book.set_mock_caller()
    return book


def actions(book: Any, func: str | None = None, sheet: int | None = None) -> list[dict]:
    """The recorded actions, optionally of one kind and on one sheet (by position)."""
    return [a for a in book.json()["actions"]
            if (func is None or a["func"] == func) and (sheet is None or a.get("sheet_position") == sheet)]


def cell_of(action: dict[str, Any]) -> tuple[int, int]:
    """1-based (row, col) of an action's top-left cell."""
    return action["start_row"] + 1, action["start_column"] + 1
