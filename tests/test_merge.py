"""``jixiao merge``: every file accounted for, duplicates, bands, safe and stable output."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from hostile_corpus import _encrypted_xls, write_minimal_form, write_minimal_form_xls
from jixiao.processor.cli.main import main
from jixiao.processor.core.rules import load_profile
from jixiao.processor.merge.json_out import to_json
from jixiao.processor.merge.run import MergeOptions, merge
from jixiao.processor.merge.summary_xlsx import render, write_summary
from openpyxl import load_workbook
from summary_table import table

HYPERLINK = '=HYPERLINK("http://example.com","点我")'
OLD, NEW = 1_700_000_000, 1_700_100_000


def _funds(budget: float, executed: float):
    return [("年度资金总额", budget, budget, executed), ("其中：当年财政拨款", budget, budget, executed),
            ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0)]


@pytest.fixture()
def forms(tmp_path: Path) -> Path:
    root = tmp_path / "收件"
    for sub in ("单位A", "单位B", "单位C"):
        (root / sub).mkdir(parents=True)
    write_minimal_form(root / "单位A" / "a.xlsx", "项目甲", unit="单位A", funds=_funds(30, 30))
    write_minimal_form_xls(root / "单位A" / "b.xls", "项目乙", unit="单位A", funds=_funds(20, 20))
    write_minimal_form(root / "单位B" / "c.xlsx", HYPERLINK, unit="单位B", funds=_funds(10, 10))
    shutil.copyfile(root / "单位A" / "a.xlsx", root / "单位B" / "a_copy.xlsx")
    write_minimal_form(root / "单位C" / "v1.xlsx", "项目丙", unit="单位C", funds=_funds(5, 4))
    write_minimal_form(root / "单位C" / "v2.xlsx", "项目丙", unit="单位C", funds=_funds(5, 5))
    os.utime(root / "单位C" / "v1.xlsx", (NEW, NEW))  # v1 is the newer one by modification time
    os.utime(root / "单位C" / "v2.xlsx", (OLD, OLD))
    write_minimal_form(root / "单位C" / "d.xlsx", "项目丁", unit="单位C", funds=_funds(50, 30))  # 88 分
    _encrypted_xls(root / "加密.xls")
    data = (root / "单位A" / "a.xlsx").read_bytes()
    (root / "坏文件.xlsx").write_bytes(data[: len(data) // 2])
    (root / "说明.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    (root / "单位A" / "~$a.xlsx").write_bytes(b"\x05jixiao" + b"\x00" * 100)
    (root / "空.xlsx").write_bytes(b"")
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "通讯录"
    wb.save(root / "通讯录.xlsx")
    return root


EXPECTED = {
    "单位A/a.xlsx": ("已汇总", ""),
    "单位A/b.xls": ("已汇总", ""),
    "单位A/~$a.xlsx": ("已跳过", "临时锁定文件"),
    "单位B/a_copy.xlsx": ("重复", "与“单位A/a.xlsx”内容相同"),
    "单位B/c.xlsx": ("已汇总", ""),
    "单位C/d.xlsx": ("已汇总", ""),
    "单位C/v1.xlsx": ("已汇总", ""),
    "单位C/v2.xlsx": ("重复", "被“单位C/v1.xlsx”的新版本替代"),
    "加密.xls": ("未汇总", "加密"),
    "坏文件.xlsx": ("未汇总", "损坏"),
    "空.xlsx": ("未汇总", "空"),
    "说明.pdf": ("已跳过", "不是电子表格文件"),
    "通讯录.xlsx": ("未汇总", "没有可识别的项目支出绩效自评表"),
}


def _hashes(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_file_accounted_for(forms: Path):
    result = merge([forms], load_profile())
    got = {f.name: (f.status_cn, f.reason) for f in result.files}
    assert sorted(got) == sorted(EXPECTED)
    for name, (status, reason) in EXPECTED.items():
        assert got[name][0] == status, name
        assert reason in got[name][1], (name, got[name])
    assert len(result.projects) == 5
    # every file not merged has one finding in the list; a skipped one (no spreadsheet) is
    # listed in 文件清单 only, it is no problem of the batch
    listed = {f.file for f in result.findings if f.code.startswith("J")}
    assert listed == {n for n, (s, _) in EXPECTED.items() if s not in ("已汇总", "已跳过")}
    bands = result.bands.totals["合计"]
    assert bands.count == 5 and float(bands.amount) == 30 + 20 + 10 + 4 + 30
    assert [c.count for c in result.bands.cells["单位自评"]] == [4, 1, 0, 0]
    assert result.summary_line().startswith(
        "共发现 13 个文件：已汇总 5 个（5 个项目），未汇总 4 个，重复 2 个，已跳过 2 个（非表格文件）；")


def test_summary_workbook(forms: Path, tmp_path: Path):
    before = _hashes(forms)
    out = tmp_path / "汇总.xlsx"
    result = merge([forms], load_profile(), MergeOptions(dept_evaluated=["项目丁"]))
    write_summary(result, out)
    assert _hashes(forms) == before  # inputs never modified
    wb = load_workbook(out)
    assert wb.sheetnames == ["项目汇总", "分数段统计", "报告文字", "单位排名", "金额与得分", "问题分类",
                             "问题清单", "文件清单"]
    ws = wb["项目汇总"]
    assert ws.freeze_panes == "D3" and ws.auto_filter.ref
    rows = table(ws)
    ding = next(r for r in rows if r["项目名称"] == "项目丁")
    assert ding["评价方式"] == "部门评价" and ding["计算总分"] == pytest.approx(88)
    link = next(c for c in ws["C"] if c.value == HYPERLINK)
    assert link.data_type == "s"  # visible text, not a formula
    assert ws["F3"].number_format == "#,##0.00" and ws["G3"].number_format == "0.00%"
    bands = wb["分数段统计"]
    assert bands["B6"].value == 1 and bands["C6"].value == 30  # 部门评价, 80–90: 项目丁
    assert bands._charts  # noqa: SLF001 - a native chart
    assert wb["问题清单"].auto_filter.ref.startswith("A2:J")
    files = table(wb["文件清单"])
    assert {r["文件"]: r["状态"] for r in files} == {k: v[0] for k, v in EXPECTED.items()}
    assert "部门评价项目1个，涉及金额30万元，评价得分在90（含）-100分的0个、评价得分在80（含）-90分的1个" \
        in wb["报告文字"]["A3"].value
    assert wb.properties.created.year == 2000


def test_stable_output(forms: Path, tmp_path: Path):
    profile = load_profile()
    one = render(merge([forms], profile, MergeOptions(workers=1)))
    assert render(merge([forms], profile, MergeOptions(workers=1))) == one
    assert render(merge([forms], profile, MergeOptions(workers=2))) == one
    subs = sorted(p for p in forms.iterdir() if p.is_dir())
    a = render(merge(subs, profile))
    assert render(merge(list(reversed(subs)), profile)) == a


def test_cli_and_json(forms: Path, tmp_path: Path, capsys):
    out, js = tmp_path / "out" / "汇总.xlsx", tmp_path / "out" / "汇总.json"
    out.parent.mkdir()
    dept = tmp_path / "部门.csv"
    dept.write_text("预算数,794.51\n执行数,775.77\n结转结余,24.68\n结转结余率,3.42%\n部门名称,区信访办\n"
                    "部门项目总数,10\n部门评价项目,项目丁；不存在的项目\n", encoding="utf-8")
    rc = main(["merge", str(forms), "-o", str(out), "--json", str(js), "--department", str(dept)])
    assert rc == 0  # written; the files not merged are listed in 文件清单
    line = capsys.readouterr().out.strip()
    assert line.startswith("共发现 13 个文件：已汇总 5 个") and line.endswith(str(out))
    assert sorted(p.name for p in out.parent.iterdir()) == ["汇总.json", "汇总.xlsx"]  # no temp files left
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["summary"]["projects"] == 5 and len(data["files"]) == 13
    assert "项目丁" in [p["record"]["project"]["raw"] for p in data["projects"]]
    assert "占部门项目总数的50%" in data["paragraph"] and data["paragraph"].startswith("2025年，区信访办对")
    codes = {f["code"] for f in data["findings"]}
    assert {"D401", "D402", "D407", "J502", "J506", "J507"} <= codes
    wb = load_workbook(out)
    assert "部门指标" in wb.sheetnames


def test_output_inside_input_folder_is_skipped(forms: Path, capsys):
    out = forms / "汇总.xlsx"
    assert main(["merge", str(forms), "-o", str(out)]) == 0
    first = out.read_bytes()
    assert main(["merge", str(forms), "-o", str(out)]) == 0
    assert out.read_bytes() == first


def test_usage_errors(tmp_path: Path, capsys):
    assert main(["merge", str(tmp_path), "-o", str(tmp_path / "nope" / "x.xlsx")]) == 2
    assert main(["merge", str(tmp_path), "-o", str(tmp_path / "x.xlsx"), "--workers", "0"]) == 2
    assert "jixiao：" in capsys.readouterr().err


def test_empty_folder(tmp_path: Path):
    result = merge([tmp_path], load_profile())
    assert result.files == [] and result.projects == []
    assert result.paragraph == "评价项目0个，占部门项目总数的—，涉及金额0万元。"
    assert to_json(result)["summary"]["files"] == 0
    render(result)  # an empty summary is still a valid workbook


def test_collect_register_decides_the_newer_version(forms: Path):
    from jixiao.processor.collect.manifest import Manifest, ManifestEntry
    from jixiao.processor.files.fileio import sha256_file

    man = Manifest(forms)
    for name, received in (("v1.xlsx", "2025-01-10T09:00:00+08:00"), ("v2.xlsx", "2025-01-12T09:00:00+08:00")):
        path = forms / "单位C" / name
        man.add(ManifestEntry(status="saved", sender="c@example.com", sender_name="单位C", received=received,
                              sha256=sha256_file(path), saved_path=f"单位C/{name}"))
    man.save()
    result = merge([forms], load_profile())
    got = {f.name: f for f in result.files}
    assert got["单位C/v2.xlsx"].status_cn == "已汇总"  # received later, though modified earlier
    assert got["单位C/v1.xlsx"].reason == "被“单位C/v2.xlsx”的新版本替代"
    assert got["单位C/v2.xlsx"].sender == "单位C <c@example.com>"
    assert got["收件登记.json"].status_cn == "已跳过" and "收件登记" in got["收件登记.json"].reason


def test_roster_lists_missing_units_and_units_with_errors(tmp_path: Path, capsys):
    from builders import Form, make_grid, write_xlsx

    src = tmp_path / "收件"
    src.mkdir()
    write_xlsx(src / "甲.xlsx", make_grid(Form(project="甲项目", unit="甲中心")))
    write_xlsx(src / "乙.xlsx", make_grid(Form(project="乙项目", unit="乙中心", total_row=(100, 90))))  # T304
    roster = tmp_path / "名单.csv"
    roster.write_text("单位,联系人,邮箱\n甲中心,张三,zhang@a.cn\n乙中心,李四,li@b.cn\n丙中心,王五,wang@c.cn\n",
                      encoding="gbk")
    out = tmp_path / "汇总.xlsx"
    assert main(["merge", str(src), "-o", str(out), "--roster", str(roster), "--json", str(tmp_path / "a.json")]) == 0
    assert "未提交 1 个，有错误 1 个" in capsys.readouterr().out
    rows = list(load_workbook(out)["报送情况"].iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[4]) for r in rows] == [("丙中心", "未提交"), ("乙中心", "有错误"), ("甲中心", "已提交")]
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert {u["unit"]: u["status"] for u in data["roster"]} == {"甲中心": "ok", "乙中心": "errors", "丙中心": "missing"}


def test_bad_roster_stops_before_reading(tmp_path: Path, capsys):
    bad = tmp_path / "名单.csv"
    bad.write_text("随便,什么\n1,2\n", encoding="utf-8")
    assert main(["merge", str(tmp_path), "-o", str(tmp_path / "x.xlsx"), "--roster", str(bad)]) == 2
    assert "名单" in capsys.readouterr().err


def test_stacked_forms_are_deduplicated_one_by_one(tmp_path: Path):
    """A file with 项目甲 and 项目乙 stacked on one sheet; a newer file with 项目甲 alone."""
    from builders import Form, make_grid, write_xlsx
    from jixiao.processor.core.grid import Grid

    upper, lower = make_grid(Form(project="项目甲")), make_grid(Form(project="项目乙"))
    stacked = Grid("自评表", upper.rows + [[None]] + lower.rows)
    old, new = tmp_path / "A.xlsx", tmp_path / "B.xlsx"
    write_xlsx(old, stacked)
    write_xlsx(new, make_grid(Form(project="项目甲")))
    os.utime(old, (1_600_000_000, 1_600_000_000))
    os.utime(new, (1_700_000_000, 1_700_000_000))
    js = tmp_path / "a.json"
    assert main(["merge", str(old), str(new), "-o", str(tmp_path / "x.xlsx"), "--json", str(js)]) == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    assert sorted((p["project"], Path(p["file"]).name) for p in data["projects"]) == [
        ("项目乙", "A.xlsx"), ("项目甲", "B.xlsx")]


def test_streamed_json_is_exactly_the_document(forms: Path, tmp_path: Path):
    """--json is written project by project with each record's text spliced in as its worker
    made it; the bytes are those of dumping the whole document at once."""
    from jixiao.processor.merge.json_out import write_json

    result = merge([forms], load_profile(), MergeOptions(extras=("json",), department_name="区信访办"))
    out = tmp_path / "a.json"
    write_json(result, out)
    whole = json.dumps(to_json(result), ensure_ascii=False, indent=1)
    assert out.read_text(encoding="utf-8") == whole
    assert json.loads(whole)["projects"][0]["record"]["project"]["raw"]
    empty = merge([tmp_path / "nothing"] if (tmp_path / "nothing").mkdir() is None else [], load_profile(),
                  MergeOptions(extras=("json",)))
    write_json(empty, out)
    assert out.read_text(encoding="utf-8") == json.dumps(to_json(empty), ensure_ascii=False, indent=1)


def test_submitted_text_is_text_in_the_summary_whatever_it_holds(tmp_path: Path):
    """A project name that looks like rich-text XML (xlsxwriter writes "<r>…</r>" strings raw),
    markup and an over-long text: each comes back as the text it was (the long one cut at
    Excel's 32,767 characters; the reader trims edge spaces), and nothing shifts."""
    names = {
        "a.xlsx": "<r><t>项目</t></r></si><si><t>注入</t></si><si><r><t>x</t></r>",
        "b.xlsx": "A&B <项目> \"引号\"",
        "c.xlsx": "  前后有空格  ",
        "e.xlsx": "长" * 40_000,
    }
    folder = tmp_path / "in"
    folder.mkdir()
    for file, name in names.items():
        write_minimal_form(folder / file, name, unit=file)
    out = tmp_path / "汇总.xlsx"
    write_summary(merge([folder], load_profile()), out)
    wb = load_workbook(out)
    got = {r["来源文件"]: r["项目名称"] for r in table(wb["项目汇总"])}
    assert got == {**names, "c.xlsx": "前后有空格", "e.xlsx": "长" * 32_767}
    assert [r["文件"] for r in table(wb["文件清单"])] == sorted(names)


def test_control_characters_written_as_excel_escapes():
    from jixiao.processor.merge.sheet_xml import Cells, text_xml

    c = Cells()
    c.start(7)
    c.text(1, "  前后有空格  ", 3)
    c.number(2, None, 4)
    c.number(3, 0.1 + 0.2, 5)
    assert c.xml() == ('<row r="7"><c r="B7" s="3" t="inlineStr"><is><t xml:space="preserve">  前后有空格  </t>'
                       '</is></c><c r="C7" s="4"/><c r="D7" s="5"><v>0.3</v></c></row>')

    assert text_xml("响铃\x07字符") == "响铃\\u0007字符"  # shown, as in the CSV and on the terminal
    assert text_xml("反向\u202e文字") == "反向\\u202e文字"
    assert text_xml("非字符\uffff") == "非字符_xFFFF_"  # XML cannot hold it: OOXML's own escape
    assert text_xml("已是_x0007_的文字") == "已是_x005F_x0007_的文字"  # a literal escape stays literal
    assert text_xml("a<b&c>") == "a&lt;b&amp;c&gt;"
    assert text_xml("换行\n与制表\t") == "换行\n与制表\t"
