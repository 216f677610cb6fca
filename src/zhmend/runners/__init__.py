"""Engines that mend a corpus shard by shard: ``local`` (process pool) and ``ray``.

Both call :func:`zhmend.runners.shard.run_shard`, which calls :func:`zhmend.mend_batch`;
neither knows any fixer.
"""

from __future__ import annotations

from .shard import RunOptions, merge_stats, run_shard

ENGINES = ("local", "ray")

__all__ = ["ENGINES", "RunOptions", "merge_stats", "run_shard"]
