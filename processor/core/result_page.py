"""The 校验结果 sheet as a page to act on: what both writers lay out, cell by cell.

From the top: a title line, one summary block per checked form (the computed 执行率,
总分 and 等级, counts per severity), the legend of the marks, then the findings table
(print titles repeat its header) with a link to each cell and the filler's original
value where jixiao wrote its own. Columns, widths and row heights are fixed here, so the
page prints the same on A4 landscape from Excel, WPS and LibreOffice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jixiao.processor.core.findings import SEVERITIES, SEVERITY_CN
from jixiao.processor.core.marks import LEGEND, MARK_CN, MARK_KINDS, wrapped_lines
from jixiao.processor.core.visible import in_document

RESULT_HEADER = ["序号", "级别", "代码", "工作表", "单元格", "问题", "修改建议", "原填写值"]
COLUMN_WIDTHS = (5.5, 6.0, 7.0, 12.0, 8.0, 48.0, 40.0, 12.0)
LAST_COL = len(RESULT_HEADER)
HEADER_FILL = "D9D9D9"
BLANK_ORIGINAL = "（空）"
NO_FINDINGS = "未发现问题。"
LINE_PT = 14.0  # one line of 10.5 pt text
SUMMARY_LABELS = ("项目名称", "计算执行率", "计算总分", "等级", "问题数")
UNDO_TEXT = ("说明：本页和单元格上的颜色、批注由 jixiao 生成，重新校验时自动更新；校验不能撤销，"
             "被改写单元格的原填写值列在本表最后一列。确认计算结果无误时，删除本表后再校验一次，"
             "表上现有的数即算作您填写的数。")

# styles a writer must know: title, note, label, value, header, text, wrap, link, level:<kind>
LEVEL = "level:"


@dataclass(frozen=True)
class PageCell:
    value: Any
    style: str = "text"
    link: tuple[str, str] | None = None  # (sheet, cell) the cell links to

    def __post_init__(self) -> None:
        # project and sheet names, messages and original values come from the form: control,
        # escape and bidi characters are shown as \uXXXX, as in every output (one place for
        # both writers, openpyxl and xlwings)
        if isinstance(self.value, str):
            object.__setattr__(self, "value", in_document(self.value))


@dataclass
class Page:
    cells: dict[tuple[int, int], PageCell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    heights: dict[int, float] = field(default_factory=dict)
    header_row: int = 1  # the findings table's header: print titles, freeze panes, filter
    last_row: int = 1
    widths: tuple[float, ...] = COLUMN_WIDTHS

    def rows(self) -> list[list[Any]]:
        """The values as a rectangle (None for blanks), as a bulk write takes them."""
        return [[self.cells[(r, c)].value if (r, c) in self.cells else None for c in range(1, LAST_COL + 1)]
                for r in range(1, self.last_row + 1)]


@dataclass(frozen=True)
class FormLine:
    """One checked form in the summary block."""

    sheet: str
    project: str
    rate: str  # "100%" or "无法计算"
    total: str  # "110 分（表上为 100 分）"
    grade: str
    counts: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "project": self.project, "rate": self.rate, "total": self.total,
                "grade": self.grade, "counts": dict(self.counts)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormLine:
        counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
        return cls(str(data.get("sheet", "")), str(data.get("project", "")), str(data.get("rate", "")),
                   str(data.get("total", "")), str(data.get("grade", "")),
                   {s: int(counts.get(s, 0) or 0) for s in SEVERITIES})


def counts_text(counts: dict[str, int]) -> str:
    return f"错误 {counts['error']} 个，提示 {counts['warning']} 个，信息 {counts['info']} 条"


def build_page(title: str, forms: list[FormLine], rows: list[list[Any]]) -> Page:
    """The page: ``rows`` are findings as [severity, code, sheet, cell, message, fix, original]."""
    page = Page()
    r = 1
    _merged(page, r, PageCell(title, "title"))
    page.heights[r] = 24.0
    for form in forms:
        r += 1
        page.heights[r] = 8.0  # a thin gap between blocks
        where = f"{form.project or '（未填项目名称）'}（工作表“{form.sheet}”）"
        for label, value in zip(SUMMARY_LABELS, (where, form.rate, form.total, form.grade or "—",
                                                 counts_text(form.counts)), strict=True):
            r += 1
            page.cells[(r, 1)] = PageCell(label, "label")
            page.merges.append((r, 1, r, 3))
            page.cells[(r, 4)] = PageCell(value, "value")
            page.merges.append((r, 4, r, LAST_COL))
            page.heights[r] = LINE_PT + 4
    r += 2
    page.cells[(r, 1)] = PageCell("图例", "label")
    page.merges.append((r, 1, r, 3))
    page.cells[(r, 4)] = PageCell("表中颜色与自评表上单元格的底色含义相同：", "value")
    page.merges.append((r, 4, r, LAST_COL))
    for kind in MARK_KINDS:
        r += 1
        page.cells[(r, 1)] = PageCell(MARK_CN[kind], LEVEL + kind)
        page.merges.append((r, 1, r, 3))
        page.cells[(r, 4)] = PageCell(LEGEND[kind], "value")
        page.merges.append((r, 4, r, LAST_COL))
        page.heights[r] = LINE_PT + 4
    r += 1
    _merged(page, r, PageCell(UNDO_TEXT, "note"))
    page.heights[r] = LINE_PT * wrapped_lines(UNDO_TEXT, sum(COLUMN_WIDTHS) * 0.95) + 4
    r += 2
    page.header_row = r
    for c, title_text in enumerate(RESULT_HEADER, start=1):
        page.cells[(r, c)] = PageCell(title_text, "header")
    page.heights[r] = LINE_PT + 6
    if not rows:
        r += 1
        page.cells[(r, RESULT_HEADER.index("问题") + 1)] = PageCell(NO_FINDINGS, "wrap")
    for i, (severity, code, sheet, cell, message, fix, original) in enumerate(rows, start=1):
        r += 1
        values = (i, SEVERITY_CN.get(severity, severity), code, sheet, cell, message, fix, original)
        for c, value in enumerate(values, start=1):
            if value in (None, ""):
                continue
            style = "wrap" if c >= 6 else "text"
            page.cells[(r, c)] = PageCell(value, style)
        page.cells[(r, 2)] = PageCell(values[1], LEVEL + severity)
        if sheet and cell:
            page.cells[(r, 5)] = PageCell(cell, "link", (sheet, cell.split(":")[0]))
        lines = max(wrapped_lines(str(v), COLUMN_WIDTHS[c - 1] - 1) for c, v in
                    ((6, message), (7, fix), (8, original or "")))
        page.heights[r] = LINE_PT * lines + 4
    page.last_row = r
    return page


def _merged(page: Page, row: int, cell: PageCell) -> None:
    page.cells[(row, 1)] = cell
    page.merges.append((row, 1, row, LAST_COL))


__all__ = ["BLANK_ORIGINAL", "FormLine", "HEADER_FILL", "LEVEL", "NO_FINDINGS", "Page", "PageCell",
           "RESULT_HEADER", "build_page", "counts_text"]
