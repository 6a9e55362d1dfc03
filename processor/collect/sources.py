"""Where messages come from: ``.eml`` files, mbox files, Maildir folders and IMAP.

Each source yields :class:`RawMessage` objects (the message bytes and a stable key).
IMAP is strictly read-only: the folder is opened with EXAMINE and bodies are fetched
with ``BODY.PEEK[]``, so no flag (not even \\Seen) changes and nothing is deleted.

Files are read only when they are regular files, opened without blocking and never
through a link found inside a folder: a named pipe in a Maildir would hang the run and a
link to ``/dev/zero`` would never end; they are registered as unreadable (C116). A
message larger than the limit is registered without being read (C117); mbox files are
split in one streaming pass, so a huge mbox or a huge line costs no more memory than
one message.
"""

from __future__ import annotations

import base64
import email.parser
import hashlib
import imaplib
import os
import re
import ssl
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.policy import compat32
from pathlib import Path

from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import render
from jixiao.processor.files.fileio import os_reason
from jixiao.processor.files.guard.limits import human_size

FILE_EXTS = (".eml", ".mbox", ".mbx", ".mbs")
MAX_MESSAGE_BYTES = 200 * 1024 * 1024
_LINE = 64 * 1024  # mbox lines are read in pieces of at most this many bytes


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
    code: str = ""  # the catalogue code of ``error`` (C116 unreadable, C117 too large)


def failed(source: str, label: str, code: str, status: str = "unreadable", **params: object) -> RawMessage:
    """A message that could not (or must not) be read: its register row says why."""
    message, _fix = render(code, **params)
    return RawMessage(None, source, label, error=message, error_status=status, code=code)


class _NotRead(Exception):
    def __init__(self, code: str, status: str = "unreadable", **params: object):
        super().__init__(code)
        self.code, self.status, self.params = code, status, params


def _open_message_file(path: Path, max_bytes: int, *, follow: bool = True) -> tuple[int, int]:
    """A descriptor on a regular file (never a pipe or device, never through a link when
    ``follow`` is false) and its size; raises _NotRead."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except OSError as exc:
        raise _NotRead("C116", detail=f"无法访问：{os_reason(exc)}") from None
    if stat.S_ISLNK(st.st_mode):
        raise _NotRead("C116", detail="是符号链接，为安全起见未读取")
    if not stat.S_ISREG(st.st_mode):
        raise _NotRead("C116", detail="不是普通文件（可能是管道、设备或文件夹）")
    if st.st_size > max_bytes:
        raise _NotRead("C117", "rejected", found_text=human_size(st.st_size), limit_text=human_size(max_bytes))
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _NotRead("C116", detail=f"无法打开：{os_reason(exc)}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):  # swapped between the check and the open
        os.close(fd)
        raise _NotRead("C116", detail="不是普通文件（可能是管道、设备或文件夹）")
    return fd, st.st_size


def read_message_file(path: Path, max_bytes: int = MAX_MESSAGE_BYTES, *, follow: bool = True) -> bytes:
    """The bytes of one message file, read safely (see :func:`_open_message_file`)."""
    fd, _size = _open_message_file(path, max_bytes, follow=follow)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _NotRead("C117", "rejected", found_text=f"超过 {human_size(max_bytes)}", limit_text=human_size(max_bytes))
    return data


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
        fd, _size = _open_message_file(path, 1 << 62)
    except _NotRead:
        return False
    with os.fdopen(fd, "rb") as fh:
        return fh.read(5) == b"From "


def iter_maildir(path: Path, max_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[RawMessage]:
    """The messages of a Maildir (``new/`` and ``cur/``, by key); links, pipes and devices
    inside it are registered, never read."""
    names: list[tuple[str, Path]] = []
    for sub in ("new", "cur"):
        try:
            with os.scandir(path / sub) as it:
                for entry in it:
                    if not entry.name.startswith("."):
                        names.append((entry.name.split(":", 1)[0], Path(entry.path)))
        except OSError:
            continue
    for key, file in sorted(names):
        label = f"{path}（Maildir {key}）"
        try:
            data = read_message_file(file, max_bytes, follow=False)
        except _NotRead as exc:
            yield failed(f"maildir:{path.resolve()}#{key}", label, exc.code, exc.status, **exc.params)
            continue
        yield RawMessage(data, _sha_key(data), label)


def iter_mbox(path: Path, max_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[RawMessage]:
    """The messages of an mbox file, split as :class:`mailbox.mbox` splits them (a line
    starting with ``From `` begins a message; the empty line before it is not part of the
    previous one), in one streaming pass. A message over ``max_bytes`` is registered, not read."""
    try:
        fd, _size = _open_message_file(path, 1 << 62)
    except _NotRead as exc:
        yield failed(f"mbox:{path}", str(path), exc.code, exc.status, **exc.params)
        return
    with os.fdopen(fd, "rb") as fh:
        n = 0
        parts: list[bytes] = []
        size = 0
        too_big = False
        started = False
        last_empty = False
        at_line_start = True

        def emit() -> RawMessage:
            label = f"{path.name}（第 {n} 封）"
            if too_big:
                return failed(f"mbox:{path.resolve()}#{n}", label, "C117", "rejected",
                              found_text=f"超过 {human_size(max_bytes)}", limit_text=human_size(max_bytes))
            whole = b"".join(parts)
            if last_empty:
                whole = whole[:-1]  # the empty line before "From " belongs to no message
            from_line, _, data = whole.partition(b"\n")
            if not from_line.startswith(b"From "):
                from_line, data = b"", whole
            return RawMessage(data, _sha_key(data), label, envelope_date=_envelope_date(from_line))

        while True:
            piece = fh.readline(_LINE)
            if not piece:
                break
            line_start, at_line_start = at_line_start, piece.endswith(b"\n")
            if line_start and piece.startswith(b"From "):
                if started:
                    yield emit()
                n += 1
                started, parts, size, too_big, last_empty = True, [], 0, False, False
            elif line_start:
                last_empty = piece == b"\n"
            elif piece:
                last_empty = False
            if not started:
                continue
            size += len(piece)
            if size > max_bytes:
                too_big, parts = True, []
            elif not too_big:
                parts.append(piece)
        if started:
            yield emit()


def iter_eml(path: Path, max_bytes: int = MAX_MESSAGE_BYTES, *, follow: bool = True) -> Iterator[RawMessage]:
    try:
        data = read_message_file(path, max_bytes, follow=follow)
    except _NotRead as exc:
        yield failed(f"file:{path.resolve()}", str(path), exc.code, exc.status, **exc.params)
        return
    yield RawMessage(data, _sha_key(data), str(path))


def iter_paths(paths: list[Path], max_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[RawMessage]:
    """Messages from ``.eml`` files, mbox files, Maildir folders or folders of those.

    Inside a folder, links are not followed: a linked file is registered, not read."""
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise InputError.of("C131", file=str(path))
        if is_maildir(path):
            yield from iter_maildir(path, max_bytes)
        elif path.is_dir():
            yield from _iter_folder(path, max_bytes)
        else:
            yield from _iter_file(path, max_bytes)


def _iter_folder(root: Path, max_bytes: int) -> Iterator[RawMessage]:
    found: list[tuple[Path, str]] = []  # (path, "maildir" | "file" | "link")
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        keep = []
        for d in sorted(dirs):
            sub = here / d
            if sub.is_symlink():
                continue
            if is_maildir(sub):
                found.append((sub, "maildir"))
            else:
                keep.append(d)
        dirs[:] = keep
        for f in files:
            p = here / f
            if p.suffix.lower() in FILE_EXTS:
                found.append((p, "link" if p.is_symlink() else "file"))
    for p, kind in sorted(found):
        if kind == "maildir":
            yield from iter_maildir(p, max_bytes)
        elif kind == "link":
            yield failed(f"file:{p}", str(p), "C116", detail="是符号链接，为安全起见未读取")
        else:
            yield from _iter_file(p, max_bytes, follow=False)


def _iter_file(path: Path, max_bytes: int = MAX_MESSAGE_BYTES, *, follow: bool = True) -> Iterator[RawMessage]:
    if _looks_like_mbox(path):
        yield from iter_mbox(path, max_bytes)
    else:
        yield from iter_eml(path, max_bytes, follow=follow)


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
        raise InputError.of("C132", file=opts.cafile, reason=str(exc)) from None
    if opts.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _imap_fail(opts: ImapOptions, what: str) -> InputError:
    return InputError.of("C133", server=f"{opts.host}:{opts.effective_port}", reason=what)


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
        raise _imap_fail(opts, f"无法连接：{os_reason(exc)}") from None
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
                    too_big = render("C117", found_text=human_size(size), limit_text=human_size(opts.max_message_bytes))[0]
                    yield RawMessage(header, key, label, internaldate=idate, headers_only=True,
                                     error=too_big, error_status="rejected", code="C117")
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
        return _not_downloaded(key, label, idate, f"下载失败：{exc}")
    if typ != "OK":
        return _not_downloaded(key, label, idate, "下载失败")
    for _meta, body in _fetch_records(data):
        if body:
            return RawMessage(body, key, label, internaldate=idate)
    return _not_downloaded(key, label, idate, "服务器未返回邮件内容")


def _not_downloaded(key: str, label: str, idate: datetime | None, detail: str) -> RawMessage:
    raw = failed(key, label, "C116", detail=detail)
    raw.internaldate = idate
    return raw


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
