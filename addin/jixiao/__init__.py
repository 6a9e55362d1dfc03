"""jixiao Excel 加载项入口：jixiao.main() 由 jixiao.xlam 的“校验/计算”按钮调用。

xlwings' VBA runs ``import jixiao; jixiao.main()`` in a fresh Python process on every
click, so importing this package must stay cheap: xlwings, the engine and everything
heavy are imported inside :func:`main`, never at module level.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "run", "import_xlwings", "is_blank_form", "ALERT_TITLE", "log_path"]

ALERT_TITLE = "绩效自评"
LOG_NAME = "jixiao-addin.log"  # where jixiao.incident logs unexpected errors


# xlwings imports pandas and numpy when they are installed (0.3 s or more per click);
# the add-in needs neither, and xlwings falls back cleanly when they are missing
OPTIONAL_HEAVY = ("pandas", "numpy")


def main(addin_xlwings: str | None = None) -> None:
    """Entry point of the 校验/计算 button: check the caller's active sheet in place.

    ``addin_xlwings`` is the xlwings version whose VBA the add-in carries (its VBA passes
    it); when the Python's xlwings differs, the user is told how to rebuild instead.
    """
    xw = import_xlwings()
    book = xw.Book.caller()
    if addin_xlwings:
        from jixiao.click import version_message

        message = version_message(addin_xlwings, xw.__version__)
        if message:
            _alert(book, message, "critical")
            return
    run(book)


def import_xlwings() -> Any:
    """Import xlwings without its optional pandas/numpy support, then undo the block.

    Only acts when xlwings is not imported yet (a fresh process, as each click is) and
    only for modules not loaded yet; afterwards ``import pandas`` works as usual.
    """
    if "xlwings" in sys.modules:
        return sys.modules["xlwings"]
    blocked = [name for name in OPTIONAL_HEAVY if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        import xlwings
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return xlwings


def run(book: Any, profile: str | None = None) -> str:
    """Check the active sheet of ``book`` (an ``xlwings.Book``); return the alert text.

    Every outcome ends in exactly one Chinese alert: the summary, the reason the sheet
    cannot be checked, or one line about an unexpected error (its traceback goes to
    :func:`log_path`). No exception escapes, so Excel never shows a traceback.
    """
    stage = {"writing": False}
    try:
        message, mode = _check(book, profile, stage)
    except Exception as exc:  # noqa: BLE001 - the user must never see a traceback
        message, mode = _unexpected(exc, book, writing=stage["writing"]), "critical"
    _alert(book, message, mode)
    return message


def _check(book: Any, profile_name: str | None, stage: dict[str, bool]) -> tuple[str, str]:
    """The click: the same plan as ``jixiao fill``, carried out by the xlwings writer
    (``stage["writing"]`` is set once the writer may have changed the workbook)."""
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.marks import OWN_SHEETS, RESULT_SHEET
    from jixiao.processor.files.xlwings_read import grid_is_empty, read_grid_from_sheet

    sheet = book.sheets.active
    if sheet.name in OWN_SHEETS:
        return (f"当前是“{RESULT_SHEET}”工作表。请切换到自评表所在的工作表，再点“校验/计算”。", "info")
    grid = read_grid_from_sheet(sheet)
    if grid_is_empty(grid):
        return (f"工作表“{sheet.name}”是空的，没有可校验的内容。请打开填好的自评表再点“校验/计算”。", "info")
    try:
        plan = _plan(book, sheet, grid, profile_name)
    except InputError as err:
        return (str(err), "critical")
    if isinstance(plan, tuple):
        return plan
    from jixiao.processor.files.xlwings_write import apply_plan

    stage["writing"] = True
    apply_plan(book, sheet, plan)
    return (plan.summary or "校验完成，未发现问题。", "info")


def _plan(book: Any, sheet: Any, grid: Any, profile_name: str | None) -> Any:
    """The plan for the active sheet, or (message, mode) when there is nothing to write."""
    import copy

    from jixiao.processor.core.engine import check_sheet
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.ledger import restore_grid
    from jixiao.processor.core.plan import build_plan
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.xlwings_read import (
        formula_cells,
        looks_on,
        protection_problem,
        read_ledger,
    )

    profile = load_profile(profile_name)
    shown = copy.deepcopy(grid)  # what the sheet shows now; the grid gets the filler's values back
    ledger = read_ledger(book, shown)
    restore_grid(grid, ledger)
    results = check_sheet(grid, book.name, profile)
    if not results:
        return (
            f"工作表“{sheet.name}”不是项目支出绩效自评表（没有找到“项目名称”“年度资金总额”"
            "“绩效指标”等栏目）。请切换到自评表所在的工作表，再点“校验/计算”。",
            "info",
        )
    if all(is_blank_form(r.record) for r in results):
        return (
            f"工作表“{sheet.name}”是一张空白自评表（项目名称、资金数和指标值都没有填写），"
            "没有可校验的内容。请先填写再点“校验/计算”。",
            "info",
        )
    problem = protection_problem(book, sheet)  # before anything is written
    if problem:
        raise InputError.of("J520", what=problem)
    looks = looks_on(sheet, shown, formula_cells(sheet))
    return build_plan(results, looks=looks, ledger=ledger, tolerances=profile.tol,
                      scope=sheet.name, sheet_order=[s.name for s in book.sheets])


def is_blank_form(record: Any) -> bool:
    """True when a recognised 自评表 has nothing filled in (see ``Record.is_blank``)."""
    return record.is_blank


def _alert(book: Any, message: str, mode: str) -> None:
    try:
        book.app.alert(message, title=ALERT_TITLE, mode=mode)
    except Exception:  # noqa: BLE001 - no Excel to show it: the log and stderr remain
        print(message, file=sys.stderr)


def log_path() -> Path:
    """Where unexpected errors are logged: %LOCALAPPDATA%\\jixiao or ~/.jixiao.

    ``JIXIAO_LOG_DIR`` overrides the folder (used by the tests).
    """
    from jixiao.incident import log_path as path

    return path()


def _unexpected(exc: BaseException, book: Any = None, *, writing: bool = False) -> str:
    """The Chinese alert for an error nobody expected; the traceback goes to the log."""
    from jixiao.incident import alert_text

    try:
        name = None if book is None else str(book.name)
    except Exception:  # noqa: BLE001 - the book itself may be what failed
        name = None
    return alert_text(exc, writing=writing, book_name=name)


# ---------------------------------------------------------------------- the Python API
# jixiao.check / fill / merge and their result types, imported on first use so that
# ``import jixiao`` (every click of the add-in) stays as cheap as before

_API = {
    "check": "jixiao.api", "fill": "jixiao.api", "merge": "jixiao.api", "load_rules": "jixiao.api",
    "Report": "jixiao.report", "FillReport": "jixiao.report", "Summary": "jixiao.summary",
    "InputError": "jixiao.processor.core.errors", "Finding": "jixiao.processor.core.findings",
}


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'jixiao' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
