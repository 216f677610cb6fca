"""Speed on one core: ``zhmend.mend`` against OpenCC t2s alone, in the same run.

Two corpora from ``news_dev.jsonl``: the clean documents, and the same documents corrupted
with one simulator variant (``seed-like`` by default). Each system handles every document
of a corpus in turn, one call per document (pages are ~4 KB; opencc-pyo3 may start worker
threads on large inputs, which per-document calls avoid, and the process is pinned to one
CPU anyway, threads included). Repeats are interleaved between the systems and the median
is reported, as MB/s of UTF-8 input and as the ratio time(system) / time(opencc).

Targets: noisy ``mend`` <= 1.5x OpenCC, clean ``mend`` <= 1.0x OpenCC.

    python -m bench.speed --docs 300 --repeats 3
    python -m bench.speed --json speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "news_dev.jsonl"

TARGETS = {"noisy": 1.5, "clean": 1.0}


def pin(cpu: int) -> None:
    """Pin this process and every thread it already has to ``cpu``; later threads inherit."""
    os.sched_setaffinity(0, {cpu})
    for task in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(task), {cpu})
        except OSError:  # a thread that ended meanwhile
            pass


def run_once(fn: Callable[[str], object], docs: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process) for one pass over ``docs``."""
    wall, cpu = time.perf_counter(), time.process_time()
    for d in docs:
        fn(d)
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(
    systems: dict[str, Callable[[str], object]], docs: list[str], repeats: int
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds per system, after one warm-up pass each (tables and
    converters load lazily). CPU time counts every thread and is steadier than wall time
    when other processes share the core."""
    for fn in systems.values():
        run_once(fn, docs[: max(1, len(docs) // 10)])
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in systems}
    for _ in range(repeats):
        for name, fn in systems.items():
            times[name].append(run_once(fn, docs))
    return {
        name: (statistics.median(t[0] for t in ts), statistics.median(t[1] for t in ts))
        for name, ts in times.items()
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="clean JSONL with a text field")
    p.add_argument("--docs", type=int, default=None, help="first N documents (default: all)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--variant", default="seed-like", help="simulator variant for the noisy corpus")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--cpu", type=int, default=None, help="CPU to pin to (default: the last allowed)"
    )
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write JSON here")
    args = p.parse_args(argv)
    # Pin before the converters exist, so any thread they start inherits the affinity.
    cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
    pin(cpu)

    from opencc_pyo3 import OpenCC

    import zhmend
    from bench.fidelity import clean_and_noisy

    corpus = clean_and_noisy("speed", args.data, args.docs, args.variant, args.seed)
    if corpus is None:
        return 2
    clean, noisy = corpus

    converter = OpenCC("t2s")
    systems: dict[str, Callable[[str], object]] = {
        "opencc": converter.convert,
        "mend": zhmend.mend,
        "mend_and_explain": zhmend.mend_and_explain,
    }
    pin(cpu)  # threads started while loading
    results: dict = {"cpu": cpu, "repeats": args.repeats, "variant": args.variant, "corpora": {}}
    print(f"one core (cpu {cpu}), median of {args.repeats}; ratio = time / time(opencc)")
    print(
        f"{'corpus':<7}{'docs':>6}{'MB':>7}{'system':>18}{'MB/s':>8}{'ratio':>7}"
        f"{'CPU MB/s':>10}{'CPU ratio':>10}  target (wall ratio)"
    )
    for corpus, docs in (("noisy", noisy), ("clean", clean)):
        mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
        seconds = measure(systems, docs, args.repeats)
        base_wall, base_cpu = seconds["opencc"]
        row = {"docs": len(docs), "mb": mb, "systems": {}}
        for name, (wall, cpu_s) in seconds.items():
            ratio, cpu_ratio = wall / base_wall, cpu_s / base_cpu
            row["systems"][name] = {
                "seconds": wall,
                "mb_per_s": mb / wall,
                "ratio": ratio,
                "cpu_seconds": cpu_s,
                "cpu_ratio": cpu_ratio,
            }
            verdict = ""
            if name == "mend":
                met = "met" if ratio <= TARGETS[corpus] else "MISSED"
                verdict = f"<= {TARGETS[corpus]}x {met}"
            cells = f"{corpus:<7}{len(docs):>6}{mb:>7.2f}{name:>18}{mb / wall:>8.2f}{ratio:>7.2f}"
            print(f"{cells}{mb / cpu_s:>10.2f}{cpu_ratio:>10.2f}  {verdict}")
        results["corpora"][corpus] = row
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
