"""The performance archive at scale: 10,000 generated forms over 3 years, added and compared.

The forms come from ``tests/archive_corpus.py`` (ordinary projects plus the planted cases),
are checked by the engine in memory (grid → record → scores → findings, no workbook files)
and turned into archive entries by ``form_entry`` — exactly what ``merge --archive`` stores.
Then, timed separately:

- adding each year (one transaction per year, as one ``merge --archive`` per year would);
- adding the same files again (must add nothing);
- comparing the last year with the one before, and that one with the first;

and the archive's size on disk (SQLite: the file after a checkpoint; PostgreSQL:
``pg_database_size``). Usage::

    python benchmarks/bench_archive.py [--forms 10000] [--url postgresql://…] [--keep 档案.sqlite]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=10_000, help="about this many forms over 3 years")
    ap.add_argument("--url", help="a postgresql:// URL of an empty database (default: a SQLite file)")
    ap.add_argument("--keep", help="SQLite file to keep (default: a temporary file)")
    args = ap.parse_args()

    from archive_corpus import build
    from jixiao.processor.archive import open_archive
    from jixiao.processor.archive.compare import compare_years
    from jixiao.processor.archive.entry import FileEntry, FileInfo, form_entry
    from jixiao.processor.core.engine import check_grid
    from jixiao.processor.core.rules import load_profile

    per_unit = 10
    units = max(1, round(args.forms / 3 / per_unit))
    corpus = build(units=units, per_unit=per_unit)
    profile = load_profile()
    t0 = time.perf_counter()
    entries = {}
    for year in sorted(corpus.forms):
        batch = []
        for rel, grid in corpus.grids(year):
            sheet = check_grid(grid, rel, profile)
            sha = hashlib.sha256(rel.encode()).hexdigest()
            batch.append(FileEntry(FileInfo(sha, rel, rel, 10_000), [form_entry(sheet, profile)], []))
        entries[year] = batch
    engine_s = time.perf_counter() - t0
    n = sum(len(b) for b in entries.values())
    inds = sum(len(f.indicators) for b in entries.values() for e in b for f in e.forms)
    finds = sum(len(f.findings) for b in entries.values() for e in b for f in e.forms)
    print(f"生成并校验 {n} 张自评表（{len(corpus.forms)} 个年度，{inds} 项指标，{finds} 个问题）：{engine_s:.1f} s")

    tmp = None
    if args.url:
        target = args.url
    elif args.keep:
        target = args.keep
    else:
        tmp = tempfile.mkdtemp(prefix="bench_archive")
        target = os.path.join(tmp, "绩效档案.sqlite")
    with open_archive(target) as archive:
        total_add = 0.0
        for year, batch in entries.items():
            t = time.perf_counter()
            report = archive.add(batch, command="bench")
            dt = time.perf_counter() - t
            total_add += dt
            print(f"存入 {year} 年度 {report.forms_added} 张：{dt:.2f} s（{report.forms_added / dt:.0f} 张/秒）")
        t = time.perf_counter()
        again = sum(archive.add(b, command="bench").forms_added for b in entries.values())
        print(f"再次存入同样的 {n} 个文件：新增 {again} 张，{time.perf_counter() - t:.2f} s")
        years = sorted(corpus.forms)
        for year in years[:0:-1]:
            t = time.perf_counter()
            review = compare_years(archive, year, profile=profile)
            dt = time.perf_counter() - t
            print(f"对比 {year} 与 {review.against} 年度（{review.forms_a} 与 {review.forms_b} 个项目）：{dt:.2f} s；"
                  + " ".join(review.summary_lines()[:2]))
        size = _size(archive, target)
    print(f"存入合计 {total_add:.2f} s；档案大小 {size / 1e6:.1f} MB（{size / n / 1e3:.1f} KB/张）")
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _size(archive, target: str) -> int:
    from sqlalchemy import text

    if archive.db.kind == "postgresql":
        with archive.db.reading() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    with archive.db.engine.connect() as conn:  # fold the WAL into the file before measuring
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(os.path.getsize(target + s) for s in ("", "-wal") if os.path.exists(target + s))


if __name__ == "__main__":
    raise SystemExit(main())
