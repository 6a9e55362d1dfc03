"""What ``xl/workbook.xml`` lists: every sheet, the part that holds it, whether it is hidden.

The guard reads this once, before any workbook library, and decides three things every
command then shares (check, fill, merge, the add-in's file paths):

- **Strict Open XML** (ISO 29500 Strict, "Strict Open XML 电子表格" in Excel's 另存为 list):
  the same package with ``http://purl.oclc.org/ooxml/…`` namespaces. python-calamine reads
  its cells, openpyxl finds no sheet in it at all, so the commands would disagree; the file
  is refused (J515) with the one step that helps: save it again as an ordinary .xlsx.
- **A sheet without content**: a sheet the workbook lists whose part is not in the package.
  calamine refuses the whole file, openpyxl silently drops the sheet; the guard refuses it
  (J516) naming the sheet, so no command reads half a workbook without saying so.

Each sheet's ``state`` (visible, hidden, veryHidden) is returned as well; the readers take
it from their own library (calamine's ``visible``, openpyxl's ``sheet_state``), which read
the same attribute, and the engine reports a form on a hidden sheet (R030).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.parsers import expat

from jixiao.processor.files.guard.xml_parser import new_parser

STRICT_PREFIX = "http://purl.oclc.org/ooxml/"
#: sheet states other than visible, as workbook.xml spells them
HIDDEN_STATES = ("hidden", "veryHidden")


@dataclass(frozen=True)
class ListedSheet:
    name: str
    part: str  # the package member ("xl/worksheets/sheet1.xml"); "" when no relationship names one
    state: str = "visible"  # visible | hidden | veryHidden


@dataclass(frozen=True)
class Listing:
    sheets: tuple[ListedSheet, ...] = ()
    strict: bool = False  # the workbook element is in a Strict Open XML namespace
    readable: bool = True  # False: workbook.xml or its relationships could not be parsed


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _parser(handler) -> expat.XMLParserType:
    parser = new_parser()
    parser.StartElementHandler = handler
    return parser


def read_listing(workbook: bytes, rels: bytes) -> Listing:
    """The sheets ``workbook.xml`` lists, in order, with their parts (through ``rels``)."""
    targets: dict[str, str] = {}
    listed: list[tuple[str, str, str]] = []  # (relationship id, name, state)
    strict = [False]

    def on_rel(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship" and "Id" in attrs:
            targets[attrs["Id"]] = attrs.get("Target", "")

    def on_book(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "workbook":
            prefix = name.rpartition(":")[0]
            ns = attrs.get(f"xmlns:{prefix}" if prefix else "xmlns", "")
            strict[0] = ns.startswith(STRICT_PREFIX)
        elif local == "sheet":
            rid = next((v for k, v in attrs.items() if ":" in k and _local(k) == "id"), "")
            state = attrs.get("state", "visible")
            listed.append((rid, attrs.get("name", ""), state if state in HIDDEN_STATES else "visible"))

    for data, handler in ((rels, on_rel), (workbook, on_book)):
        try:
            _parser(handler).Parse(data, True)
        except Exception:  # noqa: BLE001 - a DTD stop, malformed XML, an unknown encoding
            return Listing(readable=False, strict=strict[0])
    sheets = []
    for rid, name, state in listed:
        target = targets.get(rid, "")
        part = ""
        if target:
            part = _normpath(target.lstrip("/") if target.startswith("/") else "xl/" + target)
        sheets.append(ListedSheet(name, part, state))
    return Listing(tuple(sheets), strict[0])


def sheet_parts(workbook: bytes, rels: bytes) -> list[tuple[str, str]]:
    """(sheet name, part name) of every sheet the workbook lists with a part, in its order;
    [] when either file cannot be read."""
    return [(s.name, s.part) for s in read_listing(workbook, rels).sheets if s.part]


def sheet_names(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Worksheet part (lower case) → the sheet's name, for messages; {} when unreadable."""
    return {part.lower(): name for name, part in sheet_parts(workbook, rels)}


def _normpath(path: str) -> str:
    parts: list[str] = []
    for piece in path.replace("\\", "/").split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)
