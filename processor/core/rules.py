"""Rule profiles: the numbers of scoring and auditing, kept as JSON files in ``rules/``.

A profile may start with ``"extends": "default"`` and give only what differs; it is
composed onto its parent by the rule of :mod:`jixiao.processor.core.rules_compose`
(mappings merge, named lists merge by name, ``键+`` appends, ``键=`` replaces) and then
validated against ``rules/profile.schema.json``. Every refusal is a P6xx catalogue code
naming the file and the key.

The file-safety limits are not scoring rules: they live in ``rules/limits.json``
(schema ``rules/limits.schema.json``). A loaded profile still answers ``profile["limits"]``:
the shipped limits, overridden key by key by a ``limits`` object the profile may give.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jixiao.processor.core.errors import InputError
from jixiao.processor.core.rules_compose import TYPE_CN, compose, json_kind, origin_of
from jixiao.processor.files.fileio import os_reason

DEFAULT_PROFILE = "default"
LIMITS_FILE = "limits"


def _profiles_dir() -> Path:
    return Path(str(resources.files("jixiao.rules")))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError.of("P601", file=str(path), reason=os_reason(exc)) from None
    except json.JSONDecodeError as exc:
        raise InputError.of("P602", file=str(path), line=exc.lineno, column=exc.colno) from None
    except UnicodeDecodeError:
        raise InputError.of("P603", file=str(path)) from None
    if not isinstance(data, dict):
        raise InputError.of("P604", file=str(path), found=json_kind(data))
    return data


def _resolve(path: Path, origins: dict, seen: tuple[Path, ...] = (), files: list[Path] | None = None) -> dict[str, Any]:
    """The profile at ``path`` with its ``extends`` chain composed; ``origins`` filled; every file
    read is added to ``files``."""
    data = _read_json(path)
    if files is not None:
        files.append(path)
    parent = data.get("extends")
    if parent is None:  # the root of a chain starts from the reader's vocabulary (rules/vocabulary.json)
        if files is not None:
            files.append(_profiles_dir() / "vocabulary.json")
        base = compose({}, {"vocabulary": _default_vocabulary()}, str(_profiles_dir() / "vocabulary.json"), origins)
        return compose(base, data, str(path), origins)
    if not isinstance(parent, str):
        raise InputError.of("P605", file=str(path), found=_shown(parent))
    parent_path = _locate(parent, relative_to=path.parent, by=str(path))
    if parent_path in seen or parent_path == path:
        chain = " → ".join(p.name for p in (*seen, path, parent_path))
        raise InputError.of("P606", file=str(path), parent=parent, chain=chain)
    return compose(_resolve(parent_path, origins, seen + (path,), files), data, str(path), origins)


def _locate(name: str, relative_to: Path | None = None, by: str | None = None) -> Path:
    candidates = []
    if relative_to is not None:
        candidates.append(relative_to / name)
        candidates.append(relative_to / f"{name}.json")
    candidates.append(Path(name))
    candidates.append(_profiles_dir() / f"{name}.json")
    for cand in candidates:
        if cand.is_file():
            return cand.resolve()
    raise InputError.of("P607", file=by, name=name, available="、".join(available_profiles()))


def available_profiles() -> list[str]:
    skip = {"profile.schema", "findings", "findings.schema", LIMITS_FILE, f"{LIMITS_FILE}.schema", "vocabulary",
            "vocabulary.schema", "sealed"}
    return sorted(p.stem for p in _profiles_dir().glob("*.json") if p.stem not in skip)


@lru_cache(maxsize=2)
def _schema_validator(name: str = "profile"):  # jsonschema is imported only when a profile is loaded
    import jsonschema

    schema = json.loads((_profiles_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate_profile(data: dict[str, Any], source: str, origins: dict | None = None) -> None:
    """Raise InputError naming the first offending key (in a stable order) and its file.

    ``origins`` (from composition) says which file of an ``extends`` chain set each key;
    without it every key is blamed on ``source``.
    """
    origins = origins or {}

    def refuse(code: str, at: tuple, **params: Any) -> InputError:
        return InputError.of(code, file=origin_of(at, origins, source), key=_key_text(at), **params)

    errors = sorted(_schema_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        code, at, params = _schema_refusal(errors[0])
        raise refuse(code, at, **params)
    grades = [g["min"] for g in data["grades"]]
    if grades != sorted(grades, reverse=True) or grades[-1] != 0:
        raise refuse("P609", ("grades",), found="、".join(f"{g:g}" for g in grades))
    for i, lvl in enumerate(data["qualitative"]["levels"]):
        if lvl["low"] > lvl["high"]:
            raise refuse("P611", ("qualitative", "levels", i), name=lvl["name"],
                         low=lvl["low"], high=lvl["high"])
    if "vocabulary" in data:
        _vocabulary(data["vocabulary"], refuse)


@lru_cache(maxsize=1)
def _default_vocabulary() -> dict[str, Any]:
    return json.loads((_profiles_dir() / "vocabulary.json").read_text(encoding="utf-8"))


def _vocabulary(data: dict[str, Any], refuse) -> dict[str, Any]:
    """A profile's ``vocabulary`` (rules/vocabulary.json with the profile's additions composed onto
    it by the ``extends`` rule: ``键+`` appends words), validated against ``vocabulary.schema.json``."""
    import re

    errors = sorted(_schema_validator("vocabulary").iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        code, at, params = _schema_refusal(errors[0])
        raise refuse(code, ("vocabulary", *at), **params)
    for i, pattern in enumerate(data["placeholders"]):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise refuse("P619", ("vocabulary", "placeholders", i), reason=str(exc)) from None
    return data


def vocabulary_data(profile: Profile | None = None) -> dict[str, Any]:
    """The reader's words for ``profile`` (validated when the profile was loaded)."""
    if profile is None or "vocabulary" not in profile.data:
        return _default_vocabulary()
    return profile.data["vocabulary"]


def _key_text(at: tuple) -> str:
    return "/".join(str(p) for p in at) or "（顶层）"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _schema_refusal(err) -> tuple[str, tuple, dict[str, Any]]:
    """The P6xx code, the key path and the parameters for one jsonschema error."""
    at, v, schema = tuple(err.absolute_path), err.validator, err.schema
    if v == "additionalProperties":  # blame the unknown key itself
        known = list(schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(known))
        return "P617", at + tuple(extra[:1]), {"allowed": "、".join(known) or "（无）"}
    if v == "required":
        missing = [k for k in err.validator_value if k not in err.instance]
        return "P616", at, {"missing": "、".join(missing)}
    if v == "type":
        wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return "P608", at, {"expected": "或".join(TYPE_CN.get(t, t) for t in wanted),
                            "found": f"{json_kind(err.instance)} {_shown(err.instance)}"}
    if v in ("enum", "const"):
        allowed = err.validator_value if v == "enum" else [err.validator_value]
        return "P613", at, {"allowed": "、".join(_shown(a) for a in allowed), "found": _shown(err.instance)}
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        left = "(" if "exclusiveMinimum" in schema else "["
        right = ")" if "exclusiveMaximum" in schema or high is None else "]"
        span = f"{left}{'−∞' if low is None else f'{low:g}'}, {'+∞' if high is None else f'{high:g}'}{right}"
        return "P614", at, {"found": _shown(err.instance), "range": span}
    if v in ("minItems", "minLength", "minProperties"):
        return "P615", at, {"min": err.validator_value}
    return "P618", at, {"rule": v}


@dataclass(frozen=True, eq=False)  # identity: caches keyed on a profile never mix two profiles
class Profile:
    """A validated rule profile. ``data`` is the merged JSON; helpers below read it."""

    data: dict[str, Any]
    source: str
    sealed: bool = False  # built only from shipped files validated when they were sealed (rules_seal)

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def name(self) -> str:
        return self.data["name"]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def execution_weight(self) -> float:
        return float(self.data["execution"]["weight"])

    @property
    def tol(self) -> dict[str, float]:
        return self.data["tolerances"]

    def for_form(self, form: str) -> Profile:
        """The rules a form of this type is scored and audited by: the file this profile's
        ``forms`` names for it (``"department"`` → rules/department.json) composed onto this profile
        by the ``extends`` rule — so a province's overrides hold for its department forms too."""
        name = (self.data.get("forms") or {}).get(form)
        return _form_profile(self, name) if name else self

    def severity_of(self, code: str, default: str) -> str:
        return self.data["severity"].get(code, default)

    def apply_severity(self, findings: list) -> list:
        """The profile's ``severity`` overrides: a new level, or ``off`` to drop the finding."""
        from dataclasses import replace

        if not self.data["severity"]:
            return list(findings)  # no overrides: every finding keeps its own severity
        out = []
        for f in findings:
            sev = self.severity_of(f.code, f.severity)
            if sev != "off":
                out.append(f if sev == f.severity else replace(f, severity=sev))
        return out

    def grade(self, total: float) -> str:
        for g in self.data["grades"]:
            if total >= g["min"] - 1e-9:
                return g["name"]
        return self.data["grades"][-1]["name"]

    def grade_bands_text(self) -> str:
        gs = self.data["grades"]
        parts = []
        for i, g in enumerate(gs):
            if i == 0:
                parts.append(f"{g['name']} ≥ {g['min']:g}")
            else:
                parts.append(f"{g['name']} {g['min']:g}–<{gs[i - 1]['min']:g}")
        return "，".join(parts)


@lru_cache(maxsize=16)
def load_profile(name_or_path: str | None = None, *, validate: bool = False) -> Profile:
    """Load a profile by id (a file in ``rules/``) or by path; raises InputError. A profile made
    only of sealed shipped files is not validated again (see rules_seal) unless ``validate``."""
    from jixiao.processor.core.rules_seal import sealed

    path = _locate(name_or_path or DEFAULT_PROFILE)
    origins: dict = {}
    files: list[Path] = []
    data = _resolve(path, origins, files=files)
    # the seal vouches for the shipped profiles as profiles (rules_seal validated each one); a sealed
    # file that is none (vocabulary.json, a part of every profile) is validated, and refused, as before
    is_sealed = not validate and path.stem in available_profiles() and sealed(files)
    overrides = data.get("limits") or {}
    if not is_sealed:
        validate_profile(data, str(path), origins)
        if overrides:
            validate_limits(overrides, str(path), origins)
    data = {**data, "limits": {**default_limits(), **overrides}}
    return Profile(data=data, source=str(path), sealed=is_sealed)


@lru_cache(maxsize=16)
def _form_profile(base: Profile, name: str) -> Profile:
    from jixiao.processor.core.rules_seal import sealed

    path = _locate(name, relative_to=Path(base.source).parent, by=base.source)
    own = {k: v for k, v in _read_json(path).items() if k != "extends"}
    origins: dict = {}
    data = compose({k: v for k, v in base.data.items() if k != "limits"}, own, str(path), origins)
    data["forms"] = {}  # the overlay is the form's profile: it is not overlaid again
    is_sealed = base.sealed and sealed([path])  # a sealed base with a sealed overlay: sealed together
    if not is_sealed:
        validate_profile(data, str(path), origins)
    return Profile(data={**data, "limits": base.data["limits"]}, source=str(path), sealed=is_sealed)


# --------------------------------------------------------------------------- file limits


@lru_cache(maxsize=1)
def default_limits() -> dict[str, int | float]:
    """The shipped ``rules/limits.json`` (read without jsonschema: a test validates it)."""
    data = json.loads((_profiles_dir() / f"{LIMITS_FILE}.json").read_text(encoding="utf-8"))
    return dict(data["limits"])


@lru_cache(maxsize=1)
def _limits_validator():
    import jsonschema

    schema = json.loads((_profiles_dir() / f"{LIMITS_FILE}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema["$defs"]["limits"])


def validate_limits(limits: Any, source: str, origins: dict | None = None) -> None:
    """Raise the P6xx refusal naming the first offending key of a ``limits`` object."""
    errors = sorted(_limits_validator().iter_errors(limits), key=lambda e: list(map(str, e.path)))
    if errors:
        code, at, params = _schema_refusal(errors[0])
        at = ("limits", *at)
        raise InputError.of(code, file=origin_of(at, origins or {}, source), key=_key_text(at), **params)


def load_limits(name_or_path: str | None = None) -> dict[str, int | float]:
    """A limits file (``rules/limits.json`` by default, or one that ``extends`` it); every key
    it leaves out keeps the shipped value."""
    if not name_or_path:
        return default_limits()
    path = _locate(name_or_path)
    origins: dict = {}
    data = _resolve(path, origins)
    validate_limits(data.get("limits", {}), str(path), origins)
    return {**default_limits(), **data.get("limits", {})}
