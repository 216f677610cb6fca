"""``zhmend run`` as a user runs it: formats, accounting, determinism, resumption."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import zhmend
from test_run_corpus import (
    BAD_LINES,
    FARM,
    output_files,
    read_output,
    record_lines,
    write_corpus,
    zhmend_run,
)


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def reference(corpus: Path) -> Path:
    """One uninterrupted run with one worker: what every other run must reproduce."""
    out = corpus.parent / "reference"
    proc = zhmend_run(corpus, "-o", out, "-j", "1", "--sample", "3")
    assert proc.returncode == 1, proc.stderr  # the corpus holds bad lines
    return out


def test_nothing_is_lost_and_rejects_say_why(corpus: Path, reference: Path) -> None:
    s = _summary(reference)
    total_lines = 4 * 40 + len(BAD_LINES)
    assert s["in"] == total_lines
    assert s["in"] == s["out"] + s["rejected"] + s["errored"] + s["filtered"]
    assert s["by_reason"] == {
        "bad_json": 1, "not_an_object": 1, "text_not_string": 1,
        "missing_text_field": 1, "invalid_utf8": 1,
    }
    rejects = [json.loads(line) for line in (reference / "rejects" / "part-1.jsonl").open()]
    assert [r["reason"] for r in rejects] == [
        "bad_json", "not_an_object", "text_not_string", "missing_text_field", "invalid_utf8",
    ]
    assert all(r["source"].endswith("part-1.jsonl") for r in rejects)
    assert [r["position"] for r in rejects] == [4, 5, 6, 7, 8]
    assert rejects[3]["raw"] == '{"id":"bad3","body":"no text field"}'
    assert "\\xff\\xfe" in rejects[4]["raw"]
    assert not (reference / "rejects" / "part-0.jsonl").exists()
    # Every input field kept, text mended, report columns added, order kept.
    rows = read_output(reference / "part-0.jsonl.gz")
    assert [r["id"] for r in rows] == [f"r{i}" for i in range(40)]
    assert [r["n"] for r in rows] == list(range(40))
    originals = [json.loads(line)["text"] for line in record_lines(40)]
    assert [r["text"] for r in rows] == [zhmend.mend(t) for t in originals]
    assert {"zhmend_script", "zhmend_farm_score", "zhmend_repair_punctuation"} <= set(rows[0])
    assert s["by_fixer"]["strip_pinyin_annotations"] > 0 and s["converted"] > 0
    assert len(s["samples"]) == 3 and s["samples"][0]["before"] != s["samples"][0]["after"]


def test_exit_status_and_stderr_counts(tmp_path: Path, corpus: Path) -> None:
    clean = write_corpus(tmp_path, shards=2, per_shard=5, bad=False)
    ok = zhmend_run(clean, "-o", tmp_path / "ok", "-j", "1")
    assert ok.returncode == 0, ok.stderr
    bad = zhmend_run(corpus, "--dry-run", "-j", "1")
    assert bad.returncode == 1
    assert "5 rejected, 0 errored" in bad.stderr
    assert json.loads(bad.stdout)["in"] == 4 * 40 + len(BAD_LINES)
    usage = zhmend_run(tmp_path / "nope.jsonl", "-o", tmp_path / "x")
    assert usage.returncode == 2 and usage.stderr.startswith("zhmend: ")


def test_same_bytes_for_one_and_two_workers(corpus: Path, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "j2"
    proc = zhmend_run(corpus, "-o", out, "-j", "2", "--sample", "3")
    assert proc.returncode == 1, proc.stderr
    assert output_files(out) == output_files(reference)
    assert _summary(out)["samples"] == _summary(reference)["samples"]


def test_rerun_resumes_and_refuses_other_options(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = zhmend_run(corpus, "-o", out, "-j", "2")
    assert first.returncode == 1
    before = output_files(out)
    again = zhmend_run(corpus, "-o", out, "-j", "2")
    assert again.returncode == 1  # the rejects are still there, and said again
    assert _summary(out)["shards"]["already_done"] == 4
    assert output_files(out) == before
    other = zhmend_run(corpus, "-o", out, "--to", "keep")
    assert other.returncode == 2
    assert "--overwrite" in other.stderr
    redo = zhmend_run(corpus, "-o", out, "--to", "keep", "--overwrite", "-j", "2")
    assert redo.returncode == 1
    rows = read_output(out / "part-2.jsonl")
    farm_rows = [r for r in rows if r["text"].startswith("會")]
    assert farm_rows, "--to keep leaves the traditional script"


def test_sigkill_at_random_points_then_rerun_gives_identical_output(
    tmp_path: Path, reference: Path, corpus: Path
) -> None:
    rng = random.Random(20240611)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "zhmend.cli", "run", str(corpus), "-o", str(out), "-j", "2",
           "--progress", "none", "--sample", "3"]
    for _ in range(3):
        proc = subprocess.Popen(cmd, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        # The whole process group: the run and its workers die at once, mid-write.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert final.returncode == 1, final.stderr
    assert output_files(out) == output_files(reference)
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]


def test_parquet_in_and_out(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    texts = FARM + ["普通的句子。", None]
    table = pa.table({"doc": [f"p{i}" for i in range(len(texts))], "body": texts,
                      "year": list(range(2000, 2000 + len(texts)))})
    src = tmp_path / "pq"
    src.mkdir()
    pq.write_table(table, src / "a.parquet")
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        proc = zhmend_run(src, "-o", out, "--text-field", "body", "--id-field", "doc",
                          "--output-field", "mended", "-j", jobs)
        assert proc.returncode == 1, proc.stderr  # the None text is rejected
        outs.append(output_files(out))
    assert outs[0] == outs[1]
    result = pq.read_table(tmp_path / "out1" / "a.parquet").to_pylist()
    assert [r["doc"] for r in result] == [f"p{i}" for i in range(len(texts) - 1)]
    assert [r["mended"] for r in result] == [zhmend.mend(t) for t in texts[:-1]]
    assert [r["body"] for r in result] == texts[:-1]
    assert result[0]["year"] == 2000 and result[0]["zhmend_converted"] is True
    rejects = (tmp_path / "out1" / "rejects" / "a.jsonl").read_text().splitlines()
    assert json.loads(rejects[0])["reason"] == "text_not_string"
    assert json.loads(rejects[0])["position"] == len(texts) - 1
    # JSONL in, Parquet out: the schema is inferred from the records.
    jl = tmp_path / "j.jsonl"
    jl.write_text("\n".join(record_lines(6)) + "\n", encoding="utf-8")
    proc = zhmend_run(jl, "-o", tmp_path / "jp", "--output-format", "parquet", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    assert pq.read_table(tmp_path / "jp" / "j.parquet").num_rows == 6


def test_zstd_stdin_and_text_directories(tmp_path: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    data = ("\n".join(record_lines(12)) + "\n").encode()
    (tmp_path / "z.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    proc = zhmend_run(tmp_path / "z.jsonl.zst", "-o", tmp_path / "zo", "--compression", "zstd")
    assert proc.returncode == 0, proc.stderr
    raw = zstandard.ZstdDecompressor().stream_reader((tmp_path / "zo" / "z.jsonl.zst").open("rb"))
    rows = [json.loads(line) for line in raw.read().decode().splitlines()]
    assert [r["id"] for r in rows] == [f"r{i}" for i in range(12)]

    stdin = subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "run", "-", "-o", str(tmp_path / "so")],
        input=json.dumps({"text": FARM[0]}, ensure_ascii=False) + "\n",
        capture_output=True, text=True, timeout=120,
    )
    assert stdin.returncode == 0, stdin.stderr
    row = read_output(tmp_path / "so" / "stdin.jsonl")[0]
    assert row == {**row, "id": "stdin:1", "text": zhmend.mend(FARM[0])}

    pages = tmp_path / "pages"
    (pages / "sub").mkdir(parents=True)
    (pages / "a.txt").write_text(FARM[1], encoding="utf-8")
    (pages / "sub" / "b.txt").write_text(FARM[2], encoding="utf-8")
    (pages / "sub" / "c.txt").write_bytes(b"\xff not utf-8")
    proc = zhmend_run(pages, "-o", tmp_path / "po")
    assert proc.returncode == 1
    rows = read_output(next((tmp_path / "po").glob("*.jsonl")))
    assert [(r["id"], r["text"]) for r in rows] == [
        ("a.txt", zhmend.mend(FARM[1])), ("sub/b.txt", zhmend.mend(FARM[2]))
    ]
    assert _summary(tmp_path / "po")["by_reason"] == {"invalid_utf8": 1}


def test_truncated_gzip_goes_to_rejects_and_the_run_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    data = gzip.compress(("\n".join(record_lines(300)) + "\n").encode(), mtime=0)
    (src / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (src / "fine.jsonl").write_text("\n".join(record_lines(5)) + "\n", encoding="utf-8")
    proc = zhmend_run(src, "-o", tmp_path / "out", "-j", "2")
    assert proc.returncode == 1
    s = _summary(tmp_path / "out")
    assert s["by_reason"] == {"truncated_input": 1}
    assert s["in"] == s["out"] + 1 and s["out"] > 5


def test_limit_dry_run_and_keep(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "lim"
    proc = zhmend_run(corpus, "-o", out, "--limit", "30")
    assert proc.returncode == 0, proc.stderr  # the bad lines of part-1 come later
    assert _summary(out)["in"] == 30
    assert not (out / ".zhmend" / "done").exists()  # a preview is never resumed from
    dry = tmp_path / "dry"
    proc = zhmend_run(corpus, "--dry-run", "-j", "1")
    assert not dry.exists() and json.loads(proc.stdout)["out"] == 160
    farm = zhmend_run(corpus, "-o", tmp_path / "farm", "--keep", "farm", "-j", "2")
    s = _summary(tmp_path / "farm")
    assert farm.returncode == 1
    assert s["out"] == s["farm"] > 0 and s["filtered"] == 160 - s["farm"]
    for name in ("part-0.jsonl.gz", "part-2.jsonl"):
        assert all(r["zhmend_farm_score"] >= 0.5 for r in read_output(tmp_path / "farm" / name))


@pytest.mark.parametrize("step", ["--dedup", "--report"])
def test_dry_run_refuses_steps_that_work_on_out(corpus: Path, step: str) -> None:
    proc = zhmend_run(corpus, "--dry-run", "-j", "1", step)
    assert proc.returncode == 2
    assert f"{step} work on OUT" in proc.stderr and not proc.stdout


def test_progress_lines_for_logs() -> None:
    import io

    from zhmend.commands import run_progress

    stream = io.StringIO()
    progress = run_progress.RunProgress(2_000_000, 2, "log", stream)
    progress.last_log -= run_progress.LOG_EVERY  # due now
    progress.update("a", {"in": 10, "bytes": 500_000, "rejected": 1})
    progress.shard_done("a", {"in": 20, "input_bytes": 1_000_000, "rejected": 1, "errored": 1})
    progress.update("b", {"in": 5, "bytes": 0, "rejected": 0})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1  # quiet: one line per LOG_EVERY seconds
    assert lines[0].startswith("zhmend: 0/2 shards, 10 docs (")
    assert "MB/s" in lines[0] and "1 rejects" in lines[0] and "ETA" in lines[0]
    assert progress.totals() == {"in": 25, "bytes": 1_000_000, "rejected": 2}


def test_without_report_columns_the_text_is_the_same(corpus: Path, reference: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "plain"
    proc = zhmend_run(corpus, "-o", out, "-j", "2", "--no-report-columns")
    assert proc.returncode == 1, proc.stderr
    plain, full = read_output(out / "part-2.jsonl"), read_output(reference / "part-2.jsonl")
    assert [r["text"] for r in plain] == [r["text"] for r in full]
    assert {k for r in plain for k in r if k.startswith("zhmend_")} == {"zhmend_changed"}
    assert _summary(out)["by_reason"] == _summary(reference)["by_reason"]
    refused = zhmend_run(corpus, "-o", tmp_path / "x", "--no-report-columns", "--keep", "farm")
    assert refused.returncode == 2 and "--keep needs the farm score" in refused.stderr


def test_rows_that_outgrow_the_first_batch_parquet_schema_are_written(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from zhmend.runners.shard import BATCH_RECORDS

    # The schema comes from the first batch; two later records do not fit it: it widens
    # (more in tests/test_parquet_schema.py).
    lines = [json.loads(line) for line in record_lines(BATCH_RECORDS + 10)]
    odd_type, odd_field = BATCH_RECORDS + 3, BATCH_RECORDS + 7
    lines[odd_type]["n"] = "not a number"
    lines[odd_field]["extra"] = 1
    src = tmp_path / "mixed.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    out = tmp_path / "out"
    proc = zhmend_run(src, "-o", out, "--output-format", "parquet", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    table = pq.read_table(out / "mixed.parquet")
    assert table.column("id").to_pylist() == [r["id"] for r in lines]
    assert table.column("n").to_pylist()[odd_type - 1: odd_type + 1] == [
        str(odd_type - 1), "not a number"]
    assert table.column("extra").to_pylist()[odd_field] == 1
    assert not (out / "rejects").exists()
    assert _summary(out)["by_reason"] == {}
