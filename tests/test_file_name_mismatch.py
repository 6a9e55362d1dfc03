"""A workbook whose name says the other format: an .xlsx saved as “表.xls” (a renamed download,
a system export) or an .xls named “.xlsx”. The guard already knows the real format from the
content; the workbook is read as that format, not refused as “文件已损坏” (red team, item 9)."""

from __future__ import annotations

import shutil

import pytest
from hostile_corpus import write_minimal_form, write_minimal_form_xls
from jixiao.processor.core.engine import check_file


@pytest.mark.parametrize("write, wrong_name", [(write_minimal_form, "表.xls"), (write_minimal_form_xls, "表.xlsx")],
                         ids=["xlsx named .xls", "xls named .xlsx"])
def test_a_workbook_under_the_other_formats_name_reads_like_its_content(write, wrong_name, tmp_path):
    right = write(tmp_path / ("form.xlsx" if wrong_name.endswith(".xls") else "form.xls"))
    wrong = tmp_path / wrong_name
    shutil.copyfile(right, wrong)
    a, b = check_file(right), check_file(wrong)
    assert [s.scores.as_json() for s in b.sheets] == [s.scores.as_json() for s in a.sheets]
    assert b.sheets and b.sheets[0].record.project.text == a.sheets[0].record.project.text
