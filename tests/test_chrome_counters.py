"""Page-chrome counters without a colon (阅读 123, 阅读 1,234  评论 5, 閱讀 3.2萬).

A bare count after a counter keyword is chrome when it ends its line or runs into the next
counter; in running text a count goes on with its measure word (阅读 3 本书). Golden cases:
tests/cases/inspect.json ("chrome: ..."). Both of inspect's paths must find them.
"""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from conftest import ROOT
from zhmend.findings import page_chrome

KEYWORDS = ("浏览", "阅读", "点击", "评论", "点赞", "收藏", "瀏覽", "閱讀", "點擊", "評論", "點贊")
NUMBERS = st.one_of(
    st.integers(0, 10**7).map(str),
    st.integers(1000, 10**7).map("{:,}".format),
    st.tuples(st.integers(1, 999), st.integers(0, 9)).map("{0[0]}.{0[1]}".format),
)
SUFFIXES = ("", "万", "萬", "w", "W", "k", "K", "+", "万+")
SPACES = st.sampled_from((" ", "  ", "\u3000", "\t"))
SEPARATORS = ("", " | ", " ｜ ", " 丨 ", " · ", " / ", "  ")
CLEAN = ("今天的新闻。", "市政府召开常务会议。", "記者從交通部門獲悉。")


@st.composite
def counter_lines(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        kw = draw(st.sampled_from(KEYWORDS))
        parts.append(kw + draw(SPACES) + draw(NUMBERS) + draw(st.sampled_from(SUFFIXES)))
    line = draw(st.sampled_from(SEPARATORS)).join(parts)
    return draw(st.sampled_from(("", "2024-05-20 ", "作者：张三  "))) + line


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CLEAN), counter_lines(), st.sampled_from(CLEAN))
def test_bare_counters_are_chrome_on_both_paths(before, line, after):
    text = f"{before}\n{line}\n{after}"
    report = zhmend.inspect(text)
    chrome = [(f.text, f.detail) for f in report.findings if f.name == "page_chrome"]
    assert chrome == [(line, "counter")]
    assert report.evidence == zhmend.mend_and_explain(text).evidence


MEASURES = ("本书", "次即可", "条", "件藏品", "小时", "页", "个人", "篇文章", "分钟")


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(KEYWORDS),
    st.sampled_from((" ", "")),
    st.integers(1, 999),
    st.sampled_from(MEASURES),
    st.sampled_from(("我每天", "他", "")),
)
def test_a_count_in_running_text_is_no_chrome(kw, space, n, measure, subject):
    text = f"{subject}{kw}{space}{n} {measure}。\n{subject}{kw}{n}{measure}。"
    assert page_chrome(text) == []
    assert "page_chrome" not in zhmend.inspect(text).counts


def test_inspect_cli_names_the_counter_line(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("今天的新闻。\n阅读 1,234  评论 5\n正文。\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "inspect", "--json", str(page)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert '"counter"' in done.stdout and "阅读 1,234  评论 5" in done.stdout
