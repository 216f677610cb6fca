"""Fault injection: a fixer that raises on one record, a worker that dies on one record.

The fault is planted through a ``sitecustomize`` module on PYTHONPATH, so it reaches the
CLI process and every worker it starts without any hook in zhmend itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import hook_env
from test_run_corpus import FAULT_HOOK, output_files, record_lines, zhmend_run


def _corpus(root: Path, marker: str, shard: int = 1, k: int = 20) -> Path:
    """Three shards of 30; record k of ``shard`` (a farm page: fixers run on it) gets the
    ``marker`` that sets the planted fault off."""
    src = root / "in"
    src.mkdir(parents=True)
    for s in range(3):
        lines = record_lines(30, s * 30)
        if s == shard:
            rec = json.loads(lines[k])
            rec["text"] += marker
            lines[k] = json.dumps(rec, ensure_ascii=False)
        (src / f"part-{s}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


@pytest.fixture
def faulty_env(tmp_path: Path) -> dict[str, str]:
    return hook_env(tmp_path, FAULT_HOOK)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_fixer_raising_on_record_k_errors_that_record_only(
    tmp_path: Path, faulty_env: dict[str, str], jobs: str
) -> None:
    src = _corpus(tmp_path, "BOOM")
    clean = zhmend_run(src, "-o", tmp_path / "ref", "-j", jobs)
    proc = zhmend_run(src, "-o", tmp_path / "out", "-j", jobs, env=faulty_env)
    assert clean.returncode == 0, clean.stderr
    assert proc.returncode == 1, proc.stderr
    assert "0 rejected, 1 errored" in proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["in"] == 90 == summary["out"] + summary["errored"]
    reject = json.loads(_lines(tmp_path / "out" / "rejects" / "part-1.jsonl")[0])
    assert (reject["id"], reject["reason"], reject["position"]) == ("r50", "fixer_error", 21)
    assert "injected fault" in reject["detail"] and "BOOM" in reject["raw"]
    ref, out = output_files(tmp_path / "ref"), output_files(tmp_path / "out")
    assert out["part-0.jsonl"] == ref["part-0.jsonl"]
    assert out["part-2.jsonl"] == ref["part-2.jsonl"]
    expected = [line for line in _lines(tmp_path / "ref" / "part-1.jsonl") if '"r50"' not in line]
    assert _lines(tmp_path / "out" / "part-1.jsonl") == expected


def test_a_worker_dying_mid_shard_loses_only_its_record(
    tmp_path: Path, faulty_env: dict[str, str]
) -> None:
    src = _corpus(tmp_path, "DIE")
    clean = zhmend_run(src, "-o", tmp_path / "ref", "-j", "2")
    proc = zhmend_run(src, "-o", tmp_path / "out", "-j", "2", env=faulty_env)
    assert clean.returncode == 0, clean.stderr
    assert proc.returncode == 1, proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["in"] == 90 == summary["out"] + summary["errored"]
    assert summary["by_reason"] == {"worker_died": 1}
    assert summary["shards"]["failed"] == {}
    reject = json.loads(_lines(tmp_path / "out" / "rejects" / "part-1.jsonl")[0])
    assert (reject["id"], reject["reason"], reject["position"]) == ("r50", "worker_died", 21)
    assert "DIE" in reject["raw"]
    expected = [line for line in _lines(tmp_path / "ref" / "part-1.jsonl") if '"r50"' not in line]
    assert _lines(tmp_path / "out" / "part-1.jsonl") == expected
    ref, out = output_files(tmp_path / "ref"), output_files(tmp_path / "out")
    assert out["part-0.jsonl"] == ref["part-0.jsonl"]
    assert out["part-2.jsonl"] == ref["part-2.jsonl"]
