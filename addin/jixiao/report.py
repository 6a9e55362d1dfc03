"""What :func:`jixiao.check` and :func:`jixiao.fill` return: a :class:`Report`.

Like frictionless' ``Report``, it is both machine- and human-readable: ``valid`` (no
error anywhere and every input read), ``exit_code`` (check's 0 / 1 / 2), ``findings``
(one list, refusals included), ``to_json()`` (versioned), ``to_text()`` (what
``jixiao check`` prints), and the tidy tables as DataFrames or CSV files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jixiao.tables import CHECK_STATUS_CN, FileEntry, ProjectEntry, Tables, write_csv

# the version of to_json()'s layout; raised when a field changes meaning or goes away
SCHEMA_VERSION = 1


@dataclass
class CheckedFile:
    """One input: its engine result, or the finding that says why it could not be read."""

    path: str
    result: Any = None  # jixiao.processor.core.engine.FileResult
    refusal: Any = None  # jixiao.processor.core.findings.Finding (a J5xx code)

    @property
    def findings(self) -> list:
        return [self.refusal] if self.refusal is not None else self.result.all_findings


@dataclass
class Report:
    """The outcome of checking one or more files with one rule profile."""

    profile: Any  # jixiao.processor.core.rules.Profile
    files: list[CheckedFile] = field(default_factory=list)

    # ------------------------------------------------------------------ verdict

    @property
    def results(self) -> list:
        """The engine's :class:`FileResult` of every file that could be read."""
        return [f.result for f in self.files if f.result is not None]

    @property
    def refused(self) -> list:
        """One finding (J5xx) per input that could not be read."""
        return [f.refusal for f in self.files if f.refusal is not None]

    @property
    def sheets(self) -> list:
        """Every 自评表 found (:class:`SheetResult`: record, scores, findings)."""
        return [s for r in self.results for s in r.sheets]

    @property
    def findings(self) -> list:
        """Every finding in input order: refusals, file-level notes, then each form's."""
        return [f for item in self.files for f in item.findings]

    @property
    def valid(self) -> bool:
        """True when every input was read and no finding is an error."""
        return not self.refused and not any(f.severity == "error" for f in self.findings)

    @property
    def exit_code(self) -> int:
        """``jixiao check``'s status: 2 an input could not be read, 1 errors found, else 0."""
        if self.refused:
            return 2
        return 0 if self.valid else 1

    def counts(self) -> dict[str, int]:
        from jixiao.processor.core.findings import counts

        return {"files": len(self.files), "checked": len(self.results), "failed": len(self.refused),
                "projects": len(self.sheets), **counts(self.findings)}

    # ------------------------------------------------------------------ output

    def to_json(self) -> dict[str, Any]:
        """Everything, versioned: ``{"format": "jixiao-check", "schema_version": 1, …}``."""
        from jixiao.processor import __version__

        files = []
        for item in self.files:
            entry: dict[str, Any] = {"file": item.path}
            if item.refusal is not None:
                entry |= {"status": "failed", "refusal": item.refusal.as_json(), "findings": [],
                          "sheets": []}
            else:
                entry |= {"status": "checked",
                          "findings": [f.as_json() for f in item.result.findings],
                          "sheets": [s.as_json() for s in item.result.sheets]}
            files.append(entry)
        return {"format": "jixiao-check", "schema_version": SCHEMA_VERSION, "jixiao": __version__,
                "profile": self.profile.id, "valid": self.valid, "exit_code": self.exit_code,
                "counts": self.counts(), "files": files}

    def to_text(self, colour: bool = False, explain: bool = False) -> str:
        """The text ``jixiao check`` prints: refusals, then each form's scores and findings
        (``explain``: with how each table was read)."""
        lines = [shown(f"{f.file}：{f.message}") for f in self.refused]
        return "\n".join([*lines, render_text(self.results, colour=colour, explain=explain)])

    # ------------------------------------------------------------------ tables

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """The four tidy tables as lists of rows (see :mod:`jixiao.tables`)."""
        entries = [_file_entry(item) for item in self.files]
        projects = [ProjectEntry(s, s.file) for s in self.sheets]
        return Tables(entries, projects, self.findings, self.profile).rows

    def frames(self, labels: bool = False) -> dict[str, Any]:
        """``{"projects", "indicators", "findings", "files"}`` → pandas DataFrame."""
        from jixiao.frames import frames

        return frames(self.tables(), labels)

    def to_frame(self, table: str = "findings", labels: bool = False) -> Any:
        """One table as a DataFrame; the findings, one row each, unless ``table`` says otherwise."""
        from jixiao.frames import frame

        return frame(table, self.tables()[table], labels)

    def write_csv(self, folder: str | os.PathLike) -> list[Path]:
        """The four tables as UTF-8-BOM CSV files in ``folder`` (see :func:`jixiao.tables.write_csv`)."""
        return write_csv(self.tables(), folder)


@dataclass
class FillReport(Report):
    """:func:`jixiao.fill`'s outcome: a :class:`Report` plus the copies it wrote."""

    written: list[Path] = field(default_factory=list)  # one annotated copy per file filled
    backups: list[Path] = field(default_factory=list)  # with in_place: the originals kept
    notices: list[str] = field(default_factory=list)  # content of the input a copy could not keep

    def to_text(self, colour: bool = False) -> str:
        """The check text, then where each copy (and backup) was written."""
        lines = [super().to_text(colour)]
        lines += [f"已写入 {p}" for p in self.written]
        lines += [f"原文件已备份为 {p}" for p in self.backups]
        lines += [f"注意：{n}" for n in self.notices]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return super().to_json() | {"format": "jixiao-fill", "written": [str(p) for p in self.written],
                                    "backups": [str(p) for p in self.backups], "notices": self.notices}


def _file_entry(item: CheckedFile) -> FileEntry:
    status = "failed" if item.refusal is not None else "checked"
    entry = FileEntry(item.path, status, CHECK_STATUS_CN[status])
    if item.refusal is not None:
        entry.code, entry.reason = item.refusal.code, item.refusal.message
    try:
        st = os.stat(item.path)
    except OSError:
        return entry
    entry.size = st.st_size
    entry.modified = datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M:%S")
    return entry


# ---------------------------------------------------------------------- text


_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET, _BOLD = "\033[0m", "\033[1m"


def _figure(x: float | None) -> str:
    return "无法确定" if x is None else f"{x:g}"


def shown(text: object) -> str:
    """Submitted text inside one printed line: line breaks as spaces, controls escaped."""
    from jixiao.processor.core.visible import visible

    s = text if isinstance(text, str) else str(text)
    return visible(s.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))


def render_text(results: list, colour: bool = False, explain: bool = False) -> str:
    """The text ``jixiao check`` prints for the files it read: each form's figures and findings.

    Submitted text (file, sheet and project names, quoted cell text) is shown, never obeyed:
    control and escape characters are written as ``\\uXXXX``, line breaks as spaces.
    ``colour`` adds ANSI colours for a terminal; ``explain`` adds how each table was read.
    """
    from jixiao.processor.core.findings import SEVERITY_CN, counts

    def c(sev: str, text: str) -> str:
        return f"{_COLOURS[sev]}{text}{_RESET}" if colour else text

    lines: list[str] = []
    total = dict.fromkeys(SEVERITY_CN, 0)
    for r in results:
        for f in r.findings:
            lines.append(f"{shown(r.file)}：{c(f.severity, SEVERITY_CN[f.severity])} {f.code} {shown(f.message)}")
        for s in r.sheets:
            sc = s.scores
            title = s.record.name or ("（未填部门名称）" if s.record.read.form == "department" else "（未填项目名称）")
            head = shown(f"{s.file} — 工作表“{s.sheet}”：{title}")
            lines.append(f"{_BOLD}{head}{_RESET}" if colour else head)
            if explain:
                from jixiao.explain import explain_lines

                lines += explain_lines(s.record, sc)
            rate = "无法计算" if sc.execution_rate is None else f"{sc.execution_rate * 100:.2f}%"
            grade = f"（{sc.grade}）" if sc.grade else ""
            lines.append(f"  计算结果：执行率 {rate}，预算执行率得分 {_figure(sc.execution_score)}，指标得分 "
                         f"{_figure(sc.indicator_score)}，总分 {_figure(sc.total_score)}{grade}，"
                         f"权重合计 {_figure(sc.weights_total)}")
            n = counts(s.findings)
            for k in total:
                total[k] += n[k]
            if not s.findings:
                lines.append("  未发现问题。")
            for sev in SEVERITY_CN:
                group = [f for f in s.findings if f.severity == sev]
                if not group:
                    continue
                lines.append("  " + c(sev, f"{SEVERITY_CN[sev]}（{len(group)}）"))
                for f in group:
                    lines.append(f"    {shown(f.cell or '整表'):<7} {f.code}  {shown(f.message)}")
                    lines.append(f"            → {shown(f.fix)}")
            lines.append("")
    n_sheets = sum(len(r.sheets) for r in results)
    lines.append(f"共检查 {len(results)} 个文件、{n_sheets} 张自评表：错误 {total['error']} 个，"
                 f"提示 {total['warning']} 个，说明 {total['info']} 条。")
    return "\n".join(lines)
