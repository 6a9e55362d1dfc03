"""The one database layer of the archive: SQLAlchemy Core over SQLite or PostgreSQL.

A target is a file path (SQLite through Python's own ``sqlite3``) or a ``postgresql://``
URL (psycopg 3, the optional extra ``jixiao[postgresql]``). Both get the same tables
(:mod:`.schema`) and the same statements; the differences are kept here:

- **SQLite** runs in WAL mode, so readers never block the writer nor the writer the
  readers; every transaction is opened by us (``BEGIN`` for reads, ``BEGIN IMMEDIATE`` for
  writes, so two writers queue instead of failing half-way), DDL included, which makes
  creating and migrating the schema atomic; a busy database is waited for 30 s.
- **PostgreSQL** reads in ``REPEATABLE READ`` (one snapshot for a whole comparison) and
  writers take a transaction-level advisory lock, so two adds queue the same way.

Every failure to open or use the database becomes an :class:`InputError` with a Chinese
message from the catalogue (Y69x) that names the archive — never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from jixiao.processor import __version__
from jixiao.processor.archive import schema
from jixiao.processor.core.errors import InputError
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

PG_PREFIXES = ("postgresql://", "postgres://", "postgresql+psycopg://")
BUSY_TIMEOUT_S = 30
_PG_LOCK = 0x6A697861  # advisory lock key of archive writers ("jixa")


@dataclass
class Database:
    engine: Engine
    kind: str  # sqlite | postgresql
    label: str  # what messages call it: the path, or the URL without its password

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction; everything in it is kept, or nothing."""
        with self.guard(), self.engine.connect() as conn:
            conn.execution_options(jixiao_write=True)
            with conn.begin():
                if self.kind == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
                yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One read transaction: every query in it sees the same committed state."""
        with self.guard(), self.engine.connect() as conn:
            if self.kind == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Database errors as one Chinese line naming the archive."""
        try:
            yield
        except InputError:
            raise
        except (DBAPIError, SQLAlchemyError) as exc:
            raise InputError.of("Y690", file=self.label, reason=_reason(exc)) from None

    def dispose(self) -> None:
        self.engine.dispose()


def is_url(target: str) -> bool:
    return target.lower().startswith(PG_PREFIXES + ("sqlite:",)) or "://" in target


def open_database(target: str, *, create: bool = True) -> Database:
    """Connect to ``target`` and bring its schema to :data:`schema.SCHEMA_VERSION`."""
    target = str(target)
    if target.lower().startswith(PG_PREFIXES):
        db = _postgresql(target)
    elif is_url(target) and not target.lower().startswith("sqlite:"):
        raise InputError.of("Y690", file=target, reason="只支持 SQLite 文件路径或 postgresql:// 地址")
    else:
        db = _sqlite(target, create)
    try:
        _migrate(db, create)
    except BaseException:
        db.dispose()
        raise
    return db


def _sqlite(target: str, create: bool) -> Database:
    path = target[len("sqlite:///"):] if target.lower().startswith("sqlite:///") else target
    label = path
    if not os.path.exists(path):
        if not create:
            raise InputError.of("Y690", file=label, reason="档案文件不存在")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise InputError.of("Y690", file=label, reason=f"文件夹不存在：{parent}")
    elif not os.path.isfile(path):
        raise InputError.of("Y690", file=label, reason="不是文件")
    engine = create_engine(URL.create("sqlite+pysqlite", database=os.path.abspath(path)),
                           connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we open every transaction ourselves (DDL included)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")  # durable at each checkpoint; safe with WAL
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("jixiao_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return Database(engine, "sqlite", label)


def _postgresql(target: str) -> Database:
    try:
        url = make_url(target)
    except ArgumentError:
        raise InputError.of("Y690", file=target, reason="数据库地址格式有误") from None
    url = url.set(drivername="postgresql+psycopg")
    label = url.render_as_string(hide_password=True)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 10, "application_name": "jixiao"},
                               pool_pre_ping=True)
    except (NoSuchModuleError, ImportError):
        raise InputError.of("Y690", file=label, reason="未安装 PostgreSQL 驱动 psycopg，"
                                                       "请运行 pip install \"jixiao[postgresql]\"") from None
    return Database(engine, "postgresql", label)


def _migrate(db: Database, create: bool) -> None:
    with db.reading() as conn:
        version = _version(db, conn)
    if version == schema.SCHEMA_VERSION:
        return
    if version is None and not create:
        raise InputError.of("Y691", file=db.label, reason="数据库中还没有绩效档案")
    with db.writing() as conn:  # again under the write lock: another process may have done it
        version = _version(db, conn)
        if version is None:
            schema.metadata.create_all(conn)
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            conn.execute(schema.info.insert(), [
                {"key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
                {"key": "created_at", "value": now},
                {"key": "created_by", "value": f"jixiao {__version__}"},
            ])
            return
        while version < schema.SCHEMA_VERSION:
            step = schema.MIGRATIONS.get(version)
            if step is None:
                raise InputError.of("Y692", file=db.label, found=version, supported=schema.SCHEMA_VERSION)
            step(conn)
            version += 1
            conn.execute(schema.info.update().where(schema.info.c.key == "schema_version")
                         .values(value=str(version)))


def _version(db: Database, conn: Connection) -> int | None:
    """The archive's schema version; None for an empty database. Refuses foreign or newer ones."""
    names = set(inspect(conn).get_table_names())
    if schema.INFO_TABLE not in names:
        if names:
            raise InputError.of("Y691", file=db.label, reason=f"数据库中已有其他数据表（{len(names)} 个）")
        return None
    raw = conn.execute(select(schema.info.c.value).where(schema.info.c.key == "schema_version")).scalar()
    try:
        version = int(raw)
    except (TypeError, ValueError):
        raise InputError.of("Y691", file=db.label, reason="缺少版本记录") from None
    if version > schema.SCHEMA_VERSION:
        raise InputError.of("Y692", file=db.label, found=version, supported=schema.SCHEMA_VERSION)
    return version


def _reason(exc: BaseException) -> str:
    """The database's own words, shortened to one line (no SQL, no parameters)."""
    orig = getattr(exc, "orig", None) or exc
    text_ = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    lowered = text_.lower()
    if "file is not a database" in lowered or "file is encrypted" in lowered:
        return "文件不是 SQLite 数据库（不是绩效档案）"
    if "database is locked" in lowered:
        return f"档案正被其他程序写入，等待 {BUSY_TIMEOUT_S} 秒后仍未完成，请稍后重试"
    if "readonly" in lowered or "read-only" in lowered:
        return "档案文件只读，无法写入"
    if "unable to open database" in lowered:
        return "无法打开档案文件（路径或权限有误）"
    if "connection refused" in lowered or "could not connect" in lowered or "connection failed" in lowered:
        return "无法连接数据库服务器（请确认地址、端口和服务器已启动）"
    if "password authentication failed" in lowered:
        return "数据库用户名或密码有误"
    if "does not exist" in lowered and "database" in lowered:
        return "数据库不存在（请先用 createdb 创建）"
    return text_[:200]
