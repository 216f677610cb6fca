"""Lesson pages keep their pinyin glosses; farm pages, one fixed reading per character, do not.

The golden cases (tests/cases/mend.json, untouched.json) hold the written examples; here the
real farm pages are the negatives, and generated pages hold the rule to its statement.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhmend
from conftest import DATA, SEED, need
from zhmend.chars import TONED_LETTERS
from zhmend.fixers.pinyin import (
    _LAST_CHAR,
    _PRONUNCIATION,
    _SPLIT,
    _is_rare,
    _is_uncommon,
    _toned_reading,
    _verified,
    is_lesson,
    parse_label,
)
from zhmend.tables import default_readings, readings, script_overrides

SETTINGS = settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Labels as the fixer's own pattern sees them: what a page keeps is compared label by label.
LABELS = re.compile(f"[(（]([a-zü{TONED_LETTERS}v:]+[0-5]?)[)）]")


def _farm_pages() -> list[tuple[str, str]]:
    pages = sorted(need(DATA / "real_dev").glob("[0-9][0-9][0-9].txt"))
    out = [(p.stem, p.read_text(encoding="utf-8")) for p in pages]
    return out + [("seed", need(SEED / "input.txt").read_text(encoding="utf-8"))]


def _split(text: str) -> tuple[list[str], list[tuple[str, str, int] | None]]:
    pieces = _SPLIT.split(text)
    return pieces, list(map(_verified, map(_LAST_CHAR, pieces[0:-1:2]), pieces[1::2]))


def test_real_farm_pages_give_each_character_one_label():
    """The fact the rule rests on: on every real farm page, each labelled character carries
    one syllable and one tone, whatever the page's tone style."""
    for name, text in _farm_pages():
        pieces, infos = _split(text)
        labels: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
        for info in filter(None, infos):
            parsed = parse_label(info[1])
            assert parsed is not None
            labels[info[0]].add(parsed)
        assert len(labels) >= 5, name  # a page with labels to speak of
        two = {ch: found for ch, found in labels.items() if len(found) > 1}
        assert not two, (name, two)
        assert not is_lesson(text, pieces, pieces[1::2], infos), name


def test_real_farm_pages_label_the_default_reading():
    """The fact the rare-reading rule rests on: every tone-marked label of the real farm
    pages is the default reading of its character or of one of its other forms."""
    for name, text in _farm_pages():
        _, infos = _split(text)
        toned = [i for i in filter(None, infos) if _toned_reading(i[1]) is not None]
        assert len(toned) >= 5 or name == "013", name  # 013 writes its labels toneless
        rare = [(ch, label) for ch, label, _n in toned if _is_rare(ch, label)]
        assert not rare, (name, rare)


def test_real_farm_pages_label_common_characters_and_speak_of_no_pronunciation():
    """The facts the uncommon-gloss and pronunciation rules rest on: the real farm pages
    label no character beyond the word list's COMMON_CHARACTERS most frequent, and hold
    none of the words of a text about pronunciation (易读错, 读音, 注音)."""
    for name, text in _farm_pages():
        _, infos = _split(text)
        uncommon = {i[0] for i in filter(None, infos) if _is_uncommon(i[0])}
        assert not uncommon, (name, uncommon)
        assert _PRONUNCIATION.search(text) is None, name


@pytest.mark.parametrize(
    "page",
    [
        "龜（qiū）茲是西域古國，位於今新疆庫車一帶。",
        "句讀（dòu）之不知，惑之不解。",
        "安徽的六(lù)安，外地人常常读错。",
    ],
)
def test_a_rare_reading_glossed_keeps_the_page(page):
    result = zhmend.mend_and_explain(page)
    assert result.text == page
    assert result.evidence.counts == {"pinyin_kept_lesson": 1}
    assert result.evidence.farm_score < 0.5


def test_a_rare_reading_on_a_farm_page_with_folded_marks_goes():
    # A folded page is no lesson whatever its readings: a farm's punctuation is ASCII.
    page = "龜（qiū）茲是西域古國,在今新疆庫車一帶"
    assert not LABELS.findall(zhmend.mend(page))


@pytest.mark.parametrize(
    "page",
    [
        "龜（qiū）茲是西域古國,位於今新疆庫車一帶",
        "評書藝術家單(shàn)田芳,1934年出生於遼寧營口。",
    ],
)
def test_a_few_glosses_on_a_page_that_writes_yu_bing_hou_me_stay(page):
    # A per-character converter leaves 于 并 后 么 as they are: a page writing 於 並 後 麼
    # beside a rare reading is no farm's, and its few labels are a person's glosses (kept,
    # evidence of nothing). Default readings there prove nothing: a farm converting by
    # phrase writes 於 and 什麼 too.
    result = zhmend.mend_and_explain(page)
    assert LABELS.findall(result.text) == LABELS.findall(page)
    assert not result.evidence.script.converted_from_simplified
    assert result.evidence.farm_score < 0.5


def test_real_farm_pages_are_still_mended():
    for name, text in _farm_pages():
        evidence = zhmend.mend_and_explain(text).evidence
        assert "pinyin_kept_lesson" not in evidence.counts, name
        assert evidence.counts["pinyin_labels"] > 5, name


def test_traditional_lesson_is_evidence_of_nothing():
    page = "多音字練習：長(cháng)城、長(zhǎng)大；會(huì)議、會(kuài)計；還(hái)是、還(huán)書。"
    result = zhmend.mend_and_explain(page)
    assert result.text == page
    assert result.evidence.counts == {"pinyin_kept_lesson": 6}
    assert not result.evidence.script.converted_from_simplified
    assert result.evidence.farm_score < 0.5
    assert zhmend.inspect(page).verdict == "clean"


def test_lesson_on_a_page_keeps_every_label_of_the_page():
    # The lesson line decides for the page: the label of the other line stays too, though
    # alone (one label, the default reading, on a traditional character) it would go.
    other = "會(huì)議一詞另有讀音。"
    assert zhmend.mend(other) == "会议一词另有读音。"
    page = "银行(háng)的行(xíng)字有两个读音。\n" + other
    assert zhmend.mend(page) == page


def test_only_quoted_labels_on_a_traditional_page():
    page = "「會(kuài)」在「會(kuài)計」一詞中讀作此音，「單(shàn)」作姓氏時亦然。"
    # 會計 quoted with two characters: that label does not stand alone in quotes.
    assert LABELS.findall(zhmend.mend(page)) == []
    page = "這兩個字分別念「會(kuài)」和「單(shàn)」。"
    assert zhmend.mend(page) == page


# --- generated pages -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pool() -> tuple[list[str], list[str]]:
    """Han characters whose default reading is toned, and those with two toned readings or
    more."""
    toned = {
        ch: sorted(r for r in rs if r[-1] in "1234")
        for ch, rs in readings().items()
        if "\u4e00" <= ch <= "\u9fa5" and default_readings()[ch][-1] in "1234"
    }
    chars = sorted(ch for ch, rs in toned.items() if rs)
    # 乾 著 (script_overrides) carry two readings on a farm page too: never a lesson's sign.
    merged = script_overrides()
    return chars, [ch for ch in chars if len(toned[ch]) >= 2 and ch not in merged]


def _toned(ch: str) -> list[str]:
    return sorted(r for r in readings()[ch] if r[-1] in "1234")


def _write(reading: str, marks: bool) -> str:
    from pypinyin.contrib.tone_convert import to_tone

    return to_tone(reading) if marks else reading


@st.composite
def farm_pages(draw: st.DrawFn) -> str:
    """A farm page: some characters labelled at every occurrence, each with ONE reading,
    its default (the converter's dictionary: every tone-marked label of the real farm
    pages is one), written in tone marks or tone numbers at random per label."""
    chars, _ = _pool()
    words = draw(st.lists(st.sampled_from(chars), min_size=2, max_size=60))
    labelled = draw(st.sets(st.sampled_from(words), min_size=1))
    fixed = {ch: default_readings()[ch] for ch in sorted(labelled)}
    out = []
    for i, ch in enumerate(words):
        out.append(ch)
        if ch in fixed:
            out.append(f"({_write(fixed[ch], draw(st.booleans()))})")
        if i % 12 == 11:
            out.append("，")
    return "".join(out)


@SETTINGS
@given(farm_pages())
def test_one_reading_per_character_is_never_a_lesson(page):
    counts = zhmend.mend_and_explain(page).evidence.counts
    assert "pinyin_kept_lesson" not in counts


@SETTINGS
@given(farm_pages(), st.data())
def test_two_readings_of_one_character_keep_every_label(page, data):
    _, polyphones = _pool()
    ch = data.draw(st.sampled_from(polyphones))
    first, second = data.draw(
        st.lists(st.sampled_from(_toned(ch)), min_size=2, max_size=2, unique=True)
    )
    marks = data.draw(st.booleans())
    lesson = f"{page}\n多音字：{ch}({_write(first, marks)})、{ch}({_write(second, not marks)})"
    result = zhmend.mend_and_explain(lesson)
    assert LABELS.findall(result.text) == LABELS.findall(lesson)
    assert result.evidence.counts["pinyin_kept_lesson"] == len(LABELS.findall(lesson))
    assert "pinyin_labels" not in result.evidence.counts


# --- the command line ------------------------------------------------------------------


def _cli(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhmend.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@pytest.mark.parametrize(
    ("page", "kept"),
    [
        ("多音字：行(xíng)走、银行(háng)；长(cháng)城、长(zhǎng)大\n", True),
        ("長(zhǎng)江流域會(huì)議召開(kāi),長(zhǎng)期發(fā)展\n", False),
    ],
)
def test_cli_fix_and_inspect(page, kept):
    fixed = _cli("fix", "-", stdin=page)
    assert fixed.returncode == 0, fixed.stderr
    assert (fixed.stdout == page) is kept
    inspected = _cli("inspect", "--json", "-", stdin=page)
    assert inspected.returncode == 0, inspected.stderr
    report = json.loads(inspected.stdout)
    assert ("pinyin_kept_lesson" in report["counts"]) is kept
    assert report["verdict"] == ("clean" if kept else "farm")
