"""Inputs that could make one record stall a worker: cost per KB, and how it grows.

Each shape is a text that once cost time growing with the square of its length, or
seconds of byte-shift search (forum emphasis ``吗??我``, a run of commas, nested or
unclosed parentheses, an unclosed quote in traditional text, ``?`` between characters, a
chain of byte-shift labels, runs of ``?``). Each is built at every size of ``--sizes`` and
passed to the function (``mend``, ``inspect`` or ``mend_and_explain``); the baseline is
the bundled seed page repeated to the same size, timed in the same run. Printed per shape
and size: µs per KB, the multiple of the seed page's cost per KB, and the growth exponent
between the last two sizes (1 is linear; the verdict asks below 1.3).

Usage: ``python -m bench.long_inputs [--sizes 1000,4000,16000] [--function mend]
[--repeats 3] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import zhmend

SEED = Path(__file__).resolve().parent.parent / "samples" / "seed.txt"
#: Growth exponent between the two largest sizes above which a shape is reported.
MAX_EXPONENT = 1.3


def fill(piece: str, n: int) -> str:
    return (piece * (n // len(piece) + 1))[:n]


SHAPES: dict[str, Callable[[int], str]] = {
    "forum ?? and !!": lambda n: fill("真的吗??太好了!!我们走吧\n", n),
    "? between characters": lambda n: fill("會?", n),
    "run of ?": lambda n: "中" + "?" * n + "中",
    "byte-shift label chain": lambda n: "會" + fill("?huì)", n),
    "run of commas": lambda n: "中文" + "," * n + "中文",
    "nested parentheses": lambda n: "(" * (n // 2) + ")" * (n // 2),
    "unclosed ( before pairs": lambda n: "中(" + fill("中(x)", n),
    "unclosed “ in traditional": lambda n: fill("會議于“", n),
}

FUNCTIONS: dict[str, Callable[[str], object]] = {
    "mend": zhmend.mend,
    "inspect": zhmend.inspect,
    "mend_and_explain": zhmend.mend_and_explain,
}


def best_time(fn: Callable[[str], object], text: str, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.process_time()
        fn(text)
        best = min(best, time.process_time() - t0)
    return best


def measure(
    fn: Callable[[str], object], sizes: list[int], repeats: int
) -> dict[str, dict[str, object]]:
    seed = SEED.read_text(encoding="utf-8")
    fn(seed)  # tables and models load on first use
    out: dict[str, dict[str, object]] = {}
    for name, make in {"seed page (baseline)": lambda n: fill(seed, n), **SHAPES}.items():
        per_kb = []
        fn(make(sizes[0]))  # each shape's first call compiles its patterns and fills caches
        for n in sizes:
            text = make(n)
            kb = len(text.encode("utf-8")) / 1024
            per_kb.append(best_time(fn, text, repeats) / kb * 1e6)
        a, b = sizes[-2:] if len(sizes) > 1 else (sizes[0], sizes[0])
        # Time grows as size ** exponent: time per KB grows as size ** (exponent - 1).
        ratio = per_kb[-1] / per_kb[-2] if len(per_kb) > 1 and per_kb[-2] > 0 else 1.0
        exponent = 1 + (math.log(ratio) / math.log(b / a) if b != a else 0.0)
        out[name] = {"us_per_kb": per_kb, "exponent": exponent}
    base = out["seed page (baseline)"]["us_per_kb"]
    for row in out.values():
        row["x_seed"] = [v / s for v, s in zip(row["us_per_kb"], base)]  # type: ignore[arg-type]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,4000,16000", help="characters, comma-separated")
    p.add_argument("--function", choices=sorted(FUNCTIONS), default="mend")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    results = measure(FUNCTIONS[args.function], sizes, args.repeats)
    print(f"{args.function}: CPU µs per KB (best of {args.repeats}), multiple of the seed page")
    head = "  ".join(f"{n:>15}" for n in sizes)
    print(f"{'shape':28} {head}  exponent  verdict")
    failed = 0
    for name, row in results.items():
        cells = "  ".join(
            f"{v:8.0f} {x:5.1f}x" for v, x in zip(row["us_per_kb"], row["x_seed"])  # type: ignore[call-overload]
        )
        exponent = float(row["exponent"])  # type: ignore[arg-type]
        ok = exponent < MAX_EXPONENT
        failed += not ok
        print(f"{name:28} {cells}  {exponent:8.2f}  {'linear' if ok else 'GROWS'}")
    if args.json:
        args.json.write_text(json.dumps({"function": args.function, "sizes": sizes,
                                         "shapes": results}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
