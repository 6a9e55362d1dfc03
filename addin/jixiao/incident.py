"""An unexpected error in the 校验/计算 button: a Chinese alert, the technical detail in a log file.

The alert says what happened and what to do, in the user's language, and names the log
file; the exception's own text (English, and possibly a cell's content) never reaches it.
The log lives in the user's own profile — ``%LOCALAPPDATA%\\jixiao`` on Windows,
``~/.jixiao`` elsewhere — not beside the workbook, which may sit on a shared drive, in a
mail client's attachment folder or in a read-only place. It is rewritten atomically
(the newest entries last, older ones trimmed), never through a symbolic link.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from pathlib import Path

from jixiao import LOG_NAME

KEEP_BYTES = 256 * 1024  # the log keeps the newest entries up to about this size
SUPPORT = "技术支持"


def log_folders() -> tuple[Path, Path]:
    """(the log folder, the folder it lies in — trusted as the user's own).

    ``JIXIAO_LOG_DIR`` names the log folder itself (the tests, or an administrator's choice).
    """
    chosen = os.environ.get("JIXIAO_LOG_DIR")
    if chosen:
        return Path(chosen), Path(chosen)
    if sys.platform.startswith("win") and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
        return base / "jixiao", base
    home = Path.home()
    return home / ".jixiao", home


def log_path() -> Path:
    return log_folders()[0] / LOG_NAME


def alert_text(exc: BaseException, *, writing: bool, book_name: str | None = None) -> str:
    """The one-line alert for ``exc``; its traceback is appended to the log first."""
    try:
        path = write_entry(exc, writing=writing, book_name=book_name)
        where = f"请把日志文件 {path} 发给{SUPPORT}"
    except Exception:  # noqa: BLE001 - no log: the alert still tells the user what to do
        where = f"错误详情也未能写入日志文件，请记下出错前的操作步骤，联系{SUPPORT}"
    if writing:
        return ("写入校验结果时发生意外错误，工作表可能只改了一部分。请关闭工作簿且不保存，重新打开后再点"
                f"“校验/计算”（有未保存的修改请先另存一份）；如仍出错，{where}。")
    return f"校验时发生意外错误，工作簿未被修改。请保存工作簿后重试；如仍出错，{where}。"


def write_entry(exc: BaseException, *, writing: bool, book_name: str | None = None) -> Path:
    """Append one entry (time, versions, workbook, stage, traceback) to the log; return its path.

    The file is rewritten whole through a temporary file (``atomic_write_bytes``): a link or
    a folder where the log or its folder should be is refused, never followed.
    """
    from jixiao.processor.files.atomic import atomic_write_bytes

    folder, trusted = log_folders()
    path = folder / LOG_NAME
    stage = "写入工作簿时" if writing else "校验时（尚未写入）"
    head = (f"\n=== {dt.datetime.now().isoformat(timespec='seconds')} Python {sys.version.split()[0]} "
            f"jixiao {_version()} {sys.platform} ===\n工作簿：{book_name or '（未知）'}\n阶段：{stage}\n")
    entry = head + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    data = _previous(path) + entry.encode("utf-8", "replace")
    if len(data) > KEEP_BYTES:  # the oldest entries go, cut at a line's end
        data = data[-KEEP_BYTES:]
        data = data[data.find(b"\n") + 1:]
    return atomic_write_bytes(path, data, make_parents=True, within=trusted)


def _previous(path: Path) -> bytes:
    """The log's current content when it is a regular file (a link or device is not read)."""
    import stat

    try:
        st = os.lstat(path)
    except OSError:
        return b""
    if not stat.S_ISREG(st.st_mode):
        return b""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, st.st_size - KEEP_BYTES))
            return fh.read(KEEP_BYTES)
    except OSError:
        return b""


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("jixiao")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "?"
