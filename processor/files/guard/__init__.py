"""The workbook guard: look at a submitted file before any workbook library opens it.

``inspect(path, limits)`` recognises the container by its first bytes and refuses, with
an :class:`~jixiao.processor.core.errors.InputError` built from the findings catalogue
(``InputError.of(code, file=…, **params)``), everything a reader should never be handed:

- not a workbook at all (empty, text, PDF, HTML, Word, a plain zip …) → J505;
- encrypted (an encrypted OOXML package, a password-protected .xls) → J502;
- truncated or damaged (no central directory, CRC mismatch, missing parts, XML that is
  not well formed) → J501;
- beyond a limit of ``rules/limits.json`` (J530–J545): file size, parts, declared and
  true sizes, compression ratio, headers that lie, XML attacks, cells, the rectangle each
  sheet spans, shared strings, expanded text, merged ranges, hyperlinks, styles, large
  XML parts, media. The limits cover what python-calamine and openpyxl allocate, so a
  file that passes can be read by ``check``, ``fill`` and ``merge`` within 60 s and 1 GB.

What passes is described by a :class:`GuardReport`: ``kind`` says which reader to use,
and the flags let the engine add the R011 info finding.

The parts of the guard, one file per format: :mod:`.source` (opening safely, naming
foreign files), :mod:`.container` (the zip), :mod:`.xlsx_parts` (what the XML parts
will cost), :mod:`.prolog` (DTDs), :mod:`.cfb` and :mod:`.biff` (.xls), :mod:`.limits`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jixiao.processor.core.errors import InputError
from jixiao.processor.files.guard.biff import WorkbookStream
from jixiao.processor.files.guard.cfb import Cfb
from jixiao.processor.files.guard.container import inspect_zip
from jixiao.processor.files.guard.limits import (
    DEFAULT_LIMITS,
    Limits,
    Refusal,
    encrypted,
    human_size,
    not_workbook,
    too_big,
)
from jixiao.processor.files.guard.source import Source, describe_foreign, open_regular

__all__ = ["DEFAULT_LIMITS", "GuardReport", "inspect", "human_size"]

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOF_TYPES = (0x0809, 0x0409, 0x0209, 0x0009)
_FILEPASS = 0x002F


@dataclass(frozen=True)
class GuardReport:
    """What the guard found in a file it let through."""

    path: str
    #: "xlsx" (an OOXML package: .xlsx / .xlsm, read with openpyxl or calamine) or
    #: "xls" (a BIFF workbook in a compound file, read with calamine).
    kind: Literal["xlsx", "xls"]
    #: size on disk, in bytes
    size: int
    #: members of the zip package (directory entries for .xls)
    members: int = 0
    #: sum of the members' decompressed sizes (verified); 0 for .xls
    uncompressed_bytes: int = 0
    #: cell and row elements in all worksheets (cell records for .xls)
    cells: int | None = None
    #: a VBA project (xl/vbaProject.bin, _VBA_PROJECT_CUR) or Excel 4.0 macro sheets
    macros: bool = False
    #: external workbook links (xl/externalLinks/)
    external_links: bool = False
    #: embedded OLE objects or ActiveX controls
    embedded_objects: bool = False
    #: functions that reach the network, found in worksheet formulas (e.g. "WEBSERVICE")
    risky_functions: tuple[str, ...] = ()
    #: sheet name → {A1: "=…"}: formula cells saved without a cached value, found in the
    #: same pass (see :mod:`jixiao.processor.files.formula_cells`); None when not known
    formulas: dict[str, dict[str, str]] | None = field(default=None, compare=False, hash=False)
    #: every total the pass measured (cells, area, text, merged, links, shared-string
    #: references, formulas, worksheets measured by the fast scan …); {} for .xls
    figures: dict[str, object] = field(default_factory=dict, compare=False, hash=False, repr=False)
    #: the worksheet names the workbook lists (() for .xls)
    sheets: tuple[str, ...] = ()

    @property
    def active_content(self) -> str | None:
        """Chinese text for the ``{what}`` of finding R011, or None when there is nothing."""
        parts = []
        if self.macros:
            parts.append("宏")
        if self.external_links:
            parts.append("外部链接")
        if self.embedded_objects:
            parts.append("嵌入对象")
        if self.risky_functions:
            parts.append(f"联网函数（{'、'.join(self.risky_functions)}）")
        return "、".join(parts) or None


def inspect(path: str | Path, limits: Mapping[str, int | float] | None = None, *,
            exact: bool = False) -> GuardReport:
    """Check ``path`` before a workbook library opens it; raise InputError or report.

    ``limits`` is a profile's ``limits`` object (``load_profile()["limits"]``); missing
    keys take :data:`DEFAULT_LIMITS`. The file is opened read-only and never modified.
    ``exact``: measure every worksheet with the expat pass, never the fast scan (the
    reference it is tested against; same verdicts, slower).
    """
    name = str(path)
    try:
        return _inspect(Path(path), name, Limits(limits), exact)
    except Refusal as ref:
        raise InputError.of(ref.code, file=name, **ref.params) from None
    except InputError:
        raise
    except (MemoryError, RecursionError):
        raise InputError.of("J504", file=name, reason="文件结构异常，检查时内存不足") from None
    except Exception as exc:  # noqa: BLE001 - the guard must not let a library error escape
        raise InputError.of("J501", file=name,
                            reason=f"文件已损坏：无法识别文件结构（{type(exc).__name__}）") from None


def _inspect(path: Path, name: str, lim: Limits, exact: bool = False) -> GuardReport:
    fh, size = open_regular(path)
    with fh:
        if size == 0:
            raise not_workbook("文件为空，0 字节")
        if size > lim.max_file_bytes:
            raise too_big("J530", size, lim.max_file_bytes)
        src = Source.of(fh, size)
        head = src.read_at(0, 8)
        if head.startswith(_ZIP_MAGIC) or head.startswith(_EMPTY_ZIP_MAGIC):
            return _report_zip(src, name, lim, exact)
        if head == _CFB_MAGIC:
            return _inspect_cfb(src, name, lim)
        raise not_workbook(describe_foreign(src.read_at(0, 2048)))


def _report_zip(src: Source, name: str, lim: Limits, exact: bool = False) -> GuardReport:
    found = inspect_zip(src, lim, exact=exact)
    names = found.names
    return GuardReport(
        path=name,
        kind="xlsx",
        size=src.size,
        members=found.members,
        uncompressed_bytes=found.uncompressed_bytes,
        cells=found.cells,
        macros="xl/vbaproject.bin" in names or any(k.startswith("xl/macrosheets/") for k in names),
        external_links=any(k.startswith("xl/externallinks/") for k in names),
        embedded_objects=any(k.startswith(("xl/embeddings/", "xl/activex/")) for k in names),
        risky_functions=found.risky,
        formulas=found.formulas,
        figures=found.figures,
        sheets=found.sheets,
    )


def _inspect_cfb(src: Source, name: str, lim: Limits) -> GuardReport:
    cfb = Cfb(src)
    entries = cfb.entries(lim.max_zip_members)
    names = {e[0].lower(): e for e in entries}
    if "encryptioninfo" in names or "encryptedpackage" in names:
        raise encrypted()
    book = next((names[k] for k in ("workbook", "book") if k in names and names[k][1] == 2), None)
    if book is None:
        if "worddocument" in names:
            raise not_workbook("这是 Word 文档 .doc")
        if "powerpoint document" in names:
            raise not_workbook("这是 PowerPoint 演示文稿 .ppt")
        raise not_workbook("这是其他类型的 Office 复合文档，没有工作簿内容")
    stream = cfb.read_stream(entries, book[2], book[3])
    _refuse_filepass(stream)
    cells = WorkbookStream(stream, lim).scan()
    return GuardReport(
        path=name,
        kind="xls",
        size=src.size,
        members=len(entries),
        cells=cells,
        macros="_vba_project_cur" in names or "_vba_project" in names,
        formulas={},  # a BIFF workbook keeps every formula's value
    )


def _refuse_filepass(stream: bytes) -> None:
    """A FILEPASS record right after the first BOF: the workbook is encrypted."""
    if len(stream) < 8:
        return
    rtype = int.from_bytes(stream[0:2], "little")
    rlen = int.from_bytes(stream[2:4], "little")
    if rtype in _BOF_TYPES and len(stream) >= 6 + rlen:
        if int.from_bytes(stream[4 + rlen : 6 + rlen], "little") == _FILEPASS:
            raise encrypted()
