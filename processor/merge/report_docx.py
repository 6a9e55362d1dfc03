"""The report draft: ``jixiao merge … --report 报告.docx`` writes the 部门整体绩效评价报告
in the structure of the published report (the seed), every number filled from the merge.

What the data can say is written out — 当年预算执行情况 (from the department's totals when
given, and from the forms), 结转结余率 and 预决算差异率, 评价得分情况 (the paragraph the
summary's 报告文字 sheet holds, and how many counted projects carry errors), 存在的问题
(from the findings: the most frequent kinds, the scores that cannot stand, the files that
could not be read, the units that sent nothing) — and the project tables follow as 附表.
What only the department can write (机构设置, 绩效目标, 原因分析, 措施建议) is a
highlighted 【待填写】 placeholder, never invented text. Written with python-docx, atomically.
"""

from __future__ import annotations

import os
from typing import Any

from jixiao.processor.core.values import fmt_pct
from jixiao.processor.core.visible import in_document
from jixiao.processor.merge.dashboard import kinds, unit_lines
from jixiao.processor.merge.report_text import (
    DEPT_EVAL,
    TOTAL,
    UNIT_EVAL,
    decimal_sum,
    money_text,
    paste_ready,
    rounded,
)
from jixiao.processor.merge.standing import INVALID

BODY_FONT, HEAD_FONT, TITLE_FONT = "仿宋_GB2312", "黑体", "方正小标宋简体"
PLACEHOLDER = "【待填写：{}】"
MAX_TABLE_ROWS = 2000  # 附表1 beyond this many projects: the full list stays in the summary workbook
TOP_KINDS = 8


def write_report(result, path: str | os.PathLike) -> None:
    """Write the report draft to ``path`` (.docx) atomically."""
    from jixiao.processor.files.atomic import atomic_write

    doc = build(result)
    atomic_write(path, lambda tmp: doc.save(str(tmp)))


def build(result) -> Any:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    _page(doc.sections[0], Cm)
    _base_style(doc)
    w = _Writer(doc)
    year = result.year
    dept = result.department_name or "本部门"
    w.title(f"{dept}{'' if year is None else f'{year}年度'}部门绩效评价情况", WD_ALIGN_PARAGRAPH.CENTER)
    w.h1("一、部门整体绩效评价报告")
    w.h2("（一）部门概况")
    w.h3("1.机构设置及职责工作任务情况")
    w.placeholder("部门的机构设置（行政单位、事业单位个数，内设科室）和主要职能")
    w.h3("2.部门整体绩效目标设立情况")
    w.placeholder("部门整体绩效目标的设立依据与过程")

    w.h2("（二）当年预算执行情况")
    for s in budget_sentences(result):
        w.para(s, marked=s.startswith(PLACEHOLDER[:4]))
    w.h2("（三）整体绩效目标实现情况")
    w.h3("1.产出完成情况分析")
    w.placeholder("结合年度绩效目标，说明产出完成情况")
    w.h3("2.效果实现情况分析")
    w.placeholder("说明效益实现情况和服务对象满意度")
    w.h2("（四）预算管理情况分析")
    w.h3("1.财务管理")
    w.placeholder("财务管理制度健全性、资金使用合规性和安全性、会计基础信息完善性")
    w.h3("2.资产管理")
    w.placeholder("资产管理情况")
    w.h3("3.绩效管理")
    w.placeholder("绩效管理的分工与组织")
    carry, variance = _department_lines(result)
    w.h3("4.结转结余率")
    w.para(carry) if carry else w.placeholder("结转结余总额和结转结余率（汇总时用 --department 给出部门数据即可自动填写）")
    w.h3("5.部门预决算差异率")
    w.para(variance) if variance else w.placeholder("预决算差异率（汇总时用 --department 给出部门数据即可自动填写）")

    w.h2("（五）总体评价结论")
    w.h3("1.评价得分情况")
    w.para(result.paragraph)
    if result.caveat:
        w.para(result.caveat)
    w.h3("2.存在的问题及原因分析")
    for s in problem_sentences(result):
        w.para(s)
    w.placeholder("问题产生的原因分析")
    w.h2("（六）措施建议")
    w.placeholder("针对上述问题的改进措施")

    _annex_projects(doc, w, result)
    _annex_bands(doc, w, result)
    return doc


# ---------------------------------------------------------------------- what the data says


def budget_sentences(result) -> list[str]:
    """当年预算执行情况: the department's totals (when given), then the forms' own sums."""
    out = []
    rows = {r.name: r for r in result.department.rows} if result.department is not None else {}
    t = result.department.totals if result.department is not None else None
    if t is not None and t.get("budget") is not None and t.get("executed") is not None:
        year = f"{result.year}年" if result.year else ""
        out.append(f"{year}全年预算数{money_text(t.get('budget'))}万元，资金总体支出{money_text(t.get('executed'))}万元，"
                   f"预算执行率为{fmt_pct(rows['预算执行率'].computed)}。")
    elif result.departments and result.department_sentences:  # from the 部门整体支出绩效自评表
        out.append(result.department_sentences[0])
    else:
        out.append(PLACEHOLDER.format("部门全年预算数、资金总体支出和预算执行率（汇总时用 --department 给出部门数据即可自动填写）"))
    projects = result.projects
    if projects:
        budget = decimal_sum(p.row.budget for p in projects)
        executed = decimal_sum(p.row.executed for p in projects)
        rate = f"，执行率为{fmt_pct(float(executed / budget))}" if budget else ""
        out.append(f"纳入本次评价的{len(projects)}个项目全年预算数{money_text(budget)}万元，"
                   f"全年执行数{money_text(executed)}万元{rate}（各项目自评表年度资金总额合计）。")
    return out


def _department_lines(result) -> tuple[str, str]:
    s = result.department_sentences
    return (s[1], s[2]) if len(s) >= 3 else ("", "")


def problem_sentences(result) -> list[str]:
    """存在的问题, from the findings: counts, the most frequent kinds, scores that cannot stand,
    files that could not be read, units that sent nothing."""
    errors = sum(1 for f in result.findings if f.severity == "error")
    warnings = sum(1 for f in result.findings if f.severity == "warning")
    with_errors = len(result.projects_with_errors)
    out = [f"本次汇总共审核自评表{len(result.projects)}份，发现错误{errors}个、提示{warnings}个，"
           f"{with_errors}个项目的自评表存在错误。"]
    # the forms' own problems; files that could not be read are counted below
    top = [k for k in kinds(result) if k[1] in ("error", "warning") and not k[0].startswith("J5")][:TOP_KINDS]
    if top:
        parts = [f"{paste_ready(title)}（{n}处，涉及{projects}个项目）" for _code, _sev, title, n, projects, _files in top]
        out.append("主要问题：" + "；".join(parts) + "。")
    invalid = result.invalid_projects
    if invalid:
        names = "、".join(f"{p.row.unit}“{p.name}”" for p in invalid[:10])
        more = f"等{len(invalid)}个项目" if len(invalid) > 10 else ""
        out.append(f"{names}{more}的自评表分值合计不为100、得分超过100或总分无法计算（核定为“{INVALID}”），"
                   "其得分不能作为评价结果，须由实施单位更正后重新报送。")
    failed = [f for f in result.files if f.status == "failed"]
    if failed:
        out.append(f"另有{len(failed)}个报送文件无法读取，未纳入汇总（原因见汇总表“文件清单”）。")
    if result.roster is not None:
        missing = [u.unit.name for u in result.roster.by_status("missing")]
        if missing:
            out.append(f"应报送单位中{len(missing)}个未提交：{'、'.join(missing[:20])}{'等' if len(missing) > 20 else ''}。")
    lines = [u for u in unit_lines(result) if u.errors]
    if lines:
        worst = sorted(lines, key=lambda u: -u.errors)[:5]
        out.append("错误较多的单位：" + "、".join(f"{u.unit}（{u.errors}个）" for u in worst) + "。")
    return out


# ---------------------------------------------------------------------- 附表


PROJECT_HEAD = ("序号", "实施单位", "项目名称", "评价方式", "全年预算数（万元）", "全年执行数（万元）", "执行率",
                "填报总分", "计算总分", "等级", "核定")


def _score(x: float | None, invalid: bool) -> str:
    if x is None:
        return ""
    return f"{x:.2f}(无效)" if invalid else f"{x:.2f}"


def _annex_projects(doc, w, result) -> None:
    from docx.enum.section import WD_ORIENT, WD_SECTION

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    w.h2("附表1　项目支出绩效自评得分情况表")
    projects = result.projects[:MAX_TABLE_ROWS]
    rows = []
    for n, p in enumerate(projects, start=1):
        r, sc, invalid = p.row, p.row.scores, p.standing.invalid
        rate = sc["execution_rate"]
        rows.append((str(n), r.unit, r.project, p.method, _money(r.budget), _money(r.executed),
                     "" if rate is None else fmt_pct(rate), _score(r.stated_total, invalid and (r.stated_total or 0) > 100),
                     _score(sc["total_score"], invalid), p.grade, p.standing.status))
    w.table(PROJECT_HEAD, rows, widths=(1.2, 3.6, 5.2, 1.6, 2.0, 2.0, 1.7, 1.7, 2.6, 1.2, 1.6))
    if len(result.projects) > MAX_TABLE_ROWS:
        w.note(f"项目共{len(result.projects)}个，本表列出前{MAX_TABLE_ROWS}个；完整列表见汇总表“项目汇总”。")
    w.note(f"注：计算总分为按评分规则重新计算的总分；核定为“{INVALID}”的项目分值合计不为100、得分超过100或总分无法计算，"
           "其分数标为“(无效)”，不评定等级。")


def _money(x: float | None) -> str:
    return "" if x is None else f"{float(rounded(decimal_sum([x]))):,.2f}"


def _annex_bands(doc, w, result) -> None:
    w.h2("附表2　评价得分分数段统计表")
    table = result.bands
    head = ("分数段", f"{DEPT_EVAL}项目数", f"{DEPT_EVAL}金额（万元）", f"{UNIT_EVAL}项目数",
            f"{UNIT_EVAL}金额（万元）", "合计项目数", "合计金额（万元）")
    rows = []
    for b, band in enumerate(table.bands):
        cells = [band.label]
        for g in (DEPT_EVAL, UNIT_EVAL, TOTAL):
            c = table.cells[g][b]
            cells += [str(c.count), money_text(c.amount)]
        rows.append(tuple(cells))
    total = ["合计"]
    for g in (DEPT_EVAL, UNIT_EVAL, TOTAL):
        total += [str(table.totals[g].count), money_text(table.totals[g].amount)]
    rows.append(tuple(total))
    w.table(head, rows, widths=(3.4, 2.2, 3.0, 2.2, 3.0, 2.2, 3.0))


# ---------------------------------------------------------------------- python-docx plumbing


def _page(section, cm) -> None:
    section.page_width, section.page_height = cm(21.0), cm(29.7)
    section.top_margin, section.bottom_margin = cm(3.7), cm(3.5)
    section.left_margin, section.right_margin = cm(2.8), cm(2.6)
    _page_number_footer(section)


def _page_number_footer(section) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("— ")
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        r = p.add_run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        r._r.append(el)
    p.add_run(" —")


def _run(paragraph, text: str):
    """A run of ``text``, which may hold a project or unit name: control, escape and bidi
    characters shown as ``\\uXXXX`` (as in the summary and the CSV); python-docx would
    refuse a control character outright, and U+202E would reverse the line on the page."""
    return paragraph.add_run(in_document(text))


def _font(run, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _base_style(doc) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(16)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    fmt = style.paragraph_format
    fmt.line_spacing = Pt(28)
    fmt.space_after = Pt(0)


class _Writer:
    def __init__(self, doc) -> None:
        self.doc = doc

    def _p(self, text: str, font: str, size: float, bold: bool = False, indent: bool = False, align=None):
        from docx.shared import Pt

        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        if align is not None:
            p.alignment = align
        _font(_run(p, text), font, size, bold)
        return p

    def title(self, text: str, align) -> None:
        from docx.shared import Pt

        p = self._p(text, TITLE_FONT, 22, align=align)
        p.paragraph_format.space_after = Pt(12)

    def h1(self, text: str) -> None:
        self._p(text, HEAD_FONT, 16, indent=True)

    def h2(self, text: str) -> None:
        self._p(text, "楷体_GB2312", 16, bold=True, indent=True)

    def h3(self, text: str) -> None:
        self._p(text, BODY_FONT, 16, bold=True, indent=True)

    def para(self, text: str, marked: bool = False) -> None:
        from docx.enum.text import WD_COLOR_INDEX

        p = self._p(text, BODY_FONT, 16, indent=True)
        if marked:  # text the department still has to write
            p.runs[0].font.highlight_color = WD_COLOR_INDEX.YELLOW

    def note(self, text: str) -> None:
        self._p(text, BODY_FONT, 10.5)

    def placeholder(self, what: str) -> None:
        self.para(PLACEHOLDER.format(what), marked=True)

    def table(self, head: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[float, ...]) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.shared import Cm, Pt

        t = self.doc.add_table(rows=1 + len(rows), cols=len(head))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        for column, width in zip(t.columns, widths):
            column.width = Cm(width)
        for r, values in enumerate((head, *rows)):
            cells = t.rows[r].cells
            for c, value in enumerate(values):
                cell = cells[c]
                cell.width = Cm(widths[c])
                p = cell.paragraphs[0]
                p.paragraph_format.line_spacing = Pt(13)
                p.paragraph_format.first_line_indent = Pt(0)
                _font(_run(p, value), HEAD_FONT if r == 0 else BODY_FONT, 9, bold=False)
        _repeat_header(t.rows[0])


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
