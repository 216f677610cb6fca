"""Inputs whose cost used to grow with the square of their length, or whose byte-shift search
took seconds: the limits that keep them linear, and the incremental scans that replaced
rescans, checked against plain references. Their speed is measured by
``python -m bench.long_inputs``, never timed here."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import zhmend
from zhmend.chars import HAN_CLASS
from zhmend.findings import ends_question, mojibake
from zhmend.fixers import punctuation
from zhmend.fixers.byte_shift import repair as repair_module
from zhmend.fixers.byte_shift.search import _OPENERS, _PAIRS, OpenedBefore


@pytest.mark.parametrize(
    "text",
    [
        "真的吗??太好了",
        "楼主说的对吗??我觉得不是这样的",
        "你說什麼??我不知道。",
        "太好了!!我们走吧",
    ],
)
def test_a_doubled_mark_ending_a_clause_opens_no_search(text):
    """Forum emphasis (吗??太) is no byte shift: no window, so no search over it."""
    assert repair_module.find_windows(text) == []
    assert zhmend.mend(text) == text.replace("??", "？？").replace("!!", "！！").replace("?", "？")


def test_a_doubled_mark_before_garble_on_a_labelled_page_is_searched():
    """A second-pass mark whose lead byte went (規(guī)??傤~) is searched on a farm's page."""
    labelled = "會(huì)議召開(kāi)，規(guī)??傤~將達到"
    unlabelled = "會議召開，規??傤~將達到"
    assert repair_module.find_windows(labelled)
    assert repair_module.find_windows(unlabelled) == []


def _no_search(*args, **kwargs):
    raise AssertionError("searched a window beyond the limits")


@pytest.mark.parametrize(
    "text",
    [
        "會?" * 300,  # anchors merging into one window of 600 characters
        "他說????????我不知道了",  # a run of lost characters
        "中" + "?" * 500 + "中",
    ],
)
def test_windows_beyond_the_limits_are_not_searched(text, monkeypatch):
    monkeypatch.setattr(repair_module, "judge", _no_search)
    for outcome in repair_module.repair(text):
        assert outcome.status == "unrepaired"
        assert outcome.after == outcome.before


def test_a_window_of_the_simulated_length_is_still_searched():
    # The real page's run (real_dev 020's shape): a label names the lost byte.
    text = "日?qǐng)?bào)記者"
    assert [o.status for o in repair_module.repair(text)] == ["repaired"]


def test_the_left_edge_stops_in_a_chain_of_labels():
    text = "會" + "?huì)" * 200
    i = len(text) - len("?huì)")
    left = repair_module._left(text, i)
    skipped = text[left:i].count("?huì)")
    assert skipped == 2 * repair_module.MAX_LEFT


def _opened_reference(text: str, start: int) -> str:
    line = text[text.rfind("\n", 0, start) + 1 : start]
    stack: list[str] = []
    for c in line:
        if c in _OPENERS:
            stack.append(c)
        elif c in _PAIRS and stack and stack[-1] == _PAIRS[c]:
            stack.pop()
    return "".join(stack)


@given(
    st.text(alphabet=list("“”「」（）《》【】()中\n"), max_size=40),
    st.lists(st.integers(min_value=0, max_value=40), max_size=8),
)
@example("“中\n「中」“", [1, 3, 5, 6])
def test_opened_marks_are_those_of_a_scan_of_the_line(text, starts):
    opened = OpenedBefore(text)
    for start in sorted({min(s, len(text)) for s in starts}):
        assert opened(start) == _opened_reference(text, start)


def _comma_run_reference(text: str, i: int, least: int) -> bool:
    lo = i
    while lo and text[lo - 1] in ",，":
        lo -= 1
    hi = i + 1
    while hi < len(text) and text[hi] in ",，":
        hi += 1
    return hi - lo >= least


@given(st.text(alphabet=list(",，中a"), min_size=1, max_size=30), st.integers(2, 4))
def test_comma_runs_are_judged_as_by_a_full_scan(text, least):
    for i, c in enumerate(text):
        if c == ",":
            assert punctuation.in_comma_run(text, i, least) == _comma_run_reference(text, i, least)


@given(st.text(alphabet=list(",;!?中a"), max_size=30))
@example("中" + "," * 20 + "中")
def test_a_run_of_marks_is_mended_as_before(text):
    """The shared run end gives what each mark's own scan gave: the edits equal those of
    marks judged one by one (one round per text, so the memo is exercised across a run)."""
    flags = punctuation._chinese_flags(text)
    run = [0, 0]
    for i, c in enumerate(text):
        if c in ",;:!?":
            j = i
            while j < len(text) and text[j] in ",;:!?":
                j += 1
            expected = j < len(text) and flags[j] != 0
            assert punctuation._run_ends_chinese(text, flags, i, run) == expected


_QUESTION_REFERENCE = re.compile(f"\\?+(?={HAN_CLASS})")


@given(st.text(alphabet=list("?中a)ì"), max_size=30))
@example("中??中?a?中")
@example("中?ì)中??中")
def test_question_mark_runs_are_found_as_before(text):
    """The possessive pattern from a run's first mark, and the set of label starts, find
    what the plain pattern and a look through the findings so far found."""
    found = [f for f in mojibake(text, gbk_runs=False) if f.detail == "question_mark"]
    labels = [f.start for f in mojibake(text, gbk_runs=False) if f.detail == "byte_shift"]
    reference = []
    for m in _QUESTION_REFERENCE.finditer(text):
        if not (m.start() and re.match(HAN_CLASS, text[m.start() - 1])):
            continue
        if any(start == m.start() for start in labels) or ends_question(text, m.start()):
            continue
        reference.append(m.span())
    assert [(f.start, f.end) for f in found] == reference


def test_a_long_run_of_commas_is_one_run():
    text = "中文" + "," * 5000 + "中文"
    out = zhmend.mend(text)
    # A person's run: made full width as a whole, none removed as a stray.
    assert out == "中文" + "，" * 5000 + "中文"


def test_a_pair_longer_than_a_sentence_stays_ascii():
    inner = "中" * (punctuation.MAX_PAIR + 1)
    text = f"他说({inner})好"
    assert zhmend.mend(text) == text
    assert zhmend.mend("他说(中)好") == "他说（中）好"
