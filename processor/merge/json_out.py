"""``--json``: everything the merge found, for other systems.

Written with ``MergeOptions.extras=("json",)`` so that the workers send each form's
whole record and the findings keep their parameters. The format (``jixiao-merge``,
version 1) is described in docs/汇总说明.md.
"""

from __future__ import annotations

from typing import Any

from jixiao.processor.merge.result import MergeResult


def to_json(result: MergeResult) -> dict[str, Any]:
    """Everything for other systems: files, projects (full records), bands, findings."""
    return {
        "format": "jixiao-merge",
        "version": 1,
        "profile": result.profile.id,
        "summary": {
            "files": len(result.files), "merged": result.count("merged"), "failed": result.count("failed"),
            "duplicate": result.count("duplicate"), "projects": len(result.projects),
            "errors": result.severity_count("error"), "warnings": result.severity_count("warning"),
        },
        "files": [f.as_json() for f in result.files],
        "projects": [p.as_json() for p in result.projects],
        "bands": result.bands.as_json(),
        "paragraph": result.paragraph,
        "department": result.department.as_json() if result.department else None,
        "roster": None if result.roster is None else [
            {"unit": u.unit.name, "contact": u.unit.contact, "emails": u.unit.emails, "status": u.status,
             "status_cn": u.label, "matched_by": u.matched_by, "files": [fc.entry.saved_path for fc in u.files]}
            for u in result.roster.units],
        "findings": [{"file": f.file, **f.as_json()} for f in result.findings],
    }


def write_json(result: MergeResult, path) -> None:
    """The JSON document, written atomically."""
    import json

    from jixiao.processor.files.atomic import atomic_write

    def write(tmp) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(to_json(result), fh, ensure_ascii=False, indent=1)

    atomic_write(path, write)
