"""Finding the workbooks in a message: attachments, zip members, forwarded messages.

Attachments are data: nothing here opens a workbook. Zip attachments are opened
only to list and copy their members, within hard limits (member count, declared
and actual sizes, compression ratio, nesting depth), so a zip bomb or an encrypted
archive is listed as rejected instead of filling the disk.

Every byte decoded or unpacked counts against a budget per message and one per run
(:class:`Budget`): zips that each respect the limits cannot add up to hundreds of MB.
What is refused is registered, never dropped — an archive nested deeper than the limit
gets its own row. Each refusal carries a code of the 收件 family (``rules/findings/C.json``)
and the values its message was made from.
"""

from __future__ import annotations

import binascii
import email
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from email import errors as email_errors
from email.message import Message
from email.policy import compat32

from jixiao.processor.collect.textdecode import (
    decode_words,
    header_text,
    mime_params,
    raw_header,
    smart_decode,
)
from jixiao.processor.core.findings import render
from jixiao.processor.files.calamine_read import WORKBOOK_SUFFIXES
from jixiao.processor.files.guard.limits import human_size

WORKBOOK_EXTS = WORKBOOK_SUFFIXES
ZIP_EXTS = (".zip",)
UNSUPPORTED_ARCHIVES = (".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".arj", ".cab")
EXCEL_MIME = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel": ".xls",
    "application/x-excel": ".xls",
    "application/x-msexcel": ".xls",
}
ZIP_MIME = {"application/zip", "application/x-zip-compressed", "application/x-zip"}

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_attachment_bytes: int = 50 * MIB
    max_message_bytes: int = 200 * MIB
    max_zip_members: int = 2000
    max_zip_total_bytes: int = 500 * MIB
    max_zip_ratio: int = 200
    max_depth: int = 5
    #: everything decoded or unpacked from one message (attachments, zip members, nested zips)
    max_message_unpacked_bytes: int = 200 * MIB
    #: everything decoded or unpacked in one collect run
    max_run_unpacked_bytes: int = 2048 * MIB


class Budget:
    """Bytes decoded or unpacked so far, in this message and in this run."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.run = 0
        self.message = 0

    def start_message(self) -> None:
        self.message = 0

    def refusal(self, size: int) -> tuple[str, dict[str, object]] | None:
        """The code and values for refusing ``size`` more bytes, or None when they fit."""
        lim = self.limits
        if self.message + size > lim.max_message_unpacked_bytes:
            return "C107", {"found_text": human_size(self.message + size),
                            "limit_text": human_size(lim.max_message_unpacked_bytes)}
        if self.run + size > lim.max_run_unpacked_bytes:
            return "C108", {"limit_text": human_size(lim.max_run_unpacked_bytes)}
        return None

    def spend(self, size: int) -> None:
        self.message += size
        self.run += size


@dataclass
class Found:
    """One workbook (or a failed attempt at one) found in a message."""

    name: str  # the file name as the sender wrote it, decoded
    data: bytes | None  # None when it could not or must not be read
    container: str = ""  # where it was: "" (attached), "压缩包《a.zip》", "转发邮件《…》"
    status: str = "ok"  # ok | unreadable | rejected
    note: str = ""
    code: str = ""  # a 收件 (C) catalogue code when something is wrong or worth saying
    params: dict[str, object] | None = None


def refused(name: str, container: str, status: str, code: str, **params: object) -> Found:
    """A workbook not saved, with its catalogue code; the note is the catalogue's message."""
    message, _fix = render(code, **params)
    return Found(name, None, container, status, message, code, params)


def is_workbook_name(name: str) -> bool:
    return name.strip().lower().endswith(WORKBOOK_EXTS)


def _lower_ext(name: str) -> str:
    name = name.strip().lower()
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


def attachment_name(part: Message) -> str | None:
    """The decoded file name of a MIME part (Content-Disposition ``filename`` first,
    then Content-Type ``name``), or None."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = raw_header(part, header)
        if raw is None:
            continue
        try:
            params = mime_params(raw)
        except Exception:  # a header we cannot parse is a header without a name
            continue
        value = params.get(param)
        if value:
            return value
    return None


def _payload_bytes(part: Message) -> tuple[bytes | None, str]:
    """The decoded body of a leaf part, or None and what was wrong with its transfer encoding."""
    before = len(part.defects)
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - any decoding failure means unreadable data
        return None, "的编码无法解码"
    if data is None:
        return None, "内容为空"
    if not isinstance(data, bytes):
        data = bytes(data)
    new = part.defects[before:]
    if any(
        isinstance(d, (email_errors.InvalidBase64LengthDefect, email_errors.InvalidBase64PaddingDefect))
        for d in new
    ):
        return None, "的 base64 编码不完整"
    return data, ""


def _looks_like_workbook(name: str, data: bytes) -> str:
    """A note when the content does not match the extension (the file is kept anyway)."""
    ext = _lower_ext(name)
    if ext in (".xlsx", ".xlsm"):
        if data.startswith(b"PK\x03\x04"):
            return ""
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            return "文件为加密或旧格式的工作簿（扩展名与内容不符）"
        return "内容不像 Excel 工作簿"
    if ext == ".xls":
        if data.startswith(b"\xd0\xcf\x11\xe0") or data.startswith(b"PK\x03\x04"):
            return ""
        return "内容不像 Excel 工作簿"
    return ""


def _unicode_path_extra(info: zipfile.ZipInfo) -> str | None:
    """The Info-ZIP Unicode Path extra field (0x7075), when present and current."""
    extra = info.extra or b""
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[i : i + 4])
        body = extra[i + 4 : i + 4 + size]
        i += 4 + size
        if tag == 0x7075 and len(body) >= 5 and body[0] == 1:
            crc = struct.unpack("<I", body[1:5])[0]
            raw = _raw_member_name(info)
            if raw is not None and zlib.crc32(raw) & 0xFFFFFFFF != crc:
                return None  # name changed after the field was written
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
    return None


def _raw_member_name(info: zipfile.ZipInfo) -> bytes | None:
    if info.flag_bits & 0x800:
        return info.orig_filename.encode("utf-8")
    try:
        return info.orig_filename.encode("cp437")
    except UnicodeEncodeError:
        return None


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name: UTF-8 flag, Info-ZIP Unicode field, else UTF-8 / GBK guessed."""
    if info.flag_bits & 0x800:
        return info.orig_filename
    unicode_name = _unicode_path_extra(info)
    if unicode_name:
        return unicode_name
    raw = _raw_member_name(info)
    if raw is None:
        return info.orig_filename
    return smart_decode(raw)


def _last_component(path: str) -> str:
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    return parts[-1] if parts else path


class _Walker:
    def __init__(self, limits: Limits, budget: Budget):
        self.limits = limits
        self.budget = budget
        self.found: list[Found] = []

    def _take(self, name: str, container: str, size: int) -> bool:
        """Spend ``size`` bytes of the budgets, or register ``name`` as not unpacked."""
        over = self.budget.refusal(size)
        if over is not None:
            code, params = over
            self.found.append(refused(name, container, "rejected", code, **params))
            return False
        self.budget.spend(size)
        return True

    # -- zip -----------------------------------------------------------------
    def zip(self, name: str, data: bytes, container: str, depth: int) -> None:
        lim = self.limits
        where = f"压缩包《{name}》" if not container else f"{container} › 压缩包《{name}》"
        if depth > lim.max_depth:
            self.found.append(refused(name, container, "rejected", "C106", what="压缩包", limit=lim.max_depth))
            return
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
            self.found.append(refused(name, container, "unreadable", "C111", what="压缩包"))
            return
        if len(infos) > lim.max_zip_members:
            self.found.append(refused(name, container, "rejected", "C103", found=len(infos),
                                      limit=lim.max_zip_members))
            return
        total = sum(i.file_size for i in infos)
        if total > lim.max_zip_total_bytes:
            self.found.append(refused(name, container, "rejected", "C102", found_text=human_size(total),
                                      limit_text=human_size(lim.max_zip_total_bytes)))
            return
        for info in infos:
            if info.is_dir():
                continue
            member = zip_member_name(info)
            base = _last_component(member)
            ext = _lower_ext(base)
            if ext in WORKBOOK_EXTS:
                self._zip_member(zf, info, base, member, where)
            elif ext in ZIP_EXTS:
                if depth + 1 > lim.max_depth:
                    self.found.append(refused(base, where, "rejected", "C106", what="压缩包", limit=lim.max_depth))
                    continue
                blob = self._read_member(zf, info, base, where)
                if blob is not None:
                    self.zip(base, blob, where, depth + 1)

    def _read_member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, base: str,
                     where: str) -> bytes | None:
        lim = self.limits
        if info.flag_bits & 0x1:
            self.found.append(refused(base, where, "rejected", "C110"))
            return None
        if info.file_size > lim.max_attachment_bytes:
            self.found.append(refused(base, where, "rejected", "C105", found_text=human_size(info.file_size),
                                      limit_text=human_size(lim.max_attachment_bytes)))
            return None
        if info.compress_size and info.file_size > MIB and info.file_size / info.compress_size > lim.max_zip_ratio:
            self.found.append(refused(base, where, "rejected", "C104",
                                      ratio=f"{info.file_size / info.compress_size:.0f}", limit=lim.max_zip_ratio))
            return None
        if not self._take(base, where, info.file_size):
            return None
        try:
            with zf.open(info) as fh:
                blob = fh.read(lim.max_attachment_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError, ValueError):
            self.found.append(refused(base, where, "unreadable", "C111", what="压缩包内文件"))
            return None
        if len(blob) > lim.max_attachment_bytes:
            self.found.append(refused(base, where, "rejected", "C105", found_text=f"超过 {human_size(len(blob))}",
                                      limit_text=human_size(lim.max_attachment_bytes)))
            return None
        return blob

    def _zip_member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, base: str, member: str,
                    where: str) -> None:
        blob = self._read_member(zf, info, base, where)
        if blob is None:
            return
        self.found.append(_workbook(base, blob, where, f"压缩包内路径：{member}" if member != base else ""))

    # -- MIME ----------------------------------------------------------------
    def message(self, msg: Message, container: str, depth: int, label: str = "") -> None:
        if depth > self.limits.max_depth:
            self.found.append(refused(label or "转发邮件", container, "rejected", "C106", what="转发邮件",
                                      limit=self.limits.max_depth))
            return
        self.part(msg, container, depth)

    def _forwarded(self, inner: Message, container: str, depth: int) -> None:
        subject = header_text(raw_header(inner, "subject"))
        sender = header_text(raw_header(inner, "from"))
        label = f"转发邮件《{subject or '无主题'}》" + (f"（原发件人 {sender}）" if sender else "")
        where = f"{container} › {label}" if container else label
        if depth + 1 > self.limits.max_depth:
            self.found.append(refused(label, container, "rejected", "C106", what="转发邮件",
                                      limit=self.limits.max_depth))
            return
        self.message(inner, where, depth + 1, label)

    def _unnamed_workbook(self, part: Message, name: str, container: str) -> Found | None:
        """An attachment whose name is no workbook name ("报表", "     ", "ATT00001.dat", no name
        at all) but whose content is an .xlsx: saved with ".xlsx" added and a C121 note, not
        silently left in the mail."""
        data, _problem = _payload_bytes(part)
        if not data or len(data) > self.limits.max_attachment_bytes or not _is_ooxml_workbook(data):
            return None
        if not self._take(name or "未命名附件", container, len(data)):
            return None
        shown = name.strip() or "（无名称）"
        detail = f"附件名“{shown}”不是 Excel 文件名，内容是 Excel 工作簿，已加上扩展名 .xlsx 保存"
        found = Found((name.strip() or "未命名附件") + ".xlsx", data, container, "ok", detail, "C121",
                      {"detail": detail})
        self.found.append(found)
        return found

    def part(self, part: Message, container: str, depth: int) -> None:
        ctype = part.get_content_type()
        if part.is_multipart():
            payload = part.get_payload()
            if not isinstance(payload, list):
                return
            if part.get_content_maintype() == "message":
                cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
                if cte in ("base64", "quoted-printable") and payload and isinstance(payload[0], Message):
                    # non-standard but seen: an encoded message/rfc822; the parser took the
                    # encoded text for a message, so decode it and parse again
                    encoded = payload[0].as_bytes(policy=compat32)
                    try:
                        raw = (binascii.a2b_base64(encoded) if cte == "base64"
                               else binascii.a2b_qp(encoded))
                    except (binascii.Error, ValueError):
                        raw = b""
                    if raw and self._take("转发邮件", container, len(raw)):
                        payload = [email.message_from_bytes(raw, policy=compat32)]
                for inner in payload:
                    if isinstance(inner, Message):
                        self._forwarded(inner, container, depth)
                return
            for sub in payload:
                if isinstance(sub, Message):
                    self.part(sub, container, depth)
            return
        name = attachment_name(part)
        ext = _lower_ext(name or "")
        if ctype == "message/rfc822" or ext == ".eml":
            data, _note = _payload_bytes(part)
            if data and self._take(name or "转发邮件", container, len(data)):
                inner = email.message_from_bytes(data, policy=compat32)
                self._forwarded(inner, container, depth)
            return
        if not name and ctype in EXCEL_MIME:
            name = "未命名附件" + EXCEL_MIME[ctype]
            ext = _lower_ext(name)
        if ext not in WORKBOOK_EXTS and ext not in ZIP_EXTS and ext not in UNSUPPORTED_ARCHIVES \
                and part.get_content_maintype() != "text":
            found = self._unnamed_workbook(part, name or "", container)
            if found is not None or not name:
                return
        if not name:
            return
        if ext in WORKBOOK_EXTS:
            data, problem = _payload_bytes(part)
            if data is None:
                self.found.append(refused(name, container, "unreadable", "C112", detail=problem))
            elif len(data) > self.limits.max_attachment_bytes:
                self.found.append(refused(name, container, "rejected", "C101", found_text=human_size(len(data)),
                                          limit_text=human_size(self.limits.max_attachment_bytes)))
            elif self._take(name, container, len(data)):
                self.found.append(_workbook(name, data, container))
        elif ext in ZIP_EXTS or (ctype in ZIP_MIME and not ext):
            data, problem = _payload_bytes(part)
            if data is None:
                self.found.append(refused(name, container, "unreadable", "C112", detail=problem))
            elif len(data) > self.limits.max_attachment_bytes:
                self.found.append(refused(name, container, "rejected", "C101", found_text=human_size(len(data)),
                                          limit_text=human_size(self.limits.max_attachment_bytes)))
            elif self._take(name, container, len(data)):
                self.zip(name, data, container, depth + 1)
        elif ext in UNSUPPORTED_ARCHIVES:
            self.found.append(refused(name, container, "rejected", "C109", ext=ext))


def _is_ooxml_workbook(data: bytes) -> bool:
    """A zip whose directory lists ``xl/workbook.xml`` (read from the central directory only)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return any(n in ("xl/workbook.xml", "xl/workbook.bin") for n in zf.namelist())
    except (zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError, OSError):
        return False


def _workbook(name: str, data: bytes, container: str, extra: str = "") -> Found:
    """A workbook to save; C121 when its bytes do not look like its extension says."""
    mismatch = _looks_like_workbook(name, data)
    note = "；".join(x for x in (extra, mismatch) if x)
    return Found(name, data, container, "ok", note, "C121" if mismatch else "",
                 {"detail": mismatch} if mismatch else None)


def extract(msg: Message, limits: Limits | None = None, budget: Budget | None = None) -> list[Found]:
    """Every workbook in ``msg`` (attached, zipped, forwarded), in message order.

    ``budget`` carries the run's total across messages (a fresh one per call otherwise)."""
    limits = limits or Limits()
    budget = budget or Budget(limits)
    budget.start_message()
    walker = _Walker(limits, budget)
    walker.message(msg, "", 0)
    return walker.found


__all__ = [
    "Budget",
    "Found",
    "Limits",
    "attachment_name",
    "decode_words",
    "extract",
    "is_workbook_name",
    "zip_member_name",
]
