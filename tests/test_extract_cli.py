"""``zhmend extract`` run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import SEED, need

PAGE = "自贡融媒记者 卜一珊\n5月15日,會(huì)議召開(kāi),,市委書(shū)記主持。\n編輯:宋姿熠\n0\n"


def zhmend(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "extract", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def test_seed_page_equals_expected_record():
    page = need(SEED / "input.txt")
    expected = json.loads((SEED / "expected_record.json").read_text(encoding="utf-8"))
    run = zhmend(str(page))
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert {k: got[k] for k in expected} == expected
    assert {k: v for k, v in got.items() if k not in expected} == {
        "published_at": None,
        "source": None,
    }


def test_stdin_and_several_files_in_order(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(PAGE, encoding="utf-8")
    b.write_text("记者 张晓明\n会议召开。\n", encoding="utf-8")
    run = zhmend(str(a), str(b))
    assert run.returncode == 0, run.stderr
    first, second = (json.loads(line) for line in run.stdout.decode().splitlines())
    assert first["credits"] == {"编辑": ["宋姿熠"]} and first["residue"] == ["0"]
    assert first["body"] == "5月15日，会议召开，市委书记主持。"
    assert second["reporters"] == ["张晓明"]
    piped = zhmend(stdin=PAGE.encode())
    assert json.loads(piped.stdout) == first


def test_lines_show_where_each_line_went(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text(PAGE, encoding="utf-8")
    run = zhmend("--lines", str(a))
    assert run.returncode == 0
    assert run.stdout.decode().splitlines() == [
        f"{a}:1 byline 自贡融媒记者 卜一珊",
        f"{a}:2 body 5月15日，会议召开，市委书记主持。",
        f"{a}:3 credits 编辑：宋姿熠",
        f"{a}:4 residue 0",
    ]


def test_mended_input_and_indent(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("會議召開。\n編輯：宋姿熠\n", encoding="utf-8")
    run = zhmend("--mended", "--indent", "2", str(a))
    assert run.returncode == 0
    assert run.stdout.decode().startswith('{\n  "title": null')
    assert json.loads(run.stdout)["credits"] == {"编辑": ["宋姿熠"]}
    assert json.loads(run.stdout)["body"] == "會議召開。"


def test_usage_errors_exit_2(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text(PAGE, encoding="utf-8")
    run = zhmend("--mended", "--to", "keep", str(a))
    assert run.returncode == 2 and run.stderr.startswith(b"zhmend: ")
    run = zhmend(str(tmp_path / "missing.txt"))
    assert run.returncode == 2 and b"zhmend: cannot read" in run.stderr
    assert run.stdout == b""
    run = zhmend("--encoding", "nope", str(a))
    assert run.returncode == 2 and b"unknown encoding" in run.stderr


def test_undecodable_file_exit_1_others_still_done(tmp_path):
    bad, good = tmp_path / "bad.txt", tmp_path / "good.txt"
    bad.write_bytes("编辑：宋姿熠\n".encode("gb18030"))
    good.write_text(PAGE, encoding="utf-8")
    run = zhmend(str(bad), str(good))
    assert run.returncode == 1
    assert b"zhmend: " in run.stderr and b"bad.txt" in run.stderr
    assert len(run.stdout.decode().splitlines()) == 1
    ok = zhmend("--encoding", "gb18030", str(bad))
    assert ok.returncode == 0 and json.loads(ok.stdout)["credits"] == {"编辑": ["宋姿熠"]}
