"""How a rule profile's ``extends`` composes a child file onto its parent.

The rule (stated for users in ``docs/规则文件.md``):

- **mappings** (``{…}``) merge key by key, at every depth: what the child does not
  mention stays as the parent has it;
- **lists of named objects** (every item an object with its own ``"name"``, e.g.
  ``qualitative.levels``, ``grades``) merge item by item by that name: the child's
  item is merged onto the parent's item of the same name (so ``aliases`` the child
  does not repeat are kept), the parent's order is kept, and items with a new name
  are appended at the end;
- **other lists and plain values** (``vague_actuals``, ``score_caps``, numbers, text)
  are replaced by the child's;
- a key written ``"键+"`` appends the child's list to the parent's (items already
  there are not repeated), e.g. ``"vague_actuals+": ["已落实"]``;
- a key written ``"键="`` replaces the parent's value whole, whatever its type, e.g.
  ``"grades=": [...]`` to rename grades or ``"level1=": {...}`` to drop a category.

:func:`compose` also records which file set each key (``origins``), so a schema error
found after composition names the file the offending key came from.
"""

from __future__ import annotations

from typing import Any

from jixiao.processor.core.errors import InputError

APPEND, REPLACE = "+", "="
Path_ = tuple[Any, ...]


def compose(parent: dict[str, Any], child: dict[str, Any], source: str,
            origins: dict[Path_, str] | None = None) -> dict[str, Any]:
    """``child`` (read from ``source``) composed onto ``parent``; ``origins`` updated in place."""
    origins = {} if origins is None else origins
    out = _mapping(parent, child, (), source, origins)
    out.pop("extends", None)
    return out


def origin_of(path: Path_, origins: dict[Path_, str], default: str) -> str:
    """The file that last set ``path``, a key inside it or the nearest key around it.

    ``origins`` keeps insertion order and every composition step re-inserts what it sets,
    so the last match is the file furthest down the ``extends`` chain, the one to blame.
    """
    hits = [src for p, src in origins.items() if p[:len(path)] == path or path[:len(p)] == p]
    return hits[-1] if hits else default


def _mapping(base: dict[str, Any], over: dict[str, Any], at: Path_, source: str,
             origins: dict[Path_, str]) -> dict[str, Any]:
    out = dict(base)
    seen: dict[str, str] = {}
    for key, value in over.items():
        name = _bare(key)
        how = key[len(name):]
        if name in seen:  # "levels" and "levels+" in one object
            raise InputError.of("P610", file=source, key=_show(at + (name,)), first=seen[name], second=key)
        seen[name] = key
        here = at + (name,)
        if how == REPLACE or name not in out:
            out[name] = _fresh(value, here, source)
            _set_origin(here, source, origins)
        elif how == APPEND:
            out[name] = _append(out[name], value, here, source)
            _set_origin(here, source, origins)
        else:
            out[name] = _merge(out[name], value, here, source, origins)
    return out


def _merge(base: Any, over: Any, at: Path_, source: str, origins: dict[Path_, str]) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return _mapping(base, over, at, source, origins)
    if _named(base) and _named(over):
        return _named_list(base, over, at, source, origins)
    _set_origin(at, source, origins)
    return _fresh(over, at, source)


def _named_list(base: list[dict], over: list[dict], at: Path_, source: str,
                origins: dict[Path_, str]) -> list[dict]:
    out = [dict(item) for item in base]
    index = {item["name"]: i for i, item in enumerate(out)}
    for item in over:
        i = index.get(item["name"])
        if i is None:
            index[item["name"]] = len(out)
            out.append(_fresh(item, at + (len(out),), source))
            _set_origin(at + (len(out) - 1,), source, origins)
        else:
            out[i] = _mapping(out[i], item, at + (i,), source, origins)
    return out


def _append(base: Any, over: Any, at: Path_, source: str) -> list:
    if not isinstance(over, list) or not isinstance(base, list):
        raise InputError.of("P612", file=source, key=_show(at), found=json_kind(over),
                            parent_found=json_kind(base))
    added = [_fresh(v, at, source) for v in over]
    return list(base) + [v for i, v in enumerate(added) if v not in base and v not in added[:i]]


def _fresh(value: Any, at: Path_, source: str) -> Any:
    """The child's own value, its ``+``/``=`` keys resolved (there is nothing below to merge)."""
    if isinstance(value, dict):
        return _mapping({}, value, at, source, {})
    if isinstance(value, list):
        return [_fresh(v, at + (i,), source) for i, v in enumerate(value)]
    return value


# JSON Schema types and JSON values, as the P6xx messages name them
TYPE_CN = {"number": "数字", "integer": "整数", "string": "文字", "boolean": "true 或 false",
            "object": "对象（键值对）", "array": "列表 […]", "null": "null"}


def json_kind(value: Any) -> str:
    """What a JSON value is, in the words of the P6xx messages."""
    if isinstance(value, bool):
        return TYPE_CN["boolean"]
    for kind, types in (("number", (int, float)), ("string", str), ("object", dict), ("array", list)):
        if isinstance(value, types):
            return TYPE_CN[kind]
    return TYPE_CN["null"]


def _set_origin(at: Path_, source: str, origins: dict[Path_, str]) -> None:
    for path in [p for p in origins if p[:len(at)] == at]:  # a replaced subtree forgets its past
        del origins[path]
    origins[at] = source


def _named(value: Any) -> bool:
    """A list whose items are objects, each with its own ``name`` (names identify items)."""
    if not isinstance(value, list) or not value:
        return False
    if not all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in value):
        return False
    return len({v["name"] for v in value}) == len(value)


def _bare(key: str) -> str:
    return key[:-1] if len(key) > 1 and key.endswith((APPEND, REPLACE)) else key


def _show(at: Path_) -> str:
    return "/".join(str(p) for p in at)
