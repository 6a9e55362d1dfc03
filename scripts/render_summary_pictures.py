"""Render the pictures of docs/汇总说明.md: the first page of every summary sheet, and the
report draft, as LibreOffice prints them.

    python scripts/render_summary_pictures.py [--out docs/img]

The summary is that of the tests' district (tests/summary_corpus.py: 200 forms across 10
units, merged with --summary-date 2025-03-31), plus the bundled examples' 项目汇总. Needs
LibreOffice (Calc and Writer) and poppler's pdftoppm / pdftotext.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

DATE = "2025-03-31"


def _pdf(src: Path, work: Path) -> Path:
    profile = work / "lo-profile"
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(work), str(src)], check=True, capture_output=True,
                   timeout=600, env=dict(os.environ, HOME=str(work)))
    return work / (src.stem + ".pdf")


def _first_pages(pdf: Path, names: list[str]) -> dict[str, int]:
    """Sheet name → its first page (the header's centre is the sheet's name)."""
    out: dict[str, int] = {}
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                              text=True, check=True).stdout).group(1))
    for page in range(1, pages + 1):
        head = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout.strip().splitlines()[:2]
        for name in names:
            if name not in out and any(re.search(rf"(^|\s){re.escape(name)}(\s|$)", line) for line in head):
                out[name] = page
    return out


def _png(pdf: Path, page: int, target: Path, dpi: int = 80) -> None:
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(stem)], check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    out = Path(ap.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    from jixiao.processor.cli.main import main as jixiao
    from openpyxl import load_workbook
    from summary_corpus import build_inbox

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        inbox = build_inbox(work)
        summary, report = work / "summary.xlsx", work / "report.docx"
        jixiao(["merge", str(inbox), "-o", str(summary), "--report", str(report), "--summary-date", DATE,
                "--department-name", "某区", "--workers", "2"])
        names = load_workbook(summary, read_only=True).sheetnames
        pdf = _pdf(summary, work)
        for name, page in _first_pages(pdf, names).items():
            _png(pdf, page, out / f"汇总_{name}.png")
        rpdf = _pdf(report, work)
        _png(rpdf, 3, out / "报告草稿_正文.png")
        pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(rpdf)], capture_output=True,
                                                                  text=True, check=True).stdout).group(1))
        words = subprocess.run(["pdftotext", str(rpdf), "-"], capture_output=True, text=True, check=True).stdout
        annex = next(i + 1 for i, t in enumerate(words.split("\f")) if "附表1" in t) if "附表1" in words else pages
        _png(rpdf, annex, out / "报告草稿_附表.png")
        ex = work / "examples.xlsx"
        jixiao(["merge", str(ROOT / "examples"), "-o", str(ex), "--summary-date", DATE, "--department-name",
                "区信访办", "--workers", "1"])
        epdf = _pdf(ex, work)
        _png(epdf, 1, out / "汇总_示例_项目汇总.png")
        shutil.rmtree(work / "lo-profile", ignore_errors=True)
    print(f"图片已写入 {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
