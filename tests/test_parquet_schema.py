"""JSONL to Parquet: the schema widens as records come, so no record is lost to it.

The schema is typed from the first batch; a field first seen later, or a value its column
cannot hold, widens it (new column null before; int and float give float; struct and list
columns gain fields; anything else a string column of JSON text); the rows written so far
wait in segment files merged at commit. Black-box runs read the Parquet back with pyarrow;
the cost tests count the rows the merges copy; the properties hold the writer and the whole
JSONL-to-Parquet path to "no record, no value lost".
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_run_corpus import CLEAN, FARM, output_files, zhmend_run
from zhmend.io import parquet
from zhmend.io.parquet import ParquetWriter
from zhmend.io.records import discover, without_surrogates
from zhmend.runners import shard as shard_runner

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

N = 700  # three batches of BATCH_RECORDS (256): the change comes in the second
CHANGE = 300
CRASH = 605  # a farm page of the third batch: two segments are on disk when it dies there
CRASH_WORD = "崩溃测试"

CRASH_HOOK = f'''
import os
from zhmend import fixers

_original = fixers.FIXERS["repair_punctuation"]


def _crash(text, ctx):
    # No exception, no cleanup: the process dies mid-shard as a kill -9 would leave it.
    if os.environ.get("ZHMEND_TEST_CRASH") and "{CRASH_WORD}" in text:
        os._exit(9)
    return _original(text, ctx)


fixers.FIXERS["repair_punctuation"] = _crash
'''


def late_change_records() -> list[dict[str, Any]]:
    """Records whose fields change type, or first appear, at record CHANGE."""
    texts = CLEAN + FARM
    rows = []
    for i in range(N):
        late = i >= CHANGE
        row: dict[str, Any] = {
            "id": f"r{i}",
            "text": texts[i % len(texts)] + (CRASH_WORD if i == CRASH else ""),
            "n": "three hundred" if i == CHANGE else i,  # int column, then a string
            "score": 2.5 if i == CHANGE else i,  # int column, then a float
            "meta": {"k": i} if late else None,  # nulls, then a struct
            "tags": ["a", "b"] if late else {"lang": "zh"},  # a struct, then a list
            "info": {"src": "web", "page": i} if late else {"src": "web"},  # struct grows
        }
        if i == CHANGE:
            row["author"] = "张三"  # a field first seen late
        rows.append(row)
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture(scope="module")
def late_change(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The input and one uninterrupted run with one worker: what every rerun reproduces."""
    root = tmp_path_factory.mktemp("late")
    src = write_jsonl(root / "late.jsonl", late_change_records())
    out = root / "reference"
    proc = zhmend_run(src, "-o", out, "--output-format", "parquet", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    return src, out


def test_every_record_is_written_in_order_with_its_values(late_change) -> None:
    _, out = late_change
    rows = late_change_records()
    table = pq.read_table(out / "late.parquet")
    assert not (out / "rejects").exists()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["in"], summary["out"], summary["rejected"]) == (N, N, 0)
    got = table.to_pylist()
    assert [r["id"] for r in got] == [r["id"] for r in rows]
    types = {f.name: str(f.type) for f in table.schema}
    assert types["n"] == types["tags"] == types["author"] == "string"
    assert types["score"] == "double"
    assert types["meta"] == "struct<k: int64>"
    assert types["info"] == "struct<src: string, page: int64>"
    # A new field is appended after the columns the run knew, null in the rows before.
    assert table.schema.names[-1] == "author"
    assert [r["author"] for r in got] == [("张三" if i == CHANGE else None) for i in range(N)]
    # Ints of a column that became text are their JSON text; floats stay numbers.
    assert [r["n"] for r in got] == [str(i) if i != CHANGE else "three hundred" for i in range(N)]
    assert [r["score"] for r in got] == [float(i) if i != CHANGE else 2.5 for i in range(N)]
    assert all(type(r["score"]) is float for r in got)
    assert [r["meta"] for r in got] == [r["meta"] for r in rows]
    assert [r["tags"] for r in got] == [json.dumps(r["tags"], separators=(",", ":"))
                                        for r in rows]
    assert [r["info"] for r in got] == [{"page": None, **r["info"]} for r in rows]
    # Row groups: one per batch of the run, as when the schema does not change.
    assert pq.ParquetFile(out / "late.parquet").num_row_groups == 3


def test_an_int_column_that_never_changes_stays_int(tmp_path: Path) -> None:
    rows = [{"id": f"r{i}", "text": CLEAN[i % len(CLEAN)], "n": i} for i in range(N)]
    rows[CHANGE]["extra"] = True  # a widening elsewhere rewrites n: it must stay int64
    out = tmp_path / "out"
    proc = zhmend_run(write_jsonl(tmp_path / "ints.jsonl", rows), "-o", out,
                      "--output-format", "parquet", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    table = pq.read_table(out / "ints.parquet")
    assert str(table.schema.field("n").type) == "int64"
    assert table.column("n").to_pylist() == list(range(N))
    assert table.column("extra").to_pylist() == [True if i == CHANGE else None for i in range(N)]


def test_a_run_killed_mid_shard_then_rerun_gives_identical_bytes(late_change,
                                                                 tmp_path: Path) -> None:
    from conftest import hook_env

    src, reference = late_change
    out = tmp_path / "out"
    env = hook_env(tmp_path, CRASH_HOOK)
    crashed = zhmend_run(src, "-o", out, "--output-format", "parquet", "-j", "1",
                         env={**env, "ZHMEND_TEST_CRASH": "1"})
    assert crashed.returncode == 9, crashed.stderr
    # The widening at CHANGE started a second segment; both were on disk when it died.
    leftovers = [p.name for p in out.iterdir() if ".tmp-" in p.name]
    assert len(leftovers) == 2, leftovers
    assert not (out / "late.parquet").exists()
    # Rerun with two workers: the leftovers go, the bytes are the reference's.
    rerun = zhmend_run(src, "-o", out, "--output-format", "parquet", "-j", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert output_files(out) == output_files(reference)
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]


# -- the writer's costs ---------------------------------------------------------------------


def _rows_copied(batches: list[list[dict[str, Any]]], path: Path) -> tuple[int, int]:
    """(merges, rows copied by them) writing ``batches``; also checks that few segment
    files are on disk between batches."""
    merges = copied = 0
    real = ParquetWriter._merge

    def counted(self: ParquetWriter, segments: list, schema: Any) -> tuple[Path, int]:
        nonlocal merges, copied
        merged = real(self, segments, schema)
        merges, copied = merges + 1, copied + merged[1]
        return merged

    with mock.patch.object(ParquetWriter, "_merge", counted):
        w = ParquetWriter(path)
        for batch in batches:
            assert w.write_rows(batch) == []
            segments = [p for p in path.parent.iterdir() if ".tmp-" in p.name]
            assert len(segments) <= len(batches).bit_length() + 1
        w.commit()
    return merges, copied


def test_without_a_widening_nothing_is_rewritten(tmp_path: Path) -> None:
    batches = [[{"id": i, "n": i, "tags": ["a"]}] for i in range(50)]
    assert _rows_copied(batches, tmp_path / "p.parquet") == (0, 0)
    assert pq.read_table(tmp_path / "p.parquet").num_rows == 50


def test_a_late_field_costs_one_pass(tmp_path: Path) -> None:
    batches = [[{"id": i, "n": i}] for i in range(50)]
    batches[40][0]["author"] = "x"
    assert _rows_copied(batches, tmp_path / "p.parquet") == (1, 50)


def test_a_new_field_in_every_batch_is_not_a_rewrite_per_batch(tmp_path: Path) -> None:
    n = 64
    batches = [[{"id": i, f"f{i}": i}] for i in range(n)]
    _, copied = _rows_copied(batches, tmp_path / "p.parquet")
    # Rewriting the rows so far at every widening would copy n * (n - 1) / 2 = 2016 rows.
    assert copied <= n * (n.bit_length() + 1)
    table = pq.read_table(tmp_path / "p.parquet")
    assert [r[f"f{i}"] for i, r in enumerate(table.to_pylist())] == list(range(n))
    assert pq.ParquetFile(tmp_path / "p.parquet").num_row_groups == n


def test_a_given_schema_is_kept_and_rows_that_do_not_fit_are_handed_back(
    tmp_path: Path,
) -> None:
    schema = pa.schema([("id", pa.int32()), ("text", pa.string())])
    w = ParquetWriter(tmp_path / "g.parquet", schema)
    misfits = w.write_rows([{"id": 1, "text": "a"}, {"id": 2, "text": "b", "new": 1}])
    assert [(row["id"], "new" in why) for row, why in misfits] == [(2, True)]
    w.commit()
    table = pq.read_table(tmp_path / "g.parquet")
    assert table.schema == schema and table.to_pylist() == [{"id": 1, "text": "a"}]


def test_ints_a_float_cannot_hold_make_text_rather_than_lose_digits(tmp_path: Path) -> None:
    w = ParquetWriter(tmp_path / "b.parquet")
    for batch in ([{"a": 2**60 + 1, "b": [2**53]}], [{"a": 1, "b": [1]}], [{"a": 0.5}],
                  [{"b": [0.5]}]):
        assert w.write_rows(batch) == []
    w.commit()
    table = pq.read_table(tmp_path / "b.parquet")
    assert table.column("a").to_pylist() == [str(2**60 + 1), "1", "0.5", None]
    # 2**53 is exact in a float: that column becomes a list of floats.
    assert str(table.schema.field("b").type) == "list<element: double>"
    assert table.column("b").to_pylist() == [[2.0**53], [1.0], None, [0.5]]


# -- no record, no value lost: properties -----------------------------------------------------


def holds(read: Any, value: Any) -> bool:
    """Whether ``read`` (from Parquet) holds ``value`` (from JSON) after the documented
    conversion: lone surrogates as U+FFFD, an int in a float column as that float, a struct
    showing its other fields as null."""
    if value is None:
        return read is None
    if isinstance(value, bool) or isinstance(read, bool):
        return read is value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not isinstance(read, float):
            return False
        return isinstance(read, (int, float)) and read == value  # exact: int vs float too
    if isinstance(value, str):
        return read == without_surrogates(value)
    if isinstance(value, list):
        return (isinstance(read, list) and len(read) == len(value)
                and all(holds(r, v) for r, v in zip(read, value, strict=True)))
    return (isinstance(read, dict) and set(value) <= set(read)
            and all(holds(read[k], v) for k, v in value.items())
            and all(read[k] is None for k in read.keys() - value.keys()))


def holds_in(column_type: Any, read: Any, value: Any) -> bool:
    if pa.types.is_string(column_type) and value is not None and not isinstance(value, str):
        return isinstance(read, str) and holds(json.loads(read), without_surrogates(value))
    if pa.types.is_integer(column_type) and value is not None:
        return type(read) is int and read == value  # a column that stayed int keeps ints
    return holds(read, value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.integers(-5, 5) | st.sampled_from([2**53 + 1, -(2**62) - 3, 2**64])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet="ab会议\ud800", max_size=4),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["x", "y", "z"]), inner, max_size=3),
    max_leaves=6,
)
fields = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), json_values, max_size=4)


def check_table(table: Any, rows: list[dict[str, Any]], ids: list[str]) -> None:
    got = table.to_pylist()
    assert [r["id"] for r in got] == ids
    for row, out in zip(rows, got, strict=True):
        for key in ("a", "b", "c", "d"):
            if key in row:
                column = table.schema.field(key).type
                assert holds_in(column, out[key], row[key]), (key, column, out[key], row[key])
            else:
                assert out.get(key) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fields, min_size=1, max_size=24), st.integers(1, 6))
def test_jsonl_to_parquet_loses_no_record_and_no_value(extra: list[dict], batch: int) -> None:
    """The whole path a record takes in ``zhmend run``: the JSONL reader, the runner cut
    into small batches (so values change between batches), the writer."""
    rows = [{"id": f"r{i}", "text": "会议", **e} for i, e in enumerate(extra)]
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
        out = Path(d) / "out"
        opts = shard_runner.RunOptions(output_format="parquet")
        (shard,) = discover([str(src)])
        with mock.patch.object(shard_runner, "BATCH_RECORDS", batch):
            stats = shard_runner.run_shard(shard, opts, out, out / ".zhmend")
        assert (stats["in"], stats["out"], stats["rejected"]) == (len(rows), len(rows), 0)
        check_table(pq.read_table(out / "in.parquet"), rows, [r["id"] for r in rows])
        assert not [p for p in out.iterdir() if ".tmp-" in p.name]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(fields, min_size=1, max_size=5), min_size=1, max_size=8),
       st.sampled_from([2, 3, parquet.MAX_SEGMENTS]))
def test_the_writer_keeps_every_row_and_row_group_whatever_the_merges(
    batches: list[list[dict]], max_segments: int
) -> None:
    """A small MAX_SEGMENTS merges every segment as they pile up: rows are copied again
    and again, still nothing is lost and row groups stay one per call."""
    ids, rows, tagged = [], [], []
    for batch in batches:
        tagged.append([{"id": f"r{len(ids) + i}", **e} for i, e in enumerate(batch)])
        ids += [r["id"] for r in tagged[-1]]
        rows += batch
    with tempfile.TemporaryDirectory() as d, \
            mock.patch.object(parquet, "MAX_SEGMENTS", max_segments):
        path = Path(d) / "p.parquet"
        w = ParquetWriter(path)
        assert all(w.write_rows(b) == [] for b in tagged)
        w.commit()
        check_table(pq.read_table(path), rows, ids)
        assert pq.ParquetFile(path).num_row_groups == len(batches)
        assert os.listdir(d) == ["p.parquet"]
