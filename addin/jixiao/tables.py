"""The four tidy tables of a check report or a merge summary, as plain rows (no pandas).

One row per observation, the same columns for ``check`` and ``merge``:

- ``projects``: one row per 自评表 (a project), its money, scores and finding counts;
- ``indicators``: one row per 三级指标 of every project;
- ``findings``: one row per finding (file-level refusals and notes have no project);
- ``files``: one row per input file and what became of it.

``project_no`` (1, 2, …) joins ``indicators`` and ``findings`` to ``projects``; ``file``
joins everything to ``files``. Column names are stable English snake_case; ``COLUMNS``
gives each one's Chinese label and kind (the mapping is printed in docs/python-api.md).
:mod:`jixiao.frames` turns the rows into pandas DataFrames, :func:`write_csv` into
UTF-8-BOM CSV files for Excel and Power Query.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jixiao.processor.core.visible import in_document

TABLES = ("projects", "indicators", "findings", "files")

# column → (Chinese label, kind); kinds: text, int, number, bool
COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "projects": {
        "project_no": ("序号", "int"),
        "file": ("文件", "text"),
        "sheet": ("工作表", "text"),
        "project": ("项目名称", "text"),
        "department": ("主管部门", "text"),
        "unit": ("实施单位", "text"),
        "year": ("年度", "int"),
        "method": ("评价方式", "text"),
        "method_source": ("评价方式来源", "text"),
        "initial": ("年初预算数（万元）", "number"),
        "budget": ("全年预算数（万元）", "number"),
        "executed": ("全年执行数（万元）", "number"),
        "execution_rate": ("执行率", "number"),
        "execution_weight": ("预算执行率分值", "number"),
        "execution_score": ("预算执行率得分", "number"),
        "indicator_score": ("指标得分", "number"),
        "total_score": ("总分（计算）", "number"),
        "uncapped_total": ("封顶前总分", "number"),
        "stated_total": ("总分（表上填写）", "number"),
        "weights_total": ("分值合计", "number"),
        "grade": ("等级", "text"),
        "band": ("分数段", "text"),
        "errors": ("错误数", "int"),
        "warnings": ("提示数", "int"),
        "infos": ("信息数", "int"),
    },
    "indicators": {
        "project_no": ("项目序号", "int"),
        "file": ("文件", "text"),
        "sheet": ("工作表", "text"),
        "row": ("行号", "int"),
        "level1": ("一级指标", "text"),
        "level2": ("二级指标", "text"),
        "level3": ("三级指标", "text"),
        "target": ("年度指标值", "text"),
        "actual": ("实际完成值", "text"),
        "weight": ("分值", "number"),
        "stated_score": ("得分（表上填写）", "number"),
        "computed_score": ("得分（计算）", "number"),
        "used_score": ("计入总分的得分", "number"),
        "kind": ("计分方式", "text"),
        "met": ("是否达成", "bool"),
        "ratio": ("完成比例", "number"),
        "level": ("定性档次", "text"),
        "deviation": ("偏差原因分析及改进措施", "text"),
        "cell": ("单元格", "text"),
    },
    "findings": {
        "project_no": ("项目序号", "int"),
        "file": ("文件", "text"),
        "sheet": ("工作表", "text"),
        "cell": ("单元格", "text"),
        "code": ("代码", "text"),
        "severity": ("级别代码", "text"),
        "severity_cn": ("级别", "text"),
        "title": ("问题名称", "text"),
        "message": ("说明", "text"),
        "fix": ("修改建议", "text"),
        "params": ("参数（JSON）", "text"),
    },
    "files": {
        "file": ("文件", "text"),
        "status": ("状态代码", "text"),
        "status_cn": ("状态", "text"),
        "code": ("问题代码", "text"),
        "reason": ("说明", "text"),
        "projects": ("项目数", "int"),
        "errors": ("错误数", "int"),
        "warnings": ("提示数", "int"),
        "infos": ("信息数", "int"),
        "size": ("大小（字节）", "int"),
        "modified": ("修改时间", "text"),
        "sha256": ("SHA-256", "text"),
        "sender": ("发件人", "text"),
        "received": ("收到时间", "text"),
    },
}

# how each indicator was scored (IndicatorScore.kind), in words
KIND_CN = {"higher": "越高越好", "lower": "越低越好", "equal": "等于目标", "qualitative": "定性",
           "unknown": "无法判断"}
# the check report's own file statuses (merge has merged / failed / duplicate)
CHECK_STATUS_CN = {"checked": "已校验", "failed": "无法读取"}


@dataclass
class FileEntry:
    """One input file as the tables see it (check and merge alike)."""

    file: str
    status: str
    status_cn: str
    code: str | None = None
    reason: str = ""
    size: int | None = None
    modified: str | None = None
    sha256: str | None = None
    sender: str | None = None
    received: str | None = None


@dataclass
class ProjectEntry:
    """One 自评表 and what merge decided about it (nothing, for check).

    ``check`` gives the engine's ``SheetResult``; ``merge`` gives what its worker computed
    from it (``rows``, see :func:`sheet_rows`) and the findings as merged (I223 included)."""

    sheet: Any  # jixiao.processor.core.engine.SheetResult, or None with rows
    file: str
    method: str | None = None
    method_source: str | None = None
    rows: dict[str, Any] | None = None  # sheet_rows(sheet), computed where the sheet was read
    findings: list | None = None  # default: the sheet's own

    def parts(self) -> dict[str, Any]:
        return self.rows if self.rows is not None else sheet_rows(self.sheet)

    def own_findings(self) -> list:
        return self.findings if self.findings is not None else self.sheet.findings


#: the name under which a merge's workers compute sheet_rows (MergeOptions.extras)
SHEET_ROWS = "jixiao.tables:sheet_rows"


def sheet_rows(s: Any, _profile: Any = None) -> dict[str, Any]:
    """What the tables take from one read sheet (a ``SheetResult``): its project row and
    its indicator rows, without what only the whole batch decides (number, 评价方式, band,
    finding counts). Plain values: a merge computes this in its worker processes."""
    rec, sc = s.record, s.scores
    total = rec.funding_row("total")
    project = {
        "sheet": s.sheet, "project": rec.project.text, "department": rec.department.text,
        "unit": rec.unit.text, "year": rec.year,
        "initial": _money(total, "initial"), "budget": _money(total, "budget"),
        "executed": _money(total, "executed"),
        "execution_rate": sc.execution_rate, "execution_weight": sc.execution_weight,
        "execution_score": sc.execution_score, "indicator_score": sc.indicator_score,
        "total_score": sc.total_score, "uncapped_total": sc.uncapped_total,
        "stated_total": _number(rec.total.score.value) if rec.total else None,
        "weights_total": sc.weights_total, "grade": sc.grade,
    }
    indicators = []
    for score in sc.indicators:
        ind = score.indicator
        indicators.append({
            "sheet": s.sheet, "row": ind.row,
            "level1": ind.level1.text, "level2": ind.level2.text, "level3": ind.level3.text,
            "target": ind.target.text, "actual": ind.actual.text,
            "weight": _number(ind.weight.value), "stated_score": _number(ind.score.value),
            "computed_score": score.computed, "used_score": score.score,
            "kind": KIND_CN.get(score.kind, score.kind), "met": score.met, "ratio": score.ratio,
            "level": score.level, "deviation": ind.deviation.text, "cell": ind.level3.cell,
        })
    return {"project": project, "indicators": indicators}


class Tables:
    """Rows of the four tables, built once from files, projects and findings."""

    def __init__(self, files: list[FileEntry], projects: list[ProjectEntry], findings: Iterable[Any],
                 profile: Any) -> None:
        from jixiao.processor.core.findings import counts

        self.profile = profile
        self._bands = _bands(profile)
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
        numbers: dict[int, int] = {}
        per_file: dict[str, list[Any]] = {}
        for no, p in enumerate(projects, start=1):
            numbers[id(p)] = no
            parts = p.parts()
            self.rows["projects"].append(self._project(no, p, parts["project"]))
            self.rows["indicators"] += [{"project_no": no, "file": p.file, **row} for row in parts["indicators"]]
        owner = {_finding_key(f): numbers[id(p)] for p in projects for f in p.own_findings()}
        for f in findings:
            self.rows["findings"].append(_finding_row(owner.get(_finding_key(f)), f))
            per_file.setdefault(f.file or "", []).append(f)
        kept: dict[str, int] = {}
        for p in projects:
            kept[p.file] = kept.get(p.file, 0) + 1
        for entry in files:
            n = counts(per_file.get(entry.file, []))
            self.rows["files"].append({
                "file": entry.file, "status": entry.status, "status_cn": entry.status_cn,
                "code": entry.code, "reason": entry.reason, "projects": kept.get(entry.file, 0),
                "errors": n["error"], "warnings": n["warning"], "infos": n["info"], "size": entry.size,
                "modified": entry.modified, "sha256": entry.sha256, "sender": entry.sender,
                "received": entry.received,
            })

    def _project(self, no: int, p: ProjectEntry, row: dict[str, Any]) -> dict[str, Any]:
        from jixiao.processor.core.findings import counts
        from jixiao.processor.merge.report_text import band_index

        n = counts(p.own_findings())
        return {
            "project_no": no, "file": p.file, **row, "method": p.method, "method_source": p.method_source,
            "band": self._bands[band_index(row["total_score"], self._bands)].label,
            "errors": n["error"], "warnings": n["warning"], "infos": n["info"],
        }


def _bands(profile: Any) -> list:
    from jixiao.processor.merge.report_text import bands_from_grades

    return bands_from_grades(profile["grades"], float(profile["weights"]["total"]))


def _money(row: Any, attr: str) -> float | None:
    return None if row is None else _number(getattr(row, attr).value)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _finding_key(f: Any) -> tuple:
    return (f.file, f.sheet, f.cell, f.code, f.message)


def _finding_row(project_no: int | None, f: Any) -> dict[str, Any]:
    from jixiao.processor.core.findings import SEVERITY_CN, catalogue

    return {
        "project_no": project_no, "file": f.file, "sheet": f.sheet, "cell": f.cell, "code": f.code,
        "severity": f.severity, "severity_cn": SEVERITY_CN.get(f.severity, f.severity),
        "title": catalogue().get(f.code, {}).get("title", ""), "message": f.message, "fix": f.fix,
        "params": json.dumps(f.params, ensure_ascii=False, sort_keys=True) if f.params else None,
    }


# ---------------------------------------------------------------------- CSV

# text a spreadsheet would run as a formula (OWASP's list: the formula signs, tab and CR)
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any) -> str:
    """One cell as CSV text: numbers as numbers, text that looks like a formula kept as data."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value else ""  # shortest exact form; NaN as empty
    text = in_document(value)  # submitted text: no escape sequence, NUL or bidi control
    return "'" + text if text.startswith(_CSV_FORMULA_START) else text


def csv_bytes(table: str, rows: list[dict[str, Any]]) -> bytes:
    """``rows`` of ``table`` as UTF-8 CSV with a BOM (Excel reads the Chinese text right)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    columns = list(COLUMNS[table])
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_value(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8-sig")


def write_csv(tables: dict[str, list[dict[str, Any]]], folder: str | os.PathLike) -> list[Path]:
    """Write ``<folder>/<table>.csv`` for every table (atomically); returns the paths."""
    from jixiao.processor.files.atomic import atomic_write_bytes

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for table in TABLES:
        path = folder / f"{table}.csv"
        atomic_write_bytes(path, csv_bytes(table, tables[table]))
        out.append(path)
    return out


# ---------------------------------------------------------------------- the documented mapping

COLUMNS_START = "<!-- 以下列名对照由 `python -m jixiao.tables` 根据 jixiao/tables.py 生成 -->"
COLUMNS_END = "<!-- 列名对照结束 -->"
_KIND_CN = {"text": "文字", "int": "整数", "number": "数", "bool": "是/否"}
_TABLE_CN = {"projects": "项目", "indicators": "指标", "findings": "问题", "files": "文件"}


def columns_markdown() -> str:
    """The column mapping of every table, as docs/python-api.md shows it."""
    lines = [COLUMNS_START, ""]
    for table in TABLES:
        lines += [f"`{table}`（{_TABLE_CN[table]}，{table}.csv）：", "",
                  "| 列名 | 中文 | 类型 |", "|---|---|---|"]
        lines += [f"| `{name}` | {label} | {_KIND_CN[kind]} |" for name, (label, kind) in COLUMNS[table].items()]
        lines.append("")
    lines.append(COLUMNS_END)
    return "\n".join(lines)


def _rewrite_doc(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(COLUMNS_START, 1)
    tail = rest.split(COLUMNS_END, 1)[1]
    path.write_text(head + columns_markdown() + tail, encoding="utf-8")


if __name__ == "__main__":  # python -m jixiao.tables [docs/python-api.md]
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "docs" / "python-api.md")
    _rewrite_doc(target)
    print(f"已更新 {target}")
