"""Rule profiles: the numbers of scoring and auditing, kept as JSON files in ``rules/``.

A profile may start with ``"extends": "default"`` and give only what differs; it is
merged onto its parent and then validated against ``rules/profile.schema.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jixiao.processor.core.errors import InputError

DEFAULT_PROFILE = "default"


def _profiles_dir() -> Path:
    return Path(str(resources.files("jixiao.rules")))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"无法读取规则文件：{exc.strerror or exc}", file=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f"第 {exc.lineno} 行第 {exc.colno} 列" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputError(f"规则文件不是有效的 JSON{where}", file=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("规则文件的顶层应为一个对象 {…}", file=str(path))
    return data


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _resolve(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    data = _read_json(path)
    parent = data.get("extends")
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError("“extends”应为规则名称或文件路径", file=str(path))
    parent_path = _locate(parent, relative_to=path.parent)
    if parent_path in seen or parent_path == path:
        raise InputError(f"规则文件循环继承“{parent}”", file=str(path))
    merged = _deep_merge(_resolve(parent_path, seen + (path,)), data)
    merged.pop("extends", None)
    return merged


def _locate(name: str, relative_to: Path | None = None) -> Path:
    candidates = []
    if relative_to is not None:
        candidates.append(relative_to / name)
        candidates.append(relative_to / f"{name}.json")
    candidates.append(Path(name))
    candidates.append(_profiles_dir() / f"{name}.json")
    for cand in candidates:
        if cand.is_file():
            return cand.resolve()
    raise InputError(f"找不到规则“{name}”（可用：{', '.join(available_profiles())}）", file=name)


def available_profiles() -> list[str]:
    skip = {"profile.schema", "findings", "findings.schema", "vocabulary", "vocabulary.schema"}
    return sorted(p.stem for p in _profiles_dir().glob("*.json") if p.stem not in skip)


@lru_cache(maxsize=1)
def _schema_validator():  # jsonschema is imported only when a profile is loaded
    import jsonschema

    schema = json.loads((_profiles_dir() / "profile.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate_profile(data: dict[str, Any], source: str) -> None:
    """Raise InputError naming the first offending key (in a stable order)."""
    errors = sorted(_schema_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        err = errors[0]
        key = "/".join(str(p) for p in err.absolute_path) or "（顶层）"
        raise InputError(f"规则文件的“{key}”不符合要求：{_describe(err)}", file=source)
    grades = [g["min"] for g in data["grades"]]
    if grades != sorted(grades, reverse=True) or grades[-1] != 0:
        raise InputError("规则文件的“grades”应按 min 从高到低排列，且最后一档 min 为 0", file=source)
    for i, lvl in enumerate(data["qualitative"]["levels"]):
        if lvl["low"] > lvl["high"]:
            raise InputError(f"规则文件的“qualitative/levels/{i}”的 low 大于 high", file=source)
    if data.get("vocabulary"):  # the reader's words: validated merged onto rules/vocabulary.json
        from jixiao.processor.core.reader.vocabulary import build_vocabulary

        build_vocabulary(data["vocabulary"], source)


def _describe(err) -> str:
    v = err.validator
    if v == "required":
        return f"缺少必填项（{err.message.split(' ')[0]}）"
    if v == "additionalProperties":
        return f"有不认识的键（{err.message}）"
    if v in ("type", "enum"):
        return f"取值类型或取值不对（{err.message}）"
    if v in ("minimum", "maximum", "exclusiveMinimum", "minItems", "minLength", "minProperties"):
        return f"取值超出范围（{err.message}）"
    return err.message


@dataclass(frozen=True, eq=False)  # identity: caches keyed on a profile never mix two profiles
class Profile:
    """A validated rule profile. ``data`` is the merged JSON; helpers below read it."""

    data: dict[str, Any]
    source: str

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

    def severity_of(self, code: str, default: str) -> str:
        return self.data["severity"].get(code, default)

    def apply_severity(self, findings: list) -> list:
        """The profile's ``severity`` overrides: a new level, or ``off`` to drop the finding."""
        from dataclasses import replace

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
def load_profile(name_or_path: str | None = None) -> Profile:
    """Load a profile by id (a file in ``rules/``) or by path; raises InputError."""
    path = _locate(name_or_path or DEFAULT_PROFILE)
    data = _resolve(path)
    validate_profile(data, str(path))
    return Profile(data=data, source=str(path))
