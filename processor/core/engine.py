"""The one pipeline: grid → record → scores → findings, shared by every command and the add-in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jixiao.processor.core.audit import audit, audit_batch
from jixiao.processor.core.compute import compute
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import Finding, make
from jixiao.processor.core.grid import Grid, addr, overlapping_merges
from jixiao.processor.core.marks import OWN_SHEETS
from jixiao.processor.core.model import Record, Scores
from jixiao.processor.core.reader import read_forms, read_grid, vocabulary_for
from jixiao.processor.core.rules import Profile, load_profile
from jixiao.processor.files.calamine_read import load_workbook

# how a hidden sheet is hidden, for R030 (Grid.state → the words a finance office knows)
HIDDEN_STATES = {
    "hidden": "右键工作表标签、选“取消隐藏”可以看到它",
    "veryHidden": "设为“深度隐藏”，在 Excel 的“取消隐藏”列表中也看不到，只能在 VBA 编辑器中改回",
}


@dataclass
class SheetResult:
    file: str
    sheet: str
    record: Record
    scores: Scores
    findings: list[Finding]

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "project": self.record.project.text,
            "unit": self.record.unit.text,
            "year": self.record.year,
            "scores": self.scores.as_json(),
            "findings": [f.as_json() for f in self.findings],
            "read_map": read_map_json(self.record, self.scores),
        }


def read_map_json(record: Record, scores: Scores) -> dict:
    """How the table was read (versioned): the reader's map plus what computing decided."""
    out = record.read.as_json()
    out["unknown"] = dict(scores.unknown)
    out["sources"] = dict(out["sources"])
    if scores.execution_weight_source:
        out["sources"]["execution.weight"] = scores.execution_weight_source
    return out


@dataclass
class FileResult:
    file: str
    sheets: list[SheetResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # file-level: skipped sheets, macros

    @property
    def all_findings(self) -> list[Finding]:
        return self.findings + [f for s in self.sheets for f in s.findings]


def check_grid(grid: Grid, file: str, profile: Profile | None = None) -> SheetResult | None:
    """Read, score and audit one worksheet; None when it is not a 自评表."""
    profile = profile or load_profile()
    refuse_overlapping_merges(grid, file)
    record = read_grid(grid, file, vocabulary_for(profile))
    return None if record is None else _said_hidden(grid, file, profile, [_checked(record, profile)])[0]


def check_sheet(grid: Grid, file: str, profile: Profile | None = None) -> list[SheetResult]:
    """Every 自评表 on one worksheet (usually one; reports sometimes stack several)."""
    profile = profile or load_profile()
    refuse_overlapping_merges(grid, file)
    return _said_hidden(grid, file, profile,
                        [_checked(record, profile) for record in read_forms(grid, file, vocabulary_for(profile))])


def _said_hidden(grid: Grid, file: str, profile: Profile, results: list[SheetResult]) -> list[SheetResult]:
    """A form on a hidden sheet is read, and said (R030): the reviewer must know it is out of sight."""
    if grid.state in HIDDEN_STATES:
        for result in results:
            result.findings[:0] = profile.apply_severity(
                [make("R030", sheet=grid.sheet, file=file, how=HIDDEN_STATES[grid.state])])
    return results


def refuse_overlapping_merges(grid: Grid, file: str) -> None:
    """J519 for a sheet whose merged ranges overlap: which range a cell belongs to is not known,
    so nothing read from the sheet can be trusted (a title read as the project name, a form
    read as empty). Every command and the add-in read sheets through here."""
    pair = overlapping_merges(grid.merged)
    if pair is not None:
        first, second = (f"{addr(r1, c1)}:{addr(r2, c2)}" for r1, c1, r2, c2 in pair)
        raise InputError.of("J519", file=file, sheet=grid.sheet, first=first, second=second)


def _checked(record: Record, profile: Profile) -> SheetResult:
    profile = profile.for_form(record.read.form)  # a 部门整体 form is scored by its own rules
    scores = compute(record, profile)
    return SheetResult(record.file, record.sheet, record, scores, audit(record, scores, profile))


def check_grids(grids: list[Grid], file: str, profile: Profile | None = None) -> FileResult:
    profile = profile or load_profile()
    result = FileResult(file)
    for grid in grids:
        if grid.sheet in OWN_SHEETS:
            continue  # our own 校验结果 sheet and record from an earlier run
        forms = check_sheet(grid, file, profile)
        if not forms and any(any(v not in (None, "") for v in row) for row in grid.rows):
            result.findings.append(make("R001", sheet=grid.sheet, file=file))
        result.sheets.extend(forms)
    if not result.sheets:
        raise InputError.of("J503", file=file)
    result.findings = profile.apply_severity(result.findings)
    if all(s.record.is_blank for s in result.sheets):
        raise InputError.of("J508", file=file)
    return result


def check_file(path: str | Path, profile: Profile | None = None, *, name: str | None = None) -> FileResult:
    """The whole check of one file; raises InputError for files that cannot be read.

    Results and findings name the file ``name`` (default: ``path``), e.g. the path
    relative to the folder a merge was given."""
    profile = profile or load_profile()
    wb = load_workbook(path, profile["limits"])
    label = str(path) if name is None else name
    result = check_grids(wb.grids, label, profile)
    result.findings[:0] = active_content_findings(label, wb.active_content, profile)
    return result


def active_content_findings(file: str, what: str | None, profile: Profile) -> list[Finding]:
    """R011 for a file the guard found macros, links or network functions in."""
    return profile.apply_severity([make("R011", file=file, what=what)]) if what else []


def cross_check(results: list[FileResult], profile: Profile | None = None) -> None:
    """Findings that need several projects (I223 copied indicator sets), added in place."""
    profile = profile or load_profile()
    sheets = [s for r in results for s in r.sheets if s.record.read.form == "project"]  # projects only
    by_record = {id(s.record): s for s in sheets}  # one sheet may hold several stacked forms
    for record, finding in audit_batch([s.record for s in sheets]):
        by_record[id(record)].findings.extend(profile.apply_severity([finding]))
