"""Who is missing: the roster of expected units against what arrived.

A roster is a CSV (UTF-8 or GBK, as Excel saves it) or a workbook sheet with the
columns 单位, 联系人, 邮箱 (a cell may hold several addresses). A unit is matched by
sender e-mail first, else by the 实施单位 written in the workbooks.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from jixiao.processor.collect.addresses import normalize_address
from jixiao.processor.collect.checks import FileCheck, latest_per_project, normalize_unit
from jixiao.processor.collect.manifest import Manifest, ManifestEntry, _csv_safe
from jixiao.processor.core.errors import InputError
from jixiao.processor.files.calamine_read import WORKBOOK_SUFFIXES
from jixiao.processor.files.fileio import decode_text

UNIT_HEADERS = ("单位", "单位名称", "实施单位", "预算单位", "填报单位")
CONTACT_HEADERS = ("联系人", "联系人姓名", "姓名", "经办人")
EMAIL_HEADERS = ("邮箱", "电子邮箱", "电子邮件", "邮件", "邮箱地址", "email", "e-mail", "mail")
# every repetition is bounded (an address is at most 254 characters), so a long cell
# without "@" costs a constant per character instead of a rescan from each position
EMAIL = re.compile(r"[A-Za-z0-9._%+\-']{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,63}")

ROSTER_REPORT_CSV = "收件情况.csv"


@dataclass
class RosterUnit:
    name: str
    contact: str = ""
    emails: list[str] = field(default_factory=list)
    row: int = 0


@dataclass
class UnitStatus:
    unit: RosterUnit
    status: str  # missing | no_workbook | errors | ok
    files: list[FileCheck] = field(default_factory=list)
    entries: list[ManifestEntry] = field(default_factory=list)
    matched_by: str = ""  # 邮箱 | 实施单位

    @property
    def label(self) -> str:
        return {"missing": "未提交", "no_workbook": "已来信但无可用表格", "errors": "有错误",
                "ok": "已提交"}[self.status]

    @property
    def last_received(self) -> datetime | None:
        times = [e.received_at for e in self.entries if e.received_at]
        return max(times, key=lambda d: d.timestamp()) if times else None


@dataclass
class RosterReport:
    units: list[UnitStatus]
    unknown_senders: list[str]

    def by_status(self, status: str) -> list[UnitStatus]:
        return [u for u in self.units if u.status == status]


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _find_columns(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    for i, row in enumerate(rows[:15]):
        cols: dict[str, int] = {}
        for j, value in enumerate(row):
            key = "".join(value.split()).lower()
            if "unit" not in cols and key in UNIT_HEADERS:
                cols["unit"] = j
            elif "contact" not in cols and key in CONTACT_HEADERS:
                cols["contact"] = j
            elif "email" not in cols and (key in EMAIL_HEADERS or key.endswith("邮箱")):
                cols["email"] = j
        if "unit" in cols:
            return i, cols
    raise InputError.of("C129")


def _rows_from_csv(path: Path) -> list[list[str]]:
    text = decode_text(path.read_bytes())
    if text is None:
        raise InputError.of("C126", file=str(path))
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:  # a NUL byte, a cell over 128 KB: not a roster
        raise InputError.of("C127", file=str(path), reason=str(exc)) from None


def _rows_from_workbook(path: Path, sheet: str | None) -> list[list[str]]:
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.calamine_read import load_workbook

    wb = load_workbook(path, load_profile()["limits"])  # the guard runs first
    grids = wb.grids
    if sheet:
        grids = [g for g in grids if g.sheet == sheet]
        if not grids:
            raise InputError.of("C128", file=str(path), sheet=sheet)
    for grid in grids:
        rows = [[_cell(v) for v in row] for row in grid.rows]
        try:
            _find_columns(rows)
        except InputError:
            continue
        return rows
    raise InputError.of("C129", file=str(path))


def load_roster(path: str | Path, sheet: str | None = None) -> list[RosterUnit]:
    """The expected units of a roster file (CSV or .xlsx/.xls)."""
    path = Path(path)
    if not path.is_file():
        raise InputError.of("C125", file=str(path))
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        rows = _rows_from_workbook(path, sheet)
    else:
        rows = _rows_from_csv(path)
    try:
        head, cols = _find_columns(rows)
    except InputError as exc:
        raise InputError.of(exc.code, file=str(path), **exc.params) from None
    units: list[RosterUnit] = []
    for i, row in enumerate(rows[head + 1 :], start=head + 2):
        def get(key: str, row: list[str] = row) -> str:
            j = cols.get(key)
            return row[j] if j is not None and j < len(row) else ""

        name = get("unit")
        if not name:
            continue
        emails = [a for a in (normalize_address(e)[0] for e in EMAIL.findall(get("email"))) if a]
        units.append(RosterUnit(name=name, contact=get("contact"), emails=emails, row=i))
    if not units:
        raise InputError.of("C130", file=str(path))
    return units


def build_report(units: list[RosterUnit], manifest: Manifest, checks: dict[str, FileCheck]) -> RosterReport:
    """Match every unit to what arrived and say which are missing or have errors."""
    by_sender: dict[str, list[ManifestEntry]] = {}
    for e in manifest.entries:
        if e.sender:
            by_sender.setdefault(e.sender, []).append(e)
    checks_by_unit: dict[str, list[FileCheck]] = {}
    for fc in checks.values():
        for unit in set(fc.units):
            if unit:
                checks_by_unit.setdefault(normalize_unit(unit), []).append(fc)
    claimed: set[str] = set()
    statuses: list[UnitStatus] = []
    for unit in units:
        entries = [e for addr in unit.emails for e in by_sender.get(addr, [])]
        matched_by = "邮箱" if entries else ""
        files = _files_of(entries, checks)
        if not files:
            by_name = checks_by_unit.get(normalize_unit(unit.name), [])
            if by_name:
                files = by_name
                entries = entries + [fc.entry for fc in by_name]
                matched_by = "实施单位"
        claimed.update(e.sender for e in entries)
        files = latest_per_project(files)
        if files:
            status = "errors" if any(fc.has_errors for fc in files) else "ok"
        elif entries:
            status = "no_workbook"
        else:
            status = "missing"
        statuses.append(UnitStatus(unit, status, files, entries, matched_by))
    unknown = sorted(s for s in by_sender if s not in claimed)
    return RosterReport(statuses, unknown)


def _files_of(entries: list[ManifestEntry], checks: dict[str, FileCheck]) -> list[FileCheck]:
    seen: set[str] = set()
    files: list[FileCheck] = []
    for e in entries:
        if e.sha256 and e.sha256 in checks and e.sha256 not in seen:
            seen.add(e.sha256)
            fc = checks[e.sha256]
            if fc.entry.sender != e.sender or fc.entry is not e:
                # a duplicate row: same file, this sender's received time
                fc = replace(fc, entry=e)
            files.append(fc)
    return files


def render_text(report: RosterReport) -> str:
    total = len(report.units)
    ok, err = report.by_status("ok"), report.by_status("errors")
    missing, nowb = report.by_status("missing"), report.by_status("no_workbook")
    lines = [
        f"名单共 {total} 个单位：已提交且无错误 {len(ok)} 个，有错误 {len(err)} 个，"
        f"已来信但无可用表格 {len(nowb)} 个，未提交 {len(missing)} 个。"
    ]
    if missing:
        lines.append("")
        lines.append(f"未提交（{len(missing)} 个）：")
        for u in missing:
            lines.append(f"  - {u.unit.name}　联系人：{u.unit.contact or '—'}　邮箱：{'、'.join(u.unit.emails) or '—'}")
    if nowb:
        lines.append("")
        lines.append(f"已来信但无可用表格（{len(nowb)} 个）：")
        for u in nowb:
            notes = "；".join(sorted({e.note for e in u.entries if e.note}))[:200]
            lines.append(f"  - {u.unit.name}　{notes or '邮件中没有 Excel 附件'}")
    if err:
        lines.append("")
        lines.append(f"有错误（{len(err)} 个）：")
        for u in err:
            for fc in u.files:
                if not fc.has_errors:
                    continue
                what = fc.unreadable or f"{len(fc.errors)} 个错误，首个：{_first(fc)}"
                lines.append(f"  - {u.unit.name}　《{fc.entry.attachment}》：{what}")
    if report.unknown_senders:
        lines.append("")
        lines.append(f"名单之外的发件人（{len(report.unknown_senders)} 个）：{'、'.join(report.unknown_senders)}")
    return "\n".join(lines)


def _first(fc: FileCheck) -> str:
    p = fc.errors[0]
    where = f"{p.sheet}!{p.cell}" if p.cell else p.sheet
    return f"{where} {p.message}".strip()


def report_csv(report: RosterReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["单位", "联系人", "邮箱", "状态", "匹配方式", "文件数", "错误数", "提示数", "最近收到时间", "文件", "说明"])
    for u in report.units:
        last = u.last_received
        w.writerow([_csv_safe(str(v)) for v in [
            u.unit.name, u.unit.contact, "；".join(u.unit.emails), u.label, u.matched_by,
            len(u.files), sum(len(f.errors) + (1 if f.unreadable else 0) for f in u.files),
            sum(len(f.warnings) for f in u.files),
            last.isoformat(timespec="minutes") if last else "",
            "；".join(f.entry.saved_path for f in u.files),
            "；".join(f.unreadable for f in u.files if f.unreadable),
        ]])
    return buf.getvalue()
