"""Do no harm on the evaluation sets in ../shared/data (skipped when absent)."""

from __future__ import annotations

import pytest

import zhmend
from conftest import DATA, need, read_jsonl
from zhmend.chars import is_han

WIDTH_PAIRS = {(a, b) for a, b in zip(",;:!?()", "，；：！？（）")}


def _han(text: str) -> str:
    return "".join(c for c in text if is_han(c))


def _allowed(edit) -> bool:
    """Only punctuation width and invisible characters may change in clean text."""
    if edit.rule == "strip_invisible":
        return True
    if edit.rule == "repair_punctuation":
        return (edit.before, edit.after) in WIDTH_PAIRS
    return False


@pytest.fixture(scope="module")
def news():
    return read_jsonl(need(DATA / "news_dev.jsonl"))


@pytest.fixture(scope="module")
def trad():
    return read_jsonl(need(DATA / "trad_dev.jsonl"))


def test_clean_simplified_news(news):
    identical = 0
    for doc in news:
        result = zhmend.mend_and_explain(doc["text"])
        assert _han(result.text) == _han(doc["text"]), doc["id"]
        bad = [e for e in result.edits if not _allowed(e)]
        assert not bad, (doc["id"], bad[:3])
        identical += result.text == doc["text"]
    assert identical / len(news) >= 0.995


def test_genuine_traditional_stays_traditional(trad):
    identical = 0
    for doc in trad:
        result = zhmend.mend_and_explain(doc["text"])
        assert _han(result.text) == _han(doc["text"]), doc["id"]
        assert not result.evidence.script.converted_from_simplified, doc["id"]
        identical += result.text == doc["text"]
    assert identical / len(trad) >= 0.99


def test_fast_path_agrees_with_full_pipeline(news):
    """mend() skips clean text by a cheap scan; the full pipeline must agree on every doc."""
    from zhmend.config import DEFAULT
    from zhmend.mend import needs_work

    for doc in news[:1500]:
        if not needs_work(doc["text"], DEFAULT):
            assert zhmend.mend_and_explain(doc["text"]).text == doc["text"], doc["id"]
