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
