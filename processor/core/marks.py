"""How a checked form looks: mark kinds and colours, note text, number formats, own sheets.

Defined once here and used by the plan (:mod:`jixiao.processor.core.plan`), by both
writers (openpyxl for ``jixiao fill``, xlwings for the add-in) and by the template's
conditional formats, so a red cell means the same thing everywhere.
"""

from __future__ import annotations

import math
import re
from typing import Any

from jixiao.processor.core.findings import SEVERITIES, SEVERITY_CN
from jixiao.processor.core.values import fmt_num

RESULT_SHEET = "校验结果"
# the bookkeeping that makes a second run give the same workbook (see core/ledger.py);
# very hidden in the output, skipped by every reader
LEDGER_SHEET = "jixiao校验记录"
OWN_SHEETS = (RESULT_SHEET, LEDGER_SHEET)

NOTE_AUTHOR = "jixiao"

# --------------------------------------------------------------------------- mark kinds

COMPUTED = "computed"  # a value jixiao wrote: the engine's figure, not the filler's
MARK_KINDS = (*SEVERITIES, COMPUTED)
# fills as RRGGBB: Excel's “bad” red, “neutral” yellow, a light blue, and a light green for
# values the tool filled in (correct now, but not typed by the filler)
MARK_FILL = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7", COMPUTED: "E2EFDA"}
MARK_CN = {**SEVERITY_CN, COMPUTED: "已计算"}
LEGEND = {
    "error": "与规则或计算不符，须改正后再报送",
    "warning": "可能有问题，请核实；确认无误可不改",
    "info": "供参考的说明，无需修改",
    COMPUTED: "jixiao 按计算结果填入的值（执行率、得分、总分、等级）；原填写值见下表最后一列",
}
SEVERITY_RANK = {kind: i for i, kind in enumerate(MARK_KINDS)}


def worst(severities) -> str:
    """The most severe of ``severities`` (error before warning before info)."""
    return min(severities, key=SEVERITY_RANK.__getitem__)


# --------------------------------------------------------------------------- text safety

# a cell text starting with one of these is taken for a formula by Excel, WPS and LibreOffice
FORMULA_START = ("=", "+", "-", "@")


def looks_like_formula(text: object) -> bool:
    """True for submission text that a spreadsheet would evaluate if written as is."""
    return isinstance(text, str) and text.startswith(FORMULA_START)


# --------------------------------------------------------------------------- notes

NOTE_SEPARATOR = "—— jixiao 校验 ——"


def finding_note(finding) -> str:
    """One finding as a note paragraph: what is wrong, then what to do."""
    return f"{SEVERITY_CN[finding.severity]} {finding.code}：{finding.message}\n修改建议：{finding.fix}"


def computed_line(original: Any, grade: str | None = None) -> str:
    """The first line of a note on a cell jixiao filled in (a 总分 on a form without a
    等级 row also says the grade it gives)."""
    was = "原为空" if original is None or original == "" else f"原为 {value_text(original)}"
    return f"已填入计算结果（{was}）" + (f"，对应等级：{grade}。" if grade else "。")


def compose_note(ours: str, user: str | None) -> str:
    """Our note under the user's own note (kept whole above a separator line)."""
    if user and user.strip():
        return f"{user.rstrip()}\n\n{NOTE_SEPARATOR}\n{ours}"
    return ours


def strip_ours(text: str) -> str | None:
    """A note edited by the user since a run: their part, without ours (None: nothing left)."""
    head, sep, _ = text.partition(f"\n\n{NOTE_SEPARATOR}\n")
    if not sep:
        return None if text.startswith(NOTE_SEPARATOR) else text
    return head or None


def text_width(text: str) -> int:
    """Display width in half-width units: CJK and full-width characters count 2."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def wrapped_lines(text: str, width_units: float) -> int:
    """Lines ``text`` takes when wrapped at ``width_units`` half-width characters."""
    per_line = max(1.0, width_units)
    return sum(max(1, math.ceil(text_width(line) / per_line)) for line in str(text).split("\n"))


NOTE_WIDTH_PT = 240.0
_NOTE_CHARS = 40  # half-width characters per line at 9 pt in NOTE_WIDTH_PT
_NOTE_LINE_PT = 12.5


def note_size(text: str) -> tuple[float, float]:
    """(width, height) in points of a note box that shows ``text`` without scrolling."""
    lines = wrapped_lines(text, _NOTE_CHARS)
    return NOTE_WIDTH_PT, min(12.0 + _NOTE_LINE_PT * lines, 480.0)


# --------------------------------------------------------------------------- values

def value_text(value: Any) -> str:
    """A cell value as a person reads it: 100.0 → "100", 0.5 → "0.5", text as is."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return fmt_num(value, 6)
    return str(value)


_SECTION = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def decimals_shown(number_format: str | None) -> int | None:
    """Decimal places a number format shows; None for General (as many as needed)."""
    if not number_format or number_format.strip().lower() in ("general", "@"):
        return None
    section = _SECTION.sub("", number_format.split(";")[0])
    if "." not in section:
        return 0
    return len(re.match(r"[0#?]*", section.split(".", 1)[1]).group(0))


def _needed(x: float) -> int:
    text = fmt_num(x, 2)
    return len(text.split(".", 1)[1]) if "." in text else 0


RATE_FORMAT = "0.00%"
SCORE_FORMAT = "0.00"


def number_format_for(kind: str, value: Any, current: str | None) -> str | None:
    """The number format to set where the engine writes ``value``; None keeps ``current``.

    The column's own format stays unless it would hide what the engine computed: a rate
    needs a percent format showing its two decimals (44.91 %, not 45 %), a score as many
    decimals as it has (General shows 20 and 15.38 as they are).
    """
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    fmt = (current or "").strip()
    shown = decimals_shown(fmt)
    if kind == "rate":
        if "%" not in fmt:
            return RATE_FORMAT
        return None if shown is not None and shown >= _needed(value * 100) else RATE_FORMAT
    if fmt == "@":
        return "General"
    if "%" in fmt:
        return SCORE_FORMAT
    return None if shown is None or shown >= _needed(value) else SCORE_FORMAT


__all__ = [
    "COMPUTED",
    "LEDGER_SHEET",
    "LEGEND",
    "MARK_CN",
    "MARK_FILL",
    "MARK_KINDS",
    "NOTE_AUTHOR",
    "OWN_SHEETS",
    "RESULT_SHEET",
    "compose_note",
    "computed_line",
    "decimals_shown",
    "finding_note",
    "looks_like_formula",
    "note_size",
    "number_format_for",
    "strip_ours",
    "value_text",
    "worst",
]
