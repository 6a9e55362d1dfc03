"""Checking the collected workbooks once, for the roster report and the reply drafts.

Every file goes through :func:`jixiao.processor.core.engine.check_file`, which runs the workbook
guard before any library opens the file.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jixiao.processor.collect.manifest import Manifest, ManifestEntry
from jixiao.processor.files.fileio import os_reason


@dataclass
class Problem:
    severity: str  # error | warning
    sheet: str
    cell: str
    message: str
    fix: str
    code: str = ""  # the finding's catalogue code


@dataclass
class FileCheck:
    entry: ManifestEntry
    path: Path
    units: list[str] = field(default_factory=list)  # 实施单位 of each sheet
    projects: list[str] = field(default_factory=list)  # 项目名称 of each sheet
    years: list[int | None] = field(default_factory=list)  # 年度 of each sheet
    problems: list[Problem] = field(default_factory=list)
    unreadable: str = ""  # the guard's / reader's one Chinese line
    unreadable_code: str = ""  # its catalogue code (J5xx)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def has_errors(self) -> bool:
        return bool(self.unreadable) or bool(self.errors)


def normalize_unit(name: str) -> str:
    """Unit names compared loosely: NFKC, no spaces, no brackets' width differences."""
    text = unicodedata.normalize("NFKC", name or "")
    return "".join(text.split()).lower()


def check_entries(root: Path, entries: Iterable[ManifestEntry], profile: Any = None) -> dict[str, FileCheck]:
    """``{sha256: FileCheck}`` for the saved workbooks among ``entries``."""
    from jixiao.processor.core.engine import check_file
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.rules import load_profile

    profile = profile or load_profile()
    out: dict[str, FileCheck] = {}
    for entry in entries:
        if entry.status != "saved" or not entry.sha256 or entry.sha256 in out:
            continue
        path = root / entry.saved_path
        fc = FileCheck(entry=entry, path=path)
        out[entry.sha256] = fc
        if not _inside(path, root):  # a hand-edited register ("../../", "/home/…") or a planted link
            fc.unreadable = (f"收件登记中的保存路径“{entry.saved_path}”不在收件文件夹之内（登记可能被改动过，"
                             "或文件被换成了链接），未读取")
            continue
        try:
            result = check_file(path, profile)
        except InputError as exc:
            fc.unreadable = getattr(exc, "detail", None) or str(exc)
            fc.unreadable_code = exc.code
            continue
        except OSError as exc:
            fc.unreadable = f"无法读取文件（{os_reason(exc)}）"
            continue
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the report
            fc.unreadable = f"检查时出错（{type(exc).__name__}）"
            continue
        for sheet in result.sheets:
            rec = sheet.record
            unit = getattr(getattr(rec, "unit", None), "text", "") or ""
            project = getattr(getattr(rec, "project", None), "text", "") or ""
            fc.units.append(unit)
            fc.projects.append(project)
            fc.years.append(getattr(rec, "year", None))
        for f in result.all_findings:
            if f.severity in ("error", "warning"):
                fc.problems.append(Problem(f.severity, f.sheet or "", f.cell or "", f.message, f.fix, f.code))
    return out


def _inside(path: Path, root: Path) -> bool:
    """``path`` (links resolved) is ``root`` or below it."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real.startswith(top.rstrip(os.sep) + os.sep)


def latest_per_project(checks: list[FileCheck]) -> list[FileCheck]:
    """The newest file (by received time) for each project; unreadable files all stay.

    Files are versions of each other when they hold the same projects by the one identity
    rule shared with ``merge`` (:func:`jixiao.processor.core.identity.project_identity`:
    项目名称, 实施单位, 年度); a file with a form that names no project is never replaced."""
    best: dict[tuple, FileCheck] = {}
    unnamed: list[FileCheck] = []  # a form without 项目名称: no identity, always kept
    rest: list[FileCheck] = []  # unreadable, or no form at all
    for fc in checks:
        key = _projects_key(fc)
        if fc.unreadable or not fc.projects:
            rest.append(fc)
        elif key is None:
            unnamed.append(fc)
        else:
            cur = best.get(key)
            if cur is None or _when(fc) >= _when(cur):
                best[key] = fc
    # an unreadable file is superseded by any readable file received after it
    newest_ok = max((_when(fc) for fc in [*best.values(), *unnamed]), default=None)
    rest = [fc for fc in rest if newest_ok is None or _when(fc) > newest_ok]
    kept = list(best.values()) + unnamed + rest
    kept.sort(key=_when)
    return kept


def _projects_key(fc: FileCheck) -> tuple | None:
    from jixiao.processor.core.identity import project_identity

    years = fc.years or [None] * len(fc.projects)
    ids = [project_identity(p, u, y) for p, u, y in zip(fc.projects, fc.units, years)]
    return None if any(i is None for i in ids) else tuple(sorted(ids, key=repr))


def _when(fc: FileCheck) -> datetime:
    dt = fc.entry.received_at
    if dt is None:
        return datetime.min.replace(tzinfo=None)
    return dt.replace(tzinfo=None) if dt.tzinfo is None else dt.astimezone().replace(tzinfo=None)


def load(root: Path) -> Manifest:
    return Manifest.load(root)
