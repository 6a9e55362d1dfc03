"""The one way the guard creates an expat parser: no DTD, no entity, no external reference."""

from __future__ import annotations

from xml.parsers import expat


class Stop(Exception):
    """Raised from a handler once a part has told us all we need ("dtd": a DTD was met)."""


def new_parser() -> expat.XMLParserType:
    """An expat parser that stops at any DTD, entity or external reference."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_dtd(*_args: object) -> None:
        raise Stop("dtd")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.ExternalEntityRefHandler = no_dtd
    return parser


def well_formed(doc: bytes) -> bool:
    """Whether expat, set up as :func:`new_parser`, accepts ``doc`` whole (no handler runs)."""
    try:
        new_parser().Parse(doc, True)
    except Exception:  # noqa: BLE001 - malformed, a DTD, an unknown encoding: not proven
        return False
    return True
