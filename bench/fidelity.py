"""Fidelity: how exactly zhmend restores simulated farm pages, against two baselines.

Each clean document of ``news_dev.jsonl`` is corrupted with every variant of
``bench.corrupt.VARIANTS``; each system's output is compared with the clean text:

- character error rate (CER): Levenshtein distance / reference length, summed over documents;
- exact: share of documents restored byte for byte.

Systems: ``zhmend`` (``zhmend.mend``, default options); ``opencc`` (OpenCC t2s alone);
``naive`` (strip every parenthesised Latin group, OpenCC t2s, map ASCII , ; : ! ? ( ) to full
width). The ``input`` row is the corrupted text itself, for scale.

    python -m bench.fidelity --docs 200
    python -m bench.fidelity --json fidelity.json --show 10
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import regex
from rapidfuzz.distance import Levenshtein

import zhmend
from bench.corrupt import ASCII_FOLD, VARIANTS, corrupt
from zhmend.tables import convert

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "news_dev.jsonl"

# Targets from the issue, for the verdict column.
TARGET_CER = 0.0002
TARGET_EXACT = 0.95

_LATIN_GROUP = regex.compile(r"[(（][\p{Latin}\p{M}0-9:]+[)）]")
_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}


def naive(text: str) -> str:
    """Baseline B: a regex strip of ``(latin)`` groups, t2s, a blind punctuation map."""
    text = convert(_LATIN_GROUP.sub("", text), "t2s")
    for a, b in _FULL.items():
        text = text.replace(a, b)
    return text


def opencc_only(text: str) -> str:
    """Baseline A: OpenCC t2s alone."""
    return convert(text, "t2s")


SYSTEMS: dict[str, Callable[[str], str]] = {
    "input": lambda text: text,
    "opencc": opencc_only,
    "naive": naive,
    "zhmend": zhmend.mend,
}


def doc_seed(seed: int, index: int) -> int:
    """Each document gets its own seed, so each page has its own label dictionary."""
    return seed * 1_000_003 + index


def nfkc_recoverable(text: str) -> bool:
    """Whether NFKC folds nothing in ``text`` beyond the marks a farm folds anyway.

    On other documents (``…`` ``％`` ``℃`` ``Ⅱ`` …) NFKC loses information that no mender
    can restore: they bound the exact-match share reachable on the ``nfkc`` variant.
    """
    for ch in text:
        if ch not in ASCII_FOLD and unicodedata.normalize("NFKC", ch) != ch:
            return False
    return True


def load(path: Path, docs: int | None) -> list[str]:
    texts: list[str] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                texts.append(json.loads(line)["text"])
                if docs is not None and len(texts) >= docs:
                    break
    return texts


def clean_and_noisy(
    prog: str, data: Path, docs: int | None, variant: str, seed: int
) -> tuple[list[str], list[str]] | None:
    """The clean texts of ``data`` and their corrupted copies for one variant.

    None, after saying why on stderr as ``prog``, when the data or the variant is unusable.
    """
    if not data.exists():
        print(f"{prog}: {data} not found (pass --data with a JSONL of clean text)", file=sys.stderr)
        return None
    if variant not in VARIANTS:
        print(
            f"{prog}: unknown variant {variant!r}; choose from {', '.join(VARIANTS)}",
            file=sys.stderr,
        )
        return None
    clean = load(data, docs)
    if not clean:
        print(f"{prog}: {data} holds no documents", file=sys.stderr)
        return None
    noisy = [corrupt(t, VARIANTS[variant], doc_seed(seed, i)) for i, t in enumerate(clean)]
    return clean, noisy


def snippet(ref: str, hyp: str, width: int = 12) -> str:
    """The first difference between ``ref`` and ``hyp`` with some context: ``…ab[x→y]cd…``."""
    for tag, i1, i2, j1, j2 in Levenshtein.opcodes(ref, hyp):
        if tag != "equal":
            return (
                f"…{ref[max(0, i1 - width) : i1]}[{ref[i1:i2]}→{hyp[j1:j2]}]{ref[i2 : i2 + width]}…"
            ).replace("\n", "⏎")
    return ""


def evaluate(texts: list[str], seed: int, variants: list[str], show: int) -> dict:
    results: dict = {"docs": len(texts), "seed": seed, "variants": {}}
    recoverable = sum(nfkc_recoverable(t) for t in texts)
    results["nfkc_recoverable_share"] = recoverable / len(texts) if texts else 0.0
    ref_chars = sum(len(t) for t in texts)
    for name in variants:
        c = VARIANTS[name]
        noisy = [corrupt(t, c, doc_seed(seed, i)) for i, t in enumerate(texts)]
        row: dict = {"corruption": asdict(c), "systems": {}}
        for system, fn in SYSTEMS.items():
            start = time.perf_counter()
            outputs = [fn(t) for t in noisy]
            seconds = time.perf_counter() - start
            errors = 0
            exact = 0
            failures = []
            for i, (ref, hyp) in enumerate(zip(texts, outputs, strict=True)):
                if ref == hyp:
                    exact += 1
                    continue
                errors += Levenshtein.distance(ref, hyp)
                if system == "zhmend" and len(failures) < show:
                    failures.append({"doc": i, "diff": snippet(ref, hyp)})
            row["systems"][system] = {
                "cer": errors / ref_chars if ref_chars else 0.0,
                "exact": exact / len(texts) if texts else 0.0,
                "seconds": seconds,
            }
            if system == "zhmend":
                row["failures"] = failures
        results["variants"][name] = row
    return results


def print_table(results: dict) -> None:
    systems = list(SYSTEMS)
    print(f"{results['docs']} documents, seed {results['seed']}; CER in %, exact in % of documents")
    head = f"{'variant':<17}" + "".join(f"{s + ' CER':>13}{s + ' exact':>14}" for s in systems)
    print(head + "  target")
    for name, row in results["variants"].items():
        cells = []
        for s in systems:
            r = row["systems"][s]
            cells.append(f"{r['cer'] * 100:>13.4f}{r['exact'] * 100:>14.2f}")
        z = row["systems"]["zhmend"]
        ok = z["cer"] <= TARGET_CER and z["exact"] >= TARGET_EXACT
        print(f"{name:<17}" + "".join(cells) + ("  met" if ok else "  MISSED"))
    share = results["nfkc_recoverable_share"]
    print(
        f"nfkc: {share * 100:.2f}% of documents hold nothing beyond ，；：！？（） that NFKC folds"
    )
    for name, row in results["variants"].items():
        if row["failures"]:
            print(f"\nzhmend differences on {name} (reference[expected→got]):")
            for f in row["failures"]:
                print(f"  doc {f['doc']}: {f['diff']}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fidelity", description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="clean JSONL with a text field")
    p.add_argument("--docs", type=int, default=None, help="first N documents (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="comma-separated names from bench.corrupt.VARIANTS (default: all)",
    )
    p.add_argument("--show", type=int, default=5, help="zhmend differences to print per variant")
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write JSON here")
    args = p.parse_args(argv)
    if not args.data.exists():
        print(
            f"fidelity: {args.data} not found; it is the evaluation set beside the checkout "
            "(../shared/data/news_dev.jsonl) or any JSONL given with --data",
            file=sys.stderr,
        )
        return 2
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        print(
            f"fidelity: unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}",
            file=sys.stderr,
        )
        return 2
    texts = load(args.data, args.docs)
    if not texts:
        print(f"fidelity: {args.data} holds no documents", file=sys.stderr)
        return 2
    results = evaluate(texts, args.seed, variants, args.show)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
