"""What the sub-commands share: the rule profile named by ``--rules``, the inputs they walk."""

from __future__ import annotations

import argparse
import os
import sys


def profile_from_args(args: argparse.Namespace):
    """The profile named by ``--rules`` (default: default); None after printing why not."""
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.rules import load_profile

    try:
        return load_profile(getattr(args, "rules", None))
    except InputError as exc:
        print(f"jixiao：{exc}", file=sys.stderr)
        return None


def workbook_inputs(paths: list[str], skip=lambda path: False) -> list[tuple[str, str]]:
    """(path, name) of every input: files as given (name: the file's name); a folder becomes
    the workbooks in it, walked in sorted order, Excel lock files (``~$``) and paths ``skip``
    refuses left out, each named by its path relative to the folder (so copies can mirror
    the tree)."""
    from jixiao.processor.files.calamine_read import WORKBOOK_SUFFIXES

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
