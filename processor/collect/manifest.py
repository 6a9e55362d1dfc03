"""The intake register: ``收件登记.json`` (read by the tools) and ``收件登记.csv`` (for Excel).

One row per workbook found in a message (saved, duplicate, unreadable or rejected),
one row per message without a workbook, one row per unreadable message. The JSON
also keeps the sources already read (IMAP UIDs, message hashes) so that a second
``collect`` fetches and writes nothing twice.

``merge`` reads it through :func:`load_manifest` (keyed by sha256) and
:func:`lookup` (by saved path, then by content).

A register damaged or edited by hand never stops a run: :meth:`Manifest.load` keeps
what it can read and says what it could not in ``problems`` (one Chinese line each,
catalogue code C124); with ``repair=True`` (``collect``) the damaged file is renamed
aside and a fresh one is started, from the other file of the pair when that one is
sound.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from jixiao.processor.core.visible import in_document, visible
from jixiao.processor.files.atomic import atomic_write_bytes
from jixiao.processor.files.fileio import decode_text, sha256_file

MANIFEST_JSON = "收件登记.json"
MANIFEST_CSV = "收件登记.csv"
FORMAT = "jixiao-collect-manifest"
VERSION = 1

STATUS_LABELS: dict[str, str] = {
    "saved": "已保存",
    "duplicate": "重复（未再次保存）",
    "no_attachment": "无表格附件",
    "unreadable": "无法读取",
    "rejected": "已拒绝",
}
_LABEL_TO_STATUS = {v: k for k, v in STATUS_LABELS.items()}


@dataclass(frozen=True)
class ManifestEntry:
    """One row of the register. Times are ISO 8601 strings with their UTC offset."""

    status: str  # saved | duplicate | no_attachment | unreadable | rejected
    sender: str = ""  # e-mail address, lower case
    sender_name: str = ""
    subject: str = ""
    date: str = ""  # the message's Date header
    received: str = ""  # when it reached the mailbox (Received / INTERNALDATE, else Date)
    message_id: str = ""
    attachment: str = ""  # the file name as the sender wrote it (decoded)
    container: str = ""  # "" = attached directly; else zip / forwarded message it was in
    size: int | None = None
    sha256: str = ""
    saved_path: str = ""  # relative to the collect folder, "/"-separated
    note: str = ""
    code: str = ""  # a catalogue code (C1xx, or the guard's J5xx) when the row reports a problem
    source: str = ""  # where the message was read: imap://…;UID=…, sha256:… for files
    to: str = ""  # the address it was sent to (the collector)
    collected_at: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def received_at(self) -> datetime | None:
        """The received time (falls back to the Date header)."""
        return parse_time(self.received) or parse_time(self.date)

    @property
    def sent_at(self) -> datetime | None:
        return parse_time(self.date)

    def path(self, root: str | Path) -> Path | None:
        return Path(root) / self.saved_path if self.saved_path else None

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELD_NAMES}


_FIELD_NAMES = tuple(f.name for f in fields(ManifestEntry))


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


CSV_COLUMNS: list[tuple[str, str]] = [
    ("status", "状态"),
    ("sender", "发件人邮箱"),
    ("sender_name", "发件人"),
    ("subject", "邮件主题"),
    ("date", "发送时间"),
    ("received", "收到时间"),
    ("message_id", "Message-ID"),
    ("attachment", "附件名"),
    ("container", "所在位置"),
    ("size", "大小（字节）"),
    ("sha256", "SHA256"),
    ("saved_path", "保存路径"),
    ("note", "说明"),
    ("code", "代码"),
    ("source", "来源"),
    ("to", "收件地址"),
    ("collected_at", "登记时间"),
]



def _atomic_write(path: Path, data: bytes) -> None:
    """Write a file of the collect folder: atomically, never through a link."""
    atomic_write_bytes(path, data, make_parents=True, within=path.parent)


def _entry_from_dict(data: dict[str, Any]) -> ManifestEntry:
    names = {f.name for f in fields(ManifestEntry)}
    clean = {k: v for k, v in data.items() if isinstance(k, str) and k in names}
    status = str(clean.get("status") or "")
    clean["status"] = _LABEL_TO_STATUS.get(status, status)
    size = clean.get("size")
    if size in ("", None):
        clean["size"] = None
    else:
        try:
            clean["size"] = int(size)
        except (TypeError, ValueError, OverflowError):
            clean["size"] = None
    for key in names - {"size", "status"}:
        if key in clean and clean[key] is None:
            clean[key] = ""
        elif key in clean:
            clean[key] = str(clean[key])
    return ManifestEntry(**clean)


class ManifestDamaged(ValueError):
    """A register file that cannot be read as a register; ``str()`` says why, in Chinese."""


class Manifest:
    """The register of one collect folder, in memory."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.problems: list[str] = []  # what could not be read (Chinese lines, C124)
        self.entries: list[ManifestEntry] = []
        self.seen_sources: set[str] = set()
        self.message_keys: set[str] = set()
        self.saved_by_sha: dict[str, ManifestEntry] = {}

    # -- reading ---------------------------------------------------------------
    @classmethod
    def load(cls, root: str | Path, *, repair: bool = False) -> Manifest:
        """The register of ``root`` (empty when there is none).

        A damaged file is reported in ``problems``, never raised. ``repair`` (for the
        command that writes the register): rename the damaged file aside so the next save
        starts a sound one, and start from the other file of the pair when it is sound.
        """
        man = cls(Path(root))
        man.problems = []
        json_path = man.root / MANIFEST_JSON
        csv_path = man.root / MANIFEST_CSV
        for path, reader in ((json_path, man._read_json), (csv_path, man._read_csv)):
            if not path.is_file():
                if path.exists() or path.is_symlink():
                    man._damaged(path, "不是普通文件", repair)
                continue
            try:
                reader(path)
            except (ManifestDamaged, OSError) as exc:
                man._reset()
                man._damaged(path, exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc), repair)
                continue
            return man
        return man

    def _reset(self) -> None:
        self.entries.clear()
        self.seen_sources.clear()
        self.message_keys.clear()
        self.saved_by_sha.clear()

    def _damaged(self, path: Path, reason: str, repair: bool) -> None:
        from jixiao.processor.core.findings import render

        aside = ""
        if repair:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            target = path.with_name(f"{path.stem}.损坏-{stamp}{path.suffix}")
            try:
                os.replace(path, target)
                aside = target.name
            except OSError:
                aside = ""
        action = (f"已改名为“{aside}”，重新开始登记" if aside else
                  "已按能读出的部分继续" if not repair else "且无法改名，请手工移走该文件")
        message, _fix = render("C124", file=path.name, reason=reason, action=action)
        self.problems.append(message)

    def _read_json(self, path: Path) -> None:
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            raise ManifestDamaged("不是 UTF-8 文本") from None
        except json.JSONDecodeError as exc:
            raise ManifestDamaged(f"不是有效的 JSON，第 {exc.lineno} 行第 {exc.colno} 列") from None
        except RecursionError:
            raise ManifestDamaged("JSON 嵌套过深") from None
        if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
            raise ManifestDamaged("内容不是收件登记（缺少 entries 列表）")
        skipped = 0
        for item in data.get("entries", []):
            try:
                self._index(_entry_from_dict(item))
            except (TypeError, AttributeError, ValueError):
                skipped += 1
        for key, target in (("seen_sources", self.seen_sources), ("message_keys", self.message_keys)):
            values = data.get(key, [])
            if isinstance(values, list):
                target.update(str(v) for v in values if isinstance(v, (str, int)))
        if skipped:
            self.problems.append(f"{path.name}：有 {skipped} 条记录无法识别，已跳过")

    def _read_csv(self, path: Path) -> None:
        for row in _read_csv(path):
            self._index(_entry_from_dict(row))

    def _index(self, entry: ManifestEntry) -> None:
        self.entries.append(entry)
        if entry.source:
            self.seen_sources.add(entry.source)
        if entry.message_id:
            self.message_keys.add(entry.message_id)
        if entry.status == "saved" and entry.sha256 and entry.sha256 not in self.saved_by_sha:
            self.saved_by_sha[entry.sha256] = entry

    # -- writing ---------------------------------------------------------------
    def add(self, entry: ManifestEntry) -> None:
        self._index(entry)

    def mark_seen(self, source: str = "", message_key: str = "") -> None:
        if source:
            self.seen_sources.add(source)
        if message_key:
            self.message_keys.add(message_key)

    def save(self) -> None:
        """Write both files (atomically). One JSON object per line, each encoded by the C
        encoder: a register of 20,000 rows is written in well under a second."""
        def dump(value: Any) -> str:
            return json.dumps(value, ensure_ascii=False)

        def lines(items: list[Any]) -> str:
            return "[\n" + ",\n".join(dump(x) for x in items) + "\n]" if items else "[]"

        text = (
            "{\n"
            f'"format": {dump(FORMAT)},\n"version": {VERSION},\n'
            f'"updated": {dump(datetime.now().astimezone().isoformat(timespec="seconds"))},\n'
            f'"entries": {lines([e.as_json() for e in self.entries])},\n'
            f'"seen_sources": {lines(sorted(self.seen_sources))},\n'
            f'"message_keys": {lines(sorted(self.message_keys))}\n'
            "}\n"
        )
        # bidi and C1 controls as \uXXXX escapes: the same data for a JSON reader, inert in a terminal
        _atomic_write(self.root / MANIFEST_JSON, in_document(text).encode("utf-8"))
        _atomic_write(self.root / MANIFEST_CSV, render_csv(self.entries).encode("utf-8-sig"))

    # -- queries ---------------------------------------------------------------
    def senders(self) -> list[str]:
        seen: dict[str, None] = {}
        for e in self.entries:
            if e.sender:
                seen.setdefault(e.sender, None)
        return list(seen)


def render_csv(entries: Iterable[ManifestEntry]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([title for _key, title in CSV_COLUMNS])
    for e in entries:
        row = []
        for key, _title in CSV_COLUMNS:
            value = e.status_label if key == "status" else getattr(e, key)
            row.append("" if value is None else _csv_safe(str(value)))
        writer.writerow(row)
    return buf.getvalue()


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) and control characters (escape
    sequences, NUL, bidi overrides: shown as ``\\u001b``) in sender-controlled text."""
    text = visible(text, keep="\t")
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


#: a register cell longer than this is not something collect wrote
CSV_FIELD_LIMIT = 1024 * 1024


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ManifestDamaged("含空字符（NUL），不是文本文件")
    text = decode_text(raw)
    if text is None:
        text = raw.decode("utf-8", "replace")
    title_to_key = {title: key for key, title in CSV_COLUMNS}
    rows = []
    previous = csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not any((t or "").strip() in title_to_key for t in reader.fieldnames):
            raise ManifestDamaged("第一行不是收件登记的表头")
        for row in reader:
            item = {}
            for title, value in row.items():
                if not isinstance(title, str) or not isinstance(value, str):
                    continue  # cells beyond the header (None key) or missing cells (None value)
                key = title_to_key.get(title.strip(), title.strip())
                if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
                    value = value[1:]
                item[key] = value
            rows.append(item)
    except csv.Error as exc:
        raise ManifestDamaged(f"CSV 格式错误（{exc}）") from None
    finally:
        csv.field_size_limit(previous)
    return rows


# ---------------------------------------------------------------------------
# the API for merge


def load_manifest(dir: str | Path) -> dict[str, ManifestEntry]:  # noqa: A002 - name fixed by the spec
    """The saved workbooks of a collect folder, keyed by sha256 of their content.

    Empty when the folder has no register. Each value has ``sender``,
    ``received_at`` (a datetime, for "the newer version") and ``saved_path``.
    """
    return dict(Manifest.load(dir).saved_by_sha)


def entries_by_path(dir: str | Path) -> dict[Path, ManifestEntry]:  # noqa: A002
    """The saved workbooks keyed by their resolved absolute path."""
    root = Path(dir)
    out: dict[Path, ManifestEntry] = {}
    for sha_entry in load_manifest(root).values():
        if sha_entry.saved_path:
            out[(root / sha_entry.saved_path).resolve()] = sha_entry
    return out


def lookup(dir: str | Path, path: str | Path,
           manifest: dict[str, ManifestEntry] | None = None) -> ManifestEntry | None:
    """The register row of a workbook: by its saved path, else by its content hash
    (so a file copied or renamed after collect is still recognised)."""
    root = Path(dir)
    table = manifest if manifest is not None else load_manifest(root)
    target = Path(path).resolve()
    for entry in table.values():
        if entry.saved_path and (root / entry.saved_path).resolve() == target:
            return entry
    try:
        return table.get(sha256_file(target))
    except OSError:
        return None
