"""XML prologs: find the root element of a part and refuse any DTD before it (J536).

Excel and WPS never write a document type declaration. One before the root element
means an entity bomb ("billion laughs"), an external entity (XXE) or an attempt to hide
one (an unusual encoding, a prolog padded with a long comment).
"""

from __future__ import annotations

import re

from jixiao.processor.files.guard.limits import Refusal, human_size, part_name

#: A DOCTYPE can only appear before the root element; the prolog (XML declaration,
#: comments, processing instructions) must end within this many bytes.
PROLOG_CAP = 64 * 1024

XML_ENCODINGS = frozenset(
    {
        "utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "us-ascii", "ascii",
        "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "gbk", "gb2312", "gb18030",
    }
)  # fmt: skip
#: An XML declaration (UTF-8 or none) followed directly by the root element: no DTD possible.
#: Anchored (``match``) and without nested repetition of overlapping classes: linear.
PLAIN_PROLOG = re.compile(
    rb"""(?:\xef\xbb\xbf)?(?:<\?xml(?:\s+(?:version|standalone)\s*=\s*["'][^"'<>]*["']"""
    rb"""|\s+encoding\s*=\s*["'](?i:utf-?8)["'])*\s*\?>)?\s*<[A-Za-z_]"""
)
_ENCODING_RE = re.compile(r"""encoding\s*=\s*["']([^"']*)["']""")
_DTD_RE = re.compile(r"<!(doctype|entity)", re.IGNORECASE)


def attack(part: str, kind: str) -> Refusal:
    return Refusal("J536", part=part_name(part), kind=kind)


class Prolog:
    """Fed the first bytes of a part; refuses a DTD (or a way of hiding one) before the root."""

    def __init__(self, name: str):
        self.name = name
        self.head = b""
        self.done = False

    def feed(self, out: bytes) -> None:
        if self.done:
            return
        self.head += out[: PROLOG_CAP - len(self.head)]
        for window in (1024, PROLOG_CAP):
            if self._verdict(self.head[:window], complete=False):
                self.done = True
                return
            if len(self.head) <= window:
                break
        if len(self.head) >= PROLOG_CAP:
            raise attack(self.name, f"正文之前超过 {human_size(PROLOG_CAP)} 的声明或注释")

    def finish(self) -> None:
        if not self.done:
            self._verdict(self.head, complete=True)
            self.done = True

    def _verdict(self, head: bytes, complete: bool) -> bool:
        """True when decided safe, False when more bytes are needed; raises when refused."""
        text = self._decode(head)
        i, n = 0, len(text)
        while True:
            while i < n and text[i] in " \t\r\n\ufeff":
                i += 1
            if i >= n:
                return complete
            if not complete and n - i < 9:
                return False
            if text.startswith("<?", i):
                j = text.find("?>", i + 2)
                if j < 0:
                    return complete
                decl = text[i : j + 2]
                if decl.startswith("<?xml"):
                    m = _ENCODING_RE.search(decl)
                    if m and m.group(1).strip().lower() not in XML_ENCODINGS:
                        raise attack(self.name, f"不支持的编码“{part_name(m.group(1))}”")
                i = j + 2
                continue
            if text.startswith("<!--", i):
                j = text.find("-->", i + 4)
                if j < 0:
                    return complete
                i = j + 3
                continue
            if text.startswith("<!", i):
                self._refuse_dtd(text[i:])
            if text[i] != "<" and _DTD_RE.search(text):
                # not XML at all; parsers stop here, but refuse a DTD hidden further on
                self._refuse_dtd(text[i:])
            return True

    def _decode(self, head: bytes) -> str:
        first = head[:4]
        if first.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")) or first in (
            b"\x00\x00\x00<",
            b"<\x00\x00\x00",
        ):
            raise attack(self.name, "不支持的 UTF-32 编码")
        if first == b"\x4c\x6f\xa7\x94":
            raise attack(self.name, "不支持的 EBCDIC 编码")
        if first.startswith(b"\xff\xfe") or (len(first) > 1 and first[1] == 0 and first[0] != 0):
            body = head[2:] if first.startswith(b"\xff\xfe") else head
            return body[: len(body) // 2 * 2].decode("utf-16-le", "replace")
        if first.startswith(b"\xfe\xff") or (len(first) > 1 and first[0] == 0 and first[1] != 0):
            body = head[2:] if first.startswith(b"\xfe\xff") else head
            return body[: len(body) // 2 * 2].decode("utf-16-be", "replace")
        return head.decode("latin-1")

    def _refuse_dtd(self, text: str) -> None:
        upper = text[:PROLOG_CAP].upper()
        if "SYSTEM" in upper or "PUBLIC" in upper:
            kind = "外部实体引用（XXE，可读取服务器上的文件）"
        elif "<!ENTITY" in upper:
            kind = "实体定义（可层层膨胀耗尽内存，即“billion laughs”攻击）"
        else:
            kind = "文档类型声明（DOCTYPE）"
        raise attack(self.name, kind)


def check_prolog(name: str, data: bytes) -> None:
    """The whole check on a part held in memory (the usual, small case)."""
    if PLAIN_PROLOG.match(data):
        return
    prolog = Prolog(name)
    prolog.feed(data)
    prolog.finish()
