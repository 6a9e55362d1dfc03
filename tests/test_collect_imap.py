"""``jixiao collect --imap`` against a real Dovecot (Debian ``dovecot-imapd``) on loopback.

The server is started by the tests with a throwaway config (see ``imap_server.py``);
the tests are skipped, with the reason printed, only when the dovecot binary is absent.
"""

from __future__ import annotations

import imaplib
import json
import re
import ssl
import time
from pathlib import Path

import pytest
from hostile_corpus import write_minimal_form
from imap_server import EXPECTED_SAVED, deliver, dovecot_binary, sample_messages, start_server
from jixiao.processor.collect import MANIFEST_JSON
from jixiao.processor.collect.cli import main
from jixiao.processor.collect.sources import imap_utf7_decode, imap_utf7_encode

if dovecot_binary() is None:
    print("IMAP tests skipped: dovecot binary not found (apt-get install dovecot-imapd)")
    pytestmark = pytest.mark.skip(reason="dovecot binary not found (apt-get install dovecot-imapd)")

USER, PASSWORD = "finance", "s3cret-密码"


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("forms")
    return {k: write_minimal_form(d / f"{k}.xlsx", project_name=f"项目{k}", unit=f"单位{k}").read_bytes()
            for k in "abcde"}


@pytest.fixture(scope="module")
def server(forms):
    srv = start_server({USER: PASSWORD}, tls=True)
    try:
        for i, (name, raw) in enumerate(sample_messages(forms), start=1):
            deliver(srv, USER, raw, name=f"{1700000000 + i}.{name}.test", mtime=1700000000 + i * 60)
        yield srv
    finally:
        srv.stop()


def _bodies_fetched(srv, since: int) -> int:
    """Message bodies the server sent since the log had ``since`` characters."""
    time.sleep(0.3)  # the logout line is written asynchronously
    log = srv.log_text()[since:]
    return sum(int(n) for n in re.findall(r"body_count=(\d+)", log))


def _collect(srv, out: Path, *extra: str, monkeypatch) -> int:
    monkeypatch.setenv("JIXIAO_IMAP_PASSWORD", PASSWORD)
    return main(["collect", "--imap", srv.host, "--user", USER, "-o", str(out), *extra])


def _flags(srv) -> list[bytes]:
    conn = imaplib.IMAP4(srv.host, srv.port)
    conn.authenticate("PLAIN", lambda _c: f"\0{USER}\0{PASSWORD}".encode())
    conn.select("INBOX", readonly=True)
    _typ, data = conn.fetch("1:*", "(FLAGS)")
    conn.logout()
    return [d for d in data if d]


def test_tls_collect_is_read_only_and_incremental(server, forms, tmp_path, monkeypatch, capsys) -> None:
    out = tmp_path / "out"
    flags_before = _flags(server)
    assert all(b"\\Seen" not in f and b"\\Deleted" not in f for f in flags_before)
    mark = len(server.log_text())
    rc = _collect(server, out, "--port", str(server.tls_port), "--cafile", str(server.cert),
                  monkeypatch=monkeypatch)
    assert rc == 0, capsys.readouterr()
    first_bodies = _bodies_fetched(server, mark)
    # 11 messages, the duplicate (same Message-ID) is not downloaded in full
    assert first_bodies == 10
    for rel, key in EXPECTED_SAVED.items():
        assert (out / rel).is_file(), rel
        if key:
            assert (out / rel).read_bytes() == forms[key]
    data = json.loads((out / MANIFEST_JSON).read_text(encoding="utf-8"))
    statuses = [e["status"] for e in data["entries"]]
    assert statuses.count("saved") == 9 and statuses.count("unreadable") == 2
    assert all(e["source"].startswith("imap://finance@127.0.0.1:") for e in data["entries"])
    dup = [e for e in data["entries"] if e["status"] == "duplicate" and not e["attachment"]]
    assert dup and dup[0]["sender"] == "zhang@edu.example.cn"
    # no Received header: the received time is the server's INTERNALDATE (the file names
    # use the Date header, so they are the same from every source)
    saved = next(e for e in data["entries"] if e["message_id"] == "<m2@health.example.cn>")
    assert saved["received"].startswith("2023-11-14")  # file mtime set by deliver()
    # read-only: no flag changed, nothing deleted
    assert _flags(server) == flags_before
    # second run: nothing fetched, nothing written
    mark = len(server.log_text())
    rc = _collect(server, out, "--port", str(server.tls_port), "--cafile", str(server.cert),
                  monkeypatch=monkeypatch)
    assert rc == 0
    assert _bodies_fetched(server, mark) == 0
    assert json.loads((out / MANIFEST_JSON).read_text(encoding="utf-8"))["entries"] == data["entries"]
    # a new message arrives: only it is fetched
    new = sample_messages(forms)[0][1].replace(b"<m1@edu.example.cn>", b"<m1-new@edu.example.cn>")
    deliver(server, USER, new, name="1800000000.new.test")
    mark = len(server.log_text())
    assert _collect(server, out, "--port", str(server.tls_port), "--cafile", str(server.cert),
                    monkeypatch=monkeypatch) == 0
    assert _bodies_fetched(server, mark) == 1
    entries = json.loads((out / MANIFEST_JSON).read_text(encoding="utf-8"))["entries"]
    assert len(entries) == len(data["entries"]) + 1 and entries[-1]["status"] == "duplicate"


def test_starttls_and_plain(server, forms, tmp_path, monkeypatch) -> None:
    out = tmp_path / "starttls"
    assert _collect(server, out, "--port", str(server.port), "--starttls", "--cafile", str(server.cert),
                    monkeypatch=monkeypatch) == 0
    assert (out / next(iter(EXPECTED_SAVED))).is_file()
    out = tmp_path / "plain"
    assert _collect(server, out, "--port", str(server.port), "--no-tls", "--since", "2020-01-01",
                    monkeypatch=monkeypatch) == 0
    assert (out / next(iter(EXPECTED_SAVED))).is_file()


def test_untrusted_certificate_and_bad_password(server, tmp_path, monkeypatch, capsys) -> None:
    assert _collect(server, tmp_path / "x", "--port", str(server.tls_port), monkeypatch=monkeypatch) == 2
    assert "--cafile" in capsys.readouterr().err
    monkeypatch.setenv("JIXIAO_IMAP_PASSWORD", "wrong")
    rc = main(["collect", "--imap", server.host, "--user", USER, "--port", str(server.port), "--no-tls",
               "-o", str(tmp_path / "y")])
    assert rc == 2
    assert "登录失败" in capsys.readouterr().err


def test_password_never_from_the_command_line(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("JIXIAO_IMAP_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", None)
    assert main(["collect", "--imap", "127.0.0.1", "--user", "u", "-o", str(tmp_path)]) == 2
    assert "JIXIAO_IMAP_PASSWORD" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["collect", "--imap", "127.0.0.1", "--password", "x", "-o", str(tmp_path)])


def test_list_folders_and_utf7(server, monkeypatch, capsys) -> None:
    # the example of RFC 3501 §5.1.3
    assert imap_utf7_encode("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert imap_utf7_decode(imap_utf7_encode("绩效/自评表 & 附件")) == "绩效/自评表 & 附件"
    assert imap_utf7_decode(imap_utf7_encode("收件箱/绩效")) == "收件箱/绩效"
    monkeypatch.setenv("JIXIAO_IMAP_PASSWORD", PASSWORD)
    assert main(["collect", "--imap", server.host, "--user", USER, "--port", str(server.port), "--no-tls",
                 "--list-folders", "-o", "unused"]) == 0
    assert "INBOX" in capsys.readouterr().out


def test_ssl_module_available() -> None:
    assert ssl.OPENSSL_VERSION
