"""`zhmend run` says the same thing everywhere: ids, hidden paths, the rejects folder, progress."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import read_jsonl
from zhmend.commands import run_progress
from zhmend.io.records import Shard, discover
from zhmend.runners.shard import with_generated_id

PAGE = "會(huì)議召開(kāi),,市委"


def zhmend(*args: object, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhmend.cli", *map(str, args)],
        capture_output=True, text=True, timeout=300, input=stdin,
    )


def write_pages(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def pages(n: int) -> list[dict]:
    return [{"id": i, "text": PAGE} for i in range(1, n + 1)]


def tree(out: Path) -> list[str]:
    """Every path under OUT outside its state directory, directories with a slash."""
    return sorted(
        p.relative_to(out).as_posix() + ("/" if p.is_dir() else "")
        for p in out.rglob("*")
        if ".zhmend" not in p.relative_to(out).parts
    )


# --- ids ---------------------------------------------------------------------------------

SHARD = Shard("crawl/part-1", "jsonl", "none", ("crawl/part-1.jsonl",))

# (record, expected after with_generated_id at position 7)
ID_CASES = [
    ({"text": "a"}, {"id": "crawl/part-1:7", "text": "a"}),
    ({"id": None, "text": "a"}, {"id": "crawl/part-1:7", "text": "a"}),
    ({"text": "a", "id": None, "x": 1}, {"text": "a", "id": "crawl/part-1:7", "x": 1}),
]


@pytest.mark.parametrize(("record", "expected"), ID_CASES)
def test_a_missing_or_null_id_is_generated_in_place(record: dict, expected: dict) -> None:
    got = with_generated_id(record, "id", SHARD, 7)
    assert got == expected
    assert list(got) == list(expected)  # a null id keeps its place among the fields


@given(st.dictionaries(st.sampled_from(["id", "text", "url", "x"]), st.none() | st.integers()))
def test_generated_ids_keep_every_other_field(record: dict) -> None:
    got = with_generated_id(record, "id", SHARD, 3)
    assert got["id"] == "crawl/part-1:3"
    assert {k: v for k, v in got.items() if k != "id"} == {
        k: v for k, v in record.items() if k != "id"
    }
    assert [k for k in got if k != "id"] == [k for k in record if k != "id"]


def test_run_gives_null_ids_the_generated_id(tmp_path: Path) -> None:
    src = write_pages(tmp_path / "in" / "p.jsonl", [
        {"id": None, "text": PAGE, "url": "u1"},
        {"text": PAGE},
        {"id": "kept", "text": PAGE},
        {"id": 0, "text": PAGE},  # a falsy id is still an id
        {"id": None, "body": PAGE},  # rejected: no text field; its id is unknown
    ])
    out = tmp_path / "out"
    proc = zhmend("run", src, "-o", out, "--progress", "none")
    assert proc.returncode == 1, proc.stderr
    rows = read_jsonl(out / "p.jsonl")
    assert [r["id"] for r in rows] == ["p:1", "p:2", "kept", 0]
    assert list(rows[0])[:3] == ["id", "text", "url"]
    (reject,) = read_jsonl(out / "rejects" / "p.jsonl")
    assert reject["reason"] == "missing_text_field" and "id" not in reject


def test_parquet_null_ids_follow_the_id_column_type(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "in"
    src.mkdir()
    pq.write_table(pa.table({"id": pa.array(["a", None], pa.string()), "text": [PAGE, PAGE]}),
                   src / "s.parquet")
    # An integer column cannot hold "i:1": the null stays rather than the record be rejected.
    pq.write_table(pa.table({"id": pa.array([1, None], pa.int64()), "text": [PAGE, PAGE]}),
                   src / "i.parquet")
    out = tmp_path / "out"
    proc = zhmend("run", src, "-o", out, "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    assert pq.read_table(out / "s.parquet").column("id").to_pylist() == ["a", "s:1"]
    assert pq.read_table(out / "i.parquet").column("id").to_pylist() == [1, None]
    as_jsonl = tmp_path / "jsonl"
    proc = zhmend("run", src / "i.parquet", "-o", as_jsonl, "--output-format", "jsonl",
                  "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in read_jsonl(as_jsonl / "i.jsonl")] == [1, "i:1"]


# --- hidden paths ------------------------------------------------------------------------


def test_discovery_skips_hidden_directories_like_hidden_files(tmp_path: Path) -> None:
    root = tmp_path / "crawl"
    for rel in ("a.jsonl", ".b.jsonl", ".cache/c.jsonl", ".git/x/d.jsonl", "sub/.e/f.jsonl",
                "sub/g.jsonl"):
        write_pages(root / rel, pages(1))
    assert [s.name for s in discover([str(root)])] == ["a", "sub/g"]
    # Named explicitly, a hidden directory is input like any other.
    assert [s.name for s in discover([str(root / ".cache")])] == ["c"]


def test_run_and_dedup_account_for_the_same_records(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    root = tmp_path / "hid"
    write_pages(root / "a.jsonl", pages(5))
    write_pages(root / ".cache" / "b.jsonl", pages(5))
    write_pages(root / "sub dir" / "c.jsonl", pages(3))
    out = tmp_path / "hido"
    proc = zhmend("run", root, "-o", out, "--dedup", "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["in"] == summary["dedup"]["documents"] == 8
    assert not (out / ".cache").exists()
    for name in ("a.jsonl", "sub dir/c.jsonl"):
        assert all("cluster_id" in r for r in read_jsonl(out / name))


def test_out_inside_the_input_is_never_read_back(tmp_path: Path) -> None:
    root = tmp_path / "crawl"
    write_pages(root / "a.jsonl", pages(2))
    out = root / "mended"
    for _ in range(2):
        proc = zhmend("run", root, "-o", out, "--progress", "none")
        assert proc.returncode == 0, proc.stderr
        assert tree(out) == ["a.jsonl", "summary.json"]
        assert [r["id"] for r in read_jsonl(out / "a.jsonl")] == [1, 2]


# --- no empty directories ----------------------------------------------------------------


def test_a_run_without_rejects_leaves_no_rejects_directory(tmp_path: Path) -> None:
    root = tmp_path / "crawl"
    write_pages(root / "a.jsonl", pages(2))
    write_pages(root / "sub dir" / "b.jsonl", pages(2))
    out = tmp_path / "out"
    for jobs in ("1", "2"):
        proc = zhmend("run", root, "-o", out, "-j", jobs, "--overwrite", "--progress", "none")
        assert proc.returncode == 0, proc.stderr
        assert tree(out) == ["a.jsonl", "sub dir/", "sub dir/b.jsonl", "summary.json"]


def test_rejects_directories_exist_only_while_they_hold_rejects(tmp_path: Path) -> None:
    root = tmp_path / "crawl"
    write_pages(root / "a.jsonl", pages(2))
    bad = root / "sub dir" / "b.jsonl"
    write_pages(bad, pages(2))
    bad.write_text(bad.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = zhmend("run", root, "-o", out, "--progress", "none")
    assert proc.returncode == 1, proc.stderr
    assert "rejects/sub dir/b.jsonl" in tree(out) and "rejects/a.jsonl" not in tree(out)
    # The input is mended and the shard redone: its old rejects go with their folders.
    write_pages(bad, pages(2))
    proc = zhmend("run", root, "-o", out, "--overwrite", "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    assert tree(out) == ["a.jsonl", "sub dir/", "sub dir/b.jsonl", "summary.json"]


# --- progress ----------------------------------------------------------------------------

PERCENT_CASES = [
    # (bytes done, total bytes, shards done, shards, expected)
    (0, 0, 2, 2, 100.0),  # stdin / empty inputs, finished
    (0, 0, 1, 2, None),  # size unknown while running: no percentage
    (500, 1000, 0, 2, 50.0),
    (1200, 1000, 1, 2, 100.0),  # bytes read may pass the size on disk
    (900, 1000, 2, 2, 100.0),  # ... or fall short of it (compressed input)
    (0, 1000, 0, 1, 0.0),
]


@pytest.mark.parametrize(("done", "total", "shards_done", "shards", "expected"), PERCENT_CASES)
def test_percent(done: int, total: int, shards_done: int, shards: int, expected) -> None:
    assert run_progress.percent(done, total, shards_done, shards) == expected


@pytest.mark.parametrize("total", [0, 1000])
def test_the_bar_ends_at_100_percent(total: int) -> None:
    pytest.importorskip("rich")
    stream = io.StringIO()
    progress = run_progress.RunProgress(total, 2, "bar", stream)
    for name in ("stdin", "b"):
        progress.update(name, {"in": 1, "bytes": 300, "rejected": 0})
        progress.shard_done(name, {"in": 1, "input_bytes": 300, "rejected": 0, "errored": 0})
    progress.close()
    last = stream.getvalue().rstrip().splitlines()[-1]
    assert "100.0%" in last and "2/2 shards" in last
    assert "0.0%" not in last.replace("100.0%", "")


def test_stdin_run_does_not_report_zero_percent_at_the_end(tmp_path: Path) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in pages(2))
    proc = zhmend("run", "-", "-o", tmp_path / "out", "--progress", "bar", stdin=text)
    assert proc.returncode == 0, proc.stderr
    assert " 0.0%" not in proc.stderr


def test_standalone_dedup_gives_a_null_id_the_generated_one(tmp_path: Path) -> None:
    import subprocess
    import sys

    src = tmp_path / "in"
    src.mkdir()
    (src / "p.jsonl").write_text(
        '{"id":null,"text":"会议召开，市委书记出席。"}\n{"text":"另一篇完全不同的文章内容。"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "dedup", str(src), "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in (out / "p.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["p:1", "p:2"]
    assert list(rows[0])[0] == "id"  # a null id is replaced where it stands
