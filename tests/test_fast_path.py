"""``mend`` takes a text-only path (no edits, coarse fixer steps); it must give exactly
the text of ``mend_and_explain``, which composes every fine edit."""

from __future__ import annotations

import os

import pytest
from bench.corrupt import VARIANTS, corrupt
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import zhmend
from conftest import DATA, load_cases, need, read_jsonl

CASES = load_cases("fast_path.json")


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_both_paths_give_the_expected_text(case):
    options = case["options"]
    assert zhmend.mend(case["input"], **options) == case["expected"]
    assert zhmend.mend_and_explain(case["input"], **options).text == case["expected"]


# Pieces that steer the text-only path into each of its branches: many labels on one
# line (learner text), a label cut at the end, characters with several simplified forms
# and their readings, kept names, junk before labels, chains of ASCII marks, dot runs.
PIECES = st.sampled_from(
    [
        "會", "議", "國", "發", "展", "于", "并", "后", "乾", "著", "於", "麼", "徵", "王丙乾",
        "李奕昇", "会", "国", "的", "深圳", "小", "朋", "友",
        "(huì)", "(hui4)", "(guo)", "(kong)(kong)", "（huì）", "(gān)", "(qián)", "(zhe)", "(zhù)",
        "(wū)", "(me)", "(zhēng)", "(xiǎo)", "(péng)", "(yǒu)", "(zhèn)", "(t", "(zh",
        "(B區)", "(ID:x)", "(", ")", ",", ",,", ",、", ",。", ";", ":", "!", "?", "...", "......",
        ".", "。", "，", "%", "3,000", "12:30", "\n", " ", "\u200b", "\ud800",
        "⚠💲🕮", "😮", "🁝", "a", "9",
    ]
)
TEXT = st.one_of(st.lists(PIECES, max_size=50).map("".join), st.text(max_size=60))
OPTIONS = st.sampled_from(
    [{}, {"to": "keep"}, {"to": "simplified"}, {"to": "traditional"},
     {"repair_punctuation": False}, {"strip_pinyin_annotations": False},
     {"strip_injected_junk": False}]
)


@settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(TEXT, OPTIONS)
@example("小(xiǎo)朋(péng)友(yǒu)會(huì)議(yì)\n國(guó)家發展,,會議", {})
@example("國(guó)家⚠💲🕮發(fā)展,嗚呼於(wū)戲", {})
@example("會(huì)議;,會議...國(guó)家", {})
def test_mend_is_the_explained_text(text, options):
    assert zhmend.mend(text, **options) == zhmend.mend_and_explain(text, **options).text


def _same_text(docs: list[str]) -> list[int]:
    return [i for i, d in enumerate(docs) if zhmend.mend(d) != zhmend.mend_and_explain(d).text]


def test_corpora_mend_is_the_explained_text():
    news = [d["text"] for d in read_jsonl(need(DATA / "news_dev.jsonl"))]
    trad = [d["text"] for d in read_jsonl(need(DATA / "trad_dev.jsonl"))]
    real = [p.read_text(encoding="utf-8") for p in sorted(need(DATA / "real_dev").glob("*.txt"))]
    assert _same_text(news[:400]) == []
    assert _same_text(trad) == []
    assert _same_text(real) == []
    for name, corruption in VARIANTS.items():
        noisy = [corrupt(t, corruption, seed=i) for i, t in enumerate(news[:40])]
        assert _same_text(noisy) == [], name
