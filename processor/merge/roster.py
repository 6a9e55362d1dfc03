"""Who is missing, for ``jixiao merge --roster``: collect's roster matching on merged files.

The roster (单位, 联系人, 邮箱) is matched exactly as ``jixiao collect --roster`` does
(:func:`jixiao.processor.collect.roster.build_report`): by sender e-mail when the folder has a
collect register, else by the 实施单位 read from the workbooks. Only the input here
differs: the merge's own results, so no workbook is read twice.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def roster_report(units: list[Any], files: list[Any]):
    """A :class:`jixiao.processor.collect.roster.RosterReport` of ``units`` (from ``load_roster``)
    against the merged ``files``."""
    from jixiao.processor.collect.checks import FileCheck, Problem
    from jixiao.processor.collect.manifest import Manifest, ManifestEntry
    from jixiao.processor.collect.roster import EMAIL, build_report

    manifest = Manifest(Path("."))
    checks: dict[str, FileCheck] = {}
    for f in files:
        if f.status not in ("merged", "failed", "duplicate"):
            continue
        m = EMAIL.search(f.sender or "")
        key = f.sha256 or f"path:{f.path}"
        entry = ManifestEntry(status="saved", sender=m.group(0).lower() if m else "", sha256=key,
                              saved_path=f.name, attachment=os.path.basename(f.path), received=f.received)
        manifest.add(entry)
        if key in checks:
            continue
        fc = FileCheck(entry=entry, path=Path(f.path))
        if f.status == "failed":
            fc.unreadable = f.reason
        elif f.result is not None:
            for s in f.result.sheets:
                fc.units.append(s.record.unit.text)
                fc.projects.append(s.record.project.text)
                fc.problems += [Problem(x.severity, x.sheet or "", x.cell or "", x.message, x.fix)
                                for x in s.findings if x.severity in ("error", "warning")]
        checks[key] = fc
    return build_report(units, manifest, checks)
