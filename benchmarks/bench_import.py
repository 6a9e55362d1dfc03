"""Cold import time of ``jixiao`` — what every click on 校验/计算 pays first.

xlwings' VBA starts a fresh Python per click and runs ``import jixiao; jixiao.main()``,
so ``import jixiao`` must stay cheap (budget: 0.3 s) and must not pull in pandas or
other heavy modules; xlwings and the engine are imported inside ``main()``.

Each run is a new interpreter; the child times the import with ``time.perf_counter``.
For scale, the benchmark also prints what ``main()`` then imports (xlwings and the
engine) and a bare interpreter start. Usage::

    python benchmarks/bench_import.py [--runs N] [--budget SECONDS]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

HEAVY = ("pandas", "numpy", "xlwings", "openpyxl", "jsonschema", "jixiao.processor")

CHILD = f"""
import json, sys, time
t0 = time.perf_counter()
import jixiao
t1 = time.perf_counter()
print(json.dumps({{"seconds": t1 - t0,
                   "heavy": [m for m in {HEAVY!r} if m in sys.modules],
                   "modules": len(sys.modules)}}))
"""


def one_run() -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


CLICK = """
import time
t0 = time.perf_counter()
import jixiao
jixiao.import_xlwings()
import jixiao.processor.core.engine, jixiao.processor.core.plan, jixiao.processor.core.rules
jixiao.processor.core.rules.load_profile()
print(time.perf_counter() - t0)
"""


def click_imports() -> float:
    """Seconds for everything main() imports before it talks to Excel."""
    out = subprocess.run([sys.executable, "-c", CLICK], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def process_start() -> float:
    """Wall time of a bare interpreter start + exit, for scale."""
    import time

    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.3)
    args = parser.parse_args(argv)

    one_run()  # warm the bytecode cache once, as after installation
    runs = [one_run() for _ in range(args.runs)]
    times = sorted(r["seconds"] for r in runs)
    heavy = sorted({m for r in runs for m in r["heavy"]})
    print(f"Python {sys.version.split()[0]} ({sys.executable})")
    print(f"import jixiao, {args.runs} fresh processes:")
    print(f"  min {times[0] * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms, "
          f"max {times[-1] * 1000:.1f} ms  (budget {args.budget * 1000:.0f} ms)")
    print(f"  modules loaded after import: {runs[-1]['modules']}")
    print(f"  heavy modules imported: {', '.join(heavy) if heavy else 'none'}")
    try:
        click = sorted(click_imports() for _ in range(3))[1]
        print(f"  main()'s own imports (xlwings, engine, profile): {click * 1000:.1f} ms (median of 3)")
    except (subprocess.CalledProcessError, ValueError) as exc:
        print(f"  main()'s own imports: not measured ({exc})")
    print(f"  bare interpreter start+exit: {process_start() * 1000:.1f} ms (for scale)")
    ok = statistics.median(times) <= args.budget and "pandas" not in heavy
    print("OK" if ok else "OVER BUDGET or heavy import")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
