"""The parts of a form around its two tables: title, year, names, goals, stated total and grade."""

from __future__ import annotations

import re

from jixiao.processor.core.grid import addr
from jixiao.processor.core.model import Field, Record
from jixiao.processor.core.reader.sheet import Sheet
from jixiao.processor.core.values import is_blank, norm, parse_money, parse_number, parse_rate

_YEAR = re.compile(r"(\d{4})\s*年(?!\s*\d{1,2}\s*月)")  # “2022年2月3日” is a date (填报日期), not the 年度
_TITLE_ROWS = 15  # the title stands in the first rows


def find_title(s: Sheet) -> tuple[int, int] | None:
    for r in s.rows():
        for c, k in s.row_keys(r):
            if s.v.titles.word(k):
                return (r, c)
        if r - s.r0 > _TITLE_ROWS:
            break
    return None


def find_year(s: Sheet, before_row: int) -> int | None:
    for r in range(s.r0, before_row):
        for _c, v in s.row_values(r):
            if isinstance(v, str) and "年" in v:
                m = _YEAR.search(norm(v))
                if m and 1990 <= int(m.group(1)) <= 2100:
                    return int(m.group(1))
    return None


def value_right_of(s: Sheet, r: int, c: int, is_label) -> Field:
    """The first non-blank cell right of (r, c) that is not another label."""
    for cc in range(c + 1, s.max_col + 1):
        if (r, cc) in s.merge_tl and s.merge_tl[(r, cc)][1] <= c:
            continue  # part of the label's own merged cell
        v = s.get(r, cc)
        if is_blank(v):
            continue
        if is_label(s.key(r, cc)):
            break
        return s.text_field(r, cc)
    end = c
    while (r, end + 1) in s.merge_tl and s.merge_tl[(r, end + 1)] == (r, c):
        end += 1  # the empty value cell is the one after the label's own merged cells
    return Field(None, None, addr(r, end + 1))


def _inline(text: str) -> str | None:
    """“项目名称：XXX” in one cell → “XXX”."""
    parts = re.split(r"[:：]", text, maxsplit=1)
    return parts[1].strip() if len(parts) == 2 and parts[1].strip() else None


def read_top(s: Sheet, rec: Record, before_row: int) -> None:
    """项目名称 / 主管部门 / 实施单位 / 评价方式, the department-form marks, a stated total and grade."""
    v = s.v
    fields = v.top_fields
    department = False

    def is_label(k: str) -> bool:
        return bool(fields.match(k) or v.stated_totals.prefix(k) or v.grade_labels.prefix(k))

    for r in range(s.r0, before_row):
        for c, k in s.row_keys(r):
            m = fields.match(k)
            if m and getattr(rec, m[0]).empty:
                if v.department_labels.word(k):
                    department = True
                text = s.text(r, c)
                inline = _inline(text)
                setattr(rec, m[0], Field(inline, inline, addr(r, c)) if inline else value_right_of(s, r, c, is_label))
                continue
            if rec.stated_total.raw is None and (p := v.stated_totals.prefix(k)):
                rec.stated_total = _number_after(s, r, c, k, p, is_label)
            elif rec.grade.raw is None and (p := v.grade_labels.prefix(k)):
                f = _text_after(s, r, c, k, p, is_label)
                if f.raw is not None and norm(f.text) in v.grade_names:
                    rec.grade = f
    if rec.title.raw is not None and v.department_titles.word(norm(rec.title.text)):
        department = True
    for r in range(s.r0, min(before_row, s.r0 + _TITLE_ROWS) + 1):  # a title the titles miss (its row
        if any(v.department_titles.word(k) for _c, k in s.row_keys(r)):  # may head the band): “…部门整体
            department = True  # 支出绩效评价得分表”
            break
    if department and rec.project.empty:  # 单位名称 and no 项目名称: a 部门整体支出 table
        rec.read.form = "department"


def _number_after(s: Sheet, r: int, c: int, k: str, label: str, is_label) -> Field:
    rest = k[len(label):]
    if rest:
        n = parse_number(rest)
        return Field(s.get(r, c), n.value, addr(r, c)) if n.value is not None else Field()
    f = value_right_of(s, r, c, is_label)
    n = parse_number(f.raw)
    return Field(f.raw, n.value, f.cell) if n.value is not None else Field()


def _text_after(s: Sheet, r: int, c: int, k: str, label: str, is_label) -> Field:
    rest = k[len(label):]
    if rest:
        return Field(rest, rest, addr(r, c))
    return value_right_of(s, r, c, is_label)


def read_goals(s: Sheet, rec: Record, start: int, stop: int) -> None:
    v = s.v
    for r in range(start, stop):
        exp_c = act_c = None
        for c, k in s.row_keys(r):
            if exp_c is None and v.goal_expected.word(k):
                exp_c = c
            elif act_c is None and v.goal_actual.word(k):
                act_c = c
        if exp_c is None:
            continue
        if act_c is not None and not is_blank(s.get(r, exp_c + 1)) and exp_c + 1 < act_c:
            # “年初设定目标 | text | 年度总体目标完成情况 | text”: the texts stand beside their labels
            rec.goal_expected = s.text_field(r, exp_c + 1)
            rec.goal_actual = value_right_of(s, r, act_c, lambda k: False)
            return
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
        label = next((c for c, k in keys if v.goal_row.word(k)), None)
        if label is None:
            continue
        texts = [c for c, _ in keys if c > label and not is_blank(s.get(r, c))]
        if texts:
            rec.goal_expected = s.text_field(r, texts[0])
        if len(texts) > 1:
            rec.goal_actual = s.text_field(r, texts[1])
        return


def read_grade(s: Sheet, rec: Record) -> None:
    """A 自评等级 row after the total (or anywhere when there is no total row)."""
    if rec.grade.raw is not None:
        return
    start = rec.total.row if rec.total else s.r0
    v = s.v
    for r in range(start, s.max_row + 1):
        for c, k in s.row_keys(r):
            p = v.grade_labels.prefix(k)
            if not p:
                continue
            if k == p:
                rec.grade = value_right_of(s, r, c, lambda _k: False)
                return
            if norm(k[len(p):])[:1] in {n[:1] for n in v.grade_names}:  # “自评等级：优” in one cell
                rec.grade = Field(k[len(p):], k[len(p):], addr(r, c))
                return


def read_figures(s: Sheet, rec: Record, start: int, stop: int) -> None:
    """A 部门整体 table's own figures under labels of their own, between its funding and indicator
    tables: “年末结转结余（万元）| 24.68”, “结转结余率：3.42%”, “预决算差异率 | 2.36%”."""
    figures = s.v.department_figures
    for r in range(start, stop):
        for c, k in s.row_keys(r):
            m = figures.match(k)
            if m is None or m[0] in rec.figures:
                continue
            text = s.text(r, c)
            inline = _inline(text)
            f = Field(inline, inline, addr(r, c)) if inline else value_right_of(s, r, c, lambda kk: bool(figures.match(kk)))
            n = parse_money(f.raw)[0] if m[0] == "carryover" else parse_rate(f.raw)
            if f.raw is not None and not n.ok:
                rec.notes.append(("R005", f.cell, {"label": figures.name(m[0]), "found": str(f.raw)}))
            rec.figures[m[0]] = Field(f.raw, n.value, f.cell)
