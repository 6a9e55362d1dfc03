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


def _block(readme: str, lang: str) -> list[str]:
    block = readme.split("## 快速开始", 1)[1].split(f"```{lang}", 1)[1].split("```", 1)[0]
    return [ln.strip() for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def test_readme_quick_start_has_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _block(readme, "bash")
    assert len(commands) == 2 and "jixiao check examples" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_readme_quick_start_runs_in_every_shell():
    """No shell globbing (cmd and PowerShell pass `*.xlsx` on literally), only separators
    bash and cmd share (`&&`), folders that exist; PowerShell 5.1 gets its own variant."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _block(readme, "bash")
    for command in commands:
        assert "*" not in command and "?" not in command and ";" not in command, command
        for part in command.split("&&"):
            words = part.split()
            if words[0] == "jixiao" and words[1] in ("check", "merge"):
                assert (ROOT / words[2]).is_dir(), words
    # the merge runs before the check, whose exit code 1 (errors in the examples) ends the line
    first = [p.split()[:2] for p in commands[0].split("&&")]
    assert first[-1] == ["jixiao", "check"]
    ps = _block(readme, "powershell")
    assert [c.replace(" ; ", " && ") for c in ps] == commands


def test_docs_never_install_from_an_index():
    """jixiao is not on PyPI: no doc tells anyone to `pip install jixiao` from an index."""
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        code = "\n".join(re.findall(r"```[^\n]*\n(.*?)```", text, re.S))
        for line in code.splitlines():
            if re.search(r"pip install .*jixiao", line):
                assert "--no-index" in line or " -e " in line, (path.name, line)


def test_every_addin_message_is_in_the_troubleshooting_page():
    """Each Chinese message the add-in's VBA can show has its entry in the docs."""
    page = (ROOT / "docs" / "加载项故障排除.md").read_text(encoding="utf-8")
    for needle in ("受保护的视图", "启用编辑", "没有打开的工作簿", "错误 91", "阻止所有 Office 应用程序创建子进程",
                   "隔离", "Could not find Interpreter", "32 位", "OneDrive", "WPS", "jixiao fill",
                   "jixiao addin status", "python -m jixiao", "xlwings 版本", "conda"):
        assert needle in page, needle


def test_docs_links_in_readme_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (ROOT / target).exists(), target
