"""What a worker sends back for one file: what the summary needs, and more only when asked.

Reading a form builds a large object graph (a record with every cell, the scores, the
findings). Pickling all of it to the parent cost more than reading the file, and
keeping it there made memory grow with every form. So a worker *projects* the result:
a :class:`FormResult` with one :class:`SheetRow` per 自评表 — its 项目汇总 row, its
findings as plain tuples, its project identity and indicator set (for versions and the
I223 cross-check) — and nothing else.

Optional outputs ask for more by name (``MergeOptions.extras``). Each name is a
function of one sheet's :class:`~jixiao.processor.core.engine.SheetResult` and the rule
profile, run in the worker; its value travels in ``SheetRow.extras[name]`` and reaches the output through
``Project.row.extras[name]``. A name is either built in (:data:`EXTRAS`) or an import
path ``"package.module:function"``, so an output outside the merge plugs in without
touching it:

- ``"json"`` — for ``--json``: the sheet's whole record (as JSON text);
- ``"jixiao.tables:sheet_rows"`` — the Python API's tidy tables (``--csv``, ``Summary.frames()``);
- ``"jixiao.processor.archive.entry:form_entry"`` — ``--archive``: what the archive keeps
  of each form.

With any extra, the findings also keep their parameters (``Finding.params``).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from operator import attrgetter
from typing import Any

from jixiao.processor.core.audit import IndicatorSet
from jixiao.processor.core.department import plain
from jixiao.processor.core.engine import SheetResult, check_file
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import Finding
from jixiao.processor.core.identity import ProjectId, identity_of
from jixiao.processor.core.rules import Profile
from jixiao.processor.files.fileio import os_reason

# (code, severity, sheet, cell, message, fix, params or None): a Finding without its file
FindingRow = tuple[str, str, "str | None", "str | None", str, str, "dict[str, Any] | None"]


@dataclass(slots=True)
class SheetRow:
    """One 自评表 as the summary sees it."""

    sheet: str
    title_cell: str | None  # the form's title (where its 年度 is written)
    project: str
    department: str
    unit: str
    year: int | None
    method_text: str  # 评价方式 as the form states it ('' when it does not)
    method_cell: str | None
    initial: float | None  # 年度资金总额: 年初预算数, 全年预算数, 全年执行数 (万元)
    budget: float | None
    executed: float | None
    scores: dict[str, Any]  # Scores.as_json(): execution_rate, …, total_score, grade
    stated_total: float | None  # 总分 as the form states it (填报总分), None when blank or not a number
    findings: list[FindingRow]
    identity: ProjectId | None  # which other forms are versions of it
    indicators: IndicatorSet  # for I223 across projects
    extras: dict[str, Any] = field(default_factory=dict)  # extra name → its value (see above)
    form: str = "project"  # project | department (部门整体支出绩效自评表)
    # a department form's stated figures (core.department.plain): re-checked against the merged projects
    department_values: dict[str, Any] | None = None

    def __reduce__(self):  # rebuilt by __init__ from a tuple: the parent unpickles twice as fast
        return (SheetRow, _row_fields(self))


@dataclass(slots=True)
class FormResult:
    """The outcome of reading one file: its sheets, or the reason it could not be read."""

    ok: bool
    sheets: list[SheetRow] = field(default_factory=list)
    findings: list[FindingRow] = field(default_factory=list)  # file-level (R001, R011)
    code: str | None = None  # when not ok: the catalogue code …
    reason: str = ""  # … and the Chinese line
    params: dict[str, Any] = field(default_factory=dict)

    def __reduce__(self):
        return (FormResult, (self.ok, self.sheets, self.findings, self.code, self.reason, self.params))

    @classmethod
    def failed(cls, code: str, reason: str, params: dict[str, Any] | None = None) -> FormResult:
        # params is a dict, not keywords: a refusal's own values may be named "reason" or "code"
        return cls(False, code=code, reason=reason, params=dict(params or {}))



_row_fields = attrgetter(*(f.name for f in fields(SheetRow)))


def finding_row(f: Finding, keep_params: bool) -> FindingRow:
    return (f.code, f.severity, f.sheet, f.cell, f.message, f.fix, dict(f.params) if keep_params else None)


def to_finding(row: FindingRow, file: str) -> Finding:
    code, severity, sheet, cell, message, fix, params = row
    return Finding(code, severity, sheet, cell, message, fix, file, params or {})


def sheet_row(s: SheetResult, keep_params: bool) -> SheetRow:
    rec = s.record
    total = rec.funding_row("total")
    return SheetRow(
        sheet=s.sheet, title_cell=rec.title.cell, project=rec.project.text, department=rec.department.text, unit=rec.unit.text,
        year=rec.year, method_text=rec.method.text, method_cell=rec.method.cell,
        initial=None if total is None else total.initial.value,
        budget=None if total is None else total.budget.value,
        executed=None if total is None else total.executed.value,
        scores=s.scores.as_json(), stated_total=_stated_total(rec),
        findings=[finding_row(f, keep_params) for f in s.findings],
        identity=identity_of(rec), indicators=IndicatorSet.of(rec), form=rec.read.form,
        department_values=plain(s.scores.department.totals) if s.scores.department is not None else None)


def _stated_total(rec) -> float | None:
    value = rec.total.score.value if rec.total is not None else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


# ---------------------------------------------------------------------- extras


def record_json(sheet: SheetResult, _profile: Profile | None = None) -> str:
    """--json: the sheet's whole record as JSON text (made here, in parallel; kept as text by
    the parent, a tenth of the memory the objects would take)."""
    return json.dumps(jsonable(asdict(sheet.record)), ensure_ascii=False, indent=1)


#: the built-in extras; any other name is an import path "module:function"
EXTRAS: dict[str, Callable[[SheetResult, Profile], Any]] = {"json": record_json}


@lru_cache(maxsize=32)
def extra(name: str) -> Callable[[SheetResult, Profile], Any]:
    """The function of an extra; ValueError for a name that is neither built in nor importable."""
    if name in EXTRAS:
        return EXTRAS[name]
    module, sep, attr = name.partition(":")
    try:
        fn = getattr(importlib.import_module(module), attr) if sep else None
    except (ImportError, AttributeError):
        fn = None
    if not callable(fn):
        raise ValueError(f"unknown merge extra {name!r}: neither built in nor 'module:function'")
    return fn


def read_form(path: str, name: str, profile: Profile, extras: Sequence[str] = ()) -> FormResult:
    """Check one workbook and project the result. Never raises for a bad file."""
    try:
        result = check_file(path, profile, name=name)
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's row, never the batch's
        return failure(exc)
    keep_params = bool(extras)
    rows = [sheet_row(s, keep_params) for s in result.sheets]
    for name in extras:
        fn = extra(name)
        for s, row in zip(result.sheets, rows):
            row.extras[name] = fn(s, profile)
    return FormResult(True, rows, [finding_row(f, keep_params) for f in result.findings])


def failure(exc: BaseException) -> FormResult:
    """Why a file could not be read, from what reading it raised."""
    if isinstance(exc, InputError):
        return FormResult.failed(exc.code, exc.detail, exc.params)
    if isinstance(exc, MemoryError):
        return FormResult.failed("J504", "文件过大，读取时内存不足")
    if isinstance(exc, RecursionError):
        return FormResult.failed("J504", "文件结构嵌套过深，无法读取")
    if isinstance(exc, OSError):
        return FormResult.failed("J501", f"无法读取（{os_reason(exc)}）")
    return FormResult.failed("J501", "读取时发生内部错误，该文件未能汇总，请联系维护人员")  # an engine bug


def jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):  # (``unread``): sorted, or the order changes from run to run
        return sorted((jsonable(v) for v in obj), key=str)
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return str(obj)
