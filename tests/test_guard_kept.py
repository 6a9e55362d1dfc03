"""What the guard keeps between files (issue 16) never changes a verdict.

The guard keeps, keyed on exact bytes, what a small member came to (container._SEEN), the
sheet listing (container._LISTINGS) and the worksheet skeletons and rows it has proven
(sheet_pieces). Every file of the corpora is inspected with nothing kept and again after
the guard has seen every file, under the shipped limits and under limits tight enough
that parts kept as harmless must now be refused (a part too large, too many styles, too
much media, text, cells …): the report or the refusal (code and parameters) must be the
same both ways.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from jixiao.processor.core.errors import InputError
from jixiao.processor.files.guard import container, inspect, sheet_pieces

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import build_corpus, write_minimal_form  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

LIMITS = [
    None,
    {"max_xml_part_bytes": 2000},
    {"max_styles": 8},
    {"max_media_bytes": 10},
    {"max_text_chars": 40},
    {"max_cell_elements": 30},
    {"max_cells": 20},
    {"max_merged_cells": 3},
    {"max_shared_strings": 3},
]


def forget() -> None:
    container.forget()
    assert not (container._SEEN or container._LISTINGS or sheet_pieces._PIECES or sheet_pieces._SKELETONS)


def outcome(path: Path, limits: dict | None) -> tuple:
    try:
        r = inspect(path, limits)
    except InputError as err:
        return ("refused", err.code, err.params)
    return ("ok", r.kind, r.members, r.uncompressed_bytes, r.cells, r.macros, r.external_links,
            r.embedded_objects, r.risky_functions, r.formulas, r.sheets, r.figures)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("kept")
    expected = build_corpus(tmp)
    paths = [tmp / name for name in sorted(expected)]
    paths += sorted((ROOT / "examples").glob("*.xlsx")) + [ROOT / "templates" / "自评表.xlsx"]
    paths.append(write_minimal_form(tmp / "again.xlsx"))
    from corpus import build

    real = tmp / "real"
    real.mkdir()
    paths += [build.build(table, real) for table in build.tables()[:12]]
    return paths


@pytest.mark.parametrize("limits", LIMITS, ids=lambda x: "shipped" if x is None else next(iter(x)))
def test_a_kept_answer_is_the_answer(files, limits):
    cold = []
    for path in files:
        forget()
        cold.append(outcome(path, limits))
    forget()
    for path in files:  # keep what every file teaches, under the shipped limits
        outcome(path, None)
    warm = [outcome(path, limits) for path in files]
    for path, a, b in zip(files, cold, warm):
        assert a == b, path.name
    if limits is None:
        assert sum(o[0] == "ok" for o in warm) > 20
    else:  # the tight limit refuses files the shipped ones let through
        assert sum(o[0] == "refused" for o in warm) > sum(o[0] == "refused" for o in [outcome(p, None) for p in files])


def test_the_parts_of_a_form_are_kept(tmp_path):
    forget()
    form = write_minimal_form(tmp_path / "a.xlsx")
    first = outcome(form, None)
    assert container._SEEN and container._LISTINGS and sheet_pieces._PIECES
    assert outcome(form, None) == first


def test_kept_tables_share_one_bound_and_clear_together():
    from jixiao.processor.files.guard.kept import Kept

    kept = Kept(10, a=3, b=2)
    kept.keep("a", b"1", 1, 4)
    kept.keep("b", b"2", 2, 4)
    assert kept.tables == {"a": {b"1": 1}, "b": {b"2": 2}} and kept.bytes == 8
    kept.keep("a", b"3", 3, 4)  # 12 bytes of keys would pass the bound: everything goes first
    assert kept.tables == {"a": {b"3": 3}, "b": {}} and kept.bytes == 4
    kept.keep("b", b"4", 4, 1)
    kept.keep("b", b"5", 5, 1)
    kept.keep("b", b"6", 6, 1)  # b holds its 2 entries: full
    assert kept.tables == {"a": {}, "b": {b"6": 6}} and kept.bytes == 1
