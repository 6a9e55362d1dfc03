"""Step 3 of the merge: read every workbook in worker processes that one file cannot take down.

A few long-lived worker processes (as many as the machine has cores) are fed the files
in small batches over a pipe and answer file by file with the slim
:class:`~jixiao.processor.merge.projection.FormResult`; the parent only waits, collects
and watches. This costs one process start per worker, not per file, and lets two cores
read at once.

What one file can do, and what it costs:

- **a native abort or crash** (python-calamine aborting the process on an allocation it
  cannot make, a segmentation fault): the worker dies; the files it had not answered yet
  go back to the queue, except the one it was reading, which is retried *alone* in a
  fresh worker. Dying again, it is 未汇总 with the reason (J501); the batch goes on.
- **a runaway file** (minutes of CPU): each file gets :attr:`Budget.seconds` of CPU time,
  enforced by the kernel (``RLIMIT_CPU``, reset before each file), and the parent kills a
  worker whose file has run for ``WALL_FACTOR`` times that on the wall clock (a system
  without rlimits). The file is 未汇总 (J504); it is not retried.
- **a stuck read**: a worker that has used no CPU for ``STALL_SECONDS`` while reading (a
  native library deadlocked after an allocation failed, a read that never returns) is
  killed and handled like a crash.
- **a memory hog**: each worker's address space may grow by :attr:`Budget.memory_mb` over
  what it started with (``RLIMIT_AS``); beyond that an allocation fails — a MemoryError
  in Python (the file is 未汇总, the worker lives on) or an abort in native code (as
  above).

Workers ignore Ctrl-C (the parent stops them), write nothing to the terminal (a native
library's panic text goes to /dev/null) and leave no core files. Resource limits need a
POSIX system; on Windows the wall-clock watchdog still applies.

Test hook: the environment variable ``JIXIAO_MERGE_FAULT=<kind>:<text>`` makes a worker
misbehave on every file whose shown name contains ``<text>``: ``abort`` (``os.abort()``,
as a native crash does), ``abort-once`` (the same, only the first time: a marker file
``<file>.fault-once`` is left beside it), ``hang`` (a loop that burns CPU), ``sleep`` (a
read that never returns, using no CPU) or ``memory`` (allocate until refused).
``tests/test_merge_runner.py`` drives the paths above with it.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from jixiao.processor.core.rules import Profile
from jixiao.processor.merge.projection import FormResult, failure, read_form

WALL_FACTOR = 2  # wall-clock allowance per file, in multiples of its CPU budget (busy machines)
STALL_SECONDS = 15.0  # a worker using no CPU this long while reading a file is stuck
MAX_BATCH = 32  # files sent to a worker at once
FAULT_ENV = "JIXIAO_MERGE_FAULT"


@dataclass(frozen=True)
class Budget:
    """What one file may cost a worker."""

    seconds: float = 20.0  # CPU seconds per file (a large honest form needs well under one)
    memory_mb: int = 512  # growth of a worker's address space while reading


@dataclass(frozen=True)
class Task:
    index: int  # the caller's key
    path: str
    name: str  # as shown (in findings, and for the test hook)


def default_workers(n_files: int) -> int:
    """One worker per core, none idle: a small batch needs no more workers than files / 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, 16, math.ceil(n_files / 8)))


def read_all(tasks: Iterable[Task], profile: Profile, *, workers: int, total: int,
             extras: Sequence[str] = (), budget: Budget | None = None) -> Iterator[tuple[Task, FormResult]]:
    """Read every task's file; yields (task, result) as results come (in no fixed order).

    ``tasks`` is consumed lazily (the caller may hash files as they are asked for);
    ``total`` is how many there will be about, for the batch size. Every task given
    comes back exactly once."""
    pool = _Pool(profile, tuple(extras), budget or Budget(), max(1, workers), total)
    try:
        yield from pool.run(iter(tasks))
    finally:
        pool.close()


# ---------------------------------------------------------------------- the parent side


@dataclass
class _Worker:
    process: Any
    conn: Connection
    sent: deque[Task] = field(default_factory=deque)  # sent, not answered, in order
    since: float = 0.0  # when the file now being read started (about)
    alone: bool = False  # retrying one file that crashed a worker
    progress: tuple[float, float] | None = None  # (CPU seconds used, when last seen to change)

    @property
    def current(self) -> Task | None:
        return self.sent[0] if self.sent else None


class _Pool:
    def __init__(self, profile: Profile, extras: tuple[str, ...], budget: Budget, workers: int, total: int):
        self.profile, self.extras, self.budget = profile, extras, budget
        self.size = max(1, min(workers, total or 1))
        self.batch = max(1, min(MAX_BATCH, total // (self.size * 8)))
        self.ctx = multiprocessing.get_context(_start_method())
        self.workers: list[_Worker] = []
        self.requeued: deque[Task] = deque()  # answered by no one: a worker died holding them
        self.retried: set[int] = set()  # crashed a worker once and were read again, alone
        self.fault = os.environ.get(FAULT_ENV) or None

    # -- processes

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe(duplex=True)
        inherited = [w.conn.fileno() for w in self.workers] if self.ctx.get_start_method() == "fork" else []
        proc = self.ctx.Process(target=_serve, name="jixiao-merge-worker", daemon=True,
                                args=(child, self.profile, self.extras, self.budget, self.fault, inherited))
        proc.start()
        child.close()
        w = _Worker(proc, parent)
        self.workers.append(w)
        return w

    def close(self) -> None:
        for w in self.workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 2
        for w in self.workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
        self.workers.clear()

    # -- feeding

    def _next_batch(self, tasks: Iterator[Task], n: int) -> list[Task]:
        out: list[Task] = []
        while len(out) < n and self.requeued:
            out.append(self.requeued.popleft())
        while len(out) < n:
            t = next(tasks, None)
            if t is None:
                break
            out.append(t)
        return out

    def _feed(self, tasks: Iterator[Task]) -> bool:
        """Keep every worker two batches ahead; False when nothing is left to send."""
        more = True
        for w in list(self.workers):
            if w.alone:
                continue
            while more and len(w.sent) < 2 * self.batch:
                batch = self._next_batch(tasks, self.batch)
                if not batch:
                    more = False
                    break
                self._send(w, batch)
        return more or bool(self.requeued)

    def _send(self, w: _Worker, batch: list[Task]) -> None:
        if not w.sent:
            w.since = time.monotonic()
        w.sent.extend(batch)
        try:
            w.conn.send([(t.index, t.path, t.name) for t in batch])
        except OSError:
            pass  # it died: found by the loop below, the batch is requeued from ``sent``

    # -- the loop

    def run(self, tasks: Iterator[Task]) -> Iterator[tuple[Task, FormResult]]:
        first = next(tasks, None)
        if first is None:
            return  # nothing to read: no process started
        tasks = itertools.chain([first], tasks)
        for _ in range(self.size):
            self._start()
        more = True
        while True:
            if more:
                more = self._feed(tasks)
            if not more and not any(w.sent for w in self.workers):
                return
            limit = self.budget.seconds * WALL_FACTOR
            ready_set = self._ready(min(1.0, limit))
            for w in list(self.workers):
                died = w.process.sentinel in ready_set
                if w.conn in ready_set or died:
                    alive = yield from self._drain(w)
                    if not alive or died:
                        yield from self._lost(w, timed_out=False)
                        more = True
                elif w.sent and (time.monotonic() - w.since > limit or self._stalled(w)):
                    over_time = time.monotonic() - w.since > limit  # else stuck: handled as a crash
                    w.process.kill()
                    w.process.join()
                    yield from self._drain(w)
                    yield from self._lost(w, timed_out=over_time)
                    more = True

    def _stalled(self, w: _Worker) -> bool:
        """Reading for a while without using any CPU (checked once a file is slow)."""
        now = time.monotonic()
        if now - w.since < STALL_SECONDS:
            w.progress = None
            return False
        used = _cpu_seconds(w.process.pid)
        if used is None:
            return False
        if w.progress is None or used != w.progress[0]:
            w.progress = (used, now)
            return False
        return now - w.progress[1] >= STALL_SECONDS

    def _ready(self, timeout: float) -> set[Any]:
        """The pipes and process handles that are ready: one system call, no objects built
        (``multiprocessing.connection.wait`` makes a selector each time; elsewhere it is used)."""
        objs = {w.conn.fileno(): w.conn for w in self.workers}
        objs.update({w.process.sentinel: w.process.sentinel for w in self.workers})
        if _poll is None:
            return set(wait(list(objs.values()), timeout=timeout))
        poller = _poll()
        for fd in objs:
            poller.register(fd, _POLLIN)
        return {objs[fd] for fd, _ev in poller.poll(timeout * 1000)}

    def _drain(self, w: _Worker) -> Iterator[tuple[Task, FormResult]]:
        """Every answer waiting in the pipe; False once the worker is gone."""
        try:
            while _readable(w.conn):
                index, result = w.conn.recv()
                task = w.sent.popleft()
                if task.index != index:  # cannot happen: a worker answers in order
                    raise RuntimeError("merge worker answered out of order")
                w.since = time.monotonic()
                w.progress = None
                if w.alone:
                    w.alone = False
                yield task, result
        except (EOFError, OSError):
            return False
        return True

    def _lost(self, w: _Worker, *, timed_out: bool) -> Iterator[tuple[Task, FormResult]]:
        """A worker is gone: blame the file it was reading, requeue the rest, replace it."""
        w.process.join()
        code = w.process.exitcode
        self.workers.remove(w)
        w.conn.close()
        current = w.current
        retry = None
        if current is not None:
            w.sent.popleft()
            self.requeued.extendleft(reversed(w.sent))
            if timed_out or code == -getattr(signal, "SIGXCPU", -1000):
                yield current, FormResult.failed(
                    "J504", f"读取超过 {self.budget.seconds:g} 秒仍未完成，已停止读取该文件（可能是结构异常的文件）",
                    {"limit": self.budget.seconds})
            elif current.index in self.retried:
                yield current, FormResult.failed(
                    "J501", f"读取该文件时读取程序异常终止（{_describe_exit(code, self.budget)}），单独重试一次仍然如此；"
                            "文件可能已损坏或结构异常", {"exit": code})
            else:
                self.retried.add(current.index)
                retry = current
        fresh = self._start()
        if retry is not None:  # alone in a fresh worker: if it dies again, this file is the cause
            fresh.alone = True
            self._send(fresh, [retry])


try:
    from select import POLLIN as _POLLIN
    from select import poll as _poll
    from select import select as _select
except ImportError:  # Windows: multiprocessing's own wait
    _poll = _select = None  # type: ignore[assignment]


def _readable(conn: Connection) -> bool:
    """An answer (or the end of the pipe) is waiting."""
    if _select is None:
        return conn.poll()
    return bool(_select([conn.fileno()], [], [], 0)[0])


def _start_method() -> str:
    """How workers start: forked from this process where that is safe and cheap (Linux, and
    no other thread running — ``jixiao merge`` starts them before anything else), else from
    a fresh server process (a notebook's threads must not be forked) or spawned (Windows)."""
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    if "forkserver" in multiprocessing.get_all_start_methods():
        return "forkserver"
    return "spawn"


def _cpu_seconds(pid: int | None) -> float | None:
    """CPU time a process has used (Linux /proc); None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _describe_exit(code: int | None, budget: Budget) -> str:
    if code is None:
        return "原因不明"
    if code == -getattr(signal, "SIGKILL", 9):
        return "被终止：停止响应，或系统内存不足"
    if code < 0:
        sig = -code
        if sig == getattr(signal, "SIGABRT", 6):
            return f"进程中止，常见于内存超过上限 {budget.memory_mb} MB 或文件结构异常"
        if sig == getattr(signal, "SIGSEGV", 11):
            return "内存访问错误"
        try:
            return f"信号 {signal.Signals(sig).name}"
        except ValueError:
            return f"信号 {sig}"
    return f"退出码 {code}"


# ---------------------------------------------------------------------- the worker side


def _serve(conn: Connection, profile: Profile, extras: tuple[str, ...], budget: Budget, fault: str | None,
           inherited: list[int]) -> None:
    for fd in inherited:  # the other workers' pipe ends, copied by fork: not ours to hold
        try:
            os.close(fd)
        except OSError:
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["RUST_BACKTRACE"] = "0"  # a panic's backtrace allocates: out of memory it can hang
    _quiet()
    _limit_memory(budget.memory_mb)
    import gc

    gc.freeze()  # what was imported stays out of every collection
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for index, path, name in batch:
            _limit_cpu(budget.seconds)
            try:
                if fault:
                    _misbehave(fault, path, name)
                result = read_form(path, name, profile, extras)
            except Exception as exc:  # noqa: BLE001 - as read_form would report it
                result = failure(exc)
            try:
                conn.send((index, result))
            except (OSError, ValueError):
                return


def _quiet() -> None:
    """No terminal output from a worker: native libraries print panics to stderr."""
    import faulthandler

    faulthandler.disable()  # inherited from a parent that enabled it: it would report every abort
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the worker's whole life
    except OSError:
        pass


def _limit_memory(mb: int) -> None:
    """Address space: what the worker has now, plus ``mb``; and no core files."""
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return  # no /proc (macOS): the CPU budget and the watchdog still apply
    _set_soft_limit("RLIMIT_CORE", 0)
    _set_soft_limit("RLIMIT_AS", current + mb * 1024 * 1024)


def _limit_cpu(seconds: float) -> None:
    """The kernel stops this process (SIGXCPU) once the current file has used ``seconds``."""
    try:
        import resource
    except ImportError:  # Windows: the parent's watchdog only
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    _set_soft_limit("RLIMIT_CPU", math.ceil(used.ru_utime + used.ru_stime + seconds))


def _set_soft_limit(name: str, soft: int) -> None:
    """Lower or raise a soft limit under the hard one (which a process cannot raise back)."""
    try:
        import resource
    except ImportError:
        return
    which = getattr(resource, name)
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(which, (soft, hard))
    except (OSError, ValueError):
        pass


def _misbehave(fault: str, path: str, name: str) -> None:
    kind, _, text = fault.partition(":")
    if not text or text not in name:
        return
    if kind == "abort":
        os.abort()
    if kind == "abort-once":
        marker = f"{path}.fault-once"
        if not os.path.exists(marker):
            open(marker, "w").close()
            os.abort()
    if kind == "sleep":
        time.sleep(10**6)
    if kind == "hang":
        while True:
            pass
    if kind == "memory":
        hog = []
        while True:
            hog.append(bytearray(64 * 1024 * 1024))
