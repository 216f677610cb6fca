"""The Ray engine's driver writes the local engine's bytes whatever order and blocks Ray
delivers the rows in. No Ray here: the rows come from the read task's and the mending
step's own functions, then Hypothesis shuffles them and cuts them into blocks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_run_corpus import output_files, write_corpus
from zhmend.io.records import discover
from zhmend.runners import ray as ray_engine
from zhmend.runners import shard as shard_module
from zhmend.runners.local import _Attempt
from zhmend.runners.shard import RunOptions, run_shard

pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("order")
    src = write_corpus(root, shards=2, per_shard=45)  # part-1 holds every kind of bad line
    return root, discover([str(src)])


def _rows(shards: list, opts: RunOptions) -> list[tuple]:
    """Every row the pipeline hands the driver: read, then mended, as Ray would."""
    rows: list[tuple] = []
    for index, shard in enumerate(shards):
        for table in ray_engine.read_shard(index, shard, opts):
            cols = table.to_pydict()
            cols["payload"] = ray_engine.mend_rows(
                cols["kind"], cols["payload"], list(zip(cols["shard"], cols["batch"])),
                shards=shards, opts=opts, poison={}, suspect={},
                announce=lambda *a: None, clear=lambda *a: None,
            )
            rows += zip(*(cols[c] for c in ray_engine.COLUMNS))
    return rows


def _drive(rows: list[tuple], cuts: list[int], shards, opts, out: Path) -> dict:
    done: dict = {}
    failed: dict = {}
    writes = ray_engine._Writes(
        [_Attempt(s) for s in shards], opts, out,
        on_done=lambda s, stats: done.setdefault(s.name, stats),
        on_failed=lambda s, why: failed.setdefault(s.name, why),
        on_progress=None,
    )
    bounds = sorted({0, len(rows), *cuts})
    for lo, hi in zip(bounds, bounds[1:]):
        block = rows[lo:hi]
        writes.add({c: [r[i] for r in block] for i, c in enumerate(ray_engine.COLUMNS)})
    assert failed == {}
    assert writes.unfinished() == []
    return done


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_delivery_order_writes_the_local_bytes(
    corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data
) -> None:
    root, shards = corpus
    monkeypatch.setattr(shard_module, "BATCH_RECORDS", 8)  # several batches per shard
    opts = RunOptions(samples=3)
    local = tmp_path / "local"
    shutil.rmtree(local, ignore_errors=True)
    expected = {s.name: run_shard(s, opts, local, local / ".zhmend") for s in shards}
    rows = _rows(shards, opts)
    assert len({(r[0], r[1]) for r in rows}) > 6  # the shards were cut into several batches
    shuffled = data.draw(st.permutations(rows), label="delivery order")
    cuts = data.draw(st.lists(st.integers(0, len(rows)), max_size=12), label="block cuts")
    out = tmp_path / "ray"
    shutil.rmtree(out, ignore_errors=True)
    done = _drive(list(shuffled), cuts, shards, opts, out)
    assert output_files(out) == output_files(local)
    for name, stats in expected.items():
        for key in ("in", "out", "rejected", "by_reason", "by_fixer", "samples"):
            assert done[name][key] == stats[key], (name, key)


def test_a_shard_that_cannot_be_read_fails_alone(corpus, tmp_path: Path) -> None:
    root, shards = corpus
    opts = RunOptions()
    missing = shard_module.Shard("gone", "jsonl", "none", (str(root / "gone.jsonl"),))
    rows = _rows([*shards, missing], opts)
    failed: dict = {}
    done: dict = {}
    writes = ray_engine._Writes(
        [_Attempt(s) for s in [*shards, missing]], opts, tmp_path / "out",
        on_done=lambda s, stats: done.setdefault(s.name, stats),
        on_failed=lambda s, why: failed.setdefault(s.name, why),
        on_progress=None,
    )
    writes.add({c: [r[i] for r in rows] for i, c in enumerate(ray_engine.COLUMNS)})
    assert set(done) == {s.name for s in shards}
    assert list(failed) == ["gone"] and "FileNotFoundError" in failed["gone"]
    assert not (tmp_path / "out" / "gone.jsonl").exists()
