"""The year-end summary of a district: 200 forms across 10 units (tests/summary_corpus.py).

Order a person expects, the dashboard (单位排名, 金额与得分, 问题分类), the report draft,
and — rendered by LibreOffice — every sheet on A4 at 80 % or more, with the page setup a
finance office prints with."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import date
from pathlib import Path

import lo_render
import pytest
from jixiao.processor.cli.main import main
from jixiao.processor.core.rules import load_profile
from jixiao.processor.merge.dashboard import (
    BLACK,
    NOT_PLOTTED,
    QUADRANTS,
    RED,
    UNIT_RULE,
    kinds,
    place,
    unit_lines,
)
from jixiao.processor.merge.order import pinyin_key
from jixiao.processor.merge.run import MergeOptions, merge
from jixiao.processor.merge.standing import INVALID
from openpyxl import load_workbook
from summary_corpus import PER_UNIT, UNITS, build_inbox
from summary_table import table

ON = date(2025, 3, 31)
needs_lo = pytest.mark.skipif(lo_render.SOFFICE is None or not lo_render.POPPLER,
                              reason="LibreOffice / poppler not installed")


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    root = tmp_path_factory.mktemp("district")
    inbox = build_inbox(root)
    out, report = root / "汇总.xlsx", root / "报告.docx"
    assert main(["merge", str(inbox), "-o", str(out), "--report", str(report), "--summary-date", ON.isoformat(),
                 "--department-name", "某区"]) == 0
    result = merge([inbox], load_profile(), MergeOptions(summary_date=ON, department_name="某区"))
    return {"root": root, "inbox": inbox, "out": out, "report": report, "result": result,
            "wb": load_workbook(out)}


# ---------------------------------------------------------------------- order


def test_units_by_pinyin_projects_by_score(district):
    rows = table(district["wb"]["项目汇总"])
    assert len(rows) == len(UNITS) * PER_UNIT
    units = list(dict.fromkeys(r["实施单位"] for r in rows))
    assert units == sorted(UNITS, key=pinyin_key)
    assert units.index("长沙市岳麓区卫生健康局") < units.index("重庆市渝中区财政局")  # cháng < chóng
    assert sorted(UNITS) != units  # code-point order would differ
    for unit in units:
        mine = [r for r in rows if r["实施单位"] == unit]
        valid = [r["计算总分"] for r in mine if r["核定"] != INVALID]
        assert valid == sorted(valid, reverse=True), unit
        flags = [r["核定"] == INVALID for r in mine]
        assert flags == sorted(flags), unit  # scores that cannot stand come after the ranked ones
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))


def test_roster_order_wins(tmp_path):
    inbox = build_inbox(tmp_path)
    roster = tmp_path / "名单.csv"
    order = list(reversed(UNITS))
    roster.write_text("单位,联系人,邮箱\n" + "".join(f"{u},某某,a{i}@b.cn\n" for i, u in enumerate(order)),
                      encoding="utf-8")
    result = merge([inbox], load_profile(), MergeOptions(roster=str(roster)))
    assert list(dict.fromkeys(p.unit for p in result.projects)) == order


def test_findings_list_has_unit_and_project_in_summary_order(district):
    wb = district["wb"]
    head = [c.value for c in wb["问题清单"][2]]
    assert head[:3] == ["序号", "实施单位", "项目名称"]
    rows = table(wb["问题清单"])
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))
    project_order = [(r["实施单位"], r["项目名称"]) for r in table(wb["项目汇总"])]
    seen = [k for k in dict.fromkeys((r["实施单位"], r["项目名称"]) for r in rows) if k[1]]
    assert seen == [k for k in project_order if k in set(seen)]
    for r in rows:
        if r["项目名称"]:
            assert r["实施单位"] in UNITS


# ---------------------------------------------------------------------- dashboard


def test_unit_ranking_red_and_black(district):
    result, wb = district["result"], district["wb"]
    lines = unit_lines(result)
    assert len(lines) == len(UNITS)
    averages = [u.average for u in lines]
    assert averages == sorted(averages, reverse=True)
    for u in lines:
        mine = [p for p in result.projects if p.unit == u.unit]
        assert u.projects == len(mine) == PER_UNIT
        assert u.invalid == sum(p.standing.invalid for p in mine)
        assert u.average == pytest.approx(statistics.mean(p.total_score for p in mine if not p.standing.invalid))
        assert u.board == (BLACK if u.invalid else RED if u.with_errors == 0 and u.average >= 90 else "")
    ws = wb["单位排名"]
    assert ws["A2"].value == UNIT_RULE
    sheet = table(ws)
    assert [r["实施单位"] for r in sheet] == [u.unit for u in lines]
    assert [r["榜单"] or "" for r in sheet] == [u.board for u in lines]
    assert ws._charts  # noqa: SLF001 - native chart


def test_money_and_score_quadrants(district):
    result, wb = district["result"], district["wb"]
    placed, median = place(result)
    plotted = [p for p in result.projects if not p.standing.invalid]
    assert median == pytest.approx(statistics.median(p.amount for p in plotted))
    for x in placed:
        p = x.project
        if p.standing.invalid:
            assert x.quadrant == NOT_PLOTTED
            continue
        high, low = p.amount >= median, p.total_score < 90
        assert x.quadrant == {(True, True): QUADRANTS[0], (True, False): QUADRANTS[1],
                              (False, True): QUADRANTS[2], (False, False): QUADRANTS[3]}[(high, low)]
    rows = table(wb["金额与得分"])
    assert len(rows) == len(result.projects)
    hi_lo = [r for r in rows if r["象限"] == QUADRANTS[0]]
    assert hi_lo and rows[: len(hi_lo)] == hi_lo  # listed first
    amounts = [r["全年执行数（万元）"] for r in hi_lo]
    assert amounts == sorted(amounts, reverse=True)
    ws = wb["金额与得分"]
    (chart,) = ws._charts  # noqa: SLF001
    assert f"{median:,.2f}万元" in ws["A2"].value and f"共{len(hi_lo)}个" in ws["A2"].value


def test_findings_by_kind(district):
    result, wb = district["result"], district["wb"]
    counted = Counter(f.code for f in result.findings)
    rows = kinds(result)
    assert {r[0]: r[3] for r in rows} == dict(counted)
    assert [r[3] for r in rows] == sorted((r[3] for r in rows), reverse=True)
    sheet = table(wb["问题分类"])
    assert {r["代码"]: r["出现次数"] for r in sheet} == dict(counted)
    assert wb["问题分类"]._charts  # noqa: SLF001


def test_file_verdicts_cover_every_file(district):
    rows = table(district["wb"]["文件清单"])
    assert len(rows) == len(UNITS) * PER_UNIT + 2
    verdicts = Counter(r["结论"] for r in rows)
    invalid = len(district["result"].invalid_projects)
    assert verdicts["不合格"] == invalid + 2  # 110-point forms and the two files that are not workbooks
    assert verdicts["合格"] + verdicts["需整改"] == len(UNITS) * PER_UNIT - invalid


# ---------------------------------------------------------------------- page setup


PRINTED = {"项目汇总": "M", "问题清单": "H", "文件清单": "I", "金额与得分": "G"}


def test_print_setup_of_every_sheet(district):
    wb = district["wb"]
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title  # one page wide (fitToWidth 1 by default)
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text, ws.title
        assert "汇总日期：2025年3月31日" in ws.oddHeader.right.text, ws.title
        assert ws.print_area, ws.title
    for name, last in PRINTED.items():
        ws = wb[name]
        assert re.search(rf"\$A\$1:\${last}\$\d+", ws.print_area), (name, ws.print_area)
        assert ws.print_title_rows, name
        heads = [c.value for c in next(r for r in ws.iter_rows(max_row=30) if r[0].value == "序号")]
        technical = {"来源文件", "工作表", "SHA-256", "大小（字节）"} & set(heads)
        for t in technical:  # right of the print area
            assert heads.index(t) >= ord(last) - ord("A") + 1, (name, t)
    ws = wb["项目汇总"]
    assert ws["A1"].value == "某区2024年度项目支出绩效自评汇总表"
    long = next(r for r in ws.iter_rows(min_row=3) if r[2].value and len(r[2].value) > 40)
    assert ws.row_dimensions[long[0].row].height >= 40 and long[2].alignment.wrap_text


@needs_lo
def test_every_sheet_prints_on_a4_at_80_percent_or_more(district, tmp_path):
    from print_check import render

    sheets = district["wb"].sheetnames
    prints, pdf = render(district["out"], tmp_path, ON, sheets)
    assert set(prints) == set(sheets), prints.keys()
    for name, sp in prints.items():
        assert sp.scales and sp.scale >= 0.80, (name, sp.scales)
    assert prints["报告文字"].pages == 1 and prints["分数段统计"].pages == 1
    assert prints["问题分类"].pages == 1
    # 200 projects: some 12 a page at these row heights; never one column strip per page
    assert 8 <= prints["项目汇总"].pages <= 30
    words = lo_render.words(pdf)
    # the 问题 column is not cut off: every finding's text word found on the pages
    text = "".join(w.text for w in words)
    for r in table(district["wb"]["问题清单"])[:30]:
        assert r["问题"].replace(" ", "")[:12] in text, r["问题"]


# ---------------------------------------------------------------------- the report draft


def test_report_draft_content(district):
    import docx

    result = district["result"]
    doc = docx.Document(str(district["report"]))
    paras = [p.text for p in doc.paragraphs]
    order = ["一、部门整体绩效评价报告", "（一）部门概况", "（二）当年预算执行情况", "（五）总体评价结论",
             "1.评价得分情况", "2.存在的问题及原因分析", "（六）措施建议", "附表1　项目支出绩效自评得分情况表",
             "附表2　评价得分分数段统计表"]
    at = [paras.index(h) for h in order]
    assert at == sorted(at)
    assert result.paragraph in paras and result.caveat in paras
    problems = paras[paras.index("2.存在的问题及原因分析") + 1]
    errors = sum(1 for f in result.findings if f.severity == "error")
    assert problems.startswith(f"本次汇总共审核自评表{len(result.projects)}份，发现错误{errors}个")
    executed = sum(p.amount for p in result.projects)
    assert any(f"全年执行数{executed:.2f}".rstrip("0").rstrip(".") in p for p in paras)
    placeholders = [p for p in doc.paragraphs if p.text.startswith("【待填写")]
    assert placeholders and all(p.runs[0].font.highlight_color is not None for p in placeholders)
    projects, bands = doc.tables
    assert len(projects.rows) == 1 + len(result.projects)
    assert projects.rows[1].cells[2].text == result.projects[0].name
    invalid_rows = [r for r in projects.rows[1:] if r.cells[10].text == INVALID]
    assert len(invalid_rows) == len(result.invalid_projects)
    assert all("(无效)" in r.cells[8].text and r.cells[9].text == "—" for r in invalid_rows)
    assert [c.text for c in bands.rows[-1].cells][:1] == ["合计"]
    for p in paras:
        assert not re.search(r"\d [\u4e00-\u9fff]|[\u4e00-\u9fff] \d", p), p


@pytest.mark.skipif(lo_render.SOFFICE is None or not lo_render.POPPLER or not Path(
    "/usr/lib/libreoffice/program/libswlo.so").exists(), reason="LibreOffice Writer not installed")
def test_report_draft_renders(district, tmp_path):
    src = tmp_path / "report.docx"
    src.write_bytes(district["report"].read_bytes())
    pdf = lo_render.convert([src], tmp_path / "pdf", tmp_path)[src]
    words = lo_render.words(pdf)
    pages = max(w.page for w in words)
    assert 4 <= pages <= 40
    text = "".join(w.text for w in words)
    assert "部门整体绩效评价报告" in text and "附表1" in text and "待填写" in text
