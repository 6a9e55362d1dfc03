"""Render the pictures of docs/img/ with LibreOffice (xlsx → PDF → PNG), as a filler sees them.

    python scripts/docs_images.py [输出目录，默认 docs/img]

- 回填_自评表.png / 回填_校验结果.png: ``jixiao fill`` on the seed's table 02 (examples/);
- 模板.png: the blank template; 模板_种子表.png: the seed's table 01 typed into the template
  (分值合计 110 turns red); 模板_常见错误.png: the mistakes the template's formulas catch.

Needs libreoffice-calc and poppler-utils (pdftoppm). Each page is cut below its last
printed line. A fresh LibreOffice profile recalculates every formula on load.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""
DPI = 110


def to_pdf(files: list[Path], work: Path) -> dict[Path, Path]:
    profile = work / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(XCU, encoding="utf-8")
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(work), *map(str, files)],
                   check=True, capture_output=True, timeout=300, env=dict(os.environ, HOME=str(work)))
    return {f: work / f"{f.stem}.pdf" for f in files}


def _content_height(pdf: Path, page: int) -> int:
    """Pixel rows down to the last printed word, plus a margin for the table's last border."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          check=True, capture_output=True, text=True, timeout=120).stdout
    bottom = max((float(y) for y in re.findall(r'<word [^>]*yMax="([\d.]+)"', html)), default=842.0)
    return int((bottom + 24) * DPI / 72)


def page_png(pdf: Path, page: int, out: Path) -> Path:
    height = _content_height(pdf, page)
    stem = out.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile",
                    "-x", "0", "-y", "0", "-W", "100000", "-H", str(height), str(pdf), str(stem)],
                   check=True, timeout=120)
    return out


def template_with(work: Path, name: str, table=None, typed: dict | None = None) -> Path:
    from jixiao.processor.template import project_form as T
    from openpyxl import load_workbook

    wb = load_workbook(T.DEFAULT_PATH)
    ws = wb[T.SHEET_NAME]
    L = T.LAYOUT
    if table is not None:
        ws["B3"], ws["B4"], ws["F4"] = table.project, table.dept, table.unit
        ws["B12"], ws["F12"] = table.goal_expected, table.goal_actual
        for kind, fr in zip(("total", "current", "carryover", "other"), table.funding, strict=False):
            for key, v in (("initial", fr.initial), ("budget", fr.budget), ("executed", fr.executed)):
                ws[f"{L.funding_cols[key]}{L.funding_rows[kind]}"] = v if isinstance(v, (int, float)) else None
        keys = ("level1", "level2", "level3", "target", "actual", "weight", "score", "deviation")
        for i, r in enumerate(L.indicator_rows):
            ind = table.indicators[i] if i < len(table.indicators) else None
            for key in keys:
                ws[f"{L.indicator_cols[key]}{r}"] = getattr(ind, key, None)
    for cell, value in (typed or {}).items():
        ws[cell] = value
    path = work / f"{name}.xlsx"
    wb.save(path)
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "examples"))
    import build_examples as E
    from jixiao.processor.files.openpyxl_write import fill_file

    with tempfile.TemporaryDirectory(prefix="jixiao-docs-") as tmp:
        work = Path(tmp)
        filled = fill_file(ROOT / "examples" / "02_信访工作经费.xlsx", work / "回填.xlsx").output
        blank = work / "模板.xlsx"
        blank.write_bytes((ROOT / "templates" / "自评表.xlsx").read_bytes())
        seed = template_with(work, "模板_种子表", E.TABLES[0])
        mistakes = template_with(work, "模板_常见错误", typed={
            "B3": "常见错误示例", "B4": "某局", "F4": "某中心",
            "D7": 100, "E7": 100, "F7": 90.12, "H7": 0.8,  # 执行率 typed over the formula
            "D8": 60, "E8": 100, "F8": 90.12,  # 年初预算数 100 ≠ 60 (其中 rows)
            "D14": "培训人次", "E14": "≥500人次", "F14": "400人次", "G14": 30, "H14": 24,  # no 偏差原因
            "D15": "培训合格率", "E15": "≥95%", "F15": "97%", "G15": 20, "H15": 25,  # above its weight
            "D19": "政策知晓率", "E19": "≥90%", "F19": "93%", "G19": 30, "H19": 30,
            "D21": "参训人员满意度", "E21": "≥90%", "F21": "96%", "G21": 20, "H21": 20,  # 分值合计 110
        })
        pdfs = to_pdf([filled, blank, seed, mistakes], work)
        made = [
            page_png(pdfs[filled], 1, out / "回填_自评表.png"),
            page_png(pdfs[filled], 2, out / "回填_校验结果.png"),
            page_png(pdfs[blank], 1, out / "模板.png"),
            page_png(pdfs[seed], 1, out / "模板_种子表.png"),
            page_png(pdfs[mistakes], 1, out / "模板_常见错误.png"),
        ]
    for path in made:
        print(f"已生成 {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
