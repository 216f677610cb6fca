"""`zhmend run --extract`: the news structure of each mended record as columns."""

from __future__ import annotations

import json
import subprocess
import sys

import zhmend
from conftest import ROOT
from zhmend.batch import NEWS_PREFIX, mend_batch
from zhmend.news import FIELDS

SEED = (ROOT / "samples" / "seed.txt").read_text(encoding="utf-8")


def _expected_columns(text: str) -> dict:
    record = zhmend.extract(text).to_dict()
    return {
        NEWS_PREFIX + k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
        for k, v in record.items()
    }


def test_mend_batch_adds_one_column_per_field():
    out = mend_batch({"text": [SEED, "会议召开。"]}, extract=True)
    for name in FIELDS:
        assert NEWS_PREFIX + name in out
    assert {k: out[k][0] for k in _expected_columns(SEED)} == _expected_columns(SEED)
    assert json.loads(out[NEWS_PREFIX + "credits"][0])["编辑"] == ["宋姿熠"]


def test_rows_that_fail_get_no_news_columns():
    out = mend_batch({"text": [SEED, 42]}, extract=True)
    assert out["zhmend_error"] == [None, "text_not_string"]
    assert out[NEWS_PREFIX + "body"][1] is None


def test_run_writes_the_columns(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "seed", "text": SEED}, ensure_ascii=False) + "\n")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "run", str(src), "-o", str(out), "--extract",
         "--progress", "none"],
        capture_output=True, timeout=300, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr.decode()
    row = json.loads((out / "in.jsonl").read_text(encoding="utf-8"))
    assert {k: row[k] for k in _expected_columns(SEED)} == _expected_columns(SEED)
    # Without --extract the same run has no news columns, and the options differ.
    plain = tmp_path / "plain"
    subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "run", str(src), "-o", str(plain),
         "--progress", "none"],
        capture_output=True, timeout=300, cwd=ROOT, check=True,
    )
    row = json.loads((plain / "in.jsonl").read_text(encoding="utf-8"))
    assert not any(k.startswith(NEWS_PREFIX) for k in row)
