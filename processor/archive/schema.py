"""The archive's tables (SQLAlchemy Core), their version and the migrations between versions.

One definition serves SQLite and PostgreSQL; ``docs/档案.md`` describes every table. The
version lives in ``jixiao_archive`` (key ``schema_version``); :func:`jixiao.processor.archive.db.open_engine`
creates the tables in an empty database, migrates an older archive step by step inside one
transaction, and refuses an archive written by a newer jixiao.

To change the schema: bump :data:`SCHEMA_VERSION`, change the tables below (what a new archive
gets), and add ``MIGRATIONS[old_version]`` that brings an archive of ``old_version`` to the next
one (``ALTER TABLE …`` through the connection it is given). Never edit a released migration.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 3
INFO_TABLE = "jixiao_archive"  # marks a database as a jixiao archive

metadata = MetaData()

info = Table(
    INFO_TABLE, metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

batches = Table(
    "batches", metadata,
    Column("id", Integer, primary_key=True),
    Column("added_at", String(32), nullable=False),  # ISO 8601, UTC
    Column("command", String(32), nullable=False),  # merge | archive add
    Column("sources", Text, nullable=False),  # JSON list of the paths given
    Column("profile", String(200), nullable=False),  # rule profile id
    Column("jixiao_version", String(32), nullable=False),
)

files = Table(
    "files", metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),  # the same file is kept once
    Column("name", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("size", Integer),
    Column("modified", String(32), nullable=False, default=""),
    Column("sender", Text, nullable=False, default=""),
    Column("received", String(32), nullable=False, default=""),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
)

forms = Table(
    "forms", metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("sheet", Text, nullable=False),
    Column("form_index", Integer, nullable=False),
    Column("year", Integer),
    Column("project", Text, nullable=False),
    Column("project_key", Text, nullable=False),  # normalised name (match.project_key)
    Column("unit", Text, nullable=False),
    Column("unit_key", Text, nullable=False),
    Column("department", Text, nullable=False),
    Column("method", String(16), nullable=False),
    Column("money_unit", String(8), nullable=False),
    Column("initial", Double),
    Column("budget", Double),
    Column("executed", Double),
    Column("execution_rate", Double),
    Column("execution_rate_stated", Double),
    # the computed figures are NULL when the reader could not read what they rest on (R findings)
    Column("execution_weight", Double),
    Column("execution_score", Double),
    Column("execution_score_stated", Double),
    Column("indicator_score", Double),
    Column("total_score", Double),
    Column("total_score_stated", Double),
    Column("weights_total", Double),
    Column("grade", String(8), nullable=False),
    Column("grade_stated", Text, nullable=False),
    Column("goal_expected", Text, nullable=False),
    Column("goal_actual", Text, nullable=False),
    Column("project_cell", String(16)),
    Column("budget_cell", String(16)),
    Column("full_marks_no_deviation", Boolean, nullable=False),
    Column("error_count", Integer, nullable=False),
    Column("warning_count", Integer, nullable=False),
    # a later version of the same project of the same year (same year, unit_key, project_key)
    Column("superseded_by", Integer, ForeignKey("forms.id")),
    UniqueConstraint("file_id", "sheet", "form_index"),
    Index("ix_forms_project", "year", "unit_key", "project_key"),
    Index("ix_forms_file", "file_id"),
)

funding = Table(
    "funding", metadata,
    Column("id", Integer, primary_key=True),
    Column("form_id", Integer, ForeignKey("forms.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("initial", Double),
    Column("budget", Double),
    Column("executed", Double),
    Column("rate", Double),
    Column("rate_stated", Double),
    Column("score_stated", Double),
)

indicators = Table(
    "indicators", metadata,
    Column("id", Integer, primary_key=True),
    Column("form_id", Integer, ForeignKey("forms.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("row", Integer),
    Column("level1", Text, nullable=False),
    Column("level2", Text, nullable=False),
    Column("level3", Text, nullable=False),
    Column("target_text", Text, nullable=False),
    Column("target_op", String(2)),
    Column("target_value", Double),
    Column("target_unit", String(16)),
    Column("kind", String(16), nullable=False),
    Column("actual_text", Text, nullable=False),
    Column("actual_value", Double),
    Column("actual_unit", String(16)),
    Column("weight", Double),
    Column("score_stated", Double),
    Column("score_computed", Double),
    Column("score", Double),
    Column("met", Boolean),
    Column("deviation", Text, nullable=False),
    Column("target_cell", String(16)),
    Column("actual_cell", String(16)),
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False, index=True),
    Column("form_id", Integer, ForeignKey("forms.id"), index=True),  # None: a file-level finding
    Column("code", String(8), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("sheet", Text),
    Column("cell", String(32)),
    Column("message", Text, nullable=False),
    Column("fix", Text, nullable=False),
    Column("params", Text, nullable=False),  # JSON object
)

overrides = Table(
    "overrides", metadata,
    Column("id", Integer, primary_key=True),
    Column("action", String(16), nullable=False),  # same | different | same_unit
    Column("from_year", Integer),
    Column("from_unit", Text, nullable=False),
    Column("from_project", Text, nullable=False),
    Column("to_year", Integer),
    Column("to_unit", Text, nullable=False),
    Column("to_project", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("source", Text, nullable=False),  # file and line it came from
)

# MIGRATIONS[v](connection) brings an archive of version v to v + 1 (inside the open transaction)
Migration = Callable[[Connection], None]
MIGRATIONS: dict[int, Migration] = {}


def _project_keys_by_budget_year(conn: Connection) -> None:
    """1 → 2: project names keep years other than the form's budget year (and its
    neighbours), so “2035年远景规划” no longer shares a key with “2030年远景规划”."""
    from jixiao.processor.archive.match import project_key
    from sqlalchemy import select, update

    rows = conn.execute(select(forms.c.id, forms.c.project, forms.c.year)).all()
    for form_id, name, year in rows:
        conn.execute(update(forms).where(forms.c.id == form_id).values(project_key=project_key(name, year)))


MIGRATIONS[1] = _project_keys_by_budget_year

# the computed figures that became nullable in version 3
_UNKNOWABLE = ("execution_weight", "execution_score", "indicator_score", "total_score", "weights_total")


def _unknown_figures_allowed(conn: Connection) -> None:
    """2 → 3: a form whose figures the reader could not determine is stored with NULL figures
    (before, one such form made the whole add fail on a NOT NULL constraint)."""
    import re

    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        for column in _UNKNOWABLE:
            conn.execute(text(f"ALTER TABLE forms ALTER COLUMN {column} DROP NOT NULL"))
        return
    # SQLite cannot alter a column; dropping a NOT NULL constraint changes nothing on disk, so
    # the table's stored definition is rewritten in place (sqlite.org/lang_altertable.html §7)
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    (sql,) = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'forms'").one()
    for column in _UNKNOWABLE:
        sql = re.sub(rf"(\b{column}\s+\w+) NOT NULL", r"\1", sql)
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'forms'", (sql,))
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


MIGRATIONS[2] = _unknown_figures_allowed
