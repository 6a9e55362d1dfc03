"""Write a file so that readers see the old content or the new one, never half of it.

``atomic_write(path, writer)`` lets ``writer`` fill a temporary file in the target's
folder, flushes it to disk, then renames it over ``path`` (``os.replace``, atomic on
one file system). On any error the temporary file is removed and ``path`` is untouched.
Used by ``jixiao fill`` and ``jixiao merge``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | os.PathLike[str], writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp)`` to write a temporary file, then move it onto ``path``.

    ``writer`` receives the temporary file's path (an empty file that already exists)
    and may open it in any mode. The new file keeps the permission bits of the file it
    replaces, or gets the usual ``0o666 & ~umask`` when ``path`` is new.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=f"{target.suffix}.tmp", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        writer(tmp)
        _fsync_file(tmp)
        os.chmod(tmp, _mode_for(target))
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


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, make_parents: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    target = Path(path)
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(target, lambda tmp: tmp.write_bytes(data))
