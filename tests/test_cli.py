import json
import subprocess
import sys
from pathlib import Path

import pytest
from builders import Form, make_grid, write_xlsx
from jixiao.processor.cli.main import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_correct_file_exits_0(capsys, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", make_grid(Form()))
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0 and "总分 99.5（优）" in out


def test_errors_exit_1_and_text_names_cells(capsys):
    code, out, _ = run(capsys, "check", str(EXAMPLES / "04_服务经费.xlsx"))
    assert code == 1
    assert "T303" in out and "总分未填写，应为 110" in out and "H20" in out


def test_json_contract(capsys):
    files = sorted(str(p) for p in EXAMPLES.glob("*.xlsx"))
    code, out, _ = run(capsys, "check", "--format", "json", *files)
    data = json.loads(out)
    assert code == 1 and len(data) == len(files)
    for obj in data:
        assert {"file", "sheet", "scores", "findings"} <= set(obj)
        assert set(obj["scores"]) >= {"execution_rate", "execution_score", "indicator_score", "total_score",
                                      "weights_total", "grade"}
        for f in obj["findings"]:
            assert set(f) >= {"code", "severity", "sheet", "cell", "message", "fix"}
            assert f["severity"] in ("error", "warning", "info")
    seed = next(o for o in data if "02_" in o["file"])
    assert seed["scores"]["weights_total"] == 110 and seed["scores"]["execution_rate"] == 1.0


@pytest.mark.parametrize("content,needle", [
    (b"", "空"), (b"hello, this is text", "不是"), (b"PK\x03\x04broken", None),
])
def test_unreadable_input_exits_2_with_one_chinese_line(capsys, tmp_path, content, needle):
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(content)
    code, out, err = run(capsys, "check", str(path))
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "坏文件.xlsx" in lines[0] and "Traceback" not in err
    if needle:
        assert needle in lines[0]


def test_missing_file_and_workbook_without_form(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(tmp_path / "无此文件.xlsx"))
    assert code == 2 and "无此文件.xlsx" in err
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便写点什么"
    wb.save(tmp_path / "别的表.xlsx")
    code, _, err = run(capsys, "check", str(tmp_path / "别的表.xlsx"))
    assert code == 2 and "没有可识别的项目支出绩效自评表" in err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "xml", "a.xlsx"])
    assert exc.value.code == 2
    assert "参数有误" in capsys.readouterr().err


def test_bad_rules_file_exits_2(capsys, tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text('{"extends": "default", "execution": {"weight": -1}}', encoding="utf-8")
    code, _, err = run(capsys, "check", "--rules", str(bad), str(EXAMPLES / "06_正确示例_某项目.xlsx"))
    assert code == 2 and "r.json" in err


def test_console_script_runs_without_traceback(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "jixiao.processor.cli.main", "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "x.xlsx" in proc.stderr


def test_a_folder_is_checked_file_by_file(capsys, tmp_path):
    sub = tmp_path / "单位甲"
    sub.mkdir()
    write_xlsx(sub / "a.xlsx", make_grid(Form(project="项目甲")))
    write_xlsx(tmp_path / "b.xlsx", make_grid(Form(project="项目乙")))
    (tmp_path / "~$b.xlsx").write_bytes(b"lock")
    (tmp_path / "说明.txt").write_text("x", encoding="utf-8")
    code, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    assert code == 0 and [o["project"] for o in json.loads(out)] == ["项目乙", "项目甲"]


def test_help_and_usage_errors_are_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：jixiao check") and "选项" in out and "显示本帮助并退出" in out
    with pytest.raises(SystemExit):
        main(["merge"])
    assert "缺少必填参数：路径" in capsys.readouterr().err
