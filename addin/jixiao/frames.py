"""pandas DataFrames of the tidy tables (:mod:`jixiao.tables`): the only module importing pandas.

Each column has a fixed nullable dtype (``string``, ``Int64``, ``Float64``, ``boolean``),
so an empty table and a full one have the same schema and a missing value is ``<NA>``.
``labels=True`` renames the columns to their Chinese labels (for a sheet people read).
"""

from __future__ import annotations

from typing import Any

from jixiao.tables import COLUMNS, TABLES

_DTYPES = {"text": "string", "int": "Int64", "number": "Float64", "bool": "boolean"}


def frame(table: str, rows: list[dict[str, Any]], labels: bool = False) -> Any:
    """One table as a DataFrame with the documented columns, in order."""
    import pandas as pd

    if table not in COLUMNS:
        raise KeyError(f"没有名为“{table}”的表（可用：{'、'.join(TABLES)}）")
    columns = COLUMNS[table]
    data = {name: pd.array([row.get(name) for row in rows], dtype=_DTYPES[kind])
            for name, (_label, kind) in columns.items()}
    df = pd.DataFrame(data, columns=list(columns))
    if labels:
        df = df.rename(columns={name: label for name, (label, _kind) in columns.items()})
    return df


def frames(tables: dict[str, list[dict[str, Any]]], labels: bool = False) -> dict[str, Any]:
    """Every table as a DataFrame, keyed projects, indicators, findings, files."""
    return {table: frame(table, tables[table], labels) for table in TABLES}
