"""Steps 2 and 4 of the merge: the same file sent twice, and versions of the same project.

- :func:`identical_files`: byte-identical files (same SHA-256) are read once; the first
  in name order is kept, the others are 重复 (J506) — decided before any reading.
- :func:`newest_versions`: after reading, forms of the same project (the one identity
  rule, :func:`jixiao.processor.core.identity.project_identity`: 项目名称, 实施单位, 年度)
  are versions of each other and only the newest is merged. Newest by the received time
  of the collect register when every version has one, else by modification time; ties
  go to the later name. Inside one file, the first sheet wins. A file whose every form
  was replaced is 重复 (J507); one that lost only some says which in its reason.

Both are linear in the number of files and forms (one dictionary pass each).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from jixiao.processor.merge.discover import InputFile
from jixiao.processor.merge.projection import SheetRow


def identical_files(files: Iterable[InputFile]) -> Iterator[InputFile]:
    """Mark byte-identical copies as 重复; yield the files still to be read, in order."""
    first: dict[str, InputFile] = {}
    for f in files:
        if f.sha256 is None or f.status != "pending":
            continue
        kept = first.setdefault(f.sha256, f)
        if kept is not f:
            f.status, f.code, f.reason = "duplicate", "J506", f"与“{kept.shown}”内容相同"
            f.params = {"other": kept.shown}
            continue
        yield f


def _newness(f: InputFile, use_received: bool) -> tuple:
    return (f.received if use_received else "", f.mtime, f.name)


def newest_versions(read: list[tuple[InputFile, list[SheetRow]]]) -> list[tuple[InputFile, SheetRow]]:
    """The (file, sheet) pairs to merge, in file order; the files' statuses updated."""
    groups: dict[Any, list[tuple[InputFile, int, SheetRow]]] = {}
    for f, rows in read:
        for i, row in enumerate(rows):
            key = row.identity or ("#", id(row))  # a form without a name is its own project
            groups.setdefault(key, []).append((f, i, row))
    winner_of: dict[int, tuple[InputFile, SheetRow]] = {}  # id(row) → the version that replaced it
    for members in groups.values():
        if len(members) == 1:
            continue
        use_received = all(m[0].received for m in members)
        best = max(members, key=lambda m: (_newness(m[0], use_received), -m[1]))
        for m in members:
            if m is not best:
                winner_of[id(m[2])] = (best[0], best[2])
    out: list[tuple[InputFile, SheetRow]] = []
    for f, rows in read:
        lost = []
        for row in rows:
            replaced = winner_of.get(id(row))
            if replaced is None:
                f.kept_sheets.append(row.sheet)
                out.append((f, row))
            else:
                lost.append((row, *replaced))
        if not lost:
            continue
        if not f.kept_sheets:
            wf = lost[0][1]
            f.status, f.code = "duplicate", "J507"
            f.reason = f"被“{wf.shown}”的新版本替代" if wf is not f else "文件内各表为同一项目"
            f.params = {"other": wf.shown}
        for row, wf, wrow in lost:
            if wf is f:
                f.notes.append(f"工作表“{row.sheet}”与工作表“{wrow.sheet}”为同一项目，只计入一次")
            else:
                f.notes.append(f"工作表“{row.sheet}”（{row.project}）被“{wf.shown}”的新版本替代")
        if f.status == "merged":
            f.reason = "；".join(f.notes)
    return out
