"""I223 (copied indicator sets) by inverted index gives exactly the findings of the pairwise check.

The pairwise version below is the check as it was before the index (kept here verbatim,
O(n²)); every corpus is run through both and the (project, finding) lists must be equal,
order included.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jixiao.processor.core.audit import IndicatorSet, audit_batch, indicator_signature
from jixiao.processor.core.findings import make
from jixiao.processor.core.values import norm

ROOT = Path(__file__).resolve().parent.parent


def _base(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def pairwise(items: list[IndicatorSet]) -> list[tuple[IndicatorSet, object]]:
    """audit_batch as it was (on IndicatorSet instead of Record: the same attributes read)."""
    out = []
    sigs = [(r, r.names) for r in items]
    for i, (rec, sig) in enumerate(sigs):
        if len(sig) < 3:
            continue
        for other, osig in sigs[:i] + sigs[i + 1:]:
            if norm(other.project) == norm(rec.project) or len(osig) < 3:
                continue
            same = len(set(sig) & set(osig))
            if same / max(len(set(sig)), len(set(osig))) >= 0.8:
                out.append((rec, make("I223", sheet=rec.sheet, cell=rec.cell, file=rec.file,
                                      other=other.project or other.sheet, source=_base(other.file))))
                break
    return out


def _key(pairs) -> list[tuple]:
    return [(id(item), f.code, f.file, f.sheet, f.cell, f.message) for item, f in pairs]


def _same(items: list[IndicatorSet]) -> list[tuple]:
    got, want = _key(audit_batch(items)), _key(pairwise(items))
    assert got == want
    return got


def _sets(rng: random.Random, n: int, vocabulary: int, size: tuple[int, int], names: int,
          copy_share: float = 0.1, tweak: float = 0.3) -> list[IndicatorSet]:
    out: list[IndicatorSet] = []
    for i in range(n):
        if out and rng.random() < copy_share:  # a copy, possibly with a name changed or added
            base = list(rng.choice(out).names)
            if rng.random() < tweak and base:
                base[rng.randrange(len(base))] = f"指标{rng.randrange(vocabulary)}"
            if rng.random() < tweak:
                base.append(f"指标{rng.randrange(vocabulary)}")
        else:
            base = [f"指标{rng.randrange(vocabulary)}" for _ in range(rng.randint(*size))]
        project = f"项目{rng.randrange(names)}" if names else f"项目{i}"
        out.append(IndicatorSet(f"单位/{i}.xlsx", "自评表", project, "D13", tuple(sorted(base))))
    return out


@pytest.mark.parametrize(("seed", "n", "vocabulary", "size", "names"), [
    (1, 400, 30, (1, 8), 0),       # small vocabulary: many near misses, duplicates inside a set
    (2, 400, 12, (3, 6), 40),      # tiny vocabulary, repeated project names (skipped pairs)
    (3, 600, 5000, (5, 12), 0),    # realistic: each project its own names, a few copies
    (4, 300, 8, (3, 4), 3),        # almost everything overlaps; three project names only
    (5, 300, 50, (0, 3), 0),       # mostly too short to compare
])
def test_index_equals_pairwise_on_random_corpora(seed, n, vocabulary, size, names):
    found = _same(_sets(random.Random(seed), n, vocabulary, size, names))
    if seed in (1, 3, 4):
        assert found  # the corpora do contain copies


def test_identical_sets_under_one_name_are_not_copies_but_under_another_are():
    same = [IndicatorSet(f"{i}.xlsx", "表", "日常公用经费", "D13", ("甲", "乙", "丙")) for i in range(50)]
    assert _same(same) == []
    other = IndicatorSet("x.xlsx", "表", "办公经费", "D13", ("甲", "乙", "丙"))
    found = _same(same + [other])
    assert len(found) == 51  # each of the 50 names the odd one out, which names the first of them
    assert "“日常公用经费”" in found[-1][-1] and "0.xlsx" in found[-1][-1]


@given(st.lists(st.tuples(st.lists(st.sampled_from("甲乙丙丁戊己庚辛"), max_size=7), st.integers(0, 4)),
                max_size=40))
def test_index_equals_pairwise_property(rows):
    items = [IndicatorSet(f"{i}.xlsx", "表", f"项目{p}", "D13", tuple(sorted(names)))
             for i, (names, p) in enumerate(rows)]
    _same(items)


def test_index_equals_pairwise_on_the_generated_merge_corpus_and_the_seed_tables():
    """The benchmark's realistic corpus (every form its own project, about 2 % copied sets)
    and the seed's five tables, read by the engine."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from jixiao.processor.core.engine import check_file
    from merge_corpus import form_content, load_layouts

    layouts = load_layouts()
    rng = random.Random(7)
    names: set[str] = set()
    copied: list[list[str]] = []
    items = []
    for i in range(1500):
        layout = layouts[i % len(layouts)]
        cells = form_content(layout, i, "realistic", rng, names, copied)
        l3 = tuple(sorted(norm(str(cells[c["level3"]])) for _l1, _l2, c in layout.indicators))
        items.append(IndicatorSet(f"{i}.xlsx", "自评表", str(cells[layout.project]), "D13", l3))
    assert len(_same(items)) >= 10
    seed = [s.record for p in sorted((ROOT / "examples").glob("0[1-5]_*.xlsx")) for s in check_file(p).sheets]
    got = audit_batch(seed)  # records are accepted as they are
    want = pairwise([IndicatorSet.of(r) for r in seed])
    assert [(r.file, f.message) for r, f in got] == [(r.file, f.message) for r, f in want] and got
    assert all(IndicatorSet.of(r).names == indicator_signature(r) for r in seed)

