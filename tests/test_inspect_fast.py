"""zhmend.inspect's fast paths against the full path and against naive references.

The report of clean text is built without running the fixers (a scan shows they have
nothing to do, or only the script fixer, which decides not to convert), and page chrome is
looked for only where the cue bits point. Each shortcut must give exactly the report of
``mend_and_explain``; the cases below sit on both sides of every shortcut's decision.
"""

from __future__ import annotations

import copy
import json
import pickle
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from conftest import load_cases
from zhmend import findings, scan
from zhmend.config import TARGETS, MendConfig
from zhmend.detect import (
    RESIDUE_CHARS,
    STRAY_RE,
    decide_script,
    in_own_word,
    is_preposition,
    residue_chars,
)
from zhmend.inspection import (
    _chrome_places,
    _detect,
    _explained,
    _gbk_starts,
    _ids,
    _nothing_found,
    _plain,
    _scan,
    _traditional_decision,
    clear_caches,
    evidence_of,
)
from zhmend.tables import convert

CASES = load_cases("inspect_fast.json")

# Clean sentences, written for these tests: simplified news, Taiwan and Hong Kong prose,
# and running text holding chrome cue characters outside any chrome keyword.
CLEAN = (
    "国家统计局今天发布数据，四月份国民经济保持恢复向好态势。",
    "记者从市政府获悉，新建的产业链项目已经全部开工。",
    "观众在电视前观看了比赛，评委给出的评分创下新高。",
    "这篇文章介绍了西藏的版画艺术，作者免费分享了资料。",
    "他把上一次的经验写进报告，并且搜集了大量的数据。",
    "行政院今日宣布，將於下週起調整交通補助方案。",
    "佢哋今日去咗旺角，買咗好多嘢食。",
    "聯合國大會通過決議，呼籲各方保持克制並展開對話。",
    "增长30.3%，约有1,000人参加，时间是12:30。",
    "会议（第二次）在北京举行。",
)
# One artifact each: what a fixer acts on, what a detector finds, and look-alikes of both.
ARTIFACTS = (
    "首页 > 新闻 > 正文\n",
    "首頁 > 新聞 > 正文\n",
    "浏览次数：1024\n",
    "瀏覽次數：1024\n",
    "评论：12\n",
    "相关推荐\n",
    "上一篇：国家统计局\n",
    "免责声明：本文仅代表作者观点。\n",
    "声明：本站不保存任何资料\n",
    "保护视力色：\n",
    "保護(hù)視力色：\n",
    "国产精品_最新资讯_热门推荐_免费下载\n",
    "\ufffd",
    "锟斤拷",
    "鍙戝睍",
    "深水?區",
    "會(huì)",
    "会（huì）",
    "病(bing)",
    "（a）",
    "，,",
    ",。",
    "\u200b",
    "😀",
    "國",
    "後來",
    "软體",
    "软件",
    "视频",
    "电视",
    "共享",
    "\n",
    # Look-alikes of the shortcuts taken from the characters' ids: cue characters beside
    # and away from their keyword's neighbour, mojibake signs inside ordinary words, lead
    # characters of GBK-read UTF-8 alone, in ordinary words and in a real run.
    "视力",
    "点击",
    "文章",
    "一篇",
    "观点",
    "屯昌",
    "屯屯屯",
    "璀璨",
    "纾困",
    "鍙戝睍鏀归潻",
    "缁忔祹",
    "深水?",
    "?",
    "3.5",
    "12:30",
    "劉德華",
    "國務院",
    "并且",
    "於是",
)


def insert(parts: list[str], artifact: str, at: int) -> str:
    text = "".join(parts)
    at %= len(text) + 1
    return text[:at] + artifact + text[at:]


CLEAN_WITH_ONE = st.builds(
    insert,
    st.lists(st.sampled_from(CLEAN), min_size=1, max_size=4),
    st.sampled_from(ARTIFACTS),
    st.integers(min_value=0, max_value=400),
)
MIXED = st.lists(st.sampled_from(CLEAN + ARTIFACTS), max_size=8).map("".join)
TEXTS = st.one_of(CLEAN_WITH_ONE, MIXED, st.text(max_size=60))


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_golden(case):
    report = zhmend.inspect(case["input"])
    assert _scan(case["input"]).idle is case["idle"]
    assert _scan(case["input"]).script_only is case["script_only"]
    assert dict(report.counts) == case["counts"]
    assert report.script == case["script"]
    assert report.converted_from_simplified is case["converted"]
    chrome = [f.detail for f in report.findings if f.name == "page_chrome"]
    assert chrome == case.get("chrome", [])


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
@pytest.mark.parametrize("to", TARGETS)
def test_golden_fast_path_is_the_full_path(case, to):
    text = case["input"]
    assert evidence_of(text, to=to) == zhmend.mend_and_explain(text, to=to).evidence


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.sampled_from(TARGETS), st.booleans())
def test_fast_paths_agree_with_mend_and_explain(text, to, restore_script):
    options = {"to": to, "restore_script": restore_script}
    assert evidence_of(text, **options) == zhmend.mend_and_explain(text, **options).evidence


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_scan_answers_as_the_reference_scan(text):
    found = _scan(text)
    assert found.idle is (not scan.needs_work(text))
    cls = scan.classes(text)
    without_script = cls & ~np.uint8(scan.TRAD)
    other = bool(text) and reference_busy(text, scan.codes_of(text), without_script)
    assert found.script_only is (bool(text) and bool((cls & scan.TRAD).any()) and not other)
    if found.idle or found.script_only:
        assert found.counts == scan.count_scripts(text)
    full = findings.cue_bits(text)
    # Idle text may drop CUE_PAREN (no label follows a Han character), and the chrome cue
    # bits say only whether a chrome cue character occurs; which ones, the ids say.
    other = ~findings.CUE_PAREN & ~findings.CUE_CHROME
    assert found.cues & other == full & other
    assert bool(found.cues & findings.CUE_CHROME) is bool(full & findings.CUE_CHROME)
    cues = set(findings.chrome_neighbours())
    cue_ids = _ids().cues
    assert [_ids().table[ord(ch)] for ch in text if ch in cues] == [
        i for i in found.telling if i in cue_ids
    ]


def reference_busy(text: str, codes: np.ndarray, cls: np.ndarray) -> bool:
    """Whether a fixer has work in ``text``, from the class bits of every character: the
    array form of ``scan.busy_given``, which looks only at the few places it needs to."""
    bits = int(np.bitwise_or.reduce(cls)) if len(cls) else 0
    if bits & (scan.TRAD | scan.JUNK | scan.PAREN):
        return True
    chinese = scan.HAN | scan.CJK_MARK
    last = len(text) - 1
    for m in re.finditer(r"[,;:!?.]", text):
        i = m.start()
        if (i and cls[i - 1] & chinese) or (i < last and cls[i + 1] & chinese):
            return True
    return bool(((codes[:-1] == 0xFF08) & ((cls[1:] & scan.LABEL_START) != 0)).any())


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_busy_given_bits_is_busy(text):
    codes = scan.codes_of(text)
    cls = scan.class_table()[codes]
    bits = int(np.bitwise_or.reduce(cls)) if len(cls) else 0
    assert scan.busy_given(text, bits) is reference_busy(text, codes, cls)
    masked = cls & ~np.uint8(scan.TRAD)
    assert scan.busy_given(text, bits & ~scan.TRAD) is reference_busy(text, codes, masked)


def naive_page_chrome(text: str) -> list[findings.Finding]:
    """page_chrome trying the keyword rules at every cue character: no cue bits, no
    neighbour look-ups, so only the narrowing to places is under test."""
    view, cuts = findings._without_labels(text) if findings._openings(text) else (text, [])
    by_cue = findings._chrome_table()
    places = [i for i, ch in enumerate(view) if ch in by_cue]
    return findings.chrome_lines(text, places, view, cuts)


# Keywords of every chrome rule in both scripts, cut into pieces and shuffled with text.
KEYWORDS = sorted({rule[1] for rules in findings._chrome_table().values() for _, rule in rules})
CHROMEY = st.lists(
    st.one_of(
        st.sampled_from(KEYWORDS),
        st.sampled_from(KEYWORDS).map(lambda k: k[: len(k) // 2]),
        st.sampled_from(KEYWORDS).map(lambda k: k[len(k) // 2 :]),
        st.sampled_from(list("：: >/12本\n 的了力明点電视視(hù)") + ["&gt;", "次数", "当前位置："]),
        st.sampled_from(CLEAN),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=600, deadline=None)
@given(st.one_of(CHROMEY, TEXTS))
def test_page_chrome_finds_what_a_naive_search_finds(text):
    assert findings.page_chrome(text) == naive_page_chrome(text)
    assert findings.page_chrome(text, findings.cue_bits(text)) == naive_page_chrome(text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(CHROMEY, CHROMEY.map(lambda text: text * 6)))
def test_chrome_cue_characters_are_counted_and_placed_apart(text):
    """The fast path takes chrome cue characters out of the telling ids it shares reports
    by: they must still be counted by script, and each one placed."""
    found = _scan(text)
    cues = set(findings.chrome_neighbours())
    cue_ids = _ids().cues
    assert [_ids().table[ord(ch)] for ch in text if ch in cues] == [
        i for i in found.telling if i in cue_ids
    ]
    if found.idle or found.script_only:
        assert found.counts == scan.count_scripts(text)
        assert evidence_of(text) == zhmend.mend_and_explain(text).evidence


# Traditional chrome cue characters (視 擊 觀) beside simplified ones, so that both kinds
# of cue, those counted apart and those that stay among the telling ids, meet on one page.
MIXED_CUES = st.lists(
    st.sampled_from(
        [*KEYWORDS, "電視", "电视", "打擊", "打击", "觀察", "观察", "文章", "國家", "\n", "，"]
    ),
    max_size=10,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(MIXED_CUES)
def test_traditional_cue_characters_are_counted_among_the_telling_ids(text):
    found = _scan(text)
    if found.idle or found.script_only:
        assert found.counts == scan.count_scripts(text)
    assert _chrome_places(text, found.ids, found.telling) == findings._chrome_places(
        text, findings.cue_bits(text)
    )


def test_every_chrome_keyword_is_reached_through_its_cue_bits():
    for keyword in KEYWORDS:
        line = f"{keyword}：12 > 本\n"
        assert findings._chrome_places(line, findings.cue_bits(line)), keyword


def test_chrome_cue_bits_name_their_characters():
    table = findings.cue_table()
    for bit, chars in findings._chrome_groups().items():
        assert bit & findings.CUE_CHROME
        for ch in chars:
            assert table[ord(ch)] & findings.CUE_CHROME == bit, ch


# --- reports shared between documents ------------------------------------------------------

SIMPLIFIED = st.text(
    alphabet=st.sampled_from(list("国家会议发展后并于里干么只这关在的了是，。、 \n")),
    min_size=1,
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(SIMPLIFIED)
def test_a_simplified_decision_depends_on_the_count_alone(text):
    """What lets clean simplified text share its script decision (inspection._plain)."""
    trad, simp = scan.count_scripts(text)
    if trad or not simp:
        return
    assert decide_script(text, 0, (trad, simp)) == _plain((0, simp))
    assert zhmend.inspect(text).script_decision == decide_script(text, 0, (trad, simp))


# Simplified text with traditional characters in it, the converter's leftovers (于 并 后
# 么 里 干 台 只) and the traditional forms genuine text writes for some of them.
SCRIPTY = st.text(
    alphabet=st.sampled_from(list("国家会议发展這個會議國發於並後麼于并后么里干台只的是，。\n")),
    min_size=1,
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(SCRIPTY, SIMPLIFIED, TEXTS))
def test_a_decision_on_text_that_does_not_look_traditional_depends_on_the_counts(text):
    """What lets such text share its script decision: decide_script looks for evidence of
    a conversion only in traditional-looking text, and scan.traditional_looking is its test,
    but for the stray commas of a farm body in a simplified template (never on text no
    fixer acts on, the only text that shares a decision)."""
    trad, simp = scan.count_scripts(text)
    if not (trad or simp):
        return
    if not scan.traditional_looking(text, trad, simp) and not STRAY_RE.search(text):
        assert decide_script(text, 0, (trad, simp)) == _plain((trad, simp))
    for to in ("auto", "keep"):
        assert evidence_of(text, to=to) == zhmend.mend_and_explain(text, to=to).evidence


@settings(max_examples=400, deadline=None)
@given(st.one_of(SCRIPTY, CHROMEY, TEXTS))
def test_detectors_on_ids_find_what_the_detectors_find(text):
    """The idle and script-only paths look for chrome and mojibake from the ids."""
    found = _scan(text)
    if not (found.idle or found.script_only):
        return
    full = findings.cue_bits(text)
    assert _detect(text, found.cues, found.ids, found.telling, found.told) == findings.detect(
        text, full
    )
    assert _chrome_places(text, found.ids, found.telling) == findings._chrome_places(
        text, full
    )


# Mojibake signs and GBK lead characters (鍙 缁 涓 璀 璨 纾 …) near and far from each other.
LEADS = st.text(
    alphabet=st.sampled_from(list("鍙戝睍鏀归潻缁忔祹涓璀璨纾屯烫锟斤拷\ufffd?的是，。 \n")),
    max_size=40,
)


# GBK-read UTF-8 runs and look-alikes: lead characters side by side that decode to nothing
# (璀璨), runs cut by ASCII, punctuation or a line break, runs back to back.
GBK_RUNS = (
    "鍙戝睍鏀归潻",
    "璀璨的明珠",
    "鍙戝睍 鏀归潻",
    "鍙戝，睍鏀归潻\n缁忔祹",
    "他说鍙戝睍鏀归潻缁忔祹涓嶆柇",
    "璀鍙戝睍",
    "鍙x戝",
)


@pytest.mark.parametrize("text", GBK_RUNS)
def test_gbk_runs_tried_only_where_they_may_start_are_all_the_runs(text):
    found = _scan(text)
    starts = _gbk_starts(found.ids, found.told)
    assert findings.mojibake(text, gbk_starts=starts) == findings.mojibake(text)
    tried = [m.span() for m in findings._gbk_runs(text, starts)]
    assert tried == [m.span() for m in findings._gbk_run_re().finditer(text)]


@settings(max_examples=400, deadline=None)
@given(st.one_of(LEADS, TEXTS))
def test_mojibake_parts_ruled_out_by_the_ids_find_nothing(text):
    found = _scan(text)
    whole = findings.mojibake(text)
    if not found.told.mojibake_signs:
        assert findings.mojibake(text, signs=False) == whole
    starts = _gbk_starts(found.ids, found.told)
    if not starts:
        assert findings.mojibake(text, gbk_runs=False) == whole
    assert findings.mojibake(text, gbk_starts=starts) == whole


def test_ids_say_what_the_class_and_cue_tables_say():
    ids = _ids()
    classes = scan.class_table()
    cues = findings.cue_table()
    table = ids.table
    untelling = len(ids.untelling)
    assert ids.untelling == bytes(range(untelling))
    telling = table >= untelling
    values = np.array(ids.values, dtype=np.uint64)[table]
    combined = classes.astype(np.uint64) | (cues.astype(np.uint64) << np.uint64(8))
    assert (values[telling] == combined[telling]).all()
    untold = ~telling
    assert not (cues[untold]).any()
    assert not (classes[untold] & (scan.TRAD | scan.JUNK | scan.ASCII_MARK | scan.PAREN)).any()
    simp = (classes & scan.SIMP) != 0
    chinese = (classes & (scan.HAN | scan.CJK_MARK)) != 0
    # Simplified-only characters are counted as the ids that are not 0.
    assert ((table == 0) == (untold & simp)).all()
    assert ((table == 1) == (untold & ~simp & chinese & (table < 3))).all()
    assert ((table == 2) == (untold & ~simp & ~chinese)).all()
    assert (np.frombuffer(ids.chinese, dtype=np.uint8)[table] == chinese).all()
    # Marks, mojibake signs, chrome cue characters and their neighbours (but simplified-only
    # ones, id 0) each have an id of their own.
    neighbours = findings.chrome_neighbours()
    partners = {p for beside in neighbours.values() for _, p in beside}
    told_apart = [p for p in partners if table[ord(p)]]
    own = [*",;:!?.", *findings.MOJIBAKE_SIGNS, *neighbours, *told_apart]
    for ch in own:
        assert np.count_nonzero(table == table[ord(ch)]) == 1, ch
    for cue, beside in neighbours.items():
        for (delta, p), (d, pid, check) in zip(beside, ids.neighbours[table[ord(cue)]]):
            assert (d, pid, check) == (delta, table[ord(p)], "" if table[ord(p)] else p)


# Traditional text, genuine and converted: 於 並 後 麼 and their residue forms, converter
# slips (關系 復雜 頭發), mainland terms (軟體 視頻 網絡), simplified characters.
TRADITIONAL = st.text(
    alphabet=st.sampled_from(
        list("這個會議國發展關係系於並後麼于并后么里干只皇軟體視頻網絡復雜頭髮批準的是，。\n")
    ),
    min_size=1,
    max_size=400,
)


@settings(max_examples=300, deadline=None)
@given(TRADITIONAL)
def test_a_traditional_decision_skips_only_what_cannot_count(text):
    """inspect decides on traditional-looking text without detail where that cannot
    change the decision: holding decide_script to it."""
    counts = scan.count_scripts(text)
    if not scan.traditional_looking(text, *counts):
        return
    assert _traditional_decision(text, counts) == decide_script(text, 0, counts)
    for to in ("auto", "keep"):
        assert evidence_of(text, to=to) == zhmend.mend_and_explain(text, to=to).evidence


def _residue_chars_visiting_every_character(text: str) -> int:
    """The reference: residue_chars as a loop over every character."""
    n = 0
    for i, ch in enumerate(text):
        if ch in RESIDUE_CHARS:
            lo = max(0, i - 2)
            window = text[lo : i + 3]
            back = convert(convert(window, "t2s"), "s2t")
            if len(back) == len(window) and back[i - lo] != ch:
                # 于 as a surname, and 后里 老么 (words traditional text writes so), are none.
                n += is_preposition(text, i) if ch == "于" else not in_own_word(text, i)
    return n


def test_residue_chars_passes_the_words_traditional_text_writes():
    assert residue_chars("于后里") == _residue_chars_visiting_every_character("于后里")


@settings(max_examples=300, deadline=None)
@given(st.one_of(TRADITIONAL, TEXTS))
def test_residue_chars_found_by_find_are_the_characters_visited_one_by_one(text):
    assert residue_chars(text) == _residue_chars_visiting_every_character(text)


def test_residue_chars_counts_each_occurrence_once():
    assert residue_chars("皇后與國王並肩而立，隨后離開，并且關于此事之后再議。") == 4
    assert residue_chars("皇后與國王並肩，隨後離開。") == 0  # 皇后 stays 后 in traditional text


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from(TARGETS))
def test_the_busy_path_placing_detectors_by_ids_is_mend_and_explain(text, to):
    """On text the fixers act on, inspect places the mojibake detectors by its ids; the
    report is mend_and_explain's, which runs every detector everywhere."""
    config = MendConfig.build(None, to=to)
    assert _explained(text, config) == zhmend.mend_and_explain(text, config).evidence


def test_a_traditional_decision_with_residue_characters_counts_them():
    text = "皇后與國王並肩而立，隨后離開這里的會議。" * 10
    counts = scan.count_scripts(text)
    decision = _traditional_decision(text, counts)
    assert decision == decide_script(text, 0, counts)
    assert decision.residue_chars > 0


def test_forgetting_the_caches_changes_no_report():
    text = "国家统计局今天发布数据，观众在电视前观看了比赛。"
    before = zhmend.inspect(text)
    assert _nothing_found.cache_info().currsize > 0
    clear_caches()
    assert _nothing_found.cache_info().currsize == 0
    after = zhmend.inspect(text)
    assert after == before and after is not before


def test_shared_reports_refuse_writes_and_pickle_as_plain_dicts():
    a = zhmend.inspect("国家统计局今天发布数据。")
    b = zhmend.inspect("今天国家统计局发布数据。")
    assert a.script_decision is b.script_decision  # the same count of simplified characters
    for mapping in (a.counts, a.script_decision.residue, a.script_decision.mainland_terms):
        with pytest.raises(TypeError, match="shared between reports"):
            mapping["x"] = 1
        with pytest.raises(TypeError):
            mapping.update(x=1)
    assert dict(a.counts) == {} and b.script_decision.residue == {}
    again = pickle.loads(pickle.dumps(a))
    assert again == a and type(again.counts) is dict
    assert copy.deepcopy(a) == a
    assert json.loads(json.dumps(a.to_dict())) == a.to_dict()


def test_chrome_cue_groups_hold_every_cue_once():
    simplified = "".join(findings._CHROME_GROUPS)
    assert sorted(simplified) == sorted(findings.CHROME_CUES)
    everything = "".join(findings._chrome_groups().values())
    assert len(everything) == len(set(everything))
    assert set(findings._traditional(findings.CHROME_CUES)) <= set(everything)


@pytest.mark.parametrize("times", [1, 3, 12])
def test_reports_of_short_and_long_traditional_text_are_the_full_path(times):
    """Traditional text is all telling characters; past 64 of them it takes the path that
    does not keep its bytes."""
    text = "".join(CLEAN[5:8]) * times
    assert evidence_of(text) == zhmend.mend_and_explain(text).evidence
    assert _scan(text).script_only
