"""The archive's connections to the other commands, each one call from their side.

- ``jixiao merge --archive``: :func:`after_merge` stores the merged forms (one transaction),
  compares their year with the latest earlier archived year, adds the Y findings of this
  merge's forms to their sheets and to the merge's findings (so they reach 问题清单 and the
  project counts), and leaves the review on ``result.year_review`` for the 年度对比 sheet.
- ``jixiao reply --archive``: :func:`add_to_checks` adds the Y findings of archived files to
  the problems listed in the reply drafts, matched by the file's SHA-256.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from typing import Any

from jixiao.processor.archive.entry import FileEntry, FileInfo
from jixiao.processor.core.findings import Finding, make
from jixiao.processor.core.rules import Profile

#: the merge extra that has each worker build the archive's entry of every form it reads
FORM_ENTRY = "jixiao.processor.archive.entry:form_entry"


def merged_entries(result: Any, profile: Profile) -> list[FileEntry]:
    """One :class:`FileEntry` per merged file, with the forms merge kept from it.

    The entries were built where the forms were read (merge's workers, extra
    :data:`FORM_ENTRY`); what only the whole merge knows is set here: the 评价方式, the
    place among the sheet's stacked forms, and the findings as merged (I223 included)."""
    from jixiao.processor.merge.projection import to_finding

    by_file: dict[int, FileEntry] = {}
    for p in result.projects:
        f = p.input
        entry = by_file.get(id(f))
        if entry is None:
            info = FileInfo(sha256=f.sha256, name=f.name, path=os.path.abspath(f.path), size=f.size,
                            modified=f.mtime_text, sender=f.sender, received=f.received)
            entry = by_file[id(f)] = FileEntry(info, [], [to_finding(x, f.name) for x in f.findings])
        index = sum(1 for x in entry.forms if x.sheet == p.sheet)
        form = replace(p.row.extras[FORM_ENTRY], form_index=index, method=p.method, findings=list(p.findings))
        counts = Counter(x.severity for x in p.findings)
        form.error_count, form.warning_count = counts["error"], counts["warning"]
        entry.forms.append(form)
    return list(by_file.values())


def after_merge(result: Any, target: str, sources: list[str] | None = None) -> None:
    """Archive a :class:`~jixiao.processor.merge.run.MergeResult` and review its year (in place)."""
    from jixiao.processor.archive.compare import compare_years
    from jixiao.processor.archive.store import Archive

    profile = result.profile
    entries = merged_entries(result, profile)
    with Archive.open(target) as archive:
        added = archive.add(entries, command="merge", sources=sources or [], profile=profile.id)
        result.archive_line = added.line()
        years = [p.year for p in result.projects if p.year]
        review = None
        if years:
            counts = Counter(years)
            year = max(counts, key=lambda y: (counts[y], y))
            review = compare_years(archive, year, profile=profile)
            review.scope = (f"对比范围：档案中 {year} 年度全部 {review.forms_a} 个项目（本次汇总 "
                            f"{sum(1 for y in years if y == year)} 个）与 {review.against} 年度 {review.forms_b} 个项目"
                            if review.against else "")
    extra: list[Finding] = []
    sheets = {(p.input.sha256, p.sheet): [] for p in result.projects}
    for p in result.projects:
        sheets[(p.input.sha256, p.sheet)].append(p)
    if review is not None:
        for form, finding in review.form_findings:
            projects = sheets.get((form.file_sha256, form.sheet), [])
            if form.form_index < len(projects):
                p = projects[form.form_index]
                extra.append(_attach(p, replace(finding, file=p.input.name)))
    for p in result.projects:
        if not p.year:
            extra += [_attach(p, f) for f in profile.apply_severity(
                [make("Y607", file=p.input.name, sheet=p.sheet, cell=p.row.title_cell)])]
    result.findings = sorted(result.findings + extra, key=Finding.sort_key)
    result.year_review = review


def _attach(project: Any, finding: Finding) -> Finding:
    project.findings.append(finding)
    return finding


def add_to_checks(checks: dict[str, Any], target: str, profile: Profile) -> int:
    """Add the Y findings (errors and warnings) of archived files to collect's ``FileCheck``s; count them."""
    from jixiao.processor.archive.compare import compare_years
    from jixiao.processor.archive.store import Archive
    from jixiao.processor.collect.checks import Problem

    added = 0
    with Archive.open(target, create=False) as archive:
        for year in sorted(archive.years_of_files(list(checks))):
            review = compare_years(archive, year, profile=profile)
            for form, f in review.form_findings:
                fc = checks.get(form.file_sha256)
                if fc is not None and f.severity in ("error", "warning"):
                    fc.problems.append(Problem(f.severity, f.sheet or "", f.cell or "", f.message, f.fix))
                    added += 1
    return added
