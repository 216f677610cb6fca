"""Nothing is silently dropped: the accounting holds on any text (Hypothesis)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import zhmend
from test_extract import check_accounting
from zhmend.news import extract

# Lines of the kinds a page is made of, in both scripts and both punctuation widths, plus
# near misses; joined in any order with any line ends, blank lines and indentation.
LINES = st.sampled_from(
    [
        "自贡融媒记者 卜一珊",
        "记者 张三 通讯员 李四",
        "（记者 戴璐岭）",
        "本报记者 陈静",
        "記者王小明／台北報導",
        "记者从国家数据局获悉，数据产业增长。",
        "记者获悉",
        "记者 ",
        "编辑：宋姿熠",
        "責任編輯:繆靜",
        "校对：王五 审核：赵六",
        "【纠错】 【责任编辑:刘阳 】",
        "（责编：王震、岳弘彬）",
        "编辑：",
        "编辑部的故事。",
        "纠错",
        "【纠错】",
        "【原标题】会议召开",
        "原标题：会议召开",
        "原标题：",
        "【原标题】会议闭幕",
        "新华社北京5月15日电（记者 刘明）会议召开。",
        "本报讯",
        "- 中研网讯：",
        "5月15日",
        "5月15日，会议召开。",
        "2022年11月30日",
        "发布时间：2021-03-18浏览次数：0",
        "2019-07-23 15:02:34来源：四海网综合",
        "来源：人民网",
        "来源：新华社",
        "作者：林海",
        "http://www.mamogu.com 发稿日期：2008-8-13",
        "首页 >资讯 >",
        "首頁 > 新聞 > 正文",
        "相关推荐",
        "更多详情请点击",
        "本文转载自网络，如有侵权请联系删除。",
        "- 保护视力色：",
        "国产精品_久久_热门_推荐",
        "www.example.com",
        "【打印】【关闭】",
        "阅读：12",
        "0",
        "-",
        "News",
        "* ",
        "中国百强县榜单来了 江苏26席全国居首",
        "张 眉 翟晋玉",
        "會(huì)議召開(kāi),,市委書(shū)記,、委員",
        "会议深入学习全国、全省有关会议精神。",
        "十强县排名为：龙泉驿区、双流区。（记者 戴璐岭）",
        "会议指出，要坚持以战略引领总体布局。",
    ]
)
LINE = st.one_of(LINES, LINES, LINES, st.text(max_size=30))
PAD = st.sampled_from(["", "", " ", "\u3000\u3000", "\t"])
ENDS = st.sampled_from(["\n", "\n", "\n\n", "\r\n", "\n \n"])
PAGE = st.lists(st.tuples(PAD, LINE, ENDS), max_size=14).map(
    lambda parts: "".join(pad + line + end for pad, line, end in parts)
)
TEXT = st.one_of(PAGE, st.text(max_size=120))

SETTINGS = settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(TEXT)
@example("编辑：宋姿熠\n0")
@example("\u2028记者 张三\x85来源：人民网\r")
@example("\ud800编辑：宋姿熠")
def test_every_line_lands_once_as_given(text):
    check_accounting(text, extract(text, mended=True))


@SETTINGS
@given(TEXT)
def test_every_line_lands_once_after_mending(text):
    record = extract(text)
    check_accounting(zhmend.mend(text), record)
    assert record == extract(zhmend.mend(text), mended=True)


@SETTINGS
@given(PAGE)
def test_to_dict_is_flat_json(text):
    import json

    data = extract(text).to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\n\r\x0b\x0c\x1c\x85\u2028\u2029 新闻", max_size=40))
def test_lines_are_splitlines_numbered_as_fix_counts_them(text):
    from zhmend.news import _numbered_lines

    expected = []
    start = 0
    for piece in text.splitlines(keepends=True):
        content = piece.splitlines()[0] if piece.splitlines() else ""  # the piece, its end cut
        expected.append((text.count("\n", 0, start) + 1, content))
        start += len(piece)
    assert _numbered_lines(text) == expected
