"""The guard's limits and its refusals.

The numbers come from ``rules/limits.json`` (see ``docs/security.md``); a caller may pass
a ``limits`` mapping (a profile's ``profile["limits"]``) whose keys override them.

A check that fails raises :class:`Refusal` with a findings-catalogue code and the values
the message is made from; :func:`jixiao.processor.files.guard.inspect` turns it into
``InputError.of(code, file=…, **params)``, so every refusal is one catalogue entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jixiao.processor.core.rules import default_limits
from jixiao.processor.core.visible import one_line

#: The shipped limits (``rules/limits.json``), for any key the caller's mapping lacks.
DEFAULT_LIMITS: dict[str, int | float] = default_limits()

#: The compression-ratio limit applies to members larger than this once decompressed;
#: small parts (styles, a sheet of empty cells) can compress very well for honest reasons.
RATIO_MIN_BYTES = 1024**2


class Refusal(Exception):
    """A file the guard will not hand to a workbook library: a catalogue code and its values."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


def human_size(n: float) -> str:
    """1536 → "1.5 KB", 3435973837 → "3.2 GB" (binary units, one decimal at most)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= factor:
            text = f"{n / factor:.1f}".removesuffix(".0")
            return f"{text} {unit}"
    return f"{int(n)} 字节"


def part_name(name: str) -> str:
    """A zip member's name as it may appear in a message: one line, control characters shown."""
    return one_line(name, 120)


def damaged(reason: str) -> Refusal:
    return Refusal("J501", reason=f"文件已损坏：{reason}")


def not_workbook(reason: str) -> Refusal:
    return Refusal("J505", reason=reason)


def suspicious(reason: str) -> Refusal:
    return Refusal("J504", reason=reason)


def encrypted() -> Refusal:
    return Refusal("J502")


def too_big(code: str, found: int, limit: int, **params: Any) -> Refusal:
    """A byte-size limit: the message shows both sizes in KB/MB/GB."""
    return Refusal(code, found=found, limit=limit, found_text=human_size(found),
                   limit_text=human_size(limit), **params)


def too_many(code: str, found: int, limit: int, **params: Any) -> Refusal:
    return Refusal(code, found=found, limit=limit, **params)


class Limits:
    """The effective limits as numbers (``lim.max_cell_elements``), the caller's keys over the defaults."""

    def __init__(self, overrides: Mapping[str, int | float] | None = None):
        merged = {**DEFAULT_LIMITS, **(overrides or {})}
        self.values = merged
        self.max_file_bytes = int(merged["max_file_bytes"])
        self.max_zip_members = int(merged["max_zip_members"])
        self.max_member_bytes = int(merged["max_member_bytes"])
        self.max_total_bytes = int(merged["max_total_bytes"])
        self.max_ratio = float(merged["max_ratio"])
        self.max_xml_part_bytes = int(merged["max_xml_part_bytes"])
        self.max_media_bytes = int(merged["max_media_bytes"])
        self.max_cell_elements = int(merged["max_cell_elements"])
        self.max_cells = int(merged["max_cells"])
        self.max_shared_strings = int(merged["max_shared_strings"])
        self.max_text_chars = int(merged["max_text_chars"])
        self.max_merged_cells = int(merged["max_merged_cells"])
        self.max_hyperlink_cells = int(merged["max_hyperlink_cells"])
        self.max_styles = int(merged["max_styles"])
