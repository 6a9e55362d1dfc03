import re
from pathlib import Path

from jixiao.processor.cli.codes_page import render_codes
from jixiao.processor.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent


def test_codes_page_is_generated_from_the_catalogue():
    """Regenerate with: python -m jixiao.processor.cli.codes_page"""
    assert (ROOT / "docs" / "codes.md").read_text(encoding="utf-8") == render_codes()


def test_every_cli_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in sub.choices:
        assert f"jixiao {name}" in readme, name


def test_readme_quick_start_has_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## 快速开始", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [ln for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert len(commands) == 2 and "jixiao check examples/" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci


def test_docs_links_in_readme_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (ROOT / target).exists(), target
