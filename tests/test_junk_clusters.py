"""strip_injected_junk on symbol clusters: runs of emoji stay, a farm's clusters go.

People type emoji from an emoji keyboard; a farm draws its symbols from whole blocks, so
its clusters nearly always hold a symbol that is no emoji (the Unicode ``Emoji`` property).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import regex
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import zhmend
from conftest import ROOT
from zhmend.config import DEFAULT
from zhmend.fixers import Context
from zhmend.fixers.junk import SYMBOL_CLASS, _decorative, _legacy_symbols, strip_injected_junk

SETTINGS = settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# The blocks no writer puts inside a word, and the emoji among them (checked against the
# Unicode data of the ``regex`` module below: a new Unicode version that adds emoji to
# these blocks shows up here).
NEVER_BLOCKS = [*range(0x1F000, 0x1F100), *range(0x1F100, 0x1F1E6), *range(0x1F700, 0x1F780)]
EMOJI_IN_NEVER_BLOCKS = {
    0x1F004,  # 🀄 mahjong red dragon
    0x1F0CF,  # 🃏 joker
    0x1F170, 0x1F171, 0x1F17E, 0x1F17F,  # 🅰 🅱 🅾 🅿 (text presentation by default)
    0x1F18E,  # 🆎
    *range(0x1F191, 0x1F19B),  # 🆑 🆒 🆓 🆔 🆕 🆖 🆗 🆘 🆙 🆚
}


def _symbols(prop: str) -> list[str]:
    """The characters of SYMBOL_CLASS (variation selector and ZWJ aside) matching ``prop``."""
    pattern = regex.compile(f"(?V1)[[[{SYMBOL_CLASS}]--[\ufe0f\u200d]]&&{prop}]")
    ranges = [(0x2190, 0x2BFF), (0x1F000, 0x1FAFF)]
    return [chr(c) for lo, hi in ranges for c in range(lo, hi + 1) if pattern.match(chr(c))]


# Each of these is a grapheme on its own (no skin-tone modifier, no regional indicator), so
# distinct characters are distinct symbols.
PRESENTATION = _symbols(r"\p{Emoji_Presentation}")
TEXT_DEFAULT = _symbols(r"[\p{Emoji}--\p{Emoji_Presentation}]")
SINGLE = r"\p{Grapheme_Cluster_Break=Other}&&\p{Assigned}"
NOT_EMOJI = _symbols(f"[{SINGLE}--\\p{{Emoji}}]")
ANY_SINGLE = _symbols(f"[{SINGLE}]")

# What an emoji keyboard produces: emoji shown as such, text-default emoji with the
# variation selector, ZWJ sequences, skin tones (in PRESENTATION), flags.
EMOJI = st.one_of(
    st.sampled_from(PRESENTATION),
    st.sampled_from(TEXT_DEFAULT).map(lambda ch: ch + "\ufe0f"),
    # strip_invisible keeps a ZWJ between characters Python's Unicode data knows.
    st.lists(
        st.sampled_from([c for c in PRESENTATION if c.isprintable()]), min_size=2, max_size=3
    ).map("\u200d".join),
)
HAN = st.sampled_from("我们今天去公园玩得很开心生日快乐天气真好")


def test_the_symbol_pools_are_what_they_claim():
    assert len(PRESENTATION) > 1000 and len(TEXT_DEFAULT) > 100 and len(NOT_EMOJI) > 1500
    assert "🎂" in PRESENTATION and "❤" in TEXT_DEFAULT and "🕮" in NOT_EMOJI
    assert "★" in NOT_EMOJI and "🏻" not in ANY_SINGLE and "🇨" not in ANY_SINGLE


@pytest.mark.parametrize("code", NEVER_BLOCKS, ids=hex)
def test_one_symbol_of_the_never_blocks_goes_unless_it_is_an_emoji(code):
    text = f"打麻将{chr(code)}玩"
    expected = text if code in EMOJI_IN_NEVER_BLOCKS else "打麻将玩"
    assert zhmend.mend(text) == expected
    assert zhmend.mend_and_explain(text).text == expected


@pytest.mark.parametrize("selector", ["", "\ufe0f"])
def test_text_default_letters_stay_with_or_without_the_selector(selector):
    for ch in "🅰🅱🅾🅿":
        text = f"我是{ch}{selector}型血"
        assert zhmend.mend(text) == text


@SETTINGS
@given(HAN, st.lists(EMOJI, min_size=1, max_size=6), HAN)
@example("生", ["🎂", "🎁", "🎈"], "天")
@example("气", ["☀\ufe0f", "🌤\ufe0f", "⛅\ufe0f", "🌧\ufe0f"], "注")
@example("峰", ["🇨🇳", "🇫🇷", "🇧🇷"], "都")
@example("赞", ["👍🏻", "👍🏽", "👍🏿"], "支")
def test_a_run_of_emoji_between_han_is_never_removed(before, run, after):
    text = f"今{before}{''.join(run)}{after}心"
    result = zhmend.mend_and_explain(text)
    assert result.text == text
    assert not [e for e in result.edits if e.rule == "strip_injected_junk"]
    assert zhmend.mend(text) == text


# Symbols of the input methods' panels (★☆♪ ◆◇): runs of them alone are decoration.
DECORATIVE = sorted(_legacy_symbols())
FARM_ONLY = [s for s in NOT_EMOJI if not _decorative(s)]


def test_the_decorative_symbols_are_those_of_the_legacy_character_sets():
    assert len(DECORATIVE) == 65
    assert set("★☆♪◆◇■□→←♀♂") <= set(DECORATIVE)
    assert not set("⚠🕮✿❤⌘💲") & set(DECORATIVE)


@pytest.mark.parametrize("run", ["★☆♪", "◆◇■", "→→↑↓", "♀♂☆", "★☆★☆★"])
def test_a_decorative_run_between_han_stays(run):
    text = f"好消息{run}大家快来"
    assert zhmend.mend(text) == text
    assert zhmend.mend_and_explain(text).edits == ()


@SETTINGS
@given(st.lists(st.sampled_from(DECORATIVE), min_size=3, max_size=6))
def test_runs_of_decorative_symbols_alone_are_never_removed(run):
    text = f"新品{''.join(run)}上市"
    assert zhmend.mend(text) == text


@SETTINGS
@given(
    st.sampled_from(FARM_ONLY),
    st.lists(st.sampled_from(ANY_SINGLE), min_size=2, max_size=5, unique=True),
    st.randoms(use_true_random=False),
    st.booleans(),
)
@example("🕮", ["⚠", "💲"], None, False)
@example("⌘", ["😀", "🍎"], None, True)
def test_three_distinct_symbols_with_one_that_is_no_emoji_go(bad, others, rnd, selector):
    symbols = [bad, *(s for s in others if s != bad)]
    if len(symbols) < 3:  # ``bad`` was among the others
        symbols.append(next(s for s in "🎂🎁🎈" if s not in symbols))
    if rnd is not None:
        rnd.shuffle(symbols)
    # A keyboard's variation selector after each symbol changes nothing.
    run = "".join(s + "\ufe0f" if selector else s for s in symbols)
    text = f"国家{run}发展规划"
    assert zhmend.mend(text) == "国家发展规划"
    result = zhmend.mend_and_explain(text)
    assert result.text == "国家发展规划"
    assert [(e.start, e.end, e.rule) for e in result.edits] == [
        (2, 2 + len(run), "strip_injected_junk")
    ]


@pytest.mark.parametrize(
    "run",
    ["🎂🕮", "★☆", "🕮", "⌘"],
    ids=["an emoji and a non-emoji", "two non-emoji", "one pictograph", "one technical"],
)
def test_one_or_two_symbols_outside_the_never_blocks_stay(run):
    text = f"今天{run}开心"
    assert zhmend.mend(text) == text


def test_counts_and_positions():
    text = "生日快乐🎂🎁🎈天天开心，区县⚠💲🕮有遂安，固😮🄲🁝定资产，湖人🆚勇士"
    ctx = Context(config=DEFAULT)
    edits = strip_injected_junk(text, ctx)
    assert [(text[e.start : e.end], e.after) for e in edits] == [("⚠💲🕮", ""), ("😮🄲🁝", "")]
    assert ctx.counts["junk_symbols"] == 2


def test_labels_keep_their_characters_across_kept_and_removed_runs():
    # 藉(jí) keeps 藉 only if its label's position moved past the removed cluster and not
    # past the emoji run that stays.
    text = "國(guó)家⚠💲🕮發(fā)展,生日快樂🎂🎁🎈天天開心,藉(jí)口很多"
    expected = "国家发展，生日快乐🎂🎁🎈天天开心，藉口很多"
    assert zhmend.mend(text) == expected
    assert zhmend.mend_and_explain(text).text == expected


MIXED = st.sampled_from(
    ["🎂", "🎁", "❤\ufe0f", "❤", "🆚", "🀄", "🃏", "🅿\ufe0f", "🇨🇳", "👍🏻", "🕮", "🄲", "🁝", "⌘",
     "★", "👨\u200d👩\u200d👧", "會", "國", "(huì)", "(guó)", "发", "展", ",", "。", "藉", "(jí)"]
)


@SETTINGS
@given(st.lists(MIXED, max_size=30).map("".join))
def test_the_text_only_path_agrees_with_the_explained_one(text):
    assert zhmend.mend(text) == zhmend.mend_and_explain(text).text


def test_cli_keeps_the_emoji_and_removes_the_cluster():
    line = "生日快乐🎂🎁🎈天天开心，固😮🄲🁝定资产，湖人🆚勇士\n"
    run = [sys.executable, "-m", "zhmend.cli", "fix"]
    fixed = subprocess.run(run, input=line.encode(), capture_output=True, timeout=120, cwd=ROOT)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.decode() == "生日快乐🎂🎁🎈天天开心，固定资产，湖人🆚勇士\n"
    explained = subprocess.run(
        [*run, "--explain"], input=line.encode(), capture_output=True, timeout=120, cwd=ROOT
    )
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.decode().splitlines() == [
        "<stdin>:1:14 strip_injected_junk '😮🄲🁝' → ''"
    ]
