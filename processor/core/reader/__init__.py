"""Grid → Record, and beside it the read map (how the table was read, what was not understood).

The reader finds the funding header (年初预算数 / 全年预算数 / 全年执行数 / 执行率 …), the
indicator header (一级 / 二级 / 三级指标 / 指标值 …) and the 总分 row by their labels — the
words are data, ``rules/vocabulary.json`` — so inserted rows, moved or extra columns, two-row
headers and missing optional columns are all read the same way.

Modules: ``vocabulary`` (the words), ``sheet`` (the grid prepared for lookups), ``header``
(header bands and columns), ``funding``, ``indicators``, ``form`` (title, names, goals, stated
total and grade), ``judge`` (what was not understood), ``read`` (the order of it all).
"""

from jixiao.processor.core.reader.read import read_forms, read_grid
from jixiao.processor.core.reader.vocabulary import Vocabulary, default_vocabulary, vocabulary_for

__all__ = ["Vocabulary", "default_vocabulary", "read_forms", "read_grid", "vocabulary_for"]
