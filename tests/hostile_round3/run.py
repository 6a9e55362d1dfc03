"""Run every round-3 attack through check and fill in a bounded process; print a table of outcomes."""
from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from pathlib import Path

VENV = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "jixiao"
BAD = re.compile(r"Traceback|Error:|Exception|[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}")
CTRL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (1024**3 * 2, 1024**3 * 2))


def run(args, timeout=60):
    t = time.time()
    try:
        r = subprocess.run([str(VENV), *args], capture_output=True, text=True, timeout=timeout, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return "TIMEOUT", "", "", time.time() - t
    return r.returncode, r.stdout, r.stderr, time.time() - t


def verdict(rc, out, err):
    flags = []
    if rc not in (0, 1, 2):
        flags.append(f"rc={rc}")
    if BAD.search(err) or "Traceback" in out:
        flags.append("ENGLISH/TRACEBACK")
    if CTRL.search(out.replace("\n", "")) or CTRL.search(err.replace("\n", "")):
        flags.append("CTRL")
    return flags


if __name__ == "__main__":
    d = Path(sys.argv[1])
    out_dir = d / "out"
    out_dir.mkdir(exist_ok=True)
    for f in sorted((d / "files").iterdir()):
        for cmd in (["check", str(f)], ["fill", str(f), "-o", str(out_dir / (f.stem + "_filled.xlsx"))]):
            rc, out, err, dt = run(cmd)
            flags = verdict(rc, out, err) if rc != "TIMEOUT" else ["TIMEOUT"]
            first = (out + err).strip().splitlines()
            print(f"{f.name:40} {cmd[0]:5} rc={rc} {dt:5.1f}s {' '.join(flags)}")
            for line in first[:6]:
                print("     |", line[:200])
