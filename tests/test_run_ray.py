"""The Ray engine and ``mend_batch`` under Ray Data, on a local Ray this test starts.

One Ray for the module (starting Ray is slow on two cores); shut down at the end. The CLI
runs join it with ``--ray-address``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import zhmend
from test_run_corpus import FARM, output_files, write_corpus, zhmend_run

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'zhmend[ray]'")
pytest.importorskip("ray.data", reason="Ray Data is not installed: pip install 'zhmend[ray]'")


@pytest.fixture(scope="module")
def local_ray():
    context = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield context
    finally:
        ray.shutdown()


def test_mend_batch_under_ray_map_batches(local_ray) -> None:
    texts = FARM + ["普通的句子。", "另一句，没有问题。"]
    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)])
    rows = ds.map_batches(zhmend.mend_batch, batch_size=2).take_all()
    rows.sort(key=lambda r: r["id"])
    assert [r["text"] for r in rows] == [zhmend.mend(t) for t in texts]
    assert [bool(r["zhmend_converted"]) for r in rows] == [True] * len(FARM) + [False, False]


def test_ray_engine_writes_the_local_engines_bytes(local_ray, tmp_path: Path) -> None:
    # 300 records in one shard: two batches, mended by separate tasks, written back in order.
    corpus = write_corpus(tmp_path, shards=3, per_shard=300)
    (corpus / "empty.jsonl").write_bytes(b"")
    local = zhmend_run(corpus, "-o", tmp_path / "local", "-j", "2", "--sample", "2")
    address = local_ray.address_info["address"]
    on_ray = zhmend_run(corpus, "-o", tmp_path / "ray", "--engine", "ray",
                        "--ray-address", address, "--sample", "2")
    assert local.returncode == on_ray.returncode == 1, on_ray.stderr  # the corpus's bad lines
    assert output_files(tmp_path / "ray") == output_files(tmp_path / "local")
    assert "empty.jsonl" in output_files(tmp_path / "ray")
    summary = json.loads((tmp_path / "ray" / "summary.json").read_text())
    local_summary = json.loads((tmp_path / "local" / "summary.json").read_text())
    assert summary["throughput"]["engine"] == "ray"
    assert summary["in"] == 905 == summary["out"] + summary["rejected"] + summary["errored"]
    for key in ("in", "out", "rejected", "by_reason", "by_fixer", "by_script", "samples"):
        assert summary[key] == local_summary[key], key
    # Resumes like the local engine: nothing left to do.
    again = zhmend_run(corpus, "-o", tmp_path / "ray", "--engine", "ray", "--ray-address", address)
    assert again.returncode == 1
    summary = json.loads((tmp_path / "ray" / "summary.json").read_text())
    assert summary["shards"]["already_done"] == 4
    assert summary["shards"]["mended_now"] == 0


def test_ray_engine_parquet_output_and_dry_run(local_ray, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    corpus = write_corpus(tmp_path, shards=2, per_shard=300)
    address = local_ray.address_info["address"]
    args = ("--output-format", "parquet", "--keep", "farm")
    local = zhmend_run(corpus, "-o", tmp_path / "local", "-j", "1", *args)
    on_ray = zhmend_run(corpus, "-o", tmp_path / "ray", "--engine", "ray",
                        "--ray-address", address, *args)
    assert local.returncode == on_ray.returncode == 1, on_ray.stderr
    # Row groups follow the batches: the same bytes only if both engines cut them alike.
    assert output_files(tmp_path / "ray") == output_files(tmp_path / "local")
    dry = zhmend_run(corpus, "--dry-run", "--engine", "ray", "--ray-address", address, *args)
    assert dry.returncode == 1, dry.stderr
    counted = json.loads(dry.stdout)
    summary = json.loads((tmp_path / "local" / "summary.json").read_text())
    for key in ("in", "out", "filtered", "farm", "rejected"):
        assert counted[key] == summary[key], key
    assert counted["filtered"] > 0 and counted["out"] > 0
