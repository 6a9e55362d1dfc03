"""jixiao 的计算引擎：读取、计算、审核项目支出绩效自评表。

The engine is pure: readers turn a workbook into a :class:`~processor.grid.Grid`,
:func:`~processor.reader.read_grid` turns a grid into a :class:`~processor.model.Record`,
:func:`~processor.compute.compute` and :func:`~processor.audit.audit` work on records,
and :mod:`processor.patch` says what to write back. Workbook libraries live only at
the edges (``grid_*`` readers and ``write_*`` adapters).
"""

__version__ = "0.1.0"
