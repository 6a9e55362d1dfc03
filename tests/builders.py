"""Build 自评表 grids and workbooks in code, in the paper layout or in its variants.

Tests describe a table as data; ``make_grid`` lays it out the way real submissions do,
with switches for the variants the reader must accept (domain.md §1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.processor.core.grid import Grid, addr


@dataclass
class Ind:
    l1: str
    l2: str
    l3: str
    target: Any
    actual: Any
    weight: Any
    score: Any
    deviation: Any = None


def default_indicators() -> list[Ind]:
    """A correct table: 产出 50, 效益 30, 满意度 10, every target met."""
    return [
        Ind("产出指标", "数量指标", "培训人次", "≥500人次", "520人次", 20, 20),
        Ind("产出指标", "质量指标", "培训合格率", "≥95%", "97%", 15, 15),
        Ind("产出指标", "时效指标", "问题响应时间", "≤8小时", "6小时", 10, 10),
        Ind("产出指标", "成本指标", "项目总成本", "≤50万元", "47.5万元", 5, 5),
        Ind("效益指标", "社会效益指标", "政策知晓率", "≥90%", "93%", 30, 30),
        Ind("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "96%", 10, 10),
    ]


@dataclass
class Form:
    project: Any = "2024年度测试项目"
    department: Any = "某某局"
    unit: Any = "某某中心"
    year_text: str = "（2024 年度）"
    # (年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分) per funding row
    total: tuple = (50, 50, 47.5, 10, 0.95, 9.5)
    current: tuple = (50, 50, 47.5, "—", 0.95, "—")
    carryover: tuple = (None, None, None, "—", None, "—")
    other: tuple = (None, None, None, "—", None, "—")
    indicators: list[Ind] = field(default_factory=default_indicators)
    total_row: tuple = (100, 99.5)  # (分值, 得分) of the 总分 row
    grade: Any = None  # adds a “自评等级” row when set

    # layout switches
    indicator_columns: tuple = ("l1", "l2", "l3", "target", "actual", "weight", "score", "deviation")
    no_initial_column: bool = False  # header 年初预算数（A） 全年执行数（B） … 执行率（B/A）
    level_once: bool = False  # 一级/二级 written once, blank below
    merge_levels: bool = False  # 一级/二级 merged vertically
    l1_weights: bool = False  # “产出指标(50分)”
    placeholder_rows: int = 0  # template leftovers “指标2”, “……”
    notes_column: bool = False  # an extra 备注 column at the right end
    extra_rows: bool = False  # blank and note rows inserted between blocks
    origin: tuple = (1, 1)

    def with_(self, **kw) -> Form:
        import dataclasses

        return dataclasses.replace(self, **kw)


IND_HEADERS = {
    "l1": "一级指标", "l2": "二级指标", "l3": "三级指标", "target": "年度指标值", "actual": "实际完成值",
    "weight": "分值", "score": "得分", "deviation": "偏差原因分析及改进措施",
}


def make_grid(form: Form | None = None, sheet: str = "自评表") -> Grid:
    f = form or Form()
    rows: list[list[Any]] = []
    merged: list[tuple[int, int, int, int]] = []
    r0, c0 = f.origin

    def add(*cells: Any) -> int:
        rows.append(list(cells))
        return r0 + len(rows) - 1

    add("项目支出绩效自评表")
    add(f.year_text)
    if f.extra_rows:
        add()
    add("项目名称", f.project)
    add("主管部门", f.department, None, "实施单位", f.unit)
    if f.no_initial_column:
        hdr = add("项目资金（万元）", None, "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分")
    else:
        hdr = add("项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    for label, vals in (("年度资金总额", f.total), ("其中：当年财政拨款", f.current),
                        ("上年结转资金", f.carryover), ("其他资金", f.other)):
        vals = list(vals)
        if f.no_initial_column:
            vals = vals[1:]
        add(None, label, *vals)
    merged.append((hdr, c0, hdr + 4, c0))
    if f.extra_rows:
        add(None, "注：金额单位为万元")
    g = add("年度总体目标", "预期目标", None, None, "实际完成情况")
    add(None, "完成年度培训任务", None, None, "已完成年度培训任务")
    merged.append((g, c0, g + 1, c0))
    cols = list(f.indicator_columns) + (["notes"] if f.notes_column else [])
    headers = [IND_HEADERS.get(k, "备注") for k in cols]
    ih = add("绩效指标", *headers)
    first_ind = ih + 1
    prev = {"l1": None, "l2": None}
    starts: dict[str, list[int]] = {"l1": [], "l2": []}
    for i, ind in enumerate(f.indicators):
        values = {"l1": ind.l1, "l2": ind.l2, "l3": ind.l3, "target": ind.target, "actual": ind.actual,
                  "weight": ind.weight, "score": ind.score, "deviation": ind.deviation, "notes": None}
        if f.l1_weights:
            w = sum(x.weight for x in f.indicators if x.l1 == ind.l1 and isinstance(x.weight, (int, float)))
            values["l1"] = f"{ind.l1}({w:g}分)"
        r = r0 + len(rows)
        for key in ("l1", "l2"):
            same = prev[key] == (values["l1"], values[key]) if key == "l2" else prev[key] == values[key]
            if not same:
                starts[key].append(r)
            if same and (f.level_once or f.merge_levels):
                values[key] = None
        prev["l1"] = ind.l1 if not f.l1_weights else values["l1"] or prev["l1"]
        prev["l2"] = (prev["l1"], ind.l2)
        if values["l1"] is not None:
            prev["l1"] = values["l1"]
        add(None, *[values[k] for k in cols])
        if f.extra_rows and i == 1:
            add()
    for k in range(f.placeholder_rows):
        add(None, None, None, "……" if k % 2 else f"指标{k + 2}")
    last_ind = r0 + len(rows) - 1
    if f.merge_levels:
        for key in ("l1", "l2"):
            col = c0 + 1 + cols.index(key)
            bounds = starts[key] + [last_ind + 1]
            for a, b in zip(bounds, bounds[1:]):
                if b - 1 > a:
                    merged.append((a, col, b - 1, col))
    merged.append((ih, c0, last_ind, c0))
    total_cells = [None] * len(cols)
    total_cells[cols.index("weight")] = f.total_row[0]
    total_cells[cols.index("score")] = f.total_row[1]
    add("总分", *total_cells)
    if f.grade is not None:
        add("自评等级", f.grade)
    if f.extra_rows:
        add("填表人：张三", None, None, "联系电话：12345678")
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    _ = first_ind
    return Grid(sheet, rows, r0, c0, merged)


def write_xlsx(path: Path, *grids: Grid) -> Path:
    """Write grids to a workbook (one sheet each), merges included."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for g in grids:
        ws = wb.create_sheet(g.sheet)
        for i, row in enumerate(g.rows):
            for j, v in enumerate(row):
                if v is not None:
                    ws.cell(g.origin_row + i, g.origin_col + j, v)
        for r1, c1, r2, c2 in g.merged:
            ws.merge_cells(f"{addr(r1, c1)}:{addr(r2, c2)}")
    wb.save(path)
    return path


def cell_of(grid: Grid, text: str) -> str:
    """The address of the first cell holding exactly ``text``."""
    for i, row in enumerate(grid.rows):
        for j, v in enumerate(row):
            if v == text:
                return addr(grid.origin_row + i, grid.origin_col + j)
    raise KeyError(text)


def replace_cells(grid: Grid, mapping: dict[Any, Any]) -> Grid:
    """Replace every cell whose value is a key of ``mapping`` (header words, labels)."""
    for row in grid.rows:
        for i, v in enumerate(row):
            if isinstance(v, str) and v in mapping:
                row[i] = mapping[v]
    return grid


TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "自评表.xlsx"
TEMPLATE_ROWS = {14: ("培训人次", "≥100人次", "100人次", 50, 50), 19: ("知晓率", "≥90%", "92%", 30, 30),
                 21: ("满意度", "≥90%", "95%", 10, 10)}


def fill_template(path: Path, rows: dict[int, tuple] | None = None) -> Path:
    """Our template filled in by a program (openpyxl saves its formulas without cached
    values): 50 / 50 / 40 万元, three indicators (row → 三级, 指标值, 完成值, 分值, 得分)."""
    import openpyxl

    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb["自评表"]
    ws["B3"], ws["B4"], ws["F4"] = "测试项目", "某局", "某中心"
    ws["D7"], ws["E7"], ws["F7"] = 50, 50, 40
    ws["D8"], ws["E8"], ws["F8"] = 50, 50, 40
    for r, (l3, target, actual, weight, score) in (rows or TEMPLATE_ROWS).items():
        ws[f"D{r}"], ws[f"E{r}"], ws[f"F{r}"], ws[f"G{r}"], ws[f"H{r}"] = l3, target, actual, weight, score
    wb.save(path)
    return path
