"""Generate docs/codes.md from rules/findings/: ``python -m jixiao.processor.cli.codes_page``.

A test regenerates the page and compares, so the documentation cannot drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jixiao.processor.core.findings import SEVERITY_CN, catalogue, families


def render_codes() -> str:
    lines = [
        "# 问题代码一览",
        "",
        "<!-- 本页由 `python -m jixiao.processor.cli.codes_page` 根据 rules/findings/ 生成，请勿手工修改。 -->",
        "",
        "每条校验结果都有一个固定的代码（永不复用）、级别（错误 / 提示 / 信息）、所在单元格、",
        "说明（写明应为多少、实为多少）和修改建议。规则文件可用 `severity` 调整级别或关闭某条检查。",
        "",
    ]
    cat = catalogue()
    for prefix, title in families().items():
        entries = [e for code, e in cat.items() if code.startswith(prefix)]
        if not entries:
            continue
        lines += [f"## {prefix} — {title}", "", "| 代码 | 级别 | 名称 | 说明模板 | 修改建议 |", "|---|---|---|---|---|"]
        for e in entries:
            cells = [e["code"], SEVERITY_CN[e["severity"]], e["title"], e["message"], e["fix"]]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "docs" / "codes.md"
    out.write_text(render_codes(), encoding="utf-8")
    print(f"已生成 {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
