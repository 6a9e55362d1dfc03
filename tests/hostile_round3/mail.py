"""Round-3 mail attacks: attachment names that try to leave the folder or spoof; python mail.py OUT.mbox."""
from __future__ import annotations

import io
import mailbox
import sys
import unicodedata
from email.message import EmailMessage
from pathlib import Path

from gen import cell, istr, parts, write  # type: ignore[import-not-found]

NAMES = [
    "../../逃逸.xlsx", "..\\..\\逃逸2.xlsx", "/etc/绝对.xlsx", "C:\\Windows\\绝对.xlsx",
    "CON.xlsx", "aux.xlsx", "lpt1.xlsx", "名字 .xlsx", "名字..xlsx", "name\x00.xlsx",
    "\u202egnp.xlsx", "项目\x1b[2J.xlsx", "长" * 120 + ".xlsx", unicodedata.normalize("NFD", "é项目.xlsx"),
    unicodedata.normalize("NFC", "é项目.xlsx"), "=HYPERLINK(\"http://x\").xlsx", "Case.xlsx", "case.xlsx",
    ".xlsx", "   .xlsx", "a:b.xlsx", "a*?<>|.xlsx", "\t=1+2.xlsx",
]


def build(out: Path) -> None:
    box = mailbox.mbox(out)
    for i, name in enumerate(NAMES):
        p = parts()
        cell(p, "B3", istr("B3", f"项目{i}", 4))
        buf = io.BytesIO()
        write(buf, p)  # type: ignore[arg-type]
        data = buf.getvalue()
        m = EmailMessage()
        m["From"] = f"unit{i % 3}@example.gov.cn"
        m["To"] = "office@example.gov.cn"
        m["Subject"] = f"自评表 {i} =cmd|' /C calc'!A0"
        m["Date"] = "Mon, 02 Dec 2024 10:00:00 +0800"
        m["Message-ID"] = f"<r3-{i}@example.gov.cn>"
        m.set_content("见附件")
        m.add_attachment(data, maintype="application", subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         filename=name)
        box.add(m)
    box.flush()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
