"""How the summary prints: pages and scale of each sheet, measured on LibreOffice's PDF.

LibreOffice fits each sheet to the page width (the workbook asks for one page wide) and
scales everything on the page, the header line too. So the scale of a page is the
height of its header's date word against the same word on a sheet printed at 100 %
(a calibration workbook converted in the same LibreOffice run, with the same header).
Pages are told apart by the header's centre, which is the sheet's name.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import lo_render
from jixiao.processor.merge.summary_format import page_setup

DATE_PREFIX = "汇总日期"


@dataclass
class SheetPrint:
    pages: int = 0
    scales: list[float] = field(default_factory=list)

    @property
    def scale(self) -> float:
        return min(self.scales) if self.scales else 0.0


def _calibration(path: Path, on: date) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("校准")
    ws.write_string(0, 0, "100%")
    page_setup(ws, landscape=True, department="校准", on=on, print_cols=1, last_row=0)
    wb.close()
    return path


def render(xlsx: Path, workdir: Path, on: date, sheets: list[str]) -> tuple[dict[str, SheetPrint], Path]:
    """Per sheet: pages and scale; and the PDF. ``on``: the summary date in the header."""
    cal = _calibration(workdir / "calibration.xlsx", on)
    pdfs = lo_render.convert([xlsx, cal], workdir / "pdf", workdir)
    ref = _date_heights(pdfs[cal])
    assert ref, "calibration page has no header date"
    unit = ref[1]
    by_sheet: dict[str, SheetPrint] = defaultdict(SheetPrint)
    words = lo_render.words(pdfs[xlsx])
    pages: dict[int, list] = defaultdict(list)
    for w in words:
        pages[w.page].append(w)
    for _page, ws in sorted(pages.items()):
        top = sorted((w for w in ws if w.y1 < 60), key=lambda w: w.x0)
        name = next((w.text for w in top if w.text in sheets), "?")
        dates = [w for w in top if w.text.startswith(DATE_PREFIX)]
        sp = by_sheet[name]
        sp.pages += 1
        if dates:
            sp.scales.append(round((dates[0].y1 - dates[0].y0) / unit, 3))
    return dict(by_sheet), pdfs[xlsx]


def _date_heights(pdf: Path) -> dict[int, float]:
    return {w.page: w.y1 - w.y0 for w in lo_render.words(pdf) if w.text.startswith(DATE_PREFIX)}


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def pngs(pdf: Path, outdir: Path, first: int, last: int, stem: str, dpi: int = 70) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(first), "-l", str(last), str(pdf),
                    str(outdir / stem)], check=True, timeout=120)
    return sorted(outdir.glob(f"{stem}*.png"))
