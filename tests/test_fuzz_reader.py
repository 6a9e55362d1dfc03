"""Fuzzing the reader: random grids go through reader, compute and audit.

The only exception allowed out of the engine is its own InputError (issue 6.7).
"""

from builders import Form, make_grid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jixiao.processor.core.audit import audit
from jixiao.processor.core.compute import compute
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.grid import Grid
from jixiao.processor.core.plan import Look, build_plan
from jixiao.processor.core.reader import read_grid
from jixiao.processor.core.rules import load_profile

P = load_profile()

LABELS = ["项目支出绩效自评表", "（2024 年度）", "项目名称", "主管部门", "实施单位", "项目资金（万元）", "年初预算数",
          "全年预算数", "全年执行数", "分值", "执行率", "得分", "执行率（B/A）", "年度资金总额", "其中：当年财政拨款",
          "上年结转资金", "其他资金", "年度总体目标", "预期目标", "实际完成情况", "绩效指标", "一级指标", "二级指标",
          "三级指标", "年度指标值", "实际完成值", "偏差原因分析及改进措施", "产出指标(50分)", "数量指标", "总分",
          "自评等级", "指标2", "……", "完成指标", "达成预期指标", "部分达成预期指标并具有一定效果", "≥50个", "≤8小时",
          "满意度90%以上", "全覆盖", "20.9万元", "１２", "100%", "—", "-", "/", "*", "=1+1", "", " ", "\n"]
cell = st.one_of(
    st.none(), st.sampled_from(LABELS), st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12), st.booleans(),
)


@st.composite
def grids(draw):
    nrows = draw(st.integers(0, 30))
    ncols = draw(st.integers(0, 12))
    rows = [[draw(cell) for _ in range(ncols)] for _ in range(nrows)]
    merged = []
    for _ in range(draw(st.integers(0, 5))):
        r1, c1 = draw(st.integers(1, 31)), draw(st.integers(1, 13))
        merged.append((r1, c1, r1 + draw(st.integers(0, 6)), c1 + draw(st.integers(0, 4))))
    return Grid("表", rows, draw(st.integers(1, 5)), draw(st.integers(1, 5)), merged)


def run_all(grid: Grid) -> None:
    rec = read_grid(grid, "fuzz.xlsx")
    if rec is not None:
        scores = compute(rec, P)
        findings = audit(rec, scores, P)
        assert all(f.severity in ("error", "warning", "info") and f.message for f in findings)
        if scores.execution_score is not None:
            assert 0 <= scores.execution_score <= max(scores.execution_weight, 0) + 1e-9 or scores.execution_weight < 0
    try:
        result = check_grids([grid], "fuzz.xlsx", P)
    except InputError:
        return
    # any grid the reader accepts can be planned (cells unread: nothing on them yet)
    build_plan(result.sheets, looks=lambda sheet, cells: {c: Look() for c in cells}, tolerances=P.tol,
               file_findings=result.findings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids())
def test_random_grids_never_crash(grid):
    run_all(grid)


@st.composite
def damaged_forms(draw):
    """A real form with cells blanked, replaced by junk, rows dropped or duplicated."""
    g = make_grid(Form(merge_levels=draw(st.booleans()), l1_weights=draw(st.booleans())))
    rows = [list(r) for r in g.rows]
    for _ in range(draw(st.integers(1, 12))):
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        action = draw(st.sampled_from(["blank", "junk", "drop", "dup"]))
        if action == "drop":
            rows.pop(i)
        elif action == "dup":
            rows.insert(i, list(rows[i]))
        elif rows[i]:
            j = draw(st.integers(0, len(rows[i]) - 1))
            rows[i][j] = None if action == "blank" else draw(cell)
    return Grid(g.sheet, rows, g.origin_row, g.origin_col, g.merged)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_forms())
def test_damaged_forms_never_crash(grid):
    run_all(grid)
