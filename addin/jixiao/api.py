"""The Python API: everything the ``jixiao`` command does, in one call each.

>>> import jixiao
>>> report = jixiao.check("examples/")            # doctest: +SKIP
>>> report.valid, report.exit_code                 # doctest: +SKIP

- :func:`check` reads, scores and audits → :class:`~jixiao.report.Report`;
- :func:`fill` also writes annotated copies → :class:`~jixiao.report.FillReport`;
- :func:`merge` summarises many submissions → :class:`~jixiao.summary.Summary`.

``rules`` is a profile name (``"default"``), a path to a JSON profile, or a loaded
:class:`~jixiao.processor.core.rules.Profile`. Inputs that cannot be read never raise:
they become J5xx findings in the result. A bad rule profile raises
:class:`~jixiao.processor.core.errors.InputError` (P6xx) before anything is read.
Documented with runnable examples in docs/python-api.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jixiao.processor.files.fileio import os_reason
from jixiao.report import CheckedFile, FillReport, Report
from jixiao.summary import Summary

PathLike = str | os.PathLike
Paths = PathLike | Iterable[PathLike]


def load_rules(rules: Any = None) -> Any:
    """A :class:`Profile` from a name, a path, a Profile or None (the default profile)."""
    from jixiao.processor.core.rules import Profile, load_profile

    if isinstance(rules, Profile):
        return rules
    return load_profile(None if rules is None else os.fspath(rules))


def check(paths: Paths, rules: Any = None, *, cross_check: bool = True) -> Report:
    """Check files and folders (folders are searched recursively); nothing is modified.

    ``cross_check`` adds the findings that compare projects with each other (I223: the
    same indicator set copied into several projects) when more than one file is read.
    """
    from jixiao.processor.core.engine import check_file
    from jixiao.processor.core.engine import cross_check as compare

    profile = load_rules(rules)
    report = Report(profile)
    for item, _name in _inputs(paths):
        report.files.append(_read(item, lambda p: check_file(p, profile)))
    if cross_check and len(report.results) > 1:
        compare(report.results, profile)
    return report


@dataclass(frozen=True)
class FillStep:
    """One file of :func:`fill`, as it is done (for a progress line)."""

    index: int  # 1-based
    total: int
    name: str  # the path relative to its folder (the copy's place in the output tree)
    file: CheckedFile  # its result or the refusal that says why it was not filled
    written: Path | None = None
    notices: tuple[str, ...] = ()


def fill(paths: Paths, output: PathLike | None = None, *, in_place: bool = False,
         rules: Any = None, progress: Callable[[FillStep], None] | None = None) -> FillReport:
    """Check each file and write an annotated copy: computed cells, marked findings, 校验结果 sheet.

    One file: ``output`` is the copy's path (default ``<name>_已校验.xlsx`` beside it), or
    an existing folder to put it in. Several files or a folder: ``output`` is a folder for
    the copies (created when missing; default: beside each input), holding them in the
    same sub-folders as the inputs. ``in_place`` replaces each input after keeping a backup ``<name>.bak.xlsx``.
    Inputs are never modified otherwise; copies and backups of earlier runs and the
    output folder itself are never taken as inputs. ``progress`` is called after each file.
    """
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.files.openpyxl_write import default_output, fill_file

    if in_place and output is not None:
        raise ValueError("in_place 与 output 不能同时使用：in_place 改写原文件，output 另存到别处")
    profile = load_rules(rules)
    report = FillReport(profile)
    out_dir = Path(output) if output is not None else None
    items = _inputs(paths, skip=lambda p: _is_our_output(p) or _inside(p, out_dir))
    several = len(items) > 1 or _has_folder(paths) or (out_dir is not None and out_dir.is_dir())
    if out_dir is not None:  # the folder for the copies (several) or for the one copy
        (out_dir if several else out_dir.parent).mkdir(parents=True, exist_ok=True)
    targets: dict[str, str] = {}

    for index, (item, name) in enumerate(items, start=1):
        done: dict[str, Any] = {}

        def one(path: str, name: str = name, done: dict[str, Any] = done) -> Any:
            target = None if in_place else default_output(path) if out_dir is None else out_dir
            if several and out_dir is not None:
                target = out_dir / Path(name).parent / default_output(path).name
            if target is not None:
                key = _same_file_key(target)
                if key in targets:
                    raise InputError.of("J556", file=path, target=str(target), other=targets[key])
                targets[key] = name
                target.parent.mkdir(parents=True, exist_ok=True)
            outcome = fill_file(path, target, in_place=in_place, profile=profile)
            report.written.append(outcome.output)
            if outcome.backup is not None:
                report.backups.append(outcome.backup)
            report.notices += [f"{path}：{line}" for line in outcome.notices]
            done.update(written=outcome.output, notices=tuple(outcome.notices))
            return outcome.result

        checked = _read(item, one)
        report.files.append(checked)
        if progress is not None:
            progress(FillStep(index, len(items), name, checked, done.get("written"), done.get("notices", ())))
    return report


def _same_file_key(path: Path) -> str:
    """Names Windows (case-insensitive) and macOS (normalising) take for one file."""
    import unicodedata

    return unicodedata.normalize("NFC", os.path.abspath(path)).casefold()


def merge(paths: Paths, rules: Any = None, *, dept_evaluated: Sequence[str] = (),
          total_projects: int | None = None, department_name: str | None = None,
          department: PathLike | None = None, roster: PathLike | None = None,
          workers: int | None = None, exclude: Sequence[PathLike] = (),
          progress: Callable[[Any], None] | None = None) -> Summary:
    """Merge every submitted workbook under ``paths`` into one :class:`Summary`.

    Every file met is accounted for (merged, failed with its reason, or duplicate);
    the same project sent twice counts once (the newer version). ``department`` is the
    department's totals file (CSV, xlsx or JSON, see docs/汇总说明.md), ``roster`` the
    list of units expected to report, ``dept_evaluated`` the names of the 部门评价
    projects. A bad department or roster file raises InputError.
    """
    from jixiao import merge_seam

    roots = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    result = merge_seam.run(roots, load_rules(rules), dept_evaluated=dept_evaluated,
                            total_projects=total_projects, department_name=department_name,
                            department_file=department, roster=roster, workers=workers,
                            exclude=exclude, progress=progress)
    return Summary(result)


# ---------------------------------------------------------------------- inputs


def _inputs(paths: Paths, skip: Callable[[str], bool] | None = None) -> list[tuple[str | CheckedFile, str]]:
    """(file, name) of every input: files as given, folders expanded in order (``skip``
    leaves files out of folders), ``name`` relative to its folder; an empty folder is a
    refusal (J511)."""
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.files.inputs import workbook_inputs

    given = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else list(paths))]
    prefix = len(given) > 1
    out: list[tuple[str | CheckedFile, str]] = []
    for path in given:
        found = workbook_inputs([path], skip=skip or (lambda p: False))
        if prefix and os.path.isdir(path):
            label = os.path.basename(os.path.normpath(os.path.abspath(path)))
            found = [(f, f"{label}/{name}") for f, name in found]
        if os.path.isdir(path) and not found:
            out.append((CheckedFile(path, refusal=InputError.of("J511", file=path).as_finding()), path))
        out += found
    return out


def _is_our_output(path: str) -> bool:
    """A copy or backup an earlier fill wrote (``…_已校验.xlsx``, ``….bak.xlsx``)."""
    stem = Path(path).stem
    return stem.endswith("_已校验") or stem.endswith(".bak")


def _inside(path: str, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        return Path(path).resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _has_folder(paths: Paths) -> bool:
    given = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    return any(os.path.isdir(p) for p in given)


def _read(path: str | CheckedFile, read: Callable[[str], Any]) -> CheckedFile:
    """One input through ``read``; a refusal or an OS error becomes a finding, never an exception."""
    from jixiao.processor.core.errors import InputError

    if isinstance(path, CheckedFile):  # refused while listing (an empty folder)
        return path
    try:
        return CheckedFile(path, result=read(path))
    except InputError as exc:
        return CheckedFile(path, refusal=exc.as_finding(path))
    except OSError as exc:  # a path that vanished between listing and reading
        refusal = InputError.of("J512", file=path, reason=os_reason(exc))
        return CheckedFile(path, refusal=refusal.as_finding())
