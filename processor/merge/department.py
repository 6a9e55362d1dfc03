"""The side file of department totals (``merge --department``): an alternative to the
部门整体支出绩效自评表 when a department has none.

The totals come from a small file (CSV, .xlsx/.xls or JSON; format in
``docs/汇总说明.md``): one label and one value per row, e.g. ``预算数,794.51``. Labels
are matched loosely (spaces, full-width characters and a unit in brackets such as
“（万元）” do not matter). The figures are recomputed by the same
:func:`jixiao.processor.core.department.evaluate` that checks a department form.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from jixiao.processor.core.department import (  # noqa: F401 — the figures, re-exported for merge
    SHEET,
    DepartmentReport,
    DepartmentTotals,
    FigureRow,
    Stated,
    evaluate,
)
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import make
from jixiao.processor.core.grid import col_letter
from jixiao.processor.core.rules_compose import json_kind
from jixiao.processor.core.values import fmt_pct, norm, parse_number
from jixiao.processor.files.calamine_read import WORKBOOK_SUFFIXES
from jixiao.processor.files.fileio import decode_text, os_reason

# canonical key → (Chinese name, aliases after normalisation)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("部门名称", ("部门名称", "部门简称", "部门", "单位名称", "预算部门")),
    "year": ("年度", ("年度", "预算年度", "评价年度")),
    "total_projects": ("部门项目总数", ("部门项目总数", "项目总数", "部门项目数")),
    "budget": ("预算数", ("预算数", "全年预算数", "支出预算数", "部门预算数", "预算总数", "全年预算")),
    "executed": ("执行数", ("执行数", "决算数", "全年执行数", "支出数", "资金总体支出", "总体支出",
                         "支出总额", "实际支出", "决算支出")),
    "project_budget": ("项目支出预算数", ("项目支出预算数", "项目支出预算")),
    "project_executed": ("项目支出", ("项目支出", "项目支出数", "项目支出执行数", "项目支出决算数")),
    "carryover": ("结转结余", ("结转结余", "结转结余总额", "结转结余数", "结转结余资金", "年末结转结余")),
    "carryover_rate": ("结转结余率", ("结转结余率", "结转率")),
    "execution_rate": ("预算执行率", ("预算执行率", "执行率", "部门预算执行率")),
    "variance_rate": ("预决算差异率", ("预决算差异率", "部门预决算差异率")),
    "dept_evaluated": ("部门评价项目", ("部门评价项目", "部门评价", "部门评价项目名单")),
}
_ALIAS = {alias: key for key, (_name, aliases) in FIELDS.items() for alias in aliases}
_TEXT_KEYS = {"name", "dept_evaluated"}
_RATE_KEYS = {"carryover_rate", "execution_rate", "variance_rate"}
_UNIT_IN_BRACKETS = re.compile(r"[（(][^（）()]*[)）]")
_LIST_SPLIT = re.compile(r"[;；、\n|]+")


# ------------------------------------------------------------------------- reading


def label_to_key(label: Any) -> str | None:
    if not isinstance(label, str):
        return None
    text = norm(_UNIT_IN_BRACKETS.sub("", norm(label))).rstrip(":：")
    return _ALIAS.get(text)


def _pairs_from_rows(rows: list[list[Any]], cell_of) -> list[tuple[Any, Any, str | None]]:
    out = []
    for r, row in enumerate(rows):
        cells = [(c, v) for c, v in enumerate(row) if v not in (None, "")]
        if len(cells) < 1:
            continue
        (c0, label), rest = cells[0], cells[1:]
        if rest:
            c1, value = rest[0]
            out.append((label, value, cell_of(r, c1)))
        else:
            out.append((label, None, cell_of(r, c0)))
    return out


def _read_csv(path: Path) -> list[tuple[Any, Any, str | None]]:
    text = decode_text(path.read_bytes())
    if text is None:
        raise InputError.of("D411", file=str(path))
    sample = text[:2048]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:  # a NUL byte, a cell over 128 KB
        raise InputError.of("D412", file=str(path), reason=f"不是有效的 CSV：{exc}") from None
    return _pairs_from_rows(rows, lambda r, c: f"{col_letter(1 + c)}{r + 1}")


def _read_workbook(path: Path) -> tuple[list[tuple[Any, Any, str | None]], str]:
    from jixiao.processor.files.calamine_read import guard_file
    from python_calamine import CalamineWorkbook

    guard_file(path)  # the shipped limits (rules/limits.json)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        name = wb.sheet_names[0]
        sheet = wb.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=True)
        r0, c0 = sheet.start or (0, 0)
    except Exception:  # calamine's own error types (their English text is not for users)
        raise InputError.of("D413", file=str(path)) from None
    return _pairs_from_rows(rows, lambda r, c: f"{col_letter(1 + c + c0)}{r + r0 + 1}"), name


def _read_json(path: Path) -> list[tuple[Any, Any, str | None]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError.of("D411", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError.of("D414", file=str(path), line=exc.lineno, column=exc.colno) from None
    if not isinstance(data, dict):
        raise InputError.of("D415", file=str(path), found=json_kind(data))
    return [(k, v, None) for k, v in data.items()]


def load_department(path: str | Path) -> DepartmentTotals:
    """Read a department totals file (.csv/.txt, .xlsx/.xlsm/.xls, .json); raises InputError."""
    p = Path(path)
    if not p.is_file():
        raise InputError.of("D410", file=str(p))
    suffix = p.suffix.lower()
    sheet: str | None = SHEET
    try:
        if suffix in WORKBOOK_SUFFIXES:
            pairs, sheet = _read_workbook(p)
        elif suffix == ".json":
            pairs, sheet = _read_json(p), None
        else:
            pairs = _read_csv(p)
            sheet = None
    except OSError as exc:  # vanished, locked or not readable between the check and the read
        raise InputError.of("D412", file=str(p), reason=os_reason(exc)) from None
    return parse_pairs(pairs, file=str(p), sheet=sheet)


def parse_pairs(pairs: list[tuple[Any, Any, str | None]], *, file: str, sheet: str | None = None) -> DepartmentTotals:
    """(label, value, cell) triples → totals; unreadable numbers become D406 findings."""
    out = DepartmentTotals(file=file, sheet=sheet)
    for label, value, cell in pairs:
        key = label_to_key(label)
        if key is None:
            if isinstance(label, str) and label.strip() and label_to_key(value) is None:
                out.unknown.append(label.strip())
            continue
        if key == "dept_evaluated":
            items = value if isinstance(value, list) else _LIST_SPLIT.split(str(value or ""))
            out.dept_evaluated.extend(str(i).strip() for i in items if str(i).strip())
            continue
        if key in _TEXT_KEYS:
            out.values[key] = Stated(str(label), value, "" if value is None else str(value).strip(), cell)
            continue
        if key == "year" and isinstance(value, str):  # “2024年”, “2024 年度”
            m = re.search(r"(\d{4})", norm(value))
            value = float(m.group(1)) if m else value
        parsed = _parse_value(value, rate=key in _RATE_KEYS)
        if parsed is _BAD:
            out.findings.append(make("D406", sheet=sheet, cell=cell, file=file, label=str(label).strip(),
                                     found=str(value)))
            continue
        if parsed is not None:
            out.values[key] = Stated(str(label).strip(), value, parsed, cell)
    # a header row such as "项目,数值" is not a value: drop it silently via label_to_key(None)
    return out


_BAD = object()


def _parse_value(raw: Any, *, rate: bool) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    n = parse_number(raw)
    if n.value is None:
        return _BAD
    if rate:
        if n.unit in ("%", "百分比"):
            return n.value / 100
        if n.unit is not None:
            return _BAD
        # a department's rates are typed as percents (97.64, 3.42): a bare number above 1 is
        # a percent here, unlike a form's 执行率 cell, where 1.5 would be 150% (values.parse_rate)
        return n.value / 100 if abs(n.value) > 1 else n.value
    if n.unit in (None, "万元"):
        return n.value
    if n.unit == "元":
        return n.value / 10000
    if n.unit == "个":
        return n.value
    return _BAD


# ------------------------------------------------------------------------- report text


def sentences(report: DepartmentReport) -> list[str]:
    """The report's （二）当年预算执行情况, 4. 结转结余率 and 5. 预决算差异率 sentences with the
    computed figures, in the seed's wording and ready to paste (no spaces around numbers; amounts
    as the paragraph writes them). A 部门整体 form gives the split by use: the first sentence then
    names 基本支出 / 项目支出 / 其他支出 as the seed's report does."""
    from jixiao.processor.merge.report_text import money_text

    t = report.totals
    budget, executed = t.get("budget"), t.get("executed")
    by_name = {r.name: r for r in report.rows}
    out = []
    if budget is None or executed is None:
        return out
    rate = by_name["预算执行率"].computed
    year = "" if t.year is None else f"{t.year}年"
    plan = [("基本支出", t.get("basic_budget")), ("项目支出", t.get("project_budget")),
            ("其他支出", t.get("other_budget"))]
    spent = [("基本支出", t.get("basic_executed")), ("项目支出", t.get("project_executed")),
             ("其他支出", t.get("other_executed"))]
    if all(v is not None for _n, v in plan[:2] + spent[:2]):  # the seed's （二）, word for word
        parts = "，".join(f"{n}预算数{money_text(v or 0)}万元" for n, v in plan)
        done = "，".join(f"{n}{money_text(v or 0)}万元" for n, v in spent)
        out.append(f"{year}全年预算数{money_text(budget)}万元，其中，{parts}。资金总体支出"
                   f"{money_text(executed)}万元，其中，{done}。预算执行率为{fmt_pct(rate)}。")
    else:
        out.append(f"全年预算数{money_text(budget)}万元，资金总体支出{money_text(executed)}万元，"
                   f"预算执行率为{fmt_pct(rate)}。")
    carry, crate = by_name["结转结余"].computed, by_name["结转结余率"].computed
    carry_text = "空" if carry is None else money_text(carry)
    out.append(f"年末，结转结余{carry_text}万元，结转结余率为{fmt_pct(crate)}。")
    out.append(f"{year}全年预算数{money_text(budget)}万元，资金总体支出{money_text(executed)}万元，"
               f"预决算差异率为{fmt_pct(by_name['预决算差异率'].computed)}。")
    return out
