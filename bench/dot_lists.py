"""What keeping list dots costs on farm pages: injected dots the junk fixer leaves.

``strip_injected_junk`` keeps the dots between Han characters that stand where a writer
separates list items (东.西.南.北, 数学.物理.化学, 中.小学生: ``junk._listed``) when every
dot of the page stands so. A farm's dot can land in such a place by chance. This injects
``k`` dots at random places between two Han characters of clean news (whole pages, and
single lines as ``zhmend fix --lines`` judges them) and counts the documents whose dots go:
under the page rule alone (the baseline: ``junk._split_words``, the fixer without the list
exception) and under the fixer's rule (``junk._dots_injected``). The ratio is the share of
the baseline's removals kept; the difference, the farm documents the exception spares.

Usage: ``python -m bench.dot_lists [--docs N] [--seed S] [--dots 1,2,3,5] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from bench.fidelity import DEFAULT_DATA, load
from zhmend.chars import is_han
from zhmend.fixers import junk


def places(text: str) -> list[int]:
    """Positions between two Han characters, where a farm's dot would go."""
    return [i for i in range(1, len(text)) if is_han(text[i - 1]) and is_han(text[i])]


def inject(text: str, at: list[int]) -> tuple[str, list[int]]:
    """``text`` with a dot before each position of ``at`` (sorted), and where the dots are."""
    parts, last = [], 0
    for i in at:
        parts += [text[last:i], "."]
        last = i
    parts.append(text[last:])
    return "".join(parts), [i + n for n, i in enumerate(at)]


def measure(texts: list[str], k: int, rng: random.Random) -> dict[str, int]:
    docs = baseline = fixer = 0
    for text in texts:
        candidates = places(text)
        if len(candidates) < k:
            continue
        farm, dots = inject(text, sorted(rng.sample(candidates, k)))
        docs += 1
        baseline += junk._split_words(farm, dots)
        fixer += junk._dots_injected(farm, dots)
    return {"docs": docs, "baseline_removed": baseline, "removed": fixer}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="clean JSONL with a text field")
    p.add_argument("--docs", type=int, default=1000, help="news documents to use")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--dots", default="1,2,3,5", help="dots injected per document")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    if not args.data.exists():
        print(f"dot_lists: {args.data} not found (pass --data with a JSONL of clean text)",
              file=sys.stderr)
        return 2
    pages = load(args.data, args.docs)
    lines = [line for page in pages for line in page.split("\n") if len(line) >= 20]
    figures = []
    print("unit   dots  docs  removed(baseline)  removed(zhmend)  ratio   farm docs kept")
    for unit, texts in (("page", pages), ("line", lines)):
        for k in (int(x) for x in args.dots.split(",")):
            row = measure(texts, k, random.Random(f"{args.seed}:{unit}:{k}"))
            base, got = row["baseline_removed"], row["removed"]
            ratio = got / base if base else 1.0
            kept = (base - got) / base if base else 0.0
            print(f"{unit:5} {k:5} {row['docs']:5} {base:18} {got:16}  {ratio:.4f}  {kept:.2%}")
            figures.append({"unit": unit, "dots": k, **row, "ratio": round(ratio, 4)})
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
