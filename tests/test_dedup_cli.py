"""``zhmend dedup`` from the outside: files in, files and exit codes out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("rensa")

from conftest import load_cases  # noqa: E402

PAIRS = load_cases("dedup_pairs.json")
ARTICLE = PAIRS[0]["a"]
FARM_COPY = PAIRS[0]["b"]


def zhmend(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zhmend.cli", *args], capture_output=True, text=True, timeout=300
    )


def write_jsonl(path: Path, rows: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(row if isinstance(row, str) else json.dumps(row, ensure_ascii=False))
            f.write("\n")


def read_dir(out: Path) -> dict[str, list[dict]]:
    return {
        p.relative_to(out).as_posix(): [json.loads(x) for x in p.read_text("utf-8").splitlines()]
        for p in sorted(out.rglob("*.jsonl"))
    }


def corpus(tmp_path: Path) -> Path:
    """Two shards: copies of one article across shards, a template negative, empty, short."""
    src = tmp_path / "mended"
    weather = [c for c in PAIRS if "only figures differ" in c["label"]][0]
    write_jsonl(
        src / "part-0.jsonl",
        [
            {"id": "a1", "text": ARTICLE, "zhmend_farm_score": 2.0},
            {"id": "w1", "text": weather["a"]},
            {"id": "e1", "text": ""},
            {"id": "s1", "text": "短讯"},
            {"id": "x1", "text": PAIRS[-1]["b"]},
        ],
    )
    write_jsonl(
        src / "part-1.jsonl",
        [
            {"id": "a2", "text": ARTICLE + "（完）", "zhmend_farm_score": 0.5},
            {"id": "w2", "text": weather["b"]},
            {"id": "a3", "text": ARTICLE, "zhmend_farm_score": 0.5},
            {"id": "s2", "text": "短讯"},
        ],
    )
    return src


def test_dedup_marks_clusters_and_representatives(tmp_path):
    src = corpus(tmp_path)
    out = tmp_path / "clusters"
    proc = zhmend("dedup", str(src), "-o", str(out), "--threshold", "0.8")
    assert proc.returncode == 0, proc.stderr
    assert "1 clusters with duplicates" in proc.stderr
    files = read_dir(out)
    assert sorted(files) == ["part-0.jsonl", "part-1.jsonl"]
    rows = {r["id"]: r for rows in files.values() for r in rows}
    assert len(rows) == 9
    # a1, a2, a3 are one cluster, named by its first record; a2 is clean and longest.
    assert {rows[k]["cluster_id"] for k in ("a1", "a2", "a3")} == {0}
    assert {rows[k]["cluster_size"] for k in ("a1", "a2", "a3")} == {3}
    assert [k for k in ("a1", "a2", "a3") if rows[k]["is_representative"]] == ["a2"]
    # The two weather reports from one template stay apart.
    assert rows["w1"]["cluster_id"] != rows["w2"]["cluster_id"]
    # Empty and short records are kept, alone, and counted.
    for k, status in (("e1", "empty"), ("s1", "short"), ("s2", "short")):
        assert rows[k]["dedup_status"] == status
        assert rows[k]["cluster_size"] == 1 and rows[k]["is_representative"]
    summary = json.loads((out / "dedup-summary.json").read_text("utf-8"))
    assert summary["documents"] == 9
    assert (summary["empty"], summary["short"]) == (1, 2)
    assert summary["duplicates_removed"] == 2
    assert summary["clusters_by_size"] == {"3": 1}
    # Other fields pass through untouched.
    assert rows["a1"]["zhmend_farm_score"] == 2.0


def test_representatives_only_and_accounting(tmp_path):
    src = corpus(tmp_path)
    out = tmp_path / "reps"
    proc = zhmend("dedup", str(src), "-o", str(out), "--representatives-only")
    assert proc.returncode == 0, proc.stderr
    rows = [r for rows in read_dir(out).values() for r in rows]
    assert sorted(r["id"] for r in rows) == ["a2", "e1", "s1", "s2", "w1", "w2", "x1"]
    assert all(r["is_representative"] for r in rows)
    summary = json.loads((out / "dedup-summary.json").read_text("utf-8"))
    assert summary["written"] + summary["duplicates_removed"] == summary["documents"]


def test_same_output_for_one_and_two_workers(tmp_path):
    src = corpus(tmp_path)
    one, two = tmp_path / "j1", tmp_path / "j2"
    assert zhmend("dedup", str(src), "-o", str(one), "-j", "1").returncode == 0
    assert zhmend("dedup", str(src), "-o", str(two), "-j", "2").returncode == 0
    for name in ("part-0.jsonl", "part-1.jsonl"):
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_unreadable_lines_go_to_rejects_and_exit_1(tmp_path):
    src = tmp_path / "in"
    write_jsonl(
        src / "p.jsonl", [{"id": 1, "text": ARTICLE}, "{not json", {"id": 2, "text": ARTICLE}]
    )
    out = tmp_path / "out"
    proc = zhmend("dedup", str(src), "-o", str(out))
    assert proc.returncode == 1
    assert "1 unreadable" in proc.stderr
    rejects = read_dir(out)["rejects/p.jsonl"]
    assert rejects[0]["reason"] == "bad_json" and rejects[0]["raw"] == "{not json"
    rows = read_dir(out)["p.jsonl"]
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["cluster_id"] == rows[1]["cluster_id"]


def test_runner_rejects_folder_is_not_input(tmp_path):
    src = corpus(tmp_path)
    (src / ".zhmend").mkdir()
    write_jsonl(src / "rejects" / "part-0.jsonl", [{"reason": "bad_json", "raw": "x"}])
    out = tmp_path / "out"
    proc = zhmend("dedup", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(read_dir(out)) == ["part-0.jsonl", "part-1.jsonl"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--threshold", "1.5"], "threshold must be in (0, 1]"),
        (["--ngram", "0"], "ngram must be a positive integer"),
        (["-j", "0"], "--jobs must be at least 1"),
    ],
)
def test_bad_options_exit_2_with_a_teaching_message(tmp_path, args, message):
    src = corpus(tmp_path)
    proc = zhmend("dedup", str(src), "-o", str(tmp_path / "o"), *args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("zhmend: ") and message in proc.stderr


def test_missing_input_and_output_inside_input_exit_2(tmp_path):
    proc = zhmend("dedup", str(tmp_path / "nowhere"), "-o", str(tmp_path / "o"))
    assert proc.returncode == 2 and "no such file" in proc.stderr
    src = corpus(tmp_path)
    proc = zhmend("dedup", str(src), "-o", str(src))
    assert proc.returncode == 2 and "holds the input" in proc.stderr


def test_parquet_shards_keep_their_format(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "in"
    src.mkdir()
    table = pa.table({"id": ["p1", "p2", "p3"], "text": [ARTICLE, "", ARTICLE + "（完）"]})
    pq.write_table(table, src / "shard.parquet")
    out = tmp_path / "out"
    proc = zhmend("dedup", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    got = pq.read_table(out / "shard.parquet").to_pylist()
    assert [r["cluster_id"] for r in got] == [0, 1, 0]
    assert [r["is_representative"] for r in got] == [False, True, True]
    assert [r["dedup_status"] for r in got] == ["ok", "empty", "ok"]


def test_farm_copy_after_mending_is_found(tmp_path):
    """The end-to-end promise: `zhmend run` output of a farm copy clusters with its source."""
    import zhmend as lib

    src = tmp_path / "mended"
    write_jsonl(
        src / "p.jsonl",
        [{"id": "orig", "text": ARTICLE}, {"id": "farm", "text": lib.mend(FARM_COPY)}],
    )
    out = tmp_path / "out"
    assert zhmend("dedup", str(src), "-o", str(out)).returncode == 0
    rows = read_dir(out)["p.jsonl"]
    assert rows[0]["cluster_id"] == rows[1]["cluster_id"] == 0


def test_farm_score_falls_back_to_inspecting_the_text():
    from zhmend.commands.dedup import score_of

    assert score_of({}, ARTICLE) == 0.0
    assert score_of({}, FARM_COPY) > 0.0
    assert score_of({"zhmend_farm_score": 0.25}, FARM_COPY) == 0.25  # the runner's column wins


def test_run_with_dedup_mends_then_clusters_and_reruns_identically(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    weather = [c for c in PAIRS if "only figures differ" in c["label"]][0]
    write_jsonl(
        crawl,
        [
            {"id": "orig", "text": ARTICLE},
            {"id": "w1", "text": weather["a"]},
            {"id": "farm", "text": FARM_COPY},
            {"id": "w2", "text": weather["b"]},
            {"id": "empty", "text": ""},
        ],
    )
    out = tmp_path / "out"
    proc = zhmend("run", str(crawl), "-o", str(out), "--dedup", "-j", "1", "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in read_dir(out)["crawl.jsonl"]}
    assert rows["farm"]["text"] == ARTICLE  # mended
    assert rows["orig"]["cluster_id"] == rows["farm"]["cluster_id"] == 0
    assert rows["orig"]["is_representative"] and not rows["farm"]["is_representative"]
    assert rows["w1"]["cluster_id"] != rows["w2"]["cluster_id"]
    assert rows["empty"]["dedup_status"] == "empty"
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["dedup"]["duplicates_removed"] == 1
    first = (out / "crawl.jsonl").read_bytes()
    # A rerun finds the shard done, clusters again and writes the same bytes.
    proc = zhmend("run", str(crawl), "-o", str(out), "--dedup", "-j", "1", "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    assert (out / "crawl.jsonl").read_bytes() == first
    assert not (out / ".zhmend" / "dedup").exists()


def test_run_with_dedup_representatives_only(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    write_jsonl(crawl, [{"id": "orig", "text": ARTICLE}, {"id": "farm", "text": FARM_COPY}])
    out = tmp_path / "out"
    proc = zhmend(
        "run",
        str(crawl),
        "-o",
        str(out),
        "--dedup",
        "--dedup-representatives-only",
        "--progress",
        "none",
    )
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in read_dir(out)["crawl.jsonl"]] == ["orig"]
