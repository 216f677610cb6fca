"""Black-box runs of `zhmend fix`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEED, need

CLI = [sys.executable, "-m", "zhmend.cli"]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, timeout=120, cwd=ROOT
    )


def test_seed_page_byte_for_byte():
    page = need(SEED / "input.txt")
    result = run("fix", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (SEED / "expected_mended.txt").read_bytes()


def test_bundled_sample_runs():
    result = run("fix", "samples/seed.txt")
    assert result.returncode == 0
    assert "会议召开".encode() in result.stdout


def test_stdin_when_no_file():
    result = run("fix", stdin="會(huì)議召開(kāi),,市委".encode())
    assert result.returncode == 0
    assert result.stdout.decode() == "会议召开，市委"


def test_several_files_in_order(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("會(huì)議(yì)\n", encoding="utf-8")
    b.write_text("發(fā)展(zhǎn)\n", encoding="utf-8")
    result = run("fix", str(a), str(b))
    assert result.stdout.decode() == "会议\n发展\n"


def test_explain_lists_edits_with_positions(tmp_path):
    page = tmp_path / "p.txt"
    page.write_text("第一行\n會(huì)議召開(kāi),,市委", encoding="utf-8")
    result = run("fix", "--explain", str(page))
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert any(":2:" in line and "strip_pinyin_annotations" in line for line in lines)
    assert all(line.startswith(str(page)) for line in lines)


def test_explain_json(tmp_path):
    import json

    page = tmp_path / "p.txt"
    page.write_text("會(huì)議召開(kāi)", encoding="utf-8")
    result = run("fix", "--explain", "--json", str(page))
    doc = json.loads(result.stdout)
    assert doc["file"] == str(page)
    assert {e["rule"] for e in doc["edits"]} >= {"strip_pinyin_annotations"}


MIXED_DUMP = (
    "行政院今天召開記者會，說明後續的防疫措施，並表示將於下週公布細節。\n"
    "會(huì)議召開(kāi),,市委書(shū)記,、委員\n"
    "佢哋今日去咗旺角食飯，啲嘢好好食嘅。"
)


def test_lines_judges_each_line_as_a_document(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text(MIXED_DUMP, encoding="utf-8")
    taiwan, farm, cantonese = MIXED_DUMP.split("\n")
    whole = run("fix", str(dump)).stdout.decode()
    # One block, one decision: the farm line's labels convert the genuine lines too.
    assert whole.split("\n")[0] != taiwan
    result = run("fix", "--lines", str(dump))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == f"{taiwan}\n会议召开，市委书记、委员\n{cantonese}"


def test_lines_explain_numbers_the_lines_of_the_file(tmp_path):
    import json

    dump = tmp_path / "dump.txt"
    dump.write_text(MIXED_DUMP, encoding="utf-8")
    lines = run("fix", "--lines", "--explain", str(dump)).stdout.decode().splitlines()
    assert lines and all(f"{dump}:2:" in line for line in lines)
    doc = json.loads(run("fix", "--lines", "--explain", "--json", str(dump)).stdout)
    assert {e["line"] for e in doc["edits"]} == {2}
    assert len(doc["evidence"]) == 3  # one per line


def test_to_keep_never_converts():
    result = run("fix", "--to", "keep", stdin="會(huì)議召開(kāi),,市委".encode())
    assert result.stdout.decode() == "會議召開，市委"


def test_switch_one_fixer_off():
    result = run("fix", "--no-repair-punctuation", stdin="會(huì)議召開(kāi),,市委".encode())
    assert result.stdout.decode() == "会议召开,,市委"


def test_missing_file_is_a_usage_error():
    result = run("fix", "no/such/file.txt")
    assert result.returncode == 2
    assert result.stderr.decode().startswith("zhmend: ")
    assert "no/such/file.txt" in result.stderr.decode()


def test_invalid_utf8_names_file_and_offset(tmp_path):
    page = tmp_path / "gbk.txt"
    page.write_bytes("會議".encode() + "发展".encode("gbk"))
    result = run("fix", str(page))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert str(page) in err and "byte offset 6" in err and "--encoding" in err


def test_other_encoding_and_replace(tmp_path):
    page = tmp_path / "gbk.txt"
    page.write_bytes("发展,會議".encode("gb18030"))
    assert run("fix", "--encoding", "gb18030", str(page)).stdout.decode() == "发展，會議"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe" + "会议".encode())
    result = run("fix", "--errors", "replace", str(bad))
    assert result.returncode == 0
    assert result.stdout.decode().endswith("会议")


def test_binary_input_is_refused(tmp_path):
    blob = tmp_path / "image.bin"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = run("fix", str(blob))
    assert result.returncode == 1
    assert "binary" in result.stderr.decode()
    assert result.stdout == b""


def test_bad_option_is_a_usage_error():
    result = run("fix", "--to", "klingon")
    assert result.returncode == 2
    assert "auto" in result.stderr.decode()


@pytest.mark.parametrize("lines", [1, 30_000])
def test_large_input_is_mended_block_by_block(tmp_path, lines):
    page = tmp_path / "big.txt"
    page.write_text("會(huì)議召開(kāi),,市委書(shū)記\n" * lines, encoding="utf-8")
    result = run("fix", str(page))
    assert result.stdout.decode() == "会议召开，市委书记\n" * lines


def test_json_without_explain_is_a_usage_error():
    result = run("fix", "--json", stdin="會(huì)議".encode())
    assert result.returncode == 2
    assert b"--explain" in result.stderr


def test_no_command_lists_the_commands():
    result = run()
    assert result.returncode == 2
    listed = result.stderr.decode()
    for command in ("fix", "inspect", "run", "extract", "dedup", "report", "serve"):
        assert f"\n    {command} " in listed


def _replays(text: str, edits: list[dict]) -> str:
    for e in sorted(edits, key=lambda e: e["start"], reverse=True):
        assert text[e["start"] : e["end"]] == e["before"], e
        text = text[: e["start"]] + e["after"] + text[e["end"] :]
    return text


@pytest.mark.parametrize("lines", [False, True])
def test_explain_json_offsets_count_from_the_file_start(tmp_path, lines):
    """Past the first document (a line with --lines, a block of about a MiB without), the
    edits and findings still point into the file: the explanation replays on it."""
    import json

    filler = "今天天气很好，我们去公园散步。\n" * (1100 * 1024 // 46 if not lines else 2)
    text = filler + "會(huì)議召開(kāi),,市委書(shū)記,、委員\n第二段,,好\n"
    page = tmp_path / "big.txt"
    page.write_text(text, encoding="utf-8")
    args = ["fix", "--explain", "--json", str(page)] + (["--lines"] if lines else [])
    doc = json.loads(run(*args).stdout)
    assert doc["edits"] and min(e["start"] for e in doc["edits"]) >= len(filler)
    mended = run("fix", str(page), *(["--lines"] if lines else [])).stdout.decode()
    assert _replays(text, doc["edits"]) == mended
    found = [f for ev in doc["evidence"] for f in ev["findings"]]
    assert found and all(text[f["start"] : f["end"]] == f["text"] for f in found)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_said_without_a_traceback():
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [*CLI, "fix", "-"], input="會(huì)議,,好\n".encode(), stdout=full,
            stderr=subprocess.PIPE, timeout=60, cwd=ROOT,
        )
    assert result.returncode == 1
    assert result.stderr.startswith(b"zhmend: ") and b"Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("encoding", "status", "words"),
    [("utf-16", 1, b"utf-16-le"), ("rot13", 2, b"not a text encoding")],
)
def test_encodings_that_cannot_read_the_file_are_said(tmp_path, encoding, status, words):
    page = tmp_path / "page.txt"
    page.write_bytes("中文".encode("utf-16-le"))  # no byte-order mark
    result = run("fix", "--encoding", encoding, str(page))
    assert result.returncode == status
    assert result.stderr.startswith(b"zhmend: ") and words in result.stderr
    assert b"Traceback" not in result.stderr
