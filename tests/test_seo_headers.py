"""SEO keyword headers against page furniture joined the same way, decorative symbols, and
the report's ``features`` recomputing its score (golden cases in cases/inspect.json)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from conftest import DATA, load_cases, need
from zhmend.detect import FARM_BIAS, FARM_WEIGHTS, WEAK_CAP, WEAK_SIGNS
from zhmend.findings import CREDIT_ROLES, SITE_TERMS, seo_headers
from zhmend.fixers.junk import PANEL_SYMBOLS, _decorative, _legacy_symbols

CASES = load_cases("inspect.json")
SETTINGS = settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "150")), deadline=None
)


def score_from_features(features: dict[str, int]) -> float:
    """The score as docs/inspect.md states it, from the report's ``features`` alone."""
    z = FARM_BIAS
    weak = 0.0
    for name, n in features.items():
        if not n:
            continue
        weight, cap = FARM_WEIGHTS[name]
        term = weight * math.log2(1 + min(n, cap))
        if name in WEAK_SIGNS:
            weak += term
        else:
            z += term
    return round(1 / (1 + math.exp(-(z + min(weak, WEAK_CAP)))), 4)


def seo(text: str) -> list[str]:
    return [f.text for f in seo_headers(text)]


# --- the features are what the score weighed ---------------------------------------------

COMMA_LINE = "北京旅游,北京景点,北京美食,北京酒店,北京攻略,北京地图,北京天气,北京交通"


def test_a_comma_keyword_line_is_reported_as_it_is_scored():
    report = zhmend.inspect(COMMA_LINE).to_dict()
    assert report["counts"] == {"ascii_punct": 7, "seo_header": 1}  # what mending changes
    assert report["features"]["seo_header"] == 1
    assert report["features"]["ascii_punct"] == 0  # the commas are the header, scored once
    assert score_from_features(report["features"]) == report["farm_score"]


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_the_score_recomputed_from_the_features_is_the_score(case):
    report = zhmend.inspect(case["input"]).to_dict()
    assert score_from_features(report["features"]) == report["farm_score"]


# Lines the score treats apart (comma keyword lines beside ASCII punctuation in sentences),
# with furniture, labels and folded punctuation around them.
FRAGMENTS = st.sampled_from(
    [
        COMMA_LINE, "颜色,尺寸,重量,材质,产地,品牌,型号,保修",
        "免费电影_高清电影_在线观看_最新电影",
        "今天天气很好,我们去公园吧。", "他说:好的!", "會(huì)議(yì)開始了", "首页 > 新闻 > 正文",
        "浏览次数:123", "北京 | 3-5年 | 本科 | 全职", "上一篇:旧闻", "国家⚠💲🕮发展", "正文第一段。",
        "品牌,型号,容量,功率,材质,控制方式,颜色,产地", "后来,并且,于是他走了。",
    ]
)


@SETTINGS
@given(st.lists(FRAGMENTS, min_size=1, max_size=8), st.booleans())
def test_features_recompute_the_score_on_any_mix(lines, nfkc):
    text = "\n".join(lines)
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    report = zhmend.inspect(text).to_dict()
    assert score_from_features(report["features"]) == report["farm_score"]


def test_the_cli_json_features_recompute_its_score(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(f"{COMMA_LINE}\n今天天气很好,我们去公园吧。\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "inspect", str(page), "--json"],
        capture_output=True, text=True, encoding="utf-8", check=False,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.splitlines()[0])
    assert report["features"]["ascii_punct"] == 1  # the sentence's comma, not the header's
    assert score_from_features(report["features"]) == report["farm_score"]


# --- keyword headers against furniture -----------------------------------------------------

# Each rule alone: a line that only it tells from a keyword header (unpadded, so that the
# attribute-row rule does not decide instead).
FURNITURE = [
    ("chapter navigation", "上一章|目录|下一章|加入书签"),
    ("chapter navigation, traditional, with arrows", "←上一章|返回目錄|加入書籤|下一章→"),
    ("language switcher", "简体中文|繁體中文|English|日本語"),
    ("metadata", "2023-11-02 08:15|来源：中新网|作者：李明|字号：大 中 小"),
    ("credits", "来源丨市卫健委 编辑丨小周 校对丨阿宁 审核丨老陈"),
    ("credits, traditional", "文｜林夕 圖｜網路 編輯｜小滿 責編｜阿光"),
    ("attribute row", "杭州 | 5-10年 | 硕士 | 全职"),
    ("attribute row, traditional", "2房1廳1衛 | 28.4坪 | 5樓/12樓 | 屋齡25年 | 華廈"),
    ("app tags", "健身打卡 | 饮食记录 | 睡眠监测 | 运动课程"),
]


@pytest.mark.parametrize(("kind", "line"), FURNITURE, ids=[k for k, _ in FURNITURE])
def test_furniture_is_no_keyword_header(kind, line):
    assert seo(f"正文第一段。\n{line}\n正文第二段。") == []


KEYWORD_HEADERS = [
    "免费电影_高清电影_在线观看_最新电影_电影下载",
    "国产精品_最新资讯_热门推荐_免费下载",
    "精品影视_编辑推荐_最新上映_免费观看",  # 编辑 inside a term is no credit
    "国产精品美女视频 | 日韩精品一区二区 | 免费高清在线观看 | 最新电影电视剧",  # long terms
    "综合资讯丨热门新闻丨娱乐八卦丨体育赛事",  # unpadded: no attribute row
]


@pytest.mark.parametrize("line", KEYWORD_HEADERS)
def test_keyword_headers_are_still_found(line):
    assert seo(f"{line}\n正文第一段。") == [line]


def test_the_real_farm_header_is_still_found():
    text = need(DATA / "real_dev" / "016.txt").read_text(encoding="utf-8")
    found = seo_headers(text)
    assert [f.detail for f in found] == ["_"]
    assert zhmend.inspect(text).counts["seo_header"] == 1


# Han characters but 丨, which joins keyword headers.
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5, exclude_characters="丨")
# A value of an attribute row: at most four Han characters, its unit included.
VALUE = st.builds(
    lambda han, digits, unit: digits + han[: 4 - len(unit)] + unit,
    st.text(HAN, min_size=1, max_size=4),
    st.sampled_from(["", "3-5", "128.5", "2008", "12/15"]),
    st.sampled_from(["", "年", "平米", "坪", "K"]),
)
PHRASE = st.text(HAN, min_size=5, max_size=14)
BAR = st.sampled_from(["|", "丨", "｜"])


@SETTINGS
@given(st.lists(VALUE, min_size=4, max_size=8), BAR)
def test_a_spaced_row_of_short_values_is_never_a_keyword_header(values, bar):
    assert seo(f" {bar} ".join(values)) == []


@SETTINGS
@given(st.lists(PHRASE, min_size=4, max_size=6), st.sampled_from(["_", "|", "丨", "｜"]))
def test_a_line_of_phrases_is_a_keyword_header_whatever_its_spacing(phrases, sep):
    for joiner in (sep, f" {sep} "):
        line = joiner.join(phrases)
        assert seo(f"正文。\n{line}\n正文。") == [line]


@SETTINGS
@given(st.lists(PHRASE, min_size=4, max_size=6), st.lists(PHRASE, min_size=4, max_size=6))
def test_keyword_lines_stacked_are_no_table(first, second):
    second = second[: len(first)] + first[len(second) :]  # as many terms, as a table has
    lines = ["_".join(first), "_".join(second)]
    assert seo("\n".join(lines)) == lines


@SETTINGS
@given(
    st.integers(3, 7),
    st.lists(st.lists(st.one_of(VALUE, PHRASE), min_size=7, max_size=7), min_size=2, max_size=6),
    BAR,
)
def test_rows_of_a_pipe_table_are_no_keyword_headers(columns, rows, bar):
    table = "\n".join(bar.join(row[:columns + 1]) for row in rows)
    assert seo(table) == []


@SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from(sorted(CREDIT_ROLES)), PHRASE), min_size=2, max_size=5),
    BAR,
)
def test_credit_lines_are_no_keyword_headers(credits, bar):
    line = " ".join(f"{role}{bar}{name}" for role, name in credits)
    assert seo(line) == []


@pytest.mark.parametrize("term", sorted(SITE_TERMS))
def test_a_site_term_makes_a_line_furniture(term):
    assert seo(f"国产精品美女视频_{term}_日韩精品一区二区_免费高清在线观看") == []


def test_a_taiwan_disclaimer_is_chrome_in_either_script():
    for line in ("免責宣告：本網站資料僅供參考。", "免责宣告：本网站资料仅供参考。"):
        found = [f for f in zhmend.inspect(f"正文。\n{line}").findings if f.name == "page_chrome"]
        assert [(f.text, f.detail) for f in found] == [(line, "disclaimer")]


# --- decorative symbols --------------------------------------------------------------------


def test_the_music_notes_are_decorative_as_a_family():
    notes = "".join(map(chr, range(0x2669, 0x2670)))  # ♩♪♫♬♭♮♯
    assert set(notes) <= set(PANEL_SYMBOLS)
    assert _decorative(notes) and _decorative("♪♫♬") and _decorative("➤➢➣")
    assert not set("♫♮➤➢") & _legacy_symbols()  # what the legacy sets leave out
    assert not _decorative("⚠♫♪") and not _decorative("🕮➤➢")


@SETTINGS
@given(st.lists(st.sampled_from(PANEL_SYMBOLS + "★☆♪◆→"), min_size=1, max_size=6))
def test_runs_of_panel_symbols_between_han_are_kept(run):
    text = f"会员日{''.join(run)}积分翻倍"
    assert zhmend.mend(text) == text
    assert "junk_symbols" not in zhmend.inspect(text).counts


@pytest.mark.parametrize("run", ["⚠🕮♫", "♫🕮➤", "➢⌘✿"])
def test_a_run_with_a_farm_symbol_among_panel_symbols_still_goes(run):
    assert zhmend.mend(f"国家{run}发展规划") == "国家发展规划"


@pytest.mark.parametrize("run", ["🌊✨♡", "🎂♪🎉", "☀️★🌈"])
def test_a_run_of_emoji_and_panel_symbols_is_a_persons(run):
    # People type emoji and the panels' symbols together; a farm's run holds a symbol
    # of neither kind (🕮, ⌘) all but always.
    text = f"今天去了海边{run}超级开心"
    assert zhmend.mend(text) == text
