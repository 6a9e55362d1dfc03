"""Step 1 of the merge: every file under the paths given, each with what it is.

:func:`discover` walks folders recursively (hidden files included, symbolic links to
folders not followed) and lists **every** file it meets, sorted by the name shown.
:func:`examine` then decides, from the name and the first bytes, whether a file is a
workbook to read. A file that is plainly no spreadsheet (a README, a script, a PDF, an
Excel lock file ``~$…``, our own collect register) is 已跳过 with the reason: listed in
文件清单, never counted as a problem. What looks meant as a form but cannot be read (a
zip to unpack, an .ods or .xlsb to save as .xlsx, an empty workbook) is 未汇总 with
the reason — every input is accounted for either way. A workbook gets its SHA-256, so byte-identical copies are read once
(:func:`jixiao.processor.merge.dedupe.identical_files`).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jixiao.processor.files.calamine_read import WORKBOOK_SUFFIXES
from jixiao.processor.files.fileio import os_reason, sha256_file

OTHER_SPREADSHEETS = (".xlsb", ".ods", ".et", ".ett", ".csv", ".xltx", ".xltm", ".xlt", ".numbers", ".wps")
ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz")
COLLECT_FILES = ("收件登记.json", "收件登记.csv")
STATUS_CN = {"merged": "已汇总", "failed": "未汇总", "duplicate": "重复", "skipped": "已跳过"}


@dataclass(slots=True)
class InputFile:
    """One file met by the merge: its row in 文件清单."""

    path: str  # as opened
    name: str  # as shown: relative to the folder given
    size: int = 0
    mtime: float = 0.0
    sha256: str | None = None
    status: str = "pending"  # merged | failed | duplicate | skipped once the merge is done
    reason: str = ""
    code: str | None = None  # catalogue code of a failure / duplicate
    params: dict[str, Any] = field(default_factory=dict)  # the values the reason was made from
    sheets: list[str] = field(default_factory=list)  # the 自评表 sheets read
    kept_sheets: list[str] = field(default_factory=list)  # those merged (not replaced by a newer version)
    sender: str = ""
    received: str = ""
    notes: list[str] = field(default_factory=list)
    forms: list[Any] = field(default_factory=list)  # SheetRow of every form read (projection.py)
    findings: list[Any] = field(default_factory=list)  # file-level FindingRow (R001, R011)
    spelled: str = ""  # how the name is written, when another name looks the same (:func:`tell_apart`)

    @property
    def shown(self) -> str:
        """The name for 文件清单 and messages: told apart from a look-alike."""
        return f"{self.name}（{self.spelled}）" if self.spelled else self.name

    @property
    def status_cn(self) -> str:
        return STATUS_CN[self.status]

    @property
    def mtime_text(self) -> str:
        return datetime.fromtimestamp(self.mtime).strftime("%Y-%m-%d %H:%M:%S") if self.mtime else ""

    def fail(self, code: str, reason: str, params: dict[str, Any] | None = None) -> None:
        # params is a dict, not keywords: a refusal's own values may be named "reason" or "code"
        self.status, self.code, self.reason, self.params = "failed", code, reason, dict(params or {})

    def skip(self, reason: str) -> None:
        """Not a spreadsheet: listed with the reason, not a problem of the batch."""
        self.status, self.code, self.reason = "skipped", "J505", reason

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.name, "status": self.status, "status_cn": self.status_cn, "reason": self.reason,
            "code": self.code, "size": self.size, "modified": self.mtime_text, "sha256": self.sha256,
            "sheets": self.sheets, "merged_sheets": self.kept_sheets, "sender": self.sender,
            "received": self.received,
        }


def missing(paths: Iterable[str | os.PathLike]) -> list[str]:
    """The paths given that do not exist (a typo must not produce an empty summary)."""
    return [os.fspath(p) for p in paths if not os.path.lexists(p)]


def _key(path: str | os.PathLike) -> str:
    return os.path.normcase(os.path.abspath(path))


def discover(paths: Iterable[str | os.PathLike], exclude: Iterable[str] = ()) -> list[InputFile]:
    """Every file under ``paths``, sorted by the name shown (relative to its folder,
    prefixed with the folder's name when several paths are given)."""
    roots = [Path(p) for p in paths]
    skip = {_key(e) for e in exclude}
    prefix = len(roots) > 1
    found: dict[str, InputFile] = {}
    for root in roots:
        if root.is_dir():
            label = root.resolve().name if prefix else ""
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames.sort()
                for fn in sorted(filenames):
                    full = os.path.join(dirpath, fn)
                    key = _key(full)
                    if key in skip or key in found:
                        continue
                    rel = Path(full).relative_to(root).as_posix()
                    found[key] = InputFile(full, f"{label}/{rel}" if label else rel)
        else:
            key = _key(root)
            if key not in skip:
                found.setdefault(key, InputFile(str(root), root.as_posix()))
    files = sorted(found.values(), key=lambda f: (f.name, f.path))
    tell_apart(files)
    return files


def tell_apart(files: list[InputFile]) -> None:
    """Names that differ only in how an accented letter is encoded look the same on screen.

    "é项目.xlsx" typed on Windows is one character é (U+00E9); the same name made on a Mac
    is e followed by the combining accent U+0301. Both files sit side by side, 文件清单
    would show two identical names and "与“é项目.xlsx”内容相同" would not say which one.
    Every name that is not in the composed form (NFC) while another name of the run
    composes to the same text is shown with its decomposed letters spelled out:
    "é项目.xlsx（分解形式：e\\u0301项目.xlsx）" — the row's size and time tell the files
    apart on disk."""
    groups: dict[str, set[str]] = {}
    for f in files:
        if not f.name.isascii():
            groups.setdefault(unicodedata.normalize("NFC", f.name), set()).add(f.name)
    for f in files:
        if f.name.isascii():
            continue
        composed = unicodedata.normalize("NFC", f.name)
        if f.name != composed and len(groups[composed]) > 1:
            f.spelled = "分解形式：" + "".join(f"\\u{ord(c):04x}" if unicodedata.combining(c) else c
                                            for c in f.name)


def examine(f: InputFile) -> None:
    """Size, time and content hash of a workbook; 已跳过 or 未汇总 with the reason for anything else."""
    try:
        st = os.stat(f.path)
    except OSError as exc:
        f.fail("J501", f"找不到文件或无法访问（{os_reason(exc)}）")
        return
    f.size, f.mtime = st.st_size, st.st_mtime
    if not os.path.isfile(f.path):
        f.fail("J505", "不是普通文件")
        return
    base = os.path.basename(f.path)
    suffix = os.path.splitext(base)[1].lower()
    if base.startswith("~$"):
        f.skip("Excel 临时锁定文件（“~$”开头），不是自评表")
        return
    if base in COLLECT_FILES:
        f.skip("收件登记文件（由 collect 生成），不是自评表")
        return
    if suffix not in WORKBOOK_SUFFIXES and not (suffix not in ARCHIVES and _has_workbook_signature(f.path)):
        if suffix in ARCHIVES:
            f.fail("J505", f"压缩包（{suffix}），请解压后把其中的自评表放入文件夹再汇总")
        elif suffix in OTHER_SPREADSHEETS:
            f.fail("J505", f"不支持的表格格式“{suffix}”，请另存为 .xlsx")
        else:
            f.skip(f"不是电子表格文件（{suffix or '无扩展名'}）")
        return
    if f.size == 0:
        f.fail("J505", "文件为空（0 字节）")
        return
    try:
        f.sha256 = sha256_file(f.path)
    except OSError as exc:
        f.fail("J501", f"无法读取（{os_reason(exc)}）")


def _has_workbook_signature(path: str) -> bool:
    """Content decides, not the name: a zip (OOXML) or compound file (.xls) renamed."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    return head.startswith(b"PK\x03\x04") or head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
