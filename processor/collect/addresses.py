"""Sender addresses: validated and normalised once, so a look-alike is never the real sender.

Everything downstream — the sender's folder, the register, the roster match, the reply
draft and its file name — uses the one string :func:`normalize_address` returns. It
accepts the usual form only (RFC 5322 dot-atom): an ASCII local part of letters, digits
and ``!#$%&'*+/=?^_`{|}~.-`` that neither starts nor ends with a dot and has no two dots
in a row, ``@``, and a domain of at least two labels of letters, digits and hyphens.

Anything else is refused with the reason, never repaired: ``li@x.gov.cn.`` (a trailing
dot), ``.li@x.gov.cn`` or ``li.@x.gov.cn`` look like ``li@x.gov.cn`` once a file system or
a mail client trims the dots, and an encoded address may hide a line break that would
add a ``Bcc:`` to the reply. Refused senders are kept apart (:data:`INVALID_FOLDER`) and
get no draft. Letter case is folded (``Li@X.gov.cn`` is ``li@x.gov.cn``), as every mail
system in use does.

:func:`sender_folder` maps a valid address to a folder name one-to-one (no two addresses
share a folder, whatever their length).
"""

from __future__ import annotations

import hashlib

from jixiao.processor.core.visible import one_line

#: where attachments from senders with an invalid address are saved
INVALID_FOLDER = "_发件人地址无效"
MAX_ADDRESS = 254
MAX_LOCAL = 64
MAX_LABEL = 63
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~.-")
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
#: folder names longer than this (UTF-8 bytes) end in a hash of the whole address
_FOLDER_BYTES = 100


def address_problem(address: str) -> str:
    """Why ``address`` (already lower case) is not a usable sender address; "" when it is."""
    if not address:
        return "地址为空"
    if len(address) > MAX_ADDRESS:
        return f"超过 {MAX_ADDRESS} 个字符"
    if not address.isascii() or not address.isprintable() or " " in address:
        return "含空白、控制字符或非 ASCII 字符"
    if address.count("@") != 1:
        return "应有且只有一个 @"
    local, domain = address.split("@")
    if not local or len(local) > MAX_LOCAL:
        return "@ 前的部分为空或过长"
    if not set(local) <= _LOCAL_CHARS:
        return "@ 前的部分含不允许的字符"
    if local[0] == "." or local[-1] == "." or ".." in local:
        return "@ 前的部分以点开头或结尾，或有连续的点"
    labels = domain.split(".")
    if len(labels) < 2:
        return "域名不完整"
    for label in labels:
        if not label:
            return "域名以点开头或结尾，或有连续的点"
        if len(label) > MAX_LABEL or not set(label) <= _LABEL_CHARS or label[0] == "-" or label[-1] == "-":
            return "域名含不允许的字符"
    return ""


def normalize_address(raw: str | None) -> tuple[str, str]:
    """``(address, "")`` for a valid address (lower case), ``("", reason)`` otherwise."""
    text = (raw or "").strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    address = text.lower()
    problem = address_problem(address)
    return ("", problem) if problem else (address, "")


def shown_address(raw: str | None) -> str:
    """A refused address as it may appear in the register and on screen (escaped, short)."""
    return one_line(raw or "", 120)


def sender_folder(address: str) -> str:
    """The folder of a valid address: the address itself when short, else its start and a hash.

    A valid address holds no character a file system forbids except ``/``, ``|``, ``*``,
    ``?``; those are written as their full-width forms, which a valid address cannot
    contain, so the mapping stays one-to-one.
    """
    if not address:
        return INVALID_FOLDER
    name = address.translate(_FULLWIDTH)
    if len(name.encode("utf-8")) <= _FOLDER_BYTES:
        return name
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:16]
    return f"{name[:60]}~{digest}"


_FULLWIDTH = str.maketrans({"/": "／", "|": "｜", "*": "＊", "?": "？"})
