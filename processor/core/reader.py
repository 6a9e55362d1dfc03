"""Grid → Record: find the 自评表's blocks by their labels, never by fixed cells.

The reader looks for three header rows — the funding header (年初预算数 / 全年预算数 /
全年执行数 / 执行率 …), the indicator header (一级指标 / 二级指标 / 三级指标 / 指标值 …)
and the 总分 row — and maps each header's columns by label, so inserted rows, moved
or extra columns and missing optional columns are all read the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jixiao.processor.core.grid import Grid, addr
from jixiao.processor.core.model import (
    EMPTY,
    Field,
    FundingRow,
    Indicator,
    Level1Group,
    Record,
    TotalRow,
)
from jixiao.processor.core.values import (
    Number,
    is_blank,
    label_key,
    norm,
    parse_money,
    parse_number,
    parse_rate,
)

# ------------------------------------------------------------------ header vocabularies


@lru_cache(maxsize=4096)
def _funding_key(key: str) -> str | None:
    if "执行率" in key:
        return "rate"
    if "年初" in key and "预算" in key:
        return "initial"
    if "预算" in key and "执行" not in key:
        return "budget"
    if "执行数" in key or "执行金额" in key or "实际支出" in key or key.endswith("执行"):
        return "executed"
    if "分值" in key or "权重" in key:
        return "weight"
    if "得分" in key and "方法" not in key and "计算" not in key:
        return "score"
    return None


@lru_cache(maxsize=4096)
def _indicator_key(key: str) -> str | None:
    if "一级指标" in key:
        return "level1"
    if "二级指标" in key:
        return "level2"
    if "三级指标" in key or key in ("指标名称", "指标内容", "具体指标"):
        return "level3"
    if "偏差" in key or "原因" in key:
        return "deviation"
    if key in ("计量单位", "度量单位", "单位", "指标单位"):
        return "unit"
    if key in ("指标方向", "指标性质", "运算符", "运算符号", "比较符号", "比较方式", "指标类型", "符号"):
        return "direction"
    if "实际" in key or "完成值" in key or key == "完成情况":
        return "actual"
    if "指标值" in key or "目标值" in key:
        return "target"
    if "分值" in key or "权重" in key or key == "满分":
        return "weight"
    if "得分" in key and not any(w in key for w in ("方法", "依据", "计算", "说明")):
        return "score"
    return None


_FUNDING_ROW_KINDS = (
    ("total", ("资金总额", "年度资金", "合计", "总计", "总额")),
    ("current", ("财政拨款", "财政资金", "当年拨款", "本年拨款", "预算拨款", "公共预算")),
    ("carryover", ("结转",)),
    ("other", ("其他资金", "其他")),
)
_TOP_FIELDS = {"project": ("项目名称",), "department": ("主管部门", "预算部门"),
               "unit": ("实施单位", "预算单位", "项目单位"), "method": ("评价方式", "评价类型")}
_TOTAL_KEYS = ("总分", "合计", "总计", "总得分")
_GRADE_KEYS = ("自评等级", "评价等级", "绩效等级", "等级")
_GRADE_NAMES = ("优", "良", "中", "差")
_PLACEHOLDER = re.compile(r"^(?:三级)?指标\d*[:：]?$|^[.…。·]+$|^(?:例|示例|如)[:：]?.*$|^略$|^\d+$")
_LEVEL1_WEIGHT = re.compile(r"^(.*?)[（(]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]\s*$")
_LETTER = re.compile(r"[（(]\s*([A-Za-z])\s*[)）]")
_RATIO = re.compile(r"([A-Za-z])\s*[/÷]\s*([A-Za-z])")
_YEAR = re.compile(r"(\d{4})\s*年")


class _Sheet:
    """Grid plus cached label keys and merged-cell lookups."""

    def __init__(self, grid: Grid):
        self.g = grid
        self.r0, self.c0 = grid.origin_row, grid.origin_col
        self.nrows = len(grid.rows)
        self.max_row, self.max_col = grid.max_row, grid.max_col
        self.keys = [[label_key(v) if isinstance(v, str) else "" for v in row] for row in grid.rows]
        self._row_keys = [[(self.c0 + i, k) for i, k in enumerate(row) if k] for row in self.keys]
        self.merge_tl: dict[tuple[int, int], tuple[int, int]] = {}
        for r1, c1, r2, c2 in grid.merged:
            if (r2 - r1 + 1) * (c2 - c1 + 1) > 2000:
                continue  # absurd merges (whole columns) carry no label information
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (r1, c1):
                        self.merge_tl[(r, c)] = (r1, c1)

    def rows(self) -> range:
        return range(self.r0, self.max_row + 1)

    def cols(self) -> range:
        return range(self.c0, self.max_col + 1)

    def get(self, r: int, c: int) -> Any:
        rr, cc = r - self.r0, c - self.c0
        if 0 <= rr < self.nrows:
            line = self.g.rows[rr]
            if 0 <= cc < len(line):
                return line[cc]
        return None

    def key(self, r: int, c: int) -> str:
        rr, cc = r - self.r0, c - self.c0
        if 0 <= rr < len(self.keys) and 0 <= cc < len(self.keys[rr]):
            return self.keys[rr][cc]
        return ""

    def row_keys(self, r: int) -> list[tuple[int, str]]:
        rr = r - self.r0
        if not 0 <= rr < len(self._row_keys):
            return []
        return self._row_keys[rr]

    def field(self, r: int, c: int, value: Any = None, *, follow_merge: bool = False) -> Field:
        raw = self.get(r, c)
        if follow_merge and is_blank(raw) and (r, c) in self.merge_tl:
            r, c = self.merge_tl[(r, c)]
            raw = self.get(r, c)
        if is_blank(raw):
            return Field(None, None, addr(r, c))
        return Field(raw, raw if value is None else value, addr(r, c))

    def text_field(self, r: int, c: int, *, follow_merge: bool = False) -> Field:
        f = self.field(r, c, follow_merge=follow_merge)
        if f.raw is None:
            return f
        return Field(f.raw, f.text, f.cell)


# ------------------------------------------------------------------ the reader


def read_forms(grid: Grid, file: str) -> list[Record]:
    """Every 自评表 on one worksheet: usually one; reports sometimes stack several."""
    s = _Sheet(grid)
    headers = _funding_header_rows(s)
    if len(headers) < 2:
        rec = _read(s, file)
        return [rec] if rec is not None else []
    return [rec for g in _split(s, headers) if (rec := read_grid(g, file)) is not None]


def _funding_header_rows(s: _Sheet) -> list[int]:
    headers: list[int] = []
    hdr = _find_funding_header(s)
    while hdr is not None:
        headers.append(hdr[0])
        hdr = _find_funding_header(s, hdr[0] + 1)
    return headers


def _split(s: _Sheet, headers: list[int]) -> list[Grid]:
    """Each funding header starts a form; the form begins at the nearest title (“…自评表”)
    or 项目名称 row above it. Cell addresses stay true (the sub-grids keep their origin)."""
    grid = s.g
    starts = [s.r0]
    for prev, h in zip(headers, headers[1:]):
        start = h
        for r in range(h - 1, prev, -1):
            keys = [k for _, k in s.row_keys(r)]
            if any(k.startswith("项目名称") for k in keys):
                start = r
            if any("自评表" in k for k in keys):
                start = r
                break
        starts.append(start)
    ends = starts[1:] + [s.max_row + 1]
    out = []
    for a, b in zip(starts, ends):
        rows = grid.rows[a - s.r0:b - s.r0]
        merged = [m for m in grid.merged if a <= m[0] and m[2] < b]
        out.append(Grid(grid.sheet, rows, a, grid.origin_col, merged))
    return out


def read_grid(grid: Grid, file: str) -> Record | None:
    """Read one 自评表; None when the grid has neither a funding nor an indicator header."""
    return _read(_Sheet(grid), file)


def _read(s: _Sheet, file: str) -> Record | None:
    grid = s.g
    funding_hdr = _find_funding_header(s)
    ind_hdr = _find_indicator_header(s)
    title_pos = _find_title(s)
    if funding_hdr is None and ind_hdr is None:
        return None
    rec = Record(file=file, sheet=grid.sheet)
    first_block_row = min(r for r in (funding_hdr and funding_hdr[0], ind_hdr and ind_hdr[0]) if r)
    if title_pos is not None:
        rec.title = s.text_field(*title_pos)
    rec.year = _find_year(s, first_block_row)
    if rec.year is None:
        rec.notes.append(("R012", rec.title.cell, {}))
    _read_top_fields(s, rec, first_block_row)
    if funding_hdr is None:
        rec.notes.append(("R002", None, {}))
    else:
        _read_funding(s, rec, *funding_hdr, stop=ind_hdr[0] if ind_hdr else s.max_row + 1)
    if ind_hdr is None:
        rec.notes.append(("R003", None, {}))
    else:
        _read_goals(s, rec, funding_hdr[0] if funding_hdr else first_block_row, ind_hdr[0])
        _read_indicators(s, rec, *ind_hdr)
    _read_grade(s, rec)
    if rec.project.empty:
        rec.notes.append(("R006", rec.project.cell, {}))
    for name, label in (("department", "主管部门"), ("unit", "实施单位")):
        if getattr(rec, name).empty:
            rec.notes.append(("R007", getattr(rec, name).cell, {"label": label}))
    return rec


def _find_title(s: _Sheet) -> tuple[int, int] | None:
    for r in s.rows():
        for c, k in s.row_keys(r):
            if "自评表" in k or "绩效自评" in k:
                return (r, c)
        if r - s.r0 > 15:
            break
    return None


def _find_year(s: _Sheet, before_row: int) -> int | None:
    for r in range(s.r0, before_row):
        for c in s.cols():
            v = s.get(r, c)
            if isinstance(v, str) and "年" in v:
                m = _YEAR.search(norm(v))
                if m and 1990 <= int(m.group(1)) <= 2100:
                    return int(m.group(1))
    return None


def _find_funding_header(s: _Sheet, start: int | None = None) -> tuple[int, dict[str, int]] | None:
    for r in range(start or s.r0, s.max_row + 1):
        cols = _funding_columns(s.row_keys(r))
        if "executed" in cols and ("rate" in cols or "budget" in cols or "initial" in cols):
            return (r, cols)
    return None


def _funding_columns(keys: list[tuple[int, str]]) -> dict[str, int]:
    """Column of each funding key. Where several headers match one key (四川: “年度预算数
    （万元）” over the labels, then 年初预算 / 调整后预算数), the most specific wins."""
    best: dict[str, tuple[int, int]] = {}
    for c, k in keys:
        key = _funding_key(k)
        if not key:
            continue
        rank = (2 if any(w in k for w in ("调整", "全年")) else 0) - (2 if ("万元" in k or "资金" in k) else 0)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, c)
    return {key: c for key, (_, c) in best.items()}


def _find_indicator_header(s: _Sheet) -> tuple[int, dict[str, int]] | None:
    for r in s.rows():
        cols: dict[str, int] = {}
        for c, k in s.row_keys(r):
            key = _indicator_key(k)
            if key and key not in cols:
                cols[key] = c
        if "level3" in cols and ("level1" in cols or "level2" in cols) and (
            "weight" in cols or "score" in cols or "target" in cols
        ):
            return (r, cols)
    return None


def _value_right_of(s: _Sheet, r: int, c: int, stop_keys: tuple[str, ...]) -> Field:
    """The first non-blank cell right of (r, c) that is not another label."""
    for cc in range(c + 1, s.max_col + 1):
        if (r, cc) in s.merge_tl and s.merge_tl[(r, cc)][1] <= c:
            continue  # part of the label's own merged cell
        v = s.get(r, cc)
        if is_blank(v):
            continue
        k = s.key(r, cc)
        if any(k.startswith(sk) for sk in stop_keys):
            break
        return s.text_field(r, cc)
    end = c
    while (r, end + 1) in s.merge_tl and s.merge_tl[(r, end + 1)] == (r, c):
        end += 1  # the empty value cell is the one after the label's own merged cells
    return Field(None, None, addr(r, end + 1))


def _read_top_fields(s: _Sheet, rec: Record, before_row: int) -> None:
    all_labels = tuple(lab for labs in _TOP_FIELDS.values() for lab in labs)
    for r in range(s.r0, before_row):
        for c, k in s.row_keys(r):
            for name, labels in _TOP_FIELDS.items():
                label = next((lab for lab in labels if k.startswith(lab)), None)
                if label is None or not getattr(rec, name).empty:
                    continue
                text = str(s.get(r, c)).strip()
                inline = re.split(r"[:：]", text, maxsplit=1)
                if len(inline) == 2 and inline[1].strip():  # “项目名称：XXX” in one cell
                    setattr(rec, name, Field(inline[1].strip(), inline[1].strip(), addr(r, c)))
                else:
                    setattr(rec, name, _value_right_of(s, r, c, all_labels))


def _classify_funding_label(k: str) -> str | None:
    k = k.replace("其中", "", 1) if k.startswith("其中") else k
    for kind, words in _FUNDING_ROW_KINDS:
        if any(w in k for w in words):
            return kind
    if k.endswith(("资金", "拨款", "收入")):
        return "other"  # 财政专户管理资金, 单位资金, 事业收入 …: more 其中 rows
    return None


def _read_funding(s: _Sheet, rec: Record, hr: int, cols: dict[str, int], stop: int) -> None:
    rec.funding_columns = {k: addr(hr, c) for k, c in cols.items()}
    rec.rate_denominator = _rate_denominator(s, hr, cols)
    first_value_col = min(c for k, c in cols.items())
    scale = _money_scale(s, hr)
    if scale != 1.0:
        rec.money_unit = "元"
        rec.notes.append(("R013", addr(hr, min(cols.values())), {}))
    seen: set[str] = set()
    for r in range(hr + 1, stop):
        keys = s.row_keys(r)
        if any(("总体目标" in k or "预期目标" in k or k.startswith("绩效指标")) for _, k in keys):
            break
        label_col, kind = None, None
        for c, k in keys:
            if c >= first_value_col:
                break
            kind = _classify_funding_label(k)
            if kind:
                label_col = c
                break
        if kind is None or (kind == "total" and kind in seen):
            continue
        seen.add(kind)
        row = FundingRow(kind=kind, label=s.text_field(r, label_col), row=r)
        for key, c in cols.items():
            row.cells[key] = addr(r, c)
            raw = s.get(r, c)
            if key == "rate":
                n = parse_rate(raw)
            elif key in ("weight", "score"):
                n = parse_number(raw)
            else:
                n, from_yuan = parse_money(raw)
                if scale != 1.0 and n.value is not None and not from_yuan and parse_number(raw).unit is None:
                    n = Number(n.value * scale, "万元")
                if from_yuan:
                    rec.notes.append(("R009", addr(r, c), {"label": _col_label(s, hr, c), "found": str(raw),
                                                           "value": f"{n.value:g}"}))
            if not n.ok:
                rec.notes.append(("R005", addr(r, c), {"label": f"{row.label.text}的{_col_label(s, hr, c)}",
                                                       "found": str(raw)}))
            f = Field(None if is_blank(raw) else raw, n.value, addr(r, c))
            setattr(row, key, f)
        rec.funding.append(row)


def _money_scale(s: _Sheet, hr: int) -> float:
    """1.0 for a table in 万元 (the norm); 1e-4 when its header says the money is in 元."""
    texts = [norm(str(s.get(r, c))) for r in range(max(s.r0, hr - 2), hr + 1) for c in s.cols()
             if isinstance(s.get(r, c), str)]
    if any("万元" in t for t in texts):
        return 1.0
    if any(re.search(r"[(（]元[)）]|单位[:：]?元", t) for t in texts):
        return 1e-4
    return 1.0


def _col_label(s: _Sheet, hr: int, c: int) -> str:
    v = s.get(hr, c)
    return norm(v) if isinstance(v, str) else ""


def _rate_denominator(s: _Sheet, hr: int, cols: dict[str, int]) -> str | None:
    """执行率（C/B）: the header's letters name the columns; return 'budget' or 'initial'."""
    rate_col = cols.get("rate")
    if rate_col is None:
        return None
    m = _RATIO.search(norm(str(s.get(hr, rate_col) or "")))
    if not m:
        return None
    letters: dict[str, str] = {}
    for key, c in cols.items():
        lm = _LETTER.search(norm(str(s.get(hr, c) or "")))
        if lm:
            letters[lm.group(1).upper()] = key
    den = letters.get(m.group(2).upper())
    return den if den in ("budget", "initial") else None


def _read_goals(s: _Sheet, rec: Record, start: int, stop: int) -> None:
    for r in range(start, stop):
        exp_c = act_c = None
        for c, k in s.row_keys(r):
            if "预期目标" in k or k == "年度目标":
                exp_c = c
            elif "实际完成情况" in k or k == "完成情况" or k == "实际完成":
                act_c = c
        if exp_c is None:
            continue
        for rr in range(r + 1, stop):
            if not rec.goal_expected.raw and not is_blank(s.get(rr, exp_c)):
                rec.goal_expected = s.text_field(rr, exp_c)
            if act_c is not None and not rec.goal_actual.raw and not is_blank(s.get(rr, act_c)):
                rec.goal_actual = s.text_field(rr, act_c)
            if rec.goal_expected.raw and (act_c is None or rec.goal_actual.raw):
                break
        return
    # no 预期目标 / 实际完成情况 headers: the texts stand right of the 年度总体目标 label
    for r in range(start, stop):
        keys = s.row_keys(r)
        label = next((c for c, k in keys if "总体目标" in k), None)
        if label is None:
            continue
        texts = [c for c, _ in keys if c > label and not is_blank(s.get(r, c))]
        if texts:
            rec.goal_expected = s.text_field(r, texts[0])
        if len(texts) > 1:
            rec.goal_actual = s.text_field(r, texts[1])
        return


def _is_total_row(s: _Sheet, r: int) -> bool:
    keys = s.row_keys(r)
    if not keys:
        return False
    first = keys[0][1]
    return any(first.startswith(k) for k in _TOTAL_KEYS) or any(k == "总分" for _, k in keys[:3])


def _read_indicators(s: _Sheet, rec: Record, hr: int, cols: dict[str, int]) -> None:
    rec.indicator_columns = {k: addr(hr, c) for k, c in cols.items()}
    value_keys = [k for k in ("target", "actual", "weight", "score", "deviation") if k in cols]
    carry: dict[str, Field] = {"level1": EMPTY, "level2": EMPTY}
    groups: dict[str, Level1Group] = {}
    for r in range(hr + 1, s.max_row + 1):
        if _is_total_row(s, r):
            rec.total = _read_total(s, r, cols, rec.notes)
            break
        if any(_indicator_key(k) == "level3" for _, k in s.row_keys(r)):
            continue  # a repeated header (printed forms repeat it on page 2)
        fields: dict[str, Field] = {}
        for key in ("level1", "level2"):
            if key not in cols:
                fields[key] = EMPTY
                continue
            f = s.text_field(r, cols[key], follow_merge=True)
            if f.raw is None:
                f = carry[key] if carry[key].raw is not None else f
            elif key == "level1" and norm(f.text) != norm(carry["level1"].text):
                carry["level2"] = EMPTY  # a new first level starts its own second levels
            carry[key] = f
            fields[key] = f
        l3 = s.text_field(r, cols["level3"]) if "level3" in cols else EMPTY
        values = {k: s.field(r, cols[k]) for k in value_keys}
        has_values = any(not f.empty for f in values.values())
        l1 = fields["level1"]
        if l1.raw is not None:
            name, weight = _split_level1(l1.text)
            if name not in groups:
                groups[name] = Level1Group(name=name, cell=l1.cell, stated_weight=weight)
        if l3.raw is None and not has_values:
            continue  # empty or spacer row (also the pre-laid rows of our template)
        if l3.raw is not None and not has_values and _PLACEHOLDER.match(norm(l3.text)):
            rec.ignored_rows.append(r)
            continue
        if l3.raw is None and _PLACEHOLDER.match(norm(fields["level2"].text or "x")) and not any(
            values[k].raw is not None for k in ("weight", "score") if k in values
        ):
            rec.ignored_rows.append(r)
            continue
        ind = Indicator(row=r, level1=_level1_field(l1), level2=fields["level2"], level3=l3)
        for key in value_keys:
            f = values[key]
            if key in ("weight", "score"):
                n = parse_number(f.raw)
                if not n.ok:
                    rec.notes.append(("R005", f.cell, {"label": f"“{ind.name}”的{'分值' if key == 'weight' else '得分'}",
                                                       "found": f.text}))
                f = Field(f.raw, n.value, f.cell)
            else:
                f = Field(f.raw, f.text if f.raw is not None else None, f.cell)
            setattr(ind, key, f)
        if "unit" in cols or "direction" in cols:
            _combine_target(s, r, cols, ind)
        ind.cells = {k: addr(r, c) for k, c in cols.items()}
        rec.indicators.append(ind)
    rec.level1_groups = list(groups.values())
    if rec.ignored_rows:
        rec.notes.append(("R008", None, {"rows": "、".join(map(str, rec.ignored_rows))}))
    if rec.total is None:
        rec.notes.append(("R004", None, {}))


_DIRECTION = {"≥": ("正向", "越大越好", "≥", ">=", "大于等于", "不低于", "高于", "大于"),
              "≤": ("反向", "越小越好", "≤", "<=", "小于等于", "不高于", "低于", "小于"),
              "＝": ("=", "＝", "等于")}


def _combine_target(s: _Sheet, r: int, cols: dict[str, int], ind: Indicator) -> None:
    """Forms with separate 指标方向 / 计量单位 columns: “≥” + “50” + “个” → “≥50个”."""
    unit = s.get(r, cols["unit"]) if "unit" in cols else None
    unit = "" if is_blank(unit) else norm(str(unit))
    direction = s.get(r, cols["direction"]) if "direction" in cols else None
    d = "" if is_blank(direction) else norm(str(direction))
    symbol = next((sym for sym, words in _DIRECTION.items() if any(w in d for w in words)), "")
    if "定性" in d:
        return  # judged by the filler whatever number the cell holds
    for key, prefix in (("target", symbol), ("actual", "")):
        f = getattr(ind, key)
        if f.raw is None or not parse_number(f.raw).ok or parse_number(f.raw).unit:
            continue  # text already carries its operator or unit
        number = f.text
        if unit in ("%", "百分比") and isinstance(f.raw, float) and abs(f.raw) <= 1.5:
            number = f"{f.raw * 100:g}"  # a percent-formatted cell holds 0.95 for 95%
        text = f"{prefix}{number}{unit}"
        setattr(ind, key, Field(text, text, f.cell))


def _split_level1(text: str) -> tuple[str, float | None]:
    """“产出指标(50分)” → ("产出指标", 50)."""
    t = norm(text)
    m = _LEVEL1_WEIGHT.match(t)
    if m:
        return m.group(1), float(m.group(2))
    return t, None


def _level1_field(f: Field) -> Field:
    if f.raw is None:
        return f
    name, _ = _split_level1(f.text)
    return Field(name, name, f.cell)  # “产出指标(50分)” is read as 产出指标; the weight goes to its group


def _read_total(s: _Sheet, r: int, cols: dict[str, int], notes: list) -> TotalRow:
    keys = s.row_keys(r)
    label_c = keys[0][0]
    total = TotalRow(row=r, label=s.text_field(r, label_c))
    for key in ("weight", "score"):
        if key in cols:
            f = s.field(r, cols[key])
            if f.raw is None and (r, cols[key]) in s.merge_tl:
                f = s.field(r, cols[key], follow_merge=True)
                if f.cell == total.label.cell:
                    f = Field(None, None, addr(r, cols[key]))
            n = parse_number(f.raw)
            if not n.ok:
                notes.append(("R005", f.cell, {"label": f"总分行的{'分值' if key == 'weight' else '得分'}",
                                               "found": f.text}))
            setattr(total, key, Field(f.raw, n.value, f.cell))
            total.cells[key] = addr(r, cols[key])
    return total


def _read_grade(s: _Sheet, rec: Record) -> None:
    start = rec.total.row if rec.total else s.r0
    for r in range(start, s.max_row + 1):
        for c, k in s.row_keys(r):
            if k in _GRADE_KEYS:
                rec.grade = _value_right_of(s, r, c, ())
                return
            label = next((g for g in _GRADE_KEYS if k.startswith(g) and len(k) > len(g)), None)
            if label and k[len(label):][:1] in _GRADE_NAMES:  # “自评等级：优” in one cell
                rec.grade = Field(k[len(label):], k[len(label):], addr(r, c))
                return
