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
    INDICATOR_WEIGHTS_TOTAL,
    Record,
)
from jixiao.processor.core.reader.header import Header


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _headers_text(h: Header) -> str:
    """The header's labels left to right, as the user sees them."""
    from jixiao.processor.core.grid import parse_addr

    cells = [(c.cell, c.label) for c in h.block.columns.values()] + list(h.block.unmatched)
    labels = [t for _, t in sorted(cells, key=lambda x: parse_addr(x[0])[1])]
    return "、".join(f"“{_one_line(t)}”" for t in labels[:12]) or "（无）"


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
            rec.notes.append(("R019", fh.band, {"column": "全年预算数、年初预算数", "headers": _headers_text(fh)}))
            rm.mark_unknown("R019", FUNDING_MONEY)
    if ih is None:
        rec.notes.append(("R003", None, {}))
        rm.mark_unknown("R003", INDICATOR_ROWS, INDICATOR_WEIGHT, INDICATOR_WEIGHTS_TOTAL, INDICATOR_SCORE)
        return
    if not rec.indicators:
        rec.notes.append(("R016", ih.band, {"rows": f"第 {ih.last + 1} 行起"}))
        rm.mark_unknown("R016", INDICATOR_ROWS, INDICATOR_WEIGHT, INDICATOR_WEIGHTS_TOTAL, INDICATOR_SCORE)
        return
    if all(i.target.empty and i.actual.empty and i.weight.raw is None and i.score.raw is None for i in rec.indicators):
        # names only: an indicator table nobody filled in (or a copy that lost its figures)
        rows = sorted(i.row for i in rec.indicators)
        rec.notes.append(("R023", ih.band, {"rows": f"{rows[0]}–{rows[-1]}" if len(rows) > 1 else f"{rows[0]}"}))
        rm.mark_unknown("R023", INDICATOR_WEIGHT, INDICATOR_WEIGHTS_TOTAL, INDICATOR_SCORE)
        return
    said = _weights(rec, ih)
    # the score of a row comes from its target and actual (or, qualitative, from its 得分): a table
    # missing any of the three columns cannot be scored, only read. A 项目评价 framework scores
    # criteria by judgement and needs only the 得分 column.
    needed = (("score", "得分"),) if rm.framework == "evaluation" else (
        ("target", "年度指标值"), ("actual", "实际完成值"), ("score", "得分"))
    missing = [name for key, name in needed if key not in ih.cols]
    if said == "R014" and not rm.knows(INDICATOR_SCORE):  # R014 said the 得分 column is missing too
        missing = [name for name in missing if name != "得分"]
    # (a missing 分值 column does not make the scores known: without 年度指标值 / 实际完成值 they
    # cannot be checked either way)
    if missing and said != "R021":
        rec.notes.append(("R017", ih.band, {"columns": "、".join(missing), "headers": _headers_text(ih)}))
        rm.mark_unknown("R017", INDICATOR_SCORE)
    if rec.total is None and rec.stated_total.raw is None and said != "R021":
        rec.notes.append(("R004", None, {}))


def _weights(rec: Record, ih: Header) -> str | None:
    """Where the indicator weights come from; the R code said when they cannot be known."""
    rm = rec.read
    inds = rec.indicators
    groups1, groups2 = rec.level1_groups, rec.level2_groups

    def label_weighted(i) -> bool:
        return (i.weight.value is not None
                or (i.group1 >= 0 and groups1[i.group1].stated_weight is not None)
                or (i.group2 >= 0 and groups2[i.group2].stated_weight is not None))

    col = ih.block.columns.get("weight")
    if col is not None and any(i.weight.raw is not None for i in inds):
        rm.sources[INDICATOR_WEIGHT] = f"分值列 {col.cell}“{_one_line(col.label)}”"
        return None
    if all(i.weight.value is not None for i in inds):  # “预算执行率（20分）”: each row states its own
        rm.sources[INDICATOR_WEIGHT] = "表中没有分值列，按各指标名称中的分值（如“预算执行率（20分）”）"
        return None
    block = rec.indicator_label
    groups = [g for g in (*groups1, *groups2) if g.stated_weight is not None]
    if ih.block.figures and col is None:  # a column of figures nobody could name may be the very 分值
        rec.notes.append(("R014", ih.band, {"headers": _headers_text(ih), "also": ""}))
        rm.mark_unknown("R014", INDICATOR_WEIGHT, INDICATOR_WEIGHTS_TOTAL)
        return "R014"
    if block.value is not None or (groups and all(label_weighted(i) for i in inds)):
        # the weights stand only in labels above the rows: their whole is known, each row's is not
        where = block if block.value is not None else None
        label = _one_line(where.text) if where else "、".join(
            f"{g.name or ''}（{g.stated_weight:g}分）" for g in groups[:4]) + ("…" if len(groups) > 4 else "")
        rm.sources[INDICATOR_WEIGHT] = f"表中没有各指标的分值，只有标签中的分值：{label}"
        rec.notes.append(("R020", where.cell if where else groups[0].cell, {"label": label}))
        rm.mark_unknown("R020", INDICATOR_WEIGHT)  # each row's; their whole is the labels'
        return "R020"
    if col is None and "score" not in ih.cols and not any(label_weighted(i) for i in inds) \
            and rec.total is None and rec.stated_total.raw is None:
        # a 绩效目标自评表 that hands out no points at all: say so once, score nothing
        rec.notes.append(("R021", ih.band, {"headers": _headers_text(ih)}))
        rm.mark_unknown("R021", INDICATOR_WEIGHT, INDICATOR_WEIGHTS_TOTAL, INDICATOR_SCORE)
        return "R021"
    if col is not None:
        c = ih.cols["weight"]
        rec.notes.append(("R015", f"{addr(inds[0].row, c)}:{addr(inds[-1].row, c)}",
                          {"column": f"{col.cell}“{_one_line(col.label)}”", "count": len(inds)}))
        rm.mark_unknown("R015", INDICATOR_WEIGHT, INDICATOR_WEIGHTS_TOTAL)
        return "R015"
    also = "，也没有得分列" if "score" not in ih.cols else ""
    rec.notes.append(("R014", ih.band, {"headers": _headers_text(ih), "also": also}))
    rm.mark_unknown("R014", INDICATOR_WEIGHT, INDICATOR_WEIGHTS_TOTAL, *((INDICATOR_SCORE,) if also else ()))
    return "R014"
