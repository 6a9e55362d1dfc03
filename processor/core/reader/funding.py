"""The funding table: 年度资金总额 and its parts, read by the labels of its rows."""

from __future__ import annotations

import re

from jixiao.processor.core.grid import addr, parse_addr
from jixiao.processor.core.model import FUNDING_PARTS, HEADLESS, Field, FundingRow, Record, RowRead
from jixiao.processor.core.reader.header import Header, find_header
from jixiao.processor.core.reader.labels import stated_weight
from jixiao.processor.core.reader.sheet import Sheet
from jixiao.processor.core.values import (
    Number,
    fmt_num,
    is_blank,
    norm,
    parse_money,
    parse_number,
    parse_rate,
)

_LETTER = re.compile(r"[（(]\s*([A-Za-z])\s*[)）]")
_RATIO = re.compile(r"([A-Za-z])\s*[/÷]\s*([A-Za-z])")
_OTHERS = {"rate", "budget", "initial", "weight", "score"}


def find_funding_header(s: Sheet, start: int | None = None) -> Header | None:
    """The funding header at or below ``start``. A row holding figures is never one: the
    部门管理 framework's indicator row “过程 | 预算执行 | 预算执行率 | ≥95% | 97% | 20 | 20” has
    the words of a funding header but is a row of the indicator table."""
    while True:
        h = find_header(s, s.v.funding_columns, lambda f: "executed" in f,
                        lambda cols: "executed" in cols and bool(_OTHERS & cols.keys()), start)
        if h is None or not any(_figure(v) for r in range(h.first, h.last + 1) for _c, v in s.row_values(r)):
            return h
        # the band may reach above ``start`` (header rows merged down from above): always move on
        start = max(h.first, s.r0 if start is None else start) + 1


def _figure(v: object) -> bool:
    """A number, or a plain number typed as text (a system export writes “61” for 61)."""
    return not isinstance(v, str) or parse_number(v).value is not None


def funding_headers(s: Sheet) -> list[Header]:
    """Every funding header of the sheet (reports sometimes stack several forms)."""
    out: list[Header] = []
    h = find_funding_header(s)
    while h is not None:
        out.append(h)
        h = find_funding_header(s, h.last + 1)
    return out


def _label_column(s: Sheet, h: Header, stop: int) -> int | None:
    """The column holding the row labels (年度资金总额 …) below the header."""
    for r in range(h.last + 1, stop):
        for c, k in s.row_keys(r):
            if s.v.funding_row(k):
                return c
    return None


def read_funding(s: Sheet, rec: Record, h: Header, stop: int) -> None:
    label_col = _label_column(s, h, stop)
    cols = dict(h.cols)
    if label_col is not None:  # a header over the row labels (“年度预算数（万元）”) is not a value column
        for key in [k for k, c in cols.items() if c <= label_col]:
            cols.pop(key)
            h.block.unmatched.append((h.block.columns.pop(key).cell, s.text(h.first, label_col)))
    if not cols:
        return
    rec.read.funding = h.block
    rec.funding_columns = {k: h.block.columns[k].cell for k in cols}
    rec.rate_denominator = _rate_denominator(s, h, cols)
    first_value_col = min(cols.values())
    _block_weight(s, rec, h, first_value_col, stop)
    scale = _money_scale(s, h)
    if scale != 1.0:
        rec.money_unit = "元"
        rec.notes.append(("R013", addr(h.last, first_value_col), {}))
    seen: set[str] = set()
    used: set[tuple[int, int]] = set()
    last_part: str | None = None
    subtotal = False  # the row above is a 小计: the rows of its kind below it are its parts
    for r in range(h.last + 1, stop):
        keys = s.row_keys(r)
        if any(s.v.funding_stops.word(k) for _, k in keys):
            stop = r
            break
        inline = _inline_parts(s, r)
        if inline:  # “其中：基本支出：900.47” — the amount written into the label (湖南's 按支出性质分)
            for c, kind, label, amount in inline:
                _add_inline(s, rec, kind, label, amount, r, c)
            continue
        label, kind = None, None
        for c in range(s.c0, first_value_col):  # a label merged down over its row counts (B4:B5)
            o = s.owner(r, c)
            m = s.v.funding_row(s.key(*o))
            if m:
                label, kind = o, m[0]
                break
        if kind is None:
            _unnamed_money(s, rec, cols, r, first_value_col)
            continue
        if label in used or (kind == "total" and kind in seen):
            continue
        used.add(label)
        if kind == last_part and (subtotal or s.v.sub_items.prefix(s.key(*label))):
            # “当年财政拨款 / 其中：中央补助”, “财政资金小计 / ①中央及省级财政资金”: a breakdown of the row
            # above, not another part of the total
            rec.read.rows.append(RowRead(r, "ignored", f"上一行的明细“{s.text(*label)[:20]}”（不参与合计核对）"))
            continue
        seen.add(kind)
        last_part = kind if kind != "total" else None
        subtotal = bool(s.v.subtotal_rows.word(s.key(*label)))
        _add_row(s, rec, h, cols, kind, s.text_field(*label), r, scale)
    _headless_columns(s, h, cols, first_value_col)
    _inline_lists(s, rec, h.last, stop)
    if not rec.funding:
        rec.notes = [n for n in rec.notes if n[0] != "R022"]
        rec.read.unknown.pop(FUNDING_PARTS, None)
        rec.read.rows = [x for x in rec.read.rows if x.role != "ignored"]
        _unlabelled_total(s, rec, h, cols, first_value_col, stop, scale)
    # an unread header over figures may be the 分值 the execution score needs; one over none is not
    h.block.figures = [cell for cell, _ in h.block.unmatched
                       if any(parse_number(s.get(f.row, parse_addr(cell)[1])).value is not None for f in rec.funding)]


def _headless_columns(s: Sheet, h: Header, cols: dict[str, int], first: int) -> None:
    """A column between the funding table's value columns whose header is blank: not read, and
    said so (it may be the very budget column the rate needs — unless the sheet leaves it empty
    from top to bottom: a spacer of the layout)."""
    labelled = {c for r in range(h.first, h.last + 1) for c, _ in s.row_keys(r)} | set(cols.values())
    for c in range(first, max(cols.values()) + 1):
        if c in labelled or any(s.owner(r, c) != (r, c) for r in range(h.first, h.last + 1)):
            continue
        h.block.unmatched.append((addr(h.last, c), HEADLESS))
        if all(is_blank(s.get(r, c)) for r in s.rows()):
            h.block.spacers.append(addr(h.last, c))


_INLINE = re.compile(r"^(?:其中)?[:：]?\s*([^:：0-9]{2,30}?)\s*[:：]\s*(-?[0-9][0-9,，.]*\s*(?:万元|元)?)\s*$")


def _inline_parts(s: Sheet, r: int) -> list[tuple[int, str, str, str]]:
    """Cells of row ``r`` that are a part's label with its amount: “其中：一般公共预算：1325.68”,
    “项目支出：1025.20”, “其他资金:2880万元” → (column, kind, label, amount). Labels left without an
    amount (“政府性基金拨款：”) hold nothing to read; the row is an inline row when one has one."""
    out = []
    for c, _k in s.row_keys(r):
        m = _INLINE.match(s.text(r, c))
        if m is None:
            continue
        kind = s.v.funding_row(norm(m.group(1)))
        if kind is not None and kind[0] != "total" and parse_money(m.group(2))[0].value is not None:
            out.append((c, kind[0], m.group(1).strip(), m.group(2).strip()))
    return out


def _add_inline(s: Sheet, rec: Record, kind: str, label: str, amount: str, r: int, c: int) -> None:
    """A part whose amount is written in its label: that amount is its 全年预算数 (the column the
    vocabulary's ``funding_inline`` names) — the other columns do not exist for it."""
    column = s.v.funding_inline_column
    n, _yuan = parse_money(amount)
    cell = addr(r, c)
    row = FundingRow(kind=kind, label=Field(label, label, cell), row=r, cells={column: cell})
    setattr(row, column, Field(amount, n.value, cell))
    rec.funding.append(row)
    rec.read.rows.append(RowRead(r, "funding", f"{s.v.funding_rows.name(kind)}（金额写在标签里：{amount}）"))


def _inline_lists(s: Sheet, rec: Record, header_last: int, stop: int) -> None:
    """Parts whose amount stands in their label vanish with it: a list whose cell was blanked
    or rewritten reads like a shorter list. So a column of such parts is taken as the whole split
    of the total only when the label above it states their sum and they add up to it (衡山:
    “按支出性质分：1925.67” over 900.47 + 1025.20). Otherwise, or when a cell of the list holds an
    amount under a name the vocabulary does not know, the parts are not known (R026 / R022):
    年度资金总额 is not checked against them — as for a row of money without a known name."""
    column = s.v.funding_inline_column
    lists: dict[int, list] = {}
    for f in rec.funding:
        if f.row > header_last and f.cells.get(column) == f.label.cell:  # read by _add_inline
            lists.setdefault(parse_addr(f.label.cell)[1], []).append(f)
    for c, parts in lists.items():
        first, last = min(p.row for p in parts), max(p.row for p in parts)
        for r in range(first, stop):
            m = _INLINE.match(s.text(r, c)) if s.owner(r, c) == (r, c) else None
            if m and s.v.funding_row(norm(m.group(1))) is None and parse_money(m.group(2))[0].value is not None:
                rec.notes.append(("R022", addr(r, c), {"row": r, "label": " ".join(s.text(r, c).split())}))
                rec.read.mark_unknown("R022", FUNDING_PARTS)
        head = next((t for r in range(first - 1, header_last, -1)  # “按支出性质分：1925.67” or “…分：”
                     if s.owner(r, c) == (r, c) and (m := _HEAD.match(t := s.text(r, c)))
                     and s.v.funding_row(norm(m.group(1))) is None), "")
        m = _HEAD.match(head)
        stated = parse_money(m.group(2))[0].value if m and m.group(2) else None
        total = sum(getattr(p, column).value or 0 for p in parts)
        if stated is not None and abs(stated - total) < _SUM_TOL:
            continue
        names = "、".join(f"{p.label.text} {getattr(p, column).raw}" for p in parts)
        shown = " ".join(head.split())
        why = (f"与上方“{shown}”不符（各项之和 {fmt_num(total)}）" if stated is not None
               else f"上方“{shown}”没有写出合计（各项之和为 {fmt_num(total)}）" if head
               else f"上方没有写出它们的合计（各项之和为 {fmt_num(total)}）")
        rec.notes.append(("R026", f"{addr(first, c)}:{addr(last, c)}" if last > first else addr(first, c),
                          {"parts": names, "why": why}))
        rec.read.mark_unknown("R026", FUNDING_PARTS)


_HEAD = re.compile(r"^([^:：0-9]{2,30}?)\s*[:：]\s*(-?[0-9][0-9,，.]*\s*(?:万元|元)?)?\s*$")
_SUM_TOL = 0.005  # half of the 0.01 万元 the amounts are written to


def _unnamed_money(s: Sheet, rec: Record, cols: dict[str, int], r: int, first_value_col: int) -> None:
    """A row of money in the funding table whose name is not one the vocabulary knows: it is not
    added anywhere, so the total cannot be checked against its parts (F101 is withheld)."""
    money = [c for k, c in cols.items() if k in ("initial", "budget", "executed")]
    if not any(parse_number(s.get(r, c)).value for c in money):
        return
    label = next((s.text(*s.owner(r, c)) for c in range(s.c0, first_value_col)
                  if (k := s.key(*s.owner(r, c))) and not s.v.block_labels.word(k)), "")
    rec.read.rows.append(RowRead(r, "ignored", f"资金行“{label}”不是可识别的资金来源" if label
                                 else "资金行没有名称"))
    rec.notes.append(("R022", addr(r, s.c0), {"row": r, "label": " ".join(label.split()) or "（空白）"}))
    rec.read.mark_unknown("R022", FUNDING_PARTS)


def _add_row(s: Sheet, rec: Record, h: Header, cols: dict[str, int], kind: str, label: Field, r: int,
             scale: float) -> None:
    row = FundingRow(kind=kind, label=label, row=r)
    for key, c in cols.items():
        _read_cell(s, rec, h, row, key, r, c, scale)
    rec.funding.append(row)
    rec.read.rows.append(RowRead(r, "funding", s.v.funding_rows.name(kind)))


def _unlabelled_total(s: Sheet, rec: Record, h: Header, cols: dict[str, int], first_value_col: int, stop: int,
                      scale: float) -> None:
    """A funding block with one row of figures and no row label (the block label “部门预算执行情况”
    or “项目资金” stands beside it): that row is the 年度资金总额."""
    for r in range(h.last + 1, stop):
        if any(parse_number(s.get(r, c)).value is not None for c in cols.values()):
            label = next((s.text_field(*s.owner(r, c)) for c in range(s.c0, first_value_col) if s.key(*s.owner(r, c))),
                         Field(None, None, addr(r, s.c0)))
            _add_row(s, rec, h, cols, "total", label, r, scale)
            return


def _read_cell(s: Sheet, rec: Record, h: Header, row: FundingRow, key: str, r: int, c: int, scale: float) -> None:
    cell = row.cells[key] = addr(r, c)
    raw = s.get(r, c)
    if isinstance(raw, str) and s.v.funding_row(s.key(r, c)):
        raw = None  # “其中：基本支出：1768.16万元” beside the row: a second split's label, not this cell's figure
    if key == "rate":
        n = parse_rate(raw)
    elif key in ("weight", "score"):
        n = parse_number(raw)
    else:
        n, from_yuan = parse_money(raw)
        if scale != 1.0 and n.value is not None and not from_yuan and parse_number(raw).unit is None:
            n = Number(n.value * scale, "万元")
        if from_yuan:
            rec.notes.append(("R009", cell, {"label": _col_label(h, key), "found": str(raw), "value": f"{n.value:g}"}))
    if not n.ok:
        rec.notes.append(("R005", cell, {"label": f"{row.label.text}的{_col_label(h, key)}", "found": str(raw)}))
        row.unread.add(key)
    setattr(row, key, Field(None if is_blank(raw) else raw, n.value, cell))


def _col_label(h: Header, key: str) -> str:
    c = h.block.columns.get(key)
    return norm(c.label.split(" / ")[-1]) if c else ""


def _block_weight(s: Sheet, rec: Record, h: Header, first_value_col: int, stop: int) -> None:
    """“预算执行情况（10分）”, “预算执行率（20分）”: the funding block's label states its weight."""
    for r in range(h.first, stop):
        for c, _ in s.row_keys(r):
            if c >= first_value_col:
                break
            text = s.text(r, c)
            w = stated_weight(text)
            if w is not None:
                rec.execution_label = Field(text, w, addr(r, c))
                return


def _money_scale(s: Sheet, h: Header) -> float:
    """1.0 for a table in 万元 (the norm); 1e-4 when its header says the money is in 元."""
    marks = [s.v.money_marks(norm(v)) for r in range(max(s.r0, h.first - 2), h.last + 1)
             for c, v in s.row_values(r) if isinstance(v, str)]
    if any(wan for wan, _ in marks):
        return 1.0
    if any(yuan for _, yuan in marks):
        return 1e-4
    return 1.0


def _rate_denominator(s: Sheet, h: Header, cols: dict[str, int]) -> str | None:
    """执行率（C/B）: the header's letters name the columns; return 'budget' or 'initial'."""
    rate = h.block.columns.get("rate")
    if rate is None:
        return None
    m = _RATIO.search(norm(rate.label))
    if not m:
        return None
    letters: dict[str, str] = {}
    for key in cols:
        lm = _LETTER.search(norm(h.block.columns[key].label))
        if lm:
            letters[lm.group(1).upper()] = key
    den = letters.get(m.group(2).upper())
    return den if den in ("budget", "initial") else None
