"""A throwaway PostgreSQL server for the archive tests (Debian package ``postgresql``).

Everything lives in a temporary directory: the cluster made by ``initdb`` (trust
authentication, superuser ``jixiao``), the Unix socket and the log. The server listens only
on 127.0.0.1 on a free high port, with fsync off (a test cluster needs no durability).
PostgreSQL refuses to run as root, so when the tests run as root (as CI does) ``initdb`` and
``postgres`` run as the ``postgres`` system user, or ``nobody``, and the directory is theirs.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from imap_server import free_port


def pg_bindir() -> str | None:
    """The directory of initdb/postgres (newest installed major version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
                   if p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


@dataclass
class PgServer:
    root: Path
    port: int
    proc: subprocess.Popen | None = None
    databases: int = 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://jixiao@127.0.0.1:{self.port}/{database}"

    def log_text(self) -> str:
        log = self.root / "server.log"
        return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        import psycopg

        self.databases += 1
        name = f"archive_{self.databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: smart shutdown, clients are gone by now
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged user to run PostgreSQL as when we are root; None when we are not."""
    if os.getuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


def start_server() -> PgServer:
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries (initdb, postgres) not found")
    root = Path(tempfile.mkdtemp(prefix="jxpg", dir="/tmp"))
    user = _run_as()
    ids = {} if user is None else {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    os.chmod(root, 0o700)
    data = root / "data"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    if user is not None:
        env["HOME"] = str(root)
    init = subprocess.run(
        [f"{bindir}/initdb", "-D", str(data), "-U", "jixiao", "--auth=trust", "--no-locale", "-E", "UTF8",
         "--no-sync"],
        capture_output=True, text=True, timeout=180, env=env, **ids)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
    server = PgServer(root, free_port())
    log = open(root / "server.log", "wb")  # noqa: SIM115 - the server writes to it until stop()
    server.proc = subprocess.Popen(
        [f"{bindir}/postgres", "-D", str(data), "-h", "127.0.0.1", "-p", str(server.port), "-k", str(root),
         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         "-c", "max_connections=40", "-c", "shared_buffers=32MB"],
        stdout=log, stderr=subprocess.STDOUT, env=env, **ids)
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            text = server.log_text()
            server.stop()
            raise RuntimeError(f"postgres did not start:\n{text}")
        ready = subprocess.run([f"{bindir}/pg_isready", "-h", "127.0.0.1", "-p", str(server.port), "-U", "jixiao"],
                               capture_output=True)
        if ready.returncode == 0:
            return server
        time.sleep(0.2)
    text = server.log_text()
    server.stop()
    raise RuntimeError(f"postgres did not become ready in 60 s:\n{text}")
