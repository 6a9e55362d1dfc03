"""The performance archive (绩效档案): every merged 自评表 kept across years, and the year-on-year review.

- :mod:`.entry` turns one checked form (a ``SheetResult`` plus its file's hash and path) into
  plain data to store — a pure function, cheap to run in merge's worker processes;
- :mod:`.schema` and :mod:`.db` hold the tables, their version and migrations, and the one
  database layer (SQLAlchemy Core: SQLite through Python's sqlite3, PostgreSQL through psycopg);
- :mod:`.store` adds forms (one transaction per add, a file already kept adds nothing) and reads
  a year back;
- :mod:`.match` says which project of one year is which of another (rule + override file);
- :mod:`.compare` reviews two years and produces the Y-family findings; :mod:`.sheet` writes the
  年度对比 worksheet; :mod:`.merge_hook` connects all this to ``jixiao merge`` and ``jixiao reply``.

SQLAlchemy is imported by :mod:`.db` only, so ``check``, ``merge`` without ``--archive`` and the
add-in never load it. ``docs/档案.md`` documents the schema, the match rule and the commands.
"""

from __future__ import annotations

__all__ = ["open_archive"]


def open_archive(target: str, *, create: bool = True):
    """The archive at ``target`` (a file path or a ``postgresql://`` URL), migrated to this version."""
    from jixiao.processor.archive.store import Archive

    return Archive.open(target, create=create)
