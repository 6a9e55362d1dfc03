"""The merge's adapter to the e-mail intake (``jixiao collect``): its register and its roster.

The merge's core never imports ``jixiao.processor.collect``; what it can use of the
intake comes through here, imported only when there is something to use:

- :func:`load_register`: when a folder given holds a collect register (``收件登记.json``),
  the sender and received time of each workbook, by content hash — shown in 文件清单 and
  deciding which version of a project is the newest;
- :func:`load_units` / :func:`roster_report` for ``--roster``: the roster is matched
  exactly as ``jixiao collect --roster`` does (:func:`jixiao.processor.collect.roster.build_report`),
  by sender e-mail when there is a register, else by the 实施单位 read from the forms;
  only the input differs: the merge's own results, so no workbook is read twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REGISTER = "收件登记.json"


def load_register(roots: Sequence[str | os.PathLike]) -> Callable[[Any], None] | None:
    """A function that fills ``sender`` and ``received`` of an InputFile from the register(s)
    of the folders given; None when there is none."""
    folders = [r for r in roots if Path(r).is_dir() and (Path(r) / REGISTER).is_file()]
    if not folders:
        return None
    try:
        from jixiao.processor.collect.manifest import load_manifest
    except ImportError:  # collect not installed in this build
        return None
    table: dict[str, Any] = {}
    for root in folders:
        try:
            table.update(load_manifest(root))
        except Exception:  # a damaged register must not stop the merge
            continue
    if not table:
        return None

    def apply(f: Any) -> None:
        entry = table.get(f.sha256 or "")
        if entry is not None:
            f.sender = entry.sender_name and f"{entry.sender_name} <{entry.sender}>" or entry.sender
            at = entry.received_at
            f.received = at.isoformat(timespec="seconds") if at else ""

    return apply


def load_units(path: str | os.PathLike) -> list[Any]:
    """The roster's units; raises InputError (read before any workbook)."""
    from jixiao.processor.collect.roster import load_roster

    return load_roster(path)


def roster_report(units: list[Any], files: list[Any]):
    """A :class:`jixiao.processor.collect.roster.RosterReport` of ``units`` against the
    merged ``files`` (:class:`~jixiao.processor.merge.discover.InputFile` with their forms)."""
    from jixiao.processor.collect.checks import FileCheck, Problem
    from jixiao.processor.collect.manifest import Manifest, ManifestEntry
    from jixiao.processor.collect.roster import EMAIL, build_report

    manifest = Manifest(Path("."))
    checks: dict[str, FileCheck] = {}
    for f in files:
        if f.status not in ("merged", "failed", "duplicate", "skipped"):
            continue
        m = EMAIL.search(f.sender or "")
        key = f.sha256 or f"path:{f.path}"
        entry = ManifestEntry(status="saved", sender=m.group(0).lower() if m else "", sha256=key,
                              saved_path=f.name, attachment=os.path.basename(f.path), received=f.received)
        manifest.add(entry)
        if key in checks:
            continue
        fc = FileCheck(entry=entry, path=Path(f.path))
        if f.status in ("failed", "skipped"):
            fc.unreadable = f.reason
        for row in f.forms:
            fc.units.append(row.unit)
            fc.projects.append(row.project)
            fc.years.append(row.year)
            fc.problems += [Problem(x[1], x[2] or "", x[3] or "", x[4], x[5])
                            for x in row.findings if x[1] in ("error", "warning")]
        checks[key] = fc
    return build_report(units, manifest, checks)
