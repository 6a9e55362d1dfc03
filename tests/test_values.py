import pytest
from jixiao.processor.core.values import (
    EQUAL,
    HIGHER,
    LOWER,
    convert,
    fmt_num,
    fmt_pct,
    is_blank,
    parse_money,
    parse_number,
    parse_rate,
    parse_target,
)


@pytest.mark.parametrize("raw,value,unit", [
    (12, 12.0, None), ("12", 12.0, None), ("１２", 12.0, None), ("20.9万元", 20.9, "万元"),
    ("2.48 万元", 2.48, "万元"), ("100%", 100.0, "%"), ("１００％", 100.0, "%"), ("1,234.5", 1234.5, None),
    (" 4 ", 4.0, None), ("52个", 52.0, "个"),
])
def test_parse_number_reads_numbers_typed_as_text(raw, value, unit):
    n = parse_number(raw)
    assert n.ok and n.value == pytest.approx(value) and n.unit == unit


@pytest.mark.parametrize("raw", [None, "", "—", "-", "/", "*", "——", "－", " ", "无"])
def test_no_value_markers(raw):
    assert is_blank(raw)
    n = parse_number(raw)
    assert n.ok and n.value is None


@pytest.mark.parametrize("raw", ["abc", "约20万", "二十", True])
def test_unreadable_numbers_are_flagged(raw):
    assert not parse_number(raw).ok


@pytest.mark.parametrize("raw,rate", [("100%", 1.0), (0.95, 0.95), (95, 0.95), ("95", 0.95), ("97.64%", 0.9764)])
def test_parse_rate_gives_fractions(raw, rate):
    assert parse_rate(raw).value == pytest.approx(rate)


def test_parse_money_converts_yuan():
    n, converted = parse_money("209000元")
    assert converted and n.value == pytest.approx(20.9)
    n, converted = parse_money("20.9万元")
    assert not converted and n.value == pytest.approx(20.9)


@pytest.mark.parametrize("text,op,value,unit", [
    ("≥50个", HIGHER, 50, "个"), (">=50个", HIGHER, 50, "个"), ("＞50个", HIGHER, 50, "个"),
    ("不低于95%", HIGHER, 95, "%"), ("不少于12次", HIGHER, 12, "次"), ("满意度90%以上", HIGHER, 90, "%"),
    ("满意度 90%以上", HIGHER, 90, "%"), ("达到100%", HIGHER, 100, "%"), ("≥100百分比", HIGHER, 100, "百分比"),
    ("≤90万元", LOWER, 90, "万元"), ("＜5天", LOWER, 5, "天"), ("不高于3%", LOWER, 3, "%"),
    ("不超过20.9万元", LOWER, 20.9, "万元"), ("8小时内及时回应", LOWER, 8, "小时"), ("30天以内", LOWER, 30, "天"),
    ("5个工作日之内", LOWER, 5, "个工作日"), ("＝100%", EQUAL, 100, "%"), ("100%", EQUAL, 100, "%"),
    ("全覆盖", EQUAL, 100, "%"), ("１２次", HIGHER, 12, "次"), ("安全事故0起", LOWER, 0, "起"),
])
def test_parse_target_operators_and_units(text, op, value, unit):
    t = parse_target(text)
    assert (t.op, t.value, t.unit) == (op, pytest.approx(value), unit)


@pytest.mark.parametrize("text", ["有序开展", "满足工作所需", "完成指标", "达成预期指标", "2024年12月31日前", "—"])
def test_text_without_a_number_is_qualitative(text):
    assert not parse_target(text).quantitative


def test_bare_money_target_is_lower_is_better_for_cost():
    assert parse_target("20.9万元", lower_is_better=True).op == LOWER
    assert parse_target("20.9万元").op == HIGHER


def test_convert_units():
    assert convert(1, "万元", "元") == pytest.approx(10000)
    assert convert(2, "天", "小时") == pytest.approx(48)
    assert convert(1, "个", "次") is None
    assert convert(5, None, "个") == 5


def test_formatting():
    assert fmt_num(110.0) == "110" and fmt_num(20.90) == "20.9" and fmt_num(None) == "空"
    assert fmt_pct(0.2, 0) == "20%" and fmt_pct(0.9764) == "97.64%"
