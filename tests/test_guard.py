"""The workbook guard against the generated hostile corpus (timing lives in benchmarks/)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import catalogue
from jixiao.processor.core.rules import load_limits, load_profile
from jixiao.processor.files.guard import DEFAULT_LIMITS, GuardReport, human_size, inspect

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import BILLION_LAUGHS, SKIPPED, build_corpus  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    directory = tmp_path_factory.mktemp("hostile")
    return directory, build_corpus(directory)


def outcome(path: Path, limits: dict | None = None) -> tuple[str, GuardReport | InputError]:
    try:
        report = inspect(path, limits)
    except InputError as err:
        return err.code, err
    return "ok", report


def test_every_corpus_item_gets_its_expected_outcome(corpus):
    directory, expected = corpus
    assert len(expected) >= 60, SKIPPED
    wrong = []
    for name, want in expected.items():
        got, detail = outcome(directory / name)
        if got != want:
            wrong.append(f"{name}: expected {want}, got {got} ({detail})")
        if isinstance(detail, InputError):
            # every refusal is one Chinese line naming the file
            assert detail.file == str(directory / name)
            assert CJK.search(detail.detail) and "\n" not in detail.detail, detail.detail
    assert not wrong, "\n".join(wrong)


def test_encrypted_message_is_exact(corpus):
    directory, expected = corpus
    encrypted = [n for n, want in expected.items() if want == "J502"]
    assert encrypted
    for name in encrypted:
        with pytest.raises(InputError) as exc:
            inspect(directory / name)
        assert exc.value.detail == "文件已加密，请去除密码后重新提交"


def test_messages_name_what_was_found(corpus):
    directory, _ = corpus
    cases = {
        "zip_bomb.xlsx": ["解压后共 1.3 GB", "超过上限 512 MB", "max_total_bytes"],
        "zip_bomb_ratio.xlsx": ["压缩比", "200:1", "xl/worksheets/sheet1.xml", "max_ratio"],
        "zip_bomb_lying_size.xlsx": ["声明的 300 KB"],
        "oversized.xlsx": ["101 MB", "100 MB", "max_file_bytes"],
        "too_many_members.xlsx": ["10010 个部件", "10000 个", "max_zip_members"],
        "far_cell_prefixed.xlsx": ["工作表“自评表”", "1048576 行 × 16384 列", "max_cells"],
        "far_cells_without_r.xlsx": ["1048576 行", "max_cells"],
        "huge_unique_count.xlsx": ["uniqueCount", "4000000000", "max_shared_strings"],
        "shared_string_x10000.xlsx": ["327680", "max_text_chars"],
        "whole_sheet_merge.xlsx": ["合并区域", "max_merged_cells"],
        "whole_sheet_hyperlink.xlsx": ["超链接", "max_hyperlink_cells"],
        "many_styles.xlsx": ["200001 条格式记录", "max_styles"],
        "big_drawing.xlsx": ["xl/drawings/drawing1.xml", "20 MB", "max_xml_part_bytes"],
        "big_media.xlsx": ["140 MB", "max_media_bytes"],
        "nested_cells.xlsx": ["结构无效"],
        "billion_laughs.xlsx": ["xl/sharedStrings.xml", "billion laughs"],
        "xxe.xlsx": ["XXE"],
        "xxe_utf16.xlsx": ["XXE"],
        "missing_workbook.xlsx": ["xl/workbook.xml"],
        "missing_content_types.xlsx": ["[Content_Types].xml"],
        "zero_bytes.xlsx": ["0 字节"],
        "pdf_renamed.xlsx": ["PDF"],
        "folder.xlsx": ["文件夹"],
    }
    for name, parts in cases.items():
        _, err = outcome(directory / name)
        assert isinstance(err, InputError), name
        for part in parts:
            assert part in err.detail, f"{name}: {part!r} not in {err.detail!r}"


def test_report_flags_and_kind(corpus):
    directory, expected = corpus
    plain = inspect(directory / "minimal.xlsx")
    assert plain.kind == "xlsx" and plain.active_content is None
    assert not (plain.macros or plain.external_links or plain.embedded_objects)
    assert plain.members > 0 and plain.uncompressed_bytes > plain.size / 2
    assert plain.cells and plain.cells > 50

    xlsm = inspect(directory / "macros_links.xlsm")
    assert xlsm.macros and xlsm.external_links
    assert xlsm.active_content == "宏、外部链接"

    web = inspect(directory / "webservice.xlsx")
    assert web.risky_functions == ("FILTERXML", "WEBSERVICE")
    assert "WEBSERVICE" in (web.active_content or "")

    assert inspect(directory / "formula_injection.xlsx").risky_functions == ()
    assert inspect(directory / "really_a_workbook.pdf").kind == "xlsx"
    if "form.xls" in expected:
        xls = inspect(directory / "form.xls")
        assert xls.kind == "xls" and xls.cells and xls.cells > 50


def test_profile_limits_are_the_shipped_limits_file():
    assert dict(load_profile()["limits"]) == DEFAULT_LIMITS == load_limits()
    shipped = json.loads(Path(load_profile().source).with_name("limits.json").read_text(encoding="utf-8"))
    assert shipped["limits"] == DEFAULT_LIMITS
    assert "limits" not in json.loads(Path(load_profile().source).read_text(encoding="utf-8"))


def test_limits_file_matches_its_schema_and_every_key_is_documented():
    import jsonschema

    folder = Path(load_profile().source).parent
    schema = json.loads((folder / "limits.schema.json").read_text(encoding="utf-8"))
    data = json.loads((folder / "limits.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert set(data["limits"]) == set(schema["$defs"]["limits"]["properties"])
    security = (Path(__file__).parents[1] / "docs" / "security.md").read_text(encoding="utf-8")
    for key in data["limits"]:
        assert f"`{key}`" in security, key


def test_a_profile_may_override_some_limits_and_a_bad_override_is_refused(tmp_path, corpus):
    directory, _ = corpus
    loose = tmp_path / "loose.json"
    loose.write_text('{"extends": "default", "id": "loose", "name": "宽松", "limits": {"max_cells": 20000000}}',
                     encoding="utf-8")
    profile = load_profile(str(loose))
    assert profile["limits"]["max_cells"] == 20_000_000
    assert profile["limits"]["max_styles"] == DEFAULT_LIMITS["max_styles"]
    assert outcome(directory / "far_columns_without_r.xlsx", profile["limits"])[0] == "ok"
    bad = tmp_path / "bad.json"
    bad.write_text('{"extends": "default", "id": "bad", "name": "坏", "limits": {"max_cellz": 1}}',
                   encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profile(str(bad))
    assert "limits" in str(err.value) and "max_cellz" in str(err.value)


@pytest.mark.parametrize(
    "limits, code, words",
    [
        ({"max_file_bytes": 1000}, "J530", "文件大小"),
        ({"max_zip_members": 3}, "J531", "个部件，超过上限 3 个"),
        ({"max_total_bytes": 10_000}, "J533", "解压后共"),
        ({"max_member_bytes": 4000}, "J532", "超过单个部件上限"),
        ({"max_cells": 50}, "J538", "19 行 × 9 列"),
        ({"max_cell_elements": 50}, "J537", "超过上限 50 个"),
        ({"max_text_chars": 100}, "J540", "超过上限 100 个"),
        ({"max_merged_cells": 20}, "J541", "合并区域"),
        ({"max_styles": 3}, "J543", "格式记录"),
        ({"max_xml_part_bytes": 1000}, "J544", "xl/"),
        ({"max_media_bytes": 10}, None, None),  # the form has no media
        ({"max_cells": 10_000_000}, None, None),
    ],
)
def test_limits_are_applied(corpus, limits, code, words):
    directory, _ = corpus
    got, err = outcome(directory / "minimal.xlsx", limits)
    if code is None:
        assert got == "ok"
    else:
        assert got == code and words in str(err)
        assert err.params["limit"] == next(iter(limits.values()))


def test_every_guard_code_is_produced(corpus):
    """Each guard code of the catalogue (J530–J549) is what some hostile file gets."""
    from jixiao.processor.core.findings import catalogue

    directory, expected = corpus
    produced = set(expected.values())
    listed = {c for c in catalogue() if "J530" <= c < "J550"}  # J55x: fill's output refusals
    assert listed - produced == set()


def test_refusals_are_catalogue_entries_with_their_values(corpus):
    from jixiao.processor.core.findings import render

    directory, expected = corpus
    for name, want in expected.items():
        if want == "ok":
            continue
        _, err = outcome(directory / name)
        message, _fix = render(err.code, **err.params)
        assert err.detail == message, name
        if err.code >= "J530" and err.code not in ("J535", "J536"):
            assert {"found", "limit"} <= set(err.params), (name, err.params)


def test_ratio_limit_from_profile(corpus):
    directory, _ = corpus
    assert outcome(directory / "zip_bomb_ratio.xlsx", {"max_ratio": 5000})[0] == "ok"
    assert outcome(directory / "large_sane.xlsx", {"max_ratio": 2})[0] == "J534"


def test_openpyxl_parses_xml_through_defusedxml():
    import defusedxml.common
    import openpyxl.xml
    from openpyxl.reader.strings import read_string_table

    assert openpyxl.xml.DEFUSEDXML is True
    with pytest.raises(defusedxml.common.DefusedXmlException):
        read_string_table(io.BytesIO(BILLION_LAUGHS.encode()))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc (VmHWM)")
def test_bombs_are_refused_without_memory_blow_up(corpus):
    directory, _ = corpus
    bombs = ["zip_bomb.xlsx", "zip_bomb_ratio.xlsx", "zip_bomb_lying_size.xlsx"]
    # VmHWM is the peak RSS of the child's own address space (ru_maxrss would carry the
    # parent's peak over fork + exec).
    child = (
        "import json, re, sys\n"
        "from jixiao.processor.core.errors import InputError\n"
        "from jixiao.processor.files.guard import inspect\n"
        "codes = []\n"
        "for p in sys.argv[1:]:\n"
        "    try:\n"
        "        inspect(p)\n"
        "        codes.append('ok')\n"
        "    except InputError as e:\n"
        "        codes.append(e.code)\n"
        "status = open('/proc/self/status').read()\n"
        "peak = int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) * 1024\n"
        "print(json.dumps([codes, peak]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", child, *(str(directory / b) for b in bombs)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    codes, peak = json.loads(run.stdout)
    assert codes == ["J533", "J534", "J535"]
    # the bombs inflate to 1.3 GB, 100 MB and 200 MB; the guard stays near interpreter size
    assert peak < 100 * 1024**2, human_size(peak)


def test_inputs_are_never_modified(corpus):
    directory, expected = corpus
    files = [
        directory / n
        for n in expected
        if (directory / n).is_file() and os.access(directory / n, os.R_OK)
    ]
    files = [f for f in files if f.stat().st_size < 5 * 1024**2]
    before = {f: (hashlib.sha256(f.read_bytes()).hexdigest(), f.stat().st_mtime_ns) for f in files}
    for f in files:
        outcome(f)
    after = {f: (hashlib.sha256(f.read_bytes()).hexdigest(), f.stat().st_mtime_ns) for f in files}
    assert before == after


def test_duplicates_are_byte_identical(corpus):
    directory, _ = corpus
    assert (directory / "duplicate_a.xlsx").read_bytes() == (
        directory / "duplicate_b.xlsx"
    ).read_bytes()


def test_formula_injection_strings_stay_text(corpus):
    from python_calamine import CalamineWorkbook

    directory, _ = corpus
    rows = (
        CalamineWorkbook.from_path(str(directory / "formula_injection.xlsx"))
        .get_sheet_by_index(0)
        .to_python()
    )
    values = {v for row in rows for v in row if isinstance(v, str)}
    assert '=HYPERLINK("http://x","y")' in values and "@SUM(1)" in values and "=1+1" in values


def test_cfb_directory_matches_olefile(corpus):
    olefile = pytest.importorskip("olefile")
    from jixiao.processor.files.guard.cfb import Cfb
    from jixiao.processor.files.guard.source import Source

    directory, expected = corpus
    for name in ("encrypted.xlsx", "form.xls"):
        if name not in expected:
            continue
        data = (directory / name).read_bytes()
        ours = {e[0] for e in Cfb(Source(io.BytesIO(data), len(data), data)).entries(1000)}
        ole = olefile.OleFileIO(io.BytesIO(data))
        theirs = {p[-1] for p in ole.listdir(streams=True, storages=True)}
        assert theirs <= ours, (name, ours, theirs)


def test_human_size():
    assert human_size(0) == "0 字节"
    assert human_size(1536) == "1.5 KB"
    assert human_size(1024**3) == "1 GB"
    assert human_size(int(3.2 * 1024**3)) == "3.2 GB"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_bytes_raise_only_input_error(corpus, data, tmp_path_factory):
    directory, _ = corpus
    source = (
        directory / data.draw(st.sampled_from(["minimal.xlsx", "form.xls", "encrypted.xlsx"]))
    ).read_bytes()
    blob = bytearray(source)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(blob)))
    target = tmp_path_factory.mktemp("fuzz") / "fuzzed.xlsx"
    target.write_bytes(bytes(blob[:cut]))
    try:
        report = inspect(target)
    except InputError as err:
        assert err.code in catalogue() and err.code.startswith("J5")
        assert CJK.search(err.detail) and "\n" not in err.detail
    else:
        assert report.kind in ("xlsx", "xls")
