"""Reply drafts: one ``.eml`` per sender listing the problems of their files.

Nothing is sent. Each draft carries ``X-Unsent: 1`` so that Outlook (and other
clients that honour it) opens it as a new message ready to send; it answers the
sender's latest message (``In-Reply-To`` / ``References``) so it lands in the same
thread. Every problem it lists carries its catalogue code.

A draft goes only to a valid, normalised sender address (never a look-alike), is written
inside the draft folder only (never through a link planted there), and one sender whose
data cannot make a draft costs only that sender's draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from jixiao.processor.collect.addresses import address_problem, sender_folder
from jixiao.processor.collect.checks import FileCheck, latest_per_project
from jixiao.processor.collect.manifest import Manifest, ManifestEntry
from jixiao.processor.core.visible import in_document, one_line, without_controls

_NUMERALS = "一二三四五六七八九十"
SEVERITY_CN = {"error": "错误", "warning": "提示"}


@dataclass
class SenderReport:
    sender: str
    name: str = ""
    entries: list[ManifestEntry] = field(default_factory=list)
    files: list[FileCheck] = field(default_factory=list)

    @property
    def latest(self) -> ManifestEntry | None:
        dated = [e for e in self.entries if e.received_at]
        if dated:
            return max(dated, key=lambda e: e.received_at.timestamp())  # type: ignore[union-attr]
        return self.entries[-1] if self.entries else None

    @property
    def problem_count(self) -> int:
        bad = sum(len(f.problems) + (1 if f.unreadable else 0) for f in self.files)
        return bad + len(self.failed_attachments) + (0 if self.files or self.failed_attachments else 1)

    @property
    def failed_attachments(self) -> list[ManifestEntry]:
        return [e for e in self.entries if e.status in ("unreadable", "rejected") and e.attachment]


def _heading(n: int) -> str:
    if n <= 10:
        return _NUMERALS[n - 1]
    return str(n)


def group_by_sender(manifest: Manifest, checks: dict[str, FileCheck]) -> list[SenderReport]:
    """One report per valid sender address (rows without one, or with a register edited to
    hold an invalid one, get no draft)."""
    reports: dict[str, SenderReport] = {}
    for e in manifest.entries:
        if not e.sender or address_problem(e.sender):
            continue
        rep = reports.setdefault(e.sender, SenderReport(e.sender))
        rep.name = rep.name or e.sender_name
        rep.entries.append(e)
    for rep in reports.values():
        files: list[FileCheck] = []
        seen: set[str] = set()
        for e in rep.entries:
            if e.status in ("saved", "duplicate") and e.sha256 in checks and e.sha256 not in seen:
                seen.add(e.sha256)
                base = checks[e.sha256]
                files.append(replace(base, entry=e))
        rep.files = latest_per_project(files)
    return sorted(reports.values(), key=lambda r: r.sender)


def _received(e: ManifestEntry) -> str:
    dt = e.received_at
    return dt.strftime("%Y-%m-%d %H:%M") if dt else "日期不详"


def render_body(rep: SenderReport) -> str:
    greet = f"{rep.name}：" if rep.name and "@" not in rep.name else "您好："
    lines = [greet, "", "财务部门已收到您发送的项目支出绩效自评表，审核情况如下。", ""]
    n = 0
    for fc in rep.files:
        n += 1
        e = fc.entry
        title = f"{_heading(n)}、《{e.attachment}》（{_received(e)} 收到）"
        lines.append(title)
        if fc.unreadable:
            lines.append(f"  【{fc.unreadable_code or '错误'}】文件无法读取：{fc.unreadable}")
            lines.append("  请检查文件后重新发送。")
        elif not fc.problems:
            lines.append("  未发现问题，谢谢！")
        else:
            lines.append(
                f"  发现 {len(fc.errors)} 个错误、{len(fc.warnings)} 个提示"
                + ("，请修改后重新发送：" if fc.errors else "，请核实：")
            )
            ordered = fc.errors + fc.warnings
            for i, p in enumerate(ordered, start=1):
                where = f"{p.sheet}!{p.cell}" if p.sheet and p.cell else (p.cell or p.sheet or "整个文件")
                label = f"{SEVERITY_CN[p.severity]} {p.code}" if p.code else SEVERITY_CN[p.severity]
                lines.append(f"  {i}. 【{label}】单元格 {where}：{p.message}")
                if p.fix:
                    lines.append(f"     修改建议：{p.fix}")
        lines.append("")
    for e in rep.failed_attachments:
        n += 1
        code = f"【{e.code}】" if e.code else ""
        lines.append(f"{_heading(n)}、附件《{e.attachment}》未能接收：{code}{e.note or '无法读取'}")
        lines.append("")
    if not rep.files and not rep.failed_attachments:
        n += 1
        lines.append(f"{_heading(n)}、您的邮件中没有找到 Excel 附件（.xlsx/.xlsm/.xls）。")
        lines.append("  请将自评表作为附件（或打包为 zip）重新发送。")
        lines.append("")
    lines += ["如有疑问，请直接回复本邮件。", "", "（本邮件由 jixiao 根据审核结果生成，发送前请核对。）", ""]
    # attachment names, sender names and messages quote submitted text: a U+202E or an escape
    # sequence is shown as \u202e, as in every output, never obeyed by the mail client
    return in_document("\n".join(lines))


def _header(text: str) -> str:
    """Submitted text made fit for a header line: no line break, no control character."""
    return without_controls(" ".join(text.split()))


def build_draft(rep: SenderReport, *, sender_address: str | None = None) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    latest = rep.latest
    if sender_address:
        msg["From"] = sender_address
    elif latest is not None and latest.to and not address_problem(latest.to):
        msg["From"] = latest.to
    name = _header(rep.name)
    msg["To"] = formataddr((name, rep.sender)) if name and "@" not in name else rep.sender
    subject = _header(latest.subject) if latest is not None and latest.subject else ""
    subject = subject or "项目支出绩效自评表"
    has_errors = any(f.has_errors for f in rep.files) or rep.failed_attachments or not rep.files
    verdict = "需修改" if has_errors else "已收到"
    if not subject.lower().startswith(("re:", "回复：", "答复：")):
        subject = f"Re: {subject}"
    msg["Subject"] = f"{subject}【审核意见：{verdict}】"
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain="jixiao.local")
    message_id = _header(latest.message_id) if latest is not None else ""
    if message_id:
        msg["In-Reply-To"] = message_id
        msg["References"] = message_id
    msg["X-Unsent"] = "1"
    msg["X-Mailer"] = "jixiao reply"
    msg.set_content(render_body(rep), charset="utf-8")
    return msg


@dataclass
class DraftsOutcome:
    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # one Chinese line per sender without a draft


def write_drafts(reports: list[SenderReport], out_dir: Path, *, sender_address: str | None = None,
                 only_problems: bool = False) -> DraftsOutcome:
    """One ``.eml`` per sender in ``out_dir`` (created; never written through a link)."""
    from jixiao.processor.files.atomic import atomic_write_bytes, ensure_folder

    out_dir = ensure_folder(out_dir)
    outcome = DraftsOutcome()
    for rep in reports:
        if only_problems and rep.problem_count == 0:
            continue
        path = out_dir / (sender_folder(rep.sender) + ".eml")
        try:
            draft = build_draft(rep, sender_address=sender_address)
            atomic_write_bytes(path, draft.as_bytes(), within=out_dir)
        except Exception as exc:  # noqa: BLE001 - one sender's draft, not the others'
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else one_line(exc) or type(exc).__name__
            outcome.failed.append(f"没有为 {one_line(rep.sender)} 生成回复草稿：{reason}")
            continue
        outcome.written.append(path)
    return outcome
