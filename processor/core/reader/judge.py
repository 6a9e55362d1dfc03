"""Did the reader understand the table? Decide which fields it could not identify.

A field the reader could not identify is *unknown* (``record.read.unknown``): one R finding
says so, placed on the cells that were looked at, and nothing derived from the field — a T or
F finding, a total, a grade — is produced (see ``core/compute.py`` and ``core/audit.py``).
"""

from __future__ import annotations

from jixiao.processor.core.grid import addr
from jixiao.processor.core.model import (
    FUNDING_MONEY,
    FUNDING_ROWS,
    INDICATOR_ROWS,
    INDICATOR_SCORE,
    INDICATOR_WEIGHT,
    Record,
)
from jixiao.processor.core.reader.header import Header


def _headers_text(h: Header) -> str:
    labels = [c.label for c in h.block.columns.values()] + [t for _, t in h.block.unmatched]
    return "、".join(f"“{t}”" for t in labels[:12]) or "（无）"


def judge(rec: Record, fh: Header | None, ih: Header | None) -> None:
    rm = rec.read
    if fh is None:
        rec.notes.append(("R002", None, {}))
        rm.mark_unknown("R002", FUNDING_ROWS, FUNDING_MONEY)
    elif rec.funding_columns:
        if rec.funding_row("total") is None:
            rec.notes.append(("R010", fh.band, {}))
            rm.mark_unknown("R010", FUNDING_ROWS)
        cols = rec.funding_columns
        if not {"budget", "initial"} & cols.keys() and {"weight", "score"} & cols.keys():
            rec.notes.append(("R019", fh.band, {"headers": _headers_text(fh)}))
            rm.mark_unknown("R019", FUNDING_MONEY)
    if ih is None:
        rec.notes.append(("R003", None, {}))
        rm.mark_unknown("R003", INDICATOR_ROWS, INDICATOR_WEIGHT, INDICATOR_SCORE)
        return
    if not rec.indicators:
        rec.notes.append(("R016", ih.band, {"rows": f"第 {ih.last + 1} 行起"}))
        rm.mark_unknown("R016", INDICATOR_ROWS, INDICATOR_WEIGHT, INDICATOR_SCORE)
        return
    _weights(rec, ih)
    if "score" not in ih.cols:
        rec.notes.append(("R017", ih.band, {"headers": _headers_text(ih)}))
        rm.mark_unknown("R017", INDICATOR_SCORE)
    if rec.total is None and rec.stated_total.raw is None:
        rec.notes.append(("R004", None, {}))


def _weights(rec: Record, ih: Header) -> None:
    rm = rec.read
    inds = rec.indicators
    groups1, groups2 = rec.level1_groups, rec.level2_groups

    def label_weighted(i) -> bool:
        return (i.weight.value is not None
                or (i.group1 >= 0 and groups1[i.group1].stated_weight is not None)
                or (i.group2 >= 0 and groups2[i.group2].stated_weight is not None))

    if "weight" in ih.cols:
        col = ih.block.columns["weight"]
        if any(i.weight.raw is not None for i in inds):
            rm.sources[INDICATOR_WEIGHT] = f"分值列 {col.cell}“{col.label}”"
            return
        if all(label_weighted(i) for i in inds):
            rm.sources[INDICATOR_WEIGHT] = f"分值列 {col.cell} 为空，按指标标签中的分值（如“产出指标（50分）”）"
            return
        c = ih.cols["weight"]
        rec.notes.append(("R015", f"{addr(inds[0].row, c)}:{addr(inds[-1].row, c)}",
                          {"column": f"{col.cell}“{col.label}”", "count": len(inds)}))
        rm.mark_unknown("R015", INDICATOR_WEIGHT)
        return
    if all(label_weighted(i) for i in inds):
        rm.sources[INDICATOR_WEIGHT] = "表中没有分值列，按标签中的分值（如“产出指标（50分）”）"
        return
    rec.notes.append(("R014", ih.band, {"headers": _headers_text(ih)}))
    rm.mark_unknown("R014", INDICATOR_WEIGHT)
