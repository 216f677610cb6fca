"""Code and comma-separated rows inside a Chinese page keep their ASCII marks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from zhmend.detect import injected_strays
from zhmend.edits import Edit
from zhmend.fixers import verbatim

SPANS = [
    ('x = "甲,乙"', ['"甲,乙"']),
    ('print("总计:", n, "元,含税")', ['"总计:"', '"元,含税"']),
    ("f(r'[,;]')", ["'[,;]'"]),
    ('他说,"你好,世界"', []),  # a comma in prose opens no argument
    ('“引号”里,"不是代码"', []),
    ("用 `a,b` 表示", ["`a,b`"]),
    ("```\n甲,乙\n```\n丙,丁", ["```\n甲,乙\n```"]),
    ("```\n甲,乙 (never closed)", []),
    ("好难过\n~~~~(>_<)~~~~\n下次努力,加油!", []),  # an emoticon, no fence
    ("~~~\n甲,乙\n~~~", []),  # tildes fence nothing: a forum's dividers
    ("```\n甲,乙\n```", ["```\n甲,乙\n```"]),
    ("本题选[D].理由如下:沸点是100度", []),  # an answer, no reference (no year after)
    ("小明(他说:\"这孩子,真懒!\")睡懒觉", []),  # a bracket of prose holds no arguments
    ("产品,价格\n手机,1999\n电脑,5999", ["产品,价格\n手机,1999\n电脑,5999"]),
    ("回复:\n好的,谢谢楼主\nOK,收到了\n顶,支持一下", []),  # replies, not rows
    ("说明。\nid,城市\n1,北京\n2,上海", ["id,城市\n1,北京\n2,上海"]),
    ("说明。\n甲,乙\n丙,丁\n戊,己", []),  # one comma and only Han, on a page with 。
    ("甲,乙\n丙,丁\n戊,己", []),  # one comma, only Han: lines of a poem
    ("甲,乙,丙\n丁,戊,己\n庚,辛,壬", ["甲,乙,丙\n丁,戊,己\n庚,辛,壬"]),
    ("城市,人口\n北京,2189\n上海,2487", ["城市,人口\n北京,2189\n上海,2487"]),
    ("居民反映,电梯故障,很不方便.\n物业回应,正在维修,请耐心.\n居民表示,希望尽快,修好.", []),
    ("a,b\n说明,很好。\nc,d", []),  # rows must follow each other
    ("见下。\n[1]赵明.交通研究[J].交通,2020:11.\n正文", ["[1]赵明.交通研究[J].交通,2020:11."]),
    ("选择:\n[A]上海,东方明珠 [B]北京,天安门", []),  # quiz options, no reference
]


@pytest.mark.parametrize(("text", "expected"), SPANS)
def test_spans(text, expected):
    assert [text[a:b] for a, b in verbatim.spans(text)] == expected


def test_mask_keeps_length_and_skips_text_holding_the_placeholder():
    text = 'x = "甲,乙"，好'
    hidden = verbatim.masked(text)
    assert hidden is not None and len(hidden) == len(text)
    assert hidden.replace(verbatim.PLACEHOLDER, "") == 'x = ，好'
    assert verbatim.masked('x = "甲,乙"\x00') is None
    assert verbatim.masked("没有代码,也没有表格") is None


def test_unmasked_puts_hidden_characters_back_into_a_whole_text_edit():
    text = '甲:x = "乙,丙"'
    hidden = verbatim.masked(text)
    assert hidden is not None
    after = "甲：" + hidden[2:]
    edits = verbatim.unmasked(text, hidden, [Edit(0, len(text), hidden, after, "r")])
    assert edits == [Edit(0, len(text), text, '甲：x = "乙,丙"', "r")]


_HAN = st.sampled_from("你好世界北京上海苹果香蕉总计含税元")
_PIECE = st.lists(st.one_of(_HAN, st.sampled_from(",;:!?")), min_size=1, max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    _PIECE,
    _PIECE,
    st.sampled_from(['{} = "{}"', 'print("{}", "{}")', "`{}` {}", "```\n{}\n```\n{}"]),
)
def test_code_keeps_its_marks_and_the_explanation_replays(prose, code, shape):
    if shape.startswith("```") or shape.startswith("`"):
        text = shape.format(code, prose)
    else:
        text = shape.format("value" if shape[0] == "{" else code, code)
        text = prose + "\n" + text
    # What the punctuation fixer keeps; a ? run in code may still read as a byte-shift
    # run (see the README's known limits).
    result = zhmend.mend_and_explain(text, repair_byte_shift=False)
    if injected_strays(text):
        return  # a farm's stray commas: no one's code on that page (tested below)
    for a, b in verbatim.spans(text):
        assert text[a:b] in result.text
    applied = text
    for e in sorted(result.edits, key=lambda e: e.start, reverse=True):
        assert applied[e.start : e.end] == e.before
        applied = applied[: e.start] + e.after + applied[e.end :]
    assert applied == result.text == zhmend.mend(text, repair_byte_shift=False)


def test_a_page_with_a_farms_stray_commas_is_mended_whole():
    rows = ["来源:人民网,,作者:张三", "审核:王五,,校对:赵六", "发布:孙八,,时间:周九"]
    page = "\n".join(["会议召开,,市委书记,、委员出席。", *rows])
    mended = ["来源：人民网，作者：张三", "审核：王五，校对：赵六", "发布：孙八，时间：周九"]
    assert zhmend.mend(page) == "\n".join(["会议召开，市委书记、委员出席。", *mended])
