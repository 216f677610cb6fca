"""Properties over any text: idempotence, totality, replay, identity on clean text."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import zhmend
from zhmend.edits import Edit, EditLog, apply_edits, replay

# Text built from the pieces farms use, so the fixers actually fire; plus anything at all.
PIECES = st.sampled_from(
    [
        "會", "議", "召", "開", "發", "展", "國", "于", "并", "后", "么", "乾", "著", "龔", "昇",
        "会", "议", "发", "国", "我", "的", "长", "長", "控", "生",
        "(huì)", "(kāi)", "(hui4)", "(guo)", "(kong)(kong)", "（huì）", "(ID:x)", "(B區)", "(2021)",
        "(", ")", "（", "）", ",", ",,", ",、", ",。", ";", ":", "!", "?", ".", "。", "，", "、",
        "3,000", "12:30", "http://a.cn/x?y=1", " ", "\n", "\r\n", "\t",
        "\u200b", "\ufeff", "\u00ad", "\x00", "\x1f", "\x85", "\u200d", "\ud800", "\udfff",
        "😮", "🄲", "🁝", "⚠", "💲", "👨\u200d👩", "a", "Z", "9", "ü", "ǚ", ":)", ":-(", "??",
    ]
)
FARMISH = st.lists(PIECES, max_size=40).map("".join)
ANY_TEXT = st.one_of(FARMISH, st.text(max_size=80))

# ZHMEND_HYPOTHESIS_EXAMPLES raises the example count for a deeper search (e.g. 20000).
SETTINGS = settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
HAN = st.characters(categories=["Lo"], min_codepoint=0x4E00, max_codepoint=0x9FA5)


@SETTINGS
@given(ANY_TEXT)
@example("龔昇")
@example("乾(qián)龔昇")
@example("\ud800會(huì)")
@example("開(kāi).會")
@example(",,(huì)(kong)(kong),,會")
def test_idempotent(text):
    once = zhmend.mend(text)
    assert zhmend.mend(once) == once


@SETTINGS
@given(ANY_TEXT)
def test_total_and_replayable(text):
    result = zhmend.mend_and_explain(text)
    assert isinstance(result.text, str)
    assert replay(text, result.edits) == result.text
    assert result.text == zhmend.mend(text)


@SETTINGS
@given(st.text(alphabet=HAN, max_size=60))
def test_plain_han_without_evidence_is_untouched(text):
    # No labels, no residue words, no punctuation: nothing says the text was converted.
    result = zhmend.mend_and_explain(text)
    if not result.evidence.script or not result.evidence.script.converted_from_simplified:
        assert result.text == text


def test_total_on_huge_line():
    line = "會(huì)議召開(kāi),," * 40_000  # ~1 MB on one line
    out = zhmend.mend(line)
    assert out.startswith("会议召开，会议")


@SETTINGS
@given(st.data())
def test_edit_composition_matches_sequential_application(data):
    """EditLog folds any sequence of steps into edits that replay on the original."""
    original = data.draw(st.text(alphabet="abcde", max_size=12))
    log = EditLog(original)
    current = original
    for step in range(data.draw(st.integers(1, 4))):
        cuts = sorted(data.draw(st.lists(st.integers(0, len(current)), max_size=6, unique=True)))
        edits = []
        for a, b in zip(cuts[::2], cuts[1::2]):
            after = data.draw(st.text(alphabet="xyz", max_size=2))
            edits.append(Edit(a, b, current[a:b], after, f"r{step}"))
        if len(cuts) % 2 and cuts[-1] not in {e.end for e in edits}:
            insert_at = cuts[-1]
            edits.append(Edit(insert_at, insert_at, "", "q", f"r{step}"))
        log.add_step(current, edits)
        current = apply_edits(current, edits)
        assert apply_edits(original, log.edits()) == current


def test_insertions_at_one_point_replay_in_the_order_given():
    # Sorting whole edits would order them by their text ("b" before "z") instead.
    edits = [Edit(1, 1, "", "z", "a"), Edit(1, 1, "", "b", "a"), Edit(0, 1, "x", "y", "a")]
    assert apply_edits("xq", edits) == "yzbq"
    log = EditLog("xq")
    log.add_step("xq", edits)
    assert apply_edits("xq", log.edits()) == "yzbq"
