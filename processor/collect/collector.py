"""From messages to saved workbooks and register rows.

``DIR/<sender>/<date>_<file name>``: one folder per sender address, the date the
message arrived, the attachment's own (decoded, made safe) name. Content already
saved (same sha256) is not written again; a message already registered (same
source key or Message-ID) is not processed again.
"""

from __future__ import annotations

import email
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import errors as email_errors
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from jixiao.processor.collect.attachments import Limits, extract
from jixiao.processor.collect.manifest import Manifest, ManifestEntry
from jixiao.processor.collect.safenames import (
    MAX_NAME_BYTES,
    safe_dirname,
    safe_filename,
    unique_name,
)
from jixiao.processor.collect.sources import RawMessage, normalize_message_id
from jixiao.processor.collect.textdecode import header_text, raw_header, raw_headers
from jixiao.processor.files.atomic import atomic_write_bytes
from jixiao.processor.files.fileio import sha256_file

_BROKEN_STRUCTURE = (
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.MultipartInvariantViolationDefect,
)
_KNOWN_HEADERS = {
    "from", "to", "subject", "date", "message-id", "received", "mime-version",
    "content-type", "return-path", "sender", "reply-to", "cc", "delivered-to",
}


@dataclass
class CollectStats:
    messages: int = 0  # messages looked at
    known: int = 0  # already registered before this run (skipped without a row)
    new_messages: int = 0
    saved: int = 0
    duplicates: int = 0
    unreadable: int = 0
    rejected: int = 0
    no_attachment: int = 0
    saved_paths: list[str] = field(default_factory=list)


@dataclass
class MessageMeta:
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    date: datetime | None = None
    received: datetime | None = None
    message_id: str = ""
    to: str = ""


_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2}):?(\d{2})?\b")
_NUMERIC_DATE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([+-])(\d{2}):?(\d{2}))?$")
BEIJING = timezone(timedelta(hours=8))


def _parse_date(text: str | None) -> datetime | None:
    """A Date header: RFC 5322, “… GMT+08:00” (Java mailers, webmail) or numeric
    “2024-03-23 10:00:00 [+0800]” (OA systems; without a zone read as Beijing time)."""
    if not text:
        return None
    text = " ".join(str(text).split())
    m = _NUMERIC_DATE.match(text)
    if m:
        y, mo, d, h, mi, s, sign, oh, om = m.groups()
        tz = BEIJING if sign is None else timezone((1 if sign == "+" else -1) * timedelta(hours=int(oh), minutes=int(om)))
        try:
            return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=tz)
        except ValueError:
            return None
    text = _GMT_OFFSET.sub(lambda g: f"{g.group(1)}{int(g.group(2)):02d}{g.group(3) or '00'}", text)
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


def _body_key(data: bytes | None) -> str:
    """The message body's hash (line endings folded): the same under added Received lines."""
    raw = (data or b"").replace(b"\r\n", b"\n")
    cut = raw.find(b"\n\n")
    return "body:" + hashlib.sha256(raw[cut + 2:] if cut >= 0 else raw).hexdigest()


def _address(value: str | None) -> tuple[str, str]:
    """(address in lower case, display name) of a From-like header.

    The address list is parsed before any encoded word is decoded (RFC 2047 §6.2), so a
    display name like “=?utf-8?B?…<li@fake>…?=” can never become the sender; only when
    that finds no address (raw GBK names, encoded addresses) is the decoded text parsed.
    """
    if not value:
        return "", ""
    for text, decoded in ((" ".join(str(value).split()), False), (header_text(value), True)):
        for name, addr in getaddresses([text]):
            addr = addr.strip().strip("<>").lower()
            if "@" in addr and addr.isascii():
                return addr, (name if decoded else header_text(name)).strip()
    return "", header_text(value)


def message_meta(msg: Message, raw: RawMessage) -> MessageMeta:
    meta = MessageMeta()
    for header in ("from", "sender", "reply-to", "return-path"):
        addr, name = _address(raw_header(msg, header))
        if addr:
            meta.sender, meta.sender_name = addr, name
            break
        if name and not meta.sender_name:
            meta.sender_name = name
    meta.subject = header_text(raw_header(msg, "subject"))
    meta.date = _parse_date(header_text(raw_header(msg, "date")))
    meta.message_id = normalize_message_id(header_text(raw_header(msg, "message-id")))
    meta.to = _address(raw_header(msg, "to"))[0]
    received = None
    for value in raw_headers(msg, "received")[:1]:  # the top one: delivery to this mailbox
        text = header_text(value)
        if ";" in text:
            received = _parse_date(text.rsplit(";", 1)[1])
    if raw.internaldate and not received:
        received = raw.internaldate
    if not received:
        received = meta.date
    if not received and raw.envelope_date:
        received = raw.envelope_date.replace(tzinfo=timezone.utc)
    meta.received = received
    return meta


def _iso(dt: datetime | None) -> str:
    return dt.isoformat(timespec="seconds") if dt else ""


def _looks_like_mail(msg: Message) -> bool:
    return any(key.lower() in _KNOWN_HEADERS for key in msg.keys())


class Collector:
    """Processes messages into ``out_dir`` and its register."""

    def __init__(self, out_dir: Path, manifest: Manifest | None = None, limits: Limits | None = None,
                 log: Callable[[str], None] | None = None):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.manifest = manifest or Manifest.load(self.out_dir)
        self.limits = limits or Limits()
        self.log = log or (lambda _msg: None)
        self.stats = CollectStats()
        self.sources_at_start = set(self.manifest.seen_sources)
        self.now = datetime.now().astimezone().isoformat(timespec="seconds")

    # -- callbacks for IMAP ------------------------------------------------------
    def is_known_source(self, key: str) -> bool:
        return key in self.manifest.seen_sources

    def is_known_message(self, message_id: str) -> bool:
        return message_id in self.manifest.message_keys

    # -- main loop ---------------------------------------------------------------
    def run(self, messages: Iterable[RawMessage], save_every: int = 25) -> CollectStats:
        try:
            for n, raw in enumerate(messages, start=1):
                self.process(raw)
                if n % save_every == 0:
                    self.manifest.save()
        finally:
            self.manifest.save()
        return self.stats

    def _row(self, meta: MessageMeta, raw: RawMessage, status: str, **kw: object) -> ManifestEntry:
        entry = ManifestEntry(
            status=status,
            sender=meta.sender,
            sender_name=meta.sender_name,
            subject=meta.subject,
            date=_iso(meta.date),
            received=_iso(meta.received),
            message_id=meta.message_id,
            source=raw.source,
            to=meta.to,
            collected_at=self.now,
            **kw,  # type: ignore[arg-type]
        )
        self.manifest.add(entry)
        counter = {"saved": "saved", "duplicate": "duplicates", "unreadable": "unreadable",
                   "rejected": "rejected", "no_attachment": "no_attachment"}[status]
        setattr(self.stats, counter, getattr(self.stats, counter) + 1)
        return entry

    def process(self, raw: RawMessage) -> None:
        self.stats.messages += 1
        if raw.source in self.sources_at_start:
            self.stats.known += 1
            return
        if raw.error and not raw.data:
            self.stats.new_messages += 1
            self._row(MessageMeta(), raw, raw.error_status, note=f"{raw.label}：{raw.error}")
            self.manifest.mark_seen(raw.source)
            return
        try:
            msg = email.message_from_bytes(raw.data or b"", policy=compat32)
            ok = _looks_like_mail(msg)
        except Exception:  # noqa: BLE001 - a message that breaks the parser is unreadable
            msg, ok = None, False
        if msg is None or not ok:
            self.stats.new_messages += 1
            self._row(MessageMeta(), raw, "unreadable",
                      size=len(raw.data or b""),
                      note=f"{raw.label}：不是有效的邮件（无法识别邮件头），已跳过")
            self.manifest.mark_seen(raw.source, "sha256:" + hashlib.sha256(raw.data or b"").hexdigest())
            return
        try:
            meta = message_meta(msg, raw)
        except Exception:  # noqa: BLE001
            meta = MessageMeta()
        key = meta.message_id or "sha256:" + hashlib.sha256(raw.data or b"").hexdigest()
        body = _body_key(raw.data)
        self.stats.new_messages += 1
        keys = self.manifest.message_keys
        # the same message again: a known Message-ID whose body is known too (a re-delivery
        # only adds headers), or not downloaded at all (IMAP headers-only for a known ID);
        # a reused Message-ID with a different body is a different message
        if (raw.headers_only and not raw.error) or (key in keys and (body in keys or not meta.message_id)) \
                or (not meta.message_id and body in keys):
            self._row(meta, raw, "duplicate", note="重复邮件（与已登记的邮件相同），未再次处理")
            self.manifest.mark_seen(raw.source, key)
            return
        self.manifest.mark_seen("", body)
        if raw.error:  # IMAP: too large, headers only
            self._row(meta, raw, raw.error_status, note=raw.error)
            self.manifest.mark_seen(raw.source, key)
            return
        try:
            found = extract(msg, self.limits)
        except Exception as exc:  # noqa: BLE001 - keep going whatever one message does
            self._row(meta, raw, "unreadable", note=f"邮件结构损坏，无法提取附件（{type(exc).__name__}）")
            self.manifest.mark_seen(raw.source, key)
            return
        if not found:
            if any(isinstance(d, _BROKEN_STRUCTURE) for d in msg.defects):
                self._row(meta, raw, "unreadable",
                          note="邮件结构损坏（找不到分段边界），无法提取附件，请对方重新发送")
            else:
                self._row(meta, raw, "no_attachment", note="邮件中没有 Excel 附件（.xlsx/.xlsm/.xls）")
        cut_off = _missing_close_boundary(msg)
        for item in found:
            if item.data is None:
                status = "unreadable" if item.status == "unreadable" else "rejected"
                self._row(meta, raw, status, attachment=item.name, container=item.container, note=item.note)
                continue
            if cut_off and _damaged(item.data):  # the message ends inside this attachment
                self._row(meta, raw, "unreadable", attachment=item.name, container=item.container,
                          size=len(item.data),
                          note="邮件在传输中被截断（缺少结束分隔线），附件不完整，未保存；请对方重新发送")
                continue
            self._save(meta, raw, item.name, item.data, item.container, item.note)
        self.manifest.mark_seen(raw.source, key)

    # -- saving ------------------------------------------------------------------
    def _save(self, meta: MessageMeta, raw: RawMessage, name: str, data: bytes, container: str,
              note: str) -> None:
        sha = hashlib.sha256(data).hexdigest()
        known = self.manifest.saved_by_sha.get(sha)
        if known is not None and (self.out_dir / known.saved_path).is_file():
            self._row(meta, raw, "duplicate", attachment=name, container=container, size=len(data),
                      sha256=sha, saved_path=known.saved_path,
                      note="；".join(x for x in (f"内容与已保存的 {known.saved_path} 相同，未重复保存", note) if x))
            return
        sender_dir = safe_dirname(meta.sender or "")
        when = meta.date or meta.received  # the date the sender sent it: the same from every source
        prefix = (when.strftime("%Y-%m-%d") if when else "无日期") + "_"
        filename = prefix + safe_filename(name, default="附件", max_bytes=MAX_NAME_BYTES - len(prefix.encode()),
                                        check_reserved=False)
        folder = self.out_dir / sender_dir
        folder.mkdir(parents=True, exist_ok=True)
        root = self.out_dir.resolve()
        if folder.resolve().parent != root:
            raise RuntimeError("unsafe sender folder")  # cannot happen: safe_dirname is one component
        taken = {p.name for p in folder.iterdir()}
        target = folder / filename
        reused = False
        if target.exists():
            if target.is_file() and _same_content(target, sha):
                reused = True
            else:
                target = folder / unique_name(filename, taken)
        if not reused:
            _write_new(target, data)
        verdict = guard_note(target)
        if verdict:
            note = "；".join(x for x in (verdict, note) if x and x != _CONTENT_NOTE) or verdict
        rel = target.relative_to(self.out_dir).as_posix()
        self.stats.saved_paths.append(rel)
        self._row(meta, raw, "saved", attachment=name, container=container, size=len(data), sha256=sha,
                  saved_path=rel, note=note)


_CONTENT_NOTE = "内容不像 Excel 工作簿"


def _missing_close_boundary(msg: Message) -> bool:
    return any(isinstance(d, email_errors.CloseBoundaryNotFoundDefect)
               for part in msg.walk() for d in part.defects)


def _damaged(data: bytes) -> bool:
    """The guard's verdict on bytes not yet saved: broken (J501) rather than merely refused."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "attachment"
        path.write_bytes(data)
        from jixiao.processor.core.errors import InputError
        from jixiao.processor.files.guard import inspect

        try:
            inspect(path)
        except InputError as exc:
            return exc.code == "J501"
        return False


def guard_note(path: Path) -> str:
    """The workbook guard's verdict on a saved file ('' when it passes).

    The file is kept either way (attachments are data); ``check``/``merge`` refuse it
    with the same message, and the register says so at once.
    """
    try:
        from jixiao.processor.files.guard import inspect
    except ImportError:  # pragma: no cover - the guard ships with the engine
        return ""
    from jixiao.processor.core.errors import InputError

    try:
        inspect(path)
    except InputError as exc:
        return f"安全检查未通过：{exc.detail}"
    except Exception:  # noqa: BLE001 - the guard is advisory here
        return ""
    return ""


def _same_content(path: Path, sha: str) -> bool:
    return sha256_file(path) == sha


def _write_new(target: Path, data: bytes) -> None:
    atomic_write_bytes(target, data)
