"""The engine's text caches are bounded in bytes: a long text's answer is never kept by the thousand.

A cell may hold 32,767 characters. Before, every distinct text went into caches of 8,000–65,000
entries (norm, text_key, parse_number, the vocabulary's matchers …), so `jixiao check` of 300
forms with 30 pasted analyses of 30,000 characters each grew to 576 MB (48 MB with the bound)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import jixiao
from hypothesis import given
from hypothesis import strategies as st
from jixiao.processor.core import values
from jixiao.processor.core.reader.vocabulary import vocabulary_for
from jixiao.processor.core.rules import load_profile
from jixiao.processor.core.values import LONG_KEPT, SHORT_TEXT, norm, text_cache, text_key

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "06_正确示例_某项目.xlsx"
CACHED = [values.norm, values.text_key, values._parse_number_text, values.operator_of, values._parse_text]


def _with_long_texts(path: Path, count: int, length: int, seed: int) -> Path:
    """Example 06 with ``count`` distinct texts of ``length`` characters below its table (column K)."""
    shutil.copy(EXAMPLE, path)
    with zipfile.ZipFile(EXAMPLE) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    rows = "".join(
        f'<row r="{60 + k}"><c r="K{60 + k}" t="inlineStr"><is><t>{seed}-{k}'
        f'{"".join(chr(0x4E00 + (seed * 31 + k * 7 + i) % 2000) for i in range(length))}</t></is></c></row>'
        for k in range(count))
    parts[sheet] = parts[sheet].decode().replace("</sheetData>", rows + "</sheetData>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def _sizes() -> list[int]:
    return [f.cache_info().currsize for f in CACHED]


def test_checking_forms_with_long_texts_keeps_no_more_than_checking_them_without(tmp_path):
    plain = _with_long_texts(tmp_path / "plain.xlsx", 0, 0, 0)
    for f in CACHED:
        f.cache_clear()
    jixiao.check(plain)
    before = _sizes()
    for seed in range(1, 6):  # 5 forms × 20 distinct texts of 2,000 characters: none is kept
        jixiao.check(_with_long_texts(tmp_path / f"long{seed}.xlsx", 20, 2000, seed))
    assert _sizes() == before


def test_the_vocabulary_keeps_no_long_key():
    vocab = vocabulary_for(load_profile())
    matcher = vocab.block_labels
    kept = len(matcher._cache)
    for k in range(50):
        matcher.word(f"绩效指标{k}" + "说明" * SHORT_TEXT)
        vocab.funding_row(f"年度资金总额{k}" + "说明" * SHORT_TEXT)
    assert len(matcher._cache) == kept
    assert not any(len(key) > SHORT_TEXT for key in vocab._funding_row_cache)


@given(st.text(max_size=SHORT_TEXT + 40), st.integers(0, 600))
def test_a_cached_answer_is_the_function_s_answer_at_every_length(text, pad):
    text = text + "　Ａ１ " * (pad // 4)  # across the SHORT_TEXT boundary, with full-width forms
    assert norm(text) == norm.__wrapped__(text)
    assert text_key(text) == text_key.__wrapped__(text)
    assert values._parse_number_text(text) == values._parse_number_text.__wrapped__(text)


def test_long_texts_are_kept_a_few_at_a_time_only():
    calls: list[str] = []

    @text_cache(maxsize=1000)
    def f(text: str) -> int:
        calls.append(text)
        return len(text)

    long = ["长" * (SHORT_TEXT + 1 + i) for i in range(LONG_KEPT * 3)]
    assert [f(t) for t in long] == [len(t) for t in long]
    assert f.cache_info().currsize == 0  # the thousand-entry cache holds none of them
    calls.clear()
    assert f(long[-1]) == len(long[-1]) and not calls  # the last ones are still at hand
    assert f(long[0]) == len(long[0]) and calls == [long[0]]  # the first ones were let go
    assert f("短") == 1 and f.cache_info().currsize == 1
