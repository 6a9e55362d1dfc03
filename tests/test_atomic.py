"""jixiao.processor.files.atomic: all or nothing, in the target's folder, one backup copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jixiao.processor.files.atomic import atomic_copy, atomic_write


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_writes_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    seen: list[Path] = []

    def writer(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_bytes(b"new")

    assert atomic_write(target, writer) == target
    assert target.read_bytes() == b"new"
    assert seen[0].parent == tmp_path  # same folder, so os.replace is a rename
    assert seen[0] != target
    assert _leftovers(tmp_path, {"out.xlsx"}) == []


def test_replaces_existing_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "表.xlsx"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    atomic_write(target, lambda tmp: tmp.write_bytes(b"new"))
    assert target.read_bytes() == b"new"
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o640


def test_failure_leaves_target_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "表.xlsx"
    target.write_bytes(b"old")

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path, {"表.xlsx"}) == []


def test_writer_may_replace_the_temp_file(tmp_path: Path) -> None:
    """Libraries that write by name (openpyxl's save) recreate the file: still fine."""
    target = tmp_path / "a.bin"

    def writer(tmp: Path) -> None:
        tmp.unlink()
        with open(tmp, "wb") as fh:
            fh.write(b"x" * 10)

    atomic_write(target, writer)
    assert target.read_bytes() == b"x" * 10


def test_atomic_copy(tmp_path: Path) -> None:
    src = tmp_path / "src.xlsx"
    src.write_bytes(b"content")
    dst = tmp_path / "src.bak.xlsx"
    dst.write_bytes(b"older backup")
    atomic_copy(src, dst)
    assert dst.read_bytes() == b"content"
    assert src.read_bytes() == b"content"
