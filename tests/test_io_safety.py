"""Readers and writers never lose or corrupt a record without saying so.

Each defect gets a unit test of the reader or writer and, where a user would meet it, a
black-box run of the CLI. Every run keeps ``in == out + filtered + rejected + errored``.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_run_corpus import record_lines, zhmend_run
from zhmend.errors import InputError
from zhmend.io import textfile
from zhmend.io.parquet import ParquetWriter
from zhmend.io.readers import ShardReader, parse_line
from zhmend.io.records import Shard, discover, without_surrogates
from zhmend.io.writers import JsonlWriter

FARM = "會(huì)議召開(kāi),,市委書(shū)記,、委員"
BOM = b"\xef\xbb\xbf"


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _balanced(s: dict) -> bool:
    return s["in"] == s["out"] + s["filtered"] + s["rejected"] + s["errored"]


def _zhmend(*args: object, drop_root: bool = False) -> subprocess.CompletedProcess:
    """Any sub-command in a fresh process; ``drop_root`` runs it without root's file access."""
    cmd = [sys.executable, "-m", "zhmend.cli", *map(str, args)]
    if drop_root and os.geteuid() == 0:
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    return subprocess.run(cmd, capture_output=True, timeout=300)


def _lock(path: Path) -> None:
    """Make ``path`` unreadable to :func:`_zhmend` with ``drop_root``, or skip the test."""
    path.chmod(0)
    if os.geteuid() != 0:
        if os.access(path, os.R_OK):
            pytest.skip("cannot make a file unreadable here")
        return
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    probe = subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "test", "-r", str(path)],
        capture_output=True,
    )
    if probe.returncode == 0:
        pytest.skip("cannot make a file unreadable here")


def _reader_items(shard: Shard) -> list:
    return [item for _, item in ShardReader(shard)]


# 1. Lone surrogates ---------------------------------------------------------------------


def test_without_surrogates_replaces_lone_surrogates_anywhere_in_a_record() -> None:
    # The reader keeps them (mending strips them from the text, inspect reports them).
    record = parse_line(rb'{"t":"a\ud800b","l":["\udfff"],"\udc80":1,"ok":"\ud83d\ude00"}', "x", 1)
    assert record == {"t": "a\ud800b", "l": ["\udfff"], "\udc80": 1, "ok": "\U0001f600"}
    assert without_surrogates(record) == {
        "t": "a\ufffdb", "l": ["\ufffd"], "\ufffd": 1, "ok": "\U0001f600",
    }
    assert without_surrogates({"a": [1, None, 2.5, True], "b": "會"}) == {
        "a": [1, None, 2.5, True], "b": "會",
    }


def test_jsonl_writer_output_is_valid_utf8_whatever_the_record(tmp_path: Path) -> None:
    w = JsonlWriter(tmp_path / "o.jsonl")
    w.write({"id": 1, "title": "\ud800", "text": "x\udc00y"})
    w.commit()
    line = (tmp_path / "o.jsonl").read_bytes().decode("utf-8")  # strict: raises if invalid
    assert json.loads(line) == {"id": 1, "title": "\ufffd", "text": "x\ufffdy"}


def test_parquet_writer_takes_lone_surrogates_as_replacement_characters(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    w = ParquetWriter(tmp_path / "o.parquet")
    assert w.write_rows([{"id": 1, "text": "ok"}, {"id": 2, "text": "x\ud800"}]) == []
    w.commit()
    assert pq.read_table(tmp_path / "o.parquet").column("text").to_pylist() == ["ok", "x\ufffd"]


@pytest.mark.parametrize("strip", ["--strip-invisible", "--no-strip-invisible"])
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_run_with_lone_surrogates_writes_every_record_as_utf8(
    tmp_path: Path, fmt: str, strip: str
) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "s.jsonl"
    lines = [r'{"id":0,"title":"\ud800","text":"abc\udc00' + FARM + '"}']
    lines += [json.dumps({"id": i, "title": "t", "text": FARM}, ensure_ascii=False)
              for i in range(1, 5)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = zhmend_run(src, "-o", out, strip, "--dedup", "--output-format", fmt)
    assert proc.returncode == 0, proc.stderr
    s = _summary(out)
    assert s["in"] == s["out"] == 5 and _balanced(s)
    dedup = json.loads((out / "dedup-summary.json").read_text(encoding="utf-8"))
    assert dedup["documents"] == 5 and dedup["rejected"] == 0
    if fmt == "jsonl":
        rows = [json.loads(x) for x in (out / "s.jsonl").read_bytes().decode("utf-8").splitlines()]
    else:
        rows = pytest.importorskip("pyarrow.parquet").read_table(out / "s.parquet").to_pylist()
    assert len(rows) == 5
    assert rows[0]["title"] == "\ufffd"
    # strip_invisible turns the lone surrogate into U+FFFD; kept, the writer does the same.
    assert rows[0]["text"].startswith("abc\ufffd")


def test_inspect_reports_every_document_after_a_lone_surrogate(tmp_path: Path) -> None:
    src = tmp_path / "s.jsonl"
    src.write_text(
        r'{"id":"a","text":"x\ud800' + FARM + '"}\n'
        + "".join(json.dumps({"id": i, "text": FARM}, ensure_ascii=False) + "\n"
                  for i in range(3)),
        encoding="utf-8",
    )
    for flags in (["--json"], []):
        proc = _zhmend("inspect", *flags, src)
        assert proc.returncode == 0, proc.stderr
        text = proc.stdout.decode("utf-8")  # strict
        if flags:
            reports = [json.loads(x) for x in text.splitlines()]
            assert [r["id"] for r in reports] == ["a", 0, 1, 2]
            assert reports[0]["counts"]["lone_surrogates"] == 1
        else:
            assert text.count("farm score") == 4


# 2. Truncated zstd ----------------------------------------------------------------------


def _zstd(data: bytes, frames: int = 1) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    step = -(-len(data) // frames)
    c = zstandard.ZstdCompressor()
    return b"".join(c.compress(data[i : i + step]) for i in range(0, len(data), step))


@pytest.mark.parametrize("frames", [1, 3])
def test_zstd_reader_reads_whole_files_and_flags_cut_ones(tmp_path: Path, frames: int) -> None:
    data = ("\n".join(record_lines(200)) + "\n").encode()
    whole = tmp_path / "whole.jsonl.zst"
    whole.write_bytes(_zstd(data, frames))
    items = _reader_items(Shard("whole", "jsonl", "zstd", (str(whole),)))
    assert len(items) == 200 and all(isinstance(i, dict) for i in items)
    for cut in (10, len(whole.read_bytes()) // 2):
        part = tmp_path / f"cut{cut}.jsonl.zst"
        part.write_bytes(whole.read_bytes()[:-cut])
        items = _reader_items(Shard("cut", "jsonl", "zstd", (str(part),)))
        assert items and not isinstance(items[-1], dict)
        assert items[-1].reason == "truncated_input"
        assert all(isinstance(i, dict) for i in items[:-1])


def test_run_reports_a_cut_zstd_file_like_a_cut_gzip_file(tmp_path: Path) -> None:
    data = ("\n".join(record_lines(3000)) + "\n").encode()
    src = tmp_path / "in"
    src.mkdir()
    (src / "z.jsonl.zst").write_bytes(_zstd(data, 4)[:-10])
    g = gzip.compress(data, mtime=0)
    (src / "g.jsonl.gz").write_bytes(g[:-10])
    proc = zhmend_run(src, "-o", tmp_path / "out", "-j", "1")
    assert proc.returncode == 1, proc.stderr
    s = _summary(tmp_path / "out")
    assert s["by_reason"] == {"truncated_input": 2} and _balanced(s)
    assert s["out"] > 3000  # the intact frames of z and most of g were mended


# 3. Unreadable text pages ---------------------------------------------------------------


def test_txt_reader_rejects_an_unreadable_page_and_reads_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = []
    for i in range(3):
        p = tmp_path / f"p{i}.txt"
        p.write_text(f"{FARM} {i}\n", encoding="utf-8")
        paths.append(str(p))
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "p1.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    items = _reader_items(Shard("t", "txt", "none", tuple(paths), str(tmp_path)))
    assert [i["id"] for i in items if isinstance(i, dict)] == ["p0.txt", "p2.txt"]
    (reject,) = [i for i in items if not isinstance(i, dict)]
    assert reject.reason == "unreadable" and "Permission denied" in reject.detail
    assert reject.source == paths[1]


def test_run_mends_the_readable_pages_of_a_directory(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(4):
        (pages / f"p{i}.txt").write_text(f"{FARM} {i}\n", encoding="utf-8")
    _lock(pages / "p2.txt")
    out = tmp_path / "out"
    proc = _zhmend("run", pages, "-o", out, drop_root=True)
    assert proc.returncode == 1, proc.stderr
    s = _summary(out)
    assert (s["in"], s["out"], s["by_reason"]) == (4, 3, {"unreadable": 1})
    ids = [json.loads(x)["id"] for x in (out / "pages.txt-00000.jsonl").read_text().splitlines()]
    assert ids == ["p0.txt", "p1.txt", "p3.txt"]


# 4. Unreadable subdirectories -----------------------------------------------------------


def test_discover_refuses_a_directory_it_cannot_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "a.jsonl").write_text('{"text":"x"}\n', encoding="utf-8")
    (tmp_path / "locked" / "b.jsonl").write_text('{"text":"y"}\n', encoding="utf-8")
    assert [s.name for s in discover([str(tmp_path)])] == ["a", "locked/b"]
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(InputError, match="locked: cannot read this directory"):
        discover([str(tmp_path)])


def test_run_stops_on_an_unreadable_subdirectory(tmp_path: Path) -> None:
    u = tmp_path / "u"
    (u / "locked").mkdir(parents=True)
    data = "\n".join(json.dumps({"id": i, "text": FARM}) for i in range(5)) + "\n"
    (u / "a.jsonl").write_text(data, encoding="utf-8")
    (u / "locked" / "b.jsonl").write_text(data, encoding="utf-8")
    _lock(u / "locked")
    try:
        proc = _zhmend("run", u, "-o", tmp_path / "out", drop_root=True)
    finally:
        (u / "locked").chmod(0o755)
    assert proc.returncode in (1, 2)
    assert b"zhmend:" in proc.stderr and b"locked: cannot read this directory" in proc.stderr
    assert not (tmp_path / "out" / "a.jsonl").exists()


# 5. Byte-order marks --------------------------------------------------------------------


def test_readers_skip_a_bom_at_the_start_of_a_shard(tmp_path: Path) -> None:
    j = tmp_path / "b.jsonl"
    j.write_bytes(BOM + b'{"id":1,"text":"a"}\n{"id":2,"text":"b"}\n')
    items = _reader_items(Shard("b", "jsonl", "none", (str(j),)))
    assert items == [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]
    g = tmp_path / "b.jsonl.gz"
    g.write_bytes(gzip.compress(j.read_bytes(), mtime=0))
    assert _reader_items(Shard("g", "jsonl", "gzip", (str(g),))) == items
    t = tmp_path / "p.txt"
    t.write_bytes(BOM + "會議\n".encode())
    assert _reader_items(Shard("p", "txt", "none", (str(t),), str(tmp_path))) == [
        {"id": "p.txt", "text": "會議\n"}
    ]
    # Only at the very start: a BOM inside a later line is that line's content.
    j.write_bytes(b'{"id":1,"text":"a"}\n' + BOM + b'{"id":2,"text":"b"}\n')
    later = _reader_items(Shard("b", "jsonl", "none", (str(j),)))
    assert later[0] == {"id": 1, "text": "a"} and later[1].reason == "bad_json"


def test_run_and_inspect_read_the_first_record_after_a_bom(tmp_path: Path) -> None:
    src = tmp_path / "bom.jsonl"
    src.write_bytes(BOM + "".join(
        json.dumps({"id": i, "text": FARM}, ensure_ascii=False) + "\n" for i in range(3)
    ).encode())
    proc = zhmend_run(src, "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    s = _summary(tmp_path / "out")
    assert (s["in"], s["out"], s["rejected"]) == (3, 3, 0)
    proc = _zhmend("inspect", "--json", src)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x)["id"] for x in proc.stdout.decode().splitlines()] == [0, 1, 2]


# 6. JSONL to Parquet with rows that disagree --------------------------------------------


def test_parquet_writer_types_the_schema_over_the_whole_first_batch(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [
        {"id": 1, "text": "a", "n": 1},
        {"id": "b", "text": "b", "n": 2.5, "opt": [1, 2]},
        {"id": 3, "text": "c", "blank": None, "opt": {"k": 1}},
    ]
    w = ParquetWriter(tmp_path / "m.parquet", extra={"zhmend_changed": bool})
    assert w.write_rows([dict(r, zhmend_changed=False) for r in rows]) == []
    # Later rows: a string column takes any value as JSON text, a column null so far takes
    # the type of its first value, a new field is a new column (tests/test_parquet_schema.py).
    later = [{"id": 4, "text": "d", "n": 3, "blank": 7}, {"id": 5, "text": "e", "new": 1}]
    assert w.write_rows([dict(r, zhmend_changed=True) for r in later]) == []
    w.commit()
    table = pq.read_table(tmp_path / "m.parquet")
    assert table.schema.names == ["id", "text", "n", "zhmend_changed", "opt", "blank", "new"]
    assert str(table.schema.field("n").type) == "double"
    assert str(table.schema.field("zhmend_changed").type) == "bool"
    assert table.column("id").to_pylist() == ["1", "b", "3", "4", "5"]
    assert table.column("opt").to_pylist() == [None, "[1,2]", '{"k":1}', None, None]
    assert table.column("blank").to_pylist() == [None, None, None, 7, None]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab"), inner,
                                                                 max_size=2),
    max_leaves=6,
)


# Rows as the runner hands them over: always an id, other fields optional.
rows_strategy = st.fixed_dictionaries(
    {"id": json_values}, optional={"n": json_values, "x": json_values, "y": json_values}
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(rows_strategy, min_size=1, max_size=6), min_size=1, max_size=3))
def test_parquet_writer_accounts_for_every_row(batches: list[list[dict]]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        w = ParquetWriter(Path(d) / "p.parquet")
        misfit = sum(len(w.write_rows(batch)) for batch in batches)
        assert misfit == 0 or len(batches) > 1  # the first batch always fits
        w.commit()
        rows = pq.read_table(Path(d) / "p.parquet").num_rows
        assert rows + misfit == sum(map(len, batches)) == w.count + misfit


def test_run_writes_every_record_of_a_mixed_shard_to_parquet(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "m1.jsonl"
    rows = [{"id": 1, "text": FARM}, {"id": "b", "text": FARM, "opt": 1}, {"id": 3, "text": "x"}]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    out = tmp_path / "out"
    proc = zhmend_run(src, "-o", out, "--output-format", "parquet")
    assert proc.returncode == 0, proc.stderr
    s = _summary(out)
    assert (s["in"], s["out"], s["rejected"]) == (3, 3, 0)
    table = pq.read_table(out / "m1.parquet")
    assert table.column("id").to_pylist() == ["1", "b", "3"]
    assert table.column("opt").to_pylist() == [None, 1, None]


# 7. Encodings whose line ends are not the byte 0x0a -------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from(["會", "a", "議", "😀", "\n", "\r\n", " ", "。"]), max_size=400),
    st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "gb18030", "utf-32"]),
    st.integers(1, 300),
    st.integers(1, 40),
)
def test_blocks_are_the_same_whatever_the_encoding(
    chars: list[str], encoding: str, block_bytes: int, read_bytes: int
) -> None:
    text = "".join(chars)
    old = textfile.READ_BYTES
    textfile.READ_BYTES = read_bytes  # small reads split characters across them
    try:
        want = list(textfile.iter_blocks(io.BytesIO(text.encode()), "u8", "utf-8",
                                         block_bytes=block_bytes))
        got = list(textfile.iter_blocks(io.BytesIO(text.encode(encoding)), "x", encoding,
                                        block_bytes=block_bytes))
    finally:
        textfile.READ_BYTES = old
    assert got == want
    assert "".join(got) == text
    assert all(b.endswith("\n") for b in got[:-1])


def test_a_bad_byte_is_named_at_its_offset_across_reads() -> None:
    data = b"x" * (textfile.READ_BYTES - 1) + b"\xe6\x9c(\n"
    with pytest.raises(InputError, match=f"byte offset {textfile.READ_BYTES - 1} "):
        list(textfile.iter_blocks(io.BytesIO(data), "f"))
    # The same three bytes, complete, decode fine wherever the read splits them.
    ok = b"x" * (textfile.READ_BYTES - 1) + "會\n".encode()
    assert "".join(textfile.iter_blocks(io.BytesIO(ok), "f")).endswith("會\n")


def test_fix_of_a_large_utf16_file_equals_fix_of_the_utf8_file(tmp_path: Path) -> None:
    lines = [f"{FARM} 第{i}行\n" for i in range(20000)]  # over 1 MiB in both encodings
    text = "".join(lines)
    (tmp_path / "u8.txt").write_text(text, encoding="utf-8")
    (tmp_path / "u16.txt").write_text(text, encoding="utf-16")
    assert (tmp_path / "u8.txt").stat().st_size > textfile.BLOCK_BYTES
    want = _zhmend("fix", tmp_path / "u8.txt")
    assert want.returncode == 0, want.stderr
    got = _zhmend("fix", "--encoding", "utf-16", tmp_path / "u16.txt")
    assert got.returncode == 0, got.stderr
    assert got.stdout == want.stdout
    lossy = _zhmend("fix", "--encoding", "utf-16", "--errors", "replace", tmp_path / "u16.txt")
    assert lossy.stdout == want.stdout


def test_a_utf16_file_read_as_utf8_gets_a_hint(tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_text(f"{FARM}\n", encoding="utf-16")
    for cmd in ("fix", "inspect"):
        proc = _zhmend(cmd, tmp_path / "u16.txt")
        assert proc.returncode == 1
        assert b"byte-order mark: pass --encoding utf-16" in proc.stderr
    (tmp_path / "nul.txt").write_bytes(b"ab\x00cd\n")
    proc = _zhmend("fix", tmp_path / "nul.txt")
    assert b"NUL byte at offset 2" in proc.stderr and b"byte-order mark" not in proc.stderr


@pytest.mark.parametrize(
    ("line", "name"),
    [("null", "null"), ("[1]", "array"), ("3", "number"), ('"a"', "string"), ("true", "boolean")],
)
def test_a_line_that_is_no_object_is_named_by_its_json_type(line, name):
    from zhmend.io.readers import parse_line

    reject = parse_line(line.encode(), "f.jsonl", 7)
    assert reject.reason == "not_an_object"
    assert reject.detail == f"line holds a JSON {name}, not an object"


def test_a_line_nested_too_deeply_is_rejected_alone(tmp_path: Path) -> None:
    j = tmp_path / "deep.jsonl"
    deep = '{"v": ' + "[" * 5000 + "]" * 5000 + "}"
    j.write_text('{"id":1,"text":"a"}\n' + deep + '\n{"id":3,"text":"c"}\n', encoding="utf-8")
    items = _reader_items(Shard("deep", "jsonl", "none", (str(j),)))
    assert items[0] == {"id": 1, "text": "a"} and items[2] == {"id": 3, "text": "c"}
    assert items[1].reason == "bad_json" and "nested" in items[1].detail
