"""Engines that mend a corpus shard by shard: ``local`` (process pool) and ``ray``.

Both mend through :func:`zhmend.runners.shard.mend_items`, which calls
:func:`zhmend.mend_batch`, and write through :class:`zhmend.runners.shard.ShardOutput` (the
local engine inside :func:`~zhmend.runners.shard.run_shard`, Ray in ``map_batches`` and its
driver); neither knows any fixer.
"""

from __future__ import annotations

from .shard import RunOptions, merge_stats, run_shard

ENGINES = ("local", "ray")

__all__ = ["ENGINES", "RunOptions", "merge_stats", "run_shard"]
