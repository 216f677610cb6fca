"""Mend one shard: read, call ``mend_batch``, write output and rejects, then the marker.

Every engine runs shards through :func:`run_shard`, so output bytes do not depend on the
engine or the worker count. The layout of an output directory::

    out/<shard>.jsonl[.gz|.zst] | out/<shard>.parquet     mended records
    out/rejects/<shard>.jsonl                             records not mended, with reasons
                                                          (only for a shard that has some)
    out/.zhmend/run.json                                  options digest of the run
    out/.zhmend/done/<shard>.json                         completion marker (written last)
    out/.zhmend/inflight/<shard>.json                     records being mended right now
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..batch import (
    CHANGED,
    CONVERTED,
    ERROR,
    ERROR_DETAIL,
    FARM_SCORE,
    FIXER_ERROR,
    SCRIPT,
    fixer_column,
    mend_batch,
    report_columns,
)
from ..config import MendConfig
from ..detect import FARM_THRESHOLD
from ..errors import ConfigError
from ..fixers import FIXERS
from ..io.parquet import ParquetWriter
from ..io.readers import ShardReader, need_extra
from ..io.records import MISSING_TEXT_FIELD, SCHEMA_MISMATCH, WORKER_DIED, Reject, Shard
from ..io.writers import JsonlWriter, NullWriter, dumps, output_name, utf8

#: Reasons counted as ``errored`` (mending failed); every other reason is ``rejected``.
ERRORED_REASONS = frozenset({FIXER_ERROR, WORKER_DIED})
#: Records per call of mend_batch; also the granularity of progress and crash recovery.
BATCH_RECORDS = 256
#: A batch also ends at this many characters of text, so huge documents do not pile up.
BATCH_CHARS = 1 << 20
SAMPLE_CHARS = 300
STATE = ".zhmend"
#: Every column the run adds starts with this (zhmend_changed, zhmend_error, ...).
REPORT_PREFIX = "zhmend_"

KEEP = ("all", "farm", "clean")

Progress = Callable[[str, dict[str, int]], None]


@dataclass(frozen=True)
class RunOptions:
    """Everything that decides the bytes of a run's output (and a few things that do not)."""

    config: MendConfig = field(default_factory=MendConfig)
    text_field: str = "text"
    id_field: str = "id"
    output_field: str | None = None
    max_chars: int | None = 1_000_000
    output_format: str | None = None  # None: like the input (txt and stdin give jsonl)
    compression: str | None = None  # None: like the input
    #: Which records to write by farm score: all, farm (score >= min_score) or clean.
    keep: str = "all"
    min_score: float = FARM_THRESHOLD
    #: Report columns (edits per fixer, script, evidence, farm score); off: mend alone.
    report: bool = True
    #: News-structure columns (zhmend_news_*) from zhmend.extract on the mended text.
    extract: bool = False
    samples: int = 0  # before/after examples kept per shard; not part of the output

    def __post_init__(self) -> None:
        if self.keep not in KEEP:
            raise ConfigError(f"keep={self.keep!r}: choose one of {', '.join(KEEP)}")
        if self.keep != "all" and not self.report:
            raise ConfigError("--keep needs the farm score: leave out --no-report-columns")
        if not 0.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min score {self.min_score} is outside 0..1")
        if self.output_format not in (None, "jsonl", "parquet"):
            raise ConfigError(f"output format {self.output_format!r}: choose jsonl or parquet")
        if self.compression not in (None, "none", "gzip", "zstd"):
            raise ConfigError(f"compression {self.compression!r}: choose none, gzip or zstd")
        clash = output_field_clash(self.output_field, self.text_field, self.id_field)
        if clash:
            raise ConfigError(clash)

    def digest(self) -> str:
        """Hash of what shapes the output, with the zhmend version; stored in every marker."""
        shaping = asdict(self)
        shaping.pop("samples")
        shaping["config"] = self.config.to_dict()
        shaping["version"] = __version__
        blob = json.dumps(shaping, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def format_for(self, shard: Shard) -> tuple[str, str]:
        fmt = self.output_format or ("parquet" if shard.format == "parquet" else "jsonl")
        if fmt == "parquet":
            return fmt, "none"
        comp = self.compression or (shard.compression if shard.format == "jsonl" else "none")
        return fmt, comp


def output_field_clash(output_field: str | None, text_field: str, id_field: str) -> str | None:
    """Why ``output_field`` would overwrite a column the run needs; None when it is free.

    The mended text written over the text field, the id or a report column would be lost
    (or destroy the id) without a word, so such a field is refused up front.
    """
    if id_field == text_field:
        return (f"--id-field {id_field} is the text field: the id is read from another field "
                "(records without one get a generated id)")
    if output_field is None:
        return None
    if output_field == text_field:
        return (f"--output-field {output_field} is the text field: leave out --output-field "
                "to replace the text, or name a new field")
    if output_field == id_field:
        return f"--output-field {output_field} is the id field: name a new field"
    if output_field.startswith(REPORT_PREFIX):
        return (f"--output-field {output_field}: {REPORT_PREFIX}* columns are the run's own "
                "report columns; name a field without that prefix")
    return None


def output_path(out: Path, shard: Shard, opts: RunOptions) -> Path:
    return out / output_name(shard.name, *opts.format_for(shard))


def rejects_path(out: Path, shard: Shard) -> Path:
    return out / "rejects" / (shard.name + ".jsonl")


def marker_path(out: Path, shard: Shard) -> Path:
    return out / STATE / "done" / (shard.name + ".json")


def inflight_path(state: Path, shard: Shard) -> Path:
    return state / "inflight" / (shard.name + ".json")


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object the run wrote (marker, progress note, state); None when it is missing,
    cut short by a kill or not an object: the caller then redoes what it would vouch for."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def read_marker(out: Path, shard: Shard) -> dict[str, Any] | None:
    return read_json(marker_path(out, shard))


def marker_on_disk(out: Path, shard: Shard, opts: RunOptions, marker: dict[str, Any]) -> bool:
    """Whether the files a completion marker describes are still there as it says.

    A marker alone must never vouch for a shard: if its input changed since (a file grew,
    was replaced or joined a group of .txt files), its output is gone, or its rejects are
    missing or not the ones written with it, the shard is redone. (The output's size is
    not checked: ``--dedup-representatives-only`` rewrites it after the marker.)
    """
    try:
        inputs = input_fingerprint(shard)
    except OSError:
        return False  # an input gone since it was found: reading it will say so
    if not output_path(out, shard, opts).is_file() or marker.get("inputs") != inputs:
        return False
    rejects = rejects_path(out, shard)
    size = rejects.stat().st_size if rejects.is_file() else 0  # none written: no file
    return size == marker.get("rejects_bytes", 0)


def input_fingerprint(shard: Shard) -> list[list[Any]]:
    """Each input file of ``shard`` with its size and modification time, as a marker
    stores them (a list, as JSON gives it back)."""
    out: list[list[Any]] = []
    for path in sorted(os.path.realpath(p) for p in shard.paths):
        # The file itself, however it is named (another working directory, a link).
        st = os.stat(path)
        out.append([path, st.st_size, st.st_mtime_ns])
    return out


def read_inflight(state: Path, shard: Shard) -> dict[str, int] | None:
    return read_json(inflight_path(state, shard))


def write_json_atomic(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    # utf8: a sample's text may hold a lone surrogate, which UTF-8 cannot spell.
    tmp.write_bytes(utf8(json.dumps(value, ensure_ascii=False, sort_keys=True)))
    os.replace(tmp, path)


def new_stats(shard: Shard) -> dict[str, Any]:
    return {
        "shard": shard.name,
        "in": 0,
        "out": 0,
        "rejected": 0,
        "errored": 0,
        "filtered": 0,
        "farm": 0,
        "changed": 0,
        "converted": 0,
        "by_reason": {},
        "by_fixer": dict.fromkeys(FIXERS, 0),
        "by_script": {},
        "text_bytes": 0,
        "input_bytes": 0,
        "seconds": 0.0,
        "samples": [],
    }


Item = tuple[int, int, Any]
"""A record as read: (ordinal in the shard, position in the input, record dict or Reject)."""

#: Outcome kinds of :func:`mend_items`.
REJECTED = "rejected"
MENDED = "mended"


def read_batches(
    reader: ShardReader, opts: RunOptions, limit: int | None = None
) -> Iterator[list[Item]]:
    """The records of ``reader`` cut into batches of ``BATCH_RECORDS`` or ``BATCH_CHARS``.

    Every engine cuts a shard the same way, so Parquet row groups (one per batch and run of
    rows between rejects) and schemas inferred and widened batch by batch are the same too.
    """
    pending: list[Item] = []
    chars = 0
    for ordinal, (position, item) in enumerate(reader):
        if limit is not None and ordinal >= limit:
            break
        pending.append((ordinal, position, item))
        if isinstance(item, dict) and isinstance(item.get(opts.text_field), str):
            chars += len(item[opts.text_field])
        if len(pending) >= BATCH_RECORDS or chars >= BATCH_CHARS:
            yield pending
            pending, chars = [], 0
    if pending:
        yield pending


def source_of(shard: Shard) -> str:
    """The file named in a shard's rejects."""
    return shard.paths[0] if len(shard.paths) == 1 else shard.root


def with_generated_id(
    record: dict[str, Any], id_field: str, shard: Shard, position: int
) -> dict[str, Any]:
    """``record`` with the id ``SHARD:POSITION``, for a record whose id is missing or null.

    A null id names no record any more than a missing one, so both get the generated id
    (stable across runs and engines): first when the field was missing, in its place when
    it was null, so the other fields keep their order.
    """
    generated = f"{shard.name}:{position}"
    if id_field in record:
        return {k: (generated if k == id_field else v) for k, v in record.items()}
    return {id_field: generated, **record}


def generated_id_fits(shard: Shard, opts: RunOptions) -> bool:
    """Whether a null id of ``shard`` can become ``SHARD:POSITION`` in its output.

    Not when Parquet is written from Parquet whose id column is not a string column
    (integer ids, say): the output keeps the input's schema, so the record would be
    rejected for a generated id; its null id is kept instead.
    """
    if shard.format != "parquet" or opts.format_for(shard)[0] != "parquet":
        return True
    return string_column(shard.paths[0], opts.id_field)


@functools.lru_cache(maxsize=64)
def string_column(path: str, column: str) -> bool:
    """Whether ``column`` of the Parquet file at ``path`` holds strings (or is absent)."""
    pa = need_extra("pyarrow", "parquet")
    schema = need_extra("pyarrow.parquet", "parquet").read_schema(path)
    if column not in schema.names:
        return True
    kind = schema.field(column).type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def mend_items(
    items: list[Item], opts: RunOptions, shard: Shard, poison: frozenset[int] = frozenset()
) -> list[tuple[Any, ...]]:
    """Mend a batch of records with :func:`zhmend.mend_batch`; one outcome per item, in order.

    An outcome is ``(REJECTED, reject, record_id)`` or ``(MENDED, row, text_bytes,
    before, farm, kept, position)``: the output row, the UTF-8 size of the input text, its
    first ``SAMPLE_CHARS`` characters when the run keeps samples and the text changed,
    whether the farm score reaches ``min_score``, whether ``--keep`` writes the row, and
    the record's line or row in the input (for a reject the writer may still make). Pure: no
    I/O, so it runs wherever the engine puts it; ``poison`` ordinals become WORKER_DIED.
    """
    source = source_of(shard)
    keep: list[tuple[int, dict[str, Any]]] = []
    outcomes: dict[int, tuple[Any, ...]] = {}
    positions = {o: p for o, p, _ in items}
    for ordinal, position, item in items:
        if isinstance(item, Reject):
            outcomes[ordinal] = (REJECTED, item, None)
            continue
        record_id = item.get(opts.id_field)
        if ordinal in poison:
            outcomes[ordinal] = (
                REJECTED,
                Reject(source, position, WORKER_DIED,
                       "the worker process died while mending this record", dumps(item)),
                record_id,
            )
        elif opts.text_field not in item:
            outcomes[ordinal] = (
                REJECTED,
                Reject(source, position, MISSING_TEXT_FIELD,
                       f"no field {opts.text_field!r}; fields: {', '.join(item)}", dumps(item)),
                record_id,
            )
        else:
            if record_id is None and (
                opts.id_field not in item or generated_id_fits(shard, opts)
            ):
                item = with_generated_id(item, opts.id_field, shard, position)
            keep.append((ordinal, item))
    if keep:
        result = mend_batch(
            {opts.text_field: [rec[opts.text_field] for _, rec in keep]},
            text_field=opts.text_field,
            output_field=opts.output_field,
            config=opts.config,
            max_chars=opts.max_chars,
            report=opts.report,
            extract=opts.extract,
        )
        skip = {ERROR, ERROR_DETAIL} | ({opts.text_field} if opts.output_field else set())
        columns = [c for c in result if c not in skip]
        for i, (ordinal, rec) in enumerate(keep):
            reason = result[ERROR][i]
            if reason is not None:
                outcomes[ordinal] = (
                    REJECTED,
                    Reject(source, positions[ordinal], reason, result[ERROR_DETAIL][i],
                           dumps(rec)),
                    rec.get(opts.id_field),
                )
                continue
            row = dict(rec)
            for c in columns:
                row[c] = result[c][i]
            before = rec[opts.text_field]
            farm = row.get(FARM_SCORE, 0.0) >= opts.min_score
            outcomes[ordinal] = (
                MENDED,
                row,
                len(before.encode("utf-8", "surrogatepass")),
                before[:SAMPLE_CHARS] if opts.samples and row[CHANGED] else None,
                farm,
                opts.keep == "all" or farm == (opts.keep == "farm"),
                positions[ordinal],
            )
    return [outcomes[o] for o, _, _ in items]


class RejectsWriter:
    """A shard's rejects file, made (with its directories) only when a reject is written.

    Most shards have no rejects; opening the file up front would leave ``rejects/`` and
    its subdirectories behind empty.
    """

    def __init__(self, final: Path) -> None:
        self.final = final
        self._writer: JsonlWriter | None = None
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        if self._writer is None:
            self._writer = _open_jsonl(self.final)
        self._writer.write(record)
        self.count += 1

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.abort()


def _open_jsonl(path: Path, attempts: int = 3) -> JsonlWriter:
    # Another shard's commit may remove an empty directory (drop_stale_rejects) between
    # this mkdir and open; making it again is enough.
    for _ in range(attempts - 1):
        try:
            return JsonlWriter(path)
        except FileNotFoundError:
            pass
    return JsonlWriter(path)


def drop_stale_rejects(out: Path, shard: Shard) -> None:
    """Remove the rejects of an earlier run of a shard that now has none, and the
    directories under ``OUT/rejects`` that this leaves empty (``rejects`` itself too)."""
    path = rejects_path(out, shard)
    try:
        path.unlink()
    except FileNotFoundError:
        return  # nothing was there, so no directory was emptied
    top = out / "rejects"
    folder = path.parent
    while folder == top or top in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (other shards' rejects), or gone already
        folder = folder.parent


class ShardOutput:
    """One output shard being written: its writers, its counts, its commit and marker.

    Outcomes are written in the order given; the engine decides where the mending ran.
    """

    def __init__(self, shard: Shard, opts: RunOptions, out: Path | None) -> None:
        self.shard = shard
        self.opts = opts
        self.out = out
        self.stats = new_stats(shard)
        self.source = source_of(shard)
        self.started = time.perf_counter()
        # Taken before reading: a file that grows while it is read is redone next time.
        self.inputs = None if shard.is_stdin else input_fingerprint(shard)
        fmt, comp = opts.format_for(shard)
        if out is not None:
            # The files are about to change: no marker may vouch for them until the new one.
            marker_path(out, shard).unlink(missing_ok=True)
        if out is None:
            self.writer: Any = NullWriter()
            self.rejects: Any = NullWriter()
        elif fmt == "parquet":
            schema = None  # JSONL in: inferred, widened as records come
            if shard.format == "parquet":
                # The input's own types are what the user has, and its rows always fit
                # them: kept as given, never widened (see ParquetWriter).
                schema = need_extra("pyarrow.parquet", "parquet").read_schema(shard.paths[0])
            extra = {
                k: t
                for k, t in report_columns(opts.report, opts.extract).items()
                if k not in (ERROR, ERROR_DETAIL)
            }
            if opts.output_field:
                extra = {opts.output_field: str, **extra}
            if schema is not None and opts.id_field not in schema.names:
                extra = {opts.id_field: str, **extra}
            self.writer = ParquetWriter(output_path(out, shard, opts), schema, extra)
            self.rejects = RejectsWriter(rejects_path(out, shard))
        else:
            self.writer = JsonlWriter(output_path(out, shard, opts), comp)
            self.rejects = RejectsWriter(rejects_path(out, shard))

    def write(self, outcomes: list[tuple[Any, ...]]) -> None:
        """Count and write the outcomes of one batch (see :func:`mend_items`)."""
        s = self.stats
        s["in"] += len(outcomes)
        rows: list[dict[str, Any]] = []
        positions: list[int] = []
        for outcome in outcomes:
            if outcome[0] == REJECTED:
                self._write_rows(rows, positions)
                rows, positions = [], []
                self.reject(outcome[1], outcome[2])
                continue
            _, row, text_bytes, before, farm, kept, position = outcome
            self._count(row, text_bytes, before)
            s["farm"] += farm
            if kept:
                rows.append(row)
                positions.append(position)
            else:
                s["filtered"] += 1
        self._write_rows(rows, positions)

    def reject(self, reject: Reject, record_id: Any = None) -> None:
        row = reject.to_dict()
        if record_id is not None:
            row = {"id": record_id, **row}
        self.rejects.write(row)
        kind = "errored" if reject.reason in ERRORED_REASONS else "rejected"
        self.stats[kind] += 1
        by = self.stats["by_reason"]
        by[reject.reason] = by.get(reject.reason, 0) + 1

    def commit(self, input_bytes: int, *, marker: bool = True) -> dict[str, Any]:
        """Check that nothing was lost, rename the files into place, write the marker last."""
        s = self.stats
        if s["in"] != s["out"] + s["filtered"] + s["rejected"] + s["errored"]:
            raise RuntimeError(f"zhmend bug: records lost in shard {self.shard.name}: {s}")
        self.writer.commit()
        if self.rejects.count:
            self.rejects.commit()
        else:
            self.rejects.abort()
            if self.out is not None:
                drop_stale_rejects(self.out, self.shard)
        s["input_bytes"] = input_bytes or self.shard.size()
        s["seconds"] = round(time.perf_counter() - self.started, 3)
        if self.out is not None and marker and not self.shard.is_stdin:
            rejects = rejects_path(self.out, self.shard)
            write_json_atomic(
                marker_path(self.out, self.shard),
                {"digest": self.opts.digest(), "version": __version__, "stats": s,
                 "rejects_bytes": rejects.stat().st_size if self.rejects.count else 0,
                 "inputs": self.inputs},
            )
        return s

    def abort(self) -> None:
        self.writer.abort()
        self.rejects.abort()

    def _write_rows(self, rows: list[dict[str, Any]], positions: list[int]) -> None:
        if not rows:
            return
        misfits = self.writer.write_rows(rows)
        self.stats["out"] += len(rows) - len(misfits)
        if not misfits:
            return
        where = {id(row): position for row, position in zip(rows, positions, strict=True)}
        for row, why in misfits:
            self.reject(
                Reject(self.source, where[id(row)], SCHEMA_MISMATCH, why, dumps(row)),
                row.get(self.opts.id_field),
            )

    def _count(self, row: dict[str, Any], text_bytes: int, before: str | None) -> None:
        s = self.stats
        s["text_bytes"] += text_bytes
        if SCRIPT in row:
            for name in FIXERS:
                s["by_fixer"][name] += row[fixer_column(name)]
            script = row[SCRIPT]
            s["by_script"][script] = s["by_script"].get(script, 0) + 1
            if row[CONVERTED]:
                s["converted"] += 1
        if row[CHANGED]:
            s["changed"] += 1
            if before is not None and len(s["samples"]) < self.opts.samples:
                after = row[self.opts.output_field or self.opts.text_field]
                s["samples"].append({
                    "id": row.get(self.opts.id_field),
                    "before": before,
                    "after": after[:SAMPLE_CHARS],
                })


def run_shard(
    shard: Shard,
    opts: RunOptions,
    out: Path | None,
    state: Path,
    *,
    poison: frozenset[int] = frozenset(),
    suspect: tuple[int, int] | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Mend ``shard`` into ``out`` (``None``: dry run) and return its counts.

    ``poison`` holds ordinals of records whose mending killed a worker: they go to rejects
    as WORKER_DIED. Records in ``suspect`` (first, last ordinal) are mended one at a time,
    each announced in the inflight file first, so a death there names its record.
    ``limit`` stops after that many records (no marker is written then).
    """
    output = ShardOutput(shard, opts, out)
    reader = ShardReader(shard, opts.text_field, opts.id_field)
    job = _Job(output, state, poison, suspect, reader, progress)
    job.announce(-1, -1)  # started, nothing mended yet
    try:
        for items in read_batches(reader, opts, limit):
            job.flush(items)
        stats = output.commit(reader.bytes_read(), marker=limit is None)
    except BaseException:
        output.abort()
        raise
    inflight_path(state, shard).unlink(missing_ok=True)
    return stats


class _Job:
    """The local engine's loop over one shard: announcements in the inflight file, suspects
    mended one at a time, progress."""

    def __init__(self, output, state, poison, suspect, reader, progress) -> None:
        self.output = output
        self.shard = output.shard
        self.state = state
        self.poison = poison
        self.suspect = suspect
        self.reader = reader
        self.progress = progress

    def announce(self, first: int, last: int, pending: int = 0) -> None:
        """Name the records being mended (``pending`` of them, counted in ``in``)."""
        s = self.output.stats
        write_json_atomic(
            inflight_path(self.state, self.shard),
            {
                "first": first,
                "last": last,
                "in": s["in"] + pending,
                "bytes": self.reader.bytes_read(),
                "rejected": s["rejected"] + s["errored"],
            },
        )

    def flush(self, items: list[Item]) -> None:
        if not items:
            return
        lo, hi = self.suspect if self.suspect else (-1, -2)
        if any(lo <= o <= hi for o, _, _ in items):
            # Suspect range: one record per batch, each announced, so a death names it.
            for one in items:
                self._flush([one], one[0], one[0])
        else:
            self._flush(items, items[0][0], items[-1][0])
        if self.progress is not None:
            s = self.output.stats
            self.progress(
                self.shard.name,
                {"in": s["in"], "bytes": self.reader.bytes_read(),
                 "rejected": s["rejected"] + s["errored"]},
            )

    def _flush(self, items: list[Item], first: int, last: int) -> None:
        self.announce(first, last, len(items))
        self.output.write(mend_items(items, self.output.opts, self.shard, self.poison))


def merge_stats(all_stats: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over shards (in shard order, so samples are deterministic)."""
    keys = ("in", "out", "filtered", "rejected", "errored", "farm", "changed", "converted",
            "text_bytes", "input_bytes")
    total: dict[str, Any] = {k: 0 for k in keys}
    reasons: Counter[str] = Counter()
    fixers: Counter[str] = Counter(dict.fromkeys(FIXERS, 0))
    scripts: Counter[str] = Counter()
    samples: list[dict[str, Any]] = []
    for s in all_stats:
        for k in total:
            total[k] += s[k]
        reasons.update(s["by_reason"])
        fixers.update(s["by_fixer"])
        scripts.update(s["by_script"])
        samples.extend(s["samples"])
    total["by_reason"] = dict(sorted(reasons.items()))
    total["by_fixer"] = {name: fixers[name] for name in FIXERS}
    total["by_script"] = dict(sorted(scripts.items()))
    total["samples"] = samples
    return total
