"""The run report: built from a real `zhmend run` directory, numbers checked against the
library, self-contained (nothing to fetch), deterministic, and its errors teach."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("matplotlib")

import zhmend  # noqa: E402
from zhmend.report import REPORT_NAME, SAMPLES, build_report  # noqa: E402
from zhmend.report.data import SCORE_BINS, collect  # noqa: E402
from zhmend.report.highlight import edits_html, segments  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED_LINES = [
    line for line in (ROOT / "samples" / "seed.txt").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
CLEAN = [
    "今天上午，市政府召开新闻发布会，介绍今年一季度经济运行情况。",
    "气象台预计，明天白天多云转晴，最高气温二十三摄氏度。",
    "图书馆周末延长开放时间，读者可以通过手机预约座位。",
    "这条线路全长十二公里，预计年底前建成通车。",
]
TRADITIONAL = ["臺北市立圖書館週末延長開放時間，讀者可透過網站預約座位。"]
CHART_IDS = ("chart-prevalence", "chart-farm-score", "chart-scripts", "chart-fixers")
BUILT_IN = re.compile(r"report built in [0-9.]+ s")


def make_corpus(path: Path, farm_docs: int = 30) -> list[dict]:
    """Farm pages cut from the seed page, clean and traditional text, and two bad records."""
    records = [{"id": "html", "text": "<script>alert(1)</script>會(huì)議召開(kāi),,市委"}]
    for i in range(farm_docs):
        start = (i * 3) % max(1, len(SEED_LINES) - 3)
        text = "\n".join(SEED_LINES[start : start + 1 + i % 4])
        records.append({"id": f"farm-{i:02d}", "text": text})
    for i, text in enumerate(CLEAN * 3):
        records.append({"id": f"clean-{i:02d}", "text": text})
    records.append({"id": "trad-0", "text": TRADITIONAL[0]})
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
        f.write("{not json\n")
        f.write(json.dumps({"id": "num", "text": 42}) + "\n")
    return records


def zhmend_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zhmend.cli", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    tmp = tmp_path_factory.mktemp("run")
    records = make_corpus(tmp / "crawl.jsonl")
    r = zhmend_cli("run", str(tmp / "crawl.jsonl"), "-o", str(tmp / "out"), "--report",
                   "-j", "1", "--progress", "none")
    assert r.returncode == 1, r.stderr  # two records rejected: exit 1, report written anyway
    return tmp / "out", records


def test_run_report_writes_every_section(run_dir: tuple[Path, list[dict]]) -> None:
    out, records = run_dir
    html = (out / REPORT_NAME).read_text(encoding="utf-8")
    for chart in CHART_IDS:
        section = html.split(f'id="{chart}"', 1)[1].split("</section>", 1)[0]
        assert "<svg" in section, chart
    assert 'id="chart-clusters"' not in html  # dedup did not run
    assert "bad_json" in html and "text_not_string" in html
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["report"]["file"] == REPORT_NAME
    assert summary["report"]["seconds"] >= 0
    assert len(summary["samples"]) == SAMPLES  # --report keeps enough samples


def test_samples_highlight_every_edit(run_dir: tuple[Path, list[dict]]) -> None:
    out, _ = run_dir
    html = (out / REPORT_NAME).read_text(encoding="utf-8")
    samples = html.split('id="samples"', 1)[1].split("</section>", 1)[0]
    assert samples.count('<div class="sample">') == SAMPLES
    rules = set(re.findall(r'<span class="edit" title="([^"]+)"', samples))
    assert rules and all(set(r.split("+")) <= set(zhmend.MendConfig.names()) for r in rules)
    assert "<del>" in samples and "<ins>" in samples


def test_counts_agree_with_the_library(run_dir: tuple[Path, list[dict]]) -> None:
    out, records = run_dir
    data = collect(out)
    mendable = [r for r in records if isinstance(r["text"], str)]
    assert data.documents == len(mendable)
    findings: Counter[str] = Counter()
    per_fixer: Counter[str] = Counter()
    scripts: Counter[str] = Counter()
    most = []
    for r in mendable:
        result = zhmend.mend_and_explain(r["text"])
        findings.update(k for k, v in result.evidence.counts.items() if v)
        for e in result.edits:
            per_fixer.update(e.rule.split("+"))
        scripts[result.evidence.script.script if result.evidence.script else "none"] += 1
        most.append((len(result.edits), r["id"]))
    assert data.findings == findings
    assert +data.edits_per_fixer == +per_fixer
    assert data.scripts == scripts
    top = max(n for n, _ in most)
    assert data.most_changed[0].edits == top
    assert data.most_changed[0].id in {i for n, i in most if n == top}
    assert [c.edits for c in data.most_changed] == sorted((c.edits for c in data.most_changed),
                                                          reverse=True)
    if data.scored:
        assert len(data.scores) == SCORE_BINS and sum(data.scores) == data.documents


def test_report_is_self_contained(run_dir: tuple[Path, list[dict]]) -> None:
    html = (run_dir[0] / REPORT_NAME).read_text(encoding="utf-8")
    # Namespace URIs (xmlns="http://www.w3.org/2000/svg") are names, never fetched.
    fetched = re.findall(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', html)
    assert fetched == []
    for needle in ("<script", "<link", "@import", "url(http", "<iframe", "<img"):
        assert needle not in html.lower(), needle
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # document text is escaped


def test_rebuild_gives_the_same_report(run_dir: tuple[Path, list[dict]], tmp_path: Path) -> None:
    out, _ = run_dir
    r = zhmend_cli("report", str(out), "-o", str(tmp_path / "again.html"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "again.html")
    first = BUILT_IN.sub("", (out / REPORT_NAME).read_text(encoding="utf-8"))
    again = BUILT_IN.sub("", (tmp_path / "again.html").read_text(encoding="utf-8"))
    assert first == again


def test_cluster_sizes_are_charted_when_dedup_ran(run_dir: tuple[Path, list[dict]],
                                                  tmp_path: Path) -> None:
    out, _ = run_dir
    rows = [json.loads(line) for line in (out / "crawl.jsonl").read_text("utf-8").splitlines()]
    copy = tmp_path / "out"
    copy.mkdir()
    (copy / "summary.json").write_text((out / "summary.json").read_text("utf-8"), "utf-8")
    # Mark clusters the way dedup does: every member carries its cluster's size, one
    # member is the representative. Sizes 3 and 2, the rest singletons.
    for i, row in enumerate(rows):
        size = 3 if i < 3 else 2 if i < 5 else 1
        row["cluster_size"] = size
        row["is_representative"] = i in (0, 3) or i >= 5
    (copy / "crawl.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    data = collect(copy)
    assert data.cluster_sizes == Counter({1: len(rows) - 5, 2: 1, 3: 1})
    # Without is_representative, members are counted and divided by the cluster size.
    for row in rows:
        del row["is_representative"]
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "summary.json").write_text((out / "summary.json").read_text("utf-8"), "utf-8")
    (bare / "crawl.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    assert collect(bare).cluster_sizes == data.cluster_sizes
    html = build_report(copy).read_text(encoding="utf-8")
    assert "<svg" in html.split('id="chart-clusters"', 1)[1].split("</section>", 1)[0]


def test_report_without_output_rows_uses_the_summary(run_dir: tuple[Path, list[dict]],
                                                     tmp_path: Path) -> None:
    out, _ = run_dir
    (tmp_path / "summary.json").write_text((out / "summary.json").read_text("utf-8"), "utf-8")
    data = collect(tmp_path)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert data.documents == 0
    assert dict(+data.edits_per_fixer) == {k: v for k, v in summary["by_fixer"].items() if v}
    html = build_report(tmp_path).read_text(encoding="utf-8")
    assert "<svg" in html.split('id="chart-fixers"', 1)[1].split("</section>", 1)[0]


def test_parquet_output_is_read(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    make_corpus(tmp_path / "crawl.jsonl", farm_docs=6)
    r = zhmend_cli("run", str(tmp_path / "crawl.jsonl"), "-o", str(tmp_path / "out"),
                   "--output-format", "parquet", "--report", "-j", "1", "--progress", "none")
    assert r.returncode == 1, r.stderr
    data = collect(tmp_path / "out")
    assert data.shards == ["crawl.parquet"]
    assert data.documents == 6 + len(CLEAN) * 3 + 2


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda d: None, "has no summary.json"),
        (lambda d: (d / "summary.json").write_text("{", "utf-8"), "is not valid JSON"),
        (lambda d: (d / "summary.json").write_text("[1]", "utf-8"), "not a zhmend run summary"),
    ],
)
def test_report_errors_teach(tmp_path: Path, setup, message: str) -> None:
    setup(tmp_path)
    r = zhmend_cli("report", str(tmp_path))
    assert r.returncode == 2
    assert r.stderr.startswith("zhmend: ") and message in r.stderr
    assert not (tmp_path / REPORT_NAME).exists()


def test_report_of_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    r = zhmend_cli("report", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "not a directory" in r.stderr


# --- highlighting ---------------------------------------------------------------------------

pieces = st.lists(
    st.sampled_from(SEED_LINES[:8] + CLEAN + ["<b>", "&", "\u200b", "😀", "(huì)", ",,"]),
    max_size=6,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(pieces)
def test_segments_rebuild_both_texts(text: str) -> None:
    result = zhmend.mend_and_explain(text)
    parts = segments(text, result.edits)
    assert "".join(before for _, before, _, _ in parts) == text
    assert "".join(after for _, _, after, _ in parts) == result.text


@settings(max_examples=40, deadline=None)
@given(pieces)
def test_highlighted_html_never_leaks_markup(text: str) -> None:
    html = edits_html(text, zhmend.mend_and_explain(text).edits)
    stripped = re.sub(r'</?(?:del|ins)>|<span class="edit" title="[^"<>]*" data-rule="[^"<>]*">'
                      r"|</span>", "", html)
    assert "<" not in stripped and ">" not in stripped
