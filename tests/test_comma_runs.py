"""Stray commas against a person's runs of commas.

A farm injects one ASCII comma before a mark (``,,`` once its ``，`` is folded, ``,、``
``,。``). People type runs of three or more as a pause (好吧,,,), and sometimes double a
comma; neither is evidence that a traditional page was converted.
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from zhmend.detect import STRAY_RE, decide_script

SETTINGS = settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "300")), deadline=None
)
HAN = st.text(alphabet="今日好攰唔想返工點算我覺得這樣不太們呢", min_size=1, max_size=6)


def test_a_run_of_three_commas_is_a_pause_on_a_traditional_page():
    text = "今日好攰,,,唔想返工,,,點算好"
    assert zhmend.mend(text) == "今日好攰，，，唔想返工，，，點算好"
    report = zhmend.inspect(text)
    assert not report.converted_from_simplified
    assert report.counts.get("stray_commas", 0) == 0
    assert report.farm_score < 0.5


def test_doubled_commas_alone_are_a_persons():
    # A farm's strays stand before 。 and 、 too; a person only doubles a comma. Without
    # other farm evidence both commas stay, made full width.
    text = "這家餐廳的牛肉麵很好吃,,推薦給大家,,下次還要再來"
    assert zhmend.mend(text) == "這家餐廳的牛肉麵很好吃，，推薦給大家，，下次還要再來"
    report = zhmend.inspect(text)
    assert not report.converted_from_simplified
    assert report.counts.get("stray_commas", 0) == 0 and report.farm_score < 0.1


def test_doubled_commas_on_a_farm_page_are_strays():
    labelled = "會(huì)議召開(kāi),,市委書記表示,,要加強管理"
    assert zhmend.mend(labelled) == "会议召开，市委书记表示，要加强管理"
    with_other_strays = "會議召開,,市委書記,、委員會主任"
    assert zhmend.mend(with_other_strays) == "会议召开，市委书记、委员会主任"


def test_the_farm_pattern_still_converts():
    text = "十三屆市委科技委員會第一次會議召開,,市委書記,、委員會主任"
    decision = decide_script(text, 0)
    assert decision.converted_from_simplified
    assert zhmend.mend(text) == "十三届市委科技委员会第一次会议召开，市委书记、委员会主任"


@SETTINGS
@given(HAN, st.integers(min_value=3, max_value=8), HAN)
def test_no_comma_of_a_run_of_three_or_more_is_a_stray(before, k, after):
    text = f"{before}{',' * k}{after}"
    assert STRAY_RE.search(text) is None
    assert zhmend.mend(text) == zhmend.mend_and_explain(text).text == before + "，" * k + after


@SETTINGS
@given(HAN, st.sampled_from([",", "，", "。", "、", ";", "；"]), HAN)
def test_one_comma_before_a_mark_is_a_stray(before, mark, after):
    text = f"{before},{mark}{after}"
    assert [m.start() for m in STRAY_RE.finditer(text)] == [len(before)]


@SETTINGS
@given(st.sampled_from(["OK", "好吃", "XD", "很Q", "3"]), st.integers(2, 5), HAN)
def test_a_persons_commas_change_together(before, k, after):
    # Without farm evidence a run keeps all its commas, made full width as a whole: a run
    # left half ASCII would lose a comma, read as a stray, in the next round.
    text = f"{before}{',' * k}{after}"
    mended = zhmend.mend(text)
    assert mended == zhmend.mend_and_explain(text).text == zhmend.mend(mended)
    assert mended.count("，") + mended.count(",") == k
