"""``extract`` on the evaluation data in ../shared/data (skipped when absent)."""

from __future__ import annotations

import pytest

import zhmend
from conftest import DATA, need, read_jsonl
from test_extract import check_accounting
from zhmend.news import extract


def _page(name: str) -> str:
    return need(DATA / "real_dev" / f"{name}.txt").read_text(encoding="utf-8")


def _chars(text: str) -> int:
    return sum(not c.isspace() for c in text)


def test_clean_news_keeps_its_body():
    """news_dev has no wrapping: the headline is the title and every other character is body."""
    docs = read_jsonl(need(DATA / "news_dev.jsonl"))
    worst = []
    for doc in docs:
        text = doc["text"]
        record = extract(text)
        check_accounting(zhmend.mend(text), record)
        headline, _, rest = text.partition("\n")
        if record.title is not None:
            assert record.title == headline.strip(), doc["id"]
            kept = _chars(record.body) / max(1, _chars(rest))
        else:
            kept = _chars(record.body) / max(1, _chars(text))
        if kept < 0.995:
            worst.append((doc["id"], round(kept, 4)))
        # No wrapping to find: no credits, chrome or residue on a clean transcript.
        assert not record.credits and not record.chrome and not record.residue, doc["id"]
    assert not worst, worst[:20]


def test_genuine_traditional_paragraphs():
    docs = read_jsonl(need(DATA / "trad_dev.jsonl"))
    for doc in docs:
        record = extract(doc["text"])
        check_accounting(zhmend.mend(doc["text"]), record)
        # Encyclopedia paragraphs: no credits, bylines or datelines to find.
        assert not record.credits and record.byline is None and record.dateline is None, doc["id"]


def test_real_pages_accounting():
    pages = sorted((DATA / "real_dev").glob("[0-9][0-9][0-9].txt")) if DATA.exists() else []
    if not pages:
        pytest.skip("../shared/data/real_dev is not present")
    for path in pages:
        text = path.read_text(encoding="utf-8")
        check_accounting(zhmend.mend(text), extract(text))


# What each real page shows (see its NNN.source.txt): the lines that are not body, by line
# number, and the values read from them. check_accounting ties the values to the lines.
FOUND = {
    "002": {
        "labels": {1: "title", 2: "source", 7: "chrome"},
        "source": "四海网综合",
        "published_at": "2019-07-23",
    },
    "004": {"labels": {3: "chrome"}, "reporters": ["戴璐岭"]},
    "008": {"labels": {1: "title", 2: "chrome"}, "published_at": "2021-03-18"},
    "013": {"labels": {1: "residue", 5: "chrome"}},
    "016": {
        "labels": {1: "chrome", 3: "chrome", 5: "title", 7: "source"},
        "published_at": "2020-04-08",
        "outlet": "人民网",
        "reporters": ["许晓华"],
    },
    "020": {"labels": {1: "byline"}, "reporters": ["张眉", "翟晋玉"]},
    "026": {
        "labels": {
            1: "chrome",
            2: "title",
            3: "residue",
            4: "published_at",
            5: "chrome",
            6: "dateline",
            7: "residue",
        },
        "published_at": "2008-08-13",
    },
}


@pytest.mark.parametrize("name", sorted(FOUND))
def test_real_page_findings(name):
    record = extract(_page(name))
    want = dict(FOUND[name])
    labels = want.pop("labels")
    assert {line.number: line.label for line in record.lines if line.label != "body"} == labels
    for key, value in want.items():
        got = getattr(record, key)
        assert (list(got) if isinstance(got, tuple) else got) == value, key
    assert record.body


def test_real_page_credit_stays_in_its_paragraph():
    record = extract(_page("004"))
    last = record.body.splitlines()[-1]
    assert last.endswith("（记者 戴璐岭）")
    assert record.body.count("\n") == 1
