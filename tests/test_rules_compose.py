"""Profiles that compose: ``extends`` merges mappings and lists by the rule in docs/规则文件.md."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import render
from jixiao.processor.core.rules import load_profile
from jixiao.processor.core.rules_compose import compose, origin_of

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "规则文件.md"


def doc_examples() -> dict[str, dict]:
    """The JSON examples of docs/规则文件.md, by the file name written above each block."""
    text = DOC.read_text(encoding="utf-8")
    return {name: json.loads(block) for name, block in
            re.findall(r"`([\w.-]+\.json)`[^\n]*\n+```json\n(.*?)```", text, re.S)}


def write(tmp_path, data, name="p.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def levels(profile) -> dict[str, dict]:
    return {lvl["name"]: lvl for lvl in profile["qualitative"]["levels"]}


DEFAULT = load_profile()


def test_the_documented_province_example_keeps_the_qualitative_aliases(tmp_path):
    example = doc_examples()["some-province.json"]
    default = levels(DEFAULT)
    profile = load_profile(write(tmp_path, example))
    got = levels(profile)
    assert list(got) == list(default)
    for name, lvl in got.items():
        assert lvl["aliases"] == default[name]["aliases"], name  # kept from the parent
        assert lvl["low_inclusive"] is True
    # the bands are the child's
    assert [(lvl["low"], lvl["high"]) for lvl in got.values()] == [(0.8, 1.0), (0.5, 0.8), (0.0, 0.5)]
    assert profile["execution"]["denominator"] == "initial"
    assert profile["execution"]["weight"] == DEFAULT["execution"]["weight"]  # mapping merged
    assert profile["severity"] == {"I210": "info", "I208": "off"}


def test_every_documented_example_loads(tmp_path):
    examples = doc_examples()
    assert {"some-province.json", "more-vague.json", "renamed-grades.json",
            "cost-under-output.json"} <= set(examples)
    for name, data in examples.items():
        assert load_profile(write(tmp_path, data, name)).id == data["id"]


def test_plus_appends_to_a_plain_list_and_to_a_named_items_list(tmp_path):
    p = load_profile(write(tmp_path, doc_examples()["more-vague.json"]))
    vague = DEFAULT["qualitative"]["vague_actuals"]
    assert p["qualitative"]["vague_actuals"] == vague + ["已落实", "按计划推进"]
    first = DEFAULT["qualitative"]["levels"][0]
    assert levels(p)[first["name"]]["aliases"] == first["aliases"] + ["全部达成"]
    assert levels(p)[first["name"]]["low"] == first["low"]  # the rest of the item kept
    assert len(p["qualitative"]["levels"]) == len(DEFAULT["qualitative"]["levels"])


def test_equals_replaces_whole(tmp_path):
    examples = doc_examples()
    grades = load_profile(write(tmp_path, examples["renamed-grades.json"]))["grades"]
    assert [g["name"] for g in grades] == ["优秀", "良好", "合格", "不合格"]
    framework = load_profile(write(tmp_path, examples["cost-under-output.json"], "c.json"))["framework"]
    assert "成本指标" not in framework["level1"] and "成本指标" in framework["level1"]["产出指标"]
    assert framework["cost_level2"] == DEFAULT["framework"]["cost_level2"]  # siblings kept


def test_a_plain_list_is_replaced_and_a_new_named_item_is_appended(tmp_path):
    p = load_profile(write(tmp_path, {
        "extends": "default", "id": "x", "name": "n",
        "qualitative": {"vague_actuals": ["完成"]},
        "grades": [{"name": "差", "min": 0}, {"name": "及格线下", "min": 0}],
    }))
    assert p["qualitative"]["vague_actuals"] == ["完成"]
    assert [g["name"] for g in p["grades"]] == ["优", "良", "中", "差", "及格线下"]


def test_a_chain_of_three_composes_in_order(tmp_path):
    write(tmp_path, {"extends": "default", "id": "prov", "name": "省",
                     "thresholds": {"budget_change": 0.3}, "qualitative": {"vague_actuals+": ["已落实"]}},
          "prov.json")
    city = load_profile(write(tmp_path, {"extends": "prov.json", "id": "city", "name": "市",
                                         "qualitative": {"vague_actuals+": ["已推进"]}}, "city.json"))
    assert city["thresholds"]["budget_change"] == 0.3
    assert city["thresholds"]["over_achievement"] == DEFAULT["thresholds"]["over_achievement"]
    assert city["qualitative"]["vague_actuals"][-2:] == ["已落实", "已推进"]


def test_an_error_names_the_file_that_wrote_the_key(tmp_path):
    prov = write(tmp_path, {"extends": "default", "id": "prov", "name": "省",
                            "execution": {"weight": "十"}}, "prov.json")
    city = write(tmp_path, {"extends": "prov.json", "id": "city", "name": "市"}, "city.json")
    with pytest.raises(InputError) as err:
        load_profile(city)
    assert err.value.code == "P608" and err.value.file == str(Path(prov).resolve())
    assert str(err.value) == f"{Path(prov).resolve()}：" + render("P608", key="execution/weight",
                                                                expected="数字", found='文字 "十"')[0]
    # the child that replaces the bad value is fine
    fixed = write(tmp_path, {"extends": "prov.json", "id": "c2", "name": "市",
                             "execution": {"weight": 10}}, "c2.json")
    assert load_profile(fixed).execution_weight == 10


@pytest.mark.parametrize("data,code,key", [
    ({"qualitative": {"vague_actuals": ["a"], "vague_actuals+": ["b"]}}, "P610", "qualitative/vague_actuals"),
    ({"thresholds+": {"budget_change": 0.3}}, "P612", "thresholds"),
    ({"qualitative": {"vague_actuals+": "已落实"}}, "P612", "qualitative/vague_actuals"),
    ({"thresholds": {"budget_changes": 0.2}}, "P617", "thresholds/budget_changes"),
    ({"execution": {"denominator": "年初"}}, "P613", "execution/denominator"),
    ({"qualitative": {"levels": [{"name": "达成预期指标", "high": 80}]}}, "P614", "qualitative/levels/0/high"),
    ({"qualitative": {"levels=": []}}, "P615", "qualitative/levels"),
    ({"grades=": [{"name": "优", "min": 90}, {"name": "差", "min": 0}], "grades+": []}, "P610", "grades"),
    ({"execution=": {"weight": 10}}, "P616", "execution"),
    ({"qualitative": {"levels": [{"name": "达成预期指标", "low": 0.9, "high": 0.85}]}}, "P611",
     "qualitative/levels/0"),
])
def test_composition_and_schema_errors_are_catalogue_codes_in_chinese(tmp_path, data, code, key):
    path = write(tmp_path, {"extends": "default", "id": "x", "name": "n", **data})
    with pytest.raises(InputError) as err:
        load_profile(path)
    assert err.value.code == code and err.value.params["key"] == key
    assert path in str(err.value) and f"“{key}" in str(err.value)
    # nothing of jsonschema's English reaches the user
    assert not re.search(r"\b(is|not|of|type|property|allowed|valid)\b", err.value.detail), err.value.detail


def test_a_profile_without_extends_resolves_its_own_suffixes(tmp_path):
    data = json.loads((ROOT / "rules" / "default.json").read_text(encoding="utf-8"))
    data["qualitative"]["vague_actuals+"] = data["qualitative"].pop("vague_actuals")
    assert load_profile(write(tmp_path, data))["qualitative"] == DEFAULT["qualitative"]


def test_a_replaced_subtree_forgets_where_its_parts_came_from():
    origins: dict = {}
    base = compose({}, {"a": {"b": 1}}, "parent.json", origins)
    assert origin_of(("a", "b"), origins, "?") == "parent.json"
    compose(base, {"a=": {"c": 2}}, "child.json", origins)
    assert origin_of(("a", "b"), origins, "?") == "child.json"


json_leaf = st.one_of(st.integers(), st.text(max_size=3), st.booleans())
json_tree = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(st.fixed_dictionaries({"name": st.sampled_from("xyz")}, optional={"v": inner}), max_size=3),
        st.dictionaries(st.text("abc", min_size=1, max_size=2), inner, max_size=3)),
    max_leaves=12)
json_object = st.dictionaries(st.text("abc", min_size=1, max_size=2), json_tree, max_size=4)


@given(json_object, json_object)
def test_composing_nothing_changes_nothing_and_a_child_composed_twice_is_the_same(parent, child):
    base = compose({}, parent, "p")
    assert compose(base, {}, "c") == base
    once = compose(base, child, "c")
    if not any(isinstance(v, list) and any(isinstance(i, dict) for i in v) for v in child.values()):
        assert compose(once, child, "c") == once
