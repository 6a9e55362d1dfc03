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
message from the catalogue (Y69x) that names the archive as the user wrote it, its password
masked — never a traceback.

Opening with ``create=False`` (compare, info, reply) only reads: it never switches the journal
mode nor creates anything, and a file the user may not write (a CD, a read-only share) is opened
``immutable``. Opening to write (``create=True``) a file that is not writable is refused at once.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from jixiao.processor import __version__
from jixiao.processor.archive import schema
from jixiao.processor.core.errors import InputError
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
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
    elif not create and os.path.getsize(path) == 0:
        raise InputError.of("Y691", file=label, reason="文件是空的")
    path = os.path.abspath(path)
    writable = _writable(path)
    if create and not writable:
        raise InputError.of("Y690", file=label, reason="档案文件只读（或所在文件夹不可写），无法存入")
    # a file we may not write is read as it is (immutable: no -wal/-shm beside it, no lock);
    # any other is opened by its plain name (a URI would not reach a \\server\share path)
    name, uri = (path, False) if writable else (Path(path).as_uri() + "?mode=ro&immutable=1", True)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(name, uri=uri, timeout=BUSY_TIMEOUT_S, check_same_thread=False)

    engine = create_engine("sqlite+pysqlite://", creator=connect)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we open every transaction ourselves (DDL included)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        if create:  # a writer; readers leave the file's journal mode (and bytes) alone
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")  # durable at each checkpoint; safe with WAL
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("jixiao_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return Database(engine, "sqlite", label)


def _writable(path: str) -> bool:
    """The file (when it exists) and its folder (for -wal and -shm) may be written."""
    folder = os.path.dirname(path)
    return os.access(folder, os.W_OK) and (not os.path.exists(path) or os.access(path, os.W_OK))


def _postgresql(target: str) -> Database:
    label = pg_label(target)
    try:
        url = make_url(target)
    except (ArgumentError, ValueError) as exc:
        reason = "端口应为数字" if "int()" in str(exc) else "无法解析"
        raise InputError.of("Y690", file=label, reason=f"数据库地址格式有误（{reason}）") from None
    if url.host and "@" in url.host:
        raise InputError.of("Y690", file=label, reason="数据库地址格式有误：用户名或密码中的 @、:、/ 等字符"
                                                       "须写成 %40、%3A、%2F，或不在地址中写密码而使用 PGPASSWORD")
    url = url.set(drivername="postgresql+psycopg")
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 10, "application_name": "jixiao"},
                               pool_pre_ping=True)
    except (NoSuchModuleError, ImportError):
        raise InputError.of("Y690", file=label, reason="未安装 PostgreSQL 驱动 psycopg，"
                                                       "请运行 pip install \"jixiao[postgresql]\"") from None
    return Database(engine, "postgresql", label)


_SECRET_KEYS = re.compile(r"pass|secret|key", re.I)


def pg_label(target: str) -> str:
    """The address as the user wrote it, readable (no %-escapes) and without any password.

    Everything between ``://`` and the last ``@`` of the authority is the user part: only the
    name before its first ``:`` is kept, so a password holding an unescaped ``@`` never shows.
    Query parameters that carry a secret (``password=``, ``sslpassword=``…) are masked too.
    """
    scheme, sep, rest = target.partition("://")
    if not sep:
        return "（数据库地址）"
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        user, _at, host = authority.rpartition("@")
        name, colon, _password = user.partition(":")
        authority = f"{unquote(name)}{':***' if colon else ''}@{host}"
    path, qmark, query = path.partition("?")
    if qmark:
        pairs = [f"{k}={'***' if _SECRET_KEYS.search(k) else v}" for k, v in parse_qsl(query, keep_blank_values=True)]
        query = "&".join(pairs)
    return f"{scheme}://{authority}{slash}{unquote(path)}{qmark}{query}"


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
    missing = [t.name for t in schema.metadata.sorted_tables if t.name not in names]
    if missing:  # tables added by a later version are created by its migration, never dropped
        raise InputError.of("Y691", file=db.label, reason=f"档案不完整，缺少数据表 {'、'.join(missing)}"
                                                          "（可能被其他程序改动），请用备份恢复")
    raw = conn.execute(select(schema.info.c.value).where(schema.info.c.key == "schema_version")).scalar()
    try:
        version = int(raw)
    except (TypeError, ValueError):
        raise InputError.of("Y691", file=db.label, reason="缺少版本记录") from None
    if version > schema.SCHEMA_VERSION:
        raise InputError.of("Y692", file=db.label, found=version, supported=schema.SCHEMA_VERSION)
    return version


# the database's own words (a regular expression on the lowered text) → what to tell the user;
# the first match wins: psycopg's “connection failed: … password authentication failed” must say
# “password”, not “cannot connect”
_REASONS = (
    (r"file is not a database|file is encrypted", "文件不是 SQLite 数据库（不是绩效档案）"),
    (r"database disk image is malformed|database corrupt",
     "档案文件已损坏（可能不完整或被截断），请用备份恢复"),
    (r"no such (table|column)|relation \"[^\"]*\" does not exist|column \"[^\"]*\" does not exist",
     "档案不完整（缺少数据表或列，可能被其他程序改动），请用备份恢复"),
    (r"database is locked", f"档案正被其他程序写入，等待 {BUSY_TIMEOUT_S} 秒后仍未完成，请稍后重试"),
    (r"readonly|read-only", "档案文件只读，无法写入"),
    (r"database or disk is full|no space left", "磁盘已满"),
    (r"disk i/o error", "读写档案文件出错（磁盘或网络文件夹故障）"),
    (r"unable to open database", "无法打开档案文件（路径或权限有误）"),
    (r"authentication failed", "数据库用户名或密码有误"),
    (r"no password supplied|password is required",
     "数据库要求密码：请用环境变量 PGPASSWORD 或 ~/.pgpass 文件提供（不要写在地址里）"),
    (r"role \"[^\"]*\" does not exist", "数据库用户不存在"),
    (r"database \"[^\"]*\" does not exist", "数据库不存在（请先用 createdb 创建）"),
    (r"permission denied", "数据库用户没有权限（请让管理员授予建表和读写权限）"),
    (r"resolve host|could not translate host name|name or service not known|nodename nor servname",
     "找不到数据库服务器（主机名无法解析，请检查地址）"),
    (r"invalid port", "数据库地址中的端口无效"),
    (r"timeout expired|timed out", "连接数据库服务器超时（请确认地址、端口和网络）"),
    (r"connection refused|could not connect|connection failed|server closed the connection|"
     r"network is unreachable|no route to host",
     "无法连接数据库服务器（请确认地址、端口和服务器已启动）"),
)


def _reason(exc: BaseException) -> str:
    """The database's own words as one Chinese line (no SQL, no parameters, no password)."""
    orig = getattr(exc, "orig", None) or exc
    text_ = " ".join(str(orig).split()) or type(orig).__name__
    lowered = text_.lower()
    for pattern, reason in _REASONS:
        if re.search(pattern, lowered):
            return reason
    return f"数据库报告：{text_[:200]}"
