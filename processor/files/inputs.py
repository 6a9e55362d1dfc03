"""The workbooks a command is given: files as named, folders walked in a stable order."""

from __future__ import annotations

import os

from jixiao.processor.files.calamine_read import WORKBOOK_SUFFIXES


def workbook_inputs(paths: list[str], skip=lambda path: False) -> list[tuple[str, str]]:
    """(path, name) of every input: files as given (name: the file's name); a folder becomes
    the workbooks in it, walked in sorted order, Excel lock files (``~$``) and paths ``skip``
    refuses left out, each named by its path relative to the folder (so copies can mirror
    the tree)."""
    out: list[tuple[str, str]] = []
    for path in paths:
        if not os.path.isdir(path):
            out.append((path, os.path.basename(path) or path))
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for f in sorted(files):
                full = os.path.join(root, f)
                if f.lower().endswith(WORKBOOK_SUFFIXES) and not f.startswith("~$") and not skip(full):
                    out.append((full, os.path.relpath(full, path).replace(os.sep, "/")))
    return out
