"""Run the round-4 scenarios bounded (tests/hostile_run.py): flags tracebacks, English,
raw control characters, an input changed, anything written outside the scenario's out/."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hostile_run import jixiao, tree  # noqa: E402

ENGLISH = re.compile(r"\b[A-Za-z]{3,} [a-z]{2,} [a-z]{3,}\b")


def main(root: Path) -> None:
    for d in sorted(p for p in root.iterdir() if (p / "cmds.json").exists()):
        out = d / "out"
        out.mkdir(exist_ok=True)
        for cmd in json.loads((d / "cmds.json").read_text(encoding="utf-8")):
            args = [a.format(**{"in": d / "in", "out": out, "root": d}) for a in cmd]
            before_in, before_root = tree(d / "in"), {k for k in tree(d) if not k.startswith("out")}
            r = jixiao(*args, cwd=d)
            flags = [r.crashed()] if r.crashed() else []
            if tree(d / "in") != before_in:
                flags.append("INPUT CHANGED")
            stray = {k for k in tree(d) if not k.startswith("out") and not k.startswith("in")} - before_root
            if stray:
                flags.append(f"WROTE OUTSIDE out/: {sorted(stray)}")
            if ENGLISH.search(r.stderr + r.stdout):
                flags.append("ENGLISH?")
            print(f"{d.name:18} {' '.join(cmd[:2]):18} rc={r.returncode} peak={r.peak_mb}MB {'; '.join(flags)}")
            for line in (r.stdout + r.stderr).strip().splitlines()[:4]:
                print("     |", line[:220])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
