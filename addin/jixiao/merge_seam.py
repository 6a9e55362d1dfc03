"""The one place the Python API touches the merge's internals.

:class:`jixiao.summary.Summary` and the tables read a merge only through these
functions, so when ``jixiao.processor.merge`` changes shape (its ``MergeResult``,
``InputFile`` and ``Project`` types), this module is the only one to adapt.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from jixiao.tables import SHEET_ROWS, FileEntry, ProjectEntry


def run(paths: Sequence[str | os.PathLike], profile: Any, *, dept_evaluated: Sequence[str] = (),
        total_projects: int | None = None, department_name: str | None = None,
        department_file: str | os.PathLike | None = None, roster: str | os.PathLike | None = None,
        workers: int | None = None, exclude: Sequence[str | os.PathLike] = (),
        progress: Callable[[Any], None] | None = None,
        on_discovered: Callable[[int], None] | None = None) -> Any:
    """Run the merge; returns its result object (opaque outside this module).

    The workers send, besides what the summary workbook needs, each form's whole record
    (``to_json``) and its table rows (``Summary.tables()``/``frames()``)."""
    from jixiao.processor.merge.run import MergeOptions, merge

    options = MergeOptions(
        dept_evaluated=list(dept_evaluated), total_projects=total_projects,
        department_name=department_name,
        department_file=None if department_file is None else os.fspath(department_file),
        workers=workers, exclude=[os.path.abspath(e) for e in exclude],
        roster=None if roster is None else os.fspath(roster), extras=("json", SHEET_ROWS))
    return merge([os.fspath(p) for p in paths], profile, options, progress=progress,
                 on_discovered=on_discovered)


def profile(result: Any) -> Any:
    return result.profile


def files(result: Any) -> list[FileEntry]:
    """Every input file found, with its status (merged / failed / duplicate)."""
    return [FileEntry(f.name, f.status, f.status_cn, f.code, f.reason, f.size, f.mtime_text or None,
                      f.sha256, f.sender or None, f.received or None) for f in result.files]


def projects(result: Any) -> list[ProjectEntry]:
    """The merged projects in the summary's order, with their 评价方式 and its source."""
    return [ProjectEntry(None, p.input.name, p.method, p.method_source, rows=p.row.extras[SHEET_ROWS],
                         findings=p.findings) for p in result.projects]


def findings(result: Any) -> list:
    """Every finding of the merge (file statuses, forms, department), sorted."""
    return list(result.findings)


def paragraph(result: Any) -> str:
    return result.paragraph


def summary_line(result: Any) -> str:
    return result.summary_line()


def to_json(result: Any) -> dict[str, Any]:
    from jixiao.processor.merge.json_out import to_json

    return to_json(result)


def write_json(result: Any, path: str | os.PathLike) -> None:
    from jixiao.processor.merge.json_out import write_json

    write_json(result, path)


def write_xlsx(result: Any, path: str | os.PathLike) -> None:
    from jixiao.processor.merge.summary_xlsx import write_summary

    write_summary(result, path)
