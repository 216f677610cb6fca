"""`zhmend inspect` as a user runs it: a subprocess, files, stdin, exit status."""

from __future__ import annotations

import json
import subprocess
import sys

FARM = "國家會(huì)議召開(kāi)了,,經濟發(fā)展是重點。\n"
CLEAN = "新华社北京5月15日电 国家统计局15日发布数据，4月份国民经济保持恢复向好态势。\n"


def zhmend(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "inspect", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_readable_report_of_a_text_file(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("首页 > 新闻\n" + FARM, encoding="utf-8")
    run = zhmend(str(page))
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "→ farm" in out
    assert "converted from simplified: yes" in out
    # Findings are located by line and column, in the input.
    assert f"{page}:2:4 pinyin_labels '(huì)'" in out
    assert f"{page}:1:1 page_chrome" in out
    assert "stray_commas" in out


def test_json_report_per_jsonl_document(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    rows = [{"id": "a", "text": FARM}, {"id": "b", "text": CLEAN}, {"text": CLEAN, "url": "x"}]
    crawl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    run = zhmend(str(crawl), "--json")
    assert run.returncode == 0, run.stderr
    reports = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["id"] for r in reports] == ["a", "b", 3]  # the line number when there is no id
    farm, clean = reports[0], reports[1]
    assert farm["verdict"] == "farm" and farm["farm_score"] >= 0.9
    assert farm["converted_from_simplified"] is True
    assert farm["counts"]["pinyin_labels"] == 3
    assert {f["name"] for f in farm["findings"]} >= {"pinyin_labels", "stray_commas"}
    assert clean["verdict"] == "clean" and clean["script"] == "simplified"
    assert clean["findings"] == []


def test_json_report_matches_the_library(tmp_path):
    import zhmend as lib

    page = tmp_path / "page.txt"
    page.write_text(FARM, encoding="utf-8")
    run = zhmend(str(page), "--json")
    report = json.loads(run.stdout)
    assert report["file"] == str(page)
    expected = lib.inspect(FARM).to_dict()
    assert {k: v for k, v in report.items() if k != "file"} == expected


def test_stdin_is_read_when_no_file_is_given():
    run = zhmend("--json", stdin=FARM)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["file"] == "<stdin>"


def test_bad_lines_are_reported_and_the_rest_inspected(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    good = json.dumps({"id": "ok", "text": CLEAN}, ensure_ascii=False)
    crawl.write_text(
        "{broken\n" + good + "\n" + json.dumps({"id": "n", "body": "x"}) + "\n[1, 2]\n", "utf-8"
    )
    run = zhmend(str(crawl), "--json")
    assert run.returncode == 1
    assert [json.loads(line)["id"] for line in run.stdout.splitlines()] == ["ok"]
    errors = run.stderr.splitlines()
    assert len(errors) == 3 and all(e.startswith("zhmend: ") for e in errors)
    assert f"{crawl}:1:" in errors[0]
    assert "'text'" in errors[1]


def test_text_field_option(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text(json.dumps({"body": FARM}, ensure_ascii=False) + "\n", "utf-8")
    run = zhmend(str(crawl), "--json", "--text-field", "body")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["verdict"] == "farm"


def test_missing_file_is_a_usage_error(tmp_path):
    run = zhmend(str(tmp_path / "nope.txt"))
    assert run.returncode == 2
    assert run.stderr.startswith("zhmend: cannot read")


def test_undecodable_file_names_the_byte(tmp_path):
    page = tmp_path / "gbk.txt"
    page.write_bytes("会议召开".encode("gbk"))
    run = zhmend(str(page))
    assert run.returncode == 1
    assert "byte offset 0" in run.stderr
    assert zhmend(str(page), "--encoding", "gb18030").returncode == 0


# Positions: a byte-order mark, a file cut into blocks, a JSONL record -------------------

BOM = b"\xef\xbb\xbf"


def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "zhmend.cli", *args], capture_output=True, timeout=300
    )


def _without_file(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "file"}


def test_a_bom_is_the_files_signature_not_a_finding(tmp_path):
    plain, signed = tmp_path / "plain.txt", tmp_path / "signed.txt"
    plain.write_bytes(FARM.encode())
    signed.write_bytes(BOM + FARM.encode())
    a, b = zhmend(str(plain), "--json"), zhmend(str(signed), "--json")
    assert a.returncode == b.returncode == 0, b.stderr
    assert _without_file(json.loads(b.stdout)) == _without_file(json.loads(a.stdout))
    assert "invisible" not in json.loads(b.stdout)["counts"]
    # Line 1's columns are the editor's: 會 is character 3, its label starts at 4.
    readable = zhmend(str(signed)).stdout
    assert f"{signed}:1:4 pinyin_labels '(huì)'" in readable
    assert "invisible" not in readable
    # A mark anywhere else is a character of the text, and still reported.
    inside = tmp_path / "inside.txt"
    inside.write_bytes(BOM + b"\xe7\xac\xac\xe4\xb8\x80\n" + BOM + CLEAN.encode())
    report = json.loads(zhmend(str(inside), "--json").stdout)
    assert [(f["name"], f["start"]) for f in report["findings"]] == [("invisible", 3)]


def test_fix_and_run_read_the_same_text_after_a_bom(tmp_path):
    plain, signed = tmp_path / "plain.txt", tmp_path / "signed.txt"
    plain.write_bytes(FARM.encode())
    signed.write_bytes(BOM + FARM.encode())
    want = cli("fix", str(plain)).stdout
    assert cli("fix", str(signed)).stdout == want
    # Kept invisible characters are kept, but the mark was never text.
    kept = cli("fix", "--no-strip-invisible", str(signed))
    assert kept.returncode == 0
    assert kept.stdout == cli("fix", "--no-strip-invisible", str(plain)).stdout
    # The explanation places every edit as it does without the mark.
    explained = cli("fix", "--explain", str(signed)).stdout.decode()
    plain_explained = cli("fix", "--explain", str(plain)).stdout.decode()
    assert explained.replace(str(signed), str(plain)) == plain_explained
    assert "\ufeff" not in explained
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "signed.txt").write_bytes(signed.read_bytes())
    done = cli("run", str(pages), "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    written = next((tmp_path / "out").glob("*.jsonl")).read_text("utf-8")
    rows = [json.loads(x) for x in written.splitlines()]
    assert [r["text"].encode() for r in rows] == [want]


def test_a_bom_split_across_reads_or_in_utf16_is_dropped():
    import io

    from zhmend.io.textfile import iter_blocks

    class Trickle(io.RawIOBase):  # a pipe that hands over one byte at a time
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            head, self.data = self.data[:1], self.data[1:]
            return head

    assert "".join(iter_blocks(Trickle(BOM + FARM.encode()), "p")) == FARM
    assert "".join(iter_blocks(Trickle(BOM), "p")) == ""
    assert "".join(iter_blocks(Trickle(BOM + BOM), "p")) == "\ufeff"
    utf16 = ("\ufeff" + FARM).encode("utf-16-le")
    assert "".join(iter_blocks(io.BytesIO(utf16), "p", "utf-16-le")) == FARM


def _split_page(tmp_path):
    from zhmend.io.textfile import BLOCK_BYTES

    filler = CLEAN * (BLOCK_BYTES * 3 // 2 // len(CLEAN.encode()))  # a block and a half
    text = FARM + filler + FARM
    page = tmp_path / "big.txt"
    page.write_bytes(BOM + text.encode())
    return page, text


def test_a_split_files_reports_say_so_and_place_findings_in_the_file(tmp_path):
    page, text = _split_page(tmp_path)
    run = zhmend(str(page), "--json")
    assert run.returncode == 0, run.stderr
    reports = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["id"] for r in reports] == [0, 1]
    blocks = [r["block"] for r in reports]
    assert blocks[0]["start"] == 0 and blocks[-1]["end"] == len(text)
    assert blocks[0]["end"] == blocks[1]["start"]
    for b in blocks:
        assert (b["line"], b["col"]) == (text.count("\n", 0, b["start"]) + 1, 1)
    # Offsets count characters of the file (after the mark), in every block.
    findings = [f for r in reports for f in r["findings"]]
    assert findings and all(text[f["start"] : f["end"]] == f["text"] for f in findings)
    last = text.rindex("(huì)")
    assert last > blocks[1]["start"]
    assert [f["start"] for f in reports[1]["findings"] if f["name"] == "pinyin_labels"][0] == last
    readable = zhmend(str(page)).stdout
    assert f"{page}, block 0 (from line 1): farm score" in readable
    assert f"{page}, block 1 (from line {blocks[1]['line']}): farm score" in readable
    assert f"{page}:{text.count(chr(10))}:4 pinyin_labels '(huì)'" in readable


def test_a_file_failing_after_its_first_block_still_reports_it_as_a_block(tmp_path):
    page, text = _split_page(tmp_path)
    page.write_bytes(page.read_bytes() + b"\xff\n")
    run = zhmend(str(page), "--json")
    assert run.returncode == 1
    assert "not valid utf-8 at byte offset" in run.stderr
    reports = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["id"] for r in reports] == [0]
    block = reports[0]["block"]
    assert (block["start"], block["line"], block["col"]) == (0, 1, 1)
    assert text[: block["end"]].endswith("\n") and block["end"] < len(text)


def test_jsonl_positions_name_the_record_line_and_the_field(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    rows = [{"id": "a", "text": CLEAN}, {"id": "b", "body": "第一行\n" + FARM}]
    crawl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    run = zhmend(str(crawl), "--text-field", "body")
    assert run.returncode == 1  # the first record has no body
    out = run.stdout
    assert f"{crawl}:2 [b]: farm score" in out
    # Line 2, column 4 of the record's body: not line 2 of the file.
    assert f"  {crawl}:2 body 2:4 pinyin_labels '(huì)'" in out
    assert f"{crawl}:2:" not in out
    report = json.loads(zhmend(str(crawl), "--json", "--text-field", "body").stdout)
    assert (report["line"], report["id"]) == (2, "b")
    body = rows[1]["body"]
    assert all(body[f["start"] : f["end"]] == f["text"] for f in report["findings"])


def test_an_empty_file_is_one_empty_document(tmp_path):
    """Every file gets its report: ``inspect --json a b c`` prints three lines, as the
    library reports on an empty text."""
    files = {"a.txt": "會(huì)議召開", "empty.txt": "", "bom.txt": "\ufeff"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    import zhmend as lib

    out = zhmend("--json", *(str(tmp_path / n) for n in files))
    assert out.returncode == 0, out.stderr
    reports = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["file"] for r in reports] == [str(tmp_path / n) for n in files]
    empty = lib.inspect("").to_dict()
    for report in reports[1:]:
        assert report["farm_score"] == empty["farm_score"]
        assert report["counts"] == {}
