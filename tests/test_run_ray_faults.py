"""The Ray engine under faults, and one large shard spread over workers.

The CLI starts its own local Ray here, so the fault planted through ``sitecustomize`` on
PYTHONPATH reaches every Ray worker. One run covers it all (starting Ray is slow):

- part-0: 600 long records (about 3 MB, three blocks), one makes a fixer raise; the
  worker pid of each farm page is logged, so the test sees one file mended by more than one
  process;
- part-1: a record that kills its worker process (os._exit) every time it is mended;
- part-2: untouched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from test_run_corpus import FARM, FAULT_HOOK, output_files, record_lines, zhmend_run

pytest.importorskip("ray", reason="Ray is not installed: pip install 'zhmend[ray]'")
pytest.importorskip("ray.data", reason="Ray Data is not installed: pip install 'zhmend[ray]'")



def _corpus(root: Path) -> tuple[Path, str, str]:
    """The three shards, and the ids of the records that raise and that kill."""
    src = root / "in"
    src.mkdir()
    faulty = {}
    start = 0
    for s, (n, k, marker) in enumerate(((600, 300, "BOOM"), (30, 20, "DIE"), (30, -1, ""))):
        recs = [json.loads(line) for line in record_lines(n, start)]
        if marker:
            # The fault sits in a fixer: it must hit a farm page, which the fixers work on.
            k = next(i for i in range(k, n) if recs[i]["text"].startswith(tuple(FARM)))
            recs[k]["text"] += marker
            faulty[marker] = (recs[k]["id"], k + 1)
        for rec in recs:
            if s == 0:
                rec["text"] = rec["text"] * 60 + " SPREAD"
        lines = [json.dumps(rec, ensure_ascii=False) for rec in recs]
        (src / f"part-{s}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        start += n
    return src, faulty["BOOM"], faulty["DIE"]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_ray_isolates_a_raising_record_and_a_killing_record(tmp_path: Path) -> None:
    src, (boom_id, boom_line), (die_id, die_line) = _corpus(tmp_path)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FAULT_HOOK, encoding="utf-8")
    pids = tmp_path / "pids.txt"
    env = dict(os.environ, ZHMEND_TEST_PIDS=str(pids))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook), env.get("PYTHONPATH")]))

    ref = zhmend_run(src, "-o", tmp_path / "ref", "-j", "1")
    proc = zhmend_run(src, "-o", tmp_path / "out", "--engine", "ray", "-j", "2", env=env)
    assert ref.returncode == 0, ref.stderr
    assert proc.returncode == 1, proc.stderr
    assert "0 rejected, 2 errored, 0 shard(s) failed" in proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["in"] == 660 == summary["out"] + summary["errored"]
    assert summary["by_reason"] == {"fixer_error": 1, "worker_died": 1}

    boom = json.loads(_lines(tmp_path / "out" / "rejects" / "part-0.jsonl")[0])
    assert (boom["id"], boom["reason"], boom["position"]) == (boom_id, "fixer_error", boom_line)
    assert "injected fault" in boom["detail"] and "BOOM" in boom["raw"]
    died = json.loads(_lines(tmp_path / "out" / "rejects" / "part-1.jsonl")[0])
    assert (died["id"], died["reason"], died["position"]) == (die_id, "worker_died", die_line)
    assert "DIE" in died["raw"]

    ref_files, out_files = output_files(tmp_path / "ref"), output_files(tmp_path / "out")
    assert out_files["part-2.jsonl"] == ref_files["part-2.jsonl"]
    for shard, gone in (("part-0", boom_id), ("part-1", die_id)):
        ref_lines = _lines(tmp_path / "ref" / f"{shard}.jsonl")
        expected = [x for x in ref_lines if json.loads(x)["id"] != gone]
        assert len(expected) == len(ref_lines) - 1
        assert _lines(tmp_path / "out" / f"{shard}.jsonl") == expected

    # One file, three batches: mended by more than one worker process.
    assert len(set(pids.read_text().split())) >= 2
