"""``zhmend dedup``: cluster near-duplicate records of mended shards; mark representatives.

Two passes over the shards, each shard a task (``-j`` processes, or Ray with ``--engine
ray``): the first keeps a small sketch per record (status, length, digest, MinHash
signature, farm score, id), the second re-reads each shard and writes every record with its
cluster columns. Memory grows with the number of records, not their bytes.

Output layout (input shards keep their names and formats; ``.txt`` input becomes JSONL)::

    out/<shard>.jsonl[.gz|.zst] | out/<shard>.parquet   records + cluster columns
    out/rejects/<shard>.jsonl                           lines that could not be read
    out/dedup-summary.json                              counts, clusters by size, options
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dedup import (
    DedupConfig,
    MissingDependency,
    Sketches,
    cluster,
    comparison_key,
    id_key,
    sketch_batch,
    status_of,
)
from ..errors import ConfigError, InputError, ZhmendError
from ..io.parquet import ParquetWriter
from ..io.readers import ShardReader, need_extra
from ..io.records import Reject, Shard, discover
from ..io.writers import JsonlWriter, output_name
from ..runners.shard import string_column

#: Columns added to every record.
CLUSTER_ID = "cluster_id"  # smallest record index (input order) in the cluster
CLUSTER_SIZE = "cluster_size"
IS_REPRESENTATIVE = "is_representative"
DEDUP_STATUS = "dedup_status"  # ok, empty or short (short and empty are never clustered)
COLUMNS: dict[str, type] = {
    CLUSTER_ID: int,
    CLUSTER_SIZE: int,
    IS_REPRESENTATIVE: bool,
    DEDUP_STATUS: str,
}
#: Column the corpus runner writes the evidence's farm score to.
FARM_SCORE = "zhmend_farm_score"
SUMMARY = "dedup-summary.json"
REJECTS = "rejects"


@dataclass(frozen=True)
class DedupOptions:
    config: DedupConfig = field(default_factory=DedupConfig)
    text_field: str = "text"
    id_field: str = "id"
    representatives_only: bool = False
    jobs: int = 1
    engine: str = "local"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dedup",
        help="cluster near-duplicate records (after zhmend run); mark representatives",
        description="Cluster near-duplicate records of JSONL/Parquet shards (a directory "
        "written by `zhmend run`, or files) by MinHash LSH over the normalised text, and "
        "write every record with cluster_id, cluster_size, is_representative and "
        "dedup_status. The representative is the cleanest member: lowest farm score, then "
        "longest text, then smallest id.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="shard files or directories")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    d = DedupConfig()
    p.add_argument(
        "--threshold",
        type=float,
        default=d.threshold,
        help=f"estimated Jaccard similarity to join two records (default {d.threshold})",
    )
    p.add_argument(
        "--ngram", type=int, default=d.ngram, help=f"characters per shingle (default {d.ngram})"
    )
    p.add_argument(
        "--num-perm",
        type=int,
        default=d.num_perm,
        help=f"MinHash permutations (default {d.num_perm})",
    )
    p.add_argument("--seed", type=int, default=d.seed, help=f"MinHash seed (default {d.seed})")
    p.add_argument(
        "--min-chars",
        type=int,
        default=d.min_chars,
        help=f"records with fewer normalised characters are not clustered (default {d.min_chars})",
    )
    p.add_argument(
        "--representatives-only",
        action="store_true",
        help="write only one record per cluster (its representative)",
    )
    p.add_argument("--text-field", default="text", help="field holding the text (default text)")
    p.add_argument("--id-field", default="id", help="field holding the record id (default id)")
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        help="processes that read, sketch and write shards (default 1)",
    )
    p.add_argument(
        "--fold-script",
        action=argparse.BooleanOptionalAction,
        default=d.fold_script,
        help="compare in simplified characters, so a copy only converted to traditional is "
        "found (default: on; records are never changed)",
    )
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local: one index on this machine; ray: LSH and components as Ray "
        "Data shuffles (needs zhmend[ray])",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = DedupConfig(
            threshold=args.threshold,
            ngram=args.ngram,
            num_perm=args.num_perm,
            seed=args.seed,
            min_chars=args.min_chars,
            fold_script=args.fold_script,
        )
        if args.jobs < 1:
            raise ConfigError(f"--jobs must be at least 1, not {args.jobs}")
        opts = DedupOptions(
            config,
            args.text_field,
            args.id_field,
            args.representatives_only,
            args.jobs,
            args.engine,
        )
        summary = dedup_paths(args.inputs, Path(args.output), opts)
    except (ConfigError, InputError, MissingDependency) as exc:
        print(f"zhmend: {exc}", file=sys.stderr)
        return 2
    except ZhmendError as exc:
        print(f"zhmend: {exc}", file=sys.stderr)
        return 2
    print(format_summary(summary), file=sys.stderr)
    return 1 if summary["rejected"] else 0


def format_summary(s: dict[str, Any]) -> str:
    sizes = ", ".join(f"{n}×{size}" for size, n in s["clusters_by_size"].items()) or "none"
    return (
        f"zhmend dedup: {s['documents']} records, {s['clusters_with_duplicates']} clusters "
        f"with duplicates (count×size: {sizes}); {s['duplicates_removed']} duplicates "
        f"{'removed' if s['representatives_only'] else 'marked'}; not clustered: "
        f"{s['empty']} empty, {s['short']} short; {s['rejected']} unreadable; "
        f"{s['seconds']:.1f}s"
    )


# --------------------------------------------------------------------------------------


def input_shards(inputs: list[str]) -> list[Shard]:
    """Shards of ``inputs``; a runner's own ``rejects/`` folder is not input."""
    shards = discover(inputs)
    runner_dirs = [Path(p) for p in inputs if (Path(p) / ".zhmend").is_dir()]
    keep = []
    for s in shards:
        path = Path(s.paths[0])
        if any(_under(path, d / REJECTS) or _hidden_under(path, d) for d in runner_dirs):
            continue
        keep.append(s)
    if not keep:
        raise InputError(f"no shards to cluster in {', '.join(inputs)}")
    return keep


def _hidden_under(path: Path, folder: Path) -> bool:
    """Inside a hidden folder of ``folder`` (the runner's state lives in ``.zhmend``)."""
    try:
        rel = path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return any(part.startswith(".") for part in rel.parts[:-1])


def _under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


@dataclass
class ShardSketch:
    """Pass one of a shard: everything clustering needs, nothing of the text itself."""

    sketches: Sketches
    farm_scores: list[float]
    id_keys: list[str]


def score_of(record: dict[str, Any], text: str) -> float:
    """Farm score of a record: the runner's column, else the evidence of inspecting the text.

    Lower is cleaner. Without a score in the evidence, the number of findings per 1000
    characters stands in for it (a mended text usually has none: then length decides).
    """
    value = record.get(FARM_SCORE)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if not text:
        return 0.0
    from ..config import DEFAULT
    from ..mend import mend_and_explain, needs_work

    if not needs_work(text, DEFAULT):
        return 0.0
    evidence = mend_and_explain(text).evidence
    score = getattr(evidence, "farm_score", None)
    if isinstance(score, (int, float)):
        return float(score)
    return 1000.0 * sum(evidence.counts.values()) / len(text)


def sketch_shard(shard: Shard, opts: DedupOptions) -> ShardSketch:
    texts: list[str] = []
    scores: list[float] = []
    ids: list[str] = []
    parts: list[Sketches] = []
    for position, item in ShardReader(shard, opts.text_field, opts.id_field):
        if isinstance(item, Reject):
            continue  # written to rejects/ and counted by the second pass
        text = item.get(opts.text_field)
        text = text if isinstance(text, str) else ""
        texts.append(text)
        scores.append(score_of(item, text))
        given = item.get(opts.id_field)
        ids.append(id_key(f"{shard.name}:{position}" if given is None else given))
        if len(texts) >= 1024:
            parts.append(sketch_batch(texts, opts.config))
            texts = []
    parts.append(sketch_batch(texts, opts.config))
    return ShardSketch(Sketches.concat(parts, opts.config.num_perm), scores, ids)


def _map(fn, items: list, workers: int) -> list:
    if workers <= 1 or len(items) <= 1:
        return [fn(*item) for item in items]
    with ProcessPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(fn, *item) for item in items]
        return [f.result() for f in futures]


def dedup_paths(inputs: list[str], out: Path, opts: DedupOptions) -> dict[str, Any]:
    """Cluster the records of ``inputs`` and write them to ``out``; return the summary."""
    need_extra("numpy", "dedup")
    need_extra("rensa", "dedup")
    started = time.perf_counter()
    shards = input_shards(inputs)
    if any(s.is_stdin for s in shards):
        raise InputError("zhmend dedup reads its input twice: give files, not stdin")
    for s in shards:
        if out.resolve() in Path(s.paths[0]).resolve().parents:
            raise InputError(f"output directory {out} holds the input {s.paths[0]}; choose another")
    if opts.engine == "ray":
        from ..dedup_ray import cluster_shards

        offsets, members, extra = cluster_shards(
            [(s, opts) for s in shards], sketch_shard, opts.config
        )
    else:
        offsets, members, extra = _cluster_local(shards, opts)
    write_args = [
        (
            s,
            out,
            opts,
            offsets[k],
            {i - offsets[k]: m for i, m in members.items() if offsets[k] <= i < offsets[k + 1]},
        )
        for k, s in enumerate(shards)
    ]
    if opts.engine == "ray":
        from ..dedup_ray import map_tasks

        counts = map_tasks(write_shard, write_args)
    else:
        counts = _map(write_shard, write_args, opts.jobs)
    summary = _summary(counts, members, opts) | extra
    summary |= {"shards": len(shards), "seconds": round(time.perf_counter() - started, 3)}
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f"{SUMMARY}.tmp-{os.getpid()}"
    tmp.write_text(
        json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    os.replace(tmp, out / SUMMARY)
    return summary


Member = tuple[int, int, bool]  # cluster_id, cluster_size, is_representative


def _cluster_local(
    shards: list[Shard], opts: DedupOptions
) -> tuple[list[int], dict[int, Member], dict[str, Any]]:
    """Pass one in ``-j`` processes, then one index here: (offsets, members, counts)."""
    passes = _map(sketch_shard, [(s, opts) for s in shards], opts.jobs)
    offsets = [0]
    for p in passes:
        offsets.append(offsets[-1] + len(p.sketches))
    t = time.perf_counter()
    result = cluster(
        Sketches.concat([p.sketches for p in passes], opts.config.num_perm),
        opts.config,
        [x for p in passes for x in p.farm_scores],
        [x for p in passes for x in p.id_keys],
    )
    members = {
        int(i): (
            int(result.cluster_id[i]),
            int(result.cluster_size[i]),
            bool(result.is_representative[i]),
        )
        for i in (result.cluster_size > 1).nonzero()[0]
    }
    return (
        offsets,
        members,
        {
            "exact_duplicate_edges": result.exact_pairs,
            "candidate_pairs": result.candidate_pairs,
            "verified_pairs": result.verified_pairs,
            "index_seconds": round(time.perf_counter() - t, 3),
        },
    )


def _summary(counts: list[dict[str, int]], members: dict[int, Member], opts: DedupOptions):
    total = {
        k: sum(c[k] for c in counts)
        for k in ("documents", "ok", "empty", "short", "written", "rejected")
    }
    sizes: dict[int, int] = {}
    reps = 0
    for _, size, rep in members.values():
        if rep:
            reps += 1
            sizes[size] = sizes.get(size, 0) + 1
    removed = len(members) - reps
    expected = total["documents"] - (removed if opts.representatives_only else 0)
    if total["written"] != expected:
        raise ZhmendError(
            f"records changed while clustering: wrote {total['written']}, expected {expected}; "
            "were the input files modified during the run?"
        )
    return total | {
        "clusters_with_duplicates": reps,
        "documents_in_clusters": len(members),
        "duplicates_removed": removed,
        "representatives": total["documents"] - removed,
        "clusters_by_size": dict(sorted(sizes.items())),
        "representatives_only": opts.representatives_only,
        "engine": opts.engine,
        "options": opts.config.to_dict(),
    }


def write_shard(
    shard: Shard, out: Path, opts: DedupOptions, offset: int, members: dict[int, Member]
) -> dict[str, int]:
    """Pass two of a shard: re-read it and write each record with its cluster columns.

    ``members`` maps the ordinal of each record that has duplicates to its cluster; every
    other record is its own cluster, named by its index (``offset`` + ordinal).
    """
    if shard.format == "parquet":
        pq = need_extra("pyarrow.parquet", "parquet")
        writer: Any = ParquetWriter(
            out / output_name(shard.name, "parquet"), pq.read_schema(shard.paths[0]), COLUMNS
        )
    else:
        comp = shard.compression if shard.format == "jsonl" else "none"
        writer = JsonlWriter(out / output_name(shard.name, "jsonl", comp), comp)
    rejects: JsonlWriter | None = None
    counts = dict.fromkeys(("documents", "ok", "empty", "short", "written", "rejected"), 0)
    batch: list[dict[str, Any]] = []
    k = 0
    try:
        for position, item in ShardReader(shard, opts.text_field, opts.id_field):
            if isinstance(item, Reject):
                if rejects is None:
                    rejects = JsonlWriter(out / REJECTS / (shard.name + ".jsonl"))
                rejects.write(item.to_dict())
                counts["rejected"] += 1
                continue
            text = item.get(opts.text_field)
            status = status_of(
                comparison_key(text if isinstance(text, str) else "", opts.config), opts.config
            )
            counts["documents"] += 1
            counts[status] += 1
            cid, size, rep = members.get(k, (offset + k, 1, True))
            k += 1
            if not rep and opts.representatives_only:
                continue
            record = dict(item)
            # A missing or null id is SHARD:POSITION, as zhmend run makes it; a null stays in
            # a Parquet id column that holds no strings (the output keeps the input's schema).
            if record.get(opts.id_field) is None and (
                opts.id_field not in record
                or shard.format != "parquet"
                or string_column(shard.paths[0], opts.id_field)
            ):
                record[opts.id_field] = f"{shard.name}:{position}"
            record[CLUSTER_ID] = cid
            record[CLUSTER_SIZE] = size
            record[IS_REPRESENTATIVE] = rep
            record[DEDUP_STATUS] = status
            batch.append(record)
            if len(batch) >= 1024:
                counts["written"] += _write(writer, batch)
                batch = []
        counts["written"] += _write(writer, batch)
        writer.commit()
        if rejects is not None:
            rejects.commit()
    except BaseException:
        writer.abort()
        if rejects is not None:
            rejects.abort()
        raise
    return counts


def _write(writer: Any, rows: list[dict[str, Any]]) -> int:
    misfits = writer.write_rows(rows)
    if misfits:
        row, why = misfits[0]
        raise ZhmendError(f"record {row.get('id')!r} does not fit its shard's schema: {why}")
    return len(rows)


# -- `zhmend run --dedup` -----------------------------------------------------------------


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options ``zhmend run`` takes to cluster its output once every shard is mended."""
    d = DedupConfig()
    p.add_argument(
        "--dedup",
        action="store_true",
        help="after mending, cluster near-duplicates in OUT (adds cluster_id, cluster_size, "
        "is_representative, dedup_status to every record; see zhmend dedup)",
    )
    p.add_argument(
        "--dedup-threshold",
        type=float,
        default=None,  # unset: --dedup's default; set, even to that value, it needs --dedup
        metavar="T",
        help=f"with --dedup: similarity to join two records (default {d.threshold})",
    )
    p.add_argument(
        "--dedup-representatives-only",
        action="store_true",
        help="with --dedup: keep only one record per cluster in OUT",
    )


def dedup_threshold(args: argparse.Namespace) -> float:
    """``run --dedup-threshold``, or the default when it is not given."""
    given = getattr(args, "dedup_threshold", None)
    return DedupConfig().threshold if given is None else given


def dedup_step(args: argparse.Namespace, out: Path, summary: dict[str, Any]) -> None:
    """A POST_STEP of ``zhmend run``: cluster the mended shards of ``out`` in place.

    The clustered shards are written beside, then each replaces its mended shard by an
    atomic rename; a run killed here and restarted clusters again from the shards as they
    are (the cluster columns are recomputed, never read).
    """
    if not getattr(args, "dedup", False):
        return
    import shutil

    opts = DedupOptions(
        DedupConfig(threshold=dedup_threshold(args)),
        args.text_field,
        args.id_field,
        args.dedup_representatives_only,
        getattr(args, "jobs", 1) or 1,
        getattr(args, "engine", "local"),
    )
    stage = out / ".zhmend" / "dedup"
    shutil.rmtree(stage, ignore_errors=True)
    result = dedup_paths([str(out)], stage, opts)
    for path in sorted(stage.rglob("*")):
        rel = path.relative_to(stage)
        if not path.is_file() or path.name == SUMMARY:
            continue
        if rel.parts[0] == REJECTS:
            # Lines of the mended output that could not be read back: beside the run's own.
            rel = rel.with_name(rel.name.removesuffix(".jsonl") + ".dedup.jsonl")
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, out / rel)
    os.replace(stage / SUMMARY, out / SUMMARY)
    shutil.rmtree(stage, ignore_errors=True)
    summary["dedup"] = result
