"""``zhmend run``: mend a corpus of JSONL, Parquet or text files, in parallel and resumably.

Adding a feature to the run is a small edit: an option in :func:`add_feature_options` and,
when it works on the finished output, a function in :data:`POST_STEPS`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..dedup import DedupConfig
from ..detect import FARM_THRESHOLD
from ..errors import ConfigError, InputError, ZhmendError
from ..io.records import COMPRESSIONS, FORMATS, Shard, discover
from ..io.writers import utf8
from ..runners import ENGINES
from ..runners.shard import (
    STATE,
    RunOptions,
    inflight_path,
    marker_on_disk,
    marker_path,
    merge_stats,
    read_json,
    read_marker,
    run_shard,
    write_json_atomic,
)
from .dedup import SUMMARY as DEDUP_SUMMARY
from .dedup import add_run_options as add_dedup_options
from .dedup import dedup_step, dedup_threshold
from .options import add_mend_options, config_from_args
from .report import add_run_options as add_report_options
from .report import prepare_run as prepare_report
from .report import report_step
from .run_output import (
    DEDUP_STATE,
    RunRefused,
    check_inputs_vs_output,
    check_output_dir,
    clean_own_tmp,
    dedup_rejects,
    leave_out,
    run_files,
    take_lock,
)
from .run_progress import RunProgress

#: Steps run after every shard is done: ``(args, out_dir, summary) -> None``; each may add
#: keys to ``summary``. A step is skipped on --dry-run (nothing is written then).
#: The report reads what the other steps wrote: keep it last.
POST_STEPS: list[Callable[[argparse.Namespace, Path, dict[str, Any]], None]] = [
    dedup_step,
    report_step,
]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="mend a corpus (JSONL, Parquet, .txt directories) in parallel, resumably",
        description="Mend every record of the INPUTs (files, directories, or - for JSONL on "
        "stdin) into OUT/, one output shard per input shard. Records that cannot be mended "
        "go to OUT/rejects/ with a reason; rerunning the same command resumes a killed run.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="output directory (required unless --dry-run)")
    p.add_argument("--format", choices=FORMATS, help="input format (default: from the file names)")
    p.add_argument("--output-format", choices=("jsonl", "parquet"),
                   help="default: like the input (jsonl for .txt and stdin)")
    p.add_argument("--compression", choices=COMPRESSIONS,
                   help="of JSONL output (default: like the input)")
    p.add_argument("--text-field", default="text", help="field holding the text (default text)")
    p.add_argument("--id-field", default="id",
                   help="field holding the record id; generated as SHARD:LINE when absent")
    p.add_argument("--output-field",
                   help="write the mended text here and keep the text field as it is")
    p.add_argument("--max-chars", type=_positive, default=1_000_000,
                   help="reject longer texts (default 1000000)")
    p.add_argument("-j", "--jobs", type=_positive, default=os.cpu_count() or 1,
                   help="worker processes (default: CPU count)")
    p.add_argument("--engine", choices=ENGINES, default="local",
                   help="local process pool (default) or Ray (pip install 'zhmend[ray]')")
    p.add_argument("--ray-address", help="Ray cluster to join (e.g. auto); default: a local Ray")
    p.add_argument("--limit", type=_positive, help="mend only the first N records (in one process)")
    p.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    p.add_argument("--sample", type=_nonnegative, default=0, metavar="K",
                   help="put K before/after examples of changed records in the summary")
    p.add_argument("--overwrite", action="store_true",
                   help="redo every shard, even when OUT holds a run with other options")
    p.add_argument("--progress", choices=("auto", "bar", "log", "none"), default="auto",
                   help="auto: a live bar on a terminal, a line every 10 s otherwise")
    p.add_argument("--keep", choices=("all", "farm", "clean"), default="all",
                   help="write all records (default), only content-farm pages (farm score >= "
                   "--min-score) or only the others")
    p.add_argument("--no-report-columns", dest="report_columns", action="store_false",
                   help="write only the mended text and zhmend_changed: no explanation or "
                   "evidence is built, about 3x less CPU on farm pages")
    p.add_argument("--min-score", type=float, default=FARM_THRESHOLD, metavar="S",
                   help="farm score from which a page counts as a farm page "
                   f"(default {FARM_THRESHOLD})")
    add_mend_options(p)
    add_feature_options(p)
    p.set_defaults(handler=run)


def add_feature_options(p: argparse.ArgumentParser) -> None:
    """Options of features layered on the run (news extraction, dedup, reports)."""
    p.add_argument(
        "--extract",
        action="store_true",
        help="add the news structure of each mended text (zhmend extract) as zhmend_news_* "
        "columns",
    )
    add_dedup_options(p)
    add_report_options(p)


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects a whole number, not {value!r}") from None


def _positive(value: str) -> int:
    n = _whole(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _nonnegative(value: str) -> int:
    n = _whole(value)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {n}")
    return n


def options_from_args(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        config=config_from_args(args),
        text_field=args.text_field,
        id_field=args.id_field,
        output_field=args.output_field,
        max_chars=args.max_chars,
        output_format=args.output_format,
        compression=args.compression,
        keep=args.keep,
        min_score=args.min_score,
        report=args.report_columns,
        extract=args.extract,
        samples=args.sample,
    )


#: Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


def _fail(message: str) -> int:
    print(f"zhmend: {message}", file=sys.stderr)
    return 2


def _wanted_dedup(args: argparse.Namespace) -> dict[str, Any] | None:
    if not getattr(args, "dedup", False):
        return None
    return {"threshold": dedup_threshold(args),
            "representatives_only": bool(args.dedup_representatives_only)}


def run(args: argparse.Namespace) -> int:
    held: list[IO[str]] = []  # the lock on OUT, released when the run ends however it ends
    try:
        return _run(args, held)
    except KeyboardInterrupt:
        print("zhmend: interrupted; run the same command again to resume", file=sys.stderr)
        return INTERRUPTED
    finally:
        for handle in held:
            handle.close()


def _run(args: argparse.Namespace, held: list[IO[str]]) -> int:
    prepare_report(args)
    try:
        opts = options_from_args(args)
        skipped: list[str] = []
        shards = discover(args.inputs, args.format, skipped=skipped)
    except (ConfigError, InputError) as exc:
        return _fail(str(exc))
    if args.output is None and not args.dry_run:
        return _fail("run needs -o OUT (or --dry-run)")
    stdin_format = next((s.format for s in shards if s.is_stdin), "jsonl")
    if stdin_format != "jsonl":
        return _fail(f"stdin (-) is read as JSON lines; --format {stdin_format} needs files or "
                     "directories")
    # These work on the finished OUT; a dry run has none, so they would silently do nothing.
    writes_out = [f"--{name}" for name in ("dedup", "report") if getattr(args, name, False)]
    if args.dry_run and writes_out:
        return _fail(f"{' and '.join(writes_out)} work on OUT; leave out --dry-run and give -o OUT")
    if not getattr(args, "dedup", False):
        # A dedup option without --dedup would do nothing, and the run would say nothing.
        given = [flag for flag, value in (
            ("--dedup-threshold", getattr(args, "dedup_threshold", None) is not None),
            ("--dedup-representatives-only", getattr(args, "dedup_representatives_only", False)),
        ) if value]
        if given:
            verb, them = ("needs", "it") if len(given) == 1 else ("need", "them")
            return _fail(f"{' and '.join(given)} {verb} --dedup: add --dedup or leave {them} out")
    else:
        try:
            # Checked now, not after the whole corpus is mended.
            DedupConfig(threshold=dedup_threshold(args))
        except ConfigError as exc:
            return _fail(f"--dedup-threshold: {exc}")
    if args.engine == "ray" and args.limit:
        return _fail("--limit runs in one process; leave out --engine ray")
    out = None if args.dry_run else Path(args.output)
    if out is not None:
        if out.exists() and not out.is_dir():
            return _fail(f"output {out} is a file, not a directory; choose another -o")
        problem, holders = check_inputs_vs_output(args.inputs, out)
        if problem:
            return _fail(problem)
        if holders:
            print(f"zhmend: {out} is inside the input {', '.join(holders)}; "
                  "its files are left out of the input", file=sys.stderr)
            shards = leave_out(shards, out)
            if not shards:
                return _fail(f"no input left once {out} is left out of {', '.join(holders)}")
    if out is not None and skipped:
        inside = out.resolve()
        skipped = [p for p in skipped if not Path(p).resolve().is_relative_to(inside)]
    if skipped:
        more = ", …" if len(skipped) > 3 else ""
        if args.format:
            why, hint = f"that are not {args.format}", "run them with their own --format"
        else:
            why, hint = "of no kind run reads", "name them with --format to read them"
        print(f"zhmend: left out {len(skipped)} file(s) {why} "
              f"({', '.join(skipped[:3])}{more}); {hint}", file=sys.stderr)
    if out is not None:
        try:
            lock = take_lock(out)
        except RunRefused as exc:
            return _fail(str(exc))
        except OSError as exc:
            return _fail(f"cannot write to {out}: {exc.strerror or exc}")
        if lock is not None:
            held.append(lock)
        if args.limit:
            finished = [s.name for s in shards if marker_path(out, s).exists()]
            if finished:
                return _fail(
                    f"{out} holds finished shards ({', '.join(finished[:3])}"
                    f"{', ...' if len(finished) > 3 else ''}); --limit is a preview and never "
                    "writes over a finished run: give it another -o, or use --dry-run"
                )
        try:
            problem = check_output_dir(out, opts, args.overwrite, write=args.limit is None)
        except OSError as exc:
            return _fail(f"cannot write to {out}: {exc.strerror or exc}")
        if problem:
            return _fail(problem)
    state_holder = tempfile.TemporaryDirectory(prefix="zhmend-run-") if out is None else None
    state = out / STATE if out is not None else Path(state_holder.name)  # type: ignore[union-attr]
    own_files = run_files(out, state, shards) if out is not None else []
    clean_own_tmp(own_files)

    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    todo: list[Shard] = []
    digest = opts.digest()
    for shard in shards:
        marker = read_marker(out, shard) if out is not None and not args.limit else None
        if marker is not None and not shard.is_stdin:
            if marker.get("digest") != digest and not args.overwrite:
                return _fail(
                    f"shard {shard.name} in {out} was made with other options; "
                    "pass --overwrite to redo it"
                )
            if marker.get("digest") == digest and marker_on_disk(out, shard, opts, marker):
                results[shard.name] = marker["stats"]
                continue
        todo.append(shard)

    dedup_wanted = _wanted_dedup(args)
    dedup_before = read_json(state / DEDUP_STATE) if out is not None and not args.limit else None
    dedup_settled = False
    if dedup_before is not None:
        before = dedup_before.get("options")
        reduced = bool(before and before.get("representatives_only"))
        dedup_settled = bool(
            dedup_before.get("finished") and before == dedup_wanted
            and dedup_before.get("digest") == digest
        )
        # Shards the dedup step reduced (or marked, when this run has no dedup) are not the
        # mended shards their markers describe: redo them all so the result is a clean run's.
        if (reduced and not (dedup_settled and not todo)) or (dedup_wanted is None and before):
            todo, results = list(shards), {}

    progress = RunProgress(sum(s.size() for s in todo), len(todo), args.progress)

    def done(shard: Shard, stats: dict[str, Any]) -> None:
        results[shard.name] = stats
        progress.shard_done(shard.name, stats)

    def failed(shard: Shard, why: str) -> None:
        failures[shard.name] = why
        progress.shard_done(shard.name, None)

    started = time.perf_counter()
    try:
        if args.limit:
            left = args.limit
            for shard in todo:
                if left <= 0:
                    break
                stats = run_shard(shard, opts, out, state, limit=left, progress=progress.update)
                done(shard, stats)
                left -= stats["in"]
        else:
            # Only this process can read its stdin; files go to the engine.
            for shard in [s for s in todo if s.is_stdin]:
                done(shard, run_shard(shard, opts, out, state, progress=progress.update))
            files = [s for s in todo if not s.is_stdin]
            _run_engine(args, files, opts, out, state, done, failed, progress)
    except ZhmendError as exc:
        progress.close()
        return _fail(str(exc))
    except OSError as exc:
        progress.close()
        print(f"zhmend: {exc}; run the same command again to resume", file=sys.stderr)
        return 1
    finally:
        progress.close()
        # Workers killed or stopped during the run left their temporary files and inflight
        # notes; they are the run's own, and nothing reads them any more.
        clean_own_tmp(own_files)
        for shard in todo:
            inflight_path(state, shard).unlink(missing_ok=True)
        if state_holder is not None:
            state_holder.cleanup()
    elapsed = time.perf_counter() - started

    ordered = [results[s.name] for s in shards if s.name in results]
    summary = merge_stats(ordered)
    summary["samples"] = summary["samples"][: args.sample]
    summary["min_score"] = args.min_score
    fresh = [results[s.name] for s in todo if s.name in results]
    summary["shards"] = {"total": len(shards), "mended_now": len(fresh),
                         "already_done": len(shards) - len(todo), "failed": failures}
    mended_now = sum(s["in"] for s in fresh)
    mb_now = sum(s["text_bytes"] for s in fresh) / 1e6
    summary["throughput"] = {
        "seconds": round(elapsed, 3),
        "docs_per_second": round(mended_now / elapsed, 1) if elapsed else None,
        "text_mb_per_second": round(mb_now / elapsed, 3) if elapsed else None,
        "jobs": args.jobs,
        "engine": args.engine,
    }
    if out is not None:
        for step in POST_STEPS:
            if step is dedup_step and not args.limit:
                _dedup_once(args, out, state, summary, digest, dedup_before,
                            dedup_settled and not todo)
            else:
                step(args, out, summary)
        if dedup_wanted is None and dedup_before is not None and not failures and not args.limit:
            # Every shard is plain mended again: what the dedup step wrote is stale.
            for shard in shards:
                dedup_rejects(out, shard).unlink(missing_ok=True)
            (out / DEDUP_SUMMARY).unlink(missing_ok=True)
            (state / DEDUP_STATE).unlink(missing_ok=True)
        (out / "summary.json").write_bytes(
            utf8(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        )
    _print_summary(summary, sys.stderr)
    already = len(shards) - len(todo)
    if args.sample and already and len(summary["samples"]) < args.sample:
        # Samples live in the shards' markers: a shard done by a run without --sample has
        # none to give, and is not redone for them.
        print(
            f"zhmend: {len(summary['samples'])} of {args.sample} samples: {already} shard(s) "
            "were mended by an earlier run and give only the samples it kept; pass "
            "--overwrite to mend them again",
            file=sys.stderr,
        )
    if args.dry_run:
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    bad = summary["rejected"] + summary["errored"]
    if failures or bad:
        print(
            f"zhmend: {summary['rejected']} rejected, {summary['errored']} errored, "
            f"{len(failures)} shard(s) failed"
            + (f"; see {out / 'rejects'}" if out is not None and bad else ""),
            file=sys.stderr,
        )
        for name, why in sorted(failures.items()):
            print(f"zhmend: shard {name} failed: {why}; rerun to retry it", file=sys.stderr)
        return 1
    return 0


def _dedup_once(args, out, state, summary, digest, before, settled: bool) -> None:
    """The dedup step, unless OUT's shards already are its result for these options.

    A reduced OUT (--dedup-representatives-only) clustered again would lose more records, so
    a rerun with nothing to mend reuses the finished step; a step cut short is noted as
    unfinished, and the next run redoes the shards it may have reduced.
    """
    wanted = _wanted_dedup(args)
    if wanted is None:
        return
    if settled and before is not None:
        summary["dedup"] = before.get("summary")
        return
    note = {"options": wanted, "digest": digest, "finished": False}
    write_json_atomic(state / DEDUP_STATE, note)
    dedup_step(args, out, summary)
    write_json_atomic(state / DEDUP_STATE, note | {"finished": True, "summary": summary["dedup"]})


def _run_engine(args, shards, opts, out, state, done, failed, progress) -> None:
    if args.engine == "ray":
        from ..runners.ray import run_ray

        run_ray(shards, opts, out, state, args.jobs, address=args.ray_address,
                on_done=done, on_failed=failed, on_progress=progress.update)
    else:
        from ..runners.local import run_local

        run_local(shards, opts, out, state, args.jobs,
                  on_done=done, on_failed=failed, on_progress=progress.update)


def _print_summary(summary: dict[str, Any], stream) -> None:
    rows = [
        ("records in", summary["in"]),
        ("mended out", summary["out"]),
        ("  of which changed", summary["changed"]),
        (f"farm pages (score >= {summary['min_score']})", summary["farm"]),
        ("filtered by --keep", summary["filtered"]),
        ("  converted script", summary["converted"]),
        ("rejected", summary["rejected"]),
        ("errored", summary["errored"]),
    ]
    rows += [(f"  {reason}", n) for reason, n in summary["by_reason"].items()]
    rows += [(f"edits {name}", n) for name, n in summary["by_fixer"].items()]
    rows += [(f"script {name}", n) for name, n in summary["by_script"].items()]
    t = summary["throughput"]
    rows.append(("docs/s", t["docs_per_second"]))
    rows.append(("text MB/s", t["text_mb_per_second"]))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}", file=stream)
