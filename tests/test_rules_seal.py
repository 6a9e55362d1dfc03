"""The shipped profiles are validated when sealed, not at every start (core/rules_seal)."""

import json
import shutil
import subprocess
import sys

import pytest
from jixiao.processor.core import rules, rules_seal
from jixiao.processor.core.errors import InputError


def test_the_seal_matches_the_shipped_files():
    assert rules_seal.seals() == rules_seal.compute(), (
        "a shipped rules file changed: validate and seal again with  python -m jixiao.processor.core.rules_seal")


def test_every_shipped_profile_and_overlay_passes_the_schema():
    for name in rules.available_profiles():
        profile = rules.load_profile(name, validate=True)
        assert not profile.sealed
        for form in profile.data.get("forms") or {}:
            assert not profile.for_form(form).sealed


def test_shipped_profiles_load_sealed_and_equal_to_validated():
    for name in rules.available_profiles():
        fast, slow = rules.load_profile(name), rules.load_profile(name, validate=True)
        assert fast.sealed and fast.data == slow.data
        assert fast.for_form("department").sealed
        assert fast.for_form("department").data == slow.for_form("department").data


def test_a_default_start_imports_no_jsonschema():
    code = ("import sys; from jixiao.processor.core.rules import load_profile; p = load_profile(); "
            "p.for_form('department'); print('jsonschema' in sys.modules, p.sealed)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


@pytest.fixture
def rules_copy(tmp_path, monkeypatch):
    """The shipped rules directory, copied, as the one the engine reads."""
    copy = tmp_path / "rules"
    shutil.copytree(rules._profiles_dir(), copy)
    monkeypatch.setattr(rules, "_profiles_dir", lambda: copy)
    rules.load_profile.cache_clear()
    rules_seal.seals.cache_clear()
    rules._form_profile.cache_clear()
    yield copy
    rules.load_profile.cache_clear()
    rules_seal.seals.cache_clear()
    rules._form_profile.cache_clear()


def test_an_edited_shipped_file_is_validated_again(rules_copy):
    assert rules.load_profile().sealed
    rules.load_profile.cache_clear()
    data = json.loads((rules_copy / "default.json").read_text(encoding="utf-8"))
    data["execution"]["weight"] = "十"
    (rules_copy / "default.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError) as err:
        rules.load_profile()
    assert err.value.code.startswith("P6") and "execution/weight" in str(err.value)


def test_an_edited_overlay_is_validated_again(rules_copy):
    data = json.loads((rules_copy / "department.json").read_text(encoding="utf-8"))
    data["execution"] = {"weight": "十"}
    (rules_copy / "department.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    profile = rules.load_profile()
    assert profile.sealed
    with pytest.raises(InputError) as err:
        profile.for_form("department")
    assert "execution/weight" in str(err.value)


def test_a_user_file_extending_default_is_validated(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"extends": "default", "id": "x", "name": "n", "execution": {"weight": "十"}},
                               ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError):
        rules.load_profile(str(path))
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"extends": "default", "id": "x", "name": "n"}), encoding="utf-8")
    profile = rules.load_profile(str(ok))
    assert not profile.sealed and not profile.for_form("department").sealed


def test_a_missing_seal_file_means_validation(rules_copy):
    (rules_copy / rules_seal.SEAL_FILE).unlink()
    assert not rules.load_profile().sealed
