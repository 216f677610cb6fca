"""What a widening Parquet schema costs the writer, against a shard whose schema never changes.

Writes ``--rows`` synthetic records (an id, a text of ``--text-chars`` characters, an int,
a list) in batches of 256, as ``zhmend run`` hands them over, through
:class:`zhmend.io.parquet.ParquetWriter`, and times each case against the first, measured in
the same run:

* ``stable``: no widening (the baseline: one segment, renamed at commit);
* ``late field``: one record near the end brings a new field (one merge at commit);
* ``int then str``: the int column meets a string half way (one merge; ints become text);
* ``new field every batch``: the pathological input (segments merged like a binary
  counter);
* ``... schema known``: the same rows written with their final schema given up front, no
  widening at all: what the width of that output costs by itself;
* ``rewrite per widening``: the same input with MAX_SEGMENTS = 1, i.e. the rows so far
  rewritten at every widening, which is what the segments avoid.

Writer alone, no mending: in ``zhmend run`` mending dominates, so these ratios are upper
bounds of what a widening adds to a run. Each case is timed ``--repeat`` times (best kept).

``--memory N,M`` instead measures the peak RSS of a child process streaming N (then M) rows
batch by batch through the writer, schema stable or with a field first seen at 90 % of the
shard (its merge reads the rows back): flat memory means the same peak for every N
(ratio to the smallest stable run: ~1.0x).

    python -m bench.bench_parquet_schema --rows 5000         # smoke
    python -m bench.bench_parquet_schema                      # 20,000 rows
    python -m bench.bench_parquet_schema --memory 100000,300000
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pyarrow.parquet as pq

from zhmend.io import parquet
from zhmend.io.parquet import ParquetWriter

BATCH = 256
SENTENCE = "今天上午，市政府召开新闻发布会，介绍全市经济运行情况。"

Row = dict[str, Any]


def base_rows(n: int, text_chars: int) -> list[Row]:
    pool = SENTENCE * (text_chars // len(SENTENCE) + 2)
    step = len(SENTENCE)
    # Texts differ from row to row, so Parquet's dictionary encoding does not fold them.
    return [{"id": f"r{i}", "text": f"{i}:" + pool[i % step:i % step + text_chars],
             "n": i, "tags": ["news", str(i % 7)]} for i in range(n)]


def late_field(rows: list[Row]) -> list[Row]:
    rows[len(rows) - len(rows) // 20]["author"] = "张三"
    return rows


def int_then_str(rows: list[Row]) -> list[Row]:
    rows[len(rows) // 2]["n"] = "n/a"
    return rows


def new_field_every_batch(rows: list[Row]) -> list[Row]:
    for b in range(0, len(rows), BATCH):
        rows[b][f"field_{b // BATCH}"] = b
    return rows


def final_schema(rows: list[Row], folder: Path) -> Any:
    """The schema the writer ends with for ``rows``."""
    path = folder / "schema.parquet"
    write(rows, folder, name=path.name)
    return pq.read_schema(path)


def write(rows: list[Row], folder: Path, schema: Any = None,
          name: str = "bench.parquet") -> tuple[float, int]:
    """Seconds to write ``rows`` batch by batch and commit; bytes of the file."""
    path = folder / name
    start = time.perf_counter()
    w = ParquetWriter(path, schema)
    for b in range(0, len(rows), BATCH):
        if w.write_rows(rows[b:b + BATCH]):
            raise SystemExit("a row was handed back: nothing to measure")
    w.commit()
    seconds = time.perf_counter() - start
    size = path.stat().st_size
    if name == "bench.parquet":
        path.unlink()
    return seconds, size


def stream(n: int, text_chars: int, late: bool, folder: Path) -> None:
    """Write ``n`` rows generated batch by batch (only one batch in memory at a time)."""
    w = ParquetWriter(folder / "stream.parquet")
    late_batch = (n * 9 // 10) // BATCH * BATCH if late else -1
    for b in range(0, n, BATCH):
        rows = base_rows(min(BATCH, n - b), text_chars)
        if b == late_batch:
            rows[0]["author"] = "张三"
        if w.write_rows(rows):
            raise SystemExit("a row was handed back: nothing to measure")
    w.commit()


def peak_rss(n: int, text_chars: int, late: bool) -> float:
    """Peak RSS in MB of a child process streaming ``n`` rows."""
    cmd = [sys.executable, "-m", "bench.bench_parquet_schema", "--child", "--rows", str(n),
           "--text-chars", str(text_chars)] + (["--late"] if late else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return float(out.split()[-1])


def memory(sizes: list[int], text_chars: int) -> None:
    print(f"peak RSS streaming rows of {text_chars} characters, batches of {BATCH}")
    print(f"{'rows':>9}  {'case':<12}{'MB':>8}{'x first':>9}")
    first = None
    for n in sizes:
        for late in (False, True):
            mb = peak_rss(n, text_chars, late)
            first = first or mb
            name = "late field" if late else "stable"
            print(f"{n:>9}  {name:<12}{mb:>8.0f}{mb / first:>8.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--text-chars", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", metavar="N,M", help="peak RSS streaming N, M rows instead")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--late", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as d:
            stream(args.rows, args.text_chars, args.late, Path(d))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB on Linux
        return
    if args.memory:
        memory([int(n) for n in args.memory.split(",")], args.text_chars)
        return

    known = True  # the case below is written with its final schema given
    cases: list[tuple[str, Callable[[list[Row]], list[Row]], Any]] = [
        ("stable", lambda rows: rows, parquet.MAX_SEGMENTS),
        ("late field", late_field, parquet.MAX_SEGMENTS),
        ("int then str", int_then_str, parquet.MAX_SEGMENTS),
        ("new field every batch", new_field_every_batch, parquet.MAX_SEGMENTS),
        ("... schema known", new_field_every_batch, known),
        ("rewrite per widening", new_field_every_batch, 1),
    ]
    print(f"{args.rows} rows of {args.text_chars} characters, batches of {BATCH}, "
          f"MAX_SEGMENTS={parquet.MAX_SEGMENTS}, best of {args.repeat}")
    print(f"{'case':<24}{'seconds':>9}{'x stable':>10}{'MB':>8}")
    baseline = None
    with tempfile.TemporaryDirectory() as d:
        write(base_rows(BATCH, args.text_chars), Path(d))  # warm up: imports, first calls
        for name, shape, max_segments in cases:
            rows = shape(base_rows(args.rows, args.text_chars))
            if max_segments is known:
                schema = final_schema(rows, Path(d))
                runs = [write(rows, Path(d), schema) for _ in range(args.repeat)]
            else:
                with mock.patch.object(parquet, "MAX_SEGMENTS", max_segments):
                    runs = [write(rows, Path(d)) for _ in range(args.repeat)]
            seconds, size = min(runs)
            baseline = baseline or seconds
            print(f"{name:<24}{seconds:>9.3f}{seconds / baseline:>9.2f}x{size / 1e6:>8.2f}")


if __name__ == "__main__":
    main()
