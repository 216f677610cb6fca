"""Progress of ``zhmend run``: a live bar on a terminal, a quiet line now and then in logs."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

#: Seconds between progress lines when stderr is not a terminal.
LOG_EVERY = 10.0


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def percent(done_bytes: int, total_bytes: int, done_shards: int, shards: int) -> float | None:
    """How far the run is, 0..100; None while the size is unknown (stdin, empty inputs).

    Every shard done is 100 whatever the bytes say: stdin has no size up front, and a
    compressed shard's bytes read need not add up to its size on disk.
    """
    if shards and done_shards >= shards:
        return 100.0
    if not total_bytes:
        return None
    return min(100.0, 100.0 * done_bytes / total_bytes)


class RunProgress:
    """Totals over shards from absolute per-shard figures (``in``, ``bytes``, ``rejected``)."""

    def __init__(
        self, total_bytes: int, shards: int, mode: str = "auto", stream: TextIO | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "log"
        self.mode = mode
        self.total_bytes = total_bytes
        self.shards = shards
        self.done_shards = 0
        self.running: dict[str, dict[str, int]] = {}
        self.finished = {"in": 0, "bytes": 0, "rejected": 0}
        self.start = time.perf_counter()
        self.last_log = self.start
        self._bar: Any = None
        self._task: Any = None
        if self.mode == "bar":
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("[bold]mending"),
                BarColumn(),
                TextColumn("{task.fields[percent]}"),
                TextColumn("{task.fields[line]}"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._task = self._bar.add_task(
                "run", total=total_bytes or None, line="", percent=self._percent_text(0)
            )
            self._bar.start()

    def totals(self) -> dict[str, int]:
        t = dict(self.finished)
        for info in self.running.values():
            for k in t:
                t[k] += int(info.get(k, 0))
        return t

    def update(self, shard: str, info: dict[str, Any]) -> None:
        self.running[shard] = {k: int(info.get(k, 0)) for k in ("in", "bytes", "rejected")}
        self._show()

    def shard_done(self, shard: str, stats: dict[str, Any] | None) -> None:
        self.running.pop(shard, None)
        self.done_shards += 1
        if stats is not None:
            self.finished["in"] += stats["in"]
            self.finished["bytes"] += stats["input_bytes"]
            self.finished["rejected"] += stats["rejected"] + stats["errored"]
        self._show()

    def line(self) -> str:
        t = self.totals()
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        mb = t["bytes"] / 1e6
        text = (
            f"{self.done_shards}/{self.shards} shards, {t['in']} docs ({t['in'] / elapsed:.0f}/s), "
            f"{mb:.1f} MB ({mb / elapsed:.2f} MB/s), {t['rejected']} rejects"
        )
        if self.total_bytes and t["bytes"]:
            left = elapsed * (self.total_bytes - t["bytes"]) / t["bytes"]
            text += f", ETA {_duration(max(left, 0))}"
        return text

    def _show(self) -> None:
        if self.mode == "bar":
            t = self.totals()
            size: dict[str, Any] = {"completed": t["bytes"]}
            if self.done_shards >= self.shards:
                # A full bar at the end, also for stdin (no size up front) and when the
                # bytes read differ from the sizes on disk.
                end = self.total_bytes or max(t["bytes"], 1)
                size = {"total": end, "completed": end}
            self._bar.update(
                self._task,
                **size,
                percent=self._percent_text(t["bytes"]),
                line=self.line().split(", ETA")[0],
            )
        elif self.mode == "log":
            now = time.perf_counter()
            if now - self.last_log >= LOG_EVERY:
                self.last_log = now
                print(f"zhmend: {self.line()}", file=self.stream, flush=True)

    def _percent_text(self, done_bytes: int) -> str:
        value = percent(done_bytes, self.total_bytes, self.done_shards, self.shards)
        return "" if value is None else f"{value:>5.1f}%"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
