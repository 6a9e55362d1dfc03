"""The copied-indicator cross-check (I223) by inverted index against the pairwise check it replaced.

Realistic corpora: every project its own indicator names drawn from a large vocabulary
(5–12 each), about 2 % copying another project's set (sometimes with a name changed).
Both are timed in the same run on the same sets, and their findings compared.
The pairwise check is the one kept verbatim in ``tests/test_copied_indicators.py``.

Usage::

    python benchmarks/bench_i223.py                 # 1,000 / 2,000 / 4,000 projects
    python benchmarks/bench_i223.py --sizes 10000 --no-pairwise
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main(argv: list[str] | None = None) -> int:
    from jixiao.processor.core.audit import audit_batch
    from test_copied_indicators import _key, _sets, pairwise

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,2000,4000")
    ap.add_argument("--no-pairwise", action="store_true", help="time the index only")
    args = ap.parse_args(argv)
    print("项目数    索引（现行）   两两比较（原）   倍数   I223 条数")
    for n in (int(x) for x in args.sizes.split(",")):
        items = _sets(random.Random(n), n, vocabulary=20 * n, size=(5, 12), names=0, copy_share=0.02)
        t0 = time.perf_counter()
        got = audit_batch(items)
        index = time.perf_counter() - t0
        if args.no_pairwise:
            print(f"{n:>7}  {index:9.3f} s        —            —     {len(got)}")
            continue
        t0 = time.perf_counter()
        want = pairwise(items)
        old = time.perf_counter() - t0
        same = "相同" if _key(got) == _key(want) else "不同！"
        print(f"{n:>7}  {index:9.3f} s   {old:10.2f} s   {old / index:7.0f}×  {len(got)}（{same}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
