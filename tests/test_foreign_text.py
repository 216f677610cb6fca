"""Japanese and Korean text keeps its punctuation: GB/T 15834 is Chinese only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from zhmend.chars import FOREIGN_SHARE, japanese_or_korean


@pytest.mark.parametrize(
    "text",
    [
        "東京, 大阪, 京都を訪問した。",
        "大韓民國, 서울特別市: 人口 1000萬!",
        "ｶﾀｶﾅ, 漢字!",  # half-width katakana
    ],
)
def test_japanese_and_korean_text_is_recognised(text):
    assert japanese_or_korean(text)


@pytest.mark.parametrize(
    "text",
    [
        "会议召开,市委书记主持会议!",
        "迈克尔・乔丹说:好!",  # the katakana middle dot between the parts of a name
        "这部动画片叫《ドラえもん》,中文名是哆啦A梦,在中国家喻户晓,几乎每个孩子都看过,"
        "很多大人也喜欢它的故事:勇气,友谊和梦想!",
        "Hello, world!",
        "",
    ],
)
def test_chinese_text_is_not(text):
    assert not japanese_or_korean(text)


def test_kana_and_hangul_quoted_in_chinese_text_do_not_count():
    # A tenth of its script characters are kana, all inside the title's brackets: a Chinese
    # text quoting a Japanese title or a Korean name is mended as Chinese.
    text = "这部动画片叫《ドラえもん》,在中国家喻户晓,几乎每个孩子都看过,很多大人也喜欢它。"
    assert not japanese_or_korean(text)
    assert zhmend.mend(text) == text.replace(",", "，")
    assert not japanese_or_korean("防彈少年團(방탄소년단)成員金南俊(김남준)發布新歌")


@pytest.mark.parametrize(
    "text",
    [
        "「ありがとう」と彼は言った。東京の空は青かった。",  # dialogue quoted, prose outside
        "그는 「감사합니다」라고 말했다. 大韓民國 서울特別市.",
    ],
)
def test_japanese_and_korean_prose_with_quotes_is_still_recognised(text):
    assert japanese_or_korean(text)


def test_the_share_is_counted_among_han_kana_and_hangul():
    # Nine Han and one kana: exactly the share; one Han more and it is Chinese.
    assert japanese_or_korean("日" * 9 + "の" + ", abc" * 20)
    assert FOREIGN_SHARE == 0.1
    assert not japanese_or_korean("日" * 10 + "の")


KANA_HANGUL_PIECES = st.sampled_from(
    ["の", "を", "ド", "ラ", "ー", "한", "국", "東", "京", "會", "議", "国", "(huì)",
     ",", ",,", ":", ";", "!", "?", "(", ")", "。", " "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(KANA_HANGUL_PIECES, max_size=30).map("".join))
def test_no_punctuation_edit_in_japanese_or_korean_text(text):
    # Verified pinyin labels or a decided conversion make it a Chinese farm page.
    result = zhmend.mend_and_explain(text)
    punctuation = [e for e in result.edits if "repair_punctuation" in e.rule]
    script = result.evidence.script
    farm = result.evidence.counts.get("pinyin_labels") or (
        script is not None and script.converted_from_simplified
    )
    if japanese_or_korean(result.text) and not farm:
        assert not punctuation
    assert zhmend.mend(result.text) == result.text
