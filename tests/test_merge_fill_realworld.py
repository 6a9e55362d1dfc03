"""Real-world acceptance: ``jixiao merge`` over a folder of real published layouts mixed
with broken and duplicate files, and ``jixiao fill`` on foreign (non-template) layouts.

Every expected number is worked out by hand in the comments, from the cells the
builders in ``tests/real_layouts.py`` write.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import lo_render
import pytest
import real_layouts as L
from builders import Form, make_grid, write_xlsx
from jixiao.processor.cli.main import main
from jixiao.processor.core.engine import check_file
from jixiao.processor.core.marks import COMPUTED, MARK_FILL, NOTE_AUTHOR, RESULT_SHEET
from jixiao.processor.core.plan import KEEP
from jixiao.processor.files.openpyxl_write import fill_file
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from summary_table import table
from xlsx_snapshot import expected_mark, findings_table, snapshot

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
OLD, NEW = 1_700_000_000, 1_700_100_000


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hashes(root: Path) -> dict[str, tuple[str, float]]:
    return {str(p.relative_to(root)): (sha(p), p.stat().st_mtime)
            for p in sorted(root.rglob("*")) if p.is_file()}


def save_xls(sheet: L.Sheet, path: Path) -> Path:
    """A real-layout sheet as a BIFF8 .xls (merges included), as an old Excel would send it."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet.name)
    tops: dict[tuple[int, int], tuple[int, int]] = {}
    tails: set[tuple[int, int]] = set()
    for rng in sheet.merges:
        a, b = rng.split(":")
        (r1, c1), (r2, c2) = coordinate_to_tuple(a), coordinate_to_tuple(b)
        tops[(r1, c1)] = (r2, c2)
        tails |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    for (r1, c1), (r2, c2) in tops.items():
        ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, sheet.cells.get(f"{get_column_letter(c1)}{r1}", ""))
    for a1, v in sheet.cells.items():
        rc = coordinate_to_tuple(a1)
        if rc not in tops and rc not in tails:
            ws.write(rc[0] - 1, rc[1] - 1, v)
    wb.save(str(path))
    return path


# ============================================================================ merge

# Projects (score recomputed by hand from the cells; 涉及金额 = 年度资金总额 全年执行数):
#
#  file                                   year  score                                   band   amount  method
#  大英县司法局/安可.xlsx  (SC, as published) 2023  10 + 50+20+7+10 = 97                     90-100   3.36  单位自评
#  大英县司法局/工程款.xlsx (SC cost only)     2023  10 + 90 = 100                          90-100  30      部门评价 (file name)
#  大英县某局/工资福利_v2.xlsx (SC 4×22.5,    2023  科目调整次数 ≤10 actual 20 → 10/20×22.5   80-90  126      单位自评
#      newer; v1 older is replaced)             = 11.25; 22.5+11.25+22.5+22.5 = 78.75; +10 = 88.75
#  青神县发展和改革局/工资性支出.xlsx          2023  none: scores and 完成值 blank (I202)     <60   251.89  单位自评
#      (merge counts a project with no known total in the lowest band)
#  棠溪镇/委托业务项目.xls (安徽, as .xls)      2022  10 + 90 = 100                          90-100  89.974  单位自评
#  农技中心/农技推广.xlsx (template variant)   2021  98.09 − (19 − 200/400×20) − (20 − 100/200×20)
#                                                  = 98.09 − 9 − 10 = 79.09                60-80   38      部门评价 (name)
#  北京信访办/01_信访宣传项目经费.xlsx         2024  10 + 100 = 110 (> 100: top band)       90-100   4      单位自评
#  北京信访办/05_智慧信访系统运行维护.xlsx     2024  110                                    90-100  20.9    部门评价 (name)
#
# 部门评价 3: 90-100 ×2 (30 + 20.9 = 50.9), 60-80 ×1 (38); amount 88.9
# 单位自评 5: 90-100 ×3 (3.36 + 89.974 + 4 = 97.334 → 97.33), 80-90 ×1 (126), <60 ×1 (251.89);
#            amount 3.36 + 126 + 251.89 + 89.974 + 4 = 475.224 → 475.22
# 合计 8: 90-100 ×5 (50.9 + 97.334 = 148.234 → 148.23), 80-90 ×1 126, 60-80 ×1 38, <60 ×1 251.89;
#         amount 564.124 → 564.12.  Majority year 2023 (4 of 8) → "2024 年，…对 2023 年度".
#         --total-projects 10 → 8 ÷ 10 = 80%.

NAME_05 = "2024年度区信访办“智慧信访”系统运行维护项目费"

PROJECTS = {  # file → (project year, total score, method, method source, executed)
    "大英县司法局/安可.xlsx": (2023, 97.0, "单位自评", "默认", 3.36),
    "大英县司法局/工程款.xlsx": (2023, 100.0, "部门评价", "名单", 30.0),
    "大英县某局/工资福利_v2.xlsx": (2023, 88.75, "单位自评", "默认", 126.0),
    "青神县发展和改革局/工资性支出.xlsx": (2023, None, "单位自评", "默认", 251.89),
    "棠溪镇/委托业务项目.xls": (2022, 100.0, "单位自评", "默认", 89.974),
    "农技中心/农技推广.xlsx": (2021, 79.09, "部门评价", "名单", 38.0),
    "北京信访办/01_信访宣传项目经费.xlsx": (2024, 110.0, "单位自评", "默认", 4.0),
    "北京信访办/05_智慧信访系统运行维护.xlsx": (2024, 110.0, "部门评价", "名单", 20.9),
}

FILES = {  # every file → (status, reason fragment, code)
    **{name: ("已汇总", "", None) for name in PROJECTS},
    "大英县某局/工资福利_v1.xlsx": ("重复", "被“大英县某局/工资福利_v2.xlsx”的新版本替代", "J507"),
    "北京信访办/重发/01_信访宣传项目经费(1).xlsx": ("重复", "与“北京信访办/01_信访宣传项目经费.xlsx”内容相同", "J506"),
    "农技中心/加密.xlsx": ("未汇总", "加密", "J502"),
    "青神县发展和改革局/截断.xlsx": ("未汇总", "损坏", "J501"),
    "棠溪镇/情况说明.docx": ("已跳过", ".docx", "J505"),
    "大英县某局/~$工资福利_v2.xlsx": ("已跳过", "临时锁定文件", "J505"),
    "北京信访办/备注.txt": ("已跳过", "不是电子表格文件（.txt）", "J505"),
}

BANDS = {  # group → [(count, amount)] for 90-100, 80-90, 60-80, <60, then the group total
    "部门评价": [(2, 50.9), (0, 0), (1, 38), (0, 0), (3, 88.9)],
    "单位自评": [(3, 97.33), (1, 126), (0, 0), (1, 251.89), (5, 475.22)],
    "合计": [(5, 148.23), (1, 126), (1, 38), (1, 251.89), (8, 564.12)],
}

PARAGRAPH = (
    "2024年，县财政局对2023年度部门项目支出实施了绩效评价，评价项目8个，占部门项目总数的80%，"
    "涉及金额564.12万元。其中，部门评价项目3个，涉及金额88.9万元，"
    "评价得分在90（含）-100分的2个、评价得分在80（含）-90分的0个、"
    "评价得分在60（含）-80分的1个、评价得分在60分以下的0个。"
    "单位自评项目5个，涉及金额475.22万元，"
    "评价得分在90（含）-100分的3个、评价得分在80（含）-90分的1个、"
    "评价得分在60（含）-80分的0个、评价得分在60分以下的1个。"
)

# planted defects (error severity) → the file and cell they must be reported on
PLANTED = {
    ("大英县某局/工资福利_v2.xlsx", "I204", "J16"),  # 18.75 stated, 11.25 computed
    ("大英县某局/工资福利_v2.xlsx", "T304", "J19"),  # 96.25 stated, 88.75 computed
    ("农技中心/农技推广.xlsx", "I204", "H10"),  # 19 stated, 10 computed
    ("农技中心/农技推广.xlsx", "I204", "H14"),  # 20 stated, 10 computed
    ("农技中心/农技推广.xlsx", "I205", "J14"),  # missed target, no 偏差原因
    ("农技中心/农技推广.xlsx", "T304", "H17"),  # 98.09 stated, 79.09 computed
    ("大英县司法局/工程款.xlsx", "T303", "J16"),  # 合计 得分 blank
    ("青神县发展和改革局/工资性支出.xlsx", "F105", "H9"),
    ("青神县发展和改革局/工资性支出.xlsx", "T303", "J17"),
    ("北京信访办/01_信访宣传项目经费.xlsx", "T301", "G19"),  # weights 110
    ("北京信访办/05_智慧信访系统运行维护.xlsx", "T304", "H19"),  # 总分 100, computed 110
}


def build_inbox(root: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    for d in ("大英县司法局", "大英县某局", "青神县发展和改革局", "棠溪镇", "农技中心", "北京信访办/重发"):
        (root / d).mkdir(parents=True, exist_ok=True)
    L.sichuan_daying_anke_2023().save(root / "大英县司法局/安可.xlsx")
    L.sichuan_daying_cost_only_2023().save(root / "大英县司法局/工程款.xlsx")
    v1 = L.sichuan_wages_4x22_5().save(root / "大英县某局/工资福利_v1.xlsx")
    v2 = L.sichuan_wages_4x22_5().set(H16="20").save(root / "大英县某局/工资福利_v2.xlsx")
    L.sichuan_qingshen_wages_2023().save(root / "青神县发展和改革局/工资性支出.xlsx")
    save_xls(L.anhui_guichi_2022(total_row_zero=False).set(H7=1, H24=100), root / "棠溪镇/委托业务项目.xls")
    L.template_execution_indicator().set(F10="200人次", F14="100元").save(root / "农技中心/农技推广.xlsx")
    shutil.copyfile(EXAMPLES / "01_信访宣传项目经费.xlsx", root / "北京信访办/01_信访宣传项目经费.xlsx")
    shutil.copyfile(EXAMPLES / "01_信访宣传项目经费.xlsx", root / "北京信访办/重发/01_信访宣传项目经费(1).xlsx")
    shutil.copyfile(EXAMPLES / "05_智慧信访系统运行维护.xlsx", root / "北京信访办/05_智慧信访系统运行维护.xlsx")
    with open(root / "大英县司法局/安可.xlsx", "rb") as fin, open(root / "农技中心/加密.xlsx", "wb") as fout:
        OOXMLFile(fin).encrypt("1234", fout)
    data = (root / "大英县司法局/工程款.xlsx").read_bytes()
    (root / "青神县发展和改革局/截断.xlsx").write_bytes(data[: len(data) // 2])
    with zipfile.ZipFile(root / "棠溪镇/情况说明.docx", "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                   '2006/main"><w:body><w:p><w:r><w:t>情况说明</w:t></w:r></w:p></w:body></w:document>')
    (root / "大英县某局/~$工资福利_v2.xlsx").write_bytes(b"\x06Zhang " + b"\x00" * 155)
    (root / "北京信访办/备注.txt").write_text("请查收。", encoding="utf-8")
    # v1 older, v2 newer; the older one also sorts first, so the tie-break cannot hide a bug … and
    # a second inbox below swaps the names to make sure mtime decides.
    os.utime(v1, (OLD, OLD))
    os.utime(v2, (NEW, NEW))
    return root


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("merge")
    inbox = build_inbox(base / "收件")
    before = tree_hashes(inbox)
    out, js = base / "汇总.xlsx", base / "汇总.json"
    rc = main(["merge", str(inbox), "-o", str(out), "--json", str(js),
               "--dept-eval", "工程款.xlsx", "--dept-eval", "农业技术推广项目", "--dept-eval", NAME_05,
               "--department-name", "县财政局", "--total-projects", "10"])
    return {"rc": rc, "inbox": inbox, "before": before, "out": out,
            "json": json.loads(js.read_text(encoding="utf-8")), "wb": load_workbook(out)}


def test_merge_exit_code_and_inputs_untouched(merged):
    assert merged["rc"] == 0
    assert tree_hashes(merged["inbox"]) == merged["before"]


def test_merge_every_file_listed_once_with_status_and_reason(merged):
    files = merged["json"]["files"]
    assert sorted(f["file"] for f in files) == sorted(FILES)  # once each, nothing extra
    for f in files:
        status, reason, code = FILES[f["file"]]
        assert f["status_cn"] == status, f
        assert reason in f["reason"], f
        assert f["code"] == code, f
    rows = table(merged["wb"]["文件清单"])
    assert sorted(r["文件"] for r in rows) == sorted(FILES)
    for r in rows:
        assert r["状态"] == FILES[r["文件"]][0] and FILES[r["文件"]][1] in (r["说明"] or ""), r
    s = merged["json"]["summary"]
    assert (s["files"], s["merged"], s["failed"], s["duplicate"], s["skipped"], s["projects"]) == (15, 8, 2, 2, 3, 8)
    # every file neither merged nor skipped (no spreadsheet) has its one J5xx line in the findings
    jfind = {(f["file"], f["code"]) for f in merged["json"]["findings"] if f["code"].startswith("J5")}
    assert jfind == {(n, c) for n, (s_, _, c) in FILES.items() if c and s_ != "已跳过"}


def test_merge_projects_scores_methods_amounts(merged):
    got = {p["file"]: p for p in merged["json"]["projects"]}
    assert set(got) == set(PROJECTS)
    for name, (year, score, method, source, executed) in PROJECTS.items():
        p = got[name]
        assert p["year"] == year, name
        assert p["scores"]["total_score"] == (pytest.approx(score) if score is not None else None), name
        assert (p["method"], p["method_source"]) == (method, source), name
        assert p["executed"] == pytest.approx(executed), name
    rows = table(merged["wb"]["项目汇总"])
    assert len(rows) == 8
    for r in rows:
        _, score, method, _, executed = PROJECTS[r["来源文件"]]
        assert r["计算总分"] == (pytest.approx(score) if score is not None else None)
        assert r["评价方式"] == method
        assert r["全年执行数（万元）"] == pytest.approx(executed)


def test_merge_band_counts_and_amounts(merged):
    groups = merged["json"]["bands"]["groups"]
    for g, expected in BANDS.items():
        got = [(b["count"], b["amount"]) for b in groups[g]["by_band"]] + [(groups[g]["count"], groups[g]["amount"])]
        assert got == [(c, pytest.approx(a, abs=1e-9)) for c, a in expected], g
    ws = merged["wb"]["分数段统计"]
    by_label = {r[0]: r[1:7] for r in ws.iter_rows(min_row=5, max_row=9, values_only=True)}
    labels = ["90（含）-100分", "80（含）-90分", "60（含）-80分", "60分以下", "合计"]
    assert list(by_label) == labels
    for i, label in enumerate(labels):
        row = by_label[label]
        for j, g in enumerate(("部门评价", "单位自评", "合计")):
            count, amount = BANDS[g][i]
            assert row[2 * j] == count, (label, g)
            assert round(row[2 * j + 1], 2) == pytest.approx(amount), (label, g)


def test_merge_paragraph_is_the_seed_sentence_with_our_numbers(merged):
    assert merged["json"]["paragraph"] == PARAGRAPH
    assert merged["wb"]["报告文字"]["A3"].value == PARAGRAPH


def test_merge_planted_findings_on_the_right_file_and_cell(merged):
    got = {(f["file"], f["code"], f["cell"]) for f in merged["json"]["findings"] if f["severity"] == "error"}
    assert PLANTED <= got
    # the replaced v1 (score 96.25, consistent) contributes no project findings
    assert not any(f["file"] == "大英县某局/工资福利_v1.xlsx" and not f["code"].startswith("J")
                   for f in merged["json"]["findings"])
    ws = merged["wb"]["问题清单"]
    listed = {(r["来源文件"], r["单元格"], r["代码"]) for r in table(ws)}
    assert {(f, c, code) for f, code, c in PLANTED} <= listed


def test_merge_newer_version_decided_by_mtime_not_by_name(tmp_path):
    """Swap the roles: the file whose name sorts later is the *older* one."""
    root = tmp_path / "收件"
    (root / "单位").mkdir(parents=True)
    old = L.sichuan_wages_4x22_5().set(H16="20").save(root / "单位/工资福利_z.xlsx")  # 88.75
    new = L.sichuan_wages_4x22_5().save(root / "单位/工资福利_a.xlsx")  # 96.25
    os.utime(old, (OLD, OLD))
    os.utime(new, (NEW, NEW))
    js = tmp_path / "a.json"
    assert main(["merge", str(root), "-o", str(tmp_path / "a.xlsx"), "--json", str(js)]) == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    st = {f["file"]: (f["status_cn"], f["reason"]) for f in data["files"]}
    assert st == {"单位/工资福利_a.xlsx": ("已汇总", ""),
                  "单位/工资福利_z.xlsx": ("重复", "被“单位/工资福利_a.xlsx”的新版本替代")}
    assert [p["scores"]["total_score"] for p in data["projects"]] == [96.25]


def _template_form(path: Path, project: str) -> Path:
    """Our own template filled in by a unit that never touched the 评价方式 dropdown."""
    wb = load_workbook(Path(__file__).resolve().parent.parent / "templates" / "自评表.xlsx")
    ws = wb["自评表"]
    ws["B3"], ws["B4"], ws["F4"] = project, "某局", "某中心"
    ws["D7"], ws["E7"], ws["F7"] = 50, 50, 40
    ws["D8"], ws["E8"], ws["F8"] = 50, 50, 40
    wb.save(path)
    return path


def test_merge_dept_eval_list_decides_for_the_template_and_conflicts_are_reported(tmp_path):
    """The template leaves 评价方式 blank, so the department's list decides; a unit that
    picked 单位自评 for a listed project keeps its choice, and the conflict is reported (D409)."""
    root = tmp_path / "收件"
    root.mkdir()
    _template_form(root / "甲.xlsx", "模板项目甲")
    chosen = _template_form(root / "乙.xlsx", "模板项目乙")
    wb = load_workbook(chosen)
    wb["自评表"]["B5"] = "单位自评"
    wb.save(chosen)
    js = tmp_path / "a.json"
    assert main(["merge", str(root), "-o", str(tmp_path / "a.xlsx"), "--json", str(js),
                 "--dept-eval", "模板项目甲", "--dept-eval", "模板项目乙"]) == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    methods = {p["project"]: (p["method"], p["method_source"]) for p in data["projects"]}
    assert methods == {"模板项目甲": ("部门评价", "名单"), "模板项目乙": ("单位自评", "表内填写")}
    d409 = [f for f in data["findings"] if f["code"] == "D409"]
    assert len(d409) == 1 and d409[0]["file"] == "乙.xlsx" and d409[0]["cell"] == "B5"
    assert "模板项目乙" in d409[0]["message"] and "部门评价" in d409[0]["message"]
    assert not [f for f in data["findings"] if f["code"] == "D407"]  # both names were found


# ============================================================================ fill

# name → (sheet, {cell: value the filled copy must hold}, {(code, cell)} error findings exactly)
FILL_CASES: dict[str, tuple[Any, dict[str, Any], set[tuple[str, str]]]] = {
    # 安徽: total 10 + 90 = 100, everything right → nothing rewritten
    "anhui_ok": (L.anhui_guichi_2022(total_row_zero=False).set(H7=1, H24=100), {"I6": 10, "H24": 100}, set()),
    # as published: total row 0/0/0 → no rate; the 其中 row's blank 执行率 gets 89.974/89.974 = 1
    "anhui_published": (L.anhui_guichi_2022(), {"H7": 1, "I6": 0, "H24": 90},
                        {("F101", "D6"), ("F101", "E6"), ("F101", "F6"), ("F102", "E6")}),
    # wrong 总分 95 → 100
    "anhui_wrong_total": (L.anhui_guichi_2022(total_row_zero=False).set(H7=1, H24=95), {"H24": 100},
                          {("T304", "H24")}),
    # missing 资金得分 (总分 90 = indicators only) → I6 = 1 × 10 = 10, 总分 100
    "anhui_missing_exec_score": (L.anhui_guichi_2022(total_row_zero=False).set(H7=1, I6=None, H24=90),
                                 {"I6": 10, "H24": 100}, {("F105", "I6"), ("T304", "H24")}),
    # 数量 ≥50个, actual 40, stated 8 → 40/50 × 8 = 6.4; total 10 + 88.4 = 98.4
    "anhui_quant_wrong": (L.anhui_guichi_2022(total_row_zero=False).set(H7=1, H24=100, F13=40),
                          {"H13": 6.4, "H24": 98.4}, {("I204", "H13"), ("I205", "I13"), ("T304", "H24")}),
    # 四川 安可: 10 + 87 = 97, all right (numbers stored as text stay as typed)
    "sichuan_ok": (L.sichuan_daying_anke_2023(), {"H9": "10", "J19": "97"}, set()),
    "sichuan_wrong_total": (L.sichuan_daying_anke_2023().set(J19="90"), {"J19": 97}, {("T304", "J19")}),
    "sichuan_missing_exec_score": (L.sichuan_daying_anke_2023().set(H9=None), {"H9": 10, "J19": "97"},
                                   {("F105", "H9")}),
    # 购买安可电脑数量 ≥13台, actual 10 → 10/13 × 20 = 15.3846 → 15.38; total 10 + 82.38 = 92.38
    "sichuan_quant_wrong": (L.sichuan_daying_anke_2023().set(H16="10"), {"J16": 15.38, "J19": 92.38},
                            {("I204", "J16"), ("I205", "K16"), ("T304", "J19")}),
    # stated 执行率 90% while 3.36/3.36 = 100%
    "sichuan_wrong_rate": (L.sichuan_daying_anke_2023().set(F9="90.00%"), {"F9": 1}, {("F103", "F9")}),
    # 青神 as published: H9 blank → 10; no 完成值 and no 得分 → the total cannot be known, J17 stays blank
    "sichuan_qingshen": (L.sichuan_qingshen_wages_2023(), {"H9": 10},
                         {("F105", "H9"), ("I220", "H15"), ("I202", "J15"), ("I220", "H16"), ("I202", "J16"),
                          ("T303", "J17")}),
    # 4×22.5: 科目调整次数 ≤10 actual 12 → 10/12 × 22.5 = 18.75 (stated right), total 96.25
    "sichuan_wages_ok": (L.sichuan_wages_4x22_5(), {"J16": "18.75", "J19": "96.25"}, set()),
    "sichuan_cost_total_blank": (L.sichuan_daying_cost_only_2023(), {"J16": 100}, {("T303", "J16")}),
    # template variant (no 分值/得分 in the funding block): 98.09, all right
    "template_ok": (L.template_execution_indicator(), {"H10": 19, "H17": 98.09}, set()),
    # 技术培训人次 380 of ≥400 stated 20 → 19
    "template_quant_wrong": (L.template_execution_indicator().set(H10=20), {"H10": 19, "H17": 98.09},
                             {("I204", "H10")}),
    "template_wrong_total": (L.template_execution_indicator().set(H17=90), {"H17": 98.09}, {("T304", "H17")}),
    "template_wrong_rate": (L.template_execution_indicator().set(E6="90%"), {"E6": 0.95}, {("F103", "E6")}),
}


def _save_case(name: str, tmp_path: Path) -> Path:
    sheet = FILL_CASES[name][0]
    return sheet.save(tmp_path / f"{name}.xlsx")


def _num(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


@pytest.mark.parametrize("name", list(FILL_CASES))
def test_fill_real_layout(name: str, tmp_path: Path) -> None:
    sheet, values, errors = FILL_CASES[name]
    src = _save_case(name, tmp_path)
    before = sha(src)
    res = check_file(src).sheets[0]
    assert {(f.code, f.cell) for f in res.findings if f.severity == "error"} == errors
    assert main(["fill", str(src), "-o", str(tmp_path / "out.xlsx")]) == (1 if errors else 0)
    out = tmp_path / "out.xlsx"
    assert sha(src) == before  # the input is untouched
    wb = load_workbook(out)
    ws = wb[sheet.name]
    # computed cells hold the right value on the right row
    for cell, v in values.items():
        got = ws[cell].value
        if isinstance(v, str):
            assert got == v or _num(got) == pytest.approx(float(v)), (cell, got)
        else:
            assert _num(got) == pytest.approx(v), (cell, got)
    # nothing outside the engine's cells changed
    orig = load_workbook(src)[sheet.name]
    changed = {c.coordinate for row in ws.iter_rows() for c in row if c.value != orig[c.coordinate].value}
    assert changed <= set(values), changed
    # every finding's cell carries its mark (the computed look where jixiao wrote, else the worst
    # severity's colour) and a note with each message; every written cell a note saying so
    written = {c.cell for c in fill_file(src, tmp_path / "again.xlsx").plan.changes if c.value is not KEEP}
    by_cell: dict[str, list] = {}
    for f in res.findings:
        if f.cell:
            by_cell.setdefault(f.cell.split(":")[0], []).append(f)
    for cell, fs in by_cell.items():
        assert ws[cell].fill.fgColor.rgb == "FF" + expected_mark(fs, cell in changed), (cell, fs)
        assert ws[cell].comment is not None and ws[cell].comment.author == NOTE_AUTHOR, cell
        for f in fs:
            assert f.code in ws[cell].comment.text and f.message in ws[cell].comment.text, (cell, f.code)
    assert changed <= written
    for cell in changed:
        assert ws[cell].comment.text.startswith("已填入计算结果"), cell
        assert ws[cell].fill.fgColor.rgb == "FF" + MARK_FILL[COMPUTED], cell
    # the 校验结果 sheet lists every finding, linked to its cell
    rs = wb[RESULT_SHEET]
    rows = findings_table(rs)
    assert sorted((r[2], r[4] or None) for _, r in rows) == sorted((f.code, f.cell) for f in res.findings)
    for i, r in rows:
        if r[4]:
            link = rs.cell(i, 5).hyperlink
            assert link is not None and link.location == f"'{sheet.name}'!{r[4].split(':')[0]}", r


@pytest.mark.parametrize("name", list(FILL_CASES))
def test_fill_twice_equals_fill_once_realworld(name: str, tmp_path: Path) -> None:
    src = _save_case(name, tmp_path)
    y = fill_file(src, tmp_path / "y.xlsx").output
    z = fill_file(y, tmp_path / "z.xlsx").output
    assert snapshot(y) == snapshot(z)


def test_fill_grade_row_on_a_builders_table(tmp_path: Path) -> None:
    # 9.5 + 90 = 99.5 → 优, the filler wrote 良 in the 自评等级 row (row 20, B)
    src = write_xlsx(tmp_path / "g.xlsx", make_grid(Form(grade="良")))
    before = sha(src)
    out = fill_file(src, tmp_path / "o.xlsx").output
    assert sha(src) == before
    ws = load_workbook(out)["自评表"]
    assert ws["B20"].value == "优"
    assert ws["B20"].fill.fgColor.rgb == "FF" + MARK_FILL[COMPUTED]  # jixiao's value, not an error any more
    assert "T306" in ws["B20"].comment.text and "已填入计算结果（原为 良）" in ws["B20"].comment.text
    assert ws["H19"].value == 99.5


@pytest.mark.skipif(lo_render.SOFFICE is None or not lo_render.POPPLER, reason="LibreOffice / poppler not installed")
def test_filled_copy_renders_with_visible_marks(tmp_path: Path) -> None:
    """Render the 四川 wrong-score copy; every kind of mark must reach the page."""
    src = _save_case("sichuan_quant_wrong", tmp_path)
    out = fill_file(src, tmp_path / "filled.xlsx").output
    pdf = lo_render.convert([out], tmp_path / "pdf", tmp_path)[out]
    # the sheet has no print setup, so LibreOffice splits it: columns I-K (权重/得分/原因) land on page 2
    pages = [lo_render.Raster(pdf, page, dpi=60) for page in (1, 2)]
    hits = {kind: sum(p.count(rgb) for p in pages) for kind, rgb in MARK_FILL.items()}
    assert hits["error"] > 50  # K16 (no 偏差原因)
    assert hits[COMPUTED] > 50  # J16 15.38, J19 92.38: values jixiao wrote
    assert hits["warning"] > 50  # F17 “有效推进”
    assert hits["info"] > 50  # B15, B17: I218 (一级指标 分值合计 vs the rule), info
