"""How much evidence the script decision has: genuine traditional text against converted pages.

The rules in ``zhmend.detect`` rest on two rates of genuine traditional text and on what a
converted page shows. This prints them from the evaluation data:

- in ``trad_dev.jsonl`` (genuine traditional): how often 於 並 後 麼 occur per Han character,
  and how often a converter mark does (a residue 于 并 后 么 where OpenCC's phrases write the
  traditional form, other marks apart);
- in the ``convert-only`` pages of the simulator (``bench/corrupt.py``, from
  ``news_dev.jsonl``): how many the decision leaves traditional, and how many of those show
  no converter mark at all, or a single one.

Usage: ``python -m bench.script_evidence [--docs N] [--variant convert-only]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

import numpy as np

from bench.fidelity import DEFAULT_DATA, clean_and_noisy
from zhmend import scan
from zhmend.detect import COUNTERPARTS, RESIDUE_CHARS, converter_marks, decide_script

TRAD_DATA = DEFAULT_DATA.parent / "trad_dev.jsonl"


def han_count(text: str) -> int:
    return int(np.count_nonzero(scan.classes(text) & scan.HAN))


def traditional_rates(texts: list[str]) -> dict[str, float | int]:
    """Counterparts and converter marks per Han character of genuine traditional text."""
    han = counterparts = residue = other = without = 0
    for text in texts:
        han += han_count(text)
        n = sum(text.count(c) for c in COUNTERPARTS)
        counterparts += n
        without += n == 0
        for mark, k in converter_marks(text).items():
            if mark in RESIDUE_CHARS:
                residue += k
            else:
                other += k
    return {
        "docs": len(texts),
        "han": han,
        "counterparts": counterparts,
        "docs_without_counterparts": without,
        "residue_marks": residue,
        "other_marks": other,
    }


def converted_misses(noisy: list[str]) -> dict[str, int]:
    """Converted pages the decision leaves traditional, by how many marks they show."""
    left = Counter()
    for text in noisy:
        if decide_script(text, 0).converted_from_simplified:
            continue
        marks = sum(converter_marks(text).values())
        left["no mark" if marks == 0 else "one mark" if marks == 1 else "two or more"] += 1
    return {"pages": len(noisy), "left traditional": sum(left.values()), **left}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=None, help="news documents to convert (all)")
    p.add_argument("--variant", default="convert-only", help="simulator variant")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if not TRAD_DATA.exists():
        print(f"script_evidence: {TRAD_DATA} not found (evaluation data lives in ../shared)",
              file=sys.stderr)
        return 2
    corpus = clean_and_noisy("script_evidence", DEFAULT_DATA, args.docs, args.variant, args.seed)
    if corpus is None:
        return 2
    trad = [json.loads(line)["text"] for line in TRAD_DATA.open(encoding="utf-8")]
    rates = traditional_rates(trad)
    han = rates["han"]
    print(f"genuine traditional ({rates['docs']} documents, {han} Han characters):")
    print(f"  於 並 後 麼: {rates['counterparts']} ({rates['counterparts'] / han:.2%} of Han, "
          f"one in {han / max(rates['counterparts'], 1):.0f}); "
          f"{rates['docs_without_counterparts']} documents hold none")
    print(f"  residue marks 于 并 后 么: {rates['residue_marks']} "
          f"(one in {han / max(rates['residue_marks'], 1):,.0f} Han characters); "
          f"other marks: {rates['other_marks']}")
    misses = converted_misses(corpus[1])
    print(f"{args.variant} pages: {misses}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
