"""What :func:`jixiao.merge` returns: a :class:`Summary` of every file and project.

It wraps the merge's own result (through :mod:`jixiao.merge_seam`) and gives it the
same outputs as a check :class:`~jixiao.report.Report`: tidy tables as DataFrames or
CSV, plus the summary workbook (汇总.xlsx) and the merge JSON the command writes.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from jixiao import merge_seam
from jixiao.tables import Tables, write_csv


class Summary:
    """The year-end merge of many submitted 自评表."""

    def __init__(self, result: Any) -> None:
        self.result = result  # the merge's own object; its shape may change between versions

    @property
    def profile(self) -> Any:
        return merge_seam.profile(self.result)

    @property
    def findings(self) -> list:
        """Every finding: files not merged (J5xx), each project's, the department's (D4xx)."""
        return merge_seam.findings(self.result)

    @property
    def paragraph(self) -> str:
        """The 评价得分情况 paragraph of the department report, ready to paste."""
        return merge_seam.paragraph(self.result)

    @property
    def valid(self) -> bool:
        """True when every file was merged or was a duplicate and no finding is an error."""
        statuses = {row["status"] for row in self.tables()["files"]}
        return "failed" not in statuses and not any(f.severity == "error" for f in self.findings)

    def counts(self) -> dict[str, int]:
        from collections import Counter

        from jixiao.processor.core.findings import counts

        statuses = Counter(row["status"] for row in self.tables()["files"])
        return {"files": len(self.tables()["files"]), "merged": statuses["merged"],
                "failed": statuses["failed"], "duplicate": statuses["duplicate"], "skipped": statuses["skipped"],
                "projects": len(self.tables()["projects"]), **counts(self.findings)}

    def to_text(self) -> str:
        """The line ``jixiao merge`` prints (files, projects, errors)."""
        return merge_seam.summary_line(self.result)

    # ------------------------------------------------------------------ files

    def to_json(self) -> dict[str, Any]:
        """The merge JSON (``jixiao merge --json``): files, projects with full records, bands."""
        return merge_seam.to_json(self.result)

    def write_json(self, path: str | os.PathLike) -> Path:
        """The merge JSON written as ``jixiao merge --json`` writes it (streamed, atomically)."""
        merge_seam.write_json(self.result, path)
        return Path(path)

    def write_xlsx(self, path: str | os.PathLike) -> Path:
        """The summary workbook (项目汇总, 分数段统计, 报告文字, 问题清单, 文件清单 …)."""
        merge_seam.write_xlsx(self.result, path)
        return Path(path)

    def write_csv(self, folder: str | os.PathLike) -> list[Path]:
        """The four tables as UTF-8-BOM CSV files in ``folder`` (``jixiao merge --csv``)."""
        return write_csv(self.tables(), folder)

    # ------------------------------------------------------------------ tables

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        return self._tables.rows

    @cached_property
    def _tables(self) -> Tables:
        r = self.result
        return Tables(merge_seam.files(r), merge_seam.projects(r), merge_seam.findings(r), self.profile)

    def frames(self, labels: bool = False) -> dict[str, Any]:
        """``{"projects", "indicators", "findings", "files"}`` → pandas DataFrame."""
        from jixiao.frames import frames

        return frames(self.tables(), labels)

    def to_frame(self, table: str = "projects", labels: bool = False) -> Any:
        """One table as a DataFrame; the projects, one row each, unless ``table`` says otherwise."""
        from jixiao.frames import frame

        return frame(table, self.tables()[table], labels)
