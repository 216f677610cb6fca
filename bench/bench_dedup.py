"""Near-duplicate clustering of farm copies: raw text vs OpenCC alone vs mended text.

The corpus: every article of ``news_dev.jsonl``; ``--articles`` of them (500 by default)
get 1 to ``--max-copies`` farm copies made by the corruption simulator (``bench/corrupt.py``),
each copy with its own variant and seed; the rest stay singletons. Ground truth: an article
and its copies form one family. Each system clusters the whole corpus with the same
``zhmend.dedup`` settings and differs only in the text it sketches ((a) and (b) do not fold
traditional characters in the comparison key: they are plain MinHash):

  (a) raw      the text as published
  (b) opencc   OpenCC t2s of it (conversion alone, no other repair)
  (c) mended   ``zhmend.mend`` of it (what ``zhmend run`` writes and ``zhmend dedup`` reads),
               clustered with the default ``DedupConfig`` (also shown without fold_script)

Reported: pair precision and recall (pairs of records put in one cluster vs pairs of one
family), and documents/s of signature computation and of the index build (exact digests,
LSH, verification, components) for the mended corpus. ``--libraries`` also compares the
MinHash libraries on the same shingles: signature speed (ratio to datasketch, measured in
the same run) and the error of their Jaccard estimates.

Targets for (c): precision >= 99.5 %, recall >= 99 %.

    python bench/bench_dedup.py                      # full corpus (about 6,300 records)
    python bench/bench_dedup.py --articles 60 --docs 600 --libraries   # smoke run
    python bench/bench_dedup.py --ray                # also: Ray engine = local index?
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corrupt import VARIANTS, corrupt  # noqa: E402
from zhmend import mend  # noqa: E402
from zhmend.dedup import (  # noqa: E402
    DedupConfig,
    cluster,
    normalise,
    shingles,
    sketch_batch,
)
from zhmend.tables import convert  # noqa: E402

DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "news_dev.jsonl"
TARGET_PRECISION = 0.995
TARGET_RECALL = 0.99


def build_corpus(
    articles: list[dict], n_families: int, max_copies: int, seed: int
) -> tuple[list[str], list[int], list[str]]:
    """(texts, family of each text, what made it) with families of originals and copies."""
    rng = random.Random(seed)
    chosen = set(rng.sample(range(len(articles)), min(n_families, len(articles))))
    names = sorted(VARIANTS)
    texts, family, made = [], [], []
    for i, article in enumerate(articles):
        texts.append(article["text"])
        family.append(i)
        made.append("original")
        if i in chosen:
            for _ in range(rng.randint(1, max_copies)):
                variant = rng.choice(names)
                texts.append(corrupt(article["text"], VARIANTS[variant], rng.randrange(1 << 30)))
                family.append(i)
                made.append(variant)
    order = list(range(len(texts)))
    rng.shuffle(order)  # copies are not next to their original
    return [texts[k] for k in order], [family[k] for k in order], [made[k] for k in order]


def pair_scores(predicted: list[int], truth: list[int]) -> dict[str, float]:
    """Pair precision and recall of a clustering against the true families."""

    def pairs(counts) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    both = pairs(Counter(zip(predicted, truth, strict=True)))
    pred = pairs(Counter(predicted))
    true = pairs(Counter(truth))
    return {
        "precision": both / pred if pred else 1.0,
        "recall": both / true if true else 1.0,
        "predicted_pairs": pred,
        "true_pairs": true,
    }


def run_system(texts: list[str], truth: list[int], config: DedupConfig) -> dict:
    t0 = time.perf_counter()
    sketches = sketch_batch(texts, config)
    t1 = time.perf_counter()
    result = cluster(sketches, config)
    t2 = time.perf_counter()
    scores = pair_scores(result.cluster_id.tolist(), truth)
    return scores | {
        "sketch_docs_per_s": len(texts) / (t1 - t0),
        "index_docs_per_s": len(texts) / (t2 - t1),
        "clusters_with_duplicates": result.summary()["clusters_with_duplicates"],
    }


def compare_libraries(texts: list[str], config: DedupConfig, repeats: int = 3) -> dict:
    """Signature speed and estimate error of rensa vs datasketch on the same shingles."""
    import numpy as np
    import rensa

    try:
        from datasketch import MinHash
    except ImportError:
        return {"error": "datasketch is not installed: pip install datasketch"}
    sets = [list(shingles(normalise(t), config.ngram)) for t in texts if normalise(t)]

    def with_rensa():
        m = rensa.RMinHash.digest_matrix_from_token_sets(sets, config.num_perm, config.seed)
        return np.asarray(m.to_rows(), dtype=np.uint32)

    def datasketch_matrix(token_sets):
        encoded = [[s.encode("utf-8") for s in x] for x in token_sets]
        hashes = MinHash.bulk(encoded, num_perm=config.num_perm, seed=config.seed)
        return np.asarray([m.hashvalues for m in hashes])

    def with_datasketch():
        return datasketch_matrix(sets)

    timings: dict[str, list[float]] = {"rensa": [], "datasketch": []}
    for _ in range(repeats):
        for name, fn in (("rensa", with_rensa), ("datasketch", with_datasketch)):
            t = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - t)
    best = {k: min(v) for k, v in timings.items()}
    # Estimate error: each text against a copy with a random share of its characters replaced.
    rng = random.Random(7)
    a_sets, b_sets, exact = [], [], []
    for t in texts[:300]:
        norm = normalise(t)
        if len(norm) < 50:
            continue
        chars = list(norm)
        for _ in range(rng.randint(0, len(chars) // 8)):
            chars[rng.randrange(len(chars))] = "※"
        a, b = shingles(norm, config.ngram), shingles("".join(chars), config.ngram)
        a_sets.append(list(a))
        b_sets.append(list(b))
        exact.append(len(a & b) / len(a | b))
    exact_arr = np.array(exact)
    errors = {}
    for name in ("rensa", "datasketch"):
        if name == "rensa":
            sa = rensa.RMinHash.digest_matrix_from_token_sets(a_sets, config.num_perm, config.seed)
            sb = rensa.RMinHash.digest_matrix_from_token_sets(b_sets, config.num_perm, config.seed)
            sa, sb = np.asarray(sa.to_rows()), np.asarray(sb.to_rows())
        else:
            sa, sb = datasketch_matrix(a_sets), datasketch_matrix(b_sets)
        estimate = (sa == sb).mean(axis=1)
        diff = estimate - exact_arr
        errors[name] = {"bias": float(diff.mean()), "rmse": float(np.sqrt((diff**2).mean()))}
    return {
        "documents": len(sets),
        "rensa_docs_per_s": len(sets) / best["rensa"],
        "datasketch_docs_per_s": len(sets) / best["datasketch"],
        "speed_ratio_rensa_over_datasketch": best["datasketch"] / best["rensa"],
        "estimate_error": errors,
        "pairs_for_error": len(exact),
    }


def compare_ray(texts: list[str], config: DedupConfig, partitions: int) -> dict:
    """Cluster with the Ray shuffle pipeline on a local Ray; compare with the local index."""
    import ray

    from zhmend.dedup_ray import cluster_with_ray

    sketches = sketch_batch(texts, config)
    local = cluster(sketches, config)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        t = time.perf_counter()
        (cid, size, rep), _ = cluster_with_ray(sketches, config, partitions=partitions)
        seconds = time.perf_counter() - t
    finally:
        ray.shutdown()
    identical = (
        cid.tolist() == local.cluster_id.tolist()
        and size.tolist() == local.cluster_size.tolist()
        and rep.tolist() == local.is_representative.tolist()
    )
    return {"identical": identical, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--docs", type=int, default=None, help="use only the first N articles")
    p.add_argument("--articles", type=int, default=500, help="articles that get farm copies")
    p.add_argument("--max-copies", type=int, default=5)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--threshold", type=float, default=DedupConfig().threshold)
    p.add_argument("--libraries", action="store_true", help="also compare rensa and datasketch")
    p.add_argument("--ray", action="store_true", help="also run (c) on the Ray engine, compare")
    p.add_argument("--partitions", type=int, default=4, help="Ray shuffle partitions")
    p.add_argument("--json", type=Path, help="write the figures to this file")
    args = p.parse_args(argv)
    if not args.data.exists():
        print(f"bench_dedup: {args.data} not found (evaluation data lives in ../shared)")
        return 2
    with args.data.open(encoding="utf-8") as f:
        articles = [json.loads(line) for line in f if line.strip()]
    if args.docs:
        articles = articles[: args.docs]
    config = DedupConfig(threshold=args.threshold)
    texts, truth, made = build_corpus(articles, args.articles, args.max_copies, args.seed)
    copies = sum(m != "original" for m in made)
    print(
        f"corpus: {len(texts)} records = {len(articles)} articles + {copies} farm copies "
        f"of {min(args.articles, len(articles))} articles; threshold {config.threshold}, "
        f"{config.ngram}-char shingles, {config.num_perm} perms, "
        f"{config.bands} bands x {config.rows} rows"
    )
    t = time.perf_counter()
    mended = [mend(x) for x in texts]
    mend_seconds = time.perf_counter() - t
    # (a) and (b) are plain MinHash: the comparison key does not fold the script for them.
    plain = replace(config, fold_script=False)
    systems = {
        "(a) raw": (texts, plain),
        "(b) opencc t2s": ([convert(x, "t2s") for x in texts], plain),
        "(c) zhmend mended": (mended, config),
        "    (c) no fold_script": (mended, plain),
    }
    results = {}
    print(f"{'system':<24}{'precision':>11}{'recall':>9}{'pred pairs':>12}{'true pairs':>12}")
    for name, (corpus, cfg) in systems.items():
        r = run_system(corpus, truth, cfg)
        results[name] = r
        print(
            f"{name:<24}{r['precision']:>10.2%}{r['recall']:>9.2%}"
            f"{r['predicted_pairs']:>12}{r['true_pairs']:>12}"
        )
    c = results["(c) zhmend mended"]
    a = results["(a) raw"]
    print(
        f"recall ratio mended/raw: {c['recall'] / a['recall']:.1f}x; "
        f"targets for (c): precision >= {TARGET_PRECISION:.1%} "
        f"{'met' if c['precision'] >= TARGET_PRECISION else 'MISSED'}, "
        f"recall >= {TARGET_RECALL:.0%} {'met' if c['recall'] >= TARGET_RECALL else 'MISSED'}"
    )
    print(
        f"speed (mended corpus, one process): signatures {c['sketch_docs_per_s']:,.0f} docs/s "
        f"(normalise + shingle + MinHash), index build {c['index_docs_per_s']:,.0f} docs/s; "
        f"mending itself {len(texts) / mend_seconds:,.0f} docs/s"
    )
    # Where (c) misses, by what made the copy.
    missed = Counter()
    result = cluster(sketch_batch(mended, config), config)
    rep_of_family = {}
    for k, fam in enumerate(truth):
        if made[k] == "original":
            rep_of_family[fam] = result.cluster_id[k]
    for k, fam in enumerate(truth):
        if made[k] != "original" and result.cluster_id[k] != rep_of_family[fam]:
            missed[made[k]] += 1
    if missed:
        print("copies of (c) not with their original, by variant:", dict(sorted(missed.items())))
    if args.ray:
        report_ray = compare_ray(mended, config, args.partitions)
        results["ray"] = report_ray
        print(
            f"ray engine on (c): clusters identical to local: {report_ray['identical']}; "
            f"{report_ray['seconds']:.1f}s for the shuffle pipeline ({args.partitions} partitions)"
        )
    report = {
        "records": len(texts),
        "copies": copies,
        "config": config.to_dict(),
        "systems": results,
    }
    if args.libraries:
        lib = compare_libraries(mended, config)
        report["libraries"] = lib
        if "error" in lib:
            print("libraries:", lib["error"])
        else:
            err = lib["estimate_error"]
            print(
                f"libraries on {lib['documents']} mended docs: rensa "
                f"{lib['rensa_docs_per_s']:,.0f} docs/s, datasketch "
                f"{lib['datasketch_docs_per_s']:,.0f} docs/s (rensa "
                f"{lib['speed_ratio_rensa_over_datasketch']:.1f}x); Jaccard estimate RMSE over "
                f"{lib['pairs_for_error']} pairs: rensa {err['rensa']['rmse']:.4f} "
                f"(bias {err['rensa']['bias']:+.4f}), datasketch "
                f"{err['datasketch']['rmse']:.4f} (bias {err['datasketch']['bias']:+.4f})"
            )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
