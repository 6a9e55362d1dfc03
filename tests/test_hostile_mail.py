"""Issue 11: mail that cannot poison the batch (``collect`` and ``reply``).

Every hostile source of :mod:`hostile_mail` goes through ``collect`` (and the results
through ``reply`` and ``collect --roster``) in its own process, within 60 s and 1 GB
(:mod:`hostile_run`). Look-alike senders are kept apart and get no draft; a sender whose
data cannot make a draft costs only that draft; budgets and depths are registered,
never silently dropped; a damaged register is reported and set aside; nothing is
written outside the output folders, nor through a link planted in them.
"""

from __future__ import annotations

import base64
import email
import io
import json
import os
import zipfile
from email.policy import compat32, default
from pathlib import Path

import pytest
from hostile_mail import LOOKALIKES, REAL, _b64, build_mail_corpus, message
from hostile_run import jixiao, tree
from jixiao.processor.collect import MANIFEST_CSV, MANIFEST_JSON


@pytest.fixture(scope="module")
def mail(tmp_path_factory):
    return build_mail_corpus(tmp_path_factory.mktemp("mail"))


@pytest.fixture(scope="module")
def collected(mail, tmp_path_factory):
    """Each source collected into its own folder, once, in its own bounded process."""
    root = tmp_path_factory.mktemp("collected")
    out = {}
    for name, src in mail.sources.items():
        folder = root / name.replace(".", "_")
        out[name] = (folder, jixiao("collect", src, "-o", folder, "-q"))
    return out


def entries(folder: Path) -> list[dict]:
    return json.loads((folder / MANIFEST_JSON).read_text(encoding="utf-8"))["entries"]


def test_every_source_is_collected_within_time_and_memory(collected):
    problems = []
    for name, (folder, run) in collected.items():
        why = run.crashed() or (None if run.returncode == 0 else f"exit {run.returncode}: {run.stderr.strip()}")
        if why is None and not (folder / MANIFEST_JSON).is_file():
            why = "no register written"
        if why:
            problems.append(f"{name}: {why}")
    assert problems == []


def test_lookalike_senders_are_kept_apart_and_get_no_draft(collected, tmp_path):
    folder, _run = collected["lookalikes.mbox"]
    rows = entries(folder)
    real = [e for e in rows if e["sender"] == REAL]
    fakes = [e for e in rows if e["sender"] == ""]
    assert len(real) == 1 and real[0]["saved_path"].startswith(f"{REAL}/")
    assert len(fakes) == len(LOOKALIKES) and {e["code"] for e in fakes} == {"C122"}
    assert all(e["saved_path"].startswith("_发件人地址无效/") for e in fakes)
    assert sorted(p.name for p in (folder / REAL).iterdir()) == ["2024-03-15_real.xlsx"]
    for fake in LOOKALIKES:
        assert any(fake in e["note"] for e in fakes), fake
    drafts = tmp_path / "drafts"
    run = jixiao("reply", folder, "--out", drafts)
    assert run.returncode == 0 and run.crashed() is None
    assert sorted(p.name for p in drafts.iterdir()) == [f"{REAL}.eml"]
    msg = email.message_from_bytes((drafts / f"{REAL}.eml").read_bytes(), policy=default)
    assert msg["To"] == REAL


def test_an_address_hiding_a_line_break_is_refused_and_gets_no_draft(collected, tmp_path):
    folder, _run = collected["crlf_sender.eml"]
    (row,) = entries(folder)
    assert row["sender"] == "" and row["code"] == "C122" and "换行" in row["note"]
    drafts = tmp_path / "drafts"
    run = jixiao("reply", folder, "--out", drafts)
    assert run.returncode == 0 and run.crashed() is None
    assert list(drafts.iterdir()) == []


def test_zips_within_their_limits_still_meet_the_message_budget(collected):
    folder, run = collected["zips_288mb.eml"]
    rows = entries(folder)
    saved = [e for e in rows if e["status"] == "saved"]
    over = [e for e in rows if e["code"] == "C107"]
    assert len(saved) == 4 and len(over) == 2  # 4 × 48 MB fit in 200 MB, the rest is registered
    assert all(e["attachment"].startswith("明细") for e in over)
    assert run.peak_mb is not None and run.peak_mb < 900


@pytest.mark.parametrize("source, what", [("nested_zip.eml", "压缩包"), ("nested_forward.eml", "转发邮件")])
def test_nesting_beyond_the_limit_is_registered(collected, source, what):
    folder, _run = collected[source]
    (row,) = [e for e in entries(folder) if e["code"] == "C106"]
    assert row["status"] == "rejected" and what in row["note"] and row["attachment"]


def test_twenty_thousand_messages_are_registered_in_one_bounded_run(collected, mail):
    folder, run = collected["many.mbox"]
    rows = entries(folder)
    assert len(rows) == 20_000
    assert sum(e["status"] == "saved" for e in rows) == 200
    again = jixiao("collect", mail.sources["many.mbox"], "-o", folder, "-q")
    assert again.returncode == 0 and "新邮件 0 封" in again.stdout


def test_a_pipe_and_a_link_to_dev_zero_in_a_maildir_are_registered_not_read(collected):
    folder, _run = collected["Maildir"]
    rows = entries(folder)
    unreadable = [e for e in rows if e["status"] == "unreadable"]
    assert {e["code"] for e in unreadable} == {"C116"} and len(unreadable) == (
        int(hasattr(os, "mkfifo")) + int(os.path.exists("/dev/zero")))
    assert [e["attachment"] for e in rows if e["status"] == "saved"] == ["g.xlsx"]


def test_names_written_to_take_over_the_terminal_are_shown_escaped(collected, tmp_path):
    folder, run = collected["escapes.eml"]
    assert run.crashed() is None
    (row,) = entries(folder)
    assert "\x1b" in row["attachment"]  # the register keeps the exact text …
    assert "\x1b" not in row["saved_path"] and "\u202e" not in row["saved_path"]  # … the file name does not
    loud = jixiao("collect", folder.parent / "x.eml", "-o", tmp_path / "o")  # missing source: one line
    assert loud.crashed() is None
    drafts = jixiao("reply", folder, "--out", tmp_path / "d")
    assert drafts.crashed() is None and drafts.returncode == 0
    msg = email.message_from_bytes(next((tmp_path / "d").iterdir()).read_bytes(), policy=default)
    assert "\x1b" not in msg["To"] and "\x1b" not in msg["Subject"]


# ---------------------------------------------------------------- registers damaged or edited


def _collect_once(mail, out: Path) -> None:
    run = jixiao("collect", mail.sources["lookalikes.mbox"], "-o", out, "-q")
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("damage", ["invalid_json", "wrong_types", "csv_with_nul", "csv_edited_by_hand"])
def test_a_damaged_register_is_reported_set_aside_and_never_crashes(mail, tmp_path, damage):
    out = tmp_path / "out"
    _collect_once(mail, out)
    json_path, csv_path = out / MANIFEST_JSON, out / MANIFEST_CSV
    if damage == "invalid_json":
        json_path.write_bytes(json_path.read_bytes()[:200])
    elif damage == "wrong_types":
        json_path.write_text('{"entries": "x", "seen_sources": 5}', encoding="utf-8")
    elif damage == "csv_with_nul":
        json_path.unlink()
        csv_path.write_bytes(csv_path.read_bytes().replace(b",", b"\x00,", 3))
    else:
        json_path.unlink()
        text = csv_path.read_text(encoding="utf-8-sig").replace("发件人邮箱", "邮箱(改)")
        csv_path.write_text(text + "多出来的,一行,,,,,,,,,,,,,,,,,,,,,,,,x,y,z\n", encoding="utf-8-sig")
    damaged = {p.name: p.read_bytes() for p in (json_path, csv_path) if p.exists()}
    for args in (("reply", out, "--out", tmp_path / "drafts"), ("collect", "--roster", _roster(tmp_path), "-o", out)):
        run = jixiao(*args)
        assert run.crashed() is None and run.returncode in (0, 2), (args, run.stderr)
    run = jixiao("collect", mail.sources["lookalikes.mbox"], "-o", out, "-q")
    assert run.returncode == 0 and run.crashed() is None
    if damage != "csv_edited_by_hand":
        assert "收件登记" in run.stderr and "改名" in run.stderr
        asides = sorted(p.name for p in out.iterdir() if ".损坏-" in p.name)
        assert asides and all(
            any((out / a).read_bytes() == data for data in damaged.values()) for a in asides)
    data = json.loads(json_path.read_text(encoding="utf-8"))  # a sound register again
    assert isinstance(data["entries"], list)


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "名单.csv"
    path.write_text(f"单位,联系人,邮箱\n交通局,李,{REAL}\n" + "长" * 200_000 + ",x,y\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- outputs that cannot be redirected


def test_a_symlinked_sender_folder_stops_collect_with_one_line(mail, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("untouched", encoding="utf-8")
    os.symlink(outside, out / REAL)
    before = tree(outside)
    run = jixiao("collect", mail.sources["lookalikes.mbox"], "-o", out, "-q")
    assert run.returncode == 2 and run.crashed() is None
    assert len(run.lines) == 1 and "符号链接" in run.stderr
    assert tree(outside) == before
    json.loads((out / MANIFEST_JSON).read_text(encoding="utf-8"))  # what was done is registered


def test_reply_out_naming_a_file_is_one_line(collected, tmp_path):
    folder, _ = collected["lookalikes.mbox"]
    target = tmp_path / "drafts.txt"
    target.write_text("not a folder", encoding="utf-8")
    run = jixiao("reply", folder, "--out", target)
    assert run.returncode == 2 and run.crashed() is None and len(run.lines) == 1
    assert "文件" in run.stderr and target.read_text(encoding="utf-8") == "not a folder"


def test_reply_never_writes_through_a_planted_link_and_writes_the_other_drafts(mail, tmp_path):
    src = tmp_path / "two.mbox"
    from hostile_mail import _xlsx, mbox_of

    src.write_bytes(mbox_of([
        message(REAL.encode(), b"a", b"<a@x>", [_xlsx(b"a.xlsx", mail.workbook)]),
        message(b"zhao@edu.example.cn", b"b", b"<b@x>", [_xlsx(b"b.xlsx", mail.workbook + b"\0")]),
    ]))
    out, drafts = tmp_path / "out", tmp_path / "drafts"
    assert jixiao("collect", src, "-o", out, "-q").returncode == 0
    drafts.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    os.symlink(victim, drafts / f"{REAL}.eml")
    run = jixiao("reply", out, "--out", drafts)
    assert run.returncode == 2 and run.crashed() is None
    assert "符号链接" in run.stderr and REAL in run.stderr
    assert victim.read_text(encoding="utf-8") == "precious"
    assert (drafts / "zhao@edu.example.cn.eml").is_file()


def test_one_sender_whose_draft_fails_costs_only_that_draft(tmp_path, monkeypatch):
    from jixiao.processor.collect import reply
    from jixiao.processor.collect.reply import SenderReport, write_drafts

    real_build = reply.build_draft

    def build(rep, **kw):
        if rep.sender == "bad@x.example.cn":
            raise ValueError("无法编码")
        return real_build(rep, **kw)

    monkeypatch.setattr(reply, "build_draft", build)
    outcome = write_drafts([SenderReport("bad@x.example.cn"), SenderReport("good@x.example.cn")], tmp_path)
    assert [p.name for p in outcome.written] == ["good@x.example.cn.eml"]
    assert len(outcome.failed) == 1 and "bad@x.example.cn" in outcome.failed[0]


# ---------------------------------------------------------------- every C code is produced


def _codes_from_extract(limits_kw: dict, attachments: list) -> set[str]:
    from jixiao.processor.collect.attachments import Limits, extract

    raw = message(b"a@b.example.cn", b"s", b"<s@x>", attachments)
    found = extract(email.message_from_bytes(raw, policy=compat32), Limits(**limits_kw))
    return {f.code for f in found}


def _zip(members: dict[str, bytes], encrypt_first: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    data = bytearray(buf.getvalue())
    if encrypt_first:  # set the encryption flag of the first entry, local and central
        data[6] |= 1
        cd = data.find(b"PK\x01\x02")
        data[cd + 8] |= 1
    return bytes(data)


def test_every_collect_code_is_produced(collected, mail):
    from hostile_mail import _xlsx, _zip_part
    from jixiao.processor.core.findings import catalogue

    codes = {e["code"] for folder, _run in collected.values() for e in entries(folder)}
    wb = mail.workbook
    zeros = b"\0" * (3 * 1024 * 1024)
    codes |= _codes_from_extract({"max_attachment_bytes": 1000}, [_xlsx(b"big.xlsx", wb)])  # C101
    codes |= _codes_from_extract({"max_zip_total_bytes": 1000}, [_zip_part(b"z.zip", _zip({"a.xlsx": wb}))])  # C102
    codes |= _codes_from_extract({"max_zip_members": 1}, [_zip_part(b"z.zip", _zip({"a.xlsx": wb, "b.xlsx": wb}))])
    codes |= _codes_from_extract({}, [_zip_part(b"z.zip", _zip({"a.xlsx": zeros}))])  # C104 ratio
    codes |= _codes_from_extract({"max_attachment_bytes": 10_000}, [_zip_part(b"z.zip", _zip({"a.xlsx": wb * 3}))])
    codes |= _codes_from_extract({"max_run_unpacked_bytes": 100}, [_xlsx(b"a.xlsx", wb)])  # C108
    codes |= _codes_from_extract({}, [(b"application/x-rar", b"a.rar", b"Rar!")])  # C109
    codes |= _codes_from_extract({}, [_zip_part(b"z.zip", _zip({"a.xlsx": wb}, encrypt_first=True))])  # C110
    codes |= _codes_from_extract({}, [_zip_part(b"z.zip", b"PK\x03\x04 not a zip")])  # C111
    codes |= _codes_from_extract({}, [_xlsx(b"a.xlsx", b"%PDF-1.4")])  # C121
    ok = message(b"a@b.example.cn", b"s", b"<s1@x>", [_xlsx(b"a.xlsx", wb)])
    cut = message(b"a@b.example.cn", b"s", b"<s2@x>", [_xlsx(b"b.xlsx", wb[: len(wb) // 2])])
    cut = cut[: cut.rindex(b"--=_b_hostile_boundary--")]  # no closing boundary, attachment damaged
    full = base64.b64encode(wb).rstrip(b"=")
    cut_b64 = full[: len(full) - (len(full) - 1) % 4]  # one character past a 4-character group
    bad_b64 = ok.replace(b"<s1@x>", b"<s3@x>").replace(_b64(wb), cut_b64)
    no_boundary = b"From: a@b.example.cn\r\nMessage-ID: <s4@x>\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n"
    again = ok.replace(b"<s1@x>", b"<s5@x>").replace(b"Subject: s", b"Subject: t")  # same workbook
    truncated = message(b"a@b.example.cn", b"s", b"<s6@x>", [_xlsx(b"c.xlsx", wb[:-200])])
    codes |= _collect_codes([ok, ok, cut, bad_b64, no_boundary, b"\x00\x01 no headers at all", again, truncated])
    from jixiao.processor.collect.sources import iter_mbox

    big = mail.root / "one_big.mbox"
    big.write_bytes(b"From a@b Sat Jan  1 00:00:00 2000\n" + b"x" * 5000 + b"\n")
    codes |= {m.code for m in iter_mbox(big, max_bytes=1000)}  # C117
    from jixiao.processor.collect.manifest import Manifest

    reg = mail.root / "reg"
    reg.mkdir(exist_ok=True)
    (reg / MANIFEST_JSON).write_text("{", encoding="utf-8")
    codes |= {"C124"} if any("收件登记.json" in p and "改名" in p for p in Manifest.load(reg, repair=True).problems) else set()
    codes |= _run_level_codes(mail.root)
    listed = {c for c in catalogue() if c.startswith("C")}
    assert listed - codes == set(), sorted(listed - codes)


def _run_level_codes(root: Path) -> set[str]:
    """The refusals of a whole run: roster files, sources, IMAP (C125–C133)."""
    import socket

    from jixiao.processor.collect.roster import load_roster
    from jixiao.processor.collect.sources import ImapOptions, connect, iter_paths
    from jixiao.processor.core.errors import InputError
    from openpyxl import Workbook

    def code_of(fn) -> str:
        try:
            fn()
        except InputError as err:
            assert err.detail and "\n" not in str(err)
            return err.code
        return "ok"

    d = root / "rosters"
    d.mkdir(exist_ok=True)
    (d / "gbk5.csv").write_bytes("單位\n".encode("big5") + b"\xff\xfe\x00")
    (d / "huge.csv").write_text("单位,邮箱\n\"" + "长" * 200_000 + "\",x\n", encoding="utf-8")  # a 200 KB cell
    (d / "no_unit.csv").write_text("部门,联系人\n交通局,李\n", encoding="utf-8")
    (d / "empty.csv").write_text("单位,联系人,邮箱\n", encoding="utf-8")
    wb = Workbook()
    wb.active.append(["单位", "邮箱"])
    wb.active.append(["交通局", REAL])
    wb.save(d / "名单.xlsx")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return {
        code_of(lambda: load_roster(d / "missing.csv")),
        code_of(lambda: load_roster(d / "gbk5.csv")),
        code_of(lambda: load_roster(d / "huge.csv")),
        code_of(lambda: load_roster(d / "名单.xlsx", "没有这张表")),
        code_of(lambda: load_roster(d / "no_unit.csv")),
        code_of(lambda: load_roster(d / "empty.csv")),
        code_of(lambda: list(iter_paths([root / "no-such.mbox"]))),
        code_of(lambda: connect(ImapOptions("127.0.0.1", "u", "p", port=port, cafile=str(d / "empty.csv")))),
        code_of(lambda: connect(ImapOptions("127.0.0.1", "u", "p", port=port, security="plain", timeout=5))),
    }


def _collect_codes(raws: list[bytes]) -> set[str]:
    import hashlib
    import tempfile

    from jixiao.processor.collect.collector import Collector
    from jixiao.processor.collect.sources import RawMessage

    with tempfile.TemporaryDirectory() as tmp:
        c = Collector(Path(tmp))
        for i, raw in enumerate(raws):
            c.process(RawMessage(raw, f"sha256:{hashlib.sha256(raw).hexdigest()}#{i}", f"m{i}"))
        return {e.code for e in c.manifest.entries}
