"""Render the pictures of docs/汇总说明.md: the first page of every summary sheet and two
pages of the report draft, as LibreOffice prints them.

    python scripts/render_summary_pictures.py [输出目录，默认 docs/img]

The summary is that of the tests' district (tests/summary_corpus.py: 200 forms across 10
units, merged with --summary-date 2025-03-31), plus the bundled examples' 项目汇总. Needs
LibreOffice (Calc and Writer) and poppler. Conversion and cropping: scripts/docs_images.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "scripts")]

DATE = "2025-03-31"


def _pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=300).stdout.split("\f")


def _first_pages(pdf: Path, names: list[str]) -> dict[str, int]:
    """Sheet name → its first page (the page header's centre is the sheet's name)."""
    out: dict[str, int] = {}
    for page, text in enumerate(_pages(pdf), start=1):
        head = text.strip().splitlines()[:1]
        for name in names:
            if name not in out and any(re.search(rf"(^|\s){re.escape(name)}(\s|$)", h) for h in head):
                out[name] = page
    return out


def main(argv: list[str]) -> int:
    from docs_images import page_png, to_pdf
    from jixiao.processor.cli.main import main as jixiao
    from openpyxl import load_workbook
    from summary_corpus import build_inbox

    out = Path(argv[0]) if argv else ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory(prefix="jixiao-docs-") as tmp:
        work = Path(tmp)
        inbox = build_inbox(work)
        summary, report, example = work / "summary.xlsx", work / "report.docx", work / "examples.xlsx"
        jixiao(["merge", str(inbox), "-o", str(summary), "--report", str(report), "--summary-date", DATE,
                "--department-name", "某区"])
        jixiao(["merge", str(ROOT / "examples"), "-o", str(example), "--summary-date", DATE,
                "--department-name", "区信访办"])
        pdfs = to_pdf([summary, report, example], work)
        names = load_workbook(summary, read_only=True).sheetnames
        for name, page in _first_pages(pdfs[summary], names).items():
            made.append(page_png(pdfs[summary], page, out / f"汇总_{name}.png"))
        made.append(page_png(pdfs[example], 1, out / "汇总_示例_项目汇总.png"))
        pages = _pages(pdfs[report])
        problems = next(i for i, t in enumerate(pages, 1) if "存在的问题及原因分析" in t)
        annex = next(i for i, t in enumerate(pages, 1) if re.search(r"附表\s*1", t))
        made.append(page_png(pdfs[report], problems, out / "报告草稿_正文.png"))
        made.append(page_png(pdfs[report], annex, out / "报告草稿_附表.png"))
    for path in made:
        print(f"已生成 {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
