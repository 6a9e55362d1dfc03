"""Which submissions are versions of the same project: the one rule of ``collect`` and ``merge``.

Two 自评表 are the same project when their 项目名称, 实施单位 and 年度 are equal after
folding: white space removed, full-width forms made half-width (NFKC) and letters
compared without case — “２０２４年度 信访 经费” and “2024年度信访经费” are one name.
A form without a 项目名称 has no identity and is never taken for another. Which version
wins is the caller's business (the newest: see docs/汇总说明.md).
"""

from __future__ import annotations

from typing import Any

from jixiao.processor.core.values import norm

ProjectId = tuple[str, str, "int | None"]


def fold(text: str | None) -> str:
    """Text as the identity compares it."""
    return norm(text or "").casefold()


def project_identity(project: str | None, unit: str | None, year: int | None) -> ProjectId | None:
    """(项目名称, 实施单位, 年度) folded; None when the form names no project."""
    name = fold(project)
    if not name:
        return None
    return (name, fold(unit), year)


def identity_of(record: Any) -> ProjectId | None:
    """The identity of a :class:`~jixiao.processor.core.model.Record`."""
    return project_identity(record.project.text, record.unit.text, record.year)
