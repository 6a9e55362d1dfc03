import json

import pytest
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.rules import available_profiles, load_profile


def test_default_profile_is_the_ministry_principle():
    p = load_profile()
    assert p.execution_weight == 10
    assert p["weights"]["level1"] == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert "成本指标" in p["framework"]["level1"] and "成本指标" in p["framework"]["level1"]["产出指标"]
    assert [p.grade(x) for x in (95, 90, 89.99, 80, 60, 59.9)] == ["优", "优", "良", "良", "中", "差"]


def test_every_shipped_profile_validates():
    for name in available_profiles():
        assert load_profile(name).id


def write(tmp_path, data, name="p.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_extends_merges_onto_the_parent(tmp_path):
    p = load_profile(write(tmp_path, {"extends": "default", "id": "x", "name": "某省", "execution": {"weight": 20}}))
    assert p.execution_weight == 20 and p["execution"]["denominator"] == "budget"


@pytest.mark.parametrize("data,key", [
    ({"extends": "default", "id": "x", "name": "n", "execution": {"weight": "十"}}, "execution/weight"),
    ({"extends": "default", "id": "x", "name": "n", "execution": {"denominator": "年初"}}, "execution/denominator"),
    ({"extends": "default", "id": "x", "name": "n", "thresholds": {"budget_changes": 0.2}}, "thresholds"),
    ({"extends": "default", "id": "x", "name": "n", "severity": {"T301": "fatal"}}, "severity/T301"),
])
def test_bad_profile_names_the_key_and_the_file(tmp_path, data, key):
    path = write(tmp_path, data)
    with pytest.raises(InputError) as err:
        load_profile(path)
    assert key in str(err.value) and path in str(err.value)


def test_unreadable_profile_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="不是有效的 JSON"):
        load_profile(str(path))
    with pytest.raises(InputError, match="找不到规则"):
        load_profile("no-such-profile")


def test_grades_must_descend_to_zero(tmp_path):
    path = write(tmp_path, {"extends": "default", "id": "x", "name": "n", "grades=": [{"name": "优", "min": 90}]})
    with pytest.raises(InputError, match="grades"):
        load_profile(path)
