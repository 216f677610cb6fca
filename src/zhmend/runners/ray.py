"""The Ray engine: a Ray Data pipeline whose rows are shards.

Each row runs :func:`~zhmend.runners.shard.run_shard` in a Ray worker: the same streaming
reader, the same ``mend_batch``, the same writer and markers as the local engine, so the
output bytes are the same. Ray's own ``read_json``/``write_json`` are not used: they lose
line numbers and bad lines (nothing may be lost here) and spell JSON differently.

The output directory must be reachable under the same path from every node (a shared
file system); with a local Ray it is simply the local disk.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path
from typing import Any

from ..io.readers import need_extra
from ..io.records import Shard
from .local import POLL_SECONDS, Done, Failed
from .shard import Progress, RunOptions, read_inflight, run_shard


def _mend_shards(
    batch: dict[str, Any],
    *,
    shards: list[Shard],
    opts: RunOptions,
    out: str | None,
    state: str,
) -> dict[str, list[Any]]:
    indexes, results, errors = [], [], []
    for index in batch["index"]:
        index = int(index)
        shard = shards[index]
        try:
            stats = run_shard(shard, opts, Path(out) if out else None, Path(state))
            results.append(stats)
            errors.append("")
        except (OSError, ValueError, RuntimeError) as exc:
            results.append(None)
            errors.append(f"{type(exc).__name__}: {exc}")
        indexes.append(index)
    import json

    return {
        "index": indexes,
        "stats": [json.dumps(r) if r is not None else "" for r in results],
        "error": errors,
    }


def run_ray(
    shards: list[Shard],
    opts: RunOptions,
    out: Path | None,
    state: Path,
    jobs: int,
    *,
    address: str | None,
    on_done: Done,
    on_failed: Failed,
    on_progress: Progress | None = None,
) -> None:
    """Mend ``shards`` on Ray (a local Ray with ``jobs`` CPUs unless ``address`` is given)."""
    ray = need_extra("ray", "ray")
    need_extra("ray.data", "ray")
    import json

    started_here = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address:
            kwargs["address"] = address
        else:
            kwargs["num_cpus"] = max(1, jobs)
        ray.init(**kwargs)
        started_here = True
    try:
        ds = ray.data.from_items(
            [{"index": i} for i in range(len(shards))], override_num_blocks=max(1, len(shards))
        )
        ds = ds.map_batches(
            _mend_shards,
            batch_size=1,
            fn_kwargs={
                "shards": shards,
                "opts": opts,
                "out": str(out) if out is not None else None,
                "state": str(state),
            },
        )
        rows: list[dict[str, Any]] = []
        failure: list[BaseException] = []

        def collect() -> None:
            try:
                rows.extend(ds.take_all())
            except BaseException as exc:  # noqa: BLE001 - reported by the caller's thread
                failure.append(exc)

        worker = threading.Thread(target=collect, daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(POLL_SECONDS)
            if on_progress is not None:
                for shard in shards:
                    info = read_inflight(state, shard)
                    if info is not None:
                        on_progress(shard.name, info)
        finished: set[int] = set()
        for row in sorted(rows, key=lambda r: int(r["index"])):
            shard = shards[int(row["index"])]
            finished.add(int(row["index"]))
            if row["error"]:
                on_failed(shard, str(row["error"]))
            else:
                on_done(shard, json.loads(row["stats"]))
        if failure:
            why = "".join(traceback.format_exception_only(type(failure[0]), failure[0])).strip()
            for i, shard in enumerate(shards):
                if i not in finished:
                    on_failed(shard, f"Ray failed: {why[:500]}")
    finally:
        if started_here:
            ray.shutdown()
