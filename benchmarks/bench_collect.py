"""How long ``jixiao collect`` takes on a large mbox, and how much of it is the register.

    python benchmarks/bench_collect.py [--messages 20000]

Builds an mbox of N small messages (one in a hundred with a workbook attached), collects
it into a fresh folder as the command does, and prints the time, the rate, the time spent
writing 收件登记 (JSON + CSV) and the number of times it was written. A second run over the
same mbox (everything already registered) is timed too. Not a test: nothing is asserted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hostile_corpus import write_minimal_form  # noqa: E402
from hostile_mail import _xlsx, mbox_of, message  # noqa: E402
from jixiao.processor.collect.collector import Collector  # noqa: E402
from jixiao.processor.collect.manifest import Manifest  # noqa: E402
from jixiao.processor.collect.sources import iter_paths  # noqa: E402


def build(directory: Path, n: int) -> Path:
    wb = write_minimal_form(directory / "form.xlsx").read_bytes()
    msgs = []
    for i in range(n):
        parts = [_xlsx(b"f%d.xlsx" % i, wb + b"\0" * (i // 100 + 1))] if i % 100 == 0 else []
        msgs.append(message(b"u%d@unit%d.example.cn" % (i, i % 50), b"m%d" % i, b"<m%d@bench>" % i, parts))
    path = directory / "box.mbox"
    path.write_bytes(mbox_of(msgs))
    return path


def run(box: Path, out: Path) -> tuple[float, float, int, int]:
    saving = [0.0, 0]
    real_save = Manifest.save

    def timed_save(self: Manifest) -> None:
        start = time.perf_counter()
        real_save(self)
        saving[0] += time.perf_counter() - start
        saving[1] += 1

    start = time.perf_counter()
    with mock.patch.object(Manifest, "save", timed_save):
        collector = Collector(out, Manifest.load(out, repair=True))
        stats = collector.run(iter_paths([box]))
    return time.perf_counter() - start, saving[0], int(saving[1]), stats.new_messages


def main() -> None:
    n = int(sys.argv[sys.argv.index("--messages") + 1]) if "--messages" in sys.argv else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        box = build(directory, n)
        print(f"mbox：{n} 封邮件，{box.stat().st_size / 1024**2:.1f} MB")
        for label in ("首次收取", "再次收取（全部已登记）"):
            total, saving, saves, new = run(box, directory / "out")
            print(f"{label}：{total:.1f} 秒（{n / total:.0f} 封/秒），新邮件 {new} 封；"
                  f"写收件登记 {saves} 次共 {saving:.2f} 秒")


if __name__ == "__main__":
    main()
