"""Small file helpers shared by the commands: content hashes and text files from Excel/WPS.

CSV and text files that users save on Chinese Windows arrive as UTF-8 (often with a
BOM) or as GBK/GB18030; :func:`decode_text` tries both, in that order.
"""

from __future__ import annotations

import hashlib
import os

TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_text(raw: bytes) -> str | None:
    """Decode a user's text file; None when it is neither UTF-8 nor GB18030."""
    for enc in TEXT_ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's content, read in 1 MiB chunks (OSError propagates)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: what an operating-system error means to a user, by errno (strerror is English)
_OS_REASONS = {
    "ENAMETOOLONG": "文件名过长（系统允许最多 255 字节，约 80 个汉字），请缩短文件名或文件夹名",
    "EACCES": "没有权限，或该文件正在 Excel/WPS 中打开",
    "EPERM": "没有权限，或该文件正在 Excel/WPS 中打开",
    "ENOSPC": "磁盘空间不足",
    "EDQUOT": "超出磁盘配额",
    "EROFS": "磁盘或文件夹只读",
    "ENOENT": "找不到该文件或文件夹",
    "ENOTDIR": "路径中有一段不是文件夹",
    "EISDIR": "这是一个文件夹，不是文件",
    "EEXIST": "同名文件已存在",
    "ELOOP": "符号链接层数过多或循环",
    "EINVAL": "文件名含有系统不允许的字符",
    "EIO": "读写出错（磁盘或网络故障）",
    "EBUSY": "文件正被其他程序使用",
    "ETXTBSY": "文件正被其他程序使用",
    "EMFILE": "同时打开的文件过多",
    "ECONNREFUSED": "连接被拒绝（服务器未开启或端口不对）",
    "ETIMEDOUT": "连接超时",
    "ECONNRESET": "连接被对方断开",
    "ENETUNREACH": "网络不可达",
    "EHOSTUNREACH": "网络不可达",
}


def os_reason(exc: OSError) -> str:
    """One Chinese phrase for an OSError: its own text when already Chinese (our own
    refusals such as ``UnsafeOutput``), else the meaning of its errno — never the
    English ``strerror``."""
    import errno

    own = exc.strerror or (str(exc) if not exc.errno else "")
    if own and not own.isascii():
        return own
    if type(exc).__name__ == "gaierror":
        return "找不到该服务器（地址无法解析）"
    if isinstance(exc, TimeoutError) and not exc.errno:
        return "连接超时"
    name = errno.errorcode.get(exc.errno or -1, "")
    return _OS_REASONS.get(name) or (f"系统错误 {name}" if name else "系统错误")
