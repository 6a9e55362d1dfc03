"""Everything the commands print: submitted text shown, never obeyed; a closed pipe ends quietly.

:func:`guarded` wraps ``sys.stdout`` and ``sys.stderr`` for the length of a command so
that every line written — results, error lines, argparse messages, paths — passes
through :func:`jixiao.processor.core.visible.visible`: escape sequences, carriage returns
and bidi overrides in a project name, a sheet name, an attachment name or a file name
appear as ``\\u001b``, ``\\u000d``, ``\\u202e`` instead of acting on the terminal. Newline
and tab are kept (the program lays out its own lines).

Output the program decorates itself — the colours of ``jixiao check`` on a terminal,
rich's progress bar — goes through :func:`write_trusted` / :func:`raw_stderr`, and only
after the submitted parts were passed through :func:`shown`.

``jixiao check … | head`` closes the pipe early; :func:`silence_stdout` lets the command
end quietly (no BrokenPipeError, no "Exception ignored" at exit).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from jixiao.processor.core.visible import visible

__all__ = ["guarded", "raw_stderr", "shown", "silence_stdout", "write_trusted"]

_KEEP = "\n\t"


def shown(text: object) -> str:
    """Submitted text as it may appear inside a line the program prints."""
    return visible(text)


class SafeStream(io.TextIOBase):
    """A text stream that escapes control, escape and bidi characters on their way out."""

    def __init__(self, raw: TextIO):
        super().__init__()
        self.raw = raw

    def write(self, s: str) -> int:
        self.raw.write(visible(s, _KEEP))
        return len(s)

    def writelines(self, lines) -> None:  # type: ignore[override]
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.raw, "errors", None)


def _raw(stream: TextIO) -> TextIO:
    return stream.raw if isinstance(stream, SafeStream) else stream  # type: ignore[return-value]


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Route ``print`` through :class:`SafeStream` while a command runs (restored after)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = SafeStream(_raw(out)) if out is not None else out  # type: ignore[assignment]
    sys.stderr = SafeStream(_raw(err)) if err is not None else err  # type: ignore[assignment]
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        sys.stdout, sys.stderr = out, err


def write_trusted(text: str, *, err: bool = False) -> None:
    """Print a line whose control sequences are the program's own (colours); every
    submitted part of it must already have gone through :func:`shown`."""
    stream = _raw(sys.stderr if err else sys.stdout)
    stream.write(text + "\n")


def raw_stderr() -> TextIO:
    """The real standard error, for rich's progress bar (it writes only its own text)."""
    return _raw(sys.stderr)


def silence_stdout() -> None:
    """After the reader closed the pipe: point stdout at the null device so that nothing
    more (not even the flush at exit) fails."""
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, _raw(sys.stdout).fileno())
        os.close(devnull)
