"""The script decision on pages converted without labels: converter marks and their limits."""

from __future__ import annotations

import pytest

from zhmend.detect import (
    SHORT_RESIDUE_TEXT,
    SHORT_TEXT,
    converter_marks,
    decide_script,
    reads_classical,
)

# Traditional text that converts one-to-one: no residue, no slip, no 於並後麼.
NEUTRAL = "臺北市政府今天舉行記者會說明新的交通政策與停車規劃"


def neutral(n: int) -> str:
    return (NEUTRAL * (n // len(NEUTRAL) + 1))[:n] + "。"


def test_neutral_padding_holds_no_mark():
    assert converter_marks(neutral(400)) == {}
    assert not decide_script(neutral(400), 0).converted_from_simplified


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("兩國關系穩定", "系>係"),
        ("這個問題很復雜", "復>複"),
        ("他剪了頭發", "發>髮"),
        ("政府關于此事", "于"),
        ("他們住在這里", "里"),
    ],
)
def test_marks_name_what_a_per_character_converter_wrote(text, mark):
    assert converter_marks(text)[mark] == 1


@pytest.mark.parametrize("text", ["兩國關係穩定", "這個問題很複雜", "他剪了頭髮", "公里", "皇后"])
def test_phrase_correct_forms_are_no_marks(text):
    assert converter_marks(text) == {}


def test_one_mark_decides_only_on_a_long_text():
    short = "這個問題很復雜，" + neutral(50)
    long = "這個問題很復雜，" + neutral(SHORT_TEXT)
    assert not decide_script(short, 0).converted_from_simplified
    decision = decide_script(long, 0)
    assert decision.converted_from_simplified
    assert decision.converter_marks == {"復>複": 1}
    assert any("no 於並後麼" in r for r in decision.reasons)


@pytest.mark.parametrize(("text", "mark"), [("政府關于此事", "于"), ("會議之后", "后")])
def test_one_residue_mark_decides_from_a_shorter_text(text, mark):
    short = text + "，" + neutral(SHORT_RESIDUE_TEXT - 40)
    medium = text + "，" + neutral(SHORT_RESIDUE_TEXT)
    assert decide_script(short, 0).converter_marks == {mark: 1}
    assert not decide_script(short, 0).converted_from_simplified
    assert decide_script(medium, 0).converted_from_simplified


def test_one_slip_on_a_medium_text_does_not_decide():
    # Some traditional writers use a default form where phrases want another (制 for 製):
    # a slip waits for SHORT_TEXT.
    text = "這個問題很復雜，" + neutral(SHORT_RESIDUE_TEXT + 50)
    assert decide_script(text, 0).converter_marks == {"復>複": 1}
    assert not decide_script(text, 0).converted_from_simplified


def test_two_marks_decide_a_short_text():
    decision = decide_script("兩國關系穩定，問題復雜。", 0)
    assert decision.converted_from_simplified
    assert decision.counterparts == 0


@pytest.mark.parametrize("counterpart", "於並後麼")
def test_a_single_counterpart_silences_the_marks(counterpart):
    text = f"兩國關系穩定，問題復雜，{counterpart}是" + neutral(SHORT_TEXT)
    decision = decide_script(text, 0)
    assert decision.counterparts == 1
    assert not decision.converted_from_simplified


def test_mend_without_explanation_decides_the_same():
    from zhmend import mend, mend_and_explain

    text = "兩國關系穩定，問題復雜。"
    assert mend(text) == mend_and_explain(text).text == "两国关系稳定，问题复杂。"


def test_a_lone_li_never_decides():
    # Transliterations such as 埃里克 make OpenCC's phrases want 裡: not a converter's mark.
    text = "他們住在這里，" + neutral(SHORT_TEXT)
    assert decide_script(text, 0).converter_marks == {"里": 1}
    assert not decide_script(text, 0).converted_from_simplified


@pytest.mark.parametrize(
    "text",
    [
        "政府關于此事",
        "會議將于明天舉行",
        "飛船于2021年發射",
        "他們致力于推動合作",
        "藏糧于地",
        "于是大家",
    ],
)
def test_the_preposition_yu_is_a_mark(text):
    assert converter_marks(text) == {"于": 1}


@pytest.mark.parametrize(
    "text",
    [
        "立法委員于北辰今日表示",
        "院士于吉紅說",
        "他與于冠華座談",
        "本報專訪于美人",
        "。\n于吉紅：",
        "銘記于心",
    ],
)
def test_the_surname_yu_is_no_mark(text):
    # Traditional text writes the surname 于 as it is: a name on a page without 於 並 後 麼
    # must not make it look converted. (銘記于心 is a preposition after 記, the end of 書記:
    # given up for the names.)
    assert converter_marks(text) == {}


def test_a_yu_name_on_a_long_page_does_not_decide():
    text = "立法委員于北辰表示，" + neutral(SHORT_RESIDUE_TEXT + 100)
    assert not decide_script(text, 0).converted_from_simplified
    farm = "政府關于此事表示，" + neutral(SHORT_RESIDUE_TEXT + 100)
    assert decide_script(farm, 0).converted_from_simplified


def test_classical_chinese_is_not_read_for_converter_marks():
    poem = "之子于歸，宜其室家。燕燕于飛，差池其羽。之子于歸，遠送于野。" * 6
    assert reads_classical(poem)
    assert decide_script(poem, 0).converter_marks  # the marks are there ...
    assert not decide_script(poem, 0).converted_from_simplified  # ... and say nothing
    # A modern page with the same marks: one modern particle is enough to read them.
    modern = "政府關于此事的說明，會議將于明天舉行。" + neutral(SHORT_RESIDUE_TEXT + 100)
    assert not reads_classical(modern)
    assert decide_script(modern, 0).converted_from_simplified


def test_words_traditional_text_writes_so_are_no_residue_in_the_score():
    """后里 (Taichung's district) and 老么 are written so by Taiwan: the farm score's residue
    count passes them as the conversion decision's marks do (a 后里 page scored 0.39)."""
    from zhmend.detect import residue_chars

    assert residue_chars("今年后里花海活動自1月18日起，地點在后里區一帶。") == 0
    assert residue_chars("他是家裡的老么，") == 0
    assert residue_chars("會議之后，關于這件事並且") >= 1
