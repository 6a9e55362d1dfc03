"""The garbage collector paused while a merge builds something big that holds no cycles to free.

Python's collector runs after every 700 new container objects and, now and then, walks every
object not frozen. Building the summary (some 100,000 cell tuples and dicts on 2,000 forms) or
loading pypinyin's phrase dictionary (200,000 lists) only adds objects that stay alive until the
step ends, so those walks find nothing to free and cost some 15 % of the step (measured on the
summary of 2,000 forms). Paused, not stopped: the previous state comes back when the step ends,
on error too, and what the step left behind is collected as usual afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside the ``with`` block."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
