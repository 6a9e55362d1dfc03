"""Where messages come from: ``.eml`` files, mbox files, Maildir folders and IMAP.

Each source yields :class:`RawMessage` objects (the message bytes and a stable key).
IMAP is strictly read-only: the folder is opened with EXAMINE and bodies are fetched
with ``BODY.PEEK[]``, so no flag (not even \\Seen) changes and nothing is deleted.
"""

from __future__ import annotations

import base64
import email.parser
import hashlib
import imaplib
import mailbox
import re
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.policy import compat32
from pathlib import Path

from jixiao.processor.core.errors import InputError

FILE_EXTS = (".eml", ".mbox", ".mbx", ".mbs")


@dataclass
class RawMessage:
    """One message as read from a source."""

    data: bytes | None  # the whole message (or only its headers when ``headers_only``)
    source: str  # stable key: "sha256:<hex>" for files, "imap://…;UID=n" for IMAP
    label: str  # where it is, for people: a path, "mbox 第 3 封", "IMAP UID 17"
    internaldate: datetime | None = None  # IMAP INTERNALDATE
    envelope_date: datetime | None = None  # mbox "From " line
    headers_only: bool = False  # IMAP: only the headers were fetched (known Message-ID)
    error: str = ""  # set when the message could not be read at all
    error_status: str = "unreadable"  # or "rejected" (too large)


def _sha_key(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


_FROM_LINE_DATE = re.compile(rb"([A-Z][a-z]{2} +[A-Z][a-z]{2} +\d{1,2} +\d{1,2}:\d{2}:\d{2} +\d{4})\s*$")


def _envelope_date(from_line: bytes) -> datetime | None:
    m = _FROM_LINE_DATE.search(from_line.rstrip(b"\r\n"))
    if not m:
        return None
    text = " ".join(m.group(1).decode("ascii").split())
    try:
        return datetime.strptime(text, "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def _looks_like_mbox(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(5)
    except OSError:
        return False
    return head == b"From "


def iter_maildir(path: Path) -> Iterator[RawMessage]:
    box = mailbox.Maildir(str(path), factory=None, create=False)
    for key in sorted(box.iterkeys()):
        label = f"{path}（Maildir {key}）"
        try:
            data = box.get_bytes(key)
        except (OSError, KeyError) as exc:
            yield RawMessage(None, f"maildir:{path.resolve()}#{key}", label, error=f"无法读取：{exc}")
            continue
        yield RawMessage(data, _sha_key(data), label)


def iter_mbox(path: Path) -> Iterator[RawMessage]:
    box = mailbox.mbox(str(path), factory=None, create=False)
    try:
        for n, key in enumerate(box.iterkeys(), start=1):
            label = f"{path.name}（第 {n} 封）"
            try:
                whole = box.get_bytes(key, from_=True)
            except (OSError, KeyError, ValueError) as exc:
                yield RawMessage(None, f"mbox:{path.resolve()}#{n}", label, error=f"无法读取：{exc}")
                continue
            from_line, _, data = whole.partition(b"\n")
            if not from_line.startswith(b"From "):
                from_line, data = b"", whole
            yield RawMessage(data, _sha_key(data), label, envelope_date=_envelope_date(from_line))
    finally:
        box.close()


def iter_eml(path: Path) -> Iterator[RawMessage]:
    data = path.read_bytes()
    yield RawMessage(data, _sha_key(data), str(path))


def iter_paths(paths: list[Path]) -> Iterator[RawMessage]:
    """Messages from ``.eml`` files, mbox files, Maildir folders or folders of those."""
    for path in paths:
        if not path.exists():
            raise InputError("找不到此文件或文件夹", file=str(path))
        if is_maildir(path):
            yield from iter_maildir(path)
        elif path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file() or is_maildir(p))
            for child in children:
                if is_maildir(child):
                    yield from iter_maildir(child)
                elif child.suffix.lower() in FILE_EXTS and not any(is_maildir(p) for p in child.parents):
                    yield from _iter_file(child)
        else:
            yield from _iter_file(path)


def _iter_file(path: Path) -> Iterator[RawMessage]:
    if _looks_like_mbox(path):
        yield from iter_mbox(path)
    else:
        yield from iter_eml(path)


# ---------------------------------------------------------------------------
# IMAP


@dataclass
class ImapOptions:
    host: str
    user: str
    password: str
    port: int | None = None
    folder: str = "INBOX"
    since: date | None = None
    security: str = "tls"  # tls | starttls | plain
    cafile: str | None = None
    insecure: bool = False  # do not verify the server certificate (self-signed, at own risk)
    timeout: float = 60.0
    max_message_bytes: int = 200 * 1024 * 1024

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return 993 if self.security == "tls" else 143


def imap_utf7_encode(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3)."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            raw = "".join(buf).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") + "-")
            buf.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def imap_utf7_decode(name: str) -> str:
    def repl(m: re.Match[str]) -> str:
        body = m.group(1)
        if not body:
            return "&"
        b64 = body.replace(",", "/")
        b64 += "=" * (-len(b64) % 4)
        try:
            return base64.b64decode(b64).decode("utf-16-be")
        except (ValueError, UnicodeDecodeError):
            return m.group(0)

    return re.sub(r"&([A-Za-z0-9+,]*)-", repl, name)


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ssl_context(opts: ImapOptions) -> ssl.SSLContext:
    try:
        ctx = ssl.create_default_context(cafile=opts.cafile)
    except (OSError, ssl.SSLError) as exc:
        raise InputError(f"无法读取证书文件：{exc}", file=opts.cafile) from None
    if opts.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _imap_fail(opts: ImapOptions, what: str) -> InputError:
    return InputError(f"IMAP {opts.host}:{opts.effective_port}：{what}", code="J501")


def connect(opts: ImapOptions) -> imaplib.IMAP4:
    """A logged-in IMAP connection (TLS, STARTTLS or plain, as asked)."""
    port = opts.effective_port
    try:
        if opts.security == "tls":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                opts.host, port, ssl_context=_ssl_context(opts), timeout=opts.timeout
            )
        else:
            conn = imaplib.IMAP4(opts.host, port, timeout=opts.timeout)
            if opts.security == "starttls":
                conn.starttls(ssl_context=_ssl_context(opts))
    except ssl.SSLCertVerificationError as exc:
        raise _imap_fail(
            opts, f"服务器证书无法验证（{exc.verify_message}）；自签名证书请用 --cafile 指定证书文件"
        ) from None
    except (ssl.SSLError, imaplib.IMAP4.error) as exc:
        raise _imap_fail(opts, f"加密连接失败：{exc}") from None
    except (TimeoutError, OSError) as exc:
        raise _imap_fail(opts, f"无法连接：{exc.strerror or exc}") from None
    try:
        if opts.password.isascii() and opts.user.isascii():
            conn.login(opts.user, opts.password)
        else:
            token = f"\0{opts.user}\0{opts.password}".encode()
            conn.authenticate("PLAIN", lambda _challenge: token)
    except imaplib.IMAP4.error as exc:
        _close(conn)
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise _imap_fail(opts, f"登录失败（用户 {opts.user}）：{detail}") from None
    return conn


def _close(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


def list_folders(opts: ImapOptions) -> list[str]:
    conn = connect(opts)
    try:
        typ, data = conn.list()
        names = []
        for line in data or []:
            if not isinstance(line, bytes):
                continue
            m = re.match(rb'\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.+)$', line)
            if not m:
                continue
            name = m.group("name").decode("utf-8", "replace").strip()
            if name.startswith('"') and name.endswith('"'):
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            names.append(imap_utf7_decode(name))
        return names
    finally:
        _close(conn)


_UID_RE = re.compile(rb"UID (\d+)")
_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
_IDATE_RE = re.compile(rb'INTERNALDATE "([^"]+)"')


def _parse_internaldate(meta: bytes) -> datetime | None:
    m = _IDATE_RE.search(meta)
    if not m:
        return None
    try:
        return datetime.strptime(m.group(1).decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _fetch_records(data: list) -> list[tuple[bytes, bytes]]:
    """imaplib's FETCH answer as ``[(metadata, literal)]``, metadata joined from all pieces."""
    records: list[list[bytes]] = []
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            records.append([item[0], item[1]])
        elif isinstance(item, bytes) and records:
            records[-1][0] += b" " + item
        elif isinstance(item, bytes) and item.strip():
            records.append([item, b""])
    return [(r[0], r[1]) for r in records]


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def iter_imap(
    opts: ImapOptions,
    *,
    is_known_source: Callable[[str], bool],
    is_known_message: Callable[[str], bool],
    on_connect: Callable[[str], None] | None = None,
) -> Iterator[RawMessage]:
    """New messages of one IMAP folder, read-only.

    A UID already in the register is not fetched at all; for the rest only the
    headers are fetched first, and a Message-ID already registered is not fetched
    again in full.
    """
    conn = connect(opts)
    try:
        typ, data = conn.select(_quote(imap_utf7_encode(opts.folder)), readonly=True)  # EXAMINE
        if typ != "OK":
            raise _imap_fail(opts, f"无法打开文件夹“{opts.folder}”（可先用 --list-folders 查看文件夹名）")
        validity = "0"
        _typ, vdata = conn.response("UIDVALIDITY")
        if vdata and vdata[0]:
            validity = vdata[0].decode("ascii", "replace")
        base = f"imap://{opts.user}@{opts.host}:{opts.effective_port}/{opts.folder};UIDVALIDITY={validity}"
        if on_connect:
            on_connect(base)
        if opts.since:
            criteria = ["SINCE", opts.since.strftime("%d-%b-%Y")]
        else:
            criteria = ["ALL"]
        typ, data = conn.uid("SEARCH", None, *criteria)
        if typ != "OK":
            raise _imap_fail(opts, "搜索邮件失败")
        uids = [int(x) for x in b" ".join(d for d in data if d).split()] if data else []
        new = [u for u in sorted(uids) if not is_known_source(f"{base};UID={u}")]
        for batch in _chunks(new, 200):
            uid_set = ",".join(str(u) for u in batch)
            typ, data = conn.uid(
                "FETCH", uid_set,
                "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM SUBJECT DATE TO)])",
            )
            if typ != "OK":
                raise _imap_fail(opts, "读取邮件头失败")
            for meta, header in _fetch_records(data):
                m = _UID_RE.search(meta)
                if not m:
                    continue
                uid = int(m.group(1))
                key = f"{base};UID={uid}"
                label = f"IMAP {opts.folder} UID {uid}"
                idate = _parse_internaldate(meta)
                size_m = _SIZE_RE.search(meta)
                size = int(size_m.group(1)) if size_m else 0
                parsed = email.parser.BytesHeaderParser(policy=compat32).parsebytes(header or b"")
                message_id = normalize_message_id(parsed.get("Message-ID"))
                if message_id and is_known_message(message_id):
                    yield RawMessage(header, key, label, internaldate=idate, headers_only=True)
                    continue
                if size > opts.max_message_bytes:
                    yield RawMessage(header, key, label, internaldate=idate, headers_only=True,
                                     error=f"邮件过大（{size // (1024 * 1024)} MB），未下载",
                                     error_status="rejected")
                    continue
                yield _fetch_one(conn, opts, uid, key, label, idate)
    finally:
        _close(conn)


def _fetch_one(conn: imaplib.IMAP4, opts: ImapOptions, uid: int, key: str, label: str,
               idate: datetime | None) -> RawMessage:
    try:
        typ, data = conn.uid("FETCH", str(uid), "(UID BODY.PEEK[])")
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        return RawMessage(None, key, label, internaldate=idate, error=f"下载失败：{exc}")
    if typ != "OK":
        return RawMessage(None, key, label, internaldate=idate, error="下载失败")
    for _meta, body in _fetch_records(data):
        if body:
            return RawMessage(body, key, label, internaldate=idate)
    return RawMessage(None, key, label, internaldate=idate, error="服务器未返回邮件内容")


def normalize_message_id(value: object) -> str:
    """``<id@host>`` with surrounding space removed; '' when missing."""
    if value is None:
        return ""
    text = str(value).strip()
    m = re.search(r"<[^<>\s]+>", text)
    if m:
        return m.group(0)
    text = "".join(text.split())
    return f"<{text}>" if text else ""
