"""Speed on one core: ``zhmend.mend`` against OpenCC t2s alone, in the same run.

Two corpora from ``news_dev.jsonl``: the clean documents, and the same documents corrupted
with one simulator variant (``seed-like`` by default). Each system handles every document
of a corpus in turn, one call per document (pages are ~4 KB; opencc-pyo3 may start worker
threads on large inputs, which per-document calls avoid, and the process is pinned to one
CPU anyway, threads included). Repeats are interleaved between the systems and the median
is reported, as MB/s of UTF-8 input and as the ratio time(system) / time(opencc).

Targets: noisy ``mend`` <= 1.5x OpenCC, clean ``mend`` <= 1.0x OpenCC.

``--breakdown`` adds where ``mend``'s time goes on the noisy corpus: CPU seconds of each
fixer (and of the cheap scan and of applying the edits) in the text-only path, as a share
of ``mend``'s total and as a ratio to OpenCC alone on the same text.

    python -m bench.speed --docs 300 --repeats 3
    python -m bench.speed --docs 1000 --repeats 3 --breakdown
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


def breakdown(docs: list[str], repeats: int) -> dict[str, float]:
    """Median CPU seconds per step of ``mend``'s text-only path over ``docs``.

    The steps are timed one by one, so their sum exceeds an untimed ``mend`` by the
    timer's own cost (about a microsecond a step); shares are of that sum. The loop is
    ``zhmend.mend._run``'s, with the scan's findings handed to the fixers as ``mend`` does.
    """
    from zhmend.config import DEFAULT
    from zhmend.edits import apply_edits
    from zhmend.fixers import FIXERS, KEEP_CLASSES, Context
    from zhmend.mend import _scan

    clock = time.process_time
    runs: dict[str, list[float]] = {}
    for _ in range(repeats):
        spent = dict.fromkeys(["scan", *FIXERS, "apply edits"], 0.0)
        for text in docs:
            t = clock()
            scanned = _scan(text, DEFAULT)
            spent["scan"] += clock() - t
            if scanned is None:
                continue
            ctx = Context(DEFAULT, explain=False)
            ctx.bits, ctx.scripts = scanned
            for name, fixer in FIXERS.items():
                t = clock()
                edits = fixer(text, ctx)
                spent[name] += clock() - t
                if edits:
                    t = clock()
                    text = apply_edits(text, edits)
                    spent["apply edits"] += clock() - t
                    if name not in KEEP_CLASSES:
                        ctx.bits = ctx.scripts = None
        for name, seconds in spent.items():
            runs.setdefault(name, []).append(seconds)
    return {name: statistics.median(ts) for name, ts in runs.items()}


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
    p.add_argument(
        "--breakdown", action="store_true", help="also time each step of mend on the noisy corpus"
    )
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
    if args.breakdown:
        steps = breakdown(noisy, args.repeats)
        total = sum(steps.values())
        base_cpu = results["corpora"]["noisy"]["systems"]["opencc"]["cpu_seconds"]
        print(f"\nnoisy corpus, mend step by step (CPU, median of {args.repeats})")
        print(f"{'step':<26}{'seconds':>9}{'share':>8}{'x opencc':>10}")
        for name, seconds in steps.items():
            print(f"{name:<26}{seconds:>9.3f}{seconds / total:>8.1%}{seconds / base_cpu:>10.2f}")
        print(f"{'sum':<26}{total:>9.3f}{1:>8.1%}{total / base_cpu:>10.2f}")
        results["breakdown"] = {"cpu_seconds": steps, "opencc_cpu_seconds": base_cpu}
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
