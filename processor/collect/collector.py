"""From messages to saved workbooks and register rows.

``DIR/<sender>/<date>_<file name>``: one folder per sender address, the date the
message arrived, the attachment's own (decoded, made safe) name. Content already
saved (same sha256) is not written again; a message already registered (same
source key or Message-ID) is not processed again.

The sender is the From address, validated once (:mod:`jixiao.processor.collect.addresses`):
a look-alike or malformed address is kept apart in its own folder, never merged with
a real sender. Every row that reports a problem carries its catalogue code (C1xx, or
the guard's J5xx through C123). Files are written only inside ``DIR``, never through a
link (:mod:`jixiao.processor.files.atomic`). The register is saved every few seconds
and at the end, not after every message, so a 20,000-message mbox takes seconds.
"""

from __future__ import annotations

import email
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import errors as email_errors
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from jixiao.processor.collect.addresses import normalize_address, sender_folder, shown_address
from jixiao.processor.collect.attachments import Budget, Limits, extract
from jixiao.processor.collect.manifest import Manifest, ManifestEntry
from jixiao.processor.collect.safenames import MAX_NAME_BYTES, numbered, safe_filename
from jixiao.processor.collect.sources import RawMessage, normalize_message_id
from jixiao.processor.collect.textdecode import header_text, raw_header, raw_headers
from jixiao.processor.core.findings import render
from jixiao.processor.files.atomic import atomic_write_bytes, ensure_folder
from jixiao.processor.files.fileio import sha256_file

UNKNOWN_SENDER_FOLDER = "未知发件人"

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
    invalid_senders: int = 0  # messages whose From address was refused (C122)
    saved_paths: list[str] = field(default_factory=list)


@dataclass
class MessageMeta:
    sender: str = ""  # a valid, normalised address, or ""
    sender_name: str = ""
    sender_problem: str = ""  # why the From address was refused ("" when valid or absent)
    sender_raw: str = ""  # the refused address, for the register
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
    """(raw address, display name) of a From-like header, or ("", name) without one.

    The address list is parsed before any encoded word is decoded (RFC 2047 §6.2), so a
    display name like “=?utf-8?B?…<li@fake>…?=” can never become the sender; only when
    that finds no address (raw GBK names, encoded addresses) is the decoded text parsed.
    """
    if not value:
        return "", ""
    for text, decoded in ((" ".join(str(value).split()), False), (header_text(value), True)):
        for name, addr in getaddresses([text]):
            addr = addr.strip()
            if "@" in addr:
                return addr, (name if decoded else header_text(name)).strip()
    return "", header_text(value)


def message_meta(msg: Message, raw: RawMessage) -> MessageMeta:
    meta = MessageMeta()
    for header in ("from", "sender", "reply-to", "return-path"):
        value = raw_header(msg, header)
        addr, name = _address(value)
        if addr:
            meta.sender, problem = normalize_address(addr)
            if _hides_line_break(value):  # an encoded word hiding CR/LF: header injection
                meta.sender, problem = "", "编码中藏有换行符，可向回复邮件注入收件人"
            meta.sender_name = _clean_name(name)
            if problem:
                meta.sender_problem, meta.sender_raw = problem, shown_address(addr)
            break  # the first header with an address decides: no fallback past a look-alike
        if name and not meta.sender_name:
            meta.sender_name = _clean_name(name)
    meta.subject = header_text(raw_header(msg, "subject"))
    meta.date = _parse_date(header_text(raw_header(msg, "date")))
    meta.message_id = normalize_message_id(header_text(raw_header(msg, "message-id")))
    meta.to = normalize_address(_address(raw_header(msg, "to"))[0])[0]
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


def _hides_line_break(value: str | None) -> bool:
    """True when an encoded word of the header decodes to a CR or LF (header injection)."""
    if not value or "=?" not in value:
        return False
    from jixiao.processor.collect.textdecode import decode_words

    decoded = decode_words(value)
    return "\r" in decoded or "\n" in decoded


def _clean_name(name: str) -> str:
    """A display name without control or format characters (it goes into reply headers)."""
    from jixiao.processor.core.visible import without_controls

    return without_controls(name)


def _iso(dt: datetime | None) -> str:
    return dt.isoformat(timespec="seconds") if dt else ""


def _looks_like_mail(msg: Message) -> bool:
    return any(key.lower() in _KNOWN_HEADERS for key in msg.keys())


class _FolderNames:
    """The names taken in each sender folder (case-folded), listed once — on the first clash —
    and kept up to date, with the count each name's "(n)" resumes at: 10,000 attachments of
    one name cost 10,000 look-ups, not a folder listing and a count from 2 for each."""

    def __init__(self) -> None:
        self._taken: dict[Path, set[str]] = {}
        self._next: dict[tuple[Path, str], int] = {}

    def free(self, folder: Path, name: str) -> str:
        taken = self._taken.get(folder)
        if taken is None:
            taken = self._taken[folder] = {p.name.lower() for p in folder.iterdir()}
        key = (folder, name.lower())
        n = self._next.get(key, 2)
        while True:
            found = numbered(name, n)
            n += 1
            if found.lower() not in taken and not os.path.lexists(folder / found):  # nor made by another since
                break
            taken.add(found.lower())
        self._next[key] = n
        return found

    def taken(self, folder: Path, name: str) -> None:
        if folder in self._taken:
            self._taken[folder].add(name.lower())


class Collector:
    """Processes messages into ``out_dir`` and its register."""

    #: the register is written at least this often (seconds), and at the end of the run
    SAVE_EVERY_SECONDS = 5.0

    def __init__(self, out_dir: Path, manifest: Manifest | None = None, limits: Limits | None = None,
                 log: Callable[[str], None] | None = None):
        self.out_dir = ensure_folder(out_dir)
        self.manifest = manifest or Manifest.load(self.out_dir, repair=True)
        self.limits = limits or Limits()
        self.budget = Budget(self.limits)
        self.log = log or (lambda _msg: None)
        self.stats = CollectStats()
        self.sources_at_start = set(self.manifest.seen_sources)
        self.now = datetime.now().astimezone().isoformat(timespec="seconds")
        self._names = _FolderNames()

    # -- callbacks for IMAP ------------------------------------------------------
    def is_known_source(self, key: str) -> bool:
        return key in self.manifest.seen_sources

    def is_known_message(self, message_id: str) -> bool:
        return message_id in self.manifest.message_keys

    # -- main loop ---------------------------------------------------------------
    def run(self, messages: Iterable[RawMessage], save_every: float | None = None) -> CollectStats:
        """Process every message; the register is saved every ``save_every`` seconds (less
        often while writing it takes long) and at the end — also when a message or the output
        folder stops the run."""
        interval = self.SAVE_EVERY_SECONDS if save_every is None else save_every
        wait, last = interval, time.monotonic()
        try:
            for raw in messages:
                self.process(raw)
                if time.monotonic() - last >= wait:
                    start = time.monotonic()
                    self.manifest.save()
                    last = time.monotonic()
                    # a large register costs more to write: keep writing it under a tenth of the run
                    wait = max(interval, 10 * (last - start))
        finally:
            self.manifest.save()
        return self.stats

    def _row(self, meta: MessageMeta, raw: RawMessage, status: str, *, code: str = "",
             note: str = "", **kw: object) -> ManifestEntry:
        if meta.sender_problem and status != "saved":
            extra = render("C122", address=meta.sender_raw, reason=meta.sender_problem,
                           folder=_INVALID_FOLDER_NAME)[0]
            note = "；".join(x for x in (note, extra) if x)
            code = code or "C122"
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
            code=code,
            note=note,
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
            self._row(MessageMeta(), raw, raw.error_status, code=raw.code, note=f"{raw.label}：{raw.error}")
            self.manifest.mark_seen(raw.source)
            return
        try:
            msg = email.message_from_bytes(raw.data or b"", policy=compat32)
            ok = _looks_like_mail(msg)
        except Exception:  # noqa: BLE001 - a message that breaks the parser is unreadable
            msg, ok = None, False
        if msg is None or not ok:
            self.stats.new_messages += 1
            self._row(MessageMeta(), raw, "unreadable", code="C115", size=len(raw.data or b""),
                      note=f"{raw.label}：{render('C115')[0]}")
            self.manifest.mark_seen(raw.source, "sha256:" + hashlib.sha256(raw.data or b"").hexdigest())
            return
        try:
            meta = message_meta(msg, raw)
        except Exception:  # noqa: BLE001
            meta = MessageMeta()
        if meta.sender_problem:
            self.stats.invalid_senders += 1
        key = meta.message_id or "sha256:" + hashlib.sha256(raw.data or b"").hexdigest()
        body = _body_key(raw.data)
        self.stats.new_messages += 1
        keys = self.manifest.message_keys
        # the same message again: a known Message-ID whose body is known too (a re-delivery
        # only adds headers), or not downloaded at all (IMAP headers-only for a known ID);
        # a reused Message-ID with a different body is a different message
        if (raw.headers_only and not raw.error) or (key in keys and (body in keys or not meta.message_id)) \
                or (not meta.message_id and body in keys):
            self._row(meta, raw, "duplicate", code="C119", note=render("C119")[0])
            self.manifest.mark_seen(raw.source, key)
            return
        self.manifest.mark_seen("", body)
        if raw.error:  # IMAP: too large, headers only
            self._row(meta, raw, raw.error_status, code=raw.code, note=raw.error)
            self.manifest.mark_seen(raw.source, key)
            return
        try:
            found = extract(msg, self.limits, self.budget)
        except Exception as exc:  # noqa: BLE001 - keep going whatever one message does
            self._row(meta, raw, "unreadable", code="C114",
                      note=render("C114", detail=f"无法提取附件：{type(exc).__name__}")[0])
            self.manifest.mark_seen(raw.source, key)
            return
        if not found:
            if any(isinstance(d, _BROKEN_STRUCTURE) for d in msg.defects):
                self._row(meta, raw, "unreadable", code="C114", note=render("C114", detail="找不到分段边界")[0])
            else:
                self._row(meta, raw, "no_attachment", code="C118", note=render("C118")[0])
        cut_off = _missing_close_boundary(msg)
        for item in found:
            if item.data is None:
                status = "unreadable" if item.status == "unreadable" else "rejected"
                self._row(meta, raw, status, attachment=item.name, container=item.container,
                          code=item.code, note=item.note)
                continue
            if cut_off and _damaged(item.data):  # the message ends inside this attachment
                self._row(meta, raw, "unreadable", attachment=item.name, container=item.container,
                          size=len(item.data), code="C113", note=render("C113")[0])
                continue
            self._save(meta, raw, item.name, item.data, item.container, item.note, item.code)
        self.manifest.mark_seen(raw.source, key)

    # -- saving ------------------------------------------------------------------
    def _save(self, meta: MessageMeta, raw: RawMessage, name: str, data: bytes, container: str,
              note: str, code: str = "") -> None:
        sha = hashlib.sha256(data).hexdigest()
        known = self.manifest.saved_by_sha.get(sha)
        if known is not None and (self.out_dir / known.saved_path).is_file():
            dup = render("C120", path=known.saved_path)[0]
            self._row(meta, raw, "duplicate", attachment=name, container=container, size=len(data),
                      sha256=sha, saved_path=known.saved_path, code="C120",
                      note="；".join(x for x in (dup, note) if x))
            return
        if meta.sender:
            sender_dir = sender_folder(meta.sender)
        else:
            sender_dir = _INVALID_FOLDER_NAME if meta.sender_problem else UNKNOWN_SENDER_FOLDER
        when = meta.date or meta.received  # the date the sender sent it: the same from every source
        prefix = (when.strftime("%Y-%m-%d") if when else "无日期") + "_"
        filename = prefix + safe_filename(name, default="附件", max_bytes=MAX_NAME_BYTES - len(prefix.encode()),
                                        check_reserved=False)
        folder = ensure_folder(self.out_dir / sender_dir, within=self.out_dir)
        target = folder / filename
        reused = False
        if target.exists() or target.is_symlink():
            if target.is_file() and not target.is_symlink() and _same_content(target, sha):
                reused = True
            else:  # a name already taken
                target = folder / self._names.free(folder, filename)
        if not reused:
            atomic_write_bytes(target, data, within=self.out_dir)
            self._names.taken(folder, target.name)
        verdict = guard_verdict(target)
        if verdict is not None:
            j_code, reason = verdict
            note = "；".join(x for x in (render("C123", reason=reason, guard_code=j_code)[0], note)
                            if x and x != _CONTENT_NOTE)
            code = "C123"
        if meta.sender_problem:
            note = "；".join(x for x in (note, render("C122", address=meta.sender_raw, reason=meta.sender_problem,
                                                     folder=_INVALID_FOLDER_NAME)[0]) if x)
            code = code or "C122"
        rel = target.relative_to(self.out_dir).as_posix()
        self.stats.saved_paths.append(rel)
        self._row(meta, raw, "saved", attachment=name, container=container, size=len(data), sha256=sha,
                  saved_path=rel, note=note, code=code)


_CONTENT_NOTE = "内容不像 Excel 工作簿"
_INVALID_FOLDER_NAME = sender_folder("")


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


def guard_verdict(path: Path) -> tuple[str, str] | None:
    """The workbook guard's refusal of a saved file, ``(J code, reason)``; None when it passes.

    The file is kept either way (attachments are data); ``check``/``merge`` refuse it
    with the same message, and the register says so at once.
    """
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.files.guard import inspect

    try:
        inspect(path)
    except InputError as exc:
        return exc.code, exc.detail
    except Exception:  # noqa: BLE001 - the guard is advisory here
        return None
    return None


def guard_note(path: Path) -> str:
    """The guard's verdict on a saved file as a register note ('' when it passes)."""
    verdict = guard_verdict(path)
    return "" if verdict is None else render("C123", reason=verdict[1], guard_code=verdict[0])[0]


def _same_content(path: Path, sha: str) -> bool:
    return sha256_file(path) == sha
