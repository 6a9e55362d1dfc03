"""Every check in the catalogue, triggered on purpose, lands on the expected cell.

Default layout (tests/builders.py, origin A1): funding header row 5 (C 年初预算数,
D 全年预算数, E 全年执行数, F 分值, G 执行率, H 得分), 年度资金总额 row 6, 当年财政拨款
row 7; indicator header row 12 (B 一级, C 二级, D 三级, E 指标值, F 实际, G 分值, H 得分,
I 偏差), indicators rows 13–18, 总分 row 19.
"""

import dataclasses

import pytest
from builders import Form, Ind, default_indicators, make_grid
from jixiao.processor.core.audit import audit, audit_batch
from jixiao.processor.core.compute import compute
from jixiao.processor.core.findings import catalogue
from jixiao.processor.core.reader import read_grid
from jixiao.processor.core.rules import load_profile

P = load_profile()


def inds(**changes_by_index):
    out = default_indicators()
    for idx, changes in changes_by_index.items():
        i = int(idx[1:])
        out[i] = dataclasses.replace(out[i], **changes)
    return out


def blank_row(match):
    def mod(g):
        for r in g.rows:
            if match(r):
                r[:] = [None] * len(r)
    return mod


def replace_text(old, new):
    def mod(g):
        for r in g.rows:
            for i, v in enumerate(r):
                if v == old:
                    r[i] = new
    return mod


def insert_before_total(row):
    def mod(g):
        i = next(k for k, r in enumerate(g.rows) if r[0] == "总分")
        g.rows.insert(i, row + [None] * (len(g.rows[0]) - len(row)))
    return mod


def in_header(word, old, new):
    """Replace a label in the one header row holding ``word`` (三级指标: the indicator table's)."""
    def mod(g):
        row = next(r for r in g.rows if word in r)
        row[row.index(old)] = new
    return mod


def funding_without_weight_columns(g):
    row = next(r for r in g.rows if "全年执行数" in r)
    for i, v in enumerate(row):
        if v in ("分值", "得分"):
            row[i] = None


# code -> (form, grid modifier or None, expected cell, profile)
CASES = {
    "R002": (Form(), blank_row(lambda r: "全年执行数" in r), None),
    "R003": (Form(), blank_row(lambda r: "三级指标" in r), None),
    "R004": (Form(), blank_row(lambda r: r[0] == "总分"), None),
    "R005": (Form(total=(50, 50, "四十七", 10, 0.95, 9.5)), None, "E6"),
    "R006": (Form(project=None), None, "B3"),
    "R007": (Form(unit=None), None, "E4"),
    "R008": (Form(placeholder_rows=2), None, None),
    "R009": (Form(total=(50, 50, "475000元", 10, 0.95, 9.5)), None, "E6"),
    "R010": (Form(), replace_text("年度资金总额", "资金情况"), "C5:H5"),  # the funding header looked at
    "R013": (Form(), replace_text("项目资金（万元）", "项目资金（元）"), "C5"),
    "R014": (Form(), in_header("三级指标", "分值", "标准"), "B12:I12"),
    "R015": (Form(indicators=[dataclasses.replace(i, weight=None) for i in default_indicators()]), None, "G13:G18"),
    "R016": (Form(indicators=[]), None, "B12:I12"),
    "R017": (Form(), in_header("三级指标", "得分", "评语"), "B12:I12"),
    "R018": (Form(indicators=inds(i0={"weight": 25, "score": 25}), total_row=(None, 99.5)),
             funding_without_weight_columns, "C5:G5"),
    "R020": (Form(indicators=[dataclasses.replace(i, weight=None) for i in default_indicators()]),
             lambda g: (in_header("三级指标", "分值", None)(g), in_header("三级指标", "绩效指标", "绩效指标（90分）")(g)),
             "A12"),
    "R021": (Form(indicators=[dataclasses.replace(i, weight=None, score=None) for i in default_indicators()]),
             lambda g: (in_header("三级指标", "分值", None)(g), in_header("三级指标", "得分", None)(g),
                        blank_row(lambda r: r[0] == "总分")(g)), "B12:I12"),
    "R022": (Form(total=(55, 55, 52.5, 10, 0.9545, 9.55), carryover=(5, 5, 5, "—", 1, "—")),
             replace_text("上年结转资金", "甲乙"), "A8"),
    "R023": (Form(indicators=[dataclasses.replace(i, target=None, actual=None, weight=None, score=None)
                              for i in default_indicators()], total_row=(None, None)), None, "B12:I12"),
    "R024": (Form(indicators=default_indicators()[:1], total_row=(30, 29.5)), None, "B12:I12"),
    "R025": (Form(total=(50, 50, "四十七", 10, 0.95, 9.5)), None, "E6"),  # no rate, so no total
    "R019": (Form(), lambda g: (in_header("全年执行数", "年初预算数", "数额")(g),
                                in_header("全年执行数", "全年预算数", "数额二")(g)), "C5:H5"),
    "R012": (Form(year_text="（    年度）", project="测试项目"), None, "A1"),
    "F101": (Form(current=(50, 40, 47.5, "—", 0.95, "—")), None, "D6"),
    "F102": (Form(total=(50, 0, 47.5, 10, None, 9.5)), None, "D6"),
    "F103": (Form(total=(50, 50, 47.5, 10, 0.9, 9.5)), None, "G6"),
    "F104": (Form(total=(50, 50, 47.5, 10, 0.95, 9)), None, "H6"),
    "F105": (Form(total=(50, 50, 47.5, 10, 0.95, None)), None, "H6"),
    "F106": (Form(total=(50, 50, 55, 10, 1.1, 10), current=(50, 50, 55, "—", 1.1, "—")), None, "E6"),
    "F107": (Form(total=(30, 50, 47.5, 10, 0.95, 9.5), current=(30, 50, 47.5, "—", 0.95, "—")), None, "D6"),
    "F108": (Form(total=(50, 50, 47.5, 10, 0.95, 10)), None, "H6"),
    "F109": (Form(total=(50, 50, 47.5, 15, 0.95, 14.25)), None, "F6"),
    "F110": (Form(total=(50, 50, None, 10, None, None)), None, "E6"),
    "F111": (Form(total=(50, 50, 47.5, 10, None, 9.5)), None, "G6"),
    "F112": (Form(current=(50, 50, 47.5, "—", None, "—")), None, "G7"),
    "I201": (Form(indicators=inds(i0={"weight": None})), None, "G13"),
    "I202": (Form(indicators=inds(i0={"score": None})), None, "H13"),
    "I203": (Form(indicators=inds(i0={"score": 25})), None, "H13"),
    "I204": (Form(indicators=inds(i0={"actual": "450人次"})), None, "H13"),
    "I205": (Form(indicators=inds(i0={"actual": "450人次", "score": 18})), None, "I13"),
    "I206": (Form(indicators=inds(i0={"target": "有序开展", "actual": "部分达成预期指标并具有一定效果",
                                       "deviation": "宣传覆盖面不足"})), None, "H13"),
    "I207": (Form(indicators=inds(i0={"actual": "700人次"})), None, "F13"),
    "I208": (Form(), None, "H19"),
    "I209": (Form(indicators=inds(i0={"actual": "完成指标"})), None, "F13"),
    "I210": (Form(indicators=inds(i0={"target": "有序开展"})), None, "E13"),
    "I211": (Form(indicators=inds(i3={"l2": "数量指标", "l3": "设备台数", "target": "≥5台", "actual": "5台"})),
             insert_before_total([None, "成本指标", None, None]), "B19"),
    "I212": (Form(indicators=inds(i3={"l1": "成本指标", "l2": "可持续发展指标"})), None, "C16"),
    "I213": (Form(indicators=inds(i4={"l1": "其他指标"})), None, "B17"),
    "I214": (Form(indicators=inds(i3={"target": "≤60万元"})), None, "E16"),
    "I215": (Form(indicators=inds(i5={"target": "≥80%"})), None, "E18"),
    "I216": (Form(indicators=inds(i5={"actual": "满意"})), None, "F18"),
    "I217": (Form(l1_weights=True), replace_text("产出指标(50分)", "产出指标(60分)"), "B13"),
    "I218": (Form(indicators=inds(i0={"weight": 30, "score": 30}, i4={"weight": 20, "score": 20})), None, "B13"),
    "I219": (Form(indicators=inds(i0={"actual": "520次"})), None, "F13"),
    "I220": (Form(indicators=inds(i0={"actual": None})), None, "F13"),
    "I221": (Form(indicators=inds(i0={"target": None})), None, "E13"),
    "I222": (Form(indicators=inds(i0={"l3": None})), None, "D13"),
    "I224": (Form(level_once=True), replace_text("产出指标", None), "B13"),
    "I225": (Form(indicators=inds(i0={"score": 18}), total_row=(100, 97.5)), None, "H13"),
    "I226": (Form(indicators=inds(i3={"target": "≤40万元", "actual": "40万元"})), None, "H16"),
    "T301": (Form(indicators=inds(i0={"weight": 30, "score": 30})), None, "G19"),
    "T302": (Form(total_row=(90, 99.5)), None, "G19"),
    "T303": (Form(total_row=(100, None)), None, "H19"),
    "T304": (Form(total_row=(100, 90)), None, "H19"),
    "T305": (Form(total=(50, 50, 30, 10, 0.6, 6), current=(50, 50, 30, "—", 0.6, "—"), total_row=(100, 96)), None,
             "H19", "province-example-caps"),
    "T306": (Form(grade="良"), None, "B20"),
}


def findings_for(form, mod=None, profile=P):
    g = make_grid(form)
    if mod:
        mod(g)
    rec = read_grid(g, "case.xlsx")
    return audit(rec, compute(rec, profile), profile)


@pytest.mark.parametrize("code", sorted(CASES))
def test_check_fires_on_its_cell(code):
    form, mod, cell, *prof = CASES[code]
    profile = load_profile(prof[0]) if prof else P
    found = findings_for(form, mod, profile)
    hits = [f for f in found if f.code == code]
    assert hits, f"{code} not reported; got {[(f.code, f.cell) for f in found]}"
    assert cell in {f.cell for f in hits}
    entry = catalogue()[code]
    assert all(f.severity == entry["severity"] and f.message and f.fix for f in hits)
    assert all("{" not in f.message and "{" not in f.fix for f in hits)  # every template value filled


def test_empty_cost_level1_is_fine_when_cost_sits_under_output():
    found = findings_for(Form(), insert_before_total([None, "成本指标", None, None]))
    assert "I211" not in {f.code for f in found}


def test_correct_table_has_no_errors():
    found = findings_for(Form())
    assert [f for f in found if f.severity == "error"] == []


def test_messages_state_expected_and_found():
    found = findings_for(Form(indicators=inds(i0={"weight": 30, "score": 30})))
    t301 = next(f for f in found if f.code == "T301")
    assert t301.message.startswith("权重合计应为 100，实为 110")


def test_batch_flags_copied_indicator_sets():
    a = read_grid(make_grid(Form(project="项目甲")), "a.xlsx")
    b = read_grid(make_grid(Form(project="项目乙")), "b.xlsx")
    c = read_grid(make_grid(Form(project="项目丙", indicators=[Ind("产出指标", "数量指标", f"指标名{i}", "≥1个", "1个", 15, 15)
                                                                for i in range(6)])), "c.xlsx")
    found = audit_batch([a, b, c])
    assert {(r.project.text, f.code, f.file, f.cell) for r, f in found} == {
        ("项目甲", "I223", "a.xlsx", "D13"), ("项目乙", "I223", "b.xlsx", "D13")}


def test_profile_can_switch_a_check_off_or_change_its_severity(tmp_path):
    p = tmp_path / "quiet.json"
    p.write_text('{"extends": "default", "id": "quiet", "name": "安静", "severity": {"I208": "off", "T304": "warning"}}',
                 encoding="utf-8")
    found = findings_for(Form(total_row=(100, 90)), profile=load_profile(str(p)))
    assert "I208" not in {f.code for f in found}
    assert next(f for f in found if f.code == "T304").severity == "warning"


def test_every_catalogued_check_is_exercised():
    """A check that is listed is a check that exists and is tested (here, or in the guard/merge tests)."""
    tested_elsewhere = {"R001": "test_reader", "R011": "test_engine", "I223": "test_batch_flags_copied_indicator_sets",
                        "F113": "test_department_form", "R026": "test_reader_inline_parts"}
    codes = {c for c in catalogue() if c[0] in "RFIT"}
    assert codes - set(CASES) - set(tested_elsewhere) == set()


def test_scores_rounded_to_one_decimal_and_rates_to_whole_percent_are_accepted():
    form = Form(total=(50, 48, 46.87, 10, "98%", 9.8),  # 97.65% → “98%”; 9.765 → 9.77 → “9.8”
                current=(50, 48, 46.87, "—", 0.9765, "—"),
                indicators=inds(i0={"actual": "470人次", "score": 18.8, "deviation": "部分场次取消"}),
                total_row=(100, 98.6))
    codes = {f.code for f in findings_for(form)}
    assert not codes & {"F103", "F104", "I204", "T304"}
    off = {f.code for f in findings_for(form.with_(total=(50, 48, 46.87, 10, "96%", 9.5)))}
    assert {"F103", "F104"} <= off


def test_deadline_targets_are_not_called_unmeasurable():
    found = findings_for(Form(indicators=inds(i2={"target": "2024年12月31日前", "actual": "2024年11月完成"})))
    assert "I210" not in {f.code for f in found}
