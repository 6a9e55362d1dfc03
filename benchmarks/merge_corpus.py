"""Corpora of distinct 自评表 for the merge benchmark, written fast by patching real layouts.

Each generated workbook starts from one of ``examples/*.xlsx`` (five transcribed real
tables and one correct example; the 部门整体支出绩效自评表 example starts the first form of
every sub-folder — one unit's batch of 50 — as each 预算单位 sends one such form beside its
project forms) and gets its own content: project name, unit,
department, amounts, indicator names, targets, actual values, weights and scores —
every cell found through the engine's own reading of the layout, so any layout the
reader accepts can serve. Strings are moved to a shared-strings part as Excel and WPS
save them. Kinds:

- ``realistic``: every form its own project and indicator names; weights total 100 and
  most scores are right; each form carries a few planted problems (a wrong indicator
  score, a missed target without a reason, a vague actual value, a wrong total …), and
  about 2 % copy another project's indicator set (I223);
- ``findings``: the same, but nearly everything is wrong (weights 110, wrong scores,
  no reasons, vague values): tens of findings per form;
- ``copies``: the old corpus — the examples with only the project name changed (every
  form of a layout shares its indicator set).

Usage (also imported by ``bench_merge.py``)::

    python benchmarks/merge_corpus.py DIR --files 1000 [--kind realistic] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.xlsx"))
KINDS = ("realistic", "findings", "copies")

_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_STYLE = re.compile(r'\ss="[0-9]+"')
_INLINE = re.compile(r'<c r="([A-Z]+[0-9]+)"((?:\ss="[0-9]+")?) t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>',
                     re.S)

PLACES = ["东城", "西城", "朝阳", "海淀", "丰台", "石景山", "门头沟", "房山", "通州", "顺义", "昌平", "大兴",
          "怀柔", "平谷", "密云", "延庆", "经开", "城南", "城北", "新区"]
ORGS = ["信访办公室", "教育委员会", "卫生健康委员会", "民政局", "财政局", "人力资源和社会保障局", "生态环境局",
        "住房和城乡建设委员会", "城市管理委员会", "交通委员会", "水务局", "农业农村局", "商务局", "文化和旅游局",
        "应急管理局", "市场监督管理局", "统计局", "医疗保障局", "体育局", "司法局"]
SUBS = ["", "机关服务中心", "事务中心", "综合保障中心", "信息中心", "执法大队", "宣传中心", "培训中心"]
TOPICS_A = ["智慧", "基层", "公共", "社区", "数字", "应急", "综合", "专项", "重点", "民生", "便民", "标准化",
            "规范化", "网格化", "老旧", "绿色", "安全", "信息化", "精细化", "常态化"]
TOPICS_B = ["信访", "宣传", "培训", "服务", "运维", "改造", "巡查", "监测", "救助", "保障", "调解", "治理",
            "普查", "咨询", "评估", "建设", "采购", "维修", "演练", "督查"]
TOPICS_C = ["工作经费", "项目经费", "专项资金", "运行维护费", "购置经费", "服务经费", "补助资金", "建设项目"]
OBJECTS = ["来访群众", "接待窗口", "社区居民", "培训学员", "监测站点", "巡查路段", "信息系统", "服务对象", "调解案件",
           "宣传材料", "应急物资", "公共设施", "基层网格", "救助对象", "数据资源", "执法案卷", "老旧小区", "绿化面积",
           "办公设备", "档案资料", "热线工单", "志愿者", "困难家庭", "网站栏目", "服务站点"]
ACTIONS = ["覆盖", "办结", "培训", "巡查", "维护", "更新", "回访", "处置", "发放", "审核", "采购", "改造", "监测",
           "调解", "宣传", "验收", "整改", "录入", "核查", "走访"]
MEASURES = [("数量", ">=", ["个", "次", "人次", "件", "份", "台", "处"]), ("率", ">=", ["%"]),
            ("及时率", ">=", ["%"]), ("响应时间", "<=", ["小时", "天"]), ("合格率", ">=", ["%"])]
QUALIFIERS = ["", "年度", "季度", "全区", "重点", "新增", "累计", "按期", "线上", "现场", "专项", "日常"]
VAGUE = ["完成指标", "已完成", "达到预期", "完成"]


@dataclass
class Layout:
    """One example workbook and the cells of what the generator changes."""

    name: str
    members: list[tuple[zipfile.ZipInfo, bytes]]
    sheet_part: str
    project: str
    department: str
    unit: str
    funding: dict[str, dict[str, str]]  # kind -> column key -> cell
    indicators: list[tuple[str, str, dict[str, str]]]  # (level1, level2, column key -> cell)
    total: dict[str, str]  # 总分 row: weight / score cells
    goal_actual: str | None


def load_layouts() -> list[Layout]:
    from jixiao.processor.core.engine import check_file

    out = []
    for ex in EXAMPLES:
        rec = check_file(ex).sheets[0].record
        with zipfile.ZipFile(ex) as z:
            members = [(info, z.read(info.filename)) for info in z.infolist()]
        parts = [i.filename for i, _ in members if i.filename.startswith("xl/worksheets/sheet")]
        funding = {f.kind: dict(f.cells) for f in rec.funding}
        inds = [(i.level1.text, i.level2.text, dict(i.cells)) for i in rec.indicators]
        total = dict(rec.total.cells) if rec.total else {}
        out.append(Layout(ex.stem, members, parts[0], rec.project.cell, rec.department.cell, rec.unit.cell,
                          funding, inds, total, rec.goal_actual.cell))
    return out


# ---------------------------------------------------------------------- one form's content


def _weights(levels: list[str], total: int) -> list[int]:
    """Integer weights per indicator row: 产出 50, 效益 30, 满意度 10 (成本 counts as 产出),
    split evenly inside each first level; with the execution weight 10 they sum to ``total``."""
    share = {"产出": 50, "效益": 30, "满意": 10, "成本": 0}
    keys = [next((k for k in share if k in lv), "产出") for lv in levels]
    if "成本" in keys:  # a 2021-style 成本 first level takes a part of 产出's 50
        share = {**share, "产出": 40, "成本": 10}
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    out = [0] * len(levels)
    for k, rows in groups.items():
        w = share[k]
        for j, i in enumerate(rows):
            out[i] = w // len(rows) + (1 if j < w % len(rows) else 0)
    out[0] += total - 10 - sum(out)  # indicators get all but the execution 10; a level absent → first row
    return out


def _number(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def form_content(layout: Layout, i: int, kind: str, rng: random.Random, names: set[str],
                 copied: list[list[str]]) -> dict[str, object]:
    """Cell → value for form ``i``."""
    cells: dict[str, object] = {}
    unit = rng.choice(PLACES) + "区" + rng.choice(ORGS) + rng.choice(SUBS)
    while True:
        name = f"2024年度{unit}{rng.choice(TOPICS_A)}{rng.choice(TOPICS_B)}{rng.choice(TOPICS_C)}"
        if name not in names:
            break
        unit += rng.choice(SUBS[1:]) if len(unit) < 30 else ""
        if len(unit) >= 30:
            name = f"{name}（{i}）"
            break
    names.add(name)
    cells[layout.project] = name
    cells[layout.unit] = unit
    if layout.department:
        cells[layout.department] = unit.split("区", 1)[0] + "区" + rng.choice(ORGS)
    heavy = kind == "findings"
    budget = round(rng.uniform(2, 800), 2)
    initial = budget if rng.random() < 0.7 else round(budget * rng.uniform(0.85, 1.15), 2)
    if heavy:
        initial = round(budget * 1.5, 2)  # an unexplained change of the budget (F107)
    rate = 1.0 if rng.random() < 0.5 else rng.uniform(0.55 if heavy else 0.85, 1.0)
    executed = round(budget * rate, 2)
    for kind_key, share in (("total", 1.0), ("current", 1.0)):
        cols = layout.funding.get(kind_key, {})
        for key, value in (("initial", initial * share), ("budget", budget * share), ("executed", executed * share)):
            if key in cols:
                cells[cols[key]] = round(value, 2)
        if "rate" in cols:
            cells[cols["rate"]] = round(executed / budget, 4) if not heavy else 1  # F103 when not 100 %
    for kind_key in ("carryover", "other"):  # 其中 rows left empty: all money is this year's
        cols = layout.funding.get(kind_key, {})
        for key in ("initial", "budget", "executed", "rate"):
            if key in cols:
                cells[cols[key]] = None
    exec_score = round(min(executed / budget, 1) * 10, 2)
    total_cols = layout.funding.get("total", {})
    if "score" in total_cols:
        cells[total_cols["score"]] = exec_score if not heavy else 10
    # indicators: each form its own names, or (rarely) a copy of an earlier form's set
    levels = [lv1 or "产出指标" for lv1, _l2, _c in layout.indicators]
    weights = _weights(levels, 110 if heavy else 100)
    copy = copied and not heavy and rng.random() < 0.02
    names3 = list(rng.choice(copied)) if copy else []
    ind_total = 0.0
    planted = set(rng.sample(range(len(layout.indicators)), k=min(len(layout.indicators), rng.randint(1, 3))))
    for r, ((lv1, lv2, cols), w) in enumerate(zip(layout.indicators, weights)):
        if len(names3) <= r:
            names3.append(f"{rng.choice(QUALIFIERS)}{rng.choice(OBJECTS)}{rng.choice(ACTIONS)}{rng.choice(MEASURES)[0]}")
        cells[cols["level3"]] = names3[r]
        label = f"{lv1}{lv2}"
        if "满意" in label:
            target, op, unit_ = rng.choice((85, 90, 90, 95, 95, 95)), ">=", "%"
        elif "成本" in label:
            target, op, unit_ = budget, "<=", "万元"
        else:
            _m, op, units = rng.choice(MEASURES)
            unit_ = rng.choice(units)
            target = rng.choice((90, 95, 98)) if unit_ == "%" else rng.randint(2, 2000)
        met = rng.random() < (0.3 if heavy else 0.85)
        if op == ">=":
            actual = target * (rng.uniform(1.0, 1.2) if met else rng.uniform(0.6, 0.99))
            if unit_ == "%":
                actual = min(actual, 100)
                met = actual >= target
        else:
            actual = target * (rng.uniform(0.7, 1.0) if met else rng.uniform(1.01, 1.4))
        actual = round(actual, 2 if unit_ in ("%", "万元") else 0)
        met = actual >= target if op == ">=" else actual <= target
        sym = "≥" if op == ">=" else "≤"
        if "target" in cols:
            vague_target = heavy and rng.random() < 0.3  # no number, no unit (I210)
            cells[cols["target"]] = "按要求完成" if vague_target else f"{sym}{_number(target)}{unit_}"
        vague = heavy and rng.random() < 0.5 or (not heavy and r in planted and rng.random() < 0.3)
        if "actual" in cols:
            cells[cols["actual"]] = rng.choice(VAGUE) if vague else f"{_number(actual)}{unit_}"
        if met or vague:
            score = float(w)
        else:
            ratio = actual / target if op == ">=" else target / actual
            score = round(w * ratio, 2)
        if heavy or r in planted and rng.random() < 0.4:
            score = float(w) if not met else round(w * rng.uniform(0.5, 0.9), 2)  # a wrong score
        if "weight" in cols:
            cells[cols["weight"]] = w
        if "score" in cols:
            cells[cols["score"]] = score
        if "deviation" in cols:
            explain = not met and not heavy and not (r in planted and rng.random() < 0.5)
            cells[cols["deviation"]] = "受年度任务调整影响，部分工作顺延至下年度完成" if explain else None
        ind_total += score
    if not copy:
        copied.append(names3)
    if layout.total:
        if "weight" in layout.total:
            cells[layout.total["weight"]] = 100
        if "score" in layout.total:
            stated = round(exec_score + ind_total, 2)
            if heavy or rng.random() < 0.15:
                stated = round(stated + rng.choice((-5, -2, 3, 10)), 2)
            cells[layout.total["score"]] = stated
    return cells


# ---------------------------------------------------------------------- writing


def _patch(xml: str, cells: dict[str, object]) -> str:
    def repl(m: re.Match) -> str:
        ref = m.group(1)
        if ref not in cells:
            return m.group(0)
        style = _STYLE.search(m.group(2))
        s = style.group(0) if style else ""
        v = cells[ref]
        if v is None:
            return f'<c r="{ref}"{s}/>'
        if isinstance(v, (int, float)):
            return f'<c r="{ref}"{s}><v>{_number(v) if isinstance(v, float) else v}</v></c>'
        return f'<c r="{ref}"{s} t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'

    return _CELL.sub(repl, xml)


def _shared_strings(xml: str) -> tuple[str, bytes]:
    """Inline strings → a shared-strings table, as Excel saves a workbook."""
    table: dict[str, int] = {}
    count = 0

    def repl(m: re.Match) -> str:
        nonlocal count
        count += 1
        idx = table.setdefault(m.group(3), len(table))
        return f'<c r="{m.group(1)}"{m.group(2)} t="s"><v>{idx}</v></c>'

    xml = _INLINE.sub(repl, xml)
    items = "".join(f"<si><t>{t}</t></si>" for t in table)
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           f'count="{count}" uniqueCount="{len(table)}">{items}</sst>')
    return xml, sst.encode("utf-8")


def declare_shared_strings(name: str, data: bytes) -> bytes:
    """The workbook's relationships and content types, with a shared-strings part added."""
    if name == "xl/_rels/workbook.xml.rels":
        return data.replace(b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.'
                            b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                            b'Target="sharedStrings.xml"/></Relationships>')
    if name == "[Content_Types].xml":
        return data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                            b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"'
                            b"/></Types>")
    return data


def write_form(path: Path, layout: Layout, cells: dict[str, object]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        sst = None
        for info, data in layout.members:
            if info.filename == layout.sheet_part:
                xml, sst = _shared_strings(_patch(data.decode("utf-8"), cells))
                data = xml.encode("utf-8")
            else:
                data = declare_shared_strings(info.filename, data)
            z.writestr(info, data)
        if sst is not None:
            z.writestr(zipfile.ZipInfo("xl/sharedStrings.xml", date_time=(2025, 1, 1, 0, 0, 0)), sst,
                       compress_type=zipfile.ZIP_DEFLATED)


def generate(folder: Path, n: int, kind: str = "realistic", seed: int = 1) -> list[Path]:
    """``n`` distinct workbooks under ``folder`` (sub-folders of 50, as units send them)."""
    if kind not in KINDS:
        raise ValueError(kind)
    layouts = load_layouts()
    department = [x for x in layouts if "部门整体" in x.name]
    projects = [x for x in layouts if x not in department]
    rng = random.Random(seed)
    names: set[str] = set()
    copied: list[list[str]] = []
    out = []
    for i in range(n):
        layout = department[0] if department and i % 50 == 0 else projects[i % len(projects)]
        sub = folder / f"单位{i // 50:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"{i:05d}_{layout.name}.xlsx"
        if kind == "copies":
            cells = {layout.project: f"{layout.name}（第{i}号）"}
        else:
            cells = form_content(layout, i, kind, rng, names, copied)
        write_form(path, layout, cells)
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--kind", choices=KINDS, default="realistic")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    files = generate(args.folder, args.files, args.kind, args.seed)
    print(f"{len(files)} 个工作簿：{args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
