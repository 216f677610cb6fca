"""The Ray engine: a Ray Data pipeline, read -> ``map_batches`` -> write, records spread over
the cluster's CPUs.

- **read**: a Datasource with one read task per shard runs zhmend's own reader and cuts the
  records into the batches every engine uses (:func:`~zhmend.runners.shard.read_batches`).
  Each record is a row ``(shard, batch, size, ordinal, bytes, kind, payload)`` with the
  record, or the reader's Reject with its position, pickled in ``payload`` (records of one
  shard need not share a schema). A shard ends with an ``end`` row, or an ``error`` row
  when it cannot be read. Ray cuts the rows into blocks of about ``BLOCK_BYTES``.
- **mend**: ``map_batches`` over the blocks calls :func:`~zhmend.runners.shard.mend_items`,
  which calls :func:`zhmend.mend_batch`; each row's payload becomes its outcome. The blocks
  of one shard are mended in parallel, so a single large file uses every CPU.
- **write**: the driver puts each shard's batches back in order and writes them with
  zhmend's writers (:class:`~zhmend.runners.shard.ShardOutput`), the completion marker last:
  the bytes are those of the local engine.

Ray's own ``read_json``/``write_json`` are not used: they lose the line numbers of bad lines
and spell JSON differently. Inputs must be readable under the same path on every node; the
output is written by the driver alone.

A worker that dies is retried once by Ray. When the pipeline still fails, the batches that
were announced and never finished are suspects: their shards are mended again, alone (one
task at a time), the suspects one record at a time; a record whose task dies again, alone,
goes to rejects as ``worker_died`` -- the local engine's rule.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..io.readers import ShardReader, need_extra
from ..io.records import Shard
from .local import MAX_DEATHS, Done, Failed, _Attempt
from .shard import Progress, RunOptions, ShardOutput, mend_items, read_batches

#: Row kinds of the pipeline.
ITEM, END, ERROR = "item", "end", "error"
COLUMNS = ("shard", "batch", "size", "ordinal", "bytes", "kind", "payload")
#: CPUs a read task claims. Reading is light next to mending; claiming less than a mending
#: task also keeps Ray from fusing read and mend into one task per shard.
READ_CPUS = 0.25
#: Bytes of pickled records per block, hence per mending task (Ray's default, 128 MiB,
#: would put a whole shard in one task): about a third of a second of mending.
BLOCK_BYTES = 1 << 20
#: Attempts of a mending task beyond the first (Ray Data's default retries forever, which
#: would hang on a record that kills its worker every time).
RETRIES = 1


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
    """Mend ``shards`` on Ray (a local Ray with ``jobs`` CPUs unless ``address`` is given).

    ``state`` is unused: suspects are tracked by a Ray actor, so workers need no shared disk.
    """
    ray = need_extra("ray", "ray")
    need_extra("ray.data", "ray")
    started_here = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address:
            kwargs["address"] = address
        else:
            kwargs["num_cpus"] = max(1, jobs)
        ray.init(**kwargs)
        started_here = True
    context = ray.data.DataContext.get_current()
    fields = ("enable_progress_bars", "print_on_execution_start", "target_max_block_size")
    saved = {name: getattr(context, name) for name in fields if hasattr(context, name)}
    # zhmend draws its own progress; Ray's bars and banners would garble it.
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.target_max_block_size = BLOCK_BYTES
    # A task that dies is handled here (retried, isolated, reported with its shard); Ray's
    # tracebacks of it would drown the summary.
    data_log = logging.getLogger("ray.data")
    saved_level = data_log.level
    data_log.setLevel(logging.CRITICAL)
    registry = ray.remote(num_cpus=0)(Announcements).remote()
    try:
        _rounds(ray, shards, opts, out, registry, on_done, on_failed, on_progress)
    finally:
        ray.kill(registry)
        for name, value in saved.items():
            setattr(context, name, value)
        data_log.setLevel(saved_level)
        if started_here:
            ray.shutdown()


def _rounds(ray, shards, opts, out, registry, on_done, on_failed, on_progress) -> None:
    """Run the pipeline until every shard is done or given up (see the module's notes)."""
    normal = [_Attempt(s) for s in shards]
    alone: list[_Attempt] = []
    while normal or alone:
        if normal:
            batch, normal, width = normal, [], None
        else:
            batch, width = [alone.pop(0)], 1
        ray.get(registry.reset.remote())
        failure = _round(ray, batch, width, opts, out, registry, on_done, on_failed, on_progress)
        if failure is None:
            continue
        unfinished, why = failure
        spans: dict[str, list[tuple[int, int]]] = {}
        for name, first, last in ray.get(registry.left.remote()):
            spans.setdefault(name, []).append((first, last))
        for attempt in unfinished:
            mine = spans.get(attempt.shard.name)
            if not mine:
                if spans:
                    normal.append(attempt)  # cut short by another shard's death
                else:
                    on_failed(attempt.shard, f"Ray failed: {why}")  # no record to blame
                continue
            attempt.deaths += 1
            if attempt.deaths >= MAX_DEATHS:
                on_failed(attempt.shard, f"its worker process died {attempt.deaths} times")
                continue
            first, last = min(f for f, _ in mine), max(last for _, last in mine)
            suspect = attempt.suspect
            if width == 1 and len(mine) == 1 and first == last and suspect and (
                suspect[0] <= first <= suspect[1]
            ):
                # Alone, announced alone, died on every retry: this record kills the worker.
                attempt.poison.add(first)
                attempt.suspect = (first + 1, suspect[1])
            else:
                attempt.suspect = (first, last)
            alone.append(attempt)


def _round(
    ray, attempts, width, opts, out, registry, on_done, on_failed, on_progress
) -> tuple[list[_Attempt], str] | None:
    """One pipeline over ``attempts``; on failure (unfinished attempts, why)."""
    shards = [a.shard for a in attempts]
    ds = ray.data.read_datasource(
        _source(shards, opts), override_num_blocks=len(shards), **_read_args(ray)
    )
    with warnings.catch_warnings():
        # max_retries has no named parameter; Ray warns about the keyword form.
        warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
        ds = ds.map_batches(
            mend_block,
            batch_size=None,  # one block = one batch of the shard
            batch_format="pyarrow",
            fn_kwargs={
                "shards": shards,
                "opts": opts,
                "poison": {a.shard.name: frozenset(a.poison) for a in attempts if a.poison},
                "suspect": {a.shard.name: a.suspect for a in attempts if a.suspect},
                "registry": registry,
            },
            concurrency=width,
            max_retries=RETRIES,
        )
    writes = _Writes(attempts, opts, out, on_done, on_failed, on_progress)
    try:
        for table in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            writes.add(table.to_pydict())
    except Exception as exc:  # noqa: BLE001 - any failure of Ray's: retried or reported
        writes.abort()
        why = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return writes.unfinished(), why[-500:]
    writes.abort()  # a shard without its end row (none expected): not done, rerun it
    left = writes.unfinished()
    return (left, "the pipeline ended before these shards did") if left else None


class _Writes:
    """The driver's side: each shard's outcomes, put back in order and written."""

    def __init__(self, attempts, opts, out, on_done, on_failed, on_progress) -> None:
        self.attempts = attempts
        self.opts = opts
        self.out = out
        self.on_done = on_done
        self.on_failed = on_failed
        self.on_progress = on_progress
        self.open: dict[int, _ShardWrite] = {}
        self.closed: set[int] = set()

    def add(self, columns: dict[str, list[Any]]) -> None:
        for s, batch, size, ordinal, nbytes, kind, payload in zip(
            *(columns[c] for c in COLUMNS)
        ):
            if s in self.closed:
                continue
            w = self.open.get(s)
            if w is None:
                w = self.open[s] = _ShardWrite(self.attempts[s].shard)
            if kind == ITEM:
                w.pending.setdefault(batch, []).append((ordinal, payload, nbytes))
                w.sizes[batch] = size
            else:
                w.end = (batch, kind, pickle.loads(payload))
            try:
                self._advance(s, w)
            except (OSError, ValueError, RuntimeError) as exc:
                self._close(s)
                self.on_failed(w.shard, f"{type(exc).__name__}: {exc}")

    def _advance(self, s: int, w: _ShardWrite) -> None:
        while len(w.pending.get(w.next, ())) == w.sizes.get(w.next, -1):
            rows = sorted(w.pending.pop(w.next))
            output = w.output or self._output(w)
            output.write([pickle.loads(payload) for _, payload, _ in rows])
            w.bytes = rows[-1][2]
            w.next += 1
            if self.on_progress is not None:
                st = output.stats
                self.on_progress(w.shard.name, {"in": st["in"], "bytes": w.bytes,
                                                "rejected": st["rejected"] + st["errored"]})
        if w.end is not None and w.end[0] == w.next:
            _, kind, value = w.end
            if kind == ERROR:
                self._close(s)
                self.on_failed(w.shard, value)
                return
            stats = (w.output or self._output(w)).commit(value)
            del self.open[s]
            self.closed.add(s)
            self.on_done(w.shard, stats)

    def _output(self, w: _ShardWrite) -> ShardOutput:
        w.output = ShardOutput(w.shard, self.opts, self.out)
        return w.output

    def _close(self, s: int) -> None:
        w = self.open.pop(s, None)
        if w is not None and w.output is not None:
            w.output.abort()
        self.closed.add(s)

    def abort(self) -> None:
        for s in list(self.open):
            w = self.open.pop(s)
            if w.output is not None:
                w.output.abort()

    def unfinished(self) -> list[_Attempt]:
        return [a for i, a in enumerate(self.attempts) if i not in self.closed]


@dataclasses.dataclass
class _ShardWrite:
    shard: Shard
    output: ShardOutput | None = None
    next: int = 0  # the batch to write next
    bytes: int = 0
    pending: dict[int, list[tuple[int, bytes, int]]] = dataclasses.field(default_factory=dict)
    sizes: dict[int, int] = dataclasses.field(default_factory=dict)
    end: tuple[int, str, Any] | None = None


class Announcements:
    """A Ray actor: the batches being mended right now, by shard and ordinals."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, int], tuple[str, int, int]] = {}

    def reset(self) -> None:
        self.open.clear()

    def announce(self, name: str, first: int, last: int) -> None:
        self.open[(name, first)] = (name, first, last)

    def clear(self, name: str, first: int) -> None:
        self.open.pop((name, first), None)

    def left(self) -> list[tuple[str, int, int]]:
        return sorted(self.open.values())


def mend_block(
    table: Any,
    *,
    shards: list[Shard],
    opts: RunOptions,
    poison: dict[str, frozenset[int]],
    suspect: dict[str, tuple[int, int]],
    registry: Any,
) -> Any:
    """The ``map_batches`` function: mend the records of a block, each payload -> outcome."""
    import pyarrow as pa
    import ray

    def announce(name: str, first: int, last: int) -> None:
        ray.get(registry.announce.remote(name, first, last))

    def clear(name: str, first: int) -> None:
        registry.clear.remote(name, first)

    payloads = mend_rows(
        table.column("kind").to_pylist(),
        table.column("payload").to_pylist(),
        list(zip(table.column("shard").to_pylist(), table.column("batch").to_pylist())),
        shards=shards, opts=opts, poison=poison, suspect=suspect,
        announce=announce, clear=clear,
    )
    at = table.schema.get_field_index("payload")
    return table.set_column(at, "payload", pa.array(payloads, pa.binary()))


def mend_rows(
    kinds: list[str],
    payloads: list[bytes],
    keys: list[tuple[int, int]],
    *,
    shards: list[Shard],
    opts: RunOptions,
    poison: dict[str, frozenset[int]],
    suspect: dict[str, tuple[int, int]],
    announce: Callable[[str, int, int], None],
    clear: Callable[[str, int], None],
) -> list[bytes]:
    """The payloads of a block's rows with each record replaced by its outcome.

    Records are grouped by (shard, batch) and mended with
    :func:`~zhmend.runners.shard.mend_items`; each group is announced first and cleared
    after, suspects one record at a time.
    """
    payloads = list(payloads)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, kind in enumerate(kinds):
        if kind == ITEM:
            groups.setdefault(keys[i], []).append(i)
    for (s, _), rows in groups.items():
        shard = shards[s]
        items = [pickle.loads(payloads[i]) for i in rows]
        lo, hi = suspect.get(shard.name, (-1, -2))
        pieces = (
            [[item] for item in items]  # one record at a time, so a death names it
            if any(lo <= o <= hi for o, _, _ in items)
            else [items]
        )
        outcomes: list[tuple[Any, ...]] = []
        for piece in pieces:
            first, last = piece[0][0], piece[-1][0]
            announce(shard.name, first, last)
            try:
                outcomes += mend_items(piece, opts, shard, poison.get(shard.name, frozenset()))
            finally:
                # Not reached when the process dies: the announcement stays and names it.
                clear(shard.name, first)
        for i, outcome in zip(rows, outcomes):
            payloads[i] = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    return payloads


def read_shard(index: int, shard: Shard, opts: RunOptions) -> Iterator[Any]:
    """A read task: the shard's batches as blocks of record rows, then its end row."""
    reader = ShardReader(shard, opts.text_field, opts.id_field)
    batch = 0
    try:
        for items in read_batches(reader, opts):
            yield _block(index, batch, items, reader.bytes_read())
            batch += 1
    except (OSError, ValueError, RuntimeError) as exc:  # the local engine fails the shard too
        yield _end_block(index, batch, ERROR, f"{type(exc).__name__}: {exc}")
        return
    yield _end_block(index, batch, END, reader.bytes_read())


def _block(index: int, batch: int, items: list[Any], nbytes: int) -> Any:
    import pyarrow as pa

    n = len(items)
    return pa.table({
        "shard": pa.array([index] * n, pa.int64()),
        "batch": pa.array([batch] * n, pa.int64()),
        "size": pa.array([n] * n, pa.int64()),
        "ordinal": pa.array([o for o, _, _ in items], pa.int64()),
        "bytes": pa.array([nbytes] * n, pa.int64()),
        "kind": pa.array([ITEM] * n, pa.string()),
        "payload": pa.array(
            [pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL) for item in items], pa.binary()
        ),
    })


def _end_block(index: int, batch: int, kind: str, value: Any) -> Any:
    import pyarrow as pa

    return pa.table({
        "shard": pa.array([index], pa.int64()),
        "batch": pa.array([batch], pa.int64()),
        "size": pa.array([1], pa.int64()),
        "ordinal": pa.array([-1], pa.int64()),
        "bytes": pa.array([0], pa.int64()),
        "kind": pa.array([kind], pa.string()),
        "payload": pa.array([pickle.dumps(value)], pa.binary()),
    })


def _read_args(ray: Any) -> dict[str, Any]:
    """Resources of the read tasks, spelled as this Ray version wants them.

    Read tasks at most one per two CPUs: reading is fast next to mending, and every
    concurrent task is a worker process to start (seconds each on a small machine).
    """
    import inspect

    params = inspect.signature(ray.data.read_datasource).parameters
    cpus = int(ray.cluster_resources().get("CPU", 1))
    args: dict[str, Any] = {"concurrency": max(1, cpus // 2)} if "concurrency" in params else {}
    if "num_cpus" in params:
        return args | {"num_cpus": READ_CPUS}
    return args | {"ray_remote_args": {"num_cpus": READ_CPUS}}


def _source(shards: list[Shard], opts: RunOptions) -> Any:
    """A Ray Data Datasource with one read task per shard, in shard order."""
    from functools import partial

    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    def metadata(shard: Shard) -> Any:
        # The fields of BlockMetadata differ between Ray versions; fill those we know.
        known = {"size_bytes": shard.size(), "input_files": list(shard.paths)}
        return BlockMetadata(**{
            f.name: known.get(f.name) for f in dataclasses.fields(BlockMetadata) if f.init
        })

    class ShardSource(Datasource):
        def estimate_inmemory_data_size(self) -> int | None:
            return sum(s.size() for s in shards)

        def get_read_tasks(self, parallelism: int, *args: Any, **kwargs: Any) -> list[Any]:
            return [
                ReadTask(partial(read_shard, i, shard, opts), metadata(shard))
                for i, shard in enumerate(shards)
            ]

    return ShardSource()
