"""The findings catalogue: one file per family, every entry complete and documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from jixiao.processor.cli.codes_page import render_codes
from jixiao.processor.core.findings import FAMILY_ORDER, SEVERITIES, catalogue, families

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "rules" / "findings").glob("*.json"))
KEYS = {"code", "severity", "title", "message", "fix", "description"}
OPTIONAL = {"reads"}  # the fields a finding is derived from (core/model.py READ_KEYS)


def entries() -> list[tuple[str, dict]]:
    out = []
    for path in FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        out += [(data["family"], e) for e in data["findings"]]
    return out


def test_every_family_file_is_known_and_its_codes_are_its_own():
    seen: set[str] = set()
    for path in FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert path.stem == data["family"] and data["family"] in FAMILY_ORDER, path.name
        for e in data["findings"]:
            assert re.fullmatch(rf"{data['family']}\d{{3}}", e["code"]), e["code"]
            assert e["code"] not in seen, f"{e['code']} twice"
            seen.add(e["code"])
    assert seen == set(catalogue()) and list(families()) == [f for f in FAMILY_ORDER if f in families()]


def test_every_entry_is_complete():
    for _family, e in entries():
        assert KEYS <= set(e) <= KEYS | OPTIONAL, e["code"]
        assert e["severity"] in SEVERITIES, e["code"]
        for key in ("title", "message", "fix"):
            assert e[key].strip(), f"{e['code']}: empty {key}"


def test_every_entry_has_a_real_description():
    """What it checks, why a reviewer cares, an example (“例：…”); not an empty string."""
    for _family, e in entries():
        text = e["description"].strip()
        assert text, f"{e['code']} has no description"
        assert len(text) >= 40 and "例" in text, f"{e['code']}: say what it checks, why, and give an example"
        assert text != e["message"] and text != e["title"], e["code"]


def test_the_codes_page_shows_every_description():
    page = render_codes()
    for _family, e in entries():
        assert f"### {e['code']} {e['title']}" in page
        assert e["description"] in page, e["code"]


def test_every_arithmetic_finding_says_what_it_is_derived_from():
    """The structural guard of issue 10: a T or F finding (and any I finding derived from
    weights, scores or money) lists the fields it reads, so the audit can withhold it when the
    reader could not identify one of them. An F or T code without ``reads`` could slip through."""
    from jixiao.processor.core.model import READ_KEYS

    for _family, e in entries():
        reads = e.get("reads", [])
        assert set(reads) <= set(READ_KEYS), e["code"]
        if e["code"][0] in "FT" or e["code"][0] == "I":
            assert reads, f"{e['code']} must list what it reads"
        if e["code"][0] == "R":
            assert not reads, f"{e['code']}: reading findings are never withheld"


_LINE_TEXT = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(" \t\r\n\v\f\x85\u2028\u2029")), max_size=12)


@given(_LINE_TEXT, _LINE_TEXT)
def test_messages_join_line_breaks_in_every_text_parameter(name, basis):
    # the reference: every text parameter through _BREAKS (render skips the printable ones)
    from jixiao.processor.core.findings import _BREAKS, _Params, make

    params = {"name": name, "expected": "1", "found": 2.5, "basis": basis}
    entry = catalogue()["I204"]
    values = _Params({k: _BREAKS.sub(" ", v) if isinstance(v, str) else v for k, v in params.items()}, sheet="表")
    f = make("I204", sheet="表", cell="H9", **params)
    assert (f.message, f.fix) == (entry["message"].format_map(values), entry["fix"].format_map(values))
    assert f.params == params
