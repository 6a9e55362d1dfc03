"""LibreOffice as the tests' spreadsheet: recalculate, print to PDF, look at the page.

One ``soffice`` process per batch of files, with a fresh user profile (others may run
LibreOffice at the same time) that forces recalculation on load: LibreOffice's default
for OOXML files is "never recalculate" (``OOXMLRecalcMode`` = 1) and it ignores the
workbook's ``fullCalcOnLoad`` flag. The PDF is read back with poppler: ``pdftotext
-bbox`` for where each word landed, ``pdftoppm`` for the colours (PPM, no image library).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from html import unescape
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")

RECALC_ALWAYS_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def convert(paths: list[Path], outdir: Path, workdir: Path, target: str = "pdf") -> dict[Path, Path]:
    """Convert ``paths`` with LibreOffice (recalculating every formula); input → output path."""
    profile = workdir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS_XCU, encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [SOFFICE, "--headless", "--norestore", "--nologo", f"-env:UserInstallation={profile.as_uri()}",
           "--convert-to", target, "--outdir", str(outdir), *map(str, paths)]
    env = dict(os.environ, HOME=str(workdir))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, check=False)
    suffix = "." + target.split(":")[0]
    out = {p: outdir / (p.stem + suffix) for p in paths}
    missing = [p.name for p, o in out.items() if not o.is_file()]
    assert not missing, f"LibreOffice 未输出 {missing}：{proc.stdout}\n{proc.stderr}"
    return out


def render(inputs: dict[str, Path], work: Path) -> dict[str, Path]:
    """Filled copies as a filler sees them: each printed to PDF (key ``name``) and recalculated
    to xlsx (key ``name.xlsx``), so a test can look at the page and check the engine's findings."""
    pdfs = convert(list(inputs.values()), work / "pdf", work)
    xlsx = convert(list(inputs.values()), work / "xlsx", work, "xlsx:Calc MS Excel 2007 XML")
    return {name: pdfs[p] for name, p in inputs.items()} | {f"{name}.xlsx": xlsx[p] for name, p in inputs.items()}


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    x0: float
    y0: float
    x1: float
    y1: float  # points from the top-left of the page

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


_PAGE = re.compile(r"<page\b")
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def words(pdf: Path) -> list[Word]:
    """Every word poppler finds on the pages, with its box."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=120).stdout
    out: list[Word] = []
    for page, chunk in enumerate(_PAGE.split(html)[1:], start=1):
        out += [Word(unescape(t), page, float(a), float(b), float(c), float(d)) for a, b, c, d, t in _WORD.findall(chunk)]
    return out


class Raster:
    """One page as pixels (pdftoppm's PPM), addressed in PDF points."""

    def __init__(self, pdf: Path, page: int = 1, dpi: int = 72):
        data = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
                              capture_output=True, check=True, timeout=120).stdout
        fields, pos = [], 0
        while len(fields) < 4:  # P6 width height maxval, separated by white space
            while data[pos:pos + 1].isspace():
                pos += 1
            end = pos
            while not data[end:end + 1].isspace():
                end += 1
            fields.append(data[pos:end])
            pos = end
        assert fields[0] == b"P6"
        self.width, self.height = int(fields[1]), int(fields[2])
        self.pixels = data[pos + 1:]
        self.scale = dpi / 72

    def rgb(self, x: int, y: int) -> tuple[int, int, int]:
        i = 3 * (y * self.width + x)
        return self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]

    def share(self, colour: str, cx: float, cy: float, rx: float = 6, ry: float = 3) -> float:
        """The part of a small box around (cx, cy) points that has ``colour`` (RRGGBB)."""
        want = tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))
        xs = range(max(0, int((cx - rx) * self.scale)), min(self.width, int((cx + rx) * self.scale) + 1))
        ys = range(max(0, int((cy - ry) * self.scale)), min(self.height, int((cy + ry) * self.scale) + 1))
        hits = total = 0
        for y in ys:
            for x in xs:
                total += 1
                hits += all(abs(a - b) <= 6 for a, b in zip(self.rgb(x, y), want, strict=True))
        return hits / total if total else 0.0

    def count(self, colour: str) -> int:
        want = bytes(int(colour[i:i + 2], 16) for i in (0, 2, 4))
        px = Counter(self.pixels[i:i + 3] for i in range(0, len(self.pixels) - 2, 3))
        return sum(n for p, n in px.items() if all(abs(p[k] - want[k]) <= 6 for k in range(3)))
