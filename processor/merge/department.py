"""Department-level figures: 预算执行率, 结转结余率, 预决算差异率 from the department's totals.

The totals come from a small file (CSV, .xlsx/.xls or JSON; format in
``docs/汇总说明.md``): one label and one value per row, e.g. ``预算数,794.51``. Labels
are matched loosely (spaces, full-width characters and a unit in brackets such as
“（万元）” do not matter). :func:`evaluate` recomputes every rate from the totals and
returns the rows of the summary's 部门指标 sheet plus D40x findings wherever a stated
figure does not follow — the seed's 结转结余 24.68 万元 against 794.51 − 775.77 = 18.74
is the model case.

Formulas *(configurable in the profile's optional ``department`` object)*:

- 预算执行率 = 执行数 ÷ 预算数;
- 结转结余 = 预算数 − 执行数; 结转结余率 = 结转结余 ÷ 预算数 (``carryover_base``:
  ``"budget"``, or ``"executed"`` for ÷ 执行数);
- 预决算差异率 = (预算数 − 决算数) ÷ 预算数 (``variance_base``: ``"budget"`` or
  ``"executed"``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import Finding, make
from jixiao.processor.core.grid import col_letter
from jixiao.processor.core.rules_compose import json_kind
from jixiao.processor.core.values import fmt_num, fmt_pct, norm, parse_number
from jixiao.processor.files.calamine_read import WORKBOOK_SUFFIXES
from jixiao.processor.files.fileio import decode_text, os_reason

SHEET = "部门数据"

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


@dataclass
class Stated:
    """One value as the department file states it, with where it came from."""

    label: str
    raw: Any
    value: Any
    cell: str | None = None


@dataclass
class DepartmentTotals:
    file: str
    sheet: str | None = SHEET
    values: dict[str, Stated] = field(default_factory=dict)
    dept_evaluated: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # labels not recognised
    findings: list[Finding] = field(default_factory=list)  # D406 while reading

    def get(self, key: str) -> Any:
        s = self.values.get(key)
        return None if s is None else s.value

    @property
    def name(self) -> str | None:
        v = self.get("name")
        return str(v).strip() or None if v is not None else None

    @property
    def year(self) -> int | None:
        v = self.get("year")
        return int(v) if isinstance(v, float) and 1990 <= v <= 2100 else None

    @property
    def total_projects(self) -> int | None:
        v = self.get("total_projects")
        return int(v) if isinstance(v, float) and v >= 0 else None


@dataclass
class FigureRow:
    """One line of the 部门指标 sheet."""

    name: str
    stated: float | None
    computed: float | None
    formula: str
    kind: str  # "money" | "rate" | "count"
    verdict: str  # 一致 | 不一致 | 未填报 | 无法计算
    cell: str | None = None


@dataclass
class DepartmentReport:
    totals: DepartmentTotals
    rows: list[FigureRow]
    findings: list[Finding]

    def as_json(self) -> dict:
        return {
            "file": self.totals.file,
            "name": self.totals.name,
            "figures": [
                {"name": r.name, "stated": r.stated, "computed": r.computed, "formula": r.formula,
                 "verdict": r.verdict}
                for r in self.rows
            ],
            "findings": [f.as_json() for f in self.findings],
        }


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


# ------------------------------------------------------------------------- figures


def evaluate(totals: DepartmentTotals, profile, *, projects_executed: float | None = None) -> DepartmentReport:
    """Recompute the department figures; D401–D405 where a stated figure does not follow."""
    cfg = (profile.data.get("department") if profile is not None else None) or {}
    tol = profile.tol if profile is not None else {"money": 0.005, "rate": 0.0005}
    money_tol, rate_tol = float(tol["money"]), float(tol["rate"])
    file, sheet = totals.file, totals.sheet
    findings: list[Finding] = list(totals.findings)
    rows: list[FigureRow] = []

    def stated(key: str) -> tuple[float | None, str | None]:
        s = totals.values.get(key)
        return (None, None) if s is None else (s.value, s.cell)

    budget, budget_cell = stated("budget")
    executed, executed_cell = stated("executed")
    for key, value, cell in (("budget", budget, budget_cell), ("executed", executed, executed_cell)):
        rows.append(FigureRow(FIELDS[key][0], value, None, "填报数", "money",
                              "已填报" if value is not None else "未填报", cell))

    # 预算执行率
    exec_rate = executed / budget if budget and executed is not None else None
    found, cell = stated("execution_rate")
    rows.append(_row("预算执行率", found, exec_rate, "执行数 ÷ 预算数", "rate", rate_tol, cell))
    if _differs(found, exec_rate, rate_tol):
        findings.append(make("D403", sheet=sheet, cell=cell, file=file, expected=fmt_pct(exec_rate),
                             found=fmt_pct(found)))

    # 结转结余 and its rate
    carry = budget - executed if budget is not None and executed is not None else None
    found, cell = stated("carryover")
    rows.append(_row("结转结余", found, carry, "预算数 − 执行数", "money", money_tol, cell))
    if _differs(found, carry, money_tol):
        findings.append(make("D401", sheet=sheet, cell=cell, file=file, found=fmt_num(found),
                             budget=fmt_num(budget), executed=fmt_num(executed), expected=fmt_num(carry)))
    base_key = cfg.get("carryover_base", "budget")
    base = executed if base_key == "executed" else budget
    base_name = "执行数" if base_key == "executed" else "预算数"
    numerator = carry if carry is not None else stated("carryover")[0]
    carry_rate = numerator / base if base and numerator is not None else None
    formula = f"结转结余 {fmt_num(numerator)} ÷ {base_name} {fmt_num(base)}" if carry_rate is not None \
        else f"结转结余 ÷ {base_name}"
    found, cell = stated("carryover_rate")
    rows.append(_row("结转结余率", found, carry_rate, f"结转结余 ÷ {base_name}", "rate", rate_tol, cell))
    if _differs(found, carry_rate, rate_tol):
        findings.append(make("D402", sheet=sheet, cell=cell, file=file, expected=fmt_pct(carry_rate),
                             formula=formula, found=fmt_pct(found)))

    # 预决算差异率
    vbase_key = cfg.get("variance_base", "budget")
    vbase = executed if vbase_key == "executed" else budget
    vname = "决算数" if vbase_key == "executed" else "预算数"
    variance = (budget - executed) / vbase if vbase and budget is not None and executed is not None else None
    found, cell = stated("variance_rate")
    vformula = f"（预算数 − 决算数）÷ {vname}"
    rows.append(_row("预决算差异率", found, variance, vformula, "rate", rate_tol, cell))
    if _differs(found, variance, rate_tol):
        findings.append(make("D404", sheet=sheet, cell=cell, file=file, expected=fmt_pct(variance),
                             formula=f"（{fmt_num(budget)} − {fmt_num(executed)}）÷ {fmt_num(vbase)}",
                             found=fmt_pct(found)))

    # 项目支出 vs the merged projects
    found, cell = stated("project_executed")
    if found is not None or projects_executed is not None:
        rows.append(_row("项目支出", found, projects_executed, "各项目全年执行数合计", "money",
                         max(money_tol, 0.01), cell))
        if _differs(found, projects_executed, max(money_tol, 0.01)):
            findings.append(make("D405", sheet=sheet, cell=cell, file=file, found=fmt_num(found),
                                 expected=fmt_num(projects_executed)))
    return DepartmentReport(totals, rows, findings)


def _differs(found: float | None, expected: float | None, tol: float) -> bool:
    return found is not None and expected is not None and abs(found - expected) > tol + 1e-12


def _row(name: str, found: float | None, computed: float | None, formula: str, kind: str,
         tol: float, cell: str | None) -> FigureRow:
    if computed is None:
        verdict = "无法计算" if found is not None else "未填报"
    elif found is None:
        verdict = "未填报"
    else:
        verdict = "不一致" if _differs(found, computed, tol) else "一致"
    return FigureRow(name, found, computed, formula, kind, verdict, cell)


def sentences(report: DepartmentReport) -> list[str]:
    """The report's 预算执行率, 4. 结转结余率 and 5. 预决算差异率 sentences with the computed
    figures, ready to paste (no spaces around numbers; amounts written as the paragraph writes them)."""
    from jixiao.processor.merge.report_text import money_text

    t = report.totals
    budget, executed = t.get("budget"), t.get("executed")
    by_name = {r.name: r for r in report.rows}
    out = []
    if budget is not None and executed is not None:
        rate = by_name["预算执行率"].computed
        out.append(f"全年预算数{money_text(budget)}万元，资金总体支出{money_text(executed)}万元，"
                   f"预算执行率为{fmt_pct(rate)}。")
        carry, crate = by_name["结转结余"].computed, by_name["结转结余率"].computed
        carry_text = "空" if carry is None else money_text(carry)
        out.append(f"年末，结转结余{carry_text}万元，结转结余率为{fmt_pct(crate)}。")
        out.append(f"{'' if t.year is None else f'{t.year}年'}全年预算数{money_text(budget)}万元，"
                   f"资金总体支出{money_text(executed)}万元，预决算差异率为"
                   f"{fmt_pct(by_name['预决算差异率'].computed)}。")
    return out
