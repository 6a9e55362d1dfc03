"""Real published 自评表, transcribed as data (tables/<id>.json), built into .xlsx files.

A table file holds the published grid row by row from A1 (``rows``), its merged ranges, its
source and the expectations worked out by hand (see README.md in this folder). This module
only turns the grid into a workbook typed the way a filler's Excel would type it:

* a JSON number is a number;
* a JSON string is what the filler typed into the cell. With the table's ``typing`` set to
  ``"excel"`` (the default) the string is converted as Excel converts typed entries: a plain
  number (``"37.24"``, ``"215,457.6"``) becomes a number, a percentage (``"97.80%"``)
  becomes the fraction with a percent format; anything else stays text. A leading
  apostrophe (``"'100"``) keeps the rest as text, as in Excel. With ``"text"`` every string
  stays text (a system export that writes numbers as text);
* ``{"v": value, "fmt": "0.00%"}`` gives a value and its number format explicitly.

Run ``python tests/corpus/build.py OUTDIR`` to write every table's workbook, or
``python tests/corpus/build.py --show ID`` to print one grid with its cell addresses.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries

HERE = Path(__file__).resolve().parent
TABLES = HERE / "tables"
SCHEMA = HERE / "table.schema.json"
KNOWN_FAILURES = HERE / "known_failures.json"

_PLAIN = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
_PERCENT = re.compile(r"^([+-]?\d+(\.\d+)?)%$")


@dataclass(frozen=True)
class Table:
    """One transcribed table: its data file's content plus where it came from."""

    id: str
    data: dict[str, Any]
    path: Path

    @property
    def sheet(self) -> str:
        return self.data.get("sheet", "自评表")

    @property
    def expected(self) -> dict[str, Any]:
        return self.data["expected"]


def load(path: Path) -> Table:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("id") != path.stem:
        raise ValueError(f"{path.name}: id {data.get('id')!r} differs from the file name")
    return Table(path.stem, data, path)


def tables(folder: Path = TABLES) -> list[Table]:
    """Every table of the corpus, in file-name order."""
    return [load(p) for p in sorted(folder.glob("*.json"))]


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def known_failures() -> dict[str, str]:
    """Tables the current engine is known to get wrong: id → short reason (the xfail list)."""
    if not KNOWN_FAILURES.exists():
        return {}
    return json.loads(KNOWN_FAILURES.read_text(encoding="utf-8"))


def typed(value: Any, typing: str = "excel") -> tuple[Any, str | None]:
    """(cell value, number format) as the filler's Excel would store the transcribed entry."""
    if isinstance(value, dict):
        return value["v"], value.get("fmt")
    if not isinstance(value, str) or typing == "text":
        return value, None
    if value.startswith("'"):
        return value[1:], None
    s = value.strip()
    if _PLAIN.match(s):
        number = float(s.replace(",", ""))
        fmt = "#,##0.00" if "," in s else None
        return (int(number) if number.is_integer() and "." not in s else number), fmt
    m = _PERCENT.match(s)
    if m:
        decimals = len(m.group(2) or "") - 1 if m.group(2) else 0
        return float(m.group(1)) / 100, "0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return value, None


def cell_values(table: Table) -> dict[str, tuple[Any, str | None]]:
    """Every non-empty cell of the grid: A1 address → (typed value, number format)."""
    typing = table.data.get("typing", "excel")
    out: dict[str, tuple[Any, str | None]] = {}
    for r, row in enumerate(table.data["rows"], start=1):
        for c, raw in enumerate(row, start=1):
            if raw is None or raw == "":
                continue
            out[f"{get_column_letter(c)}{r}"] = typed(raw, typing)
    return out


def check_grid(table: Table) -> list[str]:
    """Transcription slips the schema cannot see: values hidden under a merge, overlapping
    merges, expectations that point outside the grid."""
    problems: list[str] = []
    cells = cell_values(table)
    taken: dict[tuple[int, int], str] = {}
    for rng in table.data.get("merges", []):
        min_col, min_row, max_col, max_row = range_boundaries(rng)
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                if (r, c) in taken:
                    problems.append(f"merge {rng} overlaps {taken[(r, c)]}")
                taken[(r, c)] = rng
                a1 = f"{get_column_letter(c)}{r}"
                if (r, c) != (min_row, min_col) and a1 in cells:
                    problems.append(f"{a1} holds {cells[a1][0]!r} but lies under merge {rng}")
    height = len(table.data["rows"])
    width = max((len(r) for r in table.data["rows"]), default=0)
    exp = table.expected
    refs = [d.get("cell") for d in exp.get("defects", [])] + [n["cell"] for n in exp.get("not_flagged", [])]
    for ref in refs:
        for a1 in ([ref] if isinstance(ref, str) else ref or []):
            min_col, min_row, max_col, max_row = range_boundaries(a1)
            if max_row > height or max_col > width:
                problems.append(f"expected cell {a1} lies outside the {height}-row × {width}-column grid")
    return problems


def build(table: Table, out_dir: Path) -> Path:
    """Write the table's workbook (one sheet) and return its path."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = table.sheet
    for a1, (value, fmt) in cell_values(table).items():
        cell = ws[a1]
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # "=100%" typed as a target is text, never a formula
        if fmt:
            cell.number_format = fmt
    for rng in table.data.get("merges", []):
        ws.merge_cells(rng)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{table.id}.xlsx"
    wb.save(path)
    return path


def show(table: Table) -> str:
    """The grid as text, one line per non-empty cell, for checking a transcription by eye."""
    merged = {}
    for rng in table.data.get("merges", []):
        merged[rng.split(":")[0]] = rng
    lines = [f"{table.id}: {table.data['issuer']} {table.data['year']} ({table.data['province']})"]
    for a1, (value, fmt) in cell_values(table).items():
        extra = f"  [{fmt}]" if fmt else ""
        span = f"  merge {merged[a1]}" if a1 in merged else ""
        lines.append(f"{a1:>6}  {type(value).__name__:5}  {value!r}{extra}{span}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--show":
        print(show(load(TABLES / f"{argv[1]}.json")))
        return 0
    if len(argv) != 1:
        print("usage: build.py OUTDIR | --show ID", file=sys.stderr)
        return 2
    for table in tables():
        print(build(table, Path(argv[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
