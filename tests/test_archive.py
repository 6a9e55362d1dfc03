"""The performance archive, the same tests on SQLite and on a real PostgreSQL server.

Three years of generated submissions (``archive_corpus``: copied tables, lowered targets,
renamed projects … planted) are merged into an archive year by year through the command
line; the comparison must find every planted case and nothing else. The PostgreSQL run
starts its own server on loopback (``pg_server``) and is skipped, with the reason, only
when the PostgreSQL binaries or psycopg are missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from archive_corpus import build
from builders import make_grid, write_xlsx
from jixiao.processor.archive import open_archive, schema
from jixiao.processor.archive.compare import compare_years, review
from jixiao.processor.archive.entry import FileEntry, FileInfo, form_entry
from jixiao.processor.archive.match import match_years, project_key, read_overrides
from jixiao.processor.cli.main import main
from jixiao.processor.core.engine import check_grid
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import catalogue
from jixiao.processor.core.rules import load_profile
from pg_server import pg_bindir, start_server
from summary_table import table as sheet_table

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", "postgresql"]


def _pg_missing() -> str | None:
    if pg_bindir() is None:
        return "PostgreSQL binaries not found (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def pg():
    reason = _pg_missing()
    if reason:
        print(f"PostgreSQL archive tests skipped: {reason}")
        pytest.skip(reason)
    server = start_server()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "绩效档案.sqlite")
    return request.getfixturevalue("pg").new_database()


@pytest.fixture(scope="session")
def corpus():
    return build()


@pytest.fixture(scope="session")
def corpus_dir(corpus, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("submissions")
    for items in corpus.forms.values():
        for rel, form in items:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            write_xlsx(path, make_grid(form))
    return root


def _merge_years(corpus_dir: Path, url: str, tmp_path: Path, capsys) -> None:
    for year in (2022, 2023, 2024):
        assert main(["merge", str(corpus_dir / str(year)), "-o", str(tmp_path / f"汇总{year}.xlsx"),
                     "--json", str(tmp_path / f"汇总{year}.json"), "--archive", url]) == 0
        assert "档案新增" in capsys.readouterr().out


def _entries(forms, profile, tag: str = "") -> list[FileEntry]:
    out = []
    for rel, grid in forms:
        sheet = check_grid(grid, rel, profile)
        sha = hashlib.sha256(f"{tag}{rel}".encode()).hexdigest()
        out.append(FileEntry(FileInfo(sha, rel, rel), [form_entry(sheet, profile)]))
    return out


def _found(r):
    return {
        "pairs": {(p.new.unit, p.new.project, p.old.project, p.match.kind) for p in r.pairs},
        "new": {(f.unit, f.project) for f in r.new},
        "ended": {(f.unit, f.project) for f in r.ended},
        "undecided": {(u.form.unit, u.form.project) for u in r.undecided},
        "copied": {(p.new.unit, p.new.project) for p in r.pairs if p.copied},
        "lowered": {(p.new.unit, p.new.project, n.name) for p in r.pairs for n, _o in p.lowered},
        "budget_up": {(p.new.unit, p.new.project) for p in r.pairs if p.budget_up_score_down},
        "perfect": {(p.new.unit, p.new.project) for p in r.pairs if p.full_marks_both},
    }


# ---------------------------------------------------------------------- the planted cases


def test_three_years_every_planted_case_and_no_false_match(url, corpus, corpus_dir, tmp_path, capsys):
    _merge_years(corpus_dir, url, tmp_path, capsys)
    with open_archive(url, create=False) as archive:
        assert [(y.year, y.forms) for y in archive.years()] == [(y, len(corpus.forms[y])) for y in (2022, 2023, 2024)]
        for year in (2023, 2024):
            r = compare_years(archive, year)
            assert r.against == year - 1
            truth = corpus.truth[year]
            found = _found(r)
            for what in found:
                assert found[what] == getattr(truth, what), (year, what)
    # every planted kind occurs, so no comparison above is trivially between empty sets
    for what in _found(r):
        assert any(getattr(corpus.truth[y], what) for y in (2023, 2024)), what
    assert all(any(k == "更名" for *_x, k in corpus.truth[y].pairs) for y in (2023, 2024))


def test_y_findings_reach_the_summary_and_json(url, corpus_dir, tmp_path, capsys):
    _merge_years(corpus_dir, url, tmp_path, capsys)
    wb = openpyxl.load_workbook(tmp_path / "汇总2024.xlsx", read_only=True)
    assert wb.sheetnames.index("年度对比") < wb.sheetnames.index("问题清单")
    issues = sheet_table(wb["问题清单"])
    codes = sorted(r["代码"] for r in issues if r["代码"].startswith("Y"))
    assert codes == ["Y601", "Y602", "Y603", "Y604", "Y604", "Y605", "Y606"]
    copied = next(r for r in issues if r["代码"] == "Y601")
    assert copied["来源文件"].startswith("第1社区服务中心/") and "6 项" in copied["问题"] and "2023 年度" in copied["问题"]
    year_sheet = [r for r in wb["年度对比"].iter_rows(values_only=True)]
    assert year_sheet[0][0] == "年度对比：2024 年度与 2023 年度"
    statuses = [r[1] for r in year_sheet if isinstance(r[0], int) and r[1]]
    assert statuses.count("新增") == 1 and statuses.count("终止") == 3 and statuses.count("更名") == 1
    assert statuses.count("无法确定") == 1
    data = json.loads((tmp_path / "汇总2024.json").read_text(encoding="utf-8"))
    assert sorted(f["code"] for f in data["findings"] if f["code"].startswith("Y")) == codes
    # the first year has nothing to compare with: a sheet that says so, and no Y finding
    wb = openpyxl.load_workbook(tmp_path / "汇总2022.xlsx", read_only=True)
    assert "没有更早年度" in next(wb["年度对比"].iter_rows(min_row=2, values_only=True))[0]
    assert not [r for r in sheet_table(wb["问题清单"]) if r["代码"].startswith("Y")]


def test_compare_command_text_json_and_workbook(url, corpus_dir, tmp_path, capsys):
    _merge_years(corpus_dir, url, tmp_path, capsys)
    assert main(["compare", "--archive", url, "--year", "2024", "--against", "2023"]) == 0
    out = capsys.readouterr().out
    assert "延续 30 个（其中更名 1 个），新增 1 个，终止 3 个，无法确定 1 个" in out
    assert "阅读服务人次：“≥672人次”→“≥480人次”" in out
    assert main(["compare", "--archive", url, "--format", "json", "-o", str(tmp_path / "对比.xlsx")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == 2024 and data["against"] == 2023 and len(data["pairs"]) == 30
    assert openpyxl.load_workbook(tmp_path / "对比.xlsx").sheetnames == ["年度对比", "问题清单"]
    assert main(["compare", "--archive", url, "--year", "2019"]) == 2
    assert "档案中没有 2019 年度的自评表（已有年度：2022、2023、2024）" in capsys.readouterr().err
    assert main(["compare", "--archive", url, "--year", "2023", "--against", "2024"]) == 2


# ---------------------------------------------------------------------- storing


def test_same_file_twice_adds_nothing_and_a_new_version_supersedes(url, corpus, corpus_dir, tmp_path, capsys):
    assert main(["archive", "add", str(corpus_dir / "2023"), "--archive", url]) == 0
    assert "档案新增 35 个文件（35 张自评表）" in capsys.readouterr().out
    assert main(["archive", "add", str(corpus_dir / "2023"), "--archive", url]) == 0
    assert "档案新增 0 个文件（0 张自评表），35 个文件已在档案中" in capsys.readouterr().out
    with open_archive(url) as archive:
        assert archive.info()["forms"] == "35" and archive.info()["batches"] == "1"
        # a corrected version of one project (other bytes): the old one is kept, marked superseded
        rel, form = corpus.forms[2023][0]
        fixed = tmp_path / "fixed" / "新版.xlsx"
        fixed.parent.mkdir()
        write_xlsx(fixed, make_grid(form.with_(total_row=(100, 1.0))))
    assert main(["archive", "add", str(fixed.parent), "--archive", url]) == 0
    assert "1 张同一项目同一年度的旧版本标为已替代" in capsys.readouterr().out
    with open_archive(url) as archive:
        assert archive.info()["forms"] == "36"
        current = archive.forms(2023)[2023]
        assert len(current) == 35
        mine = [f for f in current if f.project == form.project]
        assert [f.file_name for f in mine] == ["新版.xlsx"] and mine[0].total_score_stated == 1.0


def test_stored_record_indicators_findings_and_source(url, tmp_path):
    profile = load_profile()
    grid = make_grid()
    path = write_xlsx(tmp_path / "表.xlsx", grid)
    sheet = check_grid(grid, str(path), profile)
    with open_archive(url) as archive:
        archive.add([FileEntry(FileInfo("ab" * 32, "表.xlsx", str(path), 123), [form_entry(sheet, profile)])],
                    command="test", sources=[str(tmp_path)])
        [f] = archive.forms(2024)[2024]
    assert (f.project, f.unit, f.department, f.year) == ("2024年度测试项目", "某某中心", "某某局", 2024)
    assert (f.budget, f.executed, f.execution_rate, f.total_score, f.grade) == (50, 47.5, 0.95, 99.5, "优")
    assert (f.total_score_stated, f.file_name, f.file_sha256) == (99.5, "表.xlsx", "ab" * 32)
    ind = f.indicators[2]
    assert (ind.level3, ind.target_text, ind.target_op, ind.target_value, ind.target_unit) == (
        "问题响应时间", "≤8小时", "<=", 8.0, "小时")
    assert (ind.actual_text, ind.actual_value, ind.weight, ind.score, ind.kind) == ("6小时", 6.0, 10, 10, "lower")
    assert [x.kind for x in f.funding][:2] == ["total", "current"]
    assert f.full_marks_no_deviation is True  # the builder's default table: all full, no deviation


def test_failed_add_leaves_the_archive_as_it_was(url, corpus, monkeypatch):
    profile = load_profile()
    with open_archive(url) as archive:
        archive.add(_entries(corpus.grids(2022)[:5], profile), command="test")
        before = archive.info()

        def boom(conn, batch):
            raise InputError("磁盘已满（模拟）")

        monkeypatch.setattr("jixiao.processor.archive.store._supersede", boom)
        with pytest.raises(InputError):
            archive.add(_entries(corpus.grids(2023), profile), command="test")
        assert archive.info() == before
        assert sorted(archive.forms(2022, 2023)) == [2022, 2023] and archive.forms(2023)[2023] == []


def test_migration_runs_on_open_in_one_transaction(url, monkeypatch):
    open_archive(url).close()  # the current version
    v = schema.SCHEMA_VERSION
    from sqlalchemy import inspect, text

    def add_column(conn):
        conn.execute(text("ALTER TABLE forms ADD COLUMN reviewer TEXT"))

    def add_column_then_fail(conn):
        add_column(conn)
        raise InputError("迁移失败（模拟）")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", v + 1)
    monkeypatch.setitem(schema.MIGRATIONS, v, add_column_then_fail)
    with pytest.raises(InputError):
        open_archive(url)
    from jixiao.processor.archive.db import open_database

    monkeypatch.setattr(schema, "SCHEMA_VERSION", v)
    db = open_database(url)
    with db.reading() as conn:
        assert "reviewer" not in {c["name"] for c in inspect(conn).get_columns("forms")}  # DDL rolled back
    db.dispose()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", v + 1)
    monkeypatch.setitem(schema.MIGRATIONS, v, add_column)
    with open_archive(url) as archive:
        assert archive.info()["schema_version"] == str(v + 1)
        with archive.db.reading() as conn:
            assert "reviewer" in {c["name"] for c in inspect(conn).get_columns("forms")}
    monkeypatch.setattr(schema, "SCHEMA_VERSION", v)
    with pytest.raises(InputError, match=f"档案结构版本为 {v + 1}，本程序支持到版本 {v}"):
        open_archive(url)


def test_a_foreign_or_broken_database_is_refused_untouched(tmp_path, capsys):
    other = tmp_path / "其他.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE files (x)")
    with pytest.raises(InputError, match="不是 jixiao 绩效档案：数据库中已有其他数据表"):
        open_archive(str(other))
    with sqlite3.connect(other) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["files"]
    text_file = tmp_path / "说明.txt"
    text_file.write_text("不是数据库" * 100, encoding="utf-8")
    assert main(["compare", "--archive", str(text_file)]) == 2
    assert "文件不是 SQLite 数据库" in capsys.readouterr().err
    assert main(["compare", "--archive", str(tmp_path / "没有.sqlite")]) == 2
    assert "档案文件不存在" in capsys.readouterr().err
    assert not (tmp_path / "没有.sqlite").exists()
    assert main(["merge", str(tmp_path), "-o", str(tmp_path / "汇总.xlsx"), "--archive",
                 str(tmp_path / "无此文件夹" / "a.sqlite")]) == 2
    assert "文件夹不存在" in capsys.readouterr().err and not (tmp_path / "汇总.xlsx").exists()
    assert main(["compare", "--archive", "mysql://x@localhost/db"]) == 2
    assert "只支持 SQLite 文件路径或 postgresql:// 地址" in capsys.readouterr().err


# ---------------------------------------------------------------------- two processes

_READER = textwrap.dedent("""
    import sys
    from sqlalchemy import func, select
    from jixiao.processor.archive import open_archive, schema
    archive = open_archive(sys.argv[1], create=False)
    with archive.db.reading() as conn:
        count = lambda: conn.execute(select(func.count()).select_from(schema.forms)).scalar_one()
        print("first", count(), flush=True)
        sys.stdin.readline()  # the other process writes meanwhile
        print("same snapshot", count(), flush=True)
    with archive.db.reading() as conn:
        print("after", conn.execute(select(func.count()).select_from(schema.forms)).scalar_one(), flush=True)
""")


def test_writes_while_another_process_reads(url, corpus):
    """A reader holding a transaction does not block an add (WAL on SQLite) and keeps its snapshot."""
    profile = load_profile()
    with open_archive(url) as archive:
        archive.add(_entries(corpus.grids(2022), profile), command="test")
        n = len(corpus.forms[2022])
        reader = subprocess.Popen([sys.executable, "-c", _READER, url], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert reader.stdout.readline().split() == ["first", str(n)]
            report = archive.add(_entries(corpus.grids(2023), profile), command="test")  # no "database is locked"
            assert report.forms_added == len(corpus.forms[2023])
            reader.stdin.write("go\n")
            reader.stdin.flush()
            assert reader.stdout.readline().split() == ["same", "snapshot", str(n)]
            assert reader.stdout.readline().split() == ["after", str(n + report.forms_added)]
        finally:
            out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err


_WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[2])
    from archive_corpus import build
    from test_archive import _entries
    from jixiao.processor.archive import open_archive
    from jixiao.processor.core.rules import load_profile
    corpus = build()
    with open_archive(sys.argv[1]) as archive:
        print(archive.add(_entries(corpus.grids(int(sys.argv[3])), load_profile(), sys.argv[3]),
                          command="test").forms_added)
""")


def test_two_processes_adding_at_once_both_succeed(url, corpus):
    open_archive(url).close()
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, url, str(ROOT / "tests"), str(y)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for y in (2022, 2023)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    with open_archive(url) as archive:
        assert {y.year: y.forms for y in archive.years()} == {y: len(corpus.forms[y]) for y in (2022, 2023)}


# ---------------------------------------------------------------------- matching and overrides


@pytest.mark.parametrize(("a", "b"), [
    ("2024年度社区培训项目", "社区培训"), ("社区培训项目（2023年）", "社区 培训"), ("“平安校园”护学岗", "平安校园护学岗"),
    ("２０２４年度社区培训", "社区培训"), ("二〇二四年度社区培训", "社区培训"), ("2023-2024年社区培训", "社区培训项目"),
    ("关于社区培训的项目", "社区培训的"),
])
def test_project_key_ignores_years_and_variations(a, b):
    assert project_key(a) == project_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("社区培训（一期）", "社区培训（二期）"), ("2000名学生资助", "3000名学生资助"), ("社区培训经费", "社区培训"),
])
def test_project_key_keeps_real_differences(a, b):
    assert project_key(a) != project_key(b)


@pytest.mark.parametrize(("a", "b"), [("2030年远景规划编制", "2035年远景规划编制"), ("2020年人口普查", "2025年人口普查")])
def test_only_the_budget_year_is_dropped_from_a_name(a, b):
    """A year far from the form's own is part of the name; the budget year (±1) is not."""
    assert project_key(a, 2024) != project_key(b, 2024)
    assert project_key("2024年度" + a, 2024) == project_key("2023年" + a, 2023) == project_key(a, 2024)


def test_a_later_phase_is_never_taken_for_a_rename():
    def form(name, year):
        return SimpleNamespace(project=name, year=year, unit="某中心", department="", indicators=[
            SimpleNamespace(name=n) for n in ("培训人次", "培训合格率", "满意度")])
    m = match_years([form("社区培训（二期）", 2024)], [form("社区培训（一期）", 2023)], a=2024, b=2023)
    assert not m.matches and len(m.new) == 1 and len(m.ended) == 1
    m = match_years([form("社区技能培训", 2024)], [form("社区培训", 2023)], a=2024, b=2023)
    assert [x.kind for x in m.matches] == ["更名"]  # the same without phase markers is a rename


def test_override_file_decides_what_the_rule_cannot(url, corpus, tmp_path, capsys):
    profile = load_profile()
    with open_archive(url) as archive:
        for y in (2023, 2024):
            archive.add(_entries(corpus.grids(y), profile), command="test")
    csv = tmp_path / "对照.csv"
    csv.write_text(
        "上年年度,上年单位,上年项目,本年年度,本年单位,本年项目,处理,说明\n"
        "2023,第6社区服务中心,东片区助浴服务,2024,第6社区服务中心,全区助浴服务,同一项目,东西片区合并\n"
        "2023,第2社区服务中心,社区阅读推广,2024,第2社区服务中心,社区阅读推广,不同项目,\n"
        "2023,第9社区服务中心,不存在的项目,2024,第9社区服务中心,也不存在,同一项目,\n",
        encoding="gbk")
    assert main(["archive", "overrides", str(csv), "--archive", url]) == 0
    capsys.readouterr()
    with open_archive(url) as archive:
        r = compare_years(archive, 2024)
    found = _found(r)
    assert ("第6社区服务中心", "全区助浴服务", "东片区助浴服务", "人工指定") in found["pairs"]
    assert not found["undecided"] and ("第6社区服务中心", "西片区助浴服务") in found["ended"]
    assert ("第2社区服务中心", "社区阅读推广") in found["new"] | found["ended"] and not found["lowered"]
    assert [o.source for o in r.unused_overrides] == ["对照.csv 第 4 行"]
    # a unit renamed: 同一单位 makes its projects match by name again
    forms = {y: [e for x in _entries(corpus.grids(y), profile) for e in x.forms] for y in (2023, 2024)}
    for f in forms[2024]:
        if f.unit == "第3社区服务中心":
            f.unit = "第三社区综合服务中心"
    plain = review(forms[2024], forms[2023], year=2024, against=2023)
    assert ("第三社区综合服务中心", "老旧小区加装电梯补助") in _found(plain)["new"]
    same_unit = tmp_path / "单位.json"
    same_unit.write_text(json.dumps([{"上年年度": 2023, "上年单位": "第3社区服务中心", "上年项目": "",
                                      "本年年度": 2024, "本年单位": "第三社区综合服务中心", "本年项目": "",
                                      "处理": "同一单位"}], ensure_ascii=False), encoding="utf-8")
    fixed = review(forms[2024], forms[2023], year=2024, against=2023, overrides=read_overrides(same_unit))
    assert ("第三社区综合服务中心", "老旧小区加装电梯补助") in _found(fixed)["budget_up"]


def test_bad_override_file_names_the_line(tmp_path):
    bad = tmp_path / "对照.csv"
    bad.write_text("上年年度,上年单位,上年项目,本年年度,本年单位,本年项目,处理\n"
                   "2023,甲,A,2024,甲,B,可能是\n", encoding="utf-8")
    with pytest.raises(InputError, match="第 2 行：“处理”应为同一项目、不同项目、同一单位之一，实为“可能是”"):
        read_overrides(bad)
    bad.write_text("单位,项目\n", encoding="utf-8")
    with pytest.raises(InputError, match="缺少列：上年年度"):
        read_overrides(bad)


# ---------------------------------------------------------------------- reply drafts, imports, docs


def test_reply_drafts_get_the_y_findings_of_archived_files(url, corpus_dir, tmp_path, capsys):
    from jixiao.processor.archive.merge_hook import add_to_checks
    from jixiao.processor.collect.checks import FileCheck
    from jixiao.processor.files.fileio import sha256_file

    _merge_years(corpus_dir, url, tmp_path, capsys)
    copied = next(p for p in (corpus_dir / "2024" / "第1社区服务中心").iterdir()
                  if any(c.value == "助残服务项目" for row in openpyxl.load_workbook(p).active.iter_rows()
                         for c in row))
    plain = corpus_dir / "2024" / "第8社区服务中心"
    checks = {sha256_file(p): FileCheck(entry=None, path=p) for p in [copied, *plain.iterdir()]}
    assert add_to_checks(checks, url, load_profile()) == 1
    problem = checks[sha256_file(copied)].problems[0]
    assert problem.severity == "warning" and "与 2023 年度“助残服务项目”" in problem.message


def test_check_and_plain_merge_do_not_import_the_database_layer(tmp_path):
    path = write_xlsx(tmp_path / "表.xlsx", make_grid())
    code = ("import sys; from jixiao.processor.cli.main import main; "
            f"main(['check', {str(path)!r}]); main(['merge', {str(path)!r}, '-o', {str(tmp_path / 'o.xlsx')!r}]); "
            "print('sqlalchemy' in sys.modules, 'jixiao.processor.archive.db' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert out.stdout.strip().splitlines()[-1] == "False False", out.stderr


def test_docs_cover_every_table_column_command_and_code():
    doc = (ROOT / "docs" / "档案.md").read_text(encoding="utf-8")
    for table in schema.metadata.sorted_tables:
        assert f"`{table.name}`" in doc, table.name
        for column in table.columns:
            assert f"`{column.name}`" in doc, f"{table.name}.{column.name}"
    for command in ("jixiao merge", "--archive", "jixiao archive add", "jixiao archive info",
                    "jixiao archive overrides", "jixiao compare", "--against", "--overrides", "jixiao reply"):
        assert command in doc, command
    for code in (c for c in catalogue() if c.startswith("Y")):
        assert code in doc, code
    assert (ROOT / "docs" / "img" / "年度对比.png").is_file()


def test_a_form_without_year_is_stored_but_not_compared(url, tmp_path, capsys):
    from builders import Form

    (tmp_path / "in").mkdir()
    path = write_xlsx(tmp_path / "in" / "无年度.xlsx", make_grid(Form(project="测试项目", year_text="（    年度）")))
    assert main(["merge", str(path.parent), "-o", str(tmp_path / "汇总.xlsx"), "--archive", url]) == 0
    capsys.readouterr()
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx", read_only=True)
    assert "年度对比" not in wb.sheetnames
    y607 = [r for r in sheet_table(wb["问题清单"]) if r["代码"] == "Y607"]
    assert [(r["来源文件"], r["工作表"]) for r in y607] == [("无年度.xlsx", "自评表")]
    with open_archive(url) as archive:
        assert [(y.year, y.forms) for y in archive.years()] == [(None, 1)]
