"""Findings: the product's main output, one record type everywhere.

Codes, severities, titles and message templates live in ``rules/findings/<family>.json``; the
code only says *which* finding and with which values. ``docs/codes.md`` is generated
from the same file (``python -m jixiao.processor.cli.codes_page``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

SEVERITIES = ("error", "warning", "info")
SEVERITY_CN = {"error": "错误", "warning": "提示", "info": "信息"}
_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # error | warning | info
    sheet: str | None
    cell: str | None  # A1 address or range; None for the whole sheet/file
    message: str
    fix: str
    file: str | None = None
    # the values the message was made from (numbers stay numbers), for JSON consumers
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet, "cell": self.cell,
                "message": self.message, "fix": self.fix, "params": dict(self.params)}

    def sort_key(self) -> tuple:
        return (self.file or "", self.sheet or "", _ORDER[self.severity], _cell_key(self.cell), self.code)


@lru_cache(maxsize=16384)
def _cell_key(cell: str | None) -> tuple[int, int]:
    if not cell:
        return (0, 0)
    from jixiao.processor.core.grid import parse_addr

    try:
        return parse_addr(cell.split(":")[0].replace("$", ""))
    except ValueError:
        return (0, 0)


@lru_cache(maxsize=1)
def families() -> dict[str, str]:
    """Family letter → its title, in the order of the codes page."""
    return {fam: data["title"] for fam, data in _family_files()}


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every code of every family file under ``rules/findings/``."""
    return {entry["code"]: entry for _fam, data in _family_files() for entry in data["findings"]}


def _family_files() -> list[tuple[str, dict[str, Any]]]:
    folder = resources.files("jixiao.rules").joinpath("findings")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    loaded = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    return sorted(((d["family"], d) for d in loaded), key=lambda fd: FAMILY_ORDER.index(fd[0])
                  if fd[0] in FAMILY_ORDER else len(FAMILY_ORDER))


# the codes page lists families in the order a form is read, checked and merged
FAMILY_ORDER = ("R", "F", "I", "T", "D", "J", "C", "P", "Y")


# a message is one line: a line break inside a label (“到位率⏎(3分)”) is shown as a space,
# not as a control character the terminal layer would print escaped (“\u000a”)
_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x85\u2028\u2029]+[ \t]*")


class _Params(dict):
    def __missing__(self, key: str) -> str:  # a template never fails on a missing value
        return "—"


def make(code: str, *, sheet: str | None = None, cell: str | None = None, file: str | None = None,
         severity: str | None = None, **params: Any) -> Finding:
    """Build a finding from the catalogue; ``params`` fill the message and fix templates."""
    entry = catalogue()[code]
    message, fix = _render(entry, sheet, params)
    return Finding(
        code=code,
        severity=severity or entry["severity"],
        sheet=sheet,
        cell=cell,
        message=message,
        fix=fix,
        file=file,
        params={k: v if v.__class__ in _PLAIN_TYPES else _plain(v) for k, v in params.items()},
    )


def render(code: str, *, sheet: str | None = None, **params: Any) -> tuple[str, str]:
    """The catalogue's message and fix for ``code``, filled with ``params``."""
    return _render(catalogue()[code], sheet, params)


def _render(entry: dict[str, str], sheet: str | None, params: dict[str, Any]) -> tuple[str, str]:
    values = _Params(params)
    for k, v in params.items():
        # a str with no line break is left as it is: every break _BREAKS joins is a character
        # str.isprintable() refuses, so a printable str has none (the test compares the two)
        if isinstance(v, str) and not (v.__class__ is str and v.isprintable()):
            values[k] = _BREAKS.sub(" ", v)
    values.setdefault("sheet", sheet or "")
    return entry["message"].format_map(values), entry["fix"].format_map(values)


_PLAIN_TYPES = frozenset({type(None), bool, int, float, str})  # _plain keeps these as they are


def _plain(value: Any) -> Any:
    """A parameter as JSON can carry it: numbers and text as they are, anything else as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def counts(findings: list[Finding]) -> dict[str, int]:
    out = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        out[f.severity] += 1
    return out
