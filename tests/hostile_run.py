"""Running ``jixiao`` on hostile input: one process per run, bounded in time and memory.

:func:`jixiao` starts ``python -m jixiao.processor.cli.main …`` with its address space
limited to :data:`MEMORY_LIMIT` (``RLIMIT_AS``; an allocation beyond it fails inside the
process, which must then still end with one Chinese line) and kills it after
:data:`TIME_LIMIT` seconds. The result carries the peak resident memory the process
reported (``VmHWM``) so a test can also say how close it came.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TIME_LIMIT = 60
MEMORY_LIMIT = 1024**3

#: runs the command like ``jixiao`` does, then reports the process's peak resident memory
_MEASURED = """
import sys
from jixiao.processor.cli.main import main
try:
    code = main(sys.argv[1:])
finally:
    try:
        peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]
        sys.__stderr__.write(f"\\nPEAK_KB={peak}\\n")
    except OSError:
        pass
sys.exit(code)
"""

#: what a terminal would act on: ESC, CSI (8-bit), BEL, CR, DEL, bidi controls
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str  # without the PEAK line
    peak_mb: float | None
    timed_out: bool = False

    @property
    def lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.strip()]

    def crashed(self) -> str | None:
        """Why this run is not acceptable whatever its input was; None when it is."""
        if self.timed_out:
            return f"still running after {TIME_LIMIT} s"
        if self.returncode < 0 or self.returncode not in (0, 1, 2):
            return f"exit status {self.returncode}"
        if "Traceback" in self.stderr or "Exception ignored" in self.stderr:
            return f"traceback: {self.stderr[-600:]}"
        raw = TERMINAL_CONTROLS.search(self.stdout + self.stderr)
        if raw:
            return f"raw control character {raw.group()!r} reached the terminal"
        return None


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass


def jixiao(*args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None,
           timeout: float = TIME_LIMIT) -> Run:
    argv = tuple(str(a) for a in args)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    try:
        p = subprocess.run([sys.executable, "-c", _MEASURED, *argv], capture_output=True, cwd=cwd, env=env,
                           timeout=timeout, preexec_fn=_limit_memory if os.name == "posix" else None)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        err = (exc.stderr or b"").decode("utf-8", "replace")
        return Run(argv, -9, out, err, None, timed_out=True)
    err = p.stderr.decode("utf-8", "replace")
    peak = None
    m = re.search(r"\nPEAK_KB=(\d+)\n?$", err)
    if m:
        peak = int(m.group(1)) / 1024
        err = err[: m.start()]
    return Run(argv, p.returncode, p.stdout.decode("utf-8", "replace"), err, peak)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return "<unreadable>"
    return h.hexdigest()


def tree(root: Path) -> dict[str, tuple[str, str]]:
    """Every entry under ``root`` (links not followed): kind and content, to compare before/after."""
    out: dict[str, tuple[str, str]] = {}
    for dirpath, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_file():
                out[rel] = ("file", _digest(p))
            elif p.is_dir():
                out[rel] = ("dir", "")
            else:
                out[rel] = ("other", "")
    return out
