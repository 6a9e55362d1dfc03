"""How the overlapping-merge check (J519) grows with the number of merged ranges.

    python benchmarks/bench_merges.py

Every sheet the engine reads goes through ``grid.overlapping_merges`` first. Prints the
median time for n disjoint ranges (the whole list is swept: the worst case for a valid
sheet) in three shapes — 1 × 2 tiles row by row, tall columns beside short rows (many
ranges open at once), and one range per row — and the time per range, which should stay
roughly flat as n grows tenfold (n log n, not n²). Not a test: nothing is asserted.
"""

from __future__ import annotations

import statistics
import time

from jixiao.processor.core.grid import overlapping_merges


def tiles(n: int) -> list[tuple[int, int, int, int]]:
    per_row = 100
    return [(1 + i // per_row, 1 + 2 * (i % per_row), 1 + i // per_row, 2 + 2 * (i % per_row)) for i in range(n)]


def columns(n: int) -> list[tuple[int, int, int, int]]:
    tall = min(n // 2, 16_000)
    return [(1, c, 1_000_000, c) for c in range(1, tall + 1)] + [(r, 20_000, r, 20_001) for r in range(1, n - tall + 1)]


def rows(n: int) -> list[tuple[int, int, int, int]]:
    return [(r, 1, r, 9) for r in range(1, n + 1)]


def median_time(merged, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        assert overlapping_merges(merged) is None
        times.append(time.perf_counter() - t)
    return statistics.median(times)


if __name__ == "__main__":
    print(f"{'形状':8} {'区域数':>9} {'中位耗时':>10} {'每个区域':>10}")
    for name, make in (("tiles", tiles), ("columns", columns), ("rows", rows)):
        for n in (10_000, 100_000, 1_000_000):
            merged = make(n)
            t = median_time(merged, runs=3 if n >= 1_000_000 else 5)
            print(f"{name:8} {n:>9,} {t * 1000:>8.1f}ms {t / n * 1e6:>8.2f}µs")
