"""Generate docs/codes.md from rules/findings/: ``python -m jixiao.processor.cli.codes_page``.

A test regenerates the page and compares, so the documentation cannot drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jixiao.processor.core.findings import SEVERITY_CN, catalogue, families
from jixiao.processor.core.model import READ_KEY_CN


def render_codes() -> str:
    lines = [
        "# 问题代码一览",
        "",
        "<!-- 本页由 `python -m jixiao.processor.cli.codes_page` 根据 rules/findings/ 生成，请勿手工修改。 -->",
        "",
        "每条校验结果都有一个固定的代码（永不复用）、级别（错误 / 提示 / 信息）、所在单元格、",
        "说明（写明应为多少、实为多少）和修改建议。规则文件可用 `severity` 调整级别或关闭某条检查。",
        "说明模板中 `{…}` 处填入实际的数值和名称；JSON 输出的 `params` 保留这些值。",
        "“依据”列出一条问题由哪些内容推出：其中任何一项没能从表中认出时（见 R014–R019），",
        "这条问题不会报告，免得把读错的表当成填错的表。",
        "",
    ]
    cat = catalogue()
    groups = [(prefix, title, [e for code, e in cat.items() if code.startswith(prefix)])
              for prefix, title in families().items()]
    groups = [g for g in groups if g[2]]
    lines += ["| 族 | 内容 | 代码 |", "|---|---|---|"]
    lines += [f"| {prefix} | [{title}](#{_anchor(f'{prefix} — {title}')}) | "
              f"{entries[0]['code']}–{entries[-1]['code']} |" for prefix, title, entries in groups]
    lines.append("")
    for prefix, title, entries in groups:
        lines += [f"## {prefix} — {title}", "", "| 代码 | 级别 | 名称 |", "|---|---|---|"]
        for e in entries:
            link = f"[{e['code']}](#{_anchor(e['code'] + ' ' + e['title'])})"
            lines.append(f"| {link} | {SEVERITY_CN[e['severity']]} | {_cell(e['title'])} |")
        lines.append("")
        for e in entries:
            lines += [f"### {e['code']} {e['title']}", "",
                      f"级别：{SEVERITY_CN[e['severity']]}", "",
                      e["description"], "",
                      f"- 说明：{e['message']}",
                      f"- 修改建议：{e['fix']}"]
            if e.get("reads"):
                lines.append(f"- 依据：{'、'.join(READ_KEY_CN[k] for k in e['reads'])}")
            lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _anchor(heading: str) -> str:
    """The anchor GitHub and most Markdown viewers give a heading."""
    kept = "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "docs" / "codes.md"
    out.write_text(render_codes(), encoding="utf-8")
    print(f"已生成 {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
