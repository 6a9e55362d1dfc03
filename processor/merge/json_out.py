"""``--json``: everything the merge found, for other systems.

Written with ``MergeOptions.extras=("json",)`` so that the workers send each form's
whole record (as JSON text) and the findings keep their parameters. The format
(``jixiao-merge``, version 1) is described in docs/汇总说明.md. :func:`write_json` streams
the document project by project, splicing each record's text in as it came from its
worker: the bytes are those of ``json.dumps(to_json(result), indent=1)``, without ever
holding the whole document or a record's objects.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from jixiao.processor.core.visible import in_document
from jixiao.processor.merge.result import MergeResult


def to_json(result: MergeResult, *, projects: bool = True) -> dict[str, Any]:
    """Everything for other systems: files, projects (full records), bands, findings."""
    return {
        "format": "jixiao-merge",
        "version": 1,
        "profile": result.profile.id,
        "summary": {
            "files": len(result.files), "merged": result.count("merged"), "failed": result.count("failed"),
            "duplicate": result.count("duplicate"), "skipped": result.count("skipped"), "projects": len(result.projects),
            "errors": result.severity_count("error"), "warnings": result.severity_count("warning"),
        },
        "files": [f.as_json() for f in result.files],
        "projects": [p.as_json() for p in result.projects] if projects else [],
        "bands": result.bands.as_json(),
        "paragraph": result.paragraph,
        "department": result.department.as_json() if result.department else None,
        "department_forms": [d.as_json() for d in result.departments],
        "department_sentences": list(result.department_sentences),
        "roster": None if result.roster is None else [
            {"unit": u.unit.name, "contact": u.unit.contact, "emails": u.unit.emails, "status": u.status,
             "status_cn": u.label, "matched_by": u.matched_by, "files": [fc.entry.saved_path for fc in u.files]}
            for u in result.roster.units],
        "findings": [{"file": f.file, **f.as_json()} for f in result.findings],
    }


def write_json(result: MergeResult, path) -> None:
    """The JSON document, written atomically and streamed (see above)."""
    from jixiao.processor.files.atomic import atomic_write

    def write(tmp) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            for chunk in _chunks(result):  # bidi and C1 controls from submissions as \uXXXX escapes:
                fh.write(in_document(chunk))  # the same JSON data, inert when the file is shown

    atomic_write(path, write)


def _chunks(result: MergeResult) -> Iterator[str]:
    hole = f"\u0000{uuid.uuid4().hex}\u0000"  # stands for a part spliced in; no submission can hold it
    doc = to_json(result, projects=False)
    doc["projects"] = hole
    head, tail = json.dumps(doc, ensure_ascii=False, indent=1).split(json.dumps(hole), 1)
    yield head
    if not result.projects:
        yield "[]"
    for i, p in enumerate(result.projects):
        yield "[\n  " if i == 0 else ",\n  "
        yield _project_text(p, 2, hole)
    if result.projects:
        yield "\n ]"
    yield tail


def _project_text(p, depth: int, hole: str) -> str:
    """One project as ``json.dumps(p.as_json(), indent=1)`` nested ``depth`` levels deep."""
    record = p.row.extras.get("json")
    doc = p.as_json(record=False)
    if record is not None:
        doc["record"] = hole
    text = json.dumps(doc, ensure_ascii=False, indent=1).replace("\n", "\n" + " " * depth)
    if record is not None:
        text = text.replace(json.dumps(hole), record.replace("\n", "\n" + " " * (depth + 1)), 1)
    return text
