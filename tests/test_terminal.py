"""Submitted text on the terminal: shown escaped, never obeyed (core/visible, cli/terminal)."""

from __future__ import annotations

import io
import json
import sys
import unicodedata

from jixiao.processor.cli import terminal
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.visible import one_line, visible, without_controls

JOINERS = "\u00ad\u200c\u200d"  # kept: scripts need them, terminals do not act on them


def test_every_control_format_and_surrogate_character_is_escaped():
    missed = [hex(c) for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs") and chr(c) not in JOINERS
              and visible(chr(c)) == chr(c)]
    assert missed == []
    for ch in "\u2028\u2029" + JOINERS.replace("\u00ad", ""):
        assert (visible(ch) == ch) == (ch in JOINERS), hex(ord(ch))


def test_escapes_read_back_as_the_same_text_in_json():
    attack = "项目\x1b]0;pwned\x07\x1b[2J\r\u202etxt.exe\x9b31m\U000e0041"
    shown = visible(attack)
    assert shown.isprintable() and "\\u001b]0;pwned" in shown and "项目" in shown
    assert json.loads(f'"{shown}"') == attack
    assert without_controls(attack) == "项目]0;pwned[2Jtxt.exe31m"
    assert visible("普通的文字 A1:B2") == "普通的文字 A1:B2"
    assert visible("a\nb\tc", keep="\n\t") == "a\nb\tc" and visible("a\nb") == "a\\u000ab"
    assert len(one_line("长" * 500, 50)) == 50


def test_the_guarded_streams_escape_everything_and_are_restored():
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        with terminal.guarded():
            print("名称：\x1b[2J清屏\n第二行\t制表")
            print("\u202e反转", file=sys.stderr)
            terminal.write_trusted("\x1b[31m红色\x1b[0m")  # the program's own colours
        print("after")
    finally:
        sys.stdout, sys.stderr = saved
    assert out.getvalue() == "名称：\\u001b[2J清屏\n第二行\t制表\n\x1b[31m红色\x1b[0m\nafter\n"
    assert err.getvalue() == "\\u202e反转\n"


def test_an_input_error_is_one_visible_line_whatever_the_file_name():
    err = InputError.of("J505", file="收件/a\nb\x1b[2J.xlsx", reason="这是 PDF 文件")
    assert "\n" not in str(err) and "\x1b" not in str(err) and "\\u000a" in str(err)
    assert err.file == "收件/a\nb\x1b[2J.xlsx"  # the data keeps the exact name


def test_main_ends_quietly_when_the_reader_closes_the_pipe(monkeypatch, tmp_path):
    from hostile_corpus import write_minimal_form
    from jixiao.processor.cli import main as cli

    class Closed(io.StringIO):
        def write(self, s):
            raise BrokenPipeError

        def fileno(self):
            raise OSError("no descriptor")

    form = write_minimal_form(tmp_path / "a.xlsx")
    monkeypatch.setattr(sys, "stdout", Closed())
    assert cli.main(["check", str(form)]) == 141


def test_a_line_break_in_a_label_is_a_space_in_the_one_line_message():
    """“到位率⏎(3分)” typed with Alt+Enter (南县 2022): the message says “到位率 (3分)”, never
    “到位率\\u000a(3分)” — a message is one line; only control characters are escaped."""
    from jixiao.processor.core.engine import FileResult
    from jixiao.processor.core.findings import make
    from jixiao.report import render_text

    f = make("R005", sheet="表", cell="D9", label="“到位率\n(3分)”的得分", found="见\r\n附表\x1b[2J")
    assert f.message == "“到位率 (3分)”的得分应为数字，实为“见 附表\x1b[2J”"
    assert f.params["label"] == "“到位率\n(3分)”的得分"  # the value itself is kept as read
    out = render_text([FileResult(file="a.xlsx", findings=[f])])
    assert "到位率 (3分)" in out and "\\u000a" not in out and "\\u001b[2J" in out
