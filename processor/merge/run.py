"""The year-end merge: many submitted workbooks → one account of every file and project.

``merge(paths, profile, options)`` walks folders recursively, lists **every** file it
meets (workbooks, broken files, Excel lock files, PDFs …), reads each workbook once
with the engine (in worker processes when asked), removes duplicates and returns a
:class:`MergeResult` that the summary writer (``jixiao.processor.merge.summary_xlsx``) and
``--json`` turn into output. One bad file never stops the batch.

File statuses (``InputFile.status``): ``merged`` 已汇总, ``failed`` 未汇总 (with the
reason in Chinese), ``duplicate`` 重复 (byte-identical to a kept file, or every project
in it replaced by a newer version of the same project).

The same project is the same (项目名称, 实施单位, 年度), compared after removing spaces
and full-width forms. The newer version wins: by the received time of the collect
register (``收件登记.json``) when both files have one, else by file modification time;
ties go to the later path in sort order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from jixiao.processor.core.engine import FileResult, SheetResult, check_file, cross_check
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import Finding, catalogue, make
from jixiao.processor.core.model import Record
from jixiao.processor.core.rules import Profile
from jixiao.processor.core.values import norm
from jixiao.processor.files.calamine_read import WORKBOOK_SUFFIXES
from jixiao.processor.files.fileio import decode_text, sha256_file
from jixiao.processor.merge.department import DepartmentTotals, evaluate, load_department, sentences
from jixiao.processor.merge.report_text import (
    DEPT_EVAL,
    UNIT_EVAL,
    BandTable,
    band_index,
    bands_from_grades,
    paragraph,
    tally,
)

OTHER_SPREADSHEETS = (".xlsb", ".ods", ".et", ".ett", ".csv", ".xltx", ".xltm", ".xlt", ".numbers", ".wps")
ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz")
COLLECT_FILES = ("收件登记.json", "收件登记.csv")

STATUS_CN = {"merged": "已汇总", "failed": "未汇总", "duplicate": "重复"}
SMALL_BATCH = 40  # below this many workbooks one process is faster than a pool


@dataclass
class MergeOptions:
    dept_evaluated: Sequence[str] = ()  # names (项目名称 or file name) of the 部门评价 projects
    total_projects: int | None = None  # the department's number of projects
    department_name: str | None = None  # for the paragraph ("区信访办")
    department_file: str | None = None  # totals: see jixiao.processor.merge.department
    workers: int | None = None  # None: automatic
    exclude: Sequence[str] = ()  # absolute paths never read (our own output)
    roster: str | None = None  # expected units (单位, 联系人, 邮箱): who sent nothing, who has errors
    archive: str | None = None  # 绩效档案 (SQLite path or postgresql:// URL): store, then compare years


@dataclass
class InputFile:
    path: str  # as opened
    name: str  # as shown: relative to the folder given
    size: int = 0
    mtime: float = 0.0
    sha256: str | None = None
    status: str = "pending"  # merged | failed | duplicate once the merge is done
    reason: str = ""
    code: str | None = None  # catalogue code of a failure / duplicate
    result: FileResult | None = None
    kept_sheets: list[str] = field(default_factory=list)
    sender: str = ""
    received: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def status_cn(self) -> str:
        return STATUS_CN[self.status]

    @property
    def mtime_text(self) -> str:
        return datetime.fromtimestamp(self.mtime).strftime("%Y-%m-%d %H:%M:%S") if self.mtime else ""

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.name, "status": self.status, "status_cn": self.status_cn, "reason": self.reason,
            "code": self.code, "size": self.size, "modified": self.mtime_text, "sha256": self.sha256,
            "sheets": [s.sheet for s in self.result.sheets] if self.result else [],
            "merged_sheets": self.kept_sheets, "sender": self.sender, "received": self.received,
        }


@dataclass
class Project:
    """One merged 自评表."""

    input: InputFile
    sheet: SheetResult
    method: str  # 部门评价 | 单位自评
    method_source: str  # 表内填写 | 名单 | 默认
    band: int

    @property
    def record(self) -> Record:
        return self.sheet.record

    def funding(self, attr: str) -> float | None:
        row = self.record.funding_row("total")
        return None if row is None else getattr(row, attr).value

    @property
    def amount(self) -> float | None:
        """涉及金额: 全年执行数 of 年度资金总额."""
        return self.funding("executed")

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.sheet.findings:
            out[f.severity] += 1
        return out

    def as_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        rec = self.record
        return {
            "file": self.input.name, "sheet": self.sheet.sheet, "project": rec.project.text,
            "department": rec.department.text, "unit": rec.unit.text, "year": rec.year,
            "method": self.method, "method_source": self.method_source,
            "initial": self.funding("initial"), "budget": self.funding("budget"), "executed": self.amount,
            "scores": self.sheet.scores.as_json(),
            "findings": [f.as_json() for f in self.sheet.findings],
            "record": _jsonable(asdict(rec)),
        }


@dataclass
class MergeResult:
    profile: Profile
    files: list[InputFile]
    projects: list[Project]
    findings: list[Finding]  # every finding of every file, sorted
    bands: BandTable
    paragraph: str
    department: Any = None  # jixiao.processor.merge.department.DepartmentReport
    department_sentences: list[str] = field(default_factory=list)
    unmatched_dept_names: list[str] = field(default_factory=list)
    roster: Any = None  # jixiao.processor.collect.roster.RosterReport with --roster
    year_review: Any = None  # jixiao.processor.archive.compare.YearReview with --archive
    archive_line: str = ""  # what --archive stored

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def severity_count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def summary_line(self) -> str:
        line = (f"共发现 {len(self.files)} 个文件：已汇总 {self.count('merged')} 个（{len(self.projects)} 个项目），"
                f"未汇总 {self.count('failed')} 个，重复 {self.count('duplicate')} 个；"
                f"发现错误 {self.severity_count('error')} 个、提示 {self.severity_count('warning')} 个。")
        if self.roster is not None:
            line += (f"名单 {len(self.roster.units)} 个单位：未提交 {len(self.roster.by_status('missing'))} 个，"
                     f"有错误 {len(self.roster.by_status('errors'))} 个。")
        return line


# ---------------------------------------------------------------------- discovery


def discover(paths: Iterable[str | os.PathLike], exclude: Iterable[str] = ()) -> list[InputFile]:
    """Every file under ``paths`` (folders walked recursively, hidden files included),
    sorted by the name shown. Paths that do not exist are listed as 未汇总."""
    roots = [Path(p) for p in paths]
    skip = {os.path.normcase(os.path.abspath(e)) for e in exclude}
    prefix = len(roots) > 1
    found: dict[str, InputFile] = {}
    for root in roots:
        if root.is_dir():
            label = root.resolve().name if prefix else ""
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames.sort()
                for fn in sorted(filenames):
                    full = Path(dirpath) / fn
                    if os.path.normcase(os.path.abspath(full)) in skip:
                        continue
                    rel = full.relative_to(root).as_posix()
                    name = f"{label}/{rel}" if label else rel
                    found.setdefault(os.path.normcase(os.path.abspath(full)), InputFile(str(full), name))
        else:
            if os.path.normcase(os.path.abspath(root)) in skip:
                continue
            found.setdefault(os.path.normcase(os.path.abspath(root)), InputFile(str(root), root.as_posix()))
    return sorted(found.values(), key=lambda f: (f.name, f.path))


def _stat_and_hash(f: InputFile) -> None:
    try:
        st = os.stat(f.path)
    except OSError as exc:
        _fail(f, "J501", f"找不到文件或无法访问（{exc.strerror or exc}）")
        return
    f.size, f.mtime = st.st_size, st.st_mtime
    if not os.path.isfile(f.path):
        _fail(f, "J505", "不是普通文件")
        return
    base = os.path.basename(f.path)
    suffix = os.path.splitext(base)[1].lower()
    if base.startswith("~$"):
        _fail(f, "J505", "Excel 临时锁定文件（“~$”开头），不是自评表")
        return
    if base in COLLECT_FILES:
        _fail(f, "J505", "收件登记文件（由 collect 生成），不是自评表")
        return
    if suffix not in WORKBOOK_SUFFIXES and not (suffix not in ARCHIVES and _has_workbook_signature(f.path)):
        if suffix in ARCHIVES:
            _fail(f, "J505", f"压缩包（{suffix}），请解压后把其中的自评表放入文件夹再汇总")
        elif suffix in OTHER_SPREADSHEETS:
            _fail(f, "J505", f"不支持的表格格式“{suffix}”，请另存为 .xlsx")
        else:
            _fail(f, "J505", f"不是电子表格文件（{suffix or '无扩展名'}）")
        return
    if f.size == 0:
        _fail(f, "J505", "文件为空（0 字节）")
        return
    try:
        digest = sha256_file(f.path)
    except OSError as exc:
        _fail(f, "J501", f"无法读取（{exc.strerror or exc}）")
        return
    f.sha256 = digest


def _has_workbook_signature(path: str) -> bool:
    """Content decides, not the name: a zip (OOXML) or compound file (.xls) renamed."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    return head.startswith(b"PK\x03\x04") or head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _fail(f: InputFile, code: str, reason: str) -> None:
    f.status, f.code, f.reason = "failed", code, reason


# ---------------------------------------------------------------------- reading

_PROFILE: Profile | None = None


def _init_worker(profile: Profile) -> None:
    global _PROFILE
    _PROFILE = profile


def read_one(path: str, name: str, profile: Profile | None = None) -> tuple[str, Any, str]:
    """Check one workbook: ("ok", FileResult, "") or ("error", code, Chinese reason).

    File names inside the result are rewritten to ``name``. Never raises."""
    profile = profile or _PROFILE
    try:
        result = check_file(path, profile)
    except InputError as exc:
        return ("error", exc.code, exc.detail)
    except MemoryError:
        return ("error", "J504", "文件过大，读取时内存不足")
    except OSError as exc:
        return ("error", "J501", f"无法读取（{exc.strerror or exc}）")
    except Exception:  # an engine bug must not stop the batch
        return ("error", "J501", "读取时发生内部错误，该文件未能汇总，请联系维护人员")
    return ("ok", _rename(result, name), "")


def _rename(result: FileResult, name: str) -> FileResult:
    result.file = name
    result.findings = [replace(f, file=name) for f in result.findings]
    for s in result.sheets:
        s.file = name
        s.record.file = name
        s.findings = [replace(f, file=name) for f in s.findings]
    return result


def _read_all(todo: list[InputFile], profile: Profile, workers: int,
              progress: Callable[[InputFile], None] | None) -> None:
    def apply(f: InputFile, out: tuple[str, Any, str]) -> None:
        if out[0] == "ok":
            f.result, f.status = out[1], "merged"
        else:
            _fail(f, out[1], out[2])
        if progress:
            progress(f)

    if workers <= 1 or len(todo) <= 1:
        for f in todo:
            apply(f, read_one(f.path, f.name, profile))
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(profile,)) as pool:
        chunk = max(1, min(16, len(todo) // (workers * 8)))
        outs = pool.map(read_one, [f.path for f in todo], [f.name for f in todo], chunksize=chunk)
        for f, out in zip(todo, outs):
            apply(f, out)


def default_workers(n_files: int) -> int:
    if n_files < SMALL_BATCH:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


# ---------------------------------------------------------------------- duplicates


def project_key(record: Record) -> tuple[str, str, int | None] | None:
    name = norm(record.project.text)
    if not name:
        return None
    return (name, norm(record.unit.text), record.year)


def _newness(f: InputFile, use_received: bool) -> tuple:
    return (f.received if use_received else "", f.mtime, f.name)


def _dedupe_bytes(files: list[InputFile]) -> None:
    first: dict[str, InputFile] = {}
    for f in files:
        if f.sha256 is None or f.status != "pending":
            continue
        kept = first.setdefault(f.sha256, f)
        if kept is not f:
            f.status, f.code, f.reason = "duplicate", "J506", f"与“{kept.name}”内容相同"


def _dedupe_projects(files: list[InputFile]) -> list[tuple[InputFile, SheetResult]]:
    """Keep the newest version of each project; return the kept (file, sheet) pairs."""
    groups: dict[Any, list[tuple[InputFile, int, SheetResult]]] = {}
    order: list[Any] = []
    for f in files:
        if f.status != "merged" or f.result is None:
            continue
        for i, s in enumerate(f.result.sheets):
            key = project_key(s.record) or ("#", f.name, s.sheet)
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append((f, i, s))
    # keyed by the SheetResult itself: one sheet may hold several stacked forms
    kept: dict[int, SheetResult] = {}
    replaced: dict[int, tuple[InputFile, SheetResult]] = {}
    for key in order:
        members = groups[key]
        use_received = all(m[0].received for m in members)
        # newest file wins; inside one file the first sheet
        winner = max(members, key=lambda m: (_newness(m[0], use_received), -m[1]))
        kept[id(winner[2])] = winner[2]
        for m in members:
            if m is not winner:
                replaced[id(m[2])] = (winner[0], winner[2])
    out: list[tuple[InputFile, SheetResult]] = []
    for f in files:
        if f.status != "merged" or f.result is None:
            continue
        lost = []
        for s in f.result.sheets:
            if id(s) in kept:
                f.kept_sheets.append(s.sheet)
                out.append((f, s))
            else:
                wf, ws = replaced[id(s)]
                lost.append((s, wf, ws))
        if not lost:
            continue
        if not f.kept_sheets:
            wf = lost[0][1]
            f.status, f.code = "duplicate", "J507"
            f.reason = (f"被“{wf.name}”的新版本替代" if wf is not f
                        else "文件内各表为同一项目")
        for s, wf, ws in lost:
            if wf is f:
                f.notes.append(f"工作表“{s.sheet}”与工作表“{ws.sheet}”为同一项目，只计入一次")
            else:
                f.notes.append(f"工作表“{s.sheet}”（{s.record.project.text}）被“{wf.name}”的新版本替代")
        if f.status == "merged":
            f.reason = "；".join(f.notes)
    return out


# ---------------------------------------------------------------------- 评价方式


def method_of(record: Record, file_name: str, dept_names: set[str]) -> tuple[str, str]:
    """(评价方式, 来源): the form's own statement, else the 部门评价 list, else 单位自评."""
    stated = norm(record.method.text)
    if stated:
        if "部门" in stated or "财政" in stated or "第三方" in stated:
            return DEPT_EVAL, "表内填写"
        if "单位" in stated or "自评" in stated:
            return UNIT_EVAL, "表内填写"
    if dept_names and _names_of(record, file_name) & dept_names:
        return DEPT_EVAL, "名单"
    return UNIT_EVAL, "默认"


def _names_of(record: Record, file_name: str) -> set[str]:
    base = file_name.rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0]
    return {n for n in (norm(record.project.text), norm(base), norm(stem), norm(file_name)) if n}


def read_name_list(path: str | os.PathLike) -> list[str]:
    """A text file naming the 部门评价 projects, one per line (# starts a comment)."""
    raw = Path(path).read_bytes()
    text = decode_text(raw)
    if text is None:
        text = raw.decode("utf-8", "replace")
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().strip(",，")
        if line:
            out.append(line)
    return out


# ---------------------------------------------------------------------- the merge


def _status_finding(f: InputFile) -> Finding:
    """One finding per file that was not merged: its J50x code, the reason as message."""
    code = f.code if f.code in catalogue() else "J501"
    base = make(code, file=f.name, reason=f.reason, other=f.reason)
    if f.status == "failed":
        return replace(base, message=f.reason)
    return replace(base, message=f"{f.reason}，未重复汇总")


def _manifest_for(roots: Sequence[str | os.PathLike], files: list[InputFile]) -> None:
    """Sender and received time from the collect register(s), when present."""
    try:
        from jixiao.processor.collect.manifest import load_manifest
    except ImportError:  # collect not installed in this build
        return
    table: dict[str, Any] = {}
    for root in roots:
        if Path(root).is_dir():
            try:
                table.update(load_manifest(root))
            except Exception:  # a damaged register must not stop the merge
                continue
    if not table:
        return
    for f in files:
        entry = table.get(f.sha256 or "")
        if entry is not None:
            f.sender = entry.sender_name and f"{entry.sender_name} <{entry.sender}>" or entry.sender
            at = entry.received_at
            f.received = at.isoformat(timespec="seconds") if at else ""


def merge(paths: Sequence[str | os.PathLike], profile: Profile, options: MergeOptions | None = None,
          *, progress: Callable[[InputFile], None] | None = None,
          on_discovered: Callable[[int], None] | None = None) -> MergeResult:
    options = options or MergeOptions()
    units = None
    if options.roster:  # read first: a bad roster stops before any workbook is read
        from jixiao.processor.collect.roster import load_roster

        units = load_roster(options.roster)
    files = discover(paths, options.exclude)
    for f in files:
        _stat_and_hash(f)
    _manifest_for(paths, files)
    _dedupe_bytes(files)
    todo = [f for f in files if f.status == "pending"]
    if on_discovered:
        on_discovered(len(todo))
    workers = options.workers if options.workers else default_workers(len(todo))
    _read_all(todo, profile, workers, progress)

    pairs = _dedupe_projects(files)
    # cross-project findings on the kept sheets only (a duplicate is no "copied" project)
    by_file: dict[str, FileResult] = {}
    for f, s in pairs:
        by_file.setdefault(f.name, FileResult(f.name)).sheets.append(s)
    if len(pairs) > 1:
        cross_check(list(by_file.values()), profile)

    # 评价方式
    totals: DepartmentTotals | None = None
    if options.department_file:
        totals = load_department(options.department_file)
    names = [*options.dept_evaluated, *(totals.dept_evaluated if totals else [])]
    dept_names = {norm(n) for n in names if norm(n)}
    bands = bands_from_grades(profile["grades"], float(profile["weights"]["total"]))
    projects: list[Project] = []
    matched: set[str] = set()
    conflicts: list[Finding] = []
    for f, s in pairs:
        method, source = method_of(s.record, f.name, dept_names)
        listed = _names_of(s.record, f.name) & dept_names
        if source == "名单":
            matched |= listed
        elif listed and method != DEPT_EVAL:  # the form says otherwise: it wins, but say so
            matched |= listed
            conflicts.append(make("D409", file=f.name, sheet=s.sheet, cell=s.record.method.cell,
                                  name=s.record.project.text, stated=s.record.method.text, method=method))
        projects.append(Project(f, s, method, source, band_index(s.scores.total_score, bands)))
    projects.sort(key=lambda p: (0 if p.method == DEPT_EVAL else 1, norm(p.record.unit.text),
                                 norm(p.record.project.text), p.input.name, p.sheet.sheet))
    unmatched = [n for n in names if norm(n) and norm(n) not in matched
                 and not any(norm(n) in _names_of(p.record, p.input.name) for p in projects)]

    table = tally(((p.method, p.sheet.scores.total_score, p.amount) for p in projects), bands)
    years = [p.record.year for p in projects if p.record.year]
    year = (totals.year if totals and totals.year else None) or (max(sorted(set(years)), key=years.count) if years else None)
    total_projects = options.total_projects
    if total_projects is None and totals is not None:
        total_projects = totals.total_projects
    dept_name = options.department_name or (totals.name if totals else None)
    text = paragraph(table, department=dept_name, year=year, total_projects=total_projects)

    findings: list[Finding] = []
    for f in files:
        if f.status != "merged":
            findings.append(_status_finding(f))
        elif f.result is not None:
            findings.extend(f.result.findings)
    for p in projects:
        findings.extend(p.sheet.findings)
    report = None
    extra: list[Finding] = []
    source = options.department_file or "（命令行参数）"
    for n in unmatched:
        extra.append(make("D407", file=source, name=n))
    if total_projects is not None and total_projects < len(projects):
        extra.append(make("D408", file=source, found=total_projects, count=len(projects)))
    if totals is not None:
        executed = [p.amount for p in projects if p.amount is not None]
        report = evaluate(totals, profile, projects_executed=sum(executed) if executed else None)
        findings.extend(report.findings)
    findings.extend(extra)
    findings.extend(conflicts)
    findings = profile.apply_severity(findings)
    findings.sort(key=Finding.sort_key)
    roster = None
    if units is not None:
        from jixiao.processor.merge.roster import roster_report

        roster = roster_report(units, files)
    result = MergeResult(profile, files, projects, findings, table, text, report,
                         sentences(report) if report else [], unmatched, roster)
    if options.archive:  # the performance archive: store the merged forms, add the year-on-year review
        from jixiao.processor.archive.merge_hook import after_merge

        after_merge(result, options.archive, [str(p) for p in paths])
    return result


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return str(obj)


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
