"""The archive as its users meet it when things go wrong: bad URLs, wrong passwords, damaged,
read-only or foreign files, odd override files. Every refusal is one Chinese line that names the
archive (never its password) and leaves the archive as it was.

The PostgreSQL cases start their own server with password authentication on loopback (the
archive tests' server trusts every connection, so a wrong password would pass there).
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import make_grid, write_xlsx
from jixiao.processor.archive import db as archive_db
from jixiao.processor.archive import open_archive
from jixiao.processor.cli.main import main
from jixiao.processor.core.errors import InputError
from pg_server import pg_bindir, start_server

SECRET = "Zq7#secret"


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _closed_port() -> int:
    from imap_server import free_port

    return free_port()  # nothing listens there


@pytest.fixture
def forms_dir(tmp_path) -> Path:
    folder = tmp_path / "收件 2024"
    folder.mkdir()
    write_xlsx(folder / "表.xlsx", make_grid())
    return folder


# ---------------------------------------------------------------------- addresses


@pytest.mark.parametrize("command", [["archive", "info"], ["compare"], ["archive", "add", "{forms}"],
                                     ["merge", "{forms}", "-o", "{out}"]])
def test_a_malformed_address_is_refused_in_chinese(command, forms_dir, tmp_path, capsys):
    args = [a.format(forms=forms_dir, out=tmp_path / "汇总.xlsx") for a in command]
    url = f"postgresql://clerk:{SECRET}@127.0.0.1:端口/绩效"
    code, text = _run(capsys, *args, "--archive", url)
    assert code == 2
    assert "端口" in text and "数据库地址格式有误" in text, text
    assert SECRET not in text and "--against" not in text
    assert not (tmp_path / "汇总.xlsx").exists()


def test_a_password_in_the_address_is_never_printed(capsys):
    port = _closed_port()
    for url in (f"postgresql://127.0.0.1:{port}/绩效?user=clerk&password={SECRET}",
                f"postgresql://clerk:{SECRET}@127.0.0.1:{port}/绩效",
                f"postgresql://clerk:Zq7@{SECRET}@127.0.0.1:{port}/绩效"):  # an unencoded @ in it
        code, text = _run(capsys, "archive", "info", "--archive", url)
        assert code == 2, url
        for part in (SECRET, SECRET[3:], "secret"):
            assert part not in text, (url, text)
        assert text.startswith("jixiao：") and "Traceback" not in text


def test_the_archive_is_named_as_the_user_wrote_it(capsys):
    port = _closed_port()
    code, text = _run(capsys, "archive", "info", "--archive", f"postgresql://clerk:{SECRET}@127.0.0.1:{port}/绩效档案")
    assert code == 2
    assert f"postgresql://clerk:***@127.0.0.1:{port}/绩效档案" in text  # not %E7…, not +psycopg
    assert "无法连接数据库服务器" in text


def test_an_invalid_port_or_unknown_host_is_said_in_chinese(capsys):
    code, text = _run(capsys, "compare", "--archive", "postgresql://clerk@127.0.0.1:99999/绩效")
    assert code == 2 and "端口" in text and "invalid" not in text, text
    code, text = _run(capsys, "compare", "--archive", "postgresql://clerk@no-such-host.invalid/绩效")
    assert code == 2 and "找不到数据库服务器" in text and "resolve" not in text, text


# ---------------------------------------------------------------------- PostgreSQL with passwords


@pytest.fixture(scope="module")
def pg_password():
    """A server that asks every user but its superuser for a password (scram-sha-256)."""
    if pg_bindir() is None:
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql)")
    psycopg = pytest.importorskip("psycopg")
    server = start_server()
    try:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE clerk LOGIN PASSWORD '{SECRET}'")
            conn.execute('CREATE DATABASE "绩效档案" OWNER clerk')
        (server.root / "data" / "pg_hba.conf").write_text(
            "local all all trust\nhost all jixiao 127.0.0.1/32 trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8")
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        yield server
    finally:
        server.stop()


def test_postgresql_refusals_say_what_is_wrong(pg_password, forms_dir, capsys, monkeypatch):
    port = pg_password.port
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    cases = [
        (f"postgresql://clerk:wrong{SECRET}@127.0.0.1:{port}/绩效档案", "数据库用户名或密码有误"),
        (f"postgresql://clerk@127.0.0.1:{port}/绩效档案", "PGPASSWORD"),
        (f"postgresql://clerk:{SECRET}@127.0.0.1:{port}/没有这个库", "数据库不存在"),
        (f"postgresql://nobody_here:{SECRET}@127.0.0.1:{port}/绩效档案", "数据库用户名或密码有误"),
    ]
    for url, expected in cases:
        code, text = _run(capsys, "archive", "info", "--archive", url)
        assert code == 2 and expected in text, (url, text)
        assert SECRET not in text and "FATAL" not in text
    code, text = _run(capsys, "compare", "--archive", f"postgresql://clerk:{SECRET}@127.0.0.1:{port}/绩效档案")
    assert code == 2 and "数据库中还没有绩效档案" in text  # connected: an empty database
    monkeypatch.setenv("PGPASSWORD", SECRET)
    assert _run(capsys, "archive", "add", "--archive", f"postgresql://clerk@127.0.0.1:{port}/绩效档案",
                str(forms_dir))[0] == 0


# ---------------------------------------------------------------------- damaged and foreign files


def _archive_with_one_form(path: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    write_xlsx(folder / "表.xlsx", make_grid())
    assert main(["archive", "add", str(folder), "--archive", str(path)]) == 0
    return path


def test_a_truncated_archive_is_called_damaged(tmp_path, capsys):
    good = _archive_with_one_form(tmp_path / "档案.sqlite", tmp_path)
    capsys.readouterr()
    data = good.read_bytes()
    for cut in (len(data) // 3, 100):
        bad = tmp_path / f"截断{cut}.sqlite"
        bad.write_bytes(data[:cut])
        code, text = _run(capsys, "compare", "--archive", str(bad))
        assert code == 2 and "已损坏" in text and "malformed" not in text, text
        assert bad.read_bytes() == data[:cut]


def test_an_archive_missing_a_table_is_refused_by_name(tmp_path, capsys):
    path = _archive_with_one_form(tmp_path / "档案.sqlite", tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE indicators")
    conn.close()
    for args in (["compare"], ["archive", "info"], ["archive", "add", str(tmp_path / "in")]):
        code, text = _run(capsys, *args, "--archive", str(path))
        assert code == 2 and "不是 jixiao 绩效档案" in text and "indicators" in text, text
        assert "no such table" not in text


def test_reading_never_changes_a_file(tmp_path, capsys):
    """compare, info and reply only read: an empty file stays empty, a foreign database keeps its bytes."""
    empty = tmp_path / "空.sqlite"
    empty.write_bytes(b"")
    foreign = tmp_path / "其他.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    before = foreign.read_bytes()
    for path in (empty, foreign):
        for args in (["compare"], ["archive", "info"]):
            assert _run(capsys, *args, "--archive", str(path))[0] == 2
    assert empty.read_bytes() == b"" and foreign.read_bytes() == before
    assert not (tmp_path / "空.sqlite-wal").exists() and not (tmp_path / "其他.sqlite-wal").exists()


def test_a_read_only_archive_is_read_and_refuses_writes_at_once(tmp_path, capsys, monkeypatch):
    """A read-only file (a CD, a share, a colleague's copy) compares; adding to it stops before any reading.

    Tests run as root, for whom every file is writable: the operating system's answer is
    simulated, the SQLite file is real (opened immutable, as on a read-only medium).
    """
    path = _archive_with_one_form(tmp_path / "档案.sqlite", tmp_path)
    capsys.readouterr()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    real_access = archive_db.os.access
    monkeypatch.setattr(archive_db.os, "access", lambda p, mode, **kw: False if mode & archive_db.os.W_OK
                        else real_access(p, mode, **kw))
    code, text = _run(capsys, "archive", "info", "--archive", str(path))
    assert code == 0 and "1 张自评表" in text, text
    code, text = _run(capsys, "compare", "--archive", str(path))
    assert code == 0 and "2024 年度 1 个项目" in text, text
    calls = []
    monkeypatch.setattr("jixiao.processor.merge.run.merge", lambda *a, **k: calls.append(a))
    code, text = _run(capsys, "archive", "add", str(tmp_path / "in"), "--archive", str(path))
    assert code == 2 and "只读" in text and not calls, text
    code, text = _run(capsys, "merge", str(tmp_path / "in"), "-o", str(tmp_path / "汇总.xlsx"), "--archive", str(path))
    assert code == 2 and "只读" in text and not (tmp_path / "汇总.xlsx").exists(), text
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_open_database_keeps_input_errors_for_every_failure(tmp_path):
    """The library call (not only the CLI) refuses with InputError, never a raw exception."""
    with pytest.raises(InputError, match="端口"):
        open_archive("postgresql://u@127.0.0.1:x/db")
    (tmp_path / "a.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
    with pytest.raises(InputError):
        open_archive(str(tmp_path / "a.sqlite"), create=False)


# ---------------------------------------------------------------------- the override file and info


def test_info_names_the_override_file(tmp_path, capsys):
    path = _archive_with_one_form(tmp_path / "档案.sqlite", tmp_path)
    csv = tmp_path / "对照 2024.csv"
    csv.write_text("上年年度,上年单位,上年项目,本年年度,本年单位,本年项目,处理,说明\n"
                   "2023,甲,A,2024,甲,B,同一项目,\n", encoding="utf-8")
    assert main(["archive", "overrides", str(csv), "--archive", str(path)]) == 0
    capsys.readouterr()
    code, text = _run(capsys, "archive", "info", "--archive", str(path))
    assert code == 0 and "对照：1 条（来自 对照 2024.csv）" in text, text


def test_an_unreadable_override_file_is_said_in_chinese(tmp_path, capsys):
    path = _archive_with_one_form(tmp_path / "档案.sqlite", tmp_path)
    capsys.readouterr()
    for target, expected in ((tmp_path / "没有.csv", "文件不存在"), (tmp_path, "是文件夹")):
        code, text = _run(capsys, "archive", "overrides", str(target), "--archive", str(path))
        assert code == 2 and expected in text, text
        assert "No such file" not in text and "Is a directory" not in text


def test_compare_reports_its_own_errors_not_a_year_order(tmp_path, capsys, monkeypatch):
    """Only a wrong --year/--against order is called one; another ValueError is not disguised as it."""
    path = _archive_with_one_form(tmp_path / "档案.sqlite", tmp_path)
    capsys.readouterr()
    code, text = _run(capsys, "compare", "--archive", str(path), "--against", "2024")
    assert code == 2 and "--against 应早于 --year" in text

    def broken(*_a, **_k):
        raise ValueError("something else")

    monkeypatch.setattr("jixiao.processor.archive.compare.review", broken)
    with pytest.raises(ValueError, match="something else"):
        main(["compare", "--archive", str(path)])


def test_an_interrupted_add_leaves_a_whole_archive(tmp_path):
    """Ctrl-C (SIGINT) while an add writes: nothing of it is kept, the file stays a sound database."""
    import signal

    script = tmp_path / "add.py"
    script.write_text(
        "import sys, hashlib\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from archive_corpus import build\n"
        "from test_archive import _entries\n"
        "from jixiao.processor.archive import open_archive\n"
        "from jixiao.processor.core.rules import load_profile\n"
        "entries = _entries(build(units=100, per_unit=10).grids(2023), load_profile())\n"
        "with open_archive(sys.argv[1]) as a:\n"
        "    print('go', flush=True)\n"
        "    a.add(entries, command='test')\n"
        "    print('done', flush=True)\n", encoding="utf-8")
    target = tmp_path / "档案.sqlite"
    proc = subprocess.Popen([sys.executable, str(script), str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "go"
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, _err = proc.communicate(timeout=120)
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        forms = conn.execute("SELECT count(*) FROM forms").fetchone()[0]
        files = conn.execute("SELECT count(*) FROM files").fetchone()[0]
    conn.close()
    assert "done" not in out  # 1,000 forms take longer than 0.1 s to store: the signal came mid-add
    assert forms == files == 0


# ---------------------------------------------------------------------- claims test_archive.py left untested


def test_pair_changes_and_unit_trends_over_three_years(tmp_path):
    """Per matched project the change in budget, execution rate and score; per unit the score trend
    over every archived year and the unit perfect two years running (issue 18, docs/档案.md)."""
    from archive_corpus import build
    from jixiao.processor.archive.compare import compare_years
    from jixiao.processor.core.rules import load_profile
    from test_archive import _entries

    corpus, profile = build(), load_profile()
    with open_archive(str(tmp_path / "档案.sqlite")) as archive:
        entries = {y: _entries(corpus.grids(y), profile) for y in (2022, 2023, 2024)}
        for batch in entries.values():
            archive.add(batch, command="test")
        r = compare_years(archive, 2024)
    assert r.trend_years == [2022, 2023, 2024]
    # the planted budget case: 80 → 120 万元 at 98% both years (archive_corpus)
    lift = next(p for p in r.pairs if p.new.project == "老旧小区加装电梯补助")
    assert lift.budget_change == pytest.approx(0.5) and lift.rate_change == pytest.approx(0.0)
    assert lift.score_change == pytest.approx(lift.new.total_score - lift.old.total_score) and lift.score_change < -1
    # per unit: the mean computed score of each year's forms, from the stored forms themselves
    forms = {y: [f for e in batch for f in e.forms] for y, batch in entries.items()}
    by_unit = {u.unit: u for u in r.units}
    for unit in ("第1社区服务中心", "第3社区服务中心", "某街道办事处"):
        for y in (2022, 2023, 2024):
            scores = [f.total_score for f in forms[y] if f.unit == unit]
            if scores:
                n, mean = by_unit[unit].scores[y]
                assert n == len(scores) and mean == pytest.approx(sum(scores) / len(scores)), (unit, y)
    assert len(by_unit["第1社区服务中心"].scores) == 3  # a steady unit: every archived year
    third = by_unit["第3社区服务中心"]
    assert third.direction == "下降" and third.fell >= 1
    assert {u.unit for u in r.units if u.full_marks_both} == {"某街道办事处"}


def test_compare_never_writes_its_workbook_over_the_archive(tmp_path, capsys):
    """-o 绩效档案.sqlite (a slip of the tab key) would replace every archived year by a workbook."""
    from jixiao.processor.cli.archive import check_archive

    path = _archive_with_one_form(tmp_path / "绩效档案.sqlite", tmp_path)
    capsys.readouterr()
    before = path.read_bytes()
    for out in (str(path), str(tmp_path / "." / "绩效档案.sqlite"), str(path) + "-wal"):
        code, text = _run(capsys, "compare", "--archive", str(path), "-o", out)
        assert code == 2 and "就是档案本身" in text, text
    assert path.read_bytes() == before
    with pytest.raises(InputError, match="就是档案本身"):  # what merge --archive calls first
        check_archive(str(path), outputs=(str(tmp_path / "汇总.xlsx"), str(path)))
    assert check_archive(str(path), outputs=(str(tmp_path / "汇总.xlsx"),))[0] == str(path)
