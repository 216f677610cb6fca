"""Farm-score calibration and inspect speed.

Sets (read from ../shared/data, relative to the repository root):
- ``real``: the real farm excerpts in real_dev (positives; target: every page >= 0.9);
- ``news``, ``trad``: clean simplified news and genuine traditional paragraphs (negatives;
  target: at most 0.1% of documents >= 0.5);
- ``sim:VARIANT``: news documents corrupted by ``bench/corrupt.py``, one set per variant
  (positives; target: recall >= 99% at 0.5).

Prints, per set, the share of documents at or above the threshold and a histogram of the
scores; then precision and recall at the threshold over all sets; then the time of
``zhmend.inspect`` against ``zhmend.mend`` on the same clean and noisy documents, measured
in this run as CPU time, best of ``--repeats`` passes, the functions taking turns; target:
inspect on clean text no slower than mend, ratio <= 1.0. Both run warm (the calibration
above has built the tables), but inspect is timed on documents it has not seen: the corpus
is dealt into ``--folds`` folds, and before each pass over a fold inspect forgets what it
learnt from documents and is warmed by the other folds, as in a corpus run where every
document is new. ``--folds 1`` times documents inspect has already seen (only cache hits;
``--chunk N`` then times the functions in turn on every N documents and sums each chunk's
best, which leaves out more of the disturbance on a busy machine).

    python -m bench.bench_inspect                 # 500 news documents per simulated set
    python -m bench.bench_inspect --docs 0        # every document
    python -m bench.bench_inspect --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: python bench/bench_inspect.py
    sys.path.insert(0, str(ROOT))

import zhmend  # noqa: E402
from bench.corrupt import VARIANTS, corrupt  # noqa: E402
from zhmend.detect import FARM_THRESHOLD  # noqa: E402
from zhmend.findings import CUE_CHROME, cue_bits  # noqa: E402
from zhmend.inspection import clear_caches  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
BINS = 10


def _jsonl(path: Path, limit: int) -> list[str]:
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line)["text"])
                if limit and len(out) >= limit:
                    break
    return out


def load_sets(docs: int, seed: int) -> tuple[dict[str, list[str]], set[str]]:
    """Documents by set name, and the names of the positive (farm) sets."""
    if not DATA.exists():
        sys.exit(f"bench_inspect: {DATA} is not present (evaluation data lives in ../shared)")
    sets: dict[str, list[str]] = {}
    pages = sorted((DATA / "real_dev").glob("[0-9][0-9][0-9].txt"))
    sets["real"] = [p.read_text(encoding="utf-8") for p in pages]
    news = _jsonl(DATA / "news_dev.jsonl", 0)
    sets["news"] = news
    sets["trad"] = _jsonl(DATA / "trad_dev.jsonl", 0)
    base = news[:docs] if docs else news
    for name, c in VARIANTS.items():
        sets[f"sim:{name}"] = [corrupt(t, c, seed + i) for i, t in enumerate(base)]
    positives = {"real"} | {k for k in sets if k.startswith("sim:")}
    return sets, positives


def histogram(scores: list[float]) -> list[int]:
    counts = [0] * BINS
    for s in scores:
        counts[min(int(s * BINS), BINS - 1)] += 1
    return counts


def timed(
    fns: dict[str, Callable[[str], object]],
    docs: list[str],
    repeats: int,
    chunk: int = 0,
    folds: int = 1,
    before: Callable[[list[str]], None] | None = None,
) -> dict[str, float]:
    """CPU time of each function over ``docs``, the best of ``repeats`` for each part,
    summed over the parts.

    ``folds`` > 1: the documents are dealt into that many folds, and before every timed
    pass over a fold ``before`` is called with the other folds' documents. The benchmark
    makes inspect forget what it learnt and inspect those documents, so each fold is timed
    as documents the process has not seen, in a process warmed by others like them: what a
    corpus run sees. Timing the same documents again (``folds=1``) would time only cache
    hits, which favours inspect (its per-document caches) over mend (none on clean text).

    ``chunk`` (with ``folds=1`` only): every chunk of ``chunk`` documents (about a
    millisecond of work) is timed for each function in turn, so a machine busy with other
    work slows both alike, and CPU time leaves out the time other processes hold the core;
    a chunk's best of several runs drops the runs some other job disturbed. ``chunk=0``
    times whole passes.
    """
    if folds > 1:
        parts = [docs[k::folds] for k in range(folds)]
    else:
        size = chunk or len(docs) or 1
        parts = [docs[at : at + size] for at in range(0, len(docs), size)]
    total = dict.fromkeys(fns, 0.0)
    for k, part in enumerate(parts):
        rest = [d for j, other in enumerate(parts) if j != k for d in other] if folds > 1 else []
        best = dict.fromkeys(fns, float("inf"))
        for _ in range(repeats):
            if before is not None:
                before(rest)  # mend's caches hold characters and labels, not pages
            for name, fn in fns.items():
                start = time.process_time()
                for d in part:
                    fn(d)
                best[name] = min(best[name], time.process_time() - start)
        for name in fns:
            total[name] += best[name]
    return total


def unseen(rest: list[str]) -> None:
    """Make inspect forget every document, then inspect ``rest`` (untimed)."""
    clear_caches()
    for d in rest:
        zhmend.inspect(d)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=500,
                    help="news documents per simulated set (0: all; default 500)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3, help="timing repeats (best is kept)")
    ap.add_argument("--folds", type=int, default=4,
                    help="time each fold of the documents as unseen, inspect warmed by the"
                    " other folds (default 4); 1: time documents inspect has seen already")
    ap.add_argument("--chunk", type=int, default=0,
                    help="with --folds 1: time the functions in turn on chunks of this many"
                    " documents and sum each chunk's best (0, the default: whole passes)")
    ap.add_argument("--speed-docs", type=int, default=2000,
                    help="documents timed per corpus (0: all; default 2000)")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    if args.chunk and args.folds > 1:
        ap.error("--chunk times documents again and again: use it with --folds 1")

    sets, positives = load_sets(args.docs, args.seed)
    report: dict[str, object] = {"threshold": FARM_THRESHOLD, "sets": {}}
    tp = fp = fn = tn = 0
    print(f"farm score at threshold {FARM_THRESHOLD}; histogram bins of 0.1 from 0 to 1")
    print(f"{'set':<22}{'docs':>6}{'>=thr':>8}{'share':>9}  histogram")
    for name, docs in sets.items():
        scores = [zhmend.inspect(d).farm_score for d in docs]
        hits = sum(s >= FARM_THRESHOLD for s in scores)
        if name in positives:
            tp += hits
            fn += len(docs) - hits
        else:
            fp += hits
            tn += len(docs) - hits
        hist = histogram(scores)
        share = hits / len(docs) if docs else 0.0
        print(f"{name:<22}{len(docs):>6}{hits:>8}{share:>9.2%}  {' '.join(map(str, hist))}")
        report["sets"][name] = {
            "docs": len(docs),
            "at_or_above": hits,
            "share": share,
            "min": min(scores) if scores else None,
            "histogram": hist,
            "positive": name in positives,
        }
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    real = report["sets"]["real"]
    print(f"\nprecision {precision:.4f}  recall {recall:.4f}  (tp {tp} fp {fp} fn {fn} tn {tn})")
    print(f"real pages: lowest score {real['min']:.4f} (target >= 0.9)")
    report.update({"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn})

    n = args.speed_docs or None
    clean = sets["news"][:n]
    traditional = sets["trad"][:n]
    noisy = sets["sim:seed-like"][:n]
    zhmend.mend(clean[0])
    zhmend.inspect(clean[0])
    speed = {}
    if args.folds > 1:
        how = (f"each of {args.folds} folds, timed as documents inspect has not seen"
               " (its caches cleared and warmed by the other folds)")
        before = unseen
    else:
        chunk = f"each {args.chunk} documents" if args.chunk else "the whole corpus"
        how = f"{chunk}, documents inspect has seen already"
        before = None
    print(f"\nspeed, CPU time, best of {args.repeats} for {how}, same documents for both"
          " (ratio: inspect time / mend time)")
    # Clean news split by whether a page holds a page-chrome cue character (视 in 电视, 章
    # in 文章): the chrome check is what inspect does on clean text beyond mend's scan.
    with_cue = [d for d in clean if cue_bits(d) & CUE_CHROME]
    without_cue = [d for d in clean if not cue_bits(d) & CUE_CHROME]
    corpora = (("clean news", clean), ("  with chrome cue", with_cue),
               ("  without", without_cue), ("clean traditional", traditional),
               ("noisy seed-like", noisy))
    for label, docs in corpora:
        if not docs:
            continue
        mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
        fns = {"mend": zhmend.mend, "inspect": zhmend.inspect}
        times = timed(fns, docs, args.repeats, args.chunk, args.folds, before)
        t_mend, t_inspect = times["mend"], times["inspect"]
        ratio = t_inspect / t_mend
        per_doc = 1e6 / len(docs)
        print(f"{label:<18}{len(docs):>6} docs {mb:6.2f} MB  mend {t_mend:7.3f} s"
              f" {mb / t_mend:7.2f} MB/s {t_mend * per_doc:6.1f} us/doc"
              f"  inspect {t_inspect:7.3f} s {mb / t_inspect:7.2f} MB/s"
              f" {t_inspect * per_doc:6.1f} us/doc  ratio {ratio:.2f}")
        speed[label] = {
            "docs": len(docs),
            "mb": mb,
            "mend_s": t_mend,
            "inspect_s": t_inspect,
            "mend_mb_s": mb / t_mend,
            "inspect_mb_s": mb / t_inspect,
            "mend_us_per_doc": t_mend * 1e6 / len(docs),
            "inspect_us_per_doc": t_inspect * 1e6 / len(docs),
            "ratio": ratio,
        }
    report["speed"] = speed
    report["speed_protocol"] = {"repeats": args.repeats, "folds": args.folds, "chunk": args.chunk}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
