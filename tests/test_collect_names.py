"""File names as mail clients really encode them, and making them safe."""

from __future__ import annotations

import base64
import email
import io
import zipfile
from email.policy import compat32
from urllib.parse import quote

import pytest
from imap_server import gbk_zip
from jixiao.processor.collect.attachments import attachment_name, extract, zip_member_name
from jixiao.processor.collect.safenames import safe_filename, unique_name
from jixiao.processor.collect.textdecode import decode_words, header_text

NAME = "2024年度项目支出绩效自评表（教育局）.xlsx"
UTF8 = NAME.encode("utf-8")
GBK = NAME.encode("gbk")


def _disposition(value: bytes) -> email.message.Message:
    raw = (b"Content-Type: application/octet-stream\r\nContent-Disposition: " + value
           + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBAo=\r\n")
    return email.message_from_bytes(raw, policy=compat32)


CASES = {
    "rfc2231_utf8": b"attachment; filename*=UTF-8''" + quote(NAME).encode(),
    "rfc2231_gb2312_lang": b"attachment; filename*=gb2312'zh-cn'" + quote(GBK).encode(),
    "rfc2231_continuations": (b"attachment;\r\n filename*0*=UTF-8''" + quote(NAME[:5]).encode()
                              + b";\r\n filename*1*=" + quote(NAME[5:]).encode()),
    "rfc2231_plain_continuations": b'attachment; filename*0="2024"; filename*1=".xlsx"',
    "ew_in_quotes_utf8": b'attachment; filename="=?UTF-8?B?' + base64.b64encode(UTF8) + b'?="',
    "ew_in_quotes_gb2312": b'attachment; filename="=?gb2312?B?' + base64.b64encode(GBK) + b'?="',
    "ew_split_mid_character": (b'attachment; filename="=?UTF-8?B?' + base64.b64encode(UTF8[:7])
                               + b"?=\r\n =?UTF-8?B?" + base64.b64encode(UTF8[7:]) + b'?="'),
    "ew_q": b'attachment; filename="=?utf-8?Q?' + b"".join(b"=%02X" % c for c in UTF8) + b'?="',
    "raw_gbk": b'attachment; filename="' + GBK + b'"',
    "raw_gbk_unquoted": b"attachment; filename=" + GBK,
    "raw_utf8": b'attachment; filename="' + UTF8 + b'"',
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_filename_decoding(case: str) -> None:
    got = attachment_name(_disposition(CASES[case]))
    expected = "2024.xlsx" if case == "rfc2231_plain_continuations" else NAME
    assert got == expected


def test_name_from_content_type_when_no_disposition() -> None:
    raw = (b'Content-Type: application/vnd.ms-excel; name="=?GBK?B?' + base64.b64encode("表.xls".encode("gbk"))
           + b'?="\r\nContent-Transfer-Encoding: base64\r\n\r\n0M8R4A==\r\n')
    assert attachment_name(email.message_from_bytes(raw, policy=compat32)) == "表.xls"


def test_gbk_trail_byte_backslash_is_not_an_escape() -> None:
    name = "乗项目.xlsx"  # 乗 is 0x81 0x5C in GBK
    assert name.encode("gbk")[1] == 0x5C
    assert attachment_name(_disposition(b'attachment; filename="' + name.encode("gbk") + b'"')) == name


def test_header_text_mixed() -> None:
    assert decode_words("=?gb2312?B?" + base64.b64encode("绩效".encode("gbk")).decode() + "?= 自评") == "绩效 自评"
    assert header_text("=?utf-8?B?5rWL?= =?utf-8?B?6K+V?=") == "测试"
    assert header_text("Re: 测试".encode("gbk").decode("ascii", "surrogateescape")) == "Re: 测试"
    assert header_text(None) == ""


def test_zip_member_names() -> None:
    data = gbk_zip({"材料/卫生局项目二.xlsx": b"x"})
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert zip_member_name(info) == "材料/卫生局项目二.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("统计/表.xlsx", b"y")  # Python sets the UTF-8 flag
    info = zipfile.ZipFile(io.BytesIO(buf.getvalue())).infolist()[0]
    assert zip_member_name(info) == "统计/表.xlsx"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../../etc/passwd.xlsx", "passwd.xlsx"),
        ("..\\..\\Windows\\evil.xlsx", "evil.xlsx"),
        ("/etc/shadow.xlsx", "shadow.xlsx"),
        ("C:\\Users\\x\\表.xlsx", "表.xlsx"),
        ("a:b?c*<d>|e\".xlsx", "a：b？c＊＜d＞｜e＂.xlsx"),
        ("CON.xlsx", "_CON.xlsx"),
        ("nul", "_nul"),
        ("com1.tar.xlsx", "_com1.tar.xlsx"),
        ("报表. . .", "报表"),
        ("...", "附件"),
        ("", "附件"),
        (".hidden.xlsx", "hidden.xlsx"),
        ("tab\tand\nnewline.xlsx", "tab and newline.xlsx"),
        ("rtl\u202exslx.exe", "rtlxslx.exe"),
        (".xlsx", "附件.xlsx"),  # only an extension: kept, so Windows opens it on a double click
        ("   .xlsx", "附件.xlsx"),
        ("..XLS. ", "附件.XLS"),
        (".报表", "报表"),
    ],
)
def test_safe_filename(raw: str, expected: str) -> None:
    assert safe_filename(raw) == expected


def test_safe_filename_bounded_in_bytes_keeps_extension() -> None:
    name = safe_filename("长" * 300 + ".xlsx", max_bytes=100)
    assert name.endswith(".xlsx")
    assert len(name.encode("utf-8")) <= 100
    assert name.startswith("长长长")


def test_sender_folders_and_unique_names() -> None:
    from jixiao.processor.collect.addresses import INVALID_FOLDER, normalize_address, sender_folder

    assert normalize_address("Zhang@Edu.CN") == ("zhang@edu.cn", "")
    assert sender_folder("zhang@edu.cn") == "zhang@edu.cn"
    for hostile in ("../../x@y.cn", "x@y.cn.", ".x@y.cn", "x.@y.cn", "x..y@z.cn", "x@y", "x@-y.cn",
                    "x@y.cn\r\nBcc: z@w.cn", "张三@例子.cn", '"a b"@c.cn', "a@b@c.cn", ""):
        address, problem = normalize_address(hostile)
        assert address == "" and problem, hostile
    assert sender_folder("") == INVALID_FOLDER
    assert sender_folder("a/b|c*d?e@x.cn") == "a／b｜c＊d？e@x.cn"  # one-to-one: valid addresses have no full-width forms
    long_a, long_b = "a" * 64 + "@" + "b" * 60 + ".cn", "a" * 64 + "@" + "b" * 59 + "c.cn"
    assert sender_folder(long_a) != sender_folder(long_b) and len(sender_folder(long_a).encode()) <= 100
    assert unique_name("a.xlsx", {"a.xlsx", "A (2).xlsx"}) == "a (3).xlsx"


def test_extract_zip_limits() -> None:
    from jixiao.processor.collect.attachments import Limits

    big = io.BytesIO()
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.xlsx", b"\0" * (5 * 1024 * 1024))
    msg = email.message.EmailMessage()
    msg["From"] = "a@b.cn"
    msg.set_content("x")
    msg.add_attachment(big.getvalue(), maintype="application", subtype="zip", filename="x.zip")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=compat32)
    found = extract(parsed, Limits(max_attachment_bytes=1024 * 1024))
    assert [(f.name, f.status) for f in found] == [("bomb.xlsx", "rejected")]
    found = extract(parsed, Limits(max_zip_ratio=10))
    assert found[0].status == "rejected" and "压缩" in found[0].note
