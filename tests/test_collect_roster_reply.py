"""Who is missing (``collect --roster``) and reply drafts (``reply``)."""

from __future__ import annotations

import csv
import email
import mailbox
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from hostile_corpus import write_minimal_form
from jixiao.processor.collect.cli import main
from jixiao.processor.collect.roster import ROSTER_REPORT_CSV, load_roster
from jixiao.processor.core.engine import check_file

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _mail(sender: str, subject: str, msgid: str, day: int, attachment: tuple[str, bytes] | None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "finance@dept.example.cn"
    msg["Subject"] = subject
    msg["Date"] = f"Fri, {day:02d} Mar 2024 09:00:00 +0800"
    msg["Message-ID"] = msgid
    msg.set_content("请查收。")
    if attachment:
        msg.add_attachment(attachment[1], maintype=XLSX[0], subtype=XLSX[1], filename=attachment[0])
    return msg.as_bytes()


@pytest.fixture()
def mbox(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    forms = {
        "edu": write_minimal_form(tmp_path / "edu.xlsx", project_name="教育培训项目", unit="某某区教育局"),
        "traffic": write_minimal_form(tmp_path / "traffic.xlsx", project_name="道路养护项目",
                                      unit="某某区交通运输局", total=99),
        "health": write_minimal_form(tmp_path / "health.xlsx", project_name="公共卫生项目",
                                     unit="某某区卫生健康局"),
    }
    path = tmp_path / "inbox.mbox"
    box = mailbox.mbox(str(path))
    box.add(_mail('"张老师" <zhang@edu.example.cn>', "教育局自评表", "<e1@x>", 1,
                  ("教育局自评表.xlsx", forms["edu"].read_bytes())))
    box.add(_mail("li@traffic.example.cn", "交通局自评表", "<t1@x>", 2,
                  ("交通局自评表.xlsx", forms["traffic"].read_bytes())))
    # sent from a private address that is not on the roster: matched by 实施单位
    box.add(_mail("someone@private.example.com", "卫生局", "<h1@x>", 3,
                  ("卫生局.xlsx", forms["health"].read_bytes())))
    box.add(_mail("zhou@sport.example.cn", "稍后补交", "<s1@x>", 4, None))
    box.close()
    return path, forms


def _roster_rows() -> list[list[str]]:
    return [
        ["单位", "联系人", "邮箱"],
        ["某某区教育局", "张老师", "zhang@edu.example.cn"],
        ["某某区交通运输局", "李老师", "LI@traffic.example.cn；li2@traffic.example.cn"],
        ["某某区卫生健康局", "王老师", "wang@health.example.cn"],
        ["某某区体育局", "周老师", "zhou@sport.example.cn"],
        ["某某区文化局", "孙老师", "sun@culture.example.cn"],
    ]


def _has_errors(path: Path) -> bool:
    return any(f.severity == "error" for f in check_file(path).all_findings)


@pytest.mark.parametrize("kind", ["csv-gbk", "xlsx"])
def test_roster_lists_missing_and_errors(tmp_path: Path, mbox, kind: str, capsys) -> None:
    src, forms = mbox
    if kind == "csv-gbk":  # what Excel on Chinese Windows saves
        roster = tmp_path / "名单.csv"
        roster.write_bytes("\r\n".join(",".join(r) for r in _roster_rows()).encode("gbk"))
    else:
        from openpyxl import Workbook

        roster = tmp_path / "名单.xlsx"
        wb = Workbook()
        ws = wb.active
        ws.append(["2024 年度绩效自评收件名单"])
        for row in _roster_rows():
            ws.append(row)
        wb.save(roster)
    units = load_roster(roster)
    assert [u.name for u in units][:2] == ["某某区教育局", "某某区交通运输局"]
    assert units[1].emails == ["li@traffic.example.cn", "li2@traffic.example.cn"]
    out = tmp_path / "out"
    assert main(["collect", str(src), "-o", str(out), "--roster", str(roster)]) == 0
    text = capsys.readouterr().out
    assert "未提交（1 个）" in text and "某某区文化局" in text and "sun@culture.example.cn" in text
    assert "已来信但无可用表格（1 个）" in text and "某某区体育局" in text
    assert "某某区交通运输局　《交通局自评表.xlsx》" in text
    assert "名单之外" not in text  # the private address was matched by 实施单位
    rows = list(csv.DictReader((out / ROSTER_REPORT_CSV).read_text(encoding="utf-8-sig").splitlines()))
    status = {r["单位"]: r for r in rows}
    assert status["某某区文化局"]["状态"] == "未提交"
    assert status["某某区体育局"]["状态"] == "已来信但无可用表格"
    assert status["某某区交通运输局"]["状态"] == "有错误"
    assert status["某某区卫生健康局"]["匹配方式"] == "实施单位"
    assert status["某某区卫生健康局"]["状态"] == ("有错误" if _has_errors(forms["health"]) else "已提交")
    assert status["某某区教育局"]["匹配方式"] == "邮箱"
    assert status["某某区教育局"]["状态"] == ("有错误" if _has_errors(forms["edu"]) else "已提交")
    # the roster alone, later: same answer from the register
    assert main(["collect", "-o", str(out), "--roster", str(roster)]) == 0
    assert "未提交（1 个）" in capsys.readouterr().out


def test_reply_drafts(tmp_path: Path, mbox, capsys) -> None:
    src, forms = mbox
    out, drafts = tmp_path / "out", tmp_path / "drafts"
    assert main(["collect", str(src), "-o", str(out)]) == 0
    assert main(["reply", str(out), "--out", str(drafts)]) == 0
    files = sorted(p.name for p in drafts.iterdir())
    assert files == ["li@traffic.example.cn.eml", "someone@private.example.com.eml",
                     "zhang@edu.example.cn.eml", "zhou@sport.example.cn.eml"]
    raw = (drafts / "li@traffic.example.cn.eml").read_bytes()
    msg = email.message_from_bytes(raw, policy=default)
    assert msg["X-Unsent"] == "1"
    assert msg["To"] == "li@traffic.example.cn"
    assert msg["From"] == "finance@dept.example.cn"
    assert msg["In-Reply-To"] == "<t1@x>"
    assert "需修改" in msg["Subject"] and "交通局自评表" in msg["Subject"]
    body = msg.get_content()
    errors = [f for f in check_file(forms["traffic"]).all_findings if f.severity == "error"]
    assert errors
    for f in errors:
        assert f.message in body
        assert f.cell in body
        assert f"【错误 {f.code}】" in body  # every problem carries its catalogue code
    assert "修改建议" in body and "《交通局自评表.xlsx》" in body
    zhang = email.message_from_bytes((drafts / "zhang@edu.example.cn.eml").read_bytes(), policy=default)
    assert zhang["To"].addresses[0].display_name == "张老师"
    zhou = email.message_from_bytes((drafts / "zhou@sport.example.cn.eml").read_bytes(), policy=default)
    assert "没有找到 Excel 附件" in zhou.get_content()
    assert "未发送" in capsys.readouterr().out


def test_reply_without_register(tmp_path: Path, capsys) -> None:
    assert main(["reply", str(tmp_path), "--out", str(tmp_path / "d")]) == 2
    assert "收件登记" in capsys.readouterr().err
