"""What a report shows, gathered from a finished run directory in one streaming pass.

Sources, all written by ``zhmend run``: ``summary.json`` (totals, rejects by reason, edits per
fixer, script decisions, throughput, before/after samples), ``.zhmend/run.json`` (the mend
options, to explain the samples again) and the output shards (their report columns give the
per-document view: findings, farm score, edits; ``cluster_size`` when dedup ran).
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..batch import EDITS, EVIDENCE, FARM_SCORE, SCRIPT, fixer_column
from ..config import MendConfig
from ..errors import InputError
from ..fixers import FIXERS
from ..io.readers import ShardReader
from ..io.records import Reject, Shard, detect
from ..runners.shard import STATE

#: Rows of the most-changed table.
TOP_CHANGED = 20
#: Bins of the farm-score histogram over [0, 1].
SCORE_BINS = 20
CLUSTER_SIZE = "cluster_size"
IS_REPRESENTATIVE = "is_representative"
PREVIEW_CHARS = 60


@dataclass
class Changed:
    """One row of the most-changed table."""

    id: str
    edits: int
    per_fixer: dict[str, int]
    script: str | None
    farm_score: float | None
    preview: str


@dataclass
class RunData:
    """Everything the report draws, independent of how it is drawn."""

    run_dir: Path
    summary: dict[str, Any]
    config: MendConfig
    documents: int = 0  # output rows read
    findings: Counter[str] = field(default_factory=Counter)  # documents with each finding
    scores: list[int] = field(default_factory=lambda: [0] * SCORE_BINS)
    scored: int = 0
    scripts: Counter[str] = field(default_factory=Counter)
    edits_per_fixer: Counter[str] = field(default_factory=Counter)
    cluster_sizes: Counter[int] = field(default_factory=Counter)  # size -> clusters
    cluster_members: Counter[int] = field(default_factory=Counter)  # size -> documents
    most_changed: list[Changed] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)

    @property
    def dedup_ran(self) -> bool:
        return bool(self.cluster_sizes)


def read_summary(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{run_dir} has no summary.json; is it the output directory of a finished "
            "`zhmend run`?"
        ) from None
    except ValueError as exc:
        raise InputError(f"{path} is not valid JSON ({exc}); rerun `zhmend run`") from None
    if not isinstance(summary, dict) or "in" not in summary:
        raise InputError(f"{path} is not a zhmend run summary (no 'in' count)")
    return summary


def read_config(run_dir: Path) -> MendConfig:
    """The mend options of the run (defaults when the run recorded none)."""
    try:
        recorded = json.loads((run_dir / STATE / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return MendConfig()
    options = recorded.get("options", {}) if isinstance(recorded, dict) else {}
    names = {f.name for f in fields(MendConfig)}
    return MendConfig.build(**{k: v for k, v in options.items() if k in names})


def output_shards(run_dir: Path) -> list[Shard]:
    """The run's output files: JSONL (any compression) and Parquet, not rejects or state."""
    shards = []
    for path in sorted(run_dir.rglob("*")):
        rel = path.relative_to(run_dir)
        if not path.is_file() or rel.parts[0] in ("rejects", STATE):
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue  # temporary files of a run in progress
        kind = detect(path.name)
        if kind is None or kind[0] not in ("jsonl", "parquet"):
            continue
        shards.append(Shard(rel.as_posix(), kind[0], kind[1], (str(path),)))
    return shards


def _bin(score: float) -> int:
    return min(SCORE_BINS - 1, max(0, int(score * SCORE_BINS)))


def collect(run_dir: Path, summary: dict[str, Any] | None = None) -> RunData:
    """Read ``run_dir`` once; memory stays flat in the corpus size (top-N heap, counters).

    ``summary`` stands in for ``summary.json`` (the run passes it before writing the file).
    """
    run_dir = Path(run_dir)
    if summary is None:
        summary = read_summary(run_dir)
    data = RunData(run_dir, summary, read_config(run_dir))
    text_field = _recorded(run_dir, "output_field") or _recorded(run_dir, "text_field") or "text"
    id_field = _recorded(run_dir, "id_field") or "id"
    heap: list[tuple[int, int, Changed]] = []
    seq = 0
    for shard in output_shards(run_dir):
        data.shards.append(shard.name)
        for _, row in ShardReader(shard, text_field, id_field):
            if isinstance(row, Reject) or EDITS not in row:
                continue
            seq += 1
            _add_row(data, row)
            edits = row.get(EDITS) or 0
            if edits and (len(heap) < TOP_CHANGED or edits > heap[0][0]):
                item = (edits, -seq, _changed(row, text_field, id_field))
                if len(heap) < TOP_CHANGED:
                    heapq.heappush(heap, item)
                else:
                    heapq.heapreplace(heap, item)
    data.most_changed = [c for _, _, c in sorted(heap, key=lambda t: (-t[0], -t[1]))]
    for size, members in data.cluster_members.items():
        data.cluster_sizes[size] += -(-members // size)  # a partly written cluster counts
    if not data.cluster_sizes and isinstance(summary.get("dedup"), dict):
        by_size = summary["dedup"].get("clusters_by_size", {})
        data.cluster_sizes.update({int(k): int(v) for k, v in by_size.items()})
    if not data.documents:
        # Without output rows (a dry run, or shards moved away) the summary still tells.
        data.edits_per_fixer.update(summary.get("by_fixer", {}))
        data.scripts.update(summary.get("by_script", {}))
    return data


def _recorded(run_dir: Path, key: str) -> str | None:
    try:
        recorded = json.loads((run_dir / STATE / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = recorded.get("options", {}).get(key) if isinstance(recorded, dict) else None
    return value if isinstance(value, str) else None


def _add_row(data: RunData, row: dict[str, Any]) -> None:
    data.documents += 1
    evidence = row.get(EVIDENCE)
    if isinstance(evidence, str):
        try:
            evidence = json.loads(evidence)
        except ValueError:
            evidence = None
    if isinstance(evidence, dict):
        data.findings.update(k for k, v in evidence.items() if isinstance(v, int) and v > 0)
    score = row.get(FARM_SCORE)
    if isinstance(score, (int, float)):
        data.scores[_bin(float(score))] += 1
        data.scored += 1
    script = row.get(SCRIPT)
    if script is not None:
        data.scripts[str(script)] += 1
    for name in FIXERS:
        n = row.get(fixer_column(name))
        if n:
            data.edits_per_fixer[name] += int(n)
    size = row.get(CLUSTER_SIZE)
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        # A cluster is counted once, at its representative; without that column, members
        # are counted and divided by the size at the end.
        rep = row.get(IS_REPRESENTATIVE)
        if rep is None:
            data.cluster_members[size] += 1
        elif rep:
            data.cluster_sizes[size] += 1


def _changed(row: dict[str, Any], text_field: str, id_field: str) -> Changed:
    text = row.get(text_field)
    preview = " ".join(text[:PREVIEW_CHARS].split()) if isinstance(text, str) else ""
    score = row.get(FARM_SCORE)
    return Changed(
        id=str(row.get(id_field, "")),
        edits=int(row.get(EDITS) or 0),
        per_fixer={n: int(row.get(fixer_column(n)) or 0) for n in FIXERS},
        script=row.get(SCRIPT),
        farm_score=float(score) if isinstance(score, (int, float)) else None,
        preview=preview,
    )


__all__ = ["Changed", "RunData", "collect", "output_shards", "read_summary"]
