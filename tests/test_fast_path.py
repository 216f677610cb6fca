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
from zhmend import scan
from zhmend.config import DEFAULT, MendConfig
from zhmend.detect import decide_script
from zhmend.edits import apply_edits
from zhmend.fixers import FIXERS, KEEP_CLASSES, Context, punctuation
from zhmend.mend import needs_work

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
        ",,,", ",;", ";,", ":,", "）", "麗", "(B)",
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


SLOW_OK = settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Marks, the characters around them that the punctuation rules read, and nothing else.
MARKS = st.text(alphabet=list(",,,;;::!!??(()).....中國會，。、；：！？（）…a1 \n%"), max_size=40)


@SLOW_OK
@given(MARKS, st.booleans())
@example("中,,,;,:,a", True)
@example("會,,。增长30%,,5G(ID:x)好!,真?,a", False)
def test_a_text_round_is_the_listed_round(text, farm):
    """The text-only round settles the common marks in C; the text is the listed round's."""
    listed = punctuation._apply(text, punctuation._one_round(text, farm))
    assert punctuation._text_round(text, farm) == listed


@SLOW_OK
@given(TEXT)
def test_fixers_that_keep_classes_remove_only_characters_without_script(text):
    """What lets ``mend`` hand its scan (class bits, script counts) on to later fixers."""
    table = scan.class_table()
    ctx = Context(DEFAULT, explain=True)
    current = text
    for name, fixer in FIXERS.items():
        edits = fixer(current, ctx)
        if name in KEEP_CLASSES:
            for e in edits:
                assert not any(table[ord(c)] & (scan.TRAD | scan.SIMP) for c in e.before), e
                assert not any(table[ord(c)] for c in e.after), e
        if edits:
            current = apply_edits(current, edits)


@SLOW_OK
@given(TEXT, OPTIONS)
def test_the_scan_mend_shares_is_needs_work(text, options):
    config = MendConfig.build(**options)
    auto_script = config.to == "auto" or not config.converts
    expected = (config.to == "traditional" and config.converts) or scan.needs_work(
        text, auto_script=auto_script
    )
    assert needs_work(text, config) is expected


@SLOW_OK
@given(TEXT, st.sampled_from([0, 1, 7]))
@example("國家發展於是會議", 0)
@example("國家發展于是會議,,市委,,", 3)
def test_the_script_decision_without_detail_decides_the_same(text, labels):
    full = decide_script(text, labels)
    quick = decide_script(text, labels, counts=scan.count_scripts(text), detail=False)
    assert quick.converted_from_simplified == full.converted_from_simplified
    assert quick.script == full.script
    assert (quick.traditional_chars, quick.simplified_chars) == (
        full.traditional_chars,
        full.simplified_chars,
    )
