"""Red-team round 4/5 (issue 11): submitted text in every output file, attachment and file
names that lose what identifies them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from builders import Form, make_grid, write_xlsx
from hostile_round3 import gen

# bidi embeddings/overrides/isolates and marks, zero-width space, C0/C1 controls
RAW = ("\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u200b", "\x1b", "\x07", "\x00", "\x9b")
BIDI_PROJECT = "工程\u202e款项\u2066名\u2069\u200b"
BIDI_UNIT = "某\u202a中心\u200f"
BIDI_FILE = "报表\u202excod.xlsx"


def _raw_in(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in RAW if c in text]


def _bidi_inputs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(folder / BIDI_FILE, make_grid(Form(project=BIDI_PROJECT, unit=BIDI_UNIT)))
    p = gen.parts()  # an escape sequence, a BEL and a NUL written as OOXML escapes (openpyxl refuses them)
    gen.cell(p, "B3", '<c r="B3" s="4" t="inlineStr"><is><t>项目_x001B_]0;x_x0007__x001B_[2J_x0000_\u202e尾</t></is></c>')
    gen.write(folder / "esc.xlsx", p)
    return folder


def _xlsx_texts(path: Path) -> list[str]:
    """Every string of every sheet, and the sheet XML itself (inline strings, headers)."""
    wb = openpyxl.load_workbook(path)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    with zipfile.ZipFile(path) as z:
        texts += [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")]
    return texts


def _strings(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return set().union(*(_strings(v) for v in items)) if items else set()


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def test_the_summary_workbook_and_report_show_bidi_and_control_characters_escaped(tmp_path):
    """U+202E in a project or file name reached 项目汇总, 文件清单, 问题清单 and the unit
    sheets raw (the cell reads backwards in Excel); the CSV already showed it as \\u202e."""
    src = _bidi_inputs(tmp_path / "in")
    out, report = tmp_path / "汇总.xlsx", tmp_path / "报告.docx"
    from jixiao.processor.cli.main import main

    assert main(["merge", str(src), "-o", str(out), "--report", str(report), "--json", str(tmp_path / "s.json"),
                 "--department-name", "局\u202e办", "--workers", "1"]) == 0
    texts = _xlsx_texts(out)
    joined = "\n".join(texts)
    assert _raw_in(joined) == []
    assert "_x001B_" not in joined and "_x0000_" not in joined  # not even in OOXML's own escape
    # the names are there, shown as the CSV and the terminal show them
    assert "工程\\u202e款项\\u2066名\\u2069\\u200b" in joined
    assert "某\\u202a中心\\u200f" in joined
    assert "报表\\u202excod.xlsx" in joined
    assert "项目\\u001b]0;x\\u0007\\u001b[2J\\u0000\\u202e尾" in joined
    # the JSON holds the same names (escapes are JSON's own), with no raw bidi or C1 character
    import json

    text = (tmp_path / "s.json").read_text(encoding="utf-8")
    assert _raw_in(text) == []
    assert BIDI_PROJECT in _strings(json.loads(text))
    doc = _docx_text(report)
    assert _raw_in(doc) == []
    assert "局\\u202e办" in doc


def test_a_project_name_shaped_as_rich_text_stays_text_on_every_xlsxwriter_sheet(tmp_path):
    """xlsxwriter copies "<r>…</r>" into the package unescaped; the unit ranking sheet wrote
    the unit name with write_string directly."""
    src = tmp_path / "in"
    src.mkdir()
    unit = "<r><t>注入</t></r>"
    write_xlsx(src / "a.xlsx", make_grid(Form(project="<r>项目</r>", unit=unit)))
    out = tmp_path / "汇总.xlsx"
    import jixiao

    jixiao.merge(src).write_xlsx(out)
    wb = openpyxl.load_workbook(out)
    values = {c.value for ws in wb for row in ws.iter_rows() for c in row}
    assert unit in values and "<r>项目</r>" in values


def test_the_fill_result_page_shows_a_bidi_project_name_escaped(tmp_path):
    import jixiao

    src = tmp_path / "a.xlsx"
    write_xlsx(src, make_grid(Form(project=BIDI_PROJECT, total=(50, 50, 60, 10, 1.2, 10))))
    copy = tmp_path / "copy.xlsx"
    jixiao.fill(src, copy)
    wb = openpyxl.load_workbook(copy)
    page = [c.value for row in wb["校验结果"].iter_rows() for c in row if isinstance(c.value, str)]
    assert _raw_in("\n".join(page)) == []
    assert any("工程\\u202e款项" in v for v in page)
    # the form itself is the user's: its project name is left exactly as typed
    assert BIDI_PROJECT in [c.value for row in wb["自评表"].iter_rows() for c in row]


def test_in_document_keeps_line_breaks_and_tabs_and_is_idempotent():
    from jixiao.processor.core.visible import in_document

    assert in_document("第一行\n第二行\t完") == "第一行\n第二行\t完"
    once = in_document("a\u202eb\rc\x85")
    assert once == "a\\u202eb\\u000dc\\u0085"
    assert in_document(once) == once


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch):
    monkeypatch.delenv("JIXIAO_RULES", raising=False)


def _mail(attachments: list[tuple[str, bytes]], sender: str = "zhang@edu.example.cn",
          subtype: str = "vnd.openxmlformats-officedocument.spreadsheetml.sheet") -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "caiwu@example.gov.cn", "自评表"
    msg["Date"], msg["Message-ID"] = "Mon, 02 Dec 2024 10:00:00 +0800", f"<{len(attachments)}@example.cn>"
    msg.set_content("请查收。")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return b"From MAILER-DAEMON Mon Dec  2 02:00:00 2024\n" + bytes(msg) + b"\n"


def test_collect_keeps_the_extension_of_an_attachment_named_only_xlsx(tmp_path):
    """".xlsx" and "   .xlsx" were saved as "2024-12-02_xlsx": no extension, Windows
    cannot open it by double click."""
    from jixiao.processor.collect.cli import main

    one = write_xlsx(tmp_path / "1.xlsx", make_grid(Form(project="甲项目"))).read_bytes()
    two = write_xlsx(tmp_path / "2.xlsx", make_grid(Form(project="乙项目"))).read_bytes()
    box = tmp_path / "in.mbox"
    box.write_bytes(_mail([(".xlsx", one), ("   .xlsx", two)]))
    out = tmp_path / "收件箱"
    assert main(["collect", str(box), "-o", str(out), "-q"]) == 0
    saved = sorted(p.name for p in out.rglob("*.xlsx"))
    assert saved == ["2024-12-02_附件 (2).xlsx", "2024-12-02_附件.xlsx"]
    assert {p.read_bytes() for p in out.rglob("*.xlsx")} == {one, two}


def test_merge_tells_apart_file_names_that_differ_only_in_normalisation(tmp_path):
    """"é项目.xlsx" composed (U+00E9) and decomposed (e + U+0301) showed as two identical
    names in 文件清单, and "与“é项目.xlsx”内容相同" did not say which file was meant."""
    import unicodedata

    import jixiao

    src = tmp_path / "in"
    src.mkdir()
    composed, decomposed = "\u00e9项目.xlsx", "e\u0301项目.xlsx"
    write_xlsx(src / composed, make_grid(Form(project="甲项目")))
    (src / decomposed).write_bytes((src / composed).read_bytes())  # the same bytes: one is 重复
    write_xlsx(src / "\u00e9表.xlsx", make_grid(Form(project="乙项目")))  # composed, no look-alike
    out = tmp_path / "汇总.xlsx"
    result = jixiao.merge(src)
    result.write_xlsx(out)
    ws = openpyxl.load_workbook(out)["文件清单"]
    rows = [[c.value for c in row] for row in ws.iter_rows() if ".xlsx" in str(row[1].value)]
    names = [r[1] for r in rows]
    assert len(names) == 3 and len(set(names)) == 3  # every row's name reads differently
    assert composed in names and "\u00e9表.xlsx" in names  # composed names as typed
    spelled = next(n for n in names if n not in (composed, "\u00e9表.xlsx"))
    assert spelled == decomposed + "（分解形式：e\\u0301项目.xlsx）"
    assert unicodedata.normalize("NFC", spelled).startswith(composed)
    # the duplicate's reason names the kept file so that it cannot be mistaken
    reasons = {r[1]: r[4] for r in rows}
    dup = next(n for n in names if reasons[n] and "内容相同" in reasons[n])
    other = composed if dup == spelled else spelled
    assert reasons[dup] == f"与“{other}”内容相同"


def test_merge_refuses_an_output_path_that_names_a_submitted_workbook(tmp_path, capsys):
    """``merge 收件箱 -o 收件箱/乙.xlsx`` left 乙 out of the summary (an output is never read)
    and wrote the summary over its form; ``--json 收件箱/甲.xlsx`` replaced 甲 by JSON."""
    from jixiao.processor.cli.main import main

    src = tmp_path / "in"
    src.mkdir()
    for name in ("甲", "乙"):
        write_xlsx(src / f"{name}.xlsx", make_grid(Form(project=f"{name}项目")))
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    assert main(["merge", str(src), "-o", str(src / "乙.xlsx")]) == 2
    assert "“" + str(src / "乙.xlsx") + "”是待汇总的工作簿之一" in capsys.readouterr().err
    assert main(["merge", str(src), "-o", str(tmp_path / "汇总.xlsx"), "--json", str(src / "甲.xlsx")]) == 2
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before
    assert not (tmp_path / "汇总.xlsx").exists()
    # an earlier summary (and report) in the same folder is replaced as before
    args = ["merge", str(src), "-o", str(src / "汇总.xlsx"), "--report", str(src / "报告.docx")]
    assert main(args) == 0 and main(args) == 0
    assert "共发现 2 个文件" in capsys.readouterr().out


def test_collect_saves_a_workbook_whose_attachment_name_has_no_workbook_extension(tmp_path):
    """An attachment named "     " or "报表" (a client that lost the extension) holding an
    .xlsx was neither saved nor registered: the unit's form silently stayed in the mail."""
    import csv

    from jixiao.processor.collect.cli import main

    forms = [write_xlsx(tmp_path / f"{n}.xlsx", make_grid(Form(project=f"项目{n}"))).read_bytes() for n in range(3)]
    box = tmp_path / "in.mbox"
    box.write_bytes(_mail([("     ", forms[0]), ("报表", forms[1]), ("ATT00001.dat", forms[2]),
                           ("说明.pdf", b"%PDF-1.4 not a workbook"), ("x.docx", _docx_bytes(tmp_path))],
                          subtype="octet-stream"))  # as a client sends a file it has no type for
    out = tmp_path / "收件箱"
    assert main(["collect", str(box), "-o", str(out), "-q"]) == 0
    saved = {p.name: p.read_bytes() for p in out.rglob("*.xlsx")}
    assert sorted(saved) == ["2024-12-02_ATT00001.dat.xlsx", "2024-12-02_报表.xlsx", "2024-12-02_未命名附件.xlsx"]
    assert set(saved.values()) == set(forms)
    with open(out / "收件登记.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and all("不是 Excel 文件名" in r["说明"] and r["代码"] == "C121" for r in rows)


def _docx_bytes(tmp_path: Path) -> bytes:
    from docx import Document

    Document().save(tmp_path / "x.docx")
    return (tmp_path / "x.docx").read_bytes()


def test_template_output_a_folder_a_link_or_a_macro_name_gives_one_chinese_line(tmp_path, capsys):
    """``template -o 文件夹`` ended in a ValueError traceback, and a symbolic link planted at
    自评表.xlsx was written through (the file it pointed to replaced by the template)."""
    import os

    from jixiao.processor.cli.main import main

    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    os.symlink(victim, tmp_path / "link.xlsx")
    assert main(["template", "-o", str(tmp_path / "link.xlsx")]) == 2
    assert victim.read_text(encoding="utf-8") == "keep"
    assert "符号链接" in capsys.readouterr().err
    assert main(["template", "-o", str(tmp_path / "x.xlsm")]) == 2
    assert "只能保存为 .xlsx" in capsys.readouterr().err
    assert main(["template", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "自评表.xlsx").stat().st_size > 0


def test_reply_never_reads_a_file_outside_the_collect_folder_named_by_the_register(tmp_path):
    """A hand-edited 收件登记 (saved_path "../../secret/s.xlsx") made reply open a workbook
    outside the collect folder and quote its findings in a draft to the sender."""
    import email
    import json

    from jixiao.processor.collect.cli import main

    secret = tmp_path / "secret" / "s.xlsx"
    secret.parent.mkdir()
    write_xlsx(secret, make_grid(Form(project="机密项目", total=(50, 50, 80, 10, 1.6, 10))))
    form = write_xlsx(tmp_path / "f.xlsx", make_grid(Form(project="甲"))).read_bytes()
    box, out = tmp_path / "in.mbox", tmp_path / "收件箱"
    box.write_bytes(_mail([("甲.xlsx", form)]))
    assert main(["collect", str(box), "-o", str(out), "-q"]) == 0
    register = out / "收件登记.json"
    data = json.loads(register.read_text(encoding="utf-8"))
    data["entries"][0]["saved_path"] = "../secret/s.xlsx"
    register.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (out / "收件登记.csv").unlink()
    assert main(["reply", str(out), "--out", str(tmp_path / "drafts")]) == 0
    (draft,) = (tmp_path / "drafts").glob("*.eml")
    msg = email.message_from_bytes(draft.read_bytes())
    body = next(p for p in msg.walk() if p.get_content_maintype() == "text").get_payload(decode=True).decode()
    assert "不在收件文件夹之内" in body
    assert "F10" not in body and "执行率" not in body  # nothing of the file outside was read


def test_the_collect_register_json_escapes_bidi_characters_and_reads_back_the_same(tmp_path):
    from jixiao.processor.collect.manifest import Manifest, ManifestEntry

    m = Manifest(tmp_path)
    m.add(ManifestEntry("saved", sender="a@b.cn", subject="表\u202e\x9b[2J", attachment="\u202egnp.xlsx",
                        sha256="0" * 64, saved_path="a@b.cn/x.xlsx"))
    m.save()
    raw = (tmp_path / "收件登记.json").read_text(encoding="utf-8")
    assert _raw_in(raw) == [] and "\\u202egnp.xlsx" in raw
    (entry,) = Manifest.load(tmp_path).entries
    assert entry.attachment == "\u202egnp.xlsx" and entry.subject == "表\u202e\x9b[2J"


def test_collect_numbers_many_attachments_of_one_name_without_listing_the_folder_each_time(tmp_path, monkeypatch):
    """A 1.4 MB mbox of five zips, each 2,000 members named a.xlsx, took 114 s of CPU: every
    clash listed the whole sender folder and counted "(n)" up from 2 (quadratic)."""
    import io
    import zipfile

    from jixiao.processor.collect import collector
    from jixiao.processor.collect.cli import main

    listings = []
    real_iterdir = Path.iterdir
    monkeypatch.setattr(Path, "iterdir", lambda self: listings.append(self) or real_iterdir(self))
    box = b""
    for m in range(2):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for i in range(150):
                z.writestr(f"{i}/a.xlsx", b"PK\x03\x04" + f"{m}-{i}".encode())
        box += _mail([("表.zip", buf.getvalue())], subtype="zip").replace(b"Message-ID: <1@", f"Message-ID: <{m}m@".encode())
    (tmp_path / "m.mbox").write_bytes(box)
    (tmp_path / "box" / "zhang@edu.example.cn").mkdir(parents=True)
    (tmp_path / "box" / "zhang@edu.example.cn" / "2024-12-02_a (7).xlsx").write_bytes(b"already there")
    assert main(["collect", str(tmp_path / "m.mbox"), "-o", str(tmp_path / "box"), "-q"]) == 0
    names = sorted(p.name for p in (tmp_path / "box" / "zhang@edu.example.cn").iterdir())
    expected = ["2024-12-02_a.xlsx"] + [f"2024-12-02_a ({n}).xlsx" for n in range(2, 302)]
    assert names == sorted(expected)  # 300 saved, (7) skipped as taken, nothing overwritten
    assert (tmp_path / "box" / "zhang@edu.example.cn" / "2024-12-02_a (7).xlsx").read_bytes() == b"already there"
    sender_listings = [p for p in listings if p.name == "zhang@edu.example.cn"]
    assert len(sender_listings) <= 2, len(sender_listings)  # once per run (the check above is the second)
    assert collector.numbered("报表.xlsx", 3) == "报表 (3).xlsx"


def test_merge_checks_every_output_before_reading_and_names_the_one_that_fails(tmp_path, capsys):
    """``-o 汇总.csv`` wrote an .xlsx under a .csv name (Excel shows garbage; .xlsm/.xls it
    refuses); ``--csv 某文件`` failed after the summary was written, blaming "汇总.xlsx"."""
    from jixiao.processor.cli.main import main

    src = tmp_path / "in"
    src.mkdir()
    write_xlsx(src / "甲.xlsx", make_grid(Form(project="甲项目")))
    for name in ("汇总.csv", "汇总.xlsm", "汇总"):
        assert main(["merge", str(src), "-o", str(tmp_path / name)]) == 2
        assert "-o 的文件名应以 .xlsx 结尾" in capsys.readouterr().err
        assert not (tmp_path / name).exists()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    out = tmp_path / "汇总.xlsx"
    assert main(["merge", str(src), "-o", str(out), "--csv", str(tmp_path / "file")]) == 2
    assert "“" + str(tmp_path / "file") + "”是一个文件" in capsys.readouterr().err
    assert main(["merge", str(src), "-o", str(out), "--json", str(tmp_path / "无此文件夹" / "a.json")]) == 2
    assert "无此文件夹" in capsys.readouterr().err
    assert not out.exists()  # nothing written when an output cannot be


def test_a_reply_draft_shows_a_bidi_attachment_name_escaped(tmp_path):
    """The draft's body quoted the attachment name "报<U+202E>xcod.xlsx" raw: the clerk's
    mail client showed it reversed ("报xlsx.docx")."""
    import email

    from jixiao.processor.collect.cli import main

    form = write_xlsx(tmp_path / "f.xlsx", make_grid(Form(project="工程\u202e款项"))).read_bytes()
    (tmp_path / "m.mbox").write_bytes(_mail([(BIDI_FILE, form)]))
    assert main(["collect", str(tmp_path / "m.mbox"), "-o", str(tmp_path / "box"), "-q"]) == 0
    assert main(["reply", str(tmp_path / "box"), "--out", str(tmp_path / "d")]) == 0
    (draft,) = (tmp_path / "d").glob("*.eml")
    msg = email.message_from_bytes(draft.read_bytes())
    body = next(p for p in msg.walk() if p.get_content_maintype() == "text").get_payload(decode=True).decode()
    assert _raw_in(body) == [] and "《报表\\u202excod.xlsx》" in body
