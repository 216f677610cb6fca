"""The local engine: shards over a process pool (or in this process for one job).

A worker that dies (killed, out of memory, a crash in native code) breaks the pool. Every
shard that was running is then rerun alone in a fresh process, mending the batch it had
announced one record at a time; a record that kills its process again, alone, is the culprit
and goes to rejects as ``worker_died``. Its neighbours are mended as usual.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io.records import Shard
from .shard import Progress, RunOptions, inflight_path, read_inflight, run_shard

#: A shard whose worker died this many times is given up (reported, no marker written).
MAX_DEATHS = 12
POLL_SECONDS = 0.5
#: How often a worker checks that the run that started it is still there.
PARENT_CHECK_SECONDS = 1.0

Done = Callable[[Shard, dict[str, Any]], None]
Failed = Callable[[Shard, str], None]


@dataclass
class _Attempt:
    shard: Shard
    poison: set[int] = field(default_factory=set)
    suspect: tuple[int, int] | None = None
    deaths: int = 0


def run_local(
    shards: list[Shard],
    opts: RunOptions,
    out: Path | None,
    state: Path,
    jobs: int,
    *,
    on_done: Done,
    on_failed: Failed,
    on_progress: Progress | None = None,
) -> None:
    """Mend ``shards``; report each through ``on_done`` or ``on_failed``."""
    if jobs <= 1:
        for shard in shards:
            try:
                on_done(shard, run_shard(shard, opts, out, state, progress=on_progress))
            except (OSError, ValueError, RuntimeError) as exc:
                on_failed(shard, f"{type(exc).__name__}: {exc}")
        return
    normal = [_Attempt(s) for s in shards]
    alone: list[_Attempt] = []
    while normal or alone:
        if normal:
            batch, normal, width = normal, [], jobs
        else:
            batch, width = [alone.pop(0)], 1
        for attempt in _pool_round(batch, width, opts, out, state, on_done, on_failed, on_progress):
            attempt.deaths += 1
            if attempt.deaths >= MAX_DEATHS:
                on_failed(attempt.shard, f"its worker process died {attempt.deaths} times")
                continue
            info = read_inflight(state, attempt.shard)
            if info is None:
                normal.append(attempt)  # never started: its pool broke under another shard
                continue
            first, last = info["first"], info["last"]
            isolated_single = width == 1 and first == last >= 0
            suspect = attempt.suspect
            if isolated_single and suspect and suspect[0] <= first <= suspect[1]:
                # Alone in its process, announced alone: this record kills the worker.
                attempt.poison.add(first)
                attempt.suspect = (first + 1, suspect[1])
            elif first >= 0:
                attempt.suspect = (first, last)
            alone.append(attempt)


def _pool_round(
    attempts: list[_Attempt],
    width: int,
    opts: RunOptions,
    out: Path | None,
    state: Path,
    on_done: Done,
    on_failed: Failed,
    on_progress: Progress | None,
) -> list[_Attempt]:
    """Run ``attempts`` on a fresh pool; return those cut short by a dead worker."""
    broken: list[_Attempt] = []
    # forkserver: workers fork from a clean process, not from one running a display thread.
    ctx = multiprocessing.get_context("forkserver")
    pool = ProcessPoolExecutor(
        max_workers=width, mp_context=ctx, initializer=_watch_parent,
        initargs=(os.getpid(), _process_token(os.getpid())),
    )
    try:
        _pool_loop(pool, attempts, opts, out, state, on_done, on_failed, on_progress, broken)
    except BaseException:
        # Ctrl-C or an error of this process: queued shards must not run on, and running
        # ones stop now; their files stay temporary (the rerun removes them) and the rerun
        # redoes them.
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return broken


def _pool_loop(pool, attempts, opts, out, state, on_done, on_failed, on_progress, broken):
    """Submit ``attempts`` and report each as it ends; a dead worker's go to ``broken``."""
    futures = {}
    for a in attempts:
        inflight_path(state, a.shard).unlink(missing_ok=True)
        futures[
            pool.submit(
                run_shard, a.shard, opts, out, state,
                poison=frozenset(a.poison), suspect=a.suspect,
            )
        ] = a
    left = set(futures)
    while left:
        done, left = wait(left, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
        for fut in done:
            a = futures[fut]
            try:
                on_done(a.shard, fut.result())
            except BrokenProcessPool:
                broken.append(a)
            except (OSError, ValueError, RuntimeError) as exc:
                on_failed(a.shard, f"{type(exc).__name__}: {exc}")
        if on_progress is not None:
            for fut in left:
                shard = futures[fut].shard
                info = read_inflight(state, shard)
                if info is not None:
                    on_progress(shard.name, info)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel queued shards and end the workers now, not after the shards they hold."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        p.terminate()
    for p in processes:
        p.join(timeout=5)


def _process_token(pid: int) -> str | None:
    """What tells process ``pid`` from a later one with the same pid (its start time on
    Linux); None when it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    except OSError:  # no /proc: all we can tell is whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except OSError:
            pass
        return ""
    return None if fields[0] in ("Z", "X") else fields[19]


def _watch_parent(run_pid: int, token: str | None) -> None:
    """Pool worker initializer: exit when the run that started this worker is gone.

    The worker's parent is the forkserver, which outlives the run (the workers hold its
    pipe open), and the call queue never reaches end of file either: so the worker looks
    at the run's process itself, by pid and start time, every ``PARENT_CHECK_SECONDS``.
    """

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            if _process_token(run_pid) != token:
                os._exit(1)  # nobody will read this work; its temporary files are removed

    threading.Thread(target=watch, name="zhmend-run-watch", daemon=True).start()
