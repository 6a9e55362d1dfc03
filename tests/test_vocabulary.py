"""The reader's vocabulary is data: rules/vocabulary.json, validated, and a profile may add words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import Form, make_grid
from hypothesis import given, settings
from hypothesis import strategies as st
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


# ---------------------------------------------------------------------- the quick “no word here” scan


def _plain_word(m, key: str) -> str | None:
    """A matcher's verdict the long way, word by word (what the reader did before it first
    scanned a label for any of the matcher's words at once)."""
    if not key:
        return None
    hit = key if key in m.equals else (
        next((w for w in m.contains if w in key), None)
        or next((w for w in m.starts if key.startswith(w)), None)
        or next((w for w in m.ends if key.endswith(w)), None))
    return None if hit is None or any(w in key for w in m.none) else hit


def _all_matchers(v):
    for fields in (v.funding_columns, v.indicator_columns, v.funding_rows, v.top_fields):
        yield from fields.matchers.values()
    yield from (v.ignored_columns, v.block_labels, v.funding_stops, v.titles, v.total_rows, v.remark_rows,
                v.sub_items, v.execution_indicators, v.no_target_level1)


_WORDS = sorted({w for m in _all_matchers(default_vocabulary())
                 for kind in ("equals", "contains", "starts", "ends", "none") for w in getattr(m, kind)})


@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(alphabet="年度资金预算执行数分值得分指标.()*+?x1", max_size=4)),
                max_size=4))
@settings(max_examples=400, deadline=None)
def test_the_quick_scan_never_changes_a_verdict(parts):
    key = "".join(parts)
    v = default_vocabulary()
    for m in _all_matchers(v):
        assert m.word(key) == _plain_word(m, key), (m.name, key)
    for fields in (v.funding_columns, v.indicator_columns, v.funding_rows, v.top_fields):
        plain = next(((n, w) for n, m in fields.matchers.items() if (w := _plain_word(m, key)) is not None), None)
        assert fields.match(key) == (plain if len(key) <= 30 else None), key


def test_a_profile_word_with_pattern_characters_is_matched_as_written():
    from jixiao.processor.core.reader.vocabulary import Matcher

    m = Matcher({"contains": ["分值(%)", "a.b"]})  # label keys drop the brackets: “分值%”
    assert m.word("标准分值%") == "分值%" and m.word("xa.by") == "a.b"
    assert m.word("分值") is None and m.word("axb") is None  # “.” is a full stop, not any character
