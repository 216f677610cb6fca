"""zhmend.inspect: findings, counts, script decision and farm score (golden cases as data)."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from conftest import DATA, load_cases, need, read_jsonl
from zhmend import scan
from zhmend.detect import (
    FARM_BIAS,
    FARM_THRESHOLD,
    FARM_WEIGHTS,
    WEAK_CAP,
    WEAK_SIGNS,
    farm_features,
    farm_score,
)
from zhmend.findings import CHROME, CHROME_CUES, FIXER_FINDINGS, _traditional
from zhmend.inspection import _scan

CASES = load_cases("inspect.json")
MEND_CASES = load_cases("mend.json") + load_cases("untouched.json")


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_golden(case):
    report = zhmend.inspect(case["input"])
    counts = dict(report.counts)
    for name, n in case["counts"].items():
        assert counts.get(name, 0) == n, (name, counts)
    for name in case.get("absent", []):
        assert name not in counts, (name, counts)
    if case.get("exact"):
        assert counts == case["counts"]
    if "script" in case:
        assert report.script == case["script"]
    if "converted" in case:
        assert report.converted_from_simplified is case["converted"]
    assert (report.verdict == "farm") is case["farm"], report.farm_score
    for name, detail in case.get("detail", {}).items():
        assert detail in {f.detail for f in report.findings if f.name == name}
    if "chrome" in case:
        # Every page chrome line, in order: the span's text (its line, as the page holds
        # it) and the kind found first on it.
        chrome = [(f.text, f.detail) for f in report.findings if f.name == "page_chrome"]
        assert chrome == [(c["text"], c["detail"]) for c in case["chrome"]]


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_findings_locate_their_text(case):
    text = case["input"]
    for f in zhmend.inspect(text).findings:
        assert text[f.start : f.end] == f.text, f


@pytest.mark.parametrize("case", CASES + MEND_CASES, ids=lambda c: c["label"])
def test_inspect_is_the_evidence_of_mend(case):
    """One source of truth: the report is the evidence mend_and_explain returns."""
    text = case["input"]
    assert zhmend.inspect(text).evidence == zhmend.mend_and_explain(text).evidence


@pytest.mark.parametrize("case", CASES + MEND_CASES, ids=lambda c: c["label"])
def test_fixer_findings_match_fixer_counts(case):
    evidence = zhmend.mend_and_explain(case["input"]).evidence
    found = Counter(f.name for f in evidence.findings)
    for name in FIXER_FINDINGS:
        assert found.get(name, 0) == evidence.counts.get(name, 0), name


# Text built from what the detectors and fixers look at, so the fast path is exercised on
# both sides of its decision.
ALPHABET = st.sampled_from(
    list("会會议議发發后并于国國的了是在(（)）,，。、:：!?？_|丨 \n\u200b\ufffd😀")
    + ["hui4", "huì", "guo", "(kong)", "首页 > ", "浏览次数:12", "锟斤拷", "鍙戝睍"]
)
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_fast_path_agrees_with_mend_and_explain(text):
    assert zhmend.inspect(text).evidence == zhmend.mend_and_explain(text).evidence


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_fast_scan_agrees_with_scan_needs_work(text):
    found = _scan(text)
    assert found.idle is (not scan.needs_work(text))
    if found.idle or found.script_only:
        assert found.counts == scan.count_scripts(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_total_and_bounded_on_any_str(text):
    report = zhmend.inspect(text)
    assert 0.0 <= report.farm_score <= 1.0
    for f in report.findings:
        assert 0 <= f.start <= f.end <= len(text)
        assert text[f.start : f.end] == f.text


def test_inspect_rejects_bytes_with_the_remedy():
    with pytest.raises(TypeError, match="decode"):
        zhmend.inspect("會議".encode())


# --- the score formula ---------------------------------------------------------------------


def test_score_of_nothing_is_the_bias():
    assert farm_score({}, None) == round(1 / (1 + math.exp(-FARM_BIAS)), 4)


@pytest.mark.parametrize(
    "counts",
    [
        {"pinyin_labels": 5, "ascii_punct": 20, "page_chrome": 1},
        {"pinyin_labels": 5, "ascii_punct": 20, "page_chrome": 3, "mojibake": 4},
    ],
)
def test_score_follows_the_documented_formula(counts):
    z = FARM_BIAS
    weak = 0.0
    for name, n in farm_features(counts, None).items():
        if n:
            w, cap = FARM_WEIGHTS[name]
            if name in WEAK_SIGNS:
                weak += w * math.log2(1 + min(n, cap))
            else:
                z += w * math.log2(1 + min(n, cap))
    z += min(weak, WEAK_CAP)
    assert farm_score(counts, None) == round(1 / (1 + math.exp(-z)), 4)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(WEAK_SIGNS)), st.integers(0, 500)))
def test_weak_signs_together_never_reach_the_threshold(counts):
    assert farm_score(counts, None) < FARM_THRESHOLD


@pytest.mark.parametrize("name", sorted(set(FARM_WEIGHTS) - {"script_converted_from_simplified",
                                                           "residue_chars", "mainland_terms",
                                                           "junk", "invisible"}))
def test_more_findings_never_lower_the_score(name):
    scores = [farm_score({name: n}, None) for n in range(0, 80, 3)]
    assert scores == sorted(scores)
    assert scores[-1] > scores[0]


WEAK = ("ascii_punct", "page_chrome", "invisible", "mojibake", "unverified_labels",
        "seo_header", "residue_chars", "mainland_terms")


@pytest.mark.parametrize("name", WEAK)
def test_a_weak_sign_alone_never_reaches_the_threshold(name):
    weight, cap = FARM_WEIGHTS[name]
    assert FARM_BIAS + weight * math.log2(1 + cap) < 0


def test_every_chrome_keyword_holds_a_cue():
    for _kind, keywords, _after, _start in CHROME:
        for kw in keywords:
            assert any(c in CHROME_CUES for c in kw), kw
            assert any(c in _traditional(CHROME_CUES) for c in _traditional(kw)), kw


# --- calibration on the evaluation data (skipped when ../shared is absent) -----------------


def test_real_farm_pages_score_at_least_0_9():
    pages = sorted(need(DATA / "real_dev").glob("[0-9][0-9][0-9].txt"))
    for page in pages:
        report = zhmend.inspect(page.read_text(encoding="utf-8"))
        assert report.farm_score >= 0.9, (page.name, report.farm_score)


@pytest.mark.parametrize("name", ["news_dev.jsonl", "trad_dev.jsonl"])
def test_clean_sets_rarely_score_as_farms(name):
    docs = read_jsonl(need(DATA / name))
    flagged = [d["id"] for d in docs if zhmend.inspect(d["text"]).farm_score >= FARM_THRESHOLD]
    assert len(flagged) <= 0.001 * len(docs), flagged


def test_genuine_traditional_is_not_called_converted():
    docs = read_jsonl(need(DATA / "trad_dev.jsonl"))
    converted = [d["id"] for d in docs if zhmend.inspect(d["text"]).converted_from_simplified]
    assert not converted
