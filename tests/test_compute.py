import pytest
from builders import Form, Ind, make_grid
from hypothesis import given
from hypothesis import strategies as st
from jixiao.processor.core.compute import (
    _excel_round_decimal,
    compute,
    excel_round,
    execution_score,
    score_indicator,
)
from jixiao.processor.core.model import Field, Indicator
from jixiao.processor.core.reader import read_grid
from jixiao.processor.core.rules import load_profile

P = load_profile()


@pytest.mark.parametrize("x,n,out", [(0.8625 * 10, 2, 8.63), (2.675, 2, 2.68), (1.005, 2, 1.01), (-2.5, 0, -3.0),
                                     (0.125, 2, 0.13), (9.4166, 2, 9.42), (94.415, 2, 94.42)])
def test_excel_round_is_half_away_from_zero(x, n, out):
    assert excel_round(x, n) == out


_FEW_DECIMALS = st.builds(lambda n, k: round(n / 10**k, k), st.integers(-10**9, 10**9), st.integers(0, 4))


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), _FEW_DECIMALS,
                 st.sampled_from([0.0, -0.0, 1e-05, -1e-07, 0.005, -0.005, 2.675, 1e14 + 0.5, 999999999999999.0])),
       st.integers(0, 3))
def test_excel_round_fast_path_is_the_decimal_rounding(x, n):
    # repr: -0.0 and 0.0 differ, as do nan and a number
    assert repr(excel_round(x, n)) == repr(_excel_round_decimal(x, n))


def ind(target, actual, weight=20, score=None, l1="产出指标", l2="数量指标"):
    return Indicator(row=1, level1=Field(l1, l1, "B1"), level2=Field(l2, l2, "C1"), level3=Field("x", "x", "D1"),
                     target=Field(target, target, "E1"), actual=Field(actual, actual, "F1"),
                     weight=Field(weight, weight, "G1"), score=Field(score, score, "H1"))


@pytest.mark.parametrize("target,actual,kind,score", [
    ("≥50个", "52个", "higher", 20), ("≥50个", "45个", "higher", 18), ("≤8小时", "6小时", "lower", 20),
    ("≤8小时", "10小时", "lower", 16), ("＝100%", "100%", "equal", 20), ("＝100%", "80%", "equal", 16),
    ("≥90%", 0.95, "higher", 20), ("≥1200人次", "1130人次", "higher", 18.83), ("≤1天", "36小时", "lower", 13.33),
])
def test_quantitative_scores(target, actual, kind, score):
    s = score_indicator(ind(target, actual), P)
    assert s.kind == kind and s.computed == pytest.approx(score)


def test_cost_target_without_operator_is_lower_is_better():
    s = score_indicator(ind("20万元", "25万元", l1="成本指标", l2="经济成本指标"), P)
    assert s.kind == "lower" and s.computed == 16


def test_qualitative_uses_stated_score_and_knows_the_level():
    s = score_indicator(ind("有序开展", "部分达成预期指标并具有一定效果", score=14), P)
    assert s.kind == "qualitative" and s.level == "部分达成预期指标并具有一定效果" and s.score == 14
    assert s.computed is None


def test_unit_mismatch_is_not_scored():
    s = score_indicator(ind("≥50个", "52次", score=20), P)
    assert s.computed is None and s.note == "unit"


def test_execution_score_caps_rate_and_rounds():
    assert execution_score(1.2, 10, P) == 10
    assert execution_score(0.8625, 10, P) == 8.63
    assert execution_score(None, 10, P) == 0


def test_total_and_weights_and_grade():
    scores = compute(read_grid(make_grid(Form()), "t"), P)
    assert scores.execution_rate == pytest.approx(0.95)
    assert (scores.execution_score, scores.indicator_score, scores.total_score) == (9.5, 90, 99.5)
    assert scores.weights_total == 100 and scores.grade == "优"


def test_rate_denominator_follows_the_header():
    form = Form(no_initial_column=True, total=(40, 50, 38, 10, None, None))
    rec = read_grid(make_grid(form), "t")
    assert rec.rate_denominator == "budget"
    # the profile says 年初预算数, but the header's (B/A) wins
    prof = load_profile(str(__import__("pathlib").Path(__file__).parent / "data" / "initial_den.json"))
    assert compute(rec, prof).execution_rate == pytest.approx(38 / 50)
    rec2 = read_grid(make_grid(Form(total=(40, 50, 38, 10, None, None))), "t")
    assert compute(rec2, prof).execution_rate == pytest.approx(38 / 40)


def test_low_execution_caps_the_total_with_a_capping_profile():
    prof = load_profile("province-example-caps")
    form = Form(total=(50, 50, 30, 10, 0.6, 6), current=(50, 50, 30, "—", 0.6, "—"), total_row=(100, 96))
    s = compute(read_grid(make_grid(form), "t"), prof)
    assert s.uncapped_total == 96 and s.total_score == 79  # 60% ≤ rate < 70%


# ---------------------------------------------------------------- properties

weights = st.sampled_from([5, 10, 15, 20, 30])
values = st.floats(min_value=0.01, max_value=1e5, allow_nan=False)
ops = st.sampled_from(["≥", "≤", "＝"])


@given(op=ops, t=values, a=values, w=weights)
def test_score_between_zero_and_weight(op, t, a, w):
    s = score_indicator(ind(f"{op}{t:.2f}个", f"{a:.2f}个", weight=w), P)
    assert s.computed is not None and 0 <= s.computed <= w


@given(t=values, a1=values, a2=values, w=weights)
def test_higher_is_better_is_monotone_in_actual(t, a1, a2, w):
    lo, hi = sorted((a1, a2))
    s_lo = score_indicator(ind(f"≥{t:.2f}个", f"{lo:.2f}个", weight=w), P).computed
    s_hi = score_indicator(ind(f"≥{t:.2f}个", f"{hi:.2f}个", weight=w), P).computed
    assert s_lo <= s_hi


@given(t=values, a1=values, a2=values, w=weights)
def test_lower_is_better_is_antitone_in_actual(t, a1, a2, w):
    lo, hi = sorted((a1, a2))
    s_lo = score_indicator(ind(f"≤{t:.2f}个", f"{lo:.2f}个", weight=w), P).computed
    s_hi = score_indicator(ind(f"≤{t:.2f}个", f"{hi:.2f}个", weight=w), P).computed
    assert s_lo >= s_hi


@given(budget=st.floats(min_value=1, max_value=1e4), share=st.floats(min_value=0, max_value=1.2),
       actual=st.integers(min_value=0, max_value=200))
def test_stated_values_equal_to_computed_raise_no_arithmetic_finding(budget, share, actual):
    """A table whose stated results are the engine's own computation is never flagged."""
    from jixiao.processor.core.audit import audit

    executed = round(budget * share, 2)
    rate = executed / budget
    es = execution_score(rate, 10, P)
    inds = [Ind("产出指标", "数量指标", "件数", "≥100件", f"{actual}件", 50, None),
            Ind("效益指标", "社会效益指标", "覆盖率", "≥90%", "95%", 30, 30),
            Ind("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10)]
    first = score_indicator(ind("≥100件", f"{actual}件", weight=50), P).computed
    inds[0].score = first
    total = excel_round(es + first + 40, 2)
    form = Form(total=(budget, budget, executed, 10, rate, es), current=(budget, budget, executed, "—", rate, "—"),
                indicators=inds, total_row=(100, total))
    rec = read_grid(make_grid(form), "t")
    codes = {f.code for f in audit(rec, compute(rec, P), P)}
    assert not codes & {"F103", "F104", "F108", "I204", "T304", "T301", "T302"}


def test_funding_table_without_weight_and_score_columns_scores_no_execution():
    from builders import default_indicators

    g = make_grid(Form(indicators=default_indicators(), total_row=(90, 90)))
    hdr = next(i for i, row in enumerate(g.rows) if "全年执行数" in row)
    # the funding table has no 分值 and 得分 columns: its header and rows end at 执行率
    for i in range(hdr, hdr + 5):
        row = g.rows[i]
        g.rows[i] = [v for j, v in enumerate(row) if j not in (5, 7)] + [None, None]
    s = compute(read_grid(g, "t"), P)
    assert s.execution_weight == 0 and s.execution_score == 0 and s.weights_total == 90


def test_a_funding_column_whose_header_is_blank_is_not_guessed_away():
    """The same table with the 分值/得分 header cells blanked but their figures (10, 9.5) left:
    that column may be the execution weight, so none is inferred (R018), and no total is given."""
    from builders import default_indicators

    g = make_grid(Form(indicators=default_indicators(), total_row=(90, 90)))
    row = next(r for r in g.rows if "全年执行数" in r)
    for i, v in enumerate(row):
        if v in ("分值", "得分"):
            row[i] = None
    s = compute(read_grid(g, "t"), P)
    assert s.execution_weight is None and s.total_score is None and s.unknown == {"execution.weight": "R018"}


_FW = P["framework"]
_WORDS = [*_FW["lower_is_better"], *_FW["higher_is_better"]]


@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(alphabet="率控制完成度满意达标 ％%（）", max_size=4)),
                max_size=4).map("".join))
def test_direction_hint_is_any_word_in_the_name(name):
    # the reference: the profile's words tested one by one (lower-is-better first)
    from jixiao.processor.core.compute import _direction_hint
    from jixiao.processor.core.values import HIGHER, LOWER, norm

    n = norm(name)
    expected = LOWER if any(norm(w) in n for w in _FW["lower_is_better"]) else \
        HIGHER if any(norm(w) in n for w in _FW["higher_is_better"]) else None
    assert _direction_hint(name, P) == expected
