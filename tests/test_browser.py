"""Real headless Chromium (Debian's, driven by Playwright): the playground mends the seed page
and highlights its edits, toggles change the output, the run report opens offline and shows
every chart and its samples. Screenshots land in each test's tmp_path."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("fastapi")
pytest.importorskip("matplotlib")

import zhmend  # noqa: E402
from test_report import CHART_IDS, make_corpus, zhmend_cli  # noqa: E402
from test_serve import SEED_TEXT, running_server  # noqa: E402

CHROMIUM = os.environ.get("ZHMEND_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As root in a closed network: no sandbox, and no background calls home.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (scripts/test installs it)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server() as (base, _):
        yield base


def shot(page, path: Path, full: bool = False) -> None:
    page.screenshot(path=str(path), full_page=full)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000, path


def wait_for_result(page, after: int) -> None:
    page.wait_for_function(
        f"Number(document.body.dataset.done || 0) > {after}", timeout=30_000
    )


def done(page) -> int:
    return int(page.evaluate("Number(document.body.dataset.done || 0)"))


def test_playground_mends_the_seed_and_highlights_edits(browser, server: str, tmp_path: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server + "/")
    wait_for_result(page, 0)
    assert page.input_value("#input") == SEED_TEXT
    expected = zhmend.mend_and_explain(SEED_TEXT)
    assert page.input_value("#plain") == expected.text
    edits = page.locator("#output .edit")
    assert edits.count() == len(expected.edits)
    rules = set(page.eval_on_selector_all("#output .edit", "els => els.map(e => e.title)"))
    assert rules == {e.rule for e in expected.edits}
    # Removed text is struck through, inserted text marked, as the browser renders them.
    style = page.eval_on_selector("#output del", "e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in style
    bg = page.eval_on_selector("#output ins", "e => getComputedStyle(e).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent")
    # The highlighted view reads back as the input with the edits undone.
    before = page.eval_on_selector(
        "#output", "el => { const c = el.cloneNode(true); c.querySelectorAll('ins')"
        ".forEach(n => n.remove()); return c.textContent; }"
    )
    assert before == SEED_TEXT
    assert page.text_content("#farm-score") not in ("", "–")
    assert "converted from simplified: yes" in page.text_content("#script")
    shot(page, tmp_path / "playground.png")


def test_toggling_a_fixer_changes_the_output(browser, server: str, tmp_path: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server + "/")
    wait_for_result(page, 0)
    full = page.input_value("#plain")
    n = done(page)
    page.uncheck("#opt-repair_punctuation")
    wait_for_result(page, n)
    without = page.input_value("#plain")
    assert without != full
    assert without == zhmend.mend(SEED_TEXT, repair_punctuation=False)
    rules = page.eval_on_selector_all("#output .edit", "els => els.map(e => e.title)")
    assert rules and not any("repair_punctuation" in r for r in rules)
    shot(page, tmp_path / "no-punctuation.png")
    n = done(page)
    page.select_option("#opt-to", "keep")
    wait_for_result(page, n)
    assert page.input_value("#plain") == zhmend.mend(SEED_TEXT, to="keep",
                                                     repair_punctuation=False)
    # Typing a new page mends it too (after a short pause).
    n = done(page)
    page.fill("#input", "會(huì)議召開(kāi),,市委")
    wait_for_result(page, n)
    assert page.input_value("#plain") == zhmend.mend("會(huì)議召開(kāi),,市委", to="keep",
                                                     repair_punctuation=False)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    make_corpus(tmp / "crawl.jsonl")
    r = zhmend_cli("run", str(tmp / "crawl.jsonl"), "-o", str(tmp / "out"), "--report",
                   "-j", "1", "--progress", "none")
    assert r.returncode == 1, r.stderr
    # Add cluster columns as dedup writes them, so the cluster chart is drawn too.
    shard = tmp / "out" / "crawl.jsonl"
    rows = [json.loads(line) for line in shard.read_text("utf-8").splitlines()]
    for i, row in enumerate(rows):
        row["cluster_size"] = 2 if i < 4 else 1
        row["is_representative"] = i not in (1, 3)
    shard.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in rows), "utf-8")
    assert zhmend_cli("report", str(tmp / "out")).returncode == 0
    return tmp / "out" / "report.html"


def test_report_opens_offline_with_every_chart_and_sample(browser, report_file: Path,
                                                         tmp_path: Path):
    context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900})
    requests: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    context.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
    page = context.new_page()
    page.goto(report_file.as_uri())
    for chart in (*CHART_IDS, "chart-clusters"):
        svg = page.locator(f"#{chart} svg")
        assert svg.count() == 1, chart
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 50, chart
        assert page.locator(f"#{chart} svg rect, #{chart} svg path").count() > 3, chart
    assert page.locator("#samples .sample").count() == 20
    assert page.locator("#samples .edit del").count() > 0
    assert page.locator("#samples .edit ins").count() > 0
    assert page.locator("#most-changed tr").count() > 5
    assert requests == [report_file.as_uri()]  # the page itself, nothing else
    shot(page, tmp_path / "report.png", full=True)
    context.close()
