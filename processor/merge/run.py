"""The year-end merge: many submitted workbooks → one account of every file and project.

``merge(paths, profile, options)`` runs the pipeline, each step in its own module:

1. ``discover`` — every file under the paths (folders walked recursively), what each is,
   and the content hash of each workbook;
2. ``dedupe.identical_files`` — byte-identical copies are read once;
3. ``runner`` — the workbooks are read in worker processes (the engine's one check:
   guard, read, compute, audit) that send back only what the summary needs
   (``projection``); a file that crashes or runs away costs only itself;
4. ``dedupe.newest_versions`` — versions of the same project: the newest is merged;
5. the I223 cross-check over the merged projects (``core.audit.audit_batch``, indexed);
6. ``method`` (评价方式), ``report_text`` (bands and the report's paragraph),
   ``department`` (the department's totals), ``department_forms`` (the 部门整体支出绩效自评表
   forms, kept apart from the projects and checked against them), ``intake`` (the collect
   register and roster).

The returned :class:`~jixiao.processor.merge.result.MergeResult` is written by
``summary_xlsx`` and ``json_out``. One bad file never stops the batch; every input is
accounted for (file statuses: ``merged`` 已汇总, ``failed`` 未汇总 with the reason,
``duplicate`` 重复, ``skipped`` 已跳过 — no spreadsheet at all, listed with the reason but
no problem of the batch). Every step is linear in the number of files (sorting aside).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date

from jixiao.processor.core.audit import audit_batch
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import Finding, catalogue, make
from jixiao.processor.core.rules import Profile
from jixiao.processor.files.calamine_read import WORKBOOK_SUFFIXES
from jixiao.processor.merge.dedupe import identical_files, newest_versions
from jixiao.processor.merge.department import evaluate, load_department, sentences
from jixiao.processor.merge.department_forms import department_forms
from jixiao.processor.merge.discover import InputFile, discover, examine, missing
from jixiao.processor.merge.intake import load_register, load_units, roster_report
from jixiao.processor.merge.method import Methods
from jixiao.processor.merge.order import UnitOrder, name_key, project_key
from jixiao.processor.merge.projection import extra, to_finding
from jixiao.processor.merge.report_text import (
    band_index,
    bands_from_grades,
    error_sentence,
    paragraph,
    tally,
)
from jixiao.processor.merge.result import MergeResult, Project
from jixiao.processor.merge.runner import Budget, Task, default_workers, read_all
from jixiao.processor.merge.standing import PASSED, standing

FREEZE_EVERY = 512  # results kept between two gc.freeze(): the collector skips what is kept


@dataclass
class MergeOptions:
    dept_evaluated: Sequence[str] = ()  # names (项目名称 or file name) of the 部门评价 projects
    total_projects: int | None = None  # the department's number of projects
    department_name: str | None = None  # for the paragraph ("区信访办")
    department_file: str | None = None  # totals: see jixiao.processor.merge.department
    workers: int | None = None  # None: one per core (runner.default_workers)
    exclude: Sequence[str] = ()  # absolute paths never read (our own output)
    roster: str | None = None  # expected units (单位, 联系人, 邮箱): who sent nothing, who has errors
    extras: Sequence[str] = ()  # what workers send beyond the summary's needs (projection.extra)
    budget: Budget | None = None  # per file: CPU seconds and memory (runner.Budget)
    archive: str | None = None  # 绩效档案 (SQLite path or postgresql:// URL): store, then compare years
    summary_date: date | None = None  # the date printed on the summary (default: today)
    deadline: date | None = None  # 报送截止日期: a file received after it is 逾期


def merge(paths: Sequence[str | os.PathLike], profile: Profile, options: MergeOptions | None = None,
          *, progress: Callable[[InputFile], None] | None = None,
          on_discovered: Callable[[int], None] | None = None) -> MergeResult:
    """Merge every 自评表 under ``paths``. Raises InputError before reading anything when a
    path does not exist or the department / roster file cannot be used."""
    options = options or MergeOptions()
    extras = list(options.extras)
    if options.archive:  # the performance archive: each worker builds the archive's entry of its forms
        from jixiao.processor.archive.merge_hook import FORM_ENTRY

        extras.append(FORM_ENTRY)
    for name in extras:
        extra(name)  # ValueError now, not in every worker
    gone = missing(paths)
    if gone:
        raise InputError.of("J501", reason=f"找不到“{'”“'.join(gone)}”，请检查路径是否写对", paths=gone)
    units = load_units(options.roster) if options.roster else None  # bad lists stop before reading
    totals = load_department(options.department_file) if options.department_file else None

    files = discover(paths, options.exclude)
    if on_discovered:
        on_discovered(len(files))
    unit_order = UnitOrder([u.name for u in units] if units is not None else ())
    gc.freeze()  # what exists now (imports, the file list) is never scanned again, nor what is read
    try:
        _read(files, profile, options.workers, extras, options.budget, progress, paths, unit_order)
        return _merged(files, profile, options, units, totals, unit_order, paths)
    finally:
        gc.unfreeze()


def _merged(files: list[InputFile], profile: Profile, options: MergeOptions, units, totals,
            unit_order: UnitOrder, paths: Sequence[str | os.PathLike]) -> MergeResult:
    """Steps 4–6, on what the workers read."""
    pairs = newest_versions([(f, f.forms) for f in files if f.status == "merged"])
    dept_pairs = [(f, row) for f, row in pairs if row.form == "department"]  # 部门整体 forms: not projects
    pairs = [(f, row) for f, row in pairs if row.form != "department"]

    # cross-project findings on the merged forms only (a replaced version is no "copied" project)
    copied: dict[int, Finding] = {}
    for item, finding in audit_batch([row.indicators for _f, row in pairs]):
        for kept in profile.apply_severity([finding]):
            copied[id(item)] = kept

    names = [*options.dept_evaluated, *(totals.dept_evaluated if totals else [])]
    methods = Methods(names)
    full = float(profile["weights"]["total"])
    bands = bands_from_grades(profile["grades"], full)
    projects: list[Project] = []
    for f, row in pairs:
        method, source = methods.decide(project=row.project, file_name=f.name, sheet=row.sheet,
                                        stated=row.method_text, stated_cell=row.method_cell)
        findings = [to_finding(x, f.name) for x in row.findings]
        if id(row.indicators) in copied:
            findings.append(copied[id(row.indicators)])
        errors = sum(1 for x in findings if x.severity == "error")
        projects.append(Project(f, row, method, source, band_index(row.scores["total_score"], bands), findings,
                                standing(row.scores, row.stated_total, errors, full)))
    projects.sort(key=lambda p: project_key(unit_order, p.row.unit, p.total_score, p.standing.invalid,
                                            p.row.project, p.input.name, p.row.sheet))

    departments = department_forms(dept_pairs, projects, profile)
    table = tally(((p.method, p.total_score, p.amount) for p in projects), bands)
    years = [p.year for p in projects if p.year]
    year = (totals.year if totals and totals.year else None) or (max(sorted(set(years)), key=years.count)
                                                                 if years else None)
    total_projects = options.total_projects
    if total_projects is None and totals is not None:
        total_projects = totals.total_projects
    dept_name = options.department_name or (totals.name if totals else None) or (
        departments[0].name or None if len(departments) == 1 else None)
    text = paragraph(table, department=dept_name, year=year, total_projects=total_projects)
    caveat = error_sentence(len(projects), sum(1 for p in projects if p.standing.status != PASSED),
                            sum(1 for p in projects if p.standing.invalid), full,
                            unread=sum(1 for p in projects if p.row.scores["total_score"] is None))

    findings: list[Finding] = []
    for f in files:
        if f.status == "merged":
            findings.extend(to_finding(x, f.name) for x in f.findings)
        elif f.status not in ("pending", "skipped"):  # a skipped file is listed in 文件清单 only
            findings.append(_status_finding(f))
    for p in projects:
        findings.extend(p.findings)
    for d in departments:
        findings.extend(d.findings)
    report = None
    if totals is not None:
        executed = [p.amount for p in projects if p.amount is not None]
        report = evaluate(totals, profile, projects_executed=sum(executed) if executed else None)
        findings.extend(report.findings)
    source = options.department_file or "（命令行参数）"
    unmatched = methods.unmatched()
    findings.extend(make("D407", file=source, name=n) for n in unmatched)
    if total_projects is not None and total_projects < len(projects):
        findings.append(make("D408", file=source, found=total_projects, count=len(projects)))
    findings.extend(methods.conflicts)
    findings = profile.apply_severity(findings)
    findings.sort(key=_finding_order(projects))
    roster = roster_report(units, files) if units is not None else None
    lines = sentences(report) if report else [
        f"{d.name}：{s}" if len(departments) > 1 else s for d in departments for s in sentences(d.report)]
    result = MergeResult(profile, files, projects, findings, table, text, report, lines, unmatched, roster,
                         departments=departments,
                         unit_order=unit_order, summary_date=options.summary_date or date.today(),
                         deadline=options.deadline, caveat=caveat,
                         year=year, department_name=dept_name or _common_department(projects))
    if options.archive:  # the performance archive: store the merged forms, add the year-on-year review
        from jixiao.processor.archive.merge_hook import after_merge

        after_merge(result, options.archive, [str(p) for p in paths])
    return result


def _read(files: list[InputFile], profile: Profile, workers: int | None, extras: Sequence[str],
          budget: Budget | None, progress: Callable[[InputFile], None] | None,
          roots: Sequence[str | os.PathLike], unit_order: UnitOrder) -> None:
    """Steps 1–3: examine and hash each file as the workers ask for more, read the rest.

    While the workers read, this process makes the sort keys of each unit and project
    as they come (pinyin: the phrase dictionary's load and look-ups), work that would
    otherwise wait, on one core, until the last file is read."""
    register = load_register(roots)

    def tasks() -> Iterator[Task]:
        def examined() -> Iterator[InputFile]:
            for f in files:
                examine(f)
                if register is not None and f.sha256:
                    register(f)
                yield f

        def settled(f: InputFile) -> None:
            if progress and f.status != "pending":
                progress(f)

        index = {id(f): i for i, f in enumerate(files)}
        for f in identical_files(_tap(examined(), settled)):
            yield Task(index[id(f)], f.path, f.name)

    workers = workers or default_workers(len(files))
    for n, (task, result) in enumerate(read_all(tasks(), profile, workers=workers, total=len(files),
                                                extras=extras, budget=budget), 1):
        f = files[task.index]
        if result.ok:
            f.status, f.forms, f.findings = "merged", result.sheets, result.findings
            f.sheets = [row.sheet for row in result.sheets]
            for row in result.sheets:  # (cached: the sort after reading finds them made)
                unit_order.key(row.unit)
                name_key(row.project)
        elif result.code == "J505" and not f.path.lower().endswith(WORKBOOK_SUFFIXES):
            f.skip(result.reason)  # a Word document, a PDF …: not named a workbook, and none
        else:
            f.fail(result.code or "J501", result.reason, result.params)
        if progress:
            progress(f)
        if n % FREEZE_EVERY == 0:
            gc.freeze()


def _common_department(projects: list[Project]) -> str:
    """For titles and page headers when no department name was given: the 主管部门 most
    forms name (a name, not a code such as the seed's "101019"), else the one 实施单位 of all."""
    counts: dict[str, int] = {}
    for p in projects:
        name = p.row.department.strip()
        if any("\u4e00" <= ch <= "\u9fff" for ch in name):
            counts[name] = counts.get(name, 0) + 1
    if counts:
        return max(sorted(counts), key=counts.__getitem__)
    units = {p.row.unit.strip() for p in projects}
    return units.pop() if len(units) == 1 else ""


def _finding_order(projects: list[Project]) -> Callable[[Finding], tuple]:
    """问题清单's order: under each project in the summary's order (unit, score), a file's own
    findings with its first project; findings of files not merged and of the department after."""
    at: dict[tuple[str, str | None], int] = {}
    for i, p in enumerate(projects):
        at.setdefault((p.input.name, p.row.sheet), i)
        at.setdefault((p.input.name, None), i)
    last = len(projects)

    def key(f: Finding) -> tuple:
        pos = at.get((f.file or "", f.sheet), at.get((f.file or "", None), last))
        return (pos, f.sort_key())

    return key


def _tap(items: Iterator[InputFile], see: Callable[[InputFile], None]) -> Iterator[InputFile]:
    """Pass items on, and show each one that is already settled (not to be read) to ``see``."""
    for f in items:
        yield f
        see(f)


def _status_finding(f: InputFile) -> Finding:
    """One finding per file that was not merged: its J50x code, the reason as message."""
    code = f.code if f.code in catalogue() else "J501"
    params = {k: v for k, v in f.params.items() if k not in ("file", "sheet", "cell", "severity")}
    params.setdefault("reason", f.reason)
    params.setdefault("other", f.reason)
    base = make(code, file=f.name, **params)
    if f.status == "failed":
        return replace(base, message=f.reason)
    return replace(base, message=f"{f.reason}，未重复汇总")
