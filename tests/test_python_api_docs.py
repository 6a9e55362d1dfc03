"""docs/python-api.md runs: every ```python block, in order, in one namespace (like sqlite-utils' docs tests).

The blocks run in a temporary folder holding a copy of examples/, so what they write
(filled copies, 汇总.xlsx, CSV) never lands in the repository.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from jixiao.tables import columns_markdown

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "python-api.md"


def code_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_doc_has_examples_for_every_entry_point():
    text = "\n".join(code_blocks())
    for call in ("jixiao.check(", "jixiao.fill(", "jixiao.merge(", ".to_frame(", ".frames()",
                 ".to_json()", ".to_text()", ".write_csv("):
        assert call in text, call


def test_every_example_in_the_python_api_doc_runs(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_python_api"}
    for i, block in enumerate(code_blocks(), start=1):
        try:
            exec(compile(block, f"docs/python-api.md, block {i}", "exec"), namespace)
        except Exception as exc:  # name the block that broke
            raise AssertionError(f"block {i} of docs/python-api.md failed: {exc!r}\n{block}") from exc
    assert (tmp_path / "汇总.xlsx").stat().st_size > 0 and (tmp_path / "汇总表格" / "projects.csv").exists()
    assert not list((ROOT / "examples").glob("*_已校验.xlsx"))


def test_the_column_mapping_in_the_doc_is_generated():
    """Regenerate with: python -m jixiao.tables"""
    text = DOC.read_text(encoding="utf-8")
    assert columns_markdown() in text
