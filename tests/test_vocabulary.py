"""The reader's vocabulary is data: rules/vocabulary.json, validated, and a profile may add words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import Form, make_grid
from jixiao.processor.core.engine import check_grids
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.reader import default_vocabulary, vocabulary_for
from jixiao.processor.core.rules import load_profile

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_vocabulary_validates_against_its_schema():
    import jsonschema

    schema = json.loads((ROOT / "rules" / "vocabulary.schema.json").read_text(encoding="utf-8"))
    data = json.loads((ROOT / "rules" / "vocabulary.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []


def test_matchers_say_which_word_matched():
    v = default_vocabulary()
    assert v.funding_columns.match("全年执行数") == ("executed", "执行数")
    assert v.funding_columns.match("执行率权重") == ("weight", "权重")  # not the rate
    assert v.indicator_columns.match("得分计算方法") is None and v.ignored_columns.word("得分计算方法")
    assert v.indicator_columns.match("本年度财政拨款为150万元执行数为125.25万元完成预算的83.50%") is None


def _profile(tmp_path, extra: dict) -> str:
    p = tmp_path / "local.json"
    p.write_text(json.dumps({"extends": "default", "id": "local", "name": "本地", **extra}, ensure_ascii=False),
                 encoding="utf-8")
    load_profile.cache_clear()
    return str(p)


def _grid_with_weight_header(word: str):
    g = make_grid(Form())
    row = next(r for r in g.rows if "三级指标" in r)
    row[row.index("分值")] = word
    return g


def test_a_profile_adds_a_word_and_the_table_is_read(tmp_path):
    g = _grid_with_weight_header("标准")
    plain = check_grids([g], "t.xlsx", load_profile()).sheets[0]
    assert "R014" in {f.code for f in plain.findings} and plain.scores.total_score is None
    profile = load_profile(_profile(tmp_path, {"vocabulary": {"indicator_columns": {"weight": {"equals+": ["标准"]}}}}))
    assert vocabulary_for(profile).indicator_columns.match("标准") == ("weight", "标准")
    assert vocabulary_for(profile).indicator_columns.match("满分") == ("weight", "满分")  # the defaults stay
    read = check_grids([_grid_with_weight_header("标准")], "t.xlsx", profile).sheets[0]
    assert "R014" not in {f.code for f in read.findings} and read.scores.total_score == 99.5


def test_a_misspelt_vocabulary_key_is_refused_naming_it(tmp_path):
    with pytest.raises(InputError) as err:
        load_profile(_profile(tmp_path, {"vocabulary": {"indicator_columns": {"weigth": {"equals": ["标准"]}}}}))
    assert err.value.code.startswith("P6") and "vocabulary/indicator_columns" in str(err.value)


def test_a_bad_placeholder_pattern_is_refused(tmp_path):
    with pytest.raises(InputError) as err:
        load_profile(_profile(tmp_path, {"vocabulary": {"placeholders+": ["(指标\\d+"]}}))
    assert err.value.code == "P619" and "vocabulary/placeholders" in str(err.value)
