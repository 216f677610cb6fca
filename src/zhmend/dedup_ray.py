"""Near-duplicate clustering as Ray Data shuffles: no process holds every signature.

The same steps as :func:`zhmend.dedup.cluster`, built from the same functions, expressed as
rows and group-bys so each step runs spread over a cluster:

1. exact duplicates: group ``ok`` rows by digest; every member after the smallest index is
   an edge to it, the smallest goes on;
2. LSH: each signature becomes ``bands`` rows ``(band, bucket, index)``; group by
   ``(band, bucket)``; each bucket with two or more members gives candidate pairs
   (:func:`zhmend.dedup.bucket_pairs`); pairs are made unique by a group-by;
3. verification: a pair meets the signatures of its two ends in two reduce-side joins
   (union with the signature rows, group by index) and is kept by
   :func:`zhmend.dedup.verify`;
4. connected components by iterative min-label propagation over the edge rows: each round
   sends every node's label along its edges and keeps the minimum, until no label changes
   (as many rounds as the longest shortest path in a component, plus one);
5. representatives: members meet their ranks (farm score, length, id) by one more join and
   each component picks the minimum :func:`zhmend.dedup.rank_key`.

Rows for documents that are in no cluster never leave step 2. The result holds one row per
document that has a duplicate: ``index, cluster_id, cluster_size, is_representative``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .dedup import (
    DedupConfig,
    Sketches,
    band_keys,
    bucket_pairs,
    id_key,
    rank_key,
    verify,
)
from .errors import ZhmendError

RAY_HINT = "--engine ray needs Ray Data: pip install 'zhmend[ray]'"

#: Upper bound on propagation rounds; a component needs about its diameter in rounds.
MAX_ROUNDS = 10_000


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ZhmendError(RAY_HINT) from None
    return ray


def _np():
    import numpy

    return numpy


def _empty(**dtypes: str) -> dict[str, Any]:
    np = _np()
    return {name: np.array([], dtype=dtype) for name, dtype in dtypes.items()}


# -- row functions (each takes and returns a numpy batch: dict of column arrays) ----------


def _exact_groups(group: dict[str, Any]) -> dict[str, Any]:
    """One digest: edges (first, other) for the copies; the first keeps its signature."""
    np = _np()
    order = np.argsort(group["index"], kind="stable")
    index = group["index"][order]
    first = int(index[0])
    n = len(index)
    return {
        "kind": np.array(["first"] + ["edge"] * (n - 1), dtype=object),
        "a": np.full(n, first, dtype=np.int64),
        "b": np.concatenate([[-1], index[1:]]).astype(np.int64),
        "signature": np.array([group["signature"][order][0]] + [b""] * (n - 1), dtype=object),
    }


def _band_rows(batch: dict[str, Any], bands: int, rows: int, num_perm: int) -> dict[str, Any]:
    np = _np()
    sigs = np.stack([np.frombuffer(s, dtype=np.uint32) for s in batch["signature"]])
    keys = band_keys(sigs.reshape(-1, num_perm), bands, rows)
    n = len(batch["a"])
    return {
        "band": np.tile(np.arange(bands, dtype=np.int64), n),
        "bucket": keys.reshape(-1).view(np.int64),
        "index": np.repeat(np.asarray(batch["a"], dtype=np.int64), bands),
    }


def _bucket_candidates(group: dict[str, Any]) -> dict[str, Any]:
    np = _np()
    if len(group["index"]) < 2:
        return _empty(a="int64", b="int64")
    pairs = bucket_pairs(group["index"].tolist())
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return {"a": arr[:, 0], "b": arr[:, 1]}


def _first_of_group(group: dict[str, Any]) -> dict[str, Any]:
    return {"a": group["a"][:1], "b": group["b"][:1]}


def _forward_signature(group: dict[str, Any]) -> dict[str, Any]:
    """Reduce-side join on ``key``: the signature row meets the pairs ``(key, other)``.

    Each pair is re-keyed by its other end and carries this signature there.
    """
    np = _np()
    own = group["other"] == -1
    if not own.any():
        raise ZhmendError("zhmend bug: a candidate pair names a document without signature")
    signature = group["signature"][own][0]
    pairs = ~own
    return {
        "key": group["other"][pairs].astype(np.int64),
        "other": group["key"][pairs].astype(np.int64),
        "signature": np.array([signature] * int(pairs.sum()), dtype=object),
    }


def _verify_rows(group: dict[str, Any], threshold: float) -> dict[str, Any]:
    np = _np()
    own = group["other"] == -1
    mine = np.frombuffer(group["signature"][own][0], dtype=np.uint32)
    keep_a, keep_b = [], []
    for other, sig in zip(group["other"][~own], group["signature"][~own], strict=True):
        if verify(np.frombuffer(sig, dtype=np.uint32), mine, threshold):
            keep_a.append(int(other))
            keep_b.append(int(group["key"][0]))
    return {"a": np.array(keep_a, dtype=np.int64), "b": np.array(keep_b, dtype=np.int64)}


def _send_labels(group: dict[str, Any]) -> dict[str, Any]:
    """Node group: its label row and its out-edges. Send the label to itself and along."""
    np = _np()
    own = group["dst"] == -1
    label = int(group["label"][own][0])
    dst = group["dst"][~own].astype(np.int64)
    node = int(group["node"][0])
    return {
        "node": np.concatenate([[node], dst]).astype(np.int64),
        "label": np.full(len(dst) + 1, label, dtype=np.int64),
        "old": np.concatenate([[label], np.full(len(dst), -1)]).astype(np.int64),
    }


def _min_label(group: dict[str, Any]) -> dict[str, Any]:
    np = _np()
    new = int(group["label"].min())
    old = int(group["old"].max())  # the one row carrying the node's own label
    return {
        "node": group["node"][:1].astype(np.int64),
        "label": np.array([new], dtype=np.int64),
        "changed": np.array([new < old], dtype=bool),
    }


def _attach_rank(group: dict[str, Any]) -> dict[str, Any]:
    np = _np()
    has_label = group["label"] >= 0
    if not has_label.any():
        return _empty(
            label="int64", index="int64", farm_score="float64", length="int64", id_key="object"
        )
    meta = group["label"] < 0
    return {
        "label": group["label"][has_label][:1].astype(np.int64),
        "index": group["node"][:1].astype(np.int64),
        "farm_score": group["farm_score"][meta][:1].astype(np.float64),
        "length": group["length"][meta][:1].astype(np.int64),
        "id_key": group["id_key"][meta][:1].astype(object),
    }


def _choose(group: dict[str, Any]) -> dict[str, Any]:
    np = _np()
    n = len(group["index"])
    ranks = [
        rank_key(
            float(group["farm_score"][i]),
            int(group["length"][i]),
            str(group["id_key"][i]),
            int(group["index"][i]),
        )
        for i in range(n)
    ]
    best = min(range(n), key=ranks.__getitem__)
    rep = np.zeros(n, dtype=bool)
    rep[best] = True
    return {
        "index": group["index"].astype(np.int64),
        "cluster_id": np.full(n, int(group["label"].min()), dtype=np.int64),
        "cluster_size": np.full(n, n, dtype=np.int64),
        "is_representative": rep,
    }


# -- the pipeline -------------------------------------------------------------------------


def cluster_dataset(
    docs: Any, config: DedupConfig, partitions: int | None = None
) -> tuple[Any, dict[str, int]]:
    """Cluster a Ray Dataset of sketch rows; return (membership rows, counts).

    ``docs`` rows: ``index`` (int64, unique), ``status`` (str), ``digest`` (bytes),
    ``signature`` (bytes: ``num_perm`` uint32 in native order), ``farm_score`` (float),
    ``length`` (int64), ``id_key`` (str, see :func:`zhmend.dedup.id_key`).
    """
    _ray()  # a teaching error when Ray is missing
    np = _np()
    fmt = {"batch_format": "numpy"}
    if partitions is None:
        partitions = default_partitions()
    ok = _where(docs, "status", "ok").select_columns(
        ["index", "digest", "signature"]
    )
    exact = (
        ok.groupby("digest", num_partitions=partitions)
        .map_groups(_exact_groups, **fmt)
        .materialize()
    )
    firsts = _where(exact, "kind", "first")
    exact_edges = _where(exact, "kind", "edge").select_columns(["a", "b"])

    band_rows = firsts.map_batches(
        _band_rows,
        fn_kwargs={"bands": config.bands, "rows": config.rows, "num_perm": config.num_perm},
        **fmt,
    )
    candidates = (
        band_rows.groupby(["band", "bucket"], num_partitions=partitions)
        .map_groups(_bucket_candidates, **fmt)
        .groupby(["a", "b"], num_partitions=partitions)
        .map_groups(_first_of_group, **fmt)
        .materialize()
    )
    n_candidates = candidates.count()

    sig_rows = firsts.map_batches(
        lambda b: {
            "key": b["a"].astype(np.int64),
            "other": np.full(len(b["a"]), -1, np.int64),
            "signature": b["signature"],
        },
        **fmt,
    )
    pair_rows = candidates.map_batches(
        lambda b: {
            "key": b["a"].astype(np.int64),
            "other": b["b"].astype(np.int64),
            "signature": np.array([b""] * len(b["a"]), dtype=object),
        },
        **fmt,
    )
    forwarded = (
        sig_rows.union(pair_rows)
        .groupby("key", num_partitions=partitions)
        .map_groups(_forward_signature, **fmt)
    )
    near_edges = (
        sig_rows.union(forwarded)
        .groupby("key", num_partitions=partitions)
        .map_groups(_verify_rows, fn_kwargs={"threshold": config.threshold}, **fmt)
        .materialize()
    )
    n_verified = near_edges.count()
    edges = exact_edges.union(near_edges).materialize()
    n_exact = exact_edges.count()

    labels = propagate_min_labels(edges, partitions)
    meta = _where(docs, "status", "ok").map_batches(
        lambda b: {
            "node": b["index"].astype(np.int64),
            "label": np.full(len(b["index"]), -1),
            "farm_score": b["farm_score"].astype(np.float64),
            "length": b["length"].astype(np.int64),
            "id_key": b["id_key"].astype(object),
        },
        **fmt,
    )
    label_rows = labels.map_batches(
        lambda b: {
            "node": b["node"],
            "label": b["label"],
            "farm_score": np.zeros(len(b["node"])),
            "length": np.zeros(len(b["node"]), dtype=np.int64),
            "id_key": np.array([""] * len(b["node"]), dtype=object),
        },
        **fmt,
    )
    members = (
        meta.union(label_rows)
        .groupby("node", num_partitions=partitions)
        .map_groups(_attach_rank, **fmt)
    )
    result = members.groupby("label", num_partitions=partitions).map_groups(_choose, **fmt)
    return result, {
        "exact_duplicate_edges": n_exact,
        "candidate_pairs": n_candidates,
        "verified_pairs": n_verified,
    }


def default_partitions() -> int:
    """Shuffle partitions: two per CPU of the Ray cluster (Ray's default of 200 is meant for
    big clusters and costs seconds per group-by on a laptop)."""
    ray = _ray()
    return max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))


def propagate_min_labels(edges: Any, partitions: int) -> Any:
    """Component labels (smallest node) of the nodes of ``edges`` rows ``(a, b)``.

    Rows ``(node, label)``. Each round is two group-bys over rows proportional to the edges.
    """
    np = _np()
    fmt = {"batch_format": "numpy"}
    directed = edges.map_batches(
        lambda b: {
            "node": np.concatenate([b["a"], b["b"]]).astype(np.int64),
            "dst": np.concatenate([b["b"], b["a"]]).astype(np.int64),
        },
        **fmt,
    ).materialize()
    labels = (
        directed.groupby("node", num_partitions=partitions)
        .map_groups(lambda g: {"node": g["node"][:1], "label": g["node"][:1]}, **fmt)
        .materialize()
    )
    for _ in range(MAX_ROUNDS):
        label_rows = labels.map_batches(
            lambda b: {
                "node": b["node"],
                "dst": np.full(len(b["node"]), -1, np.int64),
                "label": b["label"],
            },
            **fmt,
        )
        edge_rows = directed.map_batches(
            lambda b: {
                "node": b["node"],
                "dst": b["dst"],
                "label": np.full(len(b["node"]), -1, np.int64),
            },
            **fmt,
        )
        updated = (
            label_rows.union(edge_rows)
            .groupby("node", num_partitions=partitions)
            .map_groups(_send_labels, **fmt)
            .groupby("node", num_partitions=partitions)
            .map_groups(_min_label, **fmt)
            .materialize()
        )
        changed = _where(updated, "changed", True).count()
        labels = updated.select_columns(["node", "label"]).materialize()
        if changed == 0:
            return labels
    raise ZhmendError(f"label propagation did not settle in {MAX_ROUNDS} rounds")


def sketch_rows(sketches: Sketches, farm_scores, id_keys, offset: int = 0) -> dict[str, Any]:
    """Columns of ``cluster_dataset`` input rows for a batch of sketches."""
    np = _np()
    n = len(sketches)
    return {
        "index": np.arange(offset, offset + n, dtype=np.int64),
        "status": np.asarray(sketches.status, dtype=object),
        "digest": np.array([bytes(d) for d in sketches.digests], dtype=object),
        "signature": np.array([row.tobytes() for row in sketches.signatures], dtype=object),
        "farm_score": np.asarray(farm_scores, dtype=np.float64),
        "length": np.asarray(sketches.length, dtype=np.int64),
        "id_key": np.asarray(id_keys, dtype=object),
    }


#: A shard's records get indices ``shard_no << SHARD_BITS | ordinal``: unique, and in
#: input order, so the smallest index of a cluster is the same record as on the local path.
SHARD_BITS = 40


def start_ray() -> Any:
    ray = _ray()
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
    return ray


def _where(ds: Any, column: str, value: object) -> Any:
    """The rows of ``ds`` whose ``column`` equals ``value``: as an expression where Ray has
    them (evaluated on Arrow blocks, and without the warning Ray gives for a function on
    every run), else as a function (Ray before expressions)."""
    try:
        from ray.data.expressions import col
    except ImportError:
        return ds.filter(lambda row: row[column] == value)
    return ds.filter(expr=col(column) == value)


@contextmanager
def sort_shuffle() -> Iterator[None]:
    """Group-bys as sort-based shuffles of tasks for the duration of a pipeline.

    Ray's default hash shuffle keeps aggregator actors per group-by; on a few cores they
    hold the CPUs that the next stage waits for (a small job took minutes, not seconds).
    """
    from ray.data.context import DataContext, ShuffleStrategy

    ctx = DataContext.get_current()
    before = ctx.shuffle_strategy
    ctx.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    try:
        yield
    finally:
        ctx.shuffle_strategy = before


def _sketch_rows_of_shards(batch: dict[str, Any], tasks: list, sketch_fn: Callable) -> dict:
    np = _np()
    parts = []
    for shard_no in batch["shard_no"]:
        result = sketch_fn(*tasks[int(shard_no)])
        rows = sketch_rows(
            result.sketches, result.farm_scores, result.id_keys, int(shard_no) << SHARD_BITS
        )
        rows["shard_no"] = np.full(len(result.sketches), int(shard_no), dtype=np.int64)
        parts.append(rows)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def cluster_shards(
    tasks: list[tuple],
    sketch_fn: Callable,
    config: DedupConfig,
    partitions: int | None = None,
) -> tuple[list[int], dict[int, tuple[int, int, bool]], dict[str, Any]]:
    """Sketch each shard in a Ray task (``sketch_fn(*tasks[k])``) and cluster with Ray Data.

    Returns (offsets of the shards in input order, cluster of each record that has
    duplicates by its input index, counts). Signatures stay in Ray's object store; only the
    rows of records with duplicates come back here.
    """
    ray = start_ray()
    with sort_shuffle():
        docs = (
            ray.data.from_items(
                [{"shard_no": k} for k in range(len(tasks))], override_num_blocks=len(tasks)
            )
            .map_batches(
                _sketch_rows_of_shards,
                fn_kwargs={"tasks": tasks, "sketch_fn": sketch_fn},
                batch_size=1,
                batch_format="numpy",
            )
            .materialize()
        )
        sizes = dict.fromkeys(range(len(tasks)), 0)
        for row in docs.groupby("shard_no").count().take_all():
            sizes[int(row["shard_no"])] = int(row["count()"])
        offsets = [0]
        for k in range(len(tasks)):
            offsets.append(offsets[-1] + sizes[k])
        started = time.perf_counter()
        result, counts = cluster_dataset(docs, config, partitions)
        members: dict[int, tuple[int, int, bool]] = {}
        mask = (1 << SHARD_BITS) - 1
        for batch in result.iter_batches(batch_format="numpy", batch_size=65536):
            for index, cid, size, rep in zip(
                batch["index"].tolist(),
                batch["cluster_id"].tolist(),
                batch["cluster_size"].tolist(),
                batch["is_representative"].tolist(),
                strict=True,
            ):
                glob = offsets[index >> SHARD_BITS] + (index & mask)
                members[glob] = (offsets[cid >> SHARD_BITS] + (cid & mask), size, bool(rep))
    counts["index_seconds"] = round(time.perf_counter() - started, 3)
    return offsets, members, counts


def map_tasks(fn: Callable, args_list: list[tuple]) -> list[Any]:
    """``[fn(*args) for args in args_list]`` as Ray tasks, results in order."""
    ray = start_ray()
    remote = ray.remote(fn)
    return ray.get([remote.remote(*args) for args in args_list])


def cluster_with_ray(
    sketches: Sketches,
    config: DedupConfig,
    farm_scores=None,
    id_keys=None,
    rows_per_block: int = 4096,
    partitions: int | None = None,
) -> tuple[tuple[Any, Any, Any], dict[str, int]]:
    """The Ray pipeline on in-memory sketches; columns as :func:`zhmend.dedup.cluster`.

    For tests and benchmarks that compare the engines on one corpus.
    """
    ray = start_ray()
    np = _np()
    n = len(sketches)
    if farm_scores is None:
        farm_scores = [0.0] * n
    if id_keys is None:
        id_keys = [id_key(i) for i in range(n)]
    blocks = []
    for start in range(0, n, rows_per_block):
        stop = min(n, start + rows_per_block)
        part = Sketches(
            sketches.status[start:stop],
            sketches.length[start:stop],
            sketches.digests[start:stop],
            sketches.signatures[start:stop],
        )
        blocks.append(sketch_rows(part, farm_scores[start:stop], id_keys[start:stop], start))
    cid = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    rep = np.ones(n, dtype=bool)
    with sort_shuffle():
        result, counts = cluster_dataset(_from_blocks(ray, blocks), config, partitions)
        for batch in result.iter_batches(batch_format="numpy", batch_size=65536):
            index = batch["index"]
            cid[index] = batch["cluster_id"]
            size[index] = batch["cluster_size"]
            rep[index] = batch["is_representative"]
    return (cid, size, rep), counts


def _from_blocks(ray: Any, blocks: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    tables = [
        pa.table(
            {
                "index": pa.array(b["index"], pa.int64()),
                "status": pa.array(b["status"].tolist(), pa.string()),
                "digest": pa.array(b["digest"].tolist(), pa.binary()),
                "signature": pa.array(b["signature"].tolist(), pa.binary()),
                "farm_score": pa.array(b["farm_score"], pa.float64()),
                "length": pa.array(b["length"], pa.int64()),
                "id_key": pa.array(b["id_key"].tolist(), pa.string()),
            }
        )
        for b in blocks
    ]
    return ray.data.from_arrow(tables)
