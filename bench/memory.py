"""Peak memory of ``zhmend fix`` on large files: flat when it streams.

Writes synthetic farm text files of the given sizes (documents of ``news_dev.jsonl``
corrupted with one simulator variant, cycled until the size is reached) into a temporary
directory, runs ``python -m zhmend.cli fix FILE > /dev/null`` on each as a child process and
reports its peak resident set size (``ru_maxrss`` of that child alone, from ``wait4``), its
wall and CPU time, and the ratio of each peak to the smallest input's (flat memory: ~1.0x).
A run on a one-line file gives the interpreter's own footprint for scale.

``--one-line`` writes each file without a single line end (the documents joined, their own
line ends dropped: a minified export), which ``fix`` has to cut inside the line;
``--explain`` and ``--explain-json`` measure ``fix --explain`` and ``fix --explain --json``.

    python -m bench.memory --sizes 2,20
    python -m bench.memory                # 20 MB and 200 MB
    python -m bench.memory --sizes 20,50 --one-line --explain-json
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


def write_corpus(path: Path, size: int, pool: list[str], one_line: bool = False) -> int:
    """Write documents from ``pool`` (cycled, blank line between) until ``size`` bytes;
    with ``one_line``, the documents without their line ends, back to back."""
    written = 0
    if one_line:
        blobs = [d.replace("\r", "").replace("\n", "").encode("utf-8") for d in pool]
    else:
        blobs = [(d.rstrip("\n") + "\n\n").encode("utf-8") for d in pool]
    with path.open("wb") as f:
        while written < size:
            for blob in blobs:
                f.write(blob)
                written += len(blob)
                if written >= size:
                    break
    return written


def peak_rss(
    path: Path, timeout: float | None, options: tuple[str, ...] = ()
) -> tuple[int, float, float, int]:
    """(peak RSS in bytes, wall seconds, CPU seconds, exit status) of
    ``zhmend fix *options path``."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "zhmend.cli", "fix", *options, str(path)],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        deadline = None if timeout is None else start + timeout
        while True:
            # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be a running maximum).
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            err.seek(0)
            sys.stderr.write(err.read().decode("utf-8", "replace")[-2000:])
    cpu = usage.ru_utime + usage.ru_stime
    return usage.ru_maxrss * 1024, seconds, cpu, child.returncode  # ru_maxrss: KiB on Linux


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="20,200", help="comma-separated file sizes in MB")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="clean JSONL with a text field")
    p.add_argument("--docs", type=int, default=1000, help="distinct documents to cycle through")
    p.add_argument("--variant", default="seed-like", help="simulator variant")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=None, help="seconds allowed per run")
    p.add_argument(
        "--dir", type=Path, default=None, help="where to write the files (default: temp)"
    )
    p.add_argument(
        "--one-line", action="store_true", help="files without a line end (documents joined)"
    )
    p.add_argument("--explain", action="store_true", help="run fix --explain")
    p.add_argument("--explain-json", action="store_true", help="run fix --explain --json")
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write JSON here")
    args = p.parse_args(argv)
    if args.explain_json:
        options: tuple[str, ...] = ("--explain", "--json")
    else:
        options = ("--explain",) * args.explain

    from bench.fidelity import clean_and_noisy

    try:
        sizes = sorted(int(float(s) * MB) for s in args.sizes.split(",") if s)
    except ValueError:
        print(
            f"memory: --sizes takes numbers of MB like 20,200, not {args.sizes!r}", file=sys.stderr
        )
        return 2
    corpus = clean_and_noisy("memory", args.data, args.docs, args.variant, args.seed)
    if corpus is None:
        return 2
    pool = corpus[1]

    rows = []

    def record(label: str, path: Path, size: int) -> None:
        rss, seconds, cpu, status = peak_rss(path, args.timeout, options)
        rows.append(
            {
                "label": label,
                "bytes": size,
                "peak_rss": rss,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "status": status,
            }
        )

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        base = Path(tmp) / "one-line.txt"
        base.write_text(pool[0].split("\n")[0] + "\n", encoding="utf-8")
        record("one line", base, base.stat().st_size)
        for size in sizes:
            path = Path(tmp) / f"noisy-{size // MB}MB.txt"
            written = write_corpus(path, size, pool, args.one_line)
            record(f"{size / MB:g} MB", path, written)
            path.unlink()
    smallest = rows[1]["peak_rss"] if len(rows) > 1 else rows[0]["peak_rss"]
    shape = "one line" if args.one_line else "lines"
    command = " ".join(("zhmend fix", *options, "FILE > /dev/null"))
    print(f"{command}, variant {args.variant}, {shape}; peak RSS of each child")
    print(
        f"{'input':<10}{'bytes':>13}{'peak RSS MB':>13}{'ratio':>8}{'wall s':>8}{'CPU s':>8}"
        f"{'CPU MB/s':>10}  exit"
    )
    for i, r in enumerate(rows):
        ratio = f"{r['peak_rss'] / smallest:>8.2f}" if i else f"{'':>8}"
        speed = r["bytes"] / MB / r["cpu_seconds"] if r["cpu_seconds"] else 0.0
        print(
            f"{r['label']:<10}{r['bytes']:>13}{r['peak_rss'] / 2**20:>13.1f}{ratio}"
            f"{r['seconds']:>8.1f}{r['cpu_seconds']:>8.1f}{speed:>10.2f}  {r['status']}"
        )
    if args.json:
        figures = {"variant": args.variant, "one_line": args.one_line, "options": list(options)}
        args.json.write_text(json.dumps({**figures, "runs": rows}, indent=1), encoding="utf-8")
    return 0 if all(r["status"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
