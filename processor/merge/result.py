"""What a merge produces: every file, every merged project, every finding, the band table.

:class:`MergeResult` is what the summary workbook (``summary_xlsx``), ``--json``
(``json_out``) and Python callers read. A :class:`Project` is one merged 自评表 as the
summary needs it (the slim :class:`~jixiao.processor.merge.projection.SheetRow` the
worker sent, plus its 评价方式, band and findings); the full record is there only when
the merge was asked for it (``MergeOptions.extras=("json",)``: ``Project.detail``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jixiao.processor.core.findings import Finding
from jixiao.processor.core.rules import Profile
from jixiao.processor.merge.discover import InputFile
from jixiao.processor.merge.order import UnitOrder
from jixiao.processor.merge.projection import SheetRow
from jixiao.processor.merge.report_text import BandTable
from jixiao.processor.merge.standing import PASSED, Standing, shown_grade


@dataclass(slots=True)
class Project:
    """One merged 自评表."""

    input: InputFile
    row: SheetRow
    method: str  # 部门评价 | 单位自评
    method_source: str  # 表内填写 | 名单 | 默认
    band: int
    findings: list[Finding] = field(default_factory=list)  # the form's own, and I223 across projects
    standing: Standing = Standing(PASSED)  # 核定: can its score stand (standing.standing)

    @property
    def grade(self) -> str:
        """等级 as the summary shows it: "—" for a score that cannot stand."""
        return shown_grade(self.row.scores["grade"], self.standing)

    @property
    def sheet(self) -> str:
        return self.row.sheet

    @property
    def name(self) -> str:
        """项目名称."""
        return self.row.project

    @property
    def unit(self) -> str:
        return self.row.unit

    @property
    def year(self) -> int | None:
        return self.row.year

    @property
    def total_score(self) -> float:
        return self.row.scores["total_score"]

    @property
    def amount(self) -> float | None:
        """涉及金额: 全年执行数 of 年度资金总额."""
        return self.row.executed


    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def as_json(self, *, record: bool = True) -> dict[str, Any]:
        r = self.row
        out = {
            "file": self.input.name, "sheet": r.sheet, "project": r.project, "department": r.department,
            "unit": r.unit, "year": r.year, "method": self.method, "method_source": self.method_source,
            "initial": r.initial, "budget": r.budget, "executed": r.executed,
            "scores": r.scores, "stated_total": r.stated_total, "standing": self.standing.status,
            "standing_reasons": list(self.standing.reasons), "findings": [f.as_json() for f in self.findings],
        }
        if record and "json" in r.extras:
            out["record"] = json.loads(r.extras["json"])
        return out


@dataclass
class MergeResult:
    profile: Profile
    files: list[InputFile]
    projects: list[Project]
    findings: list[Finding]  # every finding of every file, sorted
    bands: BandTable
    paragraph: str
    department: Any = None  # jixiao.processor.merge.department.DepartmentReport
    department_sentences: list[str] = field(default_factory=list)
    unmatched_dept_names: list[str] = field(default_factory=list)
    roster: Any = None  # jixiao.processor.collect.roster.RosterReport with --roster
    year_review: Any = None  # jixiao.processor.archive.compare.YearReview with --archive
    archive_line: str = ""  # what --archive stored
    departments: list = field(default_factory=list)  # merge.department_forms.DepartmentForm, one per 部门整体 form
    unit_order: UnitOrder = field(default_factory=UnitOrder)  # roster order, else pinyin
    summary_date: date | None = None  # printed in every list sheet's header
    deadline: date | None = None  # 报送截止日期 (files received later are 逾期)
    year: int | None = None  # the budget year most forms state
    department_name: str = ""  # for titles and page headers
    caveat: str = ""  # after the paragraph: how many counted projects carry errors (report_text.error_sentence)

    @property
    def invalid_projects(self) -> list[Project]:
        """Projects whose score cannot stand (需更正)."""
        return [p for p in self.projects if p.standing.invalid]

    @property
    def projects_with_errors(self) -> list[Project]:
        """Projects with error findings or a score that cannot stand."""
        return [p for p in self.projects if p.standing.status != PASSED]

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def severity_count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def summary_line(self) -> str:
        line = (f"共发现 {len(self.files)} 个文件：已汇总 {self.count('merged')} 个（{len(self.projects)} 个项目），"
                f"未汇总 {self.count('failed')} 个，重复 {self.count('duplicate')} 个"
                + (f"，已跳过 {n} 个（非表格文件）" if (n := self.count('skipped')) else "")
                + f"；发现错误 {self.severity_count('error')} 个、提示 {self.severity_count('warning')} 个。")
        if self.roster is not None:
            line += (f"名单 {len(self.roster.units)} 个单位：未提交 {len(self.roster.by_status('missing'))} 个，"
                     f"有错误 {len(self.roster.by_status('errors'))} 个。")
        return line
