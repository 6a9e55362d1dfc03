"""评价方式 of each merged project: 部门评价 or 单位自评, and where that was decided.

The form's own statement wins (“部门评价”, “财政评价”, “第三方评价” → 部门评价;
“单位自评” → 单位自评); else a project named in the 部门评价 list (``--dept-eval``,
``--dept-eval-list`` or the department file) by its 项目名称 or file name is 部门评价;
else 单位自评. A listed project whose form says otherwise keeps the form's word and
gets D409; a listed name that matches no project gets D407.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from jixiao.processor.core.findings import Finding, make
from jixiao.processor.core.values import norm
from jixiao.processor.files.fileio import decode_text
from jixiao.processor.merge.report_text import DEPT_EVAL, UNIT_EVAL

STATED, LISTED, DEFAULT = "表内填写", "名单", "默认"


def names_of(project: str, file_name: str) -> set[str]:
    """The names a list may use for a project: its 项目名称, the file name with and without suffix."""
    base = file_name.rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0]
    return {n for n in (norm(project), norm(base), norm(stem), norm(file_name)) if n}


def method_of(stated_text: str, names: set[str], listed: set[str]) -> tuple[str, str]:
    """(评价方式, 来源) of one project."""
    stated = norm(stated_text)
    if stated:
        if "部门" in stated or "财政" in stated or "第三方" in stated:
            return DEPT_EVAL, STATED
        if "单位" in stated or "自评" in stated:
            return UNIT_EVAL, STATED
    if listed and names & listed:
        return DEPT_EVAL, LISTED
    return UNIT_EVAL, DEFAULT


class Methods:
    """Decides the 评价方式 of each project against one list, and reports on the list."""

    def __init__(self, listed_names: Iterable[str]):
        self.names = [n for n in listed_names if norm(n)]
        self.listed = {norm(n) for n in self.names}
        self.matched: set[str] = set()
        self.conflicts: list[Finding] = []

    def decide(self, *, project: str, file_name: str, sheet: str, stated: str,
               stated_cell: str | None) -> tuple[str, str]:
        names = names_of(project, file_name)
        method, source = method_of(stated, names, self.listed)
        hits = names & self.listed
        if hits:
            self.matched |= hits
            if source != LISTED and method != DEPT_EVAL:  # the form says otherwise: it wins, but say so
                self.conflicts.append(make("D409", file=file_name, sheet=sheet, cell=stated_cell,
                                           name=project, stated=stated, method=method))
        return method, source

    def unmatched(self) -> list[str]:
        """Listed names that no merged project answers to (in the order given)."""
        return [n for n in self.names if norm(n) not in self.matched]


def read_name_list(path: str | os.PathLike) -> list[str]:
    """A text file naming the 部门评价 projects, one per line (# starts a comment)."""
    raw = Path(path).read_bytes()
    text = decode_text(raw)
    if text is None:
        text = raw.decode("utf-8", "replace")
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().strip(",，")
        if line:
            out.append(line)
    return out
