"""The Python API: jixiao.check / fill / merge, their reports, tidy tables and CSV."""

from __future__ import annotations

import csv
import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jixiao
import pytest
from hostile_corpus import FORMULA_INJECTION, write_minimal_form
from jixiao.processor.cli.main import main as cli
from jixiao.processor.core.findings import catalogue
from jixiao.tables import COLUMNS, TABLES, csv_value

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CORRECT = EXAMPLES / "06_正确示例_某项目.xlsx"
REAL = EXAMPLES / "01_信访宣传项目经费.xlsx"


@pytest.fixture(scope="module")
def report():
    return jixiao.check(EXAMPLES)


@pytest.fixture(scope="module")
def summary():
    return jixiao.merge(EXAMPLES)


# ------------------------------------------------------------------ the package


def test_the_api_is_reached_from_the_package_and_listed():
    assert {"check", "fill", "merge", "Report", "Summary", "InputError"} <= set(dir(jixiao))
    assert jixiao.Report.__module__ == "jixiao.report" and jixiao.InputError.__name__ == "InputError"
    with pytest.raises(AttributeError):
        jixiao.no_such_thing  # noqa: B018


def imported_after(code: str) -> list[str]:
    """Heavy modules a fresh interpreter holds after running ``code``."""
    probe = (f"import sys\n{code}\n"
             "print('heavy:' + ','.join(m for m in ('pandas', 'numpy', 'jixiao.frames') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("heavy:"), out.stdout
    return [m for m in last.removeprefix("heavy:").split(",") if m]


def test_check_merge_and_import_do_not_import_pandas(tmp_path):
    assert imported_after("import jixiao") == []
    assert imported_after("import jixiao; r = jixiao.check('examples'); r.to_json(); r.tables()") == []
    assert imported_after("from jixiao.processor.cli.main import main; main(['check', 'examples'])") == []
    merge = f"from jixiao.processor.cli.main import main; main(['merge', 'examples', '-o', r'{tmp_path}/s.xlsx', '--csv', r'{tmp_path}/t'])"
    assert imported_after(merge) == []
    assert "pandas" in imported_after("import jixiao; jixiao.check('examples').to_frame()")


# ------------------------------------------------------------------ check


def test_exit_codes_agree_with_the_command(tmp_path, capsys):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not a workbook")
    for paths in ([CORRECT], [REAL], [bad, CORRECT], [EXAMPLES]):
        r = jixiao.check([str(p) for p in paths])
        assert r.exit_code == cli(["check", *map(str, paths)]), paths
        assert r.valid == (r.exit_code == 0)
    capsys.readouterr()
    assert jixiao.check(CORRECT).exit_code == 0 and jixiao.check(REAL).exit_code == 1


def test_an_unreadable_input_is_a_finding_not_an_exception(tmp_path, monkeypatch):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not a workbook")
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    r = jixiao.check([bad, empty, CORRECT])
    assert [f.file for f in r.refused] == [str(bad), str(empty)]
    assert r.refused[1].code == "J511" and r.refused[1].message == catalogue()["J511"]["message"]
    assert r.refused[0].code.startswith("J5") and r.refused[0].severity == "error"
    assert r.findings[:2] == r.refused and len(r.results) == 1

    from jixiao.processor.core import engine

    def vanished(path, profile=None):
        raise OSError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(engine, "check_file", vanished)
    gone = jixiao.check(CORRECT).refused[0]
    assert gone.code == "J512" and gone.params == {"reason": "找不到该文件或文件夹"}


def test_a_bad_rule_profile_raises_before_anything_is_read(tmp_path):
    with pytest.raises(jixiao.InputError) as err:
        jixiao.check(EXAMPLES, rules="没有这个规则")
    assert err.value.code == "P607"
    profile = jixiao.load_rules("default")
    assert jixiao.load_rules(profile) is profile
    assert jixiao.check(CORRECT, rules=profile).profile is profile


def test_to_json_is_versioned_and_holds_everything(report, tmp_path):
    data = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
    assert data["format"] == "jixiao-check" and data["schema_version"] == 1
    assert data["valid"] is report.valid and data["exit_code"] == report.exit_code
    assert len(data["files"]) == 7 and data["counts"]["projects"] == len(report.sheets)
    codes = [f["code"] for item in data["files"] for f in item["findings"]]
    codes += [f["code"] for item in data["files"] for s in item["sheets"] for f in s["findings"]]
    assert sorted(codes) == sorted(f.code for f in report.findings)
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"PK")
    failed = jixiao.check(bad).to_json()["files"][0]
    assert failed["status"] == "failed" and failed["refusal"]["code"].startswith("J5")


def test_to_text_is_what_check_prints(report, capsys):
    cli(["check", str(EXAMPLES)])
    printed = capsys.readouterr().out.strip()
    assert report.to_text().strip() == printed


# ------------------------------------------------------------------ tables and frames


def test_the_tables_are_tidy_and_join(report):
    t = report.tables()
    assert list(t) == list(TABLES)
    assert len(t["projects"]) == len(report.sheets) == 7
    assert len(t["findings"]) == len(report.findings)
    assert len(t["indicators"]) == sum(len(s.scores.indicators) for s in report.sheets)
    numbers = {p["project_no"] for p in t["projects"]}
    assert numbers == set(range(1, 8))
    assert {i["project_no"] for i in t["indicators"]} <= numbers
    for row in t["findings"]:  # every finding of a form points at that form's project
        if row["sheet"] is not None:
            project = t["projects"][row["project_no"] - 1]
            assert (project["file"], project["sheet"]) == (row["file"], row["sheet"])
    for p, s in zip(t["projects"], report.sheets):
        assert p["total_score"] == s.scores.total_score and p["project"] == s.record.project.text
        assert p["errors"] == sum(f.severity == "error" for f in s.findings)
    assert [f["file"] for f in t["files"]] == [str(p) for p in sorted(EXAMPLES.glob("*.xlsx"))]


def test_frames_have_the_documented_columns_and_dtypes(report, summary):
    import pandas as pd

    kinds = {"text": pd.StringDtype, "int": pd.Int64Dtype, "number": pd.Float64Dtype,
             "bool": pd.BooleanDtype}
    for frames in (report.frames(), summary.frames()):
        assert list(frames) == list(TABLES)
        for table, df in frames.items():
            assert list(df.columns) == list(COLUMNS[table])
            for name, (_label, kind) in COLUMNS[table].items():
                assert isinstance(df[name].dtype, kinds[kind]), (table, name, df[name].dtype)
    empty = jixiao.check(CORRECT)
    findings = empty.to_frame()
    assert list(findings.columns) == list(COLUMNS["findings"])  # same schema with fewer rows
    labelled = summary.to_frame("projects", labels=True)
    assert list(labelled.columns) == [label for label, _kind in COLUMNS["projects"].values()]
    with pytest.raises(KeyError):
        report.to_frame("nothing")


def test_check_and_merge_give_the_same_figures_for_the_same_projects(report, summary):
    by_key = {(r["project"], r["unit"]): r for r in report.tables()["projects"]}
    for row in summary.tables()["projects"]:
        mine = by_key[(row["project"], row["unit"])]
        for column in ("executed", "execution_rate", "total_score", "grade", "band", "errors"):
            assert row[column] == mine[column], column
    statuses = {r["file"]: r["status"] for r in summary.tables()["files"]}
    assert statuses["README.md"] == "skipped" and statuses["01_信访宣传项目经费.xlsx"] == "merged"


# ------------------------------------------------------------------ CSV


def test_csv_cells_keep_numbers_and_defuse_formulas():
    assert csv_value(None) == "" and csv_value(0.95) == "0.95" and csv_value(-2.5) == "-2.5"
    assert csv_value(12345678.9) == "12345678.9" and csv_value(3) == "3" and csv_value(True) == "TRUE"
    for text in FORMULA_INJECTION + ["\t=1+1"]:
        assert csv_value(text) == "'" + text
    assert csv_value("—") == "—" and csv_value("信访") == "信访"


def test_merge_csv_writes_the_tables_for_excel(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    shutil.copy(CORRECT, inbox)
    write_minimal_form(inbox / "注入.xlsx", project_name=FORMULA_INJECTION[0], unit=FORMULA_INJECTION[2])
    out = inbox / "表格"  # inside the inbox: a second merge must not read it back
    assert cli(["merge", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--csv", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    raw = (out / "projects.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == list(COLUMNS["projects"])
    names = {r["project"] for r in rows}
    assert "'" + FORMULA_INJECTION[0] in names and FORMULA_INJECTION[0] not in names
    assert {r["unit"] for r in rows} >= {"'" + FORMULA_INJECTION[2]}
    # the same numbers as the frames, read back the way Power Query would
    import pandas as pd

    summary = jixiao.merge(inbox, exclude=[out / f"{t}.csv" for t in TABLES])
    back = pd.read_csv(out / "projects.csv", encoding="utf-8-sig")
    frame = summary.to_frame("projects")
    for column in ("total_score", "executed", "execution_rate"):
        assert back[column].tolist() == frame[column].astype(float).tolist()
    assert cli(["merge", str(inbox), "-o", str(tmp_path / "汇总2.xlsx"), "--csv", str(out)]) == 0
    files = list(csv.DictReader((out / "files.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert not [f for f in files if f["file"].endswith(".csv")]


# ------------------------------------------------------------------ fill


def test_fill_one_file_and_a_folder(tmp_path):
    src = tmp_path / "in"
    shutil.copytree(EXAMPLES, src, ignore=shutil.ignore_patterns("*.py", "*.md"))
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    one = jixiao.fill(src / REAL.name, output=tmp_path / "out" / "一.xlsx")
    assert one.written == [tmp_path / "out" / "一.xlsx"] and one.exit_code == 1
    assert one.to_json()["format"] == "jixiao-fill"
    batch = jixiao.fill(src, output=tmp_path / "copies")
    assert sorted(p.name for p in batch.written) == sorted(f"{Path(n).stem}_已校验.xlsx" for n in before)
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before  # inputs untouched
    beside = jixiao.fill(src)  # copies beside the inputs …
    assert len(beside.written) == 7
    again = jixiao.fill(src)  # … are not filled again on the next run
    assert len(again.written) == 7 and not any("_已校验_已校验" in p.name for p in again.written)
    with pytest.raises(ValueError):
        jixiao.fill(src, output=tmp_path / "x", in_place=True)
