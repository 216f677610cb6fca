"""The Ray shuffle finds the same clusters as the local index. Few, small, one local Ray."""

from __future__ import annotations

import json
import random
import sys

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("rensa")
ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")
pytest.importorskip("pyarrow")

import zhmend  # noqa: E402
from conftest import DATA, ROOT, load_cases, read_jsonl  # noqa: E402
from test_dedup import families  # noqa: E402
from zhmend.dedup import DedupConfig, cluster, components, id_key, sketch_batch  # noqa: E402

CONFIG = DedupConfig()
PARTITIONS = 2


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield ray
    ray.shutdown()


def both_engines(texts, farm_scores=None, ids=None):
    from zhmend.dedup_ray import cluster_with_ray

    sk = sketch_batch(texts, CONFIG)
    keys = [id_key(x) for x in ids] if ids is not None else None
    local = cluster(sk, CONFIG, farm_scores, ids)
    (cid, size, rep), counts = cluster_with_ray(
        sk, CONFIG, farm_scores, keys, rows_per_block=40, partitions=PARTITIONS
    )
    return local, (cid, size, rep), counts


def assert_same(local, remote, counts):
    cid, size, rep = remote
    assert cid.tolist() == local.cluster_id.tolist()
    assert size.tolist() == local.cluster_size.tolist()
    assert rep.tolist() == local.is_representative.tolist()
    assert counts["exact_duplicate_edges"] == local.exact_pairs
    assert counts["candidate_pairs"] == local.candidate_pairs
    assert counts["verified_pairs"] == local.verified_pairs


def benchmark_like_corpus():
    """The benchmark's construction, smaller: news articles, farm copies, mended."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_dedup import build_corpus

    path = DATA / "news_dev.jsonl"
    if path.exists():
        articles = read_jsonl(path)[:150]
    else:  # still meaningful without the evaluation data: the golden texts as articles
        articles = [
            {"text": c[k]}
            for c in load_cases("dedup_pairs.json")
            for k in ("a", "b")
            if not c.get("mend")
        ]
    texts, truth, made = build_corpus(articles, 40, 5, seed=11)
    return [zhmend.mend(t) for t in texts] + ["", "短讯", "短讯"], truth


def test_same_clusters_as_local_on_benchmark_corpus(local_ray):
    texts, truth = benchmark_like_corpus()
    rng = random.Random(5)
    scores = [rng.choice([0.0, 0.5, 1.0]) for _ in texts]
    ids = [f"doc-{i:04d}" for i in range(len(texts))]
    local, remote, counts = both_engines(texts, scores, ids)
    assert_same(local, remote, counts)
    assert local.summary()["clusters_with_duplicates"] >= 30  # the corpus has real clusters


def test_same_clusters_as_local_on_generated_families(local_ray):
    texts, _ = families(seed=3, n_families=25)
    texts += [texts[0], texts[1], texts[0]]  # exact copies too
    local, remote, counts = both_engines(texts)
    assert_same(local, remote, counts)


def test_min_label_propagation_matches_components_on_a_long_chain(local_ray):
    from zhmend.dedup_ray import propagate_min_labels

    with_sort = __import__("zhmend.dedup_ray", fromlist=["sort_shuffle"]).sort_shuffle
    order = list(range(7))
    random.Random(1).shuffle(order)
    # A path 7 nodes long in shuffled labels (needs several rounds), plus a separate pair.
    edges = [(order[i], order[i + 1]) for i in range(6)] + [(20, 30)]
    with with_sort():
        ds = ray.data.from_items([{"a": a, "b": b} for a, b in edges])
        rows = propagate_min_labels(ds, PARTITIONS).take_all()
    got = {int(r["node"]): int(r["label"]) for r in rows}
    expected = components(31, edges)
    assert got == {n: int(expected[n]) for n in got}
    assert set(got) == set(order) | {20, 30}


def test_cli_ray_engine_writes_the_same_bytes_as_local(local_ray, tmp_path):
    import subprocess

    from zhmend.cli import main

    src = tmp_path / "in"
    src.mkdir()
    texts, _ = families(seed=8, n_families=10)
    for k in range(2):
        with (src / f"part-{k}.jsonl").open("w", encoding="utf-8") as f:
            for i, t in enumerate(texts[k::2]):
                f.write(json.dumps({"id": f"{k}-{i}", "text": t}, ensure_ascii=False) + "\n")
            f.write(json.dumps({"id": f"{k}-empty", "text": ""}) + "\n")
    local = subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "dedup", str(src), "-o", str(tmp_path / "local")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert local.returncode == 0, local.stderr
    assert main(["dedup", str(src), "-o", str(tmp_path / "ray"), "--engine", "ray"]) == 0
    for k in range(2):
        name = f"part-{k}.jsonl"
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "ray" / name).read_bytes()
    summary_local = json.loads((tmp_path / "local" / "dedup-summary.json").read_text())
    summary_ray = json.loads((tmp_path / "ray" / "dedup-summary.json").read_text())
    for key in ("clusters_by_size", "duplicates_removed", "verified_pairs", "candidate_pairs"):
        assert summary_local[key] == summary_ray[key]


def test_no_duplicates_and_unclusterable_records(local_ray):
    pairs = load_cases("dedup_pairs.json")
    texts = ["", "短讯", pairs[0]["a"], pairs[-1]["b"]]
    local, remote, counts = both_engines(texts)
    assert_same(local, remote, counts)
    assert remote[1].tolist() == [1, 1, 1, 1]
