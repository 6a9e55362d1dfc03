"""Seals of the shipped rule profiles: validated once, when they are sealed, not at every start.

Validating a profile with jsonschema costs some 0.3 s at every start of a command (jsonschema
and its dependencies are imported, then the whole profile is walked) — more than a thousand
forms take to merge. The shipped profiles never change between releases, so
``python -m jixiao.processor.core.rules_seal`` validates each of them (and each one's
department overlay) and writes the SHA-256 of every file into ``rules/sealed.json``. A
profile built only from files whose bytes still have their sealed digest is not validated
again; any other — a user's file, a shipped file edited after installation, a profile extending
a user's file — is validated as before. ``tests/test_rules_seal.py`` fails when a shipped file
changes without being sealed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

SEAL_FILE = "sealed.json"
# the shipped files a profile is composed of (the schemas and the findings catalogue are not profiles)
SEALED_NAMES = ("default.json", "department.json", "province-example-caps.json", "vocabulary.json")


def _rules_dir() -> Path:
    from jixiao.processor.core.rules import _profiles_dir

    return _profiles_dir().resolve()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def seals() -> dict[str, str]:
    """File name → digest, as sealed; empty when the seal file is missing or unreadable."""
    try:
        data = json.loads((_rules_dir() / SEAL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def sealed(paths: Iterable[str | Path]) -> bool:
    """Every file is a shipped rules file whose bytes are those that were validated and sealed."""
    root, known = _rules_dir(), seals()
    try:
        return all(p.parent == root and p.name in known and known[p.name] == digest(p)
                   for p in (Path(x).resolve() for x in paths))
    except OSError:
        return False


def compute() -> dict[str, str]:
    root = _rules_dir()
    return {name: digest(root / name) for name in SEALED_NAMES}


def main() -> int:
    """Validate every shipped profile (and its forms' overlays) with jsonschema, then seal the files."""
    from jixiao.processor.core import rules

    for name in rules.available_profiles():
        profile = rules.load_profile(name, validate=True)
        for form in profile.data.get("forms") or {}:
            profile.for_form(form)
    path = _rules_dir() / SEAL_FILE
    path.write_text(json.dumps(compute(), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"已校验并封存：{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
