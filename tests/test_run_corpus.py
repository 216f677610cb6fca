"""A small corpus for the ``zhmend run`` tests, and tests of the readers on it.

The texts are written here for the tests: clean simplified sentences, the same sentences
obfuscated the way content farms do it (traditional characters, pinyin labels, ASCII
punctuation, stray commas), and damaged input of every kind the readers must survive.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from zhmend.io.readers import ShardReader
from zhmend.io.records import Reject, discover

CLEAN = [
    "今天上午，市政府召开新闻发布会，介绍全市经济运行情况。",
    "记者从市交通局获悉，新建的城市快速路将于年底前通车。",
    "据气象部门预报，本周末全省大部分地区有小到中雨。",
    "学校图书馆新增藏书五千册，周末向社区居民开放。",
    "今年前三季度，全省粮食产量同比增长百分之三。",
]
FARM = [
    "會(huì)議召開(kāi),,市委書(shū)記,、委員會(huì)主任主持會(huì)議並講話,。",
    "據氣(qì)象部門預報,,本周末全省大部分地區有小到中雨,。",
    "學(xué)校圖書(shū)館新增藏書(shū)五千冊,,周末向社區居民開(kāi)放,。",
]
GENUINE_TRADITIONAL = "臺北市立動物園今日宣布，園區將於下個月延長開放時間。"


#: A ``sitecustomize`` that plants faults in a run's processes: a record holding BOOM makes a
#: fixer raise, DIE kills the worker, SPREAD logs which process mended it and takes a few
#: milliseconds more (a batch mended in less time than a worker takes to start would let
#: one worker mend every batch, and the test that the work spreads would depend on timing),
#: SLOW logs it and takes ZHMEND_TEST_SLEEP seconds (a run long enough to interrupt).
FAULT_HOOK = '''
import os
import time
from zhmend import fixers

_original = fixers.FIXERS["repair_punctuation"]


def _faulty(text, ctx):
    if "SPREAD" in text or "SLOW" in text:
        with open(os.environ["ZHMEND_TEST_PIDS"], "a") as f:
            f.write(f"{os.getpid()}\\n")
        slow = float(os.environ.get("ZHMEND_TEST_SLEEP", "0.05"))
        time.sleep(slow if "SLOW" in text else 0.005)
    if "BOOM" in text:
        raise RuntimeError("injected fault")
    if "DIE" in text:
        os._exit(3)  # no exception, no cleanup: a segfault or the OOM killer looks like this
    return _original(text, ctx)


fixers.FIXERS["repair_punctuation"] = _faulty
'''


def record_lines(n: int, start: int = 0) -> list[str]:
    """``n`` JSON lines mixing clean and farm texts, ids from ``start``."""
    texts = CLEAN + FARM + [GENUINE_TRADITIONAL]
    lines = []
    for i in range(start, start + n):
        text = texts[i % len(texts)] + ("" if i % 4 else f" 第{i}条")
        lines.append(json.dumps({"id": f"r{i}", "text": text, "n": i}, ensure_ascii=False))
    return lines


BAD_LINES = [
    b'{"id": "bad1", "text": ',  # bad_json
    b'["a", "list"]',  # not_an_object
    b'{"id": "bad2", "text": 42}',  # text_not_string
    b'{"id": "bad3", "body": "no text field"}',  # missing_text_field
    b'{"id": "bad4", "text": "\xff\xfe broken"}',  # invalid_utf8
]


def write_corpus(root: Path, shards: int = 4, per_shard: int = 40, bad: bool = True) -> Path:
    """``shards`` JSONL files (the first gzip-compressed), the bad lines in the second."""
    src = root / "in"
    src.mkdir(parents=True, exist_ok=True)
    for s in range(shards):
        lines = [line.encode() for line in record_lines(per_shard, s * per_shard)]
        if bad and s == 1:
            lines[3:3] = BAD_LINES
        data = b"\n".join(lines) + b"\n"
        if s == 0:
            (src / f"part-{s}.jsonl.gz").write_bytes(gzip.compress(data, mtime=0))
        else:
            (src / f"part-{s}.jsonl").write_bytes(data)
    return src


def zhmend_run(
    *args: object, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """The CLI as a user runs it, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "run", "--progress", "log", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def output_files(out: Path) -> dict[str, bytes]:
    """Every output byte of a run except its bookkeeping (markers, summary with timings)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".zhmend" not in p.parts and p.name != "summary.json"
    }


def read_output(path: Path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_reader_turns_every_damaged_line_into_a_reject(tmp_path: Path) -> None:
    src = write_corpus(tmp_path, shards=2, per_shard=10)
    shard = [s for s in discover([str(src)]) if s.name == "part-1"][0]
    items = list(ShardReader(shard))
    rejects = [v for _, v in items if isinstance(v, Reject)]
    records = [v for _, v in items if isinstance(v, dict)]
    assert [r.reason for r in rejects] == ["bad_json", "not_an_object", "invalid_utf8"]
    assert len(records) == 10 + 2  # text 42 and a missing field are records; the runner judges
    assert rejects[0].raw == '{"id": "bad1", "text": '
    assert [r.position for r in rejects] == [4, 5, 8]


def test_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path: Path) -> None:
    data = gzip.compress(("\n".join(record_lines(400)) + "\n").encode(), mtime=0)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    items = list(ShardReader(discover([str(path)])[0]))
    assert isinstance(items[-1][1], Reject) and items[-1][1].reason == "truncated_input"
    records = [v for _, v in items[:-1]]
    assert all(isinstance(v, dict) for v in records)
    assert 0 < len(records) < 400
    assert [r["id"] for r in records] == [f"r{i}" for i in range(len(records))]


def test_discover_detects_formats_and_refuses_clashing_names(tmp_path: Path) -> None:
    src = write_corpus(tmp_path, shards=2, per_shard=2, bad=False)
    kinds = {s.name: (s.format, s.compression) for s in discover([str(src)])}
    assert kinds == {"part-0": ("jsonl", "gzip"), "part-1": ("jsonl", "none")}
    other = tmp_path / "other"
    other.mkdir()
    (other / "part-1.jsonl").write_text("{}\n")
    from zhmend.errors import InputError

    with pytest.raises(InputError, match="both write output"):
        discover([str(src), str(other / "part-1.jsonl")])
    with pytest.raises(InputError, match="no such file"):
        discover([str(tmp_path / "missing.jsonl")])
