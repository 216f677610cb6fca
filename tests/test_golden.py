"""Golden cases: what must change, and what must not."""

from __future__ import annotations

import pytest

import zhmend
from conftest import load_cases
from zhmend.edits import replay

MEND = load_cases("mend.json")
UNTOUCHED = load_cases("untouched.json")


@pytest.mark.parametrize("case", MEND, ids=[c["label"] for c in MEND])
def test_mend(case):
    assert zhmend.mend(case["input"]) == case["expected"]


@pytest.mark.parametrize("case", MEND, ids=[c["label"] for c in MEND])
def test_explanation_replays(case):
    result = zhmend.mend_and_explain(case["input"])
    assert result.text == case["expected"]
    assert replay(case["input"], result.edits) == result.text
    assert result.edits, "a case that changes text must explain its edits"


@pytest.mark.parametrize("case", MEND, ids=[c["label"] for c in MEND])
def test_mend_is_idempotent(case):
    once = zhmend.mend(case["input"])
    assert zhmend.mend(once) == once


@pytest.mark.parametrize("case", UNTOUCHED, ids=[c["label"] for c in UNTOUCHED])
def test_untouched(case):
    assert zhmend.mend(case["input"]) == case["input"]
    assert zhmend.mend_and_explain(case["input"]).edits == ()


def test_seed_page_exact():
    from conftest import SEED, need

    page = need(SEED / "input.txt").read_text(encoding="utf-8")
    expected = (SEED / "expected_mended.txt").read_text(encoding="utf-8")
    assert zhmend.mend(page) == expected
    result = zhmend.mend_and_explain(page)
    assert replay(page, result.edits) == expected
    assert result.evidence.script.converted_from_simplified


def test_bundled_sample_is_the_seed_page():
    from conftest import ROOT

    sample = (ROOT / "samples" / "seed.txt").read_text(encoding="utf-8")
    assert "會(huì)" in sample
    assert "會(huì)" not in zhmend.mend(sample)
