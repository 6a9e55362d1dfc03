"""``jixiao collect`` on .eml files, an mbox and a Maildir generated with the email package."""

from __future__ import annotations

import csv
import hashlib
import json
import mailbox
from datetime import datetime
from pathlib import Path

import pytest
from hostile_corpus import write_minimal_form
from imap_server import EXPECTED_SAVED, sample_messages
from jixiao.processor.collect import MANIFEST_CSV, MANIFEST_JSON, load_manifest, lookup
from jixiao.processor.collect.cli import main

FORMS = {
    "a": ("教育培训项目", "某某区教育局"),
    "b": ("公共卫生项目", "某某区卫生健康局"),
    "c": ("道路养护项目", "某某区交通运输局"),
    "d": ("校舍维修项目", "某某区第一中学"),
    "e": ("疫苗接种项目", "某某区卫生健康局"),
}


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("forms")
    out = {}
    for key, (project, unit) in FORMS.items():
        out[key] = write_minimal_form(d / f"{key}.xlsx", project_name=project, unit=unit).read_bytes()
    return out


@pytest.fixture(scope="module")
def messages(forms: dict[str, bytes]) -> list[tuple[str, bytes]]:
    return sample_messages(forms)


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name not in (MANIFEST_CSV, MANIFEST_JSON)
    }


def _check_outcome(out: Path, forms: dict[str, bytes]) -> list[dict]:
    files = _files(out)
    assert set(files) >= set(EXPECTED_SAVED), sorted(set(EXPECTED_SAVED) - set(files))
    for rel, key in EXPECTED_SAVED.items():
        if key:
            assert files[rel] == forms[key], rel
    # the long name from message 8 is saved too, bounded in bytes, and nothing else
    extra = set(files) - set(EXPECTED_SAVED)
    assert len(extra) == 1
    (long_name,) = extra
    assert long_name.startswith("evil@x.example.cn/2024-03-21_长长长") and long_name.endswith(".xlsx")
    assert len(Path(long_name).name.encode()) <= 255
    # nothing outside DIR, nothing hidden, no temporary leftovers
    for rel in files:
        assert ".." not in Path(rel).parts and not Path(rel).name.startswith(".")
    data = json.loads((out / MANIFEST_JSON).read_text(encoding="utf-8"))
    entries = data["entries"]
    by_status: dict[str, list[dict]] = {}
    for e in entries:
        by_status.setdefault(e["status"], []).append(e)
    assert len(by_status["saved"]) == 9
    assert {e["saved_path"] for e in by_status["saved"]} == set(files)
    for e in by_status["saved"]:
        assert e["sha256"] == hashlib.sha256(files[e["saved_path"]]).hexdigest()
        assert e["sender"] and e["date"] and e["message_id"] and e["attachment"]
    dups = by_status["duplicate"]
    assert {e["message_id"] for e in dups} == {"<m1@edu.example.cn>", "<m7@edu.example.cn>"}
    assert {e["status"] for e in entries} == {"saved", "duplicate", "unreadable", "no_attachment"}
    unreadable = by_status["unreadable"]
    assert len(unreadable) == 2  # the garbage message and the truncated attachment
    assert any(e["attachment"] == "截断.xlsx" for e in unreadable)
    assert [e["sender"] for e in by_status["no_attachment"]] == ["sun@culture.example.cn"]
    names = {e["attachment"] for e in entries}
    assert {"卫生局绩效自评表.xlsx", "交通局自评表.xlsx", "../../../etc/evil.xlsx", "CON.xlsx"} <= names
    forwarded = next(e for e in entries if e["attachment"] == "学校自评表.xlsx")
    assert "sub@school.example.cn" in forwarded["container"]
    subject = next(e for e in entries if e["message_id"] == "<m2@health.example.cn>")["subject"]
    assert subject == "卫生局自评表"
    return entries


def _run(*args: str) -> int:
    return main(["collect", *map(str, args)])


def test_mbox_then_second_run_adds_nothing(tmp_path: Path, messages, forms, capsys) -> None:
    box_path = tmp_path / "收件箱.mbox"
    box = mailbox.mbox(str(box_path))
    for _name, raw in messages:
        box.add(raw)
    box.close()
    out = tmp_path / "out"
    assert _run(box_path, "-o", out) == 0
    entries = _check_outcome(out, forms)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    manifest_before = (out / MANIFEST_JSON).read_text(encoding="utf-8")
    assert _run(box_path, "-o", out) == 0
    assert "新邮件 0 封" in capsys.readouterr().out
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name not in (MANIFEST_CSV, MANIFEST_JSON)}
    assert all(before[p] == t for p, t in after.items())
    data = json.loads((out / MANIFEST_JSON).read_text(encoding="utf-8"))
    assert data["entries"] == json.loads(manifest_before)["entries"] == entries
    # CSV: UTF-8 with BOM, Chinese headers, same rows
    raw = (out / MANIFEST_CSV).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["状态", "发件人邮箱", "发件人"]
    assert len(rows) == len(entries) + 1


def test_eml_files_and_directory(tmp_path: Path, messages, forms) -> None:
    src = tmp_path / "eml"
    src.mkdir()
    for name, raw in messages:
        (src / f"{name}.eml").write_bytes(raw)
    out = tmp_path / "out"
    # one file given directly, the rest through the folder (the file again: no double)
    assert _run(src / "m01_rfc2231.eml", src, "-o", out) == 0
    _check_outcome(out, forms)


def test_maildir_and_a_new_message_later(tmp_path: Path, messages, forms) -> None:
    md = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    for _name, raw in messages[:-1]:
        md.add(raw)
    out = tmp_path / "out"
    assert _run(tmp_path / "Maildir", "-o", out) == 0
    n_before = len(json.loads((out / MANIFEST_JSON).read_text(encoding="utf-8"))["entries"])
    md.add(messages[-1][1])
    md.close()
    assert _run(tmp_path / "Maildir", "-o", out) == 0
    entries = _check_outcome(out, forms)
    assert len(entries) == n_before + 1


def test_load_manifest_for_merge(tmp_path: Path, messages, forms) -> None:
    src = tmp_path / "all.mbox"
    box = mailbox.mbox(str(src))
    for _name, raw in messages:
        box.add(raw)
    box.close()
    out = tmp_path / "out"
    assert _run(src, "-o", out) == 0
    table = load_manifest(out)
    sha_a = hashlib.sha256(forms["a"]).hexdigest()
    entry = table[sha_a]
    assert entry.sender == "zhang@edu.example.cn" and entry.sender_name == "张老师"
    assert isinstance(entry.received_at, datetime)
    assert entry.received_at.isoformat() == "2024-03-15T10:00:00+08:00"
    path = out / entry.saved_path
    assert lookup(out, path) == entry
    copied = tmp_path / "elsewhere.xlsx"
    copied.write_bytes(forms["a"])
    assert lookup(out, copied) == entry  # by content
    assert load_manifest(tmp_path / "nothing-here") == {}


def test_no_source_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert _run("-o", tmp_path / "out") == 2
    assert "来源" in capsys.readouterr().err
    assert _run(tmp_path / "missing.mbox", "-o", tmp_path / "out") == 2
