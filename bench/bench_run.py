"""Throughput, scaling and memory of ``zhmend run`` against ``mend`` in a loop, same data.

Builds a corpus of JSONL shards from ``news_dev.jsonl``: every other document clean, the
others corrupted by the simulator (``bench/corrupt.py``, its variants in turn), cycled until
the size is reached. Then, in one run of this script:

- the baseline: ``zhmend.mend`` in a loop over the same texts in this process, no I/O
  (and ``mend_and_explain``, which the report columns need, for scale);
- ``zhmend run CORPUS -o OUT -j 1`` and ``-j 2`` as child processes: docs/s, MB/s of text,
  speed-up and scaling efficiency (speed-up / workers), and peak RSS (``ru_maxrss`` from
  ``wait4``: the largest process of the run, workers included);
- the runner's overhead: ``run -j 1 --no-report-columns`` (which calls ``mend``) against the
  ``mend`` loop, and ``run -j 1`` (report columns: ``mend_and_explain``) against the
  ``mend_and_explain`` loop, in wall-clock and in CPU seconds (CPU is the fair measure on a
  shared machine; the load average is printed);
- peak RSS of ``-j 2`` at each of ``--rss-sizes`` (flat memory: the ratio stays ~1.0x).

Targets: scaling >= 1.8x on 2 cores, overhead <= 15%.

    python -m bench.bench_run --mb 20                        # smoke run
    python -m bench.bench_run --mb 200 --rss-sizes 100,300   # the README figures
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "news_dev.jsonl"
MB = 1_000_000
TARGETS = {"scaling": 1.8, "overhead": 0.15}


def document_pool(data: Path) -> list[str]:
    """Clean and corrupted documents, alternating (the simulator's variants in turn)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from corrupt import VARIANTS, corrupt

    variants = list(VARIANTS.values())
    pool = []
    with data.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            text = json.loads(line)["text"]
            if i % 2:
                text = corrupt(text, variants[(i // 2) % len(variants)], seed=i)
            pool.append(text)
    return pool


def write_corpus(directory: Path, size: int, shard_size: int, pool: list[str]) -> tuple[int, int]:
    """JSONL shards of about ``shard_size`` bytes until ``size``; returns (docs, text bytes)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = docs = text_bytes = shard = 0
    f = None
    while written < size:
        for text in pool:
            if f is None or f.tell() >= shard_size:
                if f is not None:
                    f.close()
                f = (directory / f"part-{shard:05d}.jsonl").open("wb")
                shard += 1
            line = json.dumps({"id": f"d{docs}", "text": text}, ensure_ascii=False) + "\n"
            blob = line.encode("utf-8")
            f.write(blob)
            written += len(blob)
            text_bytes += len(text.encode("utf-8"))
            docs += 1
            if written >= size:
                break
    if f is not None:
        f.close()
    return docs, text_bytes


def iter_texts(directory: Path):
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)["text"]


def loop_seconds(directory: Path, name: str) -> tuple[float, float]:
    """(wall, CPU) seconds of ``name`` (mend or mend_and_explain) over every text, the texts
    of each shard read beforehand."""
    import zhmend

    fn = getattr(zhmend, name)
    wall = cpu = 0.0
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            texts = [json.loads(line)["text"] for line in f]
        start, start_cpu = time.perf_counter(), time.process_time()
        for t in texts:
            fn(t)
        wall += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    return wall, cpu


def run_cli(corpus: Path, out: Path, jobs: int, *extra: str) -> tuple[float, int, float]:
    """(seconds, peak RSS in bytes, CPU seconds) of ``zhmend run`` as a child process.

    CPU seconds are exact for ``-j 1`` (one process); for more jobs they miss the workers,
    which are not children of the run process (forkserver), so they are not reported."""
    cmd = [sys.executable, "-m", "zhmend.cli", "run", str(corpus), "-o", str(out),
           "-j", str(jobs), "--progress", "none", "--overwrite", *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"zhmend run failed: {proc.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--mb", type=float, default=20, help="corpus size for throughput (default 20)")
    ap.add_argument("--shard-mb", type=float, default=4, help="size of each input shard")
    ap.add_argument("--rss-sizes", default="",
                    help="MB sizes for the memory comparison, e.g. 100,300")
    ap.add_argument("--keep", type=Path, help="build the corpora here and keep them")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"bench_run: {args.data} is not present (evaluation data lives in ../shared)",
              file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="zhmend-bench-run-"))
    pool = document_pool(args.data)
    corpus = work / "corpus"
    docs, text_bytes = write_corpus(corpus, int(args.mb * MB), int(args.shard_mb * MB), pool)
    mb = text_bytes / MB
    print(f"corpus: {docs} docs, {mb:.1f} MB of text in {len(list(corpus.glob('*.jsonl')))} "
          f"shards ({args.mb:g} MB of JSONL)")

    load = os.getloadavg()[0]
    loop, loop_cpu = loop_seconds(corpus, "mend")
    explain, explain_cpu = loop_seconds(corpus, "mend_and_explain")
    j1, rss1, j1_cpu = run_cli(corpus, work / "out-j1", 1)
    plain, _, plain_cpu = run_cli(corpus, work / "out-plain", 1, "--no-report-columns")
    j2, rss2, _ = run_cli(corpus, work / "out-j2", 2)
    same = _outputs(work / "out-j1") == _outputs(work / "out-j2")
    figures = {
        "docs": docs,
        "text_mb": round(mb, 2),
        "loop_mend": {"seconds": round(loop, 2), "docs_s": round(docs / loop, 1),
                      "mb_s": round(mb / loop, 3)},
        "loop_mend_and_explain": {"seconds": round(explain, 2), "docs_s": round(docs / explain, 1),
                                  "mb_s": round(mb / explain, 3)},
        "run_j1": {"seconds": round(j1, 2), "docs_s": round(docs / j1, 1),
                   "mb_s": round(mb / j1, 3), "peak_rss_mb": round(rss1 / MB, 1)},
        "run_j2": {"seconds": round(j2, 2), "docs_s": round(docs / j2, 1),
                   "mb_s": round(mb / j2, 3), "peak_rss_mb": round(rss2 / MB, 1)},
        "speedup_j2": round(j1 / j2, 2),
        "scaling_efficiency_j2": round(j1 / j2 / 2, 2),
        "run_j1_no_report_columns": {"seconds": round(plain, 2), "docs_s": round(docs / plain, 1),
                                     "mb_s": round(mb / plain, 3)},
        # The runner's own cost: same work per text as the loop it is compared with.
        "overhead_plain_vs_mend_loop": round(plain / loop - 1, 3),
        "overhead_vs_explain_loop": round(j1 / explain - 1, 3),
        "cpu_seconds": {"loop_mend": round(loop_cpu, 2), "loop_mend_and_explain":
                        round(explain_cpu, 2), "run_j1": round(j1_cpu, 2),
                        "run_j1_no_report_columns": round(plain_cpu, 2)},
        "cpu_overhead_plain_vs_mend_loop": round(plain_cpu / loop_cpu - 1, 3),
        "cpu_overhead_vs_explain_loop": round(j1_cpu / explain_cpu - 1, 3),
        "cpu_cost_of_report_columns": round(j1_cpu / plain_cpu, 2),
        "load_average_1min": [round(load, 2), round(os.getloadavg()[0], 2)],
        "j1_j2_identical": same,
    }
    print(f"mend in a loop            {figures['loop_mend']}")
    print(f"mend_and_explain in a loop {figures['loop_mend_and_explain']}")
    print(f"zhmend run -j 1           {figures['run_j1']}")
    print(f"zhmend run -j 2           {figures['run_j2']}")
    print(f"speed-up -j 2 / -j 1      {figures['speedup_j2']}x "
          f"(target >= {TARGETS['scaling']}x; efficiency {figures['scaling_efficiency_j2']})")
    print(f"run -j 1 --no-report-columns {figures['run_j1_no_report_columns']}")
    print(f"overhead (wall) of run -j 1 --no-report-columns vs the mend loop "
          f"{figures['overhead_plain_vs_mend_loop']:+.1%} (target <= {TARGETS['overhead']:.0%}); "
          f"run -j 1 vs the mend_and_explain loop {figures['overhead_vs_explain_loop']:+.1%}")
    print(f"CPU seconds {figures['cpu_seconds']}")
    print(f"overhead (CPU) of run -j 1 --no-report-columns vs the mend loop "
          f"{figures['cpu_overhead_plain_vs_mend_loop']:+.1%}; run -j 1 vs the mend_and_explain "
          f"loop {figures['cpu_overhead_vs_explain_loop']:+.1%}; report columns cost "
          f"{figures['cpu_cost_of_report_columns']}x the CPU of mending alone")
    print(f"-j 1 and -j 2 outputs identical: {same}")
    print(f"load average (1 min) before/after: {figures['load_average_1min']} "
          f"on {os.cpu_count()} CPUs; wall-clock ratios mean little when it exceeds the CPUs")

    sizes = [float(s) for s in args.rss_sizes.split(",") if s.strip()]
    if sizes:
        figures["rss"] = []
        for size in sizes:
            d = work / f"rss-{size:g}"
            n, _ = write_corpus(d, int(size * MB), int(args.shard_mb * MB), pool)
            seconds, rss, _ = run_cli(d, work / f"out-rss-{size:g}", 2)
            figures["rss"].append({"mb": size, "docs": n, "seconds": round(seconds, 1),
                                   "peak_rss_mb": round(rss / MB, 1)})
            print(f"peak RSS -j 2 on {size:g} MB: {rss / MB:.1f} MB ({seconds:.0f} s)")
        base = figures["rss"][0]["peak_rss_mb"]
        for row in figures["rss"]:
            row["ratio"] = round(row["peak_rss_mb"] / base, 2)
        print("peak RSS ratio to the smallest: "
              + ", ".join(f"{r['mb']:g} MB {r['ratio']}x" for r in figures["rss"]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.jsonl"))}


if __name__ == "__main__":
    sys.exit(main())
