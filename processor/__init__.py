"""jixiao 的计算引擎：读取、计算、审核项目支出绩效自评表。

The engine is pure: readers turn a workbook into a :class:`~jixiao.processor.core.grid.Grid`,
:func:`~jixiao.processor.core.reader.read_grid` turns a grid into a :class:`~jixiao.processor.core.model.Record`,
:func:`~jixiao.processor.core.compute.compute` and :func:`~jixiao.processor.core.audit.audit` work on records,
and :mod:`jixiao.processor.core.plan` plans what to write back. Workbook libraries live only at
the edges (``grid_*`` readers and ``write_*`` adapters).
"""

__version__ = "0.1.0"
