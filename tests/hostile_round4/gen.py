"""Round-4 attacks on the text/output/collect/reply/archive paths: each a small scenario.

``python tests/hostile_round4/gen.py DIR`` writes DIR/<scenario>/ with an ``in`` folder (the
inputs) and a ``cmds.json`` (the commands to run there, ``{in}``/``{out}``/``{root}`` filled in
by run.py). Every scenario is small (a few KB) and built from the template or builders.
"""
from __future__ import annotations

import base64
import io
import json
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builders import Form, make_grid, write_xlsx  # noqa: E402

NASTY = "项\u202e目\x1b]0;x\x07\u2066名"  # bidi override, OSC title, BEL, isolate


def _form(path: Path, **kw) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_xlsx(path, make_grid(Form(**kw))).read_bytes()


def _mail(att: list[tuple[str, bytes]], sender="zhang@edu.example.cn", subject="自评表", name="") -> bytes:
    m = EmailMessage()
    word = "=?utf-8?b?" + base64.b64encode(name.encode()).decode() + "?="  # CR/LF survive only encoded
    m["From"] = sender
    m["To"], m["Subject"] = "caiwu@example.gov.cn", subject
    m["Date"], m["Message-ID"] = "Mon, 02 Dec 2024 10:00:00 +0800", f"<{abs(hash(subject))}.{len(att)}@x.cn>"
    m.set_content("请查收。")
    for n, data in att:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=n)
    raw = bytes(m).replace(f"From: {sender}".encode(), f"From: {word} <{sender}>".encode(), 1) if name else bytes(m)
    return b"From MAILER-DAEMON Mon Dec  2 02:00:00 2024\n" + raw + b"\n"


def build(root: Path) -> list[str]:
    made = []

    def scenario(name: str, cmds: list[list[str]]) -> Path:
        d = root / name
        (d / "in").mkdir(parents=True, exist_ok=True)
        (d / "cmds.json").write_text(json.dumps(cmds, ensure_ascii=False), encoding="utf-8")
        made.append(name)
        return d / "in"

    # 1. an output path that is one of the submissions
    src = scenario("out_is_input", [["merge", "{in}", "-o", "{in}/乙.xlsx"],
                                    ["merge", "{in}", "-o", "{out}/s.xlsx", "--json", "{in}/甲.xlsx"],
                                    ["merge", "{in}", "-o", "{out}/s.xlsx", "--csv", "{in}"]])
    _form(src / "甲.xlsx", project="甲项目")
    _form(src / "乙.xlsx", project="乙项目")
    # 2. bidi/escape text in names: every output
    src = scenario("names_everywhere", [["merge", "{in}", "-o", "{out}/s.xlsx", "--report", "{out}/r.docx",
                                         "--csv", "{out}/csv", "--json", "{out}/s.json",
                                         "--department-name", "办\u202e&P&[Path]"],
                                        ["check", "{in}"], ["fill", "{in}", "-o", "{out}/filled"],
                                        ["archive", "add", "{in}", "--archive", "{out}/a.sqlite"]])
    _form(src / "报\u202excod.xlsx", project="工程\u202e款项", unit="某\u2066中心")
    _form(src / "e\u0301项目.xlsx", project="丙")
    _form(src / "\u00e9项目.xlsx", project="丁")
    _form(src / "<r>x</r>.xlsx", project="<r><t>注</t></r>", unit="=HYPERLINK(\"http://x\")")
    # 3. mail: attachment names nobody designed
    src = scenario("collect_names", [["collect", "{in}/m.mbox", "-o", "{out}/box", "-q"],
                                     ["reply", "{out}/box", "--out", "{out}/drafts"],
                                     ["merge", "{out}/box", "-o", "{out}/s.xlsx"]])
    one = _form(root / "_tmp" / "1.xlsx", project="甲")
    two = _form(root / "_tmp" / "2.xlsx", project="乙")
    three = _form(root / "_tmp" / "3.xlsx", project="丙")
    four = _form(root / "_tmp" / "4.xlsx", project="丁")
    box = _mail([(".xlsx", one), ("   .xlsx", two), ("收件登记.csv", b"a,b\n"), ("汇总.xlsx", three),
                 ("~$报表.xlsx", four), (" " * 5, one + b"x"), ("a" * 400 + ".xlsx", two + b"y")],
                subject="自评表\x1b[2J\u202e", name="张\u202e三\r\nBcc: x@y.cn")
    box += _mail([("x_已校验.xlsx", three + b"z")], sender="li@x.example.cn", subject="已校验的表")
    (src / "m.mbox").write_bytes(box)
    # 4. template/-o/archive paths: a folder, an existing non-database file
    src = scenario("paths", [["template", "-o", "{in}"], ["template", "-o", "{in}/sub/none/t.xlsx"],
                             ["archive", "add", "{in}/甲.xlsx", "--archive", "{in}/甲.xlsx"],
                             ["archive", "info", "--archive", "{in}"],
                             ["archive", "add", "{in}", "--archive", "{in}/notes.txt"],
                             ["reply", "{in}", "--out", "{out}/d"],
                             ["check", "{in}/a\nb.xlsx"]])
    _form(src / "甲.xlsx", project="甲")
    (src / "notes.txt").write_text("not a database\n", encoding="utf-8")
    _form(src / "a\nb.xlsx", project="换行名")
    # 5. one sender, many attachments of one name (five zips of 2,000 members a.xlsx, 1.4 MB)
    src = scenario("many_same_name", [["collect", "{in}/m.mbox", "-o", "{out}/box", "-q"]])
    box = b""
    for m in range(5):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for i in range(2000):
                z.writestr(f"{i}/a.xlsx", b"PK\x03\x04" + f"{m}-{i}".encode())
        box += _mail([("表.zip", buf.getvalue())], subject=f"第{m}批")
    (src / "m.mbox").write_bytes(box)
    return made


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    print("\n".join(build(out)))
