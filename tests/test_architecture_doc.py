"""docs/架构.md matches the code: every module has its line in the tree, and no import goes the wrong way.

Run as a script to print the imports between subpackages (function-level imports included):
``python tests/test_architecture_doc.py``.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "架构.md"

# layer of each part, lowest first: an import may only go to a lower layer (or stay inside its part)
LAYERS = {"core": 0, "files": 1, "template": 2, "merge": 2, "collect": 2, "addin": 2,
          "api": 3, "archive": 3, "cli": 4}
# wrong-way imports that docs/架构.md names as still to mend; remove an entry once it is mended
KNOWN = {
    ("core", "files"),  # core/engine.check_file opens the file
    ("merge", "collect"),  # merge/intake (the one adapter) reads collect's register and roster
    ("api", "cli"),  # jixiao.api / jixiao.report borrow cli/check's expand_paths and render_text
    ("merge", "archive"),  # merge --archive: run.py's after_merge, summary_xlsx's 年度对比 sheet
    ("collect", "archive"),  # reply --archive adds the Y findings of archived files
    ("addin", "cli"),  # python -m jixiao (dry_run) uses the commands' Chinese argument parser
}
API_MODULES = {"api", "report", "summary", "merge_seam", "tables", "frames"}


def tree_paths() -> list[str]:
    """The paths of the tree in docs/架构.md, rebuilt from its indentation."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split("## 包结构", 1)[1].split("```", 2)[1]
    stack: list[tuple[int, str]] = []
    out = []
    for line in block.splitlines():
        m = re.match(r"( *)(\S+)", line)
        if not m:
            continue
        indent, name = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = "".join(p for _i, p in stack) + name
        out.append(path)
        if name.endswith("/"):
            stack.append((indent, name))
    return out


def modules() -> list[str]:
    """Every module and data file the tree must show (package __init__ and __main__ aside)."""
    out = ["processor/__init__.py", "addin/jixiao/__init__.py"]
    for base in ("processor", "addin/jixiao"):
        for path in sorted((ROOT / base).rglob("*.py")):
            if path.name not in ("__init__.py", "__main__.py"):
                out.append(path.relative_to(ROOT).as_posix())
    out += [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "rules").glob("*.json"))]
    return out


def test_every_module_has_its_line_in_the_tree():
    listed = set(tree_paths())
    missing = [m for m in modules() if m not in listed]
    assert not missing, f"add these to the tree in docs/架构.md: {missing}"


def test_every_path_in_the_tree_exists():
    gone = [p for p in tree_paths() if not (ROOT / p).exists()]
    assert not gone, f"docs/架构.md names paths that do not exist: {gone}"


def part_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["jixiao", "processor"]:
        return parts[2] if len(parts) > 2 and parts[2] in LAYERS else None
    if parts[0] == "jixiao" and len(parts) > 1 and parts[1] in API_MODULES:
        return "api"
    if parts[0] == "jixiao" and parts[1:2] != ["rules"]:
        return "addin"  # the add-in's entry and build
    return None


def module_of(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("").parts
    parts = ["jixiao", "processor", *rel[1:]] if rel[0] == "processor" else list(rel[1:])
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_between_parts() -> dict[tuple[str, str], set[str]]:
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in [*(ROOT / "processor").rglob("*.py"), *(ROOT / "addin" / "jixiao").rglob("*.py")]:
        here = module_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                a, b = part_of(here), part_of(name)
                if a and b and a != b:
                    edges[(a, b)].add(f"{path.relative_to(ROOT).as_posix()} → {name}")
    return edges


def wrong_way(edges) -> set[tuple[str, str]]:
    return {(a, b) for a, b in edges if LAYERS[a] <= LAYERS[b]}


def test_no_import_goes_upward_or_sideways_beyond_the_documented_ones():
    edges = imports_between_parts()
    new = {e: sorted(edges[e]) for e in wrong_way(edges) - KNOWN}
    assert not new, f"imports that go upward or sideways (mend them, or document them in docs/架构.md): {new}"
    mended = KNOWN - wrong_way(edges)
    assert not mended, f"mended: remove from KNOWN and from docs/架构.md: {mended}"


if __name__ == "__main__":
    edges = imports_between_parts()
    for (a, b), why in sorted(edges.items()):
        mark = "  ← wrong way" if (a, b) in wrong_way(edges) else ""
        print(f"{a} → {b}{mark}")
        for line in sorted(why):
            print(f"    {line}")
