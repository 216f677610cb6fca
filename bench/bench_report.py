"""Cost of the run report against the run itself, on the same corpus in the same session.

Builds a JSONL corpus from ``news_dev.jsonl`` (half the documents clean, half corrupted by
the simulator with a variant drawn per document), runs ``zhmend run -o OUT -j JOBS`` and
times it, then times ``zhmend report OUT`` (the whole command, interpreter start included,
and the build alone as recorded by ``zhmend run --report``). Prints both and the ratio
report / run. Target: the report costs under 10% of the run.

    python -m bench.bench_report                # ~4 MB smoke run
    python -m bench.bench_report --mb 200 -j 2  # the corpus size of the runner benchmark
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "news_dev.jsonl"
TARGET = 0.10


def make_corpus(data: Path, target_mb: float, out: Path, seed: int = 1) -> tuple[int, int]:
    """Write the corpus; return (documents, bytes)."""
    from bench.corrupt import VARIANTS, corrupt

    texts = [json.loads(line)["text"] for line in data.open(encoding="utf-8") if line.strip()]
    rng = random.Random(seed)
    variants = sorted(VARIANTS)
    docs = 0
    size = 0
    limit = int(target_mb * 1e6)
    with out.open("w", encoding="utf-8") as f:
        while size < limit:
            text = texts[docs % len(texts)]
            if rng.random() < 0.5:
                text = corrupt(text, VARIANTS[rng.choice(variants)], seed=docs)
            line = json.dumps({"id": f"d{docs}", "text": text}, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode("utf-8"))
            docs += 1
    return docs, size


def zhmend(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "zhmend.cli", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--mb", type=float, default=4.0, help="corpus size in MB (default 4)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep the corpus and run directory here")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"bench_report: {args.data} is not present (evaluation data lives in ../shared); "
              "pass --data FILE.jsonl", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="zhmend-bench-report-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        corpus = work / "corpus.jsonl"
        docs, size = make_corpus(args.data, args.mb, corpus)
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        run_s = zhmend("run", str(corpus), "-o", str(out), "-j", str(args.jobs),
                       "--progress", "none", "--report")
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        build_s = summary["report"]["seconds"]  # inside the run: data pass + charts + samples
        run_only = run_s - build_s
        report_s = zhmend("report", str(out))  # the whole command, as a user runs it
        figures = {
            "documents": docs,
            "mb": round(size / 1e6, 2),
            "jobs": args.jobs,
            "run_seconds": round(run_only, 2),
            "report_build_seconds": round(build_s, 2),
            "report_command_seconds": round(report_s, 2),
            "ratio_build": round(build_s / run_only, 4),
            "ratio_command": round(report_s / run_only, 4),
            "report_bytes": (out / "report.html").stat().st_size,
        }
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"corpus: {docs:,} documents, {figures['mb']} MB; zhmend run -j {args.jobs}")
    print(f"run (without the report)   {figures['run_seconds']:8.2f} s")
    print(f"report build (in the run)  {figures['report_build_seconds']:8.2f} s   "
          f"ratio {figures['ratio_build']:.3f}")
    print(f"zhmend report OUT          {figures['report_command_seconds']:8.2f} s   "
          f"ratio {figures['ratio_command']:.3f}")
    print(f"report.html                {figures['report_bytes'] / 1e3:8.0f} KB")
    ok = figures["ratio_command"] < TARGET
    print(f"target: report < {TARGET:.0%} of the run: {'met' if ok else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
