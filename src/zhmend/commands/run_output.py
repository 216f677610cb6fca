"""The output directory of ``zhmend run``: what a run may write there, the files it
leaves, and one run at a time."""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; two runs into one OUT are not detected
    fcntl = None  # type: ignore[assignment]

from ..errors import ZhmendError
from ..io.records import COMPRESSIONS, TXT_FILES_PER_SHARD, Shard
from ..io.writers import TMP_TAG, output_name
from ..runners.shard import (
    STATE,
    RunOptions,
    inflight_path,
    marker_path,
    read_json,
    rejects_path,
    write_json_atomic,
)
from .dedup import SUMMARY as DEDUP_SUMMARY

#: Held (flock) by the run writing OUT; the kernel drops it when that process dies.
LOCK = "lock"
#: What the dedup step last did to OUT's shards: its options, whether it finished, summary.
DEDUP_STATE = "dedup.json"


class RunRefused(ZhmendError):
    """OUT cannot take this run (another run holds it, it is not a directory, ...)."""




def _inside(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def check_inputs_vs_output(inputs: list[str], out: Path) -> tuple[str | None, list[str]]:
    """(why OUT cannot be written, input directories that hold OUT).

    OUT that is an input, or holds one, would be overwritten by the run or read back by the
    rerun; OUT inside an input directory is fine once it is left out of that input.
    """
    where = out.resolve()
    holders = []
    for item in inputs:
        if item == "-":
            continue
        path = Path(item).resolve()
        if path == where:
            return f"output directory {out} is the input {item}; choose another -o", []
        if where in path.parents:
            return f"output directory {out} holds the input {item}; choose another -o", []
        if path.is_dir() and path in where.parents:
            holders.append(item)
    return None, holders


def leave_out(shards: list[Shard], out: Path) -> list[Shard]:
    """``shards`` without the files under ``out``; .txt groups are regrouped as if those
    files had never been there, so shard names and positions do not move between runs."""
    where = out.resolve()

    def outside(path: str) -> bool:
        return not _inside(Path(path).resolve(), where)

    def txt_group(shard: Shard) -> bool:  # a group of a directory's .txt files
        return shard.format == "txt" and shard.name.startswith(_group_stem(shard))

    touched = {s.root for s in shards
               if txt_group(s) and not all(map(outside, s.paths))}
    regrouped: set[str] = set()
    kept: list[Shard] = []
    for shard in shards:
        if txt_group(shard) and shard.root in touched:
            if shard.root in regrouped:
                continue
            regrouped.add(shard.root)  # the root's first group: all its groups go here
            paths = [p for s in shards if txt_group(s) and s.root == shard.root
                     for p in s.paths if outside(p)]
            kept += [
                dataclasses.replace(
                    shard,
                    name=f"{_group_stem(shard)}{i // TXT_FILES_PER_SHARD:05d}",
                    paths=tuple(paths[i : i + TXT_FILES_PER_SHARD]),
                )
                for i in range(0, len(paths), TXT_FILES_PER_SHARD)
            ]
        elif shard.is_stdin or all(map(outside, shard.paths)):
            kept.append(shard)
    return kept


def _group_stem(shard: Shard) -> str:
    """How zhmend.io.records.discover names the .txt groups of a directory (NAME.txt-00000)."""
    return f"{Path(shard.root).name or 'txt'}.txt-"


def take_lock(out: Path) -> IO[str] | None:
    """Hold OUT for this run; refuse while another live run holds it.

    An advisory lock (flock) rather than a pid file: it dies with its process, so a killed
    run never leaves a lock that blocks the rerun. The pid in the file is for the message.
    """
    state = out / STATE
    state.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        return None
    handle = open(state / LOCK, "a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise RunRefused(
            f"{out} is being written by another zhmend run (pid {holder}); wait for it to "
            "end or choose another -o"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def run_files(out: Path, state: Path, shards: list[Shard]) -> list[Path]:
    """Every file a run into ``out`` writes (under any output format), for tmp cleanup."""
    files = [state / "run.json", state / DEDUP_STATE, out / "summary.json", out / DEDUP_SUMMARY]
    for shard in shards:
        files += [out / output_name(shard.name, "jsonl", c) for c in COMPRESSIONS]
        files.append(out / output_name(shard.name, "parquet"))
        files += [rejects_path(out, shard), dedup_rejects(out, shard)]
        files += [marker_path(out, shard), inflight_path(state, shard)]
    return files


def dedup_rejects(out: Path, shard: Shard) -> Path:
    """Lines of a mended shard the dedup step could not read back (see dedup_step)."""
    rejects = rejects_path(out, shard)
    return rejects.with_name(rejects.name.removesuffix(".jsonl") + ".dedup.jsonl")


def clean_own_tmp(files: list[Path]) -> int:
    """Remove ``<file>.tmp-<pid>`` leftovers of ``files``: writers of killed processes.

    Only that exact pattern next to a file the run writes: a user's ``draft.tmp-v2.txt``
    anywhere in OUT is not the run's and stays.
    """
    n = 0
    for final in files:
        if not final.parent.is_dir():
            continue
        for p in final.parent.glob(glob.escape(final.name + TMP_TAG) + "*"):
            if p.name[len(final.name) + len(TMP_TAG):].isdigit() and p.is_file():
                p.unlink(missing_ok=True)
                n += 1
    return n


def check_output_dir(out: Path, opts: RunOptions, overwrite: bool, write: bool) -> str | None:
    """Refuse to mix shards made with other options; None when ``out`` is fit for this run."""
    manifest = out / STATE / "run.json"
    digest = opts.digest()
    if manifest.exists():
        old = read_json(manifest) or {}
        if old.get("digest") != digest and not overwrite:
            return (
                f"{out} holds shards made with other options (digest {old.get('digest')}, "
                f"this run {digest}); pass --overwrite to redo them, or choose another -o"
            )
    if overwrite:
        shutil.rmtree(out / STATE / "done", ignore_errors=True)
    if write:
        out.mkdir(parents=True, exist_ok=True)
        options = opts.config.to_dict() | {
            k: v for k, v in vars(opts).items() if k not in ("config", "samples")
        }
        # Atomic: a run killed while writing it must not block the rerun.
        write_json_atomic(manifest, {"digest": digest, "options": options})
    return None
