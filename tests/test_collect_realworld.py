"""``jixiao collect`` on an mbox written the way real mail clients write it.

Every message is assembled from raw bytes (no ``email`` policy in between), so the
headers are exactly what Outlook, Foxmail / QQ Mail / 163, Thunderbird / Gmail and
Apple Mail put on the wire: RFC 2047 encoded words inside quoted parameters, names
split across several encoded words, raw GBK bytes without a charset, RFC 2231
continuations, GB18030-only and Big5 characters, path traversal names, Windows
forbidden characters, duplicates, forwarded messages, GBK zip member names, broken
messages, ``>From`` quoting, CRLF and LF, missing and odd Date headers.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from jixiao.processor.collect import MANIFEST_CSV, MANIFEST_JSON
from jixiao.processor.collect.cli import main
from jixiao.processor.collect.collector import Collector
from jixiao.processor.collect.sources import iter_paths

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
XLSX = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------------
# workbooks: real example files, each with different bytes


def _workbook(n: int) -> bytes:
    """A copy of an example workbook, made unique by a zip comment (still a valid xlsx)."""
    sources = sorted(EXAMPLES.glob("*.xlsx"))
    src = sources[n % len(sources)].read_bytes()
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(src)) as zin,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.comment = f"jixiao realworld variant {n}".encode()
    return buf.getvalue()


WB = {n: _workbook(n) for n in range(1, 40)}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _b64(data: bytes, width: int = 76) -> bytes:
    enc = base64.b64encode(data)
    return b"\n".join(enc[i : i + width] for i in range(0, len(enc), width))


def _ew_b(text: str, charset: str, *, split: int = 0) -> bytes:
    """``=?charset?B?...?=``; ``split`` > 0 cuts the bytes every ``split`` bytes
    (possibly in the middle of a character, as Outlook does) into several words."""
    raw = text.encode(charset)
    if not split:
        return b"=?" + charset.encode() + b"?B?" + base64.b64encode(raw) + b"?="
    words = [raw[i : i + split] for i in range(0, len(raw), split)]
    return b" ".join(b"=?" + charset.encode() + b"?B?" + base64.b64encode(w) + b"?=" for w in words)


def _ew_q(text: str, charset: str = "utf-8") -> bytes:
    out = bytearray()
    for byte in text.encode(charset):
        ch = bytes([byte])
        if ch == b" ":
            out += b"_"
        elif ch.isalnum() and byte < 0x80 or ch in b".-":
            out += ch
        else:
            out += b"=%02X" % byte
    return b"=?" + charset.encode() + b"?Q?" + bytes(out) + b"?="


def _pct(text: str, charset: str = "utf-8") -> bytes:
    return "".join(
        chr(b) if (chr(b).isalnum() and b < 0x80) or chr(b) in ".-_" else f"%{b:02X}"
        for b in text.encode(charset)
    ).encode()


@dataclass
class Part:
    """One attachment: the raw Content-Type / Content-Disposition lines and the bytes."""

    ctype: bytes
    disposition: bytes | None
    data: bytes
    cte: bytes = b"base64"

    def render(self) -> bytes:
        lines = [b"Content-Type: " + self.ctype]
        if self.disposition is not None:
            lines.append(b"Content-Disposition: " + self.disposition)
        lines.append(b"Content-Transfer-Encoding: " + self.cte)
        body = _b64(self.data) if self.cte == b"base64" else self.data
        return b"\n".join(lines) + b"\n\n" + body + b"\n"


def message(
    *,
    sender: bytes,
    subject: bytes,
    message_id: bytes | None,
    date: bytes | None = b"Fri, 15 Mar 2024 10:23:45 +0800",
    parts: list[Part] = (),
    body: bytes = b"\xe8\xaf\xb7\xe6\x9f\xa5\xe6\x94\xb6\xe3\x80\x82",  # 请查收。 (UTF-8)
    body_charset: bytes = b"utf-8",
    boundary: bytes = b"----=_NextPart_000_0001_01DA76A1.5B2C3D40",
    extra_headers: list[bytes] = (),
    mailer: bytes = b"Microsoft Outlook 16.0",
) -> bytes:
    """A multipart/mixed message as raw bytes with LF line endings."""
    head = [b"Return-Path: <bounce@example.invalid>"]
    head += list(extra_headers)
    head.append(b"From: " + sender)
    head.append(b"To: caiwu@example.gov.cn")
    head.append(b"Subject: " + subject)
    if date is not None:
        head.append(b"Date: " + date)
    if message_id is not None:
        head.append(b"Message-ID: " + message_id)
    head.append(b"MIME-Version: 1.0")
    head.append(b"X-Mailer: " + mailer)
    head.append(b'Content-Type: multipart/mixed;\n\tboundary="' + boundary + b'"')
    out = b"\n".join(head) + b"\n\nThis is a multi-part message in MIME format.\n\n"
    out += b"--" + boundary + b"\n"
    out += (
        b"Content-Type: text/plain; charset="
        + body_charset
        + b"\nContent-Transfer-Encoding: 8bit\n\n"
    )
    out += body + b"\n\n"
    for part in parts:
        out += b"--" + boundary + b"\n" + part.render() + b"\n"
    out += b"--" + boundary + b"--\n"
    return out


def xlsx_part(
    name_params: bytes, data: bytes, *, ctype: bytes = XLSX, disposition: bytes | None = None
) -> Part:
    """Parameters as written in both headers unless ``disposition`` is given."""
    if disposition is None:
        disposition = b"attachment;\n\t" + name_params.replace(b"name", b"filename", 1)
    return Part(ctype + b";\n\t" + name_params, disposition, data)


def mbox(
    messages: list[bytes], *, crlf: bool | list[bool] = False, from_lines: list[bytes] | None = None
) -> bytes:
    """An mbox (mboxrd quoting of ``From `` lines in bodies), LF or CRLF per message."""
    out = b""
    for i, msg in enumerate(messages):
        lines = msg.split(b"\n")
        quoted = []
        for line in lines:
            stripped = line.lstrip(b">")
            quoted.append(b">" + line if stripped.startswith(b"From ") else line)
        body = b"\n".join(quoted)
        if not body.endswith(b"\n"):
            body += b"\n"
        first = from_lines[i] if from_lines else b"From MAILER-DAEMON Fri Mar 15 02:30:00 2024"
        chunk = first + b"\n" + body + b"\n"
        use_crlf = crlf[i] if isinstance(crlf, list) else crlf
        if use_crlf:
            chunk = chunk.replace(b"\n", b"\r\n")
        out += chunk
    return out


# ---------------------------------------------------------------------------
# the corpus: one mbox as real clients and servers leave it

DATE = b"Fri, 15 Mar 2024 10:23:45 +0800"
ZHANG = "zhang@edu.example.cn"
WANG = "wang@health.example.cn"
LI = "li@traffic.example.cn"
ZHAO = "zhao@school.example.cn"
CHEN = "chen@finance.example.cn"
HK = "lam@example.hk"
EVIL = "evil@attacker.example.cn"
SUN = "sun@district.example.cn"
ZHOU = "zhou@county.example.cn"
WU = "wu@village.example.cn"
ZHENG = "zheng@crlf.example.cn"
FENG = "feng@nodate.example.cn"
HE = "he@envelope.example.cn"
QIAN = "qian@oa.example.cn"
BAD = "bad@broken.example.cn"

GBK_BACKSLASH_NAME = "乗车补贴刓表.xlsx"  # 乗 = 81 5C, 刓 = 84 5C: a trail byte that is a backslash


def gbk_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip as the Windows "compressed folder" / old WinRAR make it on Chinese Windows:
    member names in GBK, no UTF-8 flag, no Unicode extra field."""
    buf = io.BytesIO()
    placeholders = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(members):
            raw = name.encode("gbk")
            ph = (b"P%03d" % i).ljust(len(raw), b"_")
            assert len(ph) == len(raw)
            placeholders.append((ph, raw))
            zf.writestr(ph.decode("ascii"), data)
    out = buf.getvalue()
    for ph, raw in placeholders:
        assert out.count(ph) == 2  # local header and central directory
        out = out.replace(ph, raw)
    with zipfile.ZipFile(io.BytesIO(out)) as check:
        assert all(not (i.flag_bits & 0x800) for i in check.infolist())
    return out


def _outlook(
    n_sender: str, display: str, subject: str, mid: str, date: bytes, parts: list[Part], **kw
) -> bytes:
    return message(
        sender=_ew_b(display, "gb2312") + b" <" + n_sender.encode() + b">",
        subject=_ew_b(subject, "gb2312", split=9),
        message_id=mid.encode(),
        date=date,
        parts=parts,
        **kw,
    )


@dataclass
class Corpus:
    messages: list[bytes]
    from_lines: list[bytes]
    crlf: list[bool]
    expected: dict[str, bytes]  # saved path -> content
    subjects: dict[str, str]  # sender -> decoded subject of its first message

    def mbox_bytes(self) -> bytes:
        return mbox(self.messages, crlf=self.crlf, from_lines=self.from_lines)


def _env(day: int) -> bytes:
    return b"From MAILER-DAEMON Fri Mar %02d 02:30:00 2024" % day


def build_corpus() -> Corpus:
    msgs: list[tuple[bytes, bytes, bool]] = []  # (message, from line, crlf)
    exp: dict[str, bytes] = {}
    subjects: dict[str, str] = {}

    # 1. Outlook (Chinese Windows): gb2312 encoded words inside quotes, the name split
    #    in the middle of a character across several words; a second attachment named
    #    only in Content-Type (utf-8 Q words), no Content-Disposition at all.
    name1 = "2024年度项目支出绩效自评表（教育局）.xlsx"
    name2 = "学校 自评表.xlsx"
    m1 = _outlook(
        ZHANG,
        "张三",
        "报送2024年度绩效自评表",
        "<000001d9a1b2$c3d4e5f0$@edu.example.cn>",
        DATE,
        [
            xlsx_part(b'name="' + _ew_b(name1, "gb2312", split=7) + b'"', WB[1]),
            Part(
                XLSX + b';\n\tname="' + _ew_q("学校") + b" " + _ew_q(" 自评表.xlsx") + b'"',
                None,
                WB[2],
            ),
        ],
    )
    subjects[ZHANG] = "报送2024年度绩效自评表"
    msgs.append((m1, _env(15), False))
    exp[f"{ZHANG}/2024-03-15_{name1}"] = WB[1]
    exp[f"{ZHANG}/2024-03-15_{name2}"] = WB[2]

    # 2. Foxmail (GBK words, octet-stream) and QQ Mail (gb18030 words with characters
    #    that exist only in GB18030: 㐀 U+3400, 𠮷 U+20BB7; 〇 U+3007)
    name3 = "卫生局绩效自评表.xlsx"
    name4 = "疫苗接种项目〇㐀𠮷.xlsx"
    m2 = message(
        sender=_ew_b("王五", "GBK") + b" <" + WANG.encode() + b">",
        subject=_ew_b("卫生局自评表（𠮷）", "gb18030"),
        message_id=b"<202403160900001234567@foxmail.com>",
        date=b"Sat, 16 Mar 2024 09:00:00 +0800",
        mailer=b"Foxmail 7.2.25.228[cn]",
        parts=[
            Part(
                b'application/octet-stream;\n\tname="' + _ew_b(name3, "GBK") + b'"',
                b'attachment;\n\tfilename="' + _ew_b(name3, "GBK") + b'"',
                WB[3],
            ),
            Part(
                XLSX + b';\n\tcharset="gb18030";\n\tname="' + _ew_b(name4, "gb18030") + b'"',
                b'attachment;\n\tfilename="' + _ew_b(name4, "gb18030") + b'"',
                WB[4],
            ),
        ],
    )
    subjects[WANG] = "卫生局自评表（𠮷）"
    msgs.append((m2, _env(16), False))
    exp[f"{WANG}/2024-03-16_{name3}"] = WB[3]
    exp[f"{WANG}/2024-03-16_{name4}"] = WB[4]

    # 3. 163 / old webmail: raw GBK bytes in Subject, From and the file name, no charset;
    #    one name has a GBK trail byte 0x5C (a backslash) inside the quotes.
    name5 = "道路养护项目自评表.xlsx"
    m3 = message(
        sender="李四".encode("gbk") + b" <" + LI.encode() + b">",
        subject="道路养护自评表".encode("gbk"),
        message_id=b"<5f3a.1b2c.18e4a9f0c7d.Coremail.li@163.com>",
        date=b"Sun, 17 Mar 2024 14:05:06 +0800 (CST)",
        mailer=b"Coremail Webmail Server Version XT5.0.13",
        body="请查收。".encode("gbk"),
        body_charset=b"GBK",
        parts=[
            Part(
                b'application/octet-stream; name="' + name5.encode("gbk") + b'"',
                b'attachment; filename="' + name5.encode("gbk") + b'"',
                WB[5],
            ),
            Part(
                b'application/octet-stream; name="' + GBK_BACKSLASH_NAME.encode("gbk") + b'"',
                b'attachment; filename="' + GBK_BACKSLASH_NAME.encode("gbk") + b'"',
                WB[29],
            ),
        ],
    )
    subjects[LI] = "道路养护自评表"
    msgs.append((m3, _env(17), False))
    exp[f"{LI}/2024-03-17_{name5}"] = WB[5]
    exp[f"{LI}/2024-03-17_{GBK_BACKSLASH_NAME}"] = WB[29]

    # 4. Thunderbird / Gmail: RFC 2231 (one piece, and continuations splitting a
    #    UTF-8 character between filename*0* and filename*1*)
    name6 = "校舍维修项目.xlsx"
    name7 = "2024年度第一中学校舍维修项目支出绩效自评表（最终版）.xlsx"
    pct7 = _pct(name7)
    cut = 40
    while pct7[cut : cut + 1] != b"%":
        cut += 1
    cut += 3  # in the middle of a three-byte character
    m4 = message(
        sender=b"=?UTF-8?B?" + base64.b64encode("赵六".encode()) + b"?= <" + ZHAO.encode() + b">",
        subject=_ew_b("校舍维修项目自评表", "UTF-8"),
        message_id=b"<8c1f2a3b-4d5e-6f70-8192-a3b4c5d6e7f8@school.example.cn>",
        date=b"Mon, 18 Mar 2024 08:15:00 +0800",
        mailer=b"Mozilla Thunderbird",
        boundary=b"------------8fXg2Yb0ZkQwErTyUiOp1234",
        parts=[
            Part(
                XLSX + b';\n name="' + _ew_b(name6, "UTF-8") + b'"',
                b"attachment;\n filename*=UTF-8''" + _pct(name6),
                WB[6],
            ),
            Part(
                XLSX + b";\n name*0*=UTF-8''" + pct7[:cut] + b";\n name*1*=" + pct7[cut:],
                b"attachment;\n filename*0*=UTF-8''"
                + pct7[:cut]
                + b";\n filename*1*="
                + pct7[cut:],
                WB[7],
            ),
        ],
    )
    subjects[ZHAO] = "校舍维修项目自评表"
    msgs.append((m4, _env(18), False))
    exp[f"{ZHAO}/2024-03-18_{name6}"] = WB[6]
    exp[f"{ZHAO}/2024-03-18_{name7}"] = WB[7]

    # 5. Apple Mail: decomposed (NFD) accents, x-unix-mode, filename*= with lower-case charset
    nfd = "Re\u0301sume\u0301 预算.xlsx"
    m5 = message(
        sender=b"=?utf-8?Q?Chen_Qi?= <" + CHEN.encode() + b">",
        subject=_ew_q("预算 Résumé"),
        message_id=b"<A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF@finance.example.cn>",
        date=b"Mon, 18 Mar 2024 21:00:00 +0800",
        mailer=b"Apple Mail (2.3774.400.31)",
        boundary=b"Apple-Mail=_0D2C7E1A-3B4C-4D5E-8F90-1A2B3C4D5E6F",
        parts=[
            Part(
                XLSX + b';\n\tx-unix-mode=0644;\n\tname="' + _ew_q(nfd) + b'"',
                b"attachment;\n\tfilename*=utf-8''" + _pct(nfd),
                WB[8],
            ),
        ],
    )
    subjects[CHEN] = "预算 Résumé"
    msgs.append((m5, _env(18), False))
    exp[f"{CHEN}/2024-03-18_Résumé 预算.xlsx"] = WB[8]

    # 6. Taiwan / Hong Kong: Big5 encoded words
    name9 = "績效自評表（港）.xlsx"
    m6 = message(
        sender=_ew_b("林生", "big5") + b" <" + HK.encode() + b">",
        subject=_ew_b("績效自評", "big5"),
        message_id=b"<big5.0001@example.hk>",
        date=b"Tue, 19 Mar 2024 10:00:00 +0800",
        parts=[xlsx_part(b'name="' + _ew_b(name9, "big5") + b'"', WB[9])],
    )
    subjects[HK] = "績效自評"
    msgs.append((m6, _env(19), False))
    exp[f"{HK}/2024-03-19_{name9}"] = WB[9]

    # 7. Hostile names: path traversal (POSIX, Windows, absolute, drive, RFC 2231,
    #    encoded word), Windows-forbidden characters, a bidi override, a device name
    evil_parts = [
        (b'filename="../../etc_passwd.xlsx"', WB[10], "etc_passwd.xlsx"),
        (b'filename="..\\\\..\\\\win.xlsx"', WB[11], "win.xlsx"),
        (b'filename="/etc/abs.xlsx"', WB[12], "abs.xlsx"),
        (b'filename="C:\\\\Windows\\\\drive.xlsx"', WB[13], "drive.xlsx"),
        (b"filename*=UTF-8''..%2F..%2F" + _pct("穿越.xlsx"), WB[14], "穿越.xlsx"),
        (b'filename="' + _ew_b("../../../编码穿越.xlsx", "utf-8") + b'"', WB[15], "编码穿越.xlsx"),
        (
            b'filename="' + _ew_b('报表:2024?<终稿>|"A"*.xlsx', "utf-8") + b'"',
            WB[16],
            "报表：2024？＜终稿＞｜＂A＂＊.xlsx",
        ),
        (b'filename="' + _ew_b("报表\u202e表.xlsx", "utf-8") + b'"', WB[17], "报表表.xlsx"),
        (b'filename="CON.xlsx"', WB[30], "CON.xlsx"),
    ]
    m7 = message(
        sender=b"Evil <" + EVIL.encode() + b">",
        subject=b"traversal",
        message_id=b"<evil-1@attacker.example.cn>",
        date=b"Tue, 19 Mar 2024 11:00:00 +0800",
        parts=[Part(b"application/octet-stream", b"attachment; " + p, d) for p, d, _ in evil_parts],
    )
    subjects[EVIL] = "traversal"
    msgs.append((m7, _env(19), False))
    for _p, d, safe in evil_parts:
        exp[f"{EVIL}/2024-03-19_{safe}"] = d

    # 8. The same message twice in the mbox (downloaded twice), and the same message
    #    delivered a second time with another Received line (To + Cc) — one copy kept
    msgs.append((m1, _env(15), False))
    m4b = (
        b"Received: from mx2.example.gov.cn by mail.example.gov.cn; Mon, 18 Mar 2024 08:16:00 +0800\n"
        + m4
    )
    msgs.append((m4b, _env(18), False))

    # 9. The same workbook again from the same sender in a new message, with a new one
    name18 = "学校自评表（补充）.xlsx"
    m9 = _outlook(
        ZHANG,
        "张三",
        "补充材料",
        "<000002d9a1b2$c3d4e5f0$@edu.example.cn>",
        b"Wed, 20 Mar 2024 16:00:00 +0800",
        [
            xlsx_part(b'name="' + _ew_b("自评表-重发.xlsx", "gb2312") + b'"', WB[1]),
            xlsx_part(b'name="' + _ew_b(name18, "gb2312") + b'"', WB[18]),
        ],
    )
    msgs.append((m9, _env(20), False))
    exp[f"{ZHANG}/2024-03-20_{name18}"] = WB[18]

    # 10. Forwarded: as message/rfc822 (Outlook "forward as attachment") and as an
    #     octet-stream .eml file (webmail)
    inner = _outlook(
        "orig@unit.example.cn",
        "原发件人",
        "原始自评表",
        "<inner-1@unit.example.cn>",
        b"Mon, 11 Mar 2024 09:00:00 +0800",
        [xlsx_part(b'name="' + _ew_b("转发的自评表.xlsx", "GBK") + b'"', WB[20])],
        boundary=b"----=_NextPart_000_0077_01DA7399.11223344",
    )
    inner2 = message(
        sender=b"x@unit.example.cn",
        subject=b"inner2",
        message_id=b"<inner-2@unit.example.cn>",
        boundary=b"=_inner2_boundary_5e6f",
        parts=[xlsx_part(b'name="' + _ew_b("附件里的表.xlsx", "utf-8") + b'"', WB[21])],
    )
    m10 = message(
        sender=_ew_b("孙七", "gb2312") + b" <" + SUN.encode() + b">",
        subject=_ew_b("转发: 原始自评表", "gb2312"),
        message_id=b"<fwd-1@district.example.cn>",
        date=b"Thu, 21 Mar 2024 09:30:00 +0800",
        parts=[
            Part(
                b'message/rfc822; name="' + _ew_b("原始自评表.eml", "gb2312") + b'"',
                b"attachment",
                inner,
                cte=b"7bit",
            ),
            Part(
                b'application/octet-stream; name="fw.eml"', b'attachment; filename="fw.eml"', inner2
            ),
        ],
    )
    subjects[SUN] = "转发: 原始自评表"
    msgs.append((m10, _env(21), False))
    exp[f"{SUN}/2024-03-21_转发的自评表.xlsx"] = WB[20]
    exp[f"{SUN}/2024-03-21_附件里的表.xlsx"] = WB[21]

    # 11. A zip made on Chinese Windows: GBK member names, a folder, a traversal member
    z = gbk_zip(
        [
            ("绩效自评表（一）.xlsx", WB[22]),
            ("子目录/绩效自评表（二）.xlsx", WB[23]),
            ("../../逃逸.xlsx", WB[24]),
            ("说明.txt", "请查收".encode("gbk")),
        ]
    )
    m11 = message(
        sender=ZHOU.encode(),
        subject=_ew_b("打包发送", "GBK"),
        message_id=b"<zip-1@county.example.cn>",
        date=b"Thu, 21 Mar 2024 10:00:00 +0800",
        parts=[
            Part(
                b'application/x-zip-compressed; name="' + _ew_b("自评表打包.zip", "GBK") + b'"',
                b'attachment; filename="' + _ew_b("自评表打包.zip", "GBK") + b'"',
                z,
            )
        ],
    )
    subjects[ZHOU] = "打包发送"
    msgs.append((m11, _env(21), False))
    exp[f"{ZHOU}/2024-03-21_绩效自评表（一）.xlsx"] = WB[22]
    exp[f"{ZHOU}/2024-03-21_绩效自评表（二）.xlsx"] = WB[23]
    exp[f"{ZHOU}/2024-03-21_逃逸.xlsx"] = WB[24]

    # 12. Broken messages in the middle of the mbox: the run must go on
    msgs.append((b"\x00\x01\x02 garbage without any header\n\xff\xfe\xfd\n", _env(21), False))
    nob = message(
        sender=BAD.encode(),
        subject=b"no boundary",
        message_id=b"<nob@broken.example.cn>",
        parts=[xlsx_part(b'name="nob.xlsx"', WB[31])],
    )
    nob = nob.replace(
        b'multipart/mixed;\n\tboundary="----=_NextPart_000_0001_01DA76A1.5B2C3D40"',
        b"multipart/mixed",
    )
    msgs.append((nob, _env(21), False))
    trunc = message(
        sender=BAD.encode(),
        subject=b"truncated",
        message_id=b"<trunc@broken.example.cn>",
        parts=[xlsx_part(b'name="trunc.xlsx"', WB[32])],
    )
    cut_at = trunc.index(b"Content-Disposition: attachment") + 600
    trunc = trunc[:cut_at]  # mid-line, in the middle of the base64, no closing boundary
    assert len(trunc.rsplit(b"\n\n", 1)[1].replace(b"\n", b"")) % 4 != 0
    msgs.append((trunc, _env(21), False))

    # 13. ">From " quoting in a body; a body line starting "From " must not split the mbox
    m13 = message(
        sender=WU.encode(),
        subject=b"From the village",
        message_id=b"<from-quote@village.example.cn>",
        date=b"Fri, 22 Mar 2024 08:00:00 +0800",
        body=b"Hello,\nFrom the village committee: see attached.\n>From an older quote\nFrom 2024 on we use the new form.",
        body_charset=b"us-ascii",
        parts=[xlsx_part(b'name="report.xlsx"', WB[25])],
    )
    subjects[WU] = "From the village"
    msgs.append((m13, _env(22), False))
    exp[f"{WU}/2024-03-22_report.xlsx"] = WB[25]

    # 14. A message with CRLF line endings inside an otherwise LF mbox
    m14 = message(
        sender=ZHENG.encode(),
        subject=_ew_b("CRLF表", "utf-8"),
        message_id=b"<crlf@crlf.example.cn>",
        date=b"Fri, 22 Mar 2024 09:00:00 +0800",
        parts=[xlsx_part(b'name="' + _ew_b("CRLF表.xlsx", "utf-8") + b'"', WB[26])],
    )
    subjects[ZHENG] = "CRLF表"
    msgs.append((m14, _env(22), True))
    exp[f"{ZHENG}/2024-03-22_CRLF表.xlsx"] = WB[26]

    # 15. No Date header, a Received line: its date
    m15 = message(
        sender=FENG.encode(),
        subject=b"no date",
        message_id=b"<nodate@nodate.example.cn>",
        date=None,
        extra_headers=[
            b"Received: from smtp.nodate.example.cn (unknown [10.0.0.1])\n\tby mx.example.gov.cn"
            b" with ESMTP id 4A1B2C;\n\tSat, 23 Mar 2024 11:00:00 +0800"
        ],
        parts=[xlsx_part(b'name="' + _ew_b("无日期表.xlsx", "utf-8") + b'"', WB[27])],
    )
    subjects[FENG] = "no date"
    msgs.append((m15, _env(23), False))
    exp[f"{FENG}/2024-03-23_无日期表.xlsx"] = WB[27]

    # 16. No Date, no Received: the mbox "From " line's date
    m16 = message(
        sender=HE.encode(),
        subject=b"envelope only",
        message_id=b"<env@envelope.example.cn>",
        date=None,
        parts=[xlsx_part(b'name="' + _ew_b("信封日期表.xlsx", "utf-8") + b'"', WB[28])],
    )
    subjects[HE] = "envelope only"
    msgs.append((m16, b"From he@envelope.example.cn  Sun Mar 24 03:00:00 2024", False))
    exp[f"{HE}/2024-03-24_信封日期表.xlsx"] = WB[28]

    return Corpus(
        messages=[m for m, _f, _c in msgs],
        from_lines=[f for _m, f, _c in msgs],
        crlf=[c for _m, _f, c in msgs],
        expected=exp,
        subjects=subjects,
    )


CORPUS = build_corpus()


def _collect(mbox_path: Path, out: Path, *extra: str) -> int:
    return main(["collect", str(mbox_path), "-o", str(out), "-q", *extra])


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name not in (MANIFEST_CSV, MANIFEST_JSON)
    }


def _entries(out: Path) -> list[dict]:
    return json.loads((out / MANIFEST_JSON).read_text(encoding="utf-8"))["entries"]


def _tree(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for p in root.rglob("*"):
        if p == skip or skip in p.parents:
            continue
        st = p.lstat()
        out[p.relative_to(root).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def collected(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, dict[str, tuple[int, int]]]:
    """The corpus collected once through the CLI, run from a working directory beside DIR."""
    root = tmp_path_factory.mktemp("realworld")
    box = root / "inbox" / "收件箱.mbox"
    box.parent.mkdir()
    box.write_bytes(CORPUS.mbox_bytes())
    cwd = root / "cwd"
    cwd.mkdir()
    out = root / "收件"
    before = _tree(root, out)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        assert _collect(box, out) == 0
    finally:
        os.chdir(old)
    return root, out, before


def test_exact_saved_paths_and_contents(collected) -> None:
    _root, out, _before = collected
    files = _files(out)
    assert sorted(files) == sorted(CORPUS.expected)
    for rel, data in CORPUS.expected.items():
        assert files[rel] == data, rel


@pytest.mark.parametrize("rel", sorted(CORPUS.expected), ids=lambda r: r)
def test_each_expected_file(collected, rel: str) -> None:
    _root, out, _before = collected
    path = out / rel
    assert path.is_file(), f"missing {rel}; have {sorted(_files(out))}"
    assert path.read_bytes() == CORPUS.expected[rel]
    # one folder per sender, directly under DIR
    assert path.resolve().parent.parent == out.resolve()


def test_nothing_written_outside_dir(collected) -> None:
    root, out, before = collected
    assert _tree(root, out) == before
    for p in out.rglob("*"):
        assert p.resolve().is_relative_to(out.resolve())
        assert not p.name.startswith("."), p  # no temporary leftovers
        assert not p.is_symlink()
    # nothing but sender folders (one level) and the register at the top
    top = {p.name for p in out.iterdir() if p.is_file()}
    assert top == {MANIFEST_CSV, MANIFEST_JSON}
    for d in out.iterdir():
        if d.is_dir():
            assert all(p.is_file() for p in d.iterdir())


def test_manifest_complete(collected) -> None:
    _root, out, _before = collected
    entries = _entries(out)
    by_status: dict[str, list[dict]] = {}
    for e in entries:
        by_status.setdefault(e["status"], []).append(e)

    saved = by_status["saved"]
    assert sorted(e["saved_path"] for e in saved) == sorted(CORPUS.expected)
    for e in saved:
        data = CORPUS.expected[e["saved_path"]]
        assert e["sha256"] == _sha(data)
        assert e["size"] == len(data)
        assert e["sender"] == e["saved_path"].split("/")[0]
        assert e["message_id"].startswith("<") and e["message_id"].endswith(">")
        assert e["attachment"] and e["subject"]
        assert "=?" not in e["subject"] and "\ufffd" not in e["subject"] + e["attachment"]
        if e["sender"] not in (FENG, HE):
            assert e["date"].startswith(e["saved_path"].split("/")[1][:10]), e
        if e["sender"] in CORPUS.subjects and not e["container"]:
            assert e["subject"] in (CORPUS.subjects[e["sender"]], "补充材料"), e

    # the original (dangerous) names stay in the register, the saved names are safe
    evil = {e["attachment"] for e in saved if e["sender"] == EVIL}
    assert {
        "../../etc_passwd.xlsx",
        "..\\..\\win.xlsx",
        "/etc/abs.xlsx",
        "C:\\Windows\\drive.xlsx",
        "../../穿越.xlsx",
        "../../../编码穿越.xlsx",
        '报表:2024?<终稿>|"A"*.xlsx',
    } <= evil

    # decoded sender names and subjects
    names = {e["sender"]: e["sender_name"] for e in saved}
    assert names[ZHANG] == "张三" and names[WANG] == "王五" and names[LI] == "李四"
    assert names[ZHAO] == "赵六" and names[HK] == "林生"

    # zip members and forwarded messages say where they were
    assert {e["container"] for e in saved if e["sender"] == ZHOU} == {"压缩包《自评表打包.zip》"}
    fwd = [e for e in saved if e["sender"] == SUN]
    assert all(e["container"].startswith("转发邮件《") for e in fwd)

    # duplicates: the message seen twice, the same message delivered again, the same workbook resent
    dups = by_status["duplicate"]
    assert len(dups) == 3
    assert sorted(e["message_id"] for e in dups if not e["attachment"]) == sorted(
        [
            "<000001d9a1b2$c3d4e5f0$@edu.example.cn>",
            "<8c1f2a3b-4d5e-6f70-8192-a3b4c5d6e7f8@school.example.cn>",
        ]
    )
    (resent,) = [e for e in dups if e["attachment"]]
    assert resent["attachment"] == "自评表-重发.xlsx"
    assert resent["sha256"] == _sha(WB[1])
    assert resent["saved_path"] == f"{ZHANG}/2024-03-15_2024年度项目支出绩效自评表（教育局）.xlsx"

    # broken messages are listed as unreadable, and the messages after them were still read
    unreadable = by_status["unreadable"]
    assert len(unreadable) == 3
    assert any(e["sender"] == "" and "不是有效的邮件" in e["note"] for e in unreadable)
    assert any(
        e["message_id"] == "<nob@broken.example.cn>" and "边界" in e["note"] for e in unreadable
    )
    assert any(
        e["message_id"] == "<trunc@broken.example.cn>"
        and e["attachment"] == "trunc.xlsx"
        and "截断" in e["note"]
        for e in unreadable
    )
    assert not any(e["saved_path"] for e in unreadable)
    assert set(by_status) == {"saved", "duplicate", "unreadable"}
    assert len(entries) == len(CORPUS.expected) + 3 + 3

    # the CSV for Excel has the same rows, with BOM and the documented columns
    raw = (out / MANIFEST_CSV).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == len(entries)
    for col in (
        "状态",
        "发件人邮箱",
        "发件人",
        "邮件主题",
        "发送时间",
        "收到时间",
        "Message-ID",
        "附件名",
        "所在位置",
        "大小（字节）",
        "SHA256",
        "保存路径",
        "说明",
    ):
        assert col in rows[0]
    assert sorted(r["保存路径"] for r in rows if r["状态"] == "已保存") == sorted(CORPUS.expected)
    assert sum(r["状态"] == "无法读取" for r in rows) == 3


def test_dates_without_or_with_odd_date_header(collected) -> None:
    _root, out, _before = collected
    saved = {e["sender"]: e for e in _entries(out) if e["status"] == "saved"}
    assert saved[FENG]["date"] == ""  # no Date header: nothing invented
    assert saved[FENG]["received"].startswith("2024-03-23T11:00:00")  # from the Received line
    assert saved[HE]["received"].startswith("2024-03-24T03:00:00")  # from the mbox "From " line
    assert saved[LI]["date"] == "2024-03-17T14:05:06+08:00"  # "(CST)" comment ignored


def test_second_run_writes_nothing_and_adds_no_rows(collected, capsys) -> None:
    root, out, _before = collected
    box = root / "inbox" / "收件箱.mbox"
    entries = _entries(out)
    stamp = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert _collect(box, out) == 0
    said = capsys.readouterr().out
    assert "新邮件 0 封" in said and "保存表格 0 个" in said
    assert _entries(out) == entries
    files = {p for p in out.rglob("*") if p.is_file()}
    assert files == set(stamp)
    for p, (mtime, ino) in stamp.items():
        if p.name in (MANIFEST_CSV, MANIFEST_JSON):
            continue
        assert (p.stat().st_mtime_ns, p.stat().st_ino) == (mtime, ino), p
    # the same messages exported again to another file (new "From " lines, CRLF): still nothing new
    again = root / "inbox" / "再次导出.mbox"
    again.write_bytes(
        mbox(
            CORPUS.messages,
            crlf=CORPUS.crlf,
            from_lines=[b"From - Mon Apr 01 09:00:00 2024"] * len(CORPUS.messages),
        )
    )
    col = Collector(out)
    stats = col.run(iter_paths([again]))
    assert stats.new_messages == 0 and stats.saved == 0
    assert _entries(out) == entries


def test_rerun_after_new_mail_adds_only_the_new(tmp_path: Path) -> None:
    box = tmp_path / "in.mbox"
    box.write_bytes(CORPUS.mbox_bytes())
    out = tmp_path / "out"
    assert _collect(box, out) == 0
    n = len(_entries(out))
    new = _outlook(
        ZHANG,
        "张三",
        "第三次报送",
        "<000003d9a1b2$c3d4e5f0$@edu.example.cn>",
        b"Mon, 25 Mar 2024 09:00:00 +0800",
        [
            xlsx_part(b'name="' + _ew_b("新表.xlsx", "gb2312") + b'"', WB[33]),
            xlsx_part(b'name="' + _ew_b("学校 自评表.xlsx", "gb2312") + b'"', WB[2]),
        ],
    )
    with open(box, "ab") as fh:
        fh.write(mbox([new], from_lines=[_env(25)]))
    assert _collect(box, out) == 0
    added = _entries(out)[n:]
    assert [(e["status"], e["attachment"]) for e in added] == [
        ("saved", "新表.xlsx"),
        ("duplicate", "学校 自评表.xlsx"),
    ]
    assert (out / ZHANG / "2024-03-25_新表.xlsx").read_bytes() == WB[33]
    assert sorted(_files(out)) == sorted([*CORPUS.expected, f"{ZHANG}/2024-03-25_新表.xlsx"])
    assert _collect(box, out) == 0
    assert len(_entries(out)) == n + 2


def test_whole_mbox_with_crlf_line_endings(tmp_path: Path) -> None:
    """A mailbox exported on Windows: every line ends in CRLF."""
    box = tmp_path / "windows.mbox"
    box.write_bytes(mbox(CORPUS.messages, crlf=True, from_lines=CORPUS.from_lines))
    out = tmp_path / "out"
    assert _collect(box, out) == 0
    assert _files(out) == CORPUS.expected
    assert len(_entries(out)) == len(CORPUS.expected) + 6


def _run_one(tmp_path: Path, msgs: list[bytes], **kw) -> tuple[dict[str, bytes], list[dict]]:
    box = tmp_path / "in.mbox"
    box.write_bytes(mbox(msgs, **kw))
    out = tmp_path / "out"
    Collector(out).run(iter_paths([box]))
    return _files(out), _entries(out)


def test_more_client_name_variants(tmp_path: Path) -> None:
    n = "2024年度绩效自评表（最终稿）.xlsx"
    gbk_q = b"".join(b"=%02X" % x for x in "全Q编码.xlsx".encode("gbk"))
    m = message(
        sender=b"f@x.example.cn",
        subject=b"names",
        message_id=b"<names@x.example.cn>",
        parts=[
            # Outlook folds the encoded words onto several lines, inside the quotes
            Part(
                XLSX + b';\n\tname="' + _ew_b(n, "gb2312", split=8).replace(b" ", b"\n\t") + b'"',
                b'attachment;\n\tfilename="'
                + _ew_b(n, "gb2312", split=8).replace(b" ", b"\n ")
                + b'"',
                WB[1],
            ),
            # GBK bytes labelled iso-8859-1 / unknown-8bit
            Part(
                b'application/octet-stream; name="=?iso-8859-1?B?'
                + base64.b64encode("错标字符集.xlsx".encode("gbk"))
                + b'?="',
                b"attachment",
                WB[2],
            ),
            Part(
                b'application/octet-stream; name="=?unknown-8bit?B?'
                + base64.b64encode("未知字符集.xlsx".encode("gbk"))
                + b'?="',
                b"attachment",
                WB[6],
            ),
            # RFC 2231 in GB2312 with a language
            Part(
                b"application/octet-stream",
                b"attachment; filename*=gb2312'zh-cn'" + _pct("国标2231.xlsx", "gbk"),
                WB[3],
            ),
            # quoted continuations each holding an encoded word
            Part(
                b"application/octet-stream",
                b'attachment; filename*0="'
                + _ew_b("分段", "utf-8")
                + b'"; filename*1="'
                + _ew_b("名称.xlsx", "utf-8")
                + b'"',
                WB[4],
            ),
            # raw UTF-8 (SMTPUTF8 clients)
            Part(
                b"application/octet-stream",
                b'attachment; filename="' + "原始UTF8名.xlsx".encode() + b'"',
                WB[5],
            ),
            # two different workbooks with one name; an upper-case extension; GB2312 Q words
            Part(
                b"application/octet-stream",
                b'attachment; filename="' + "同名.xlsx".encode() + b'"',
                WB[7],
            ),
            Part(
                b"application/octet-stream",
                b'attachment; filename="' + "同名.xlsx".encode() + b'"',
                WB[8],
            ),
            Part(
                b"application/octet-stream",
                b'attachment; filename="' + "大写.XLSX".encode() + b'"',
                WB[9],
            ),
            Part(XLSX + b'; name="=?GB2312?Q?' + gbk_q + b'?="', b"attachment", WB[10]),
        ],
    )
    files, entries = _run_one(tmp_path, [m])
    p = "f@x.example.cn/2024-03-15_"
    assert files == {
        p + n: WB[1],
        p + "错标字符集.xlsx": WB[2],
        p + "未知字符集.xlsx": WB[6],
        p + "国标2231.xlsx": WB[3],
        p + "分段名称.xlsx": WB[4],
        p + "原始UTF8名.xlsx": WB[5],
        p + "同名.xlsx": WB[7],
        p + "同名 (2).xlsx": WB[8],
        p + "大写.XLSX": WB[9],
        p + "全Q编码.xlsx": WB[10],
    }
    assert [e["status"] for e in entries] == ["saved"] * 10


@pytest.mark.parametrize(
    "sender, folder",
    [
        (b'"../../../tmp/x"@evil.example.cn', "_发件人地址无效"),
        # a hostile address is never repaired into a plausible one: kept apart (issue 11)
        (b"<..\\..\\y@evil.example.cn>", "_发件人地址无效"),
        (b'"x:y*z"@evil.example.cn', "_发件人地址无效"),
        (b"Zhang <ZHANG@EDU.Example.CN>", ZHANG),
    ],
)
def test_sender_folder_is_one_safe_component(
    tmp_path: Path, sender: bytes, folder: str | None
) -> None:
    m = message(
        sender=sender, subject=b"s", message_id=b"<s@x>", parts=[xlsx_part(b'name="s.xlsx"', WB[5])]
    )
    files, _entries_ = _run_one(tmp_path, [m])
    (rel,) = files
    top, name = rel.split("/")
    assert name == "2024-03-15_s.xlsx"
    assert top not in ("", ".", "..") and not any(c in top for c in '<>:"/\\|?*')
    if folder:
        assert top == folder
    assert (tmp_path / "out" / top).resolve().parent == (tmp_path / "out").resolve()


def test_same_message_without_message_id_twice(tmp_path: Path) -> None:
    nomid = message(
        sender=b"n@x.example.cn",
        subject=b"nomid",
        message_id=None,
        parts=[xlsx_part(b'name="nomid.xlsx"', WB[11])],
    )
    files, entries = _run_one(
        tmp_path,
        [nomid, nomid, nomid],
        crlf=[False, False, True],
        from_lines=[b"From - Fri Mar 15 10:00:00 2024"] * 3,
    )
    assert files == {"n@x.example.cn/2024-03-15_nomid.xlsx": WB[11]}
    assert [e["status"] for e in entries] == ["saved", "duplicate", "duplicate"]


# ---------------------------------------------------------------------------
# behaviour these mailboxes once caught wrong (fixed; kept as regression tests)


def test_same_message_id_with_different_body_keeps_the_new_workbook(tmp_path: Path) -> None:
    a = message(
        sender=b"z@x.example.cn",
        subject=b"orig",
        message_id=b"<same@x.example.cn>",
        parts=[xlsx_part(b'name="a.xlsx"', WB[1])],
    )
    b = message(
        sender=b"z@x.example.cn",
        subject=b"corrected",
        message_id=b"<same@x.example.cn>",
        date=b"Sat, 16 Mar 2024 10:00:00 +0800",
        parts=[xlsx_part(b'name="a-fixed.xlsx"', WB[2])],
    )
    files, entries = _run_one(tmp_path, [a, b])
    assert files == {
        "z@x.example.cn/2024-03-15_a.xlsx": WB[1],
        "z@x.example.cn/2024-03-16_a-fixed.xlsx": WB[2],
    }
    assert [(e["status"], e["attachment"]) for e in entries] == [
        ("saved", "a.xlsx"),
        ("saved", "a-fixed.xlsx"),
    ]


def test_truncated_on_a_base64_line_boundary_is_unreadable(tmp_path: Path) -> None:
    t = message(
        sender=b"z@x.example.cn",
        subject=b"trunc",
        message_id=b"<t@x.example.cn>",
        parts=[xlsx_part(b'name="t.xlsx"', WB[3])],
    )
    start = t.index(b"\n\n", t.index(b"Content-Disposition: attachment")) + 2
    t = (
        t[:start] + b"\n".join(t[start:].split(b"\n")[:20]) + b"\n"
    )  # 20 full lines of 76 characters
    files, entries = _run_one(tmp_path, [t])
    assert [(e["status"], e["attachment"]) for e in entries] == [("unreadable", "t.xlsx")]
    assert files == {}


@pytest.mark.parametrize("date", [b"2024-03-23 10:00:00", b"2024/03/23 10:00:00 +0800"])
def test_numeric_date_header(tmp_path: Path, date: bytes) -> None:
    m = message(
        sender=b"q@x.example.cn",
        subject=b"d",
        message_id=b"<d@x.example.cn>",
        date=date,
        parts=[xlsx_part(b'name="d.xlsx"', WB[4])],
    )
    files, entries = _run_one(
        tmp_path, [m], from_lines=[b"From MAILER-DAEMON Mon Mar 25 02:30:00 2024"]
    )
    assert list(files) == ["q@x.example.cn/2024-03-23_d.xlsx"]
    assert entries[0]["date"].startswith("2024-03-23T10:00:00")


@pytest.mark.parametrize(
    "date", [b"Sat, 23 Mar 2024 10:00:00 GMT+08:00", b"Sat, 23 Mar 2024 10:00:00 GMT+0800"]
)
def test_gmt_plus_offset_date(tmp_path: Path, date: bytes) -> None:
    m = message(
        sender=b"q@x.example.cn",
        subject=b"d",
        message_id=b"<d@x.example.cn>",
        date=date,
        parts=[xlsx_part(b'name="d.xlsx"', WB[4])],
    )
    _files_, entries = _run_one(tmp_path, [m])
    assert entries[0]["date"] == "2024-03-23T10:00:00+08:00"


def test_encoded_display_name_cannot_change_the_sender(tmp_path: Path) -> None:
    m = message(
        sender=b"=?utf-8?B?"
        + base64.b64encode("李四 <li@fake.example.cn>".encode())
        + b"?= <real@x.example.cn>",
        subject=b"spoof",
        message_id=b"<s@x.example.cn>",
        parts=[xlsx_part(b'name="s.xlsx"', WB[5])],
    )
    files, entries = _run_one(tmp_path, [m])
    assert list(files) == ["real@x.example.cn/2024-03-15_s.xlsx"]
    assert entries[0]["sender"] == "real@x.example.cn"
