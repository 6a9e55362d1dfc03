"""Write a file so that readers see the old content or the new one, never half of it —
and only where the command was told to write.

``atomic_write(path, writer)`` lets ``writer`` fill a temporary file in the target's
folder (created exclusively: never through an existing name or link), flushes it to
disk, then renames it over ``path`` (``os.replace``, atomic on one file system). On any
error the temporary file is removed and ``path`` is untouched.

Outputs cannot be redirected: a symbolic link (or a Windows junction) where the output
file should be, or — with ``within=`` the command's output folder — anywhere between
that folder and the file, is refused with :class:`UnsafeOutput` (an ``OSError`` whose
``strerror`` is one Chinese line), as is a folder or a device where a file is expected.
:func:`ensure_folder` does the same for folders and reports an existing file where a
folder is expected. The output folder the user named may itself be a link: it is the
user's choice; what lies inside it is not trusted.

Used by ``jixiao fill``, ``merge``, ``collect`` and ``reply``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path


class UnsafeOutput(OSError):
    """An output that would be written through a link, over a folder or device, or outside
    the output folder; ``str(exc)`` and ``exc.strerror`` are one Chinese line."""

    def __init__(self, message: str, path: str | os.PathLike[str]):
        super().__init__(message)
        self.strerror = message
        self.filename = os.fspath(path)

    def __str__(self) -> str:
        return self.strerror


def _is_link(st: os.stat_result, path: Path) -> bool:
    if stat.S_ISLNK(st.st_mode):
        return True
    is_junction = getattr(os.path, "isjunction", None)  # Windows directory junctions (3.12+)
    return bool(is_junction and is_junction(path))


def _shown(path: Path) -> str:
    from jixiao.processor.core.visible import one_line

    return one_line(str(path), 200)


def _inside(path: Path, within: Path | None) -> list[Path]:
    """The components of ``path`` below ``within`` (each one a path), ``path`` last;
    refuses a path that leaves ``within`` (``..``, another drive, an absolute name)."""
    if within is None:
        return [path]
    root = Path(os.path.abspath(within))
    full = Path(os.path.abspath(path))
    try:
        rel = full.relative_to(root)
    except ValueError:
        raise UnsafeOutput(f"“{_shown(path)}”不在输出文件夹“{_shown(root)}”之内，不会写入", path) from None
    out, cur = [], root
    for part in rel.parts:
        cur = cur / part
        out.append(cur)
    return out


def _folders_on_the_way(components: list[Path]) -> None:
    """Each existing component must be a real folder (not a link, not a file)."""
    for comp in components:
        try:
            st = os.lstat(comp)
        except FileNotFoundError:
            return
        if _is_link(st, comp):
            raise UnsafeOutput(f"输出位置中的“{_shown(comp)}”是符号链接，为安全起见不会经由它写入", comp)
        if not stat.S_ISDIR(st.st_mode):
            raise UnsafeOutput(f"“{_shown(comp)}”已存在，是一个文件而不是文件夹，无法在其中写入", comp)


def check_output_file(path: str | os.PathLike[str], *, within: str | os.PathLike[str] | None = None) -> Path:
    """Refuse to write ``path`` unless it is a regular file or absent, with no link on the way."""
    target = Path(path)
    _folders_on_the_way(_inside(target, Path(within) if within is not None else None)[:-1])
    parent = target.parent if str(target.parent) else Path(".")
    try:
        if not stat.S_ISDIR(os.stat(parent).st_mode):
            raise UnsafeOutput(f"“{_shown(parent)}”是一个文件，不是文件夹，无法在其中写入", parent)
    except FileNotFoundError:
        raise UnsafeOutput(f"输出文件夹“{_shown(parent)}”不存在", parent) from None
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return target
    if _is_link(st, target):
        raise UnsafeOutput(f"“{_shown(target)}”是一个符号链接，为安全起见不会写入或覆盖它"
                           "（请删除该链接或换一个输出位置）", target)
    if stat.S_ISDIR(st.st_mode):
        raise UnsafeOutput(f"“{_shown(target)}”是一个文件夹，无法写成文件", target)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeOutput(f"“{_shown(target)}”不是普通文件（设备、管道或套接字），不会写入", target)
    return target


def ensure_folder(path: str | os.PathLike[str], *, within: str | os.PathLike[str] | None = None) -> Path:
    """Create the folder ``path`` (and its parents); refuse a file, or a link below
    ``within``, where a folder is expected."""
    folder = Path(path)
    if within is not None:
        _folders_on_the_way(_inside(folder, Path(within)))
    if folder.exists() and not folder.is_dir():
        raise UnsafeOutput(f"“{_shown(folder)}”已存在，是一个文件而不是文件夹", folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UnsafeOutput(f"“{_shown(folder)}”已存在，是一个文件而不是文件夹", folder) from None
    return folder


def atomic_write(path: str | os.PathLike[str], writer: Callable[[Path], object], *,
                 within: str | os.PathLike[str] | None = None) -> Path:
    """Call ``writer(tmp)`` to write a temporary file, then move it onto ``path``.

    ``writer`` receives the temporary file's path (an empty file that already exists)
    and may open it in any mode. The new file keeps the permission bits of the file it
    replaces, or gets the usual ``0o666 & ~umask`` when ``path`` is new. ``within``: the
    command's output folder; nothing below it may be a link.
    """
    target = check_output_file(path, within=within)
    folder = target.parent if str(target.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=f"{target.suffix[:16]}.tmp", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        writer(tmp)
        _fsync_file(tmp)
        os.chmod(tmp, _mode_for(target))
        check_output_file(target, within=within)  # again, just before the rename
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)
    return target


def atomic_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> Path:
    """Copy ``src`` to ``dst`` atomically (a backup that is never half written)."""
    return atomic_write(dst, lambda tmp: shutil.copyfile(src, tmp))


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) on Windows."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, make_parents: bool = False,
                       within: str | os.PathLike[str] | None = None) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    target = Path(path)
    if make_parents:
        ensure_folder(target.parent, within=within)
    return atomic_write(target, lambda tmp: tmp.write_bytes(data), within=within)
