"""``jixiao check --explain`` and the read map in the JSON: how a table was read, said plainly."""

from __future__ import annotations

import json

from builders import Form, make_grid, replace_cells, write_xlsx
from jixiao.processor.cli.explain import plain
from jixiao.processor.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, _err = capsys.readouterr()
    return code, out


def test_explain_names_the_header_rows_every_column_and_why(capsys, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", make_grid(Form(placeholder_rows=2)))
    code, out = run(capsys, "check", "--explain", str(path))
    assert code == 0
    assert "【读表说明】" in out and "项目资金表：表头在第 5 行" in out and "绩效指标表：表头在第 12 行" in out
    assert "E5    “全年执行数” → 全年执行数（含“执行数”）" in out
    assert "G12   “分值” → 分值（即“分值”）" in out
    assert "指标行：第 13–18 行，共 6 行" in out
    assert "跳过第 19 行：模板占位行“指标2”" in out and "跳过第 20 行：模板占位行“……”" in out
    assert "总分：第 21 行“总分”" in out
    assert "指标分值：分值列 G12“分值”" in out and "预算执行率分值：资金表分值格 F6" in out
    # without --explain: the findings only
    _, short = run(capsys, "check", str(path))
    assert "【读表说明】" not in short


def test_explain_says_what_was_not_identified_and_which_figures_are_withheld(capsys, tmp_path):
    g = make_grid(Form())
    row = next(r for r in g.rows if "三级指标" in r)
    row[row.index("分值")] = "标准"
    path = write_xlsx(tmp_path / "no_weights.xlsx", g)
    code, out = run(capsys, "check", "--explain", str(path))
    assert code == 1  # R014 is an error
    assert "未认出的表头：G12“标准”" in out
    assert "未能识别：" in out and "R014" in out and "不给出" in out and "总分" in out
    assert "总分 无法确定" in out and "权重合计 无法确定" in out and "权重合计 10" not in out


def test_json_carries_the_versioned_read_map_and_nulls_for_what_is_not_known(capsys, tmp_path):
    g = make_grid(Form())
    row = next(r for r in g.rows if "三级指标" in r)
    row[row.index("分值")] = "标准"
    path = write_xlsx(tmp_path / "no_weights.xlsx", g)
    _, out = run(capsys, "check", "--format", "json", str(path))
    (obj,) = json.loads(out)
    rm = obj["read_map"]
    assert rm["version"] == 1 and rm["form"] == "project" and rm["framework"] == "self"
    assert rm["funding"]["columns"]["executed"] == {"cell": "E5", "label": "全年执行数", "matched": "执行数"}
    assert "weight" not in rm["indicators"]["columns"]
    assert {"cell": "G12", "label": "标准"} in rm["indicators"]["unmatched"]
    assert {"row": 13, "role": "indicator", "what": "培训人次"} in rm["rows"]
    assert rm["unknown"]["indicator.weight"] == "R014"
    assert obj["scores"]["total_score"] is None and obj["scores"]["grade"] is None
    assert obj["scores"]["weights_total"] is None and obj["scores"]["execution_rate"] == 0.95
    assert [f["code"] for f in obj["findings"] if f["code"].startswith("T")] == []


def test_a_department_table_in_yuan_is_explained_as_such(capsys, tmp_path):
    g = make_grid(Form(total=(500000, 500000, 475000, 10, 0.95, 9.5), current=(500000, 500000, 475000, "—", 0.95, "—")))
    replace_cells(g, {"项目资金（万元）": "项目资金（元）"})
    path = write_xlsx(tmp_path / "yuan.xlsx", g)
    _, out = run(capsys, "check", "--explain", str(path))
    assert "金额单位：元（已换算为万元计算）" in out


def test_submission_text_is_printed_as_one_plain_line():
    assert plain("分值\n（10分）\x1b[31m") == "分值 （10分）\\u001b[31m"
    assert plain("长" * 60, 10) == "长" * 9 + "…"


def test_the_reading_rules_page_documents_every_read_map_key_and_vocabulary_section():
    """docs/计算口径.md is the user's account of the read map and the vocabulary: a key the JSON
    carries, a field the reader may mark unknown or a vocabulary section it reads with, that the
    page does not name, is a gap in the documentation."""
    from pathlib import Path

    from jixiao.processor.core.model import READ_KEYS, ReadMap

    root = Path(__file__).resolve().parent.parent
    page = (root / "docs" / "计算口径.md").read_text(encoding="utf-8")
    vocabulary = json.loads((root / "rules" / "vocabulary.json").read_text(encoding="utf-8"))
    blocks = {"header_rows", "columns", "unmatched", "ignored", "cell", "label", "matched"}
    keys = set(ReadMap().as_json()) | blocks | set(READ_KEYS) | (set(vocabulary) - {"version", "description"})
    assert [k for k in sorted(keys) if f"`{k}`" not in page and f"`{k}." not in page] == []


def test_rows_skipped_in_the_funding_table_are_told_under_it(capsys, tmp_path):
    """当年财政拨款 / 其中：中央补助: the breakdown row is skipped, and said so under 项目资金表."""
    g = replace_cells(make_grid(Form(carryover=(30, 30, 28, "—", None, "—"))), {"上年结转资金": "其中：中央补助"})
    path = write_xlsx(tmp_path / "breakdown.xlsx", g)
    _, out = run(capsys, "check", "--explain", str(path))
    funding, indicators = out.split("绩效指标表：", 1)
    assert "跳过第 8 行：上一行的明细“其中：中央补助”（不参与合计核对）" in funding
    assert "跳过第 8 行" not in indicators
