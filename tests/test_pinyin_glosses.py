"""A person's glosses on a simplified page stay; a farm's labels go, even after a pipeline
converted the farm page to simplified characters before mending it.

See ``zhmend.fixers.pinyin.is_glossed``: every farm page seen is in traditional characters;
a simplified page whose punctuation is intact and which glosses a few characters once each,
with tones, is a person's.
"""

from __future__ import annotations

import re

import pytest

import zhmend
from conftest import DATA, SEED, need, read_jsonl
from zhmend.chars import TONED_LETTERS
from zhmend.tables import convert

LABELS = re.compile(f"[(（][a-zü{TONED_LETTERS}v:]+[0-5]?[)）]")

# Glosses of the characters' default readings: not rare (see test_pinyin_lessons.py), so
# only is_glossed keeps them.
GLOSSED = [
    "这座城市叫亳(bó)州，在安徽北部；另一座叫涪(fú)陵，在重庆，两个字都不常见。",
    "江西的鄱(pó)阳湖和山东的兖(yǎn)州，名字里的字外地人常常读错，当地人一听就知道。",
]
# Rare readings (单 chán, 尉 yù, 六 lù, 丽 lí, 蚌 bèng): a lesson whatever the page.
RARE = [
    "历史上的单(chán)于是匈奴的首领，尉(yù)迟恭是唐朝名将，这两个读音常被读错。",
    "安徽的六(lù)安和浙江的丽(lí)水，外地人常常读错，当地人一听就知道你是第一次来。",
    "容易读错的字：亳(bó)州、蚌(bèng)埠、六(lù)安、丽(lí)水。",
    "歷史上的單(chán)于是匈奴的首領，尉(yù)遲恭是唐朝名將，這兩個讀音常被讀錯。",
]


@pytest.mark.parametrize("text", GLOSSED)
def test_glosses_on_a_simplified_page_stay(text):
    assert zhmend.mend(text) == text
    result = zhmend.mend_and_explain(text)
    assert result.edits == ()
    assert result.evidence.counts.get("pinyin_kept_gloss", 0) == 2
    assert result.evidence.farm_score < 0.5
    assert zhmend.inspect(text).evidence == result.evidence


@pytest.mark.parametrize("text", RARE)
def test_rare_readings_glossed_stay_on_any_page(text):
    result = zhmend.mend_and_explain(text)
    assert result.text == text and result.edits == ()
    assert result.evidence.counts.get("pinyin_kept_lesson", 0) == len(LABELS.findall(text))
    assert not result.evidence.script.converted_from_simplified


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("他姓仇(chóu)，名叫仇(chóu)家明，是一位老师，今年三十岁，住在北京。", "twice"),
        ("这座城市叫亳(bo)州，在安徽北部；另一座叫涪(fu)陵，在重庆。", "toneless"),
        ("这座城市叫杭(háng)州,在浙江北部;另一座叫宁(níng)波,在东边,两个字都常见。", "folded"),
        ("这座城市叫亳(bó)州,,在安徽北部；另一座叫涪(fú)陵，在重庆。", "a stray comma"),
        ("城市杭(háng)州和宁(níng)波都在上(shàng)海以南。", "dense"),
        ("這座城市叫杭(háng)州，在浙江北部；另一座叫寧(níng)波，在東邊，兩個字都常見。", "trad"),
    ],
)
def test_labels_that_are_no_glosses_go(text, why):
    assert not LABELS.search(zhmend.mend(text)), why


def _farm_pages_in_simplified() -> list[str]:
    """The real farm pages and the seed, converted to simplified by OpenCC as a pipeline
    that normalises its corpus before mending would do."""
    pages = sorted(need(DATA / "real_dev").glob("[0-9][0-9][0-9].txt"))
    texts = [p.read_text(encoding="utf-8") for p in pages]
    texts.append(need(SEED / "input.txt").read_text(encoding="utf-8"))
    return [convert(t, "t2s") for t in texts]


def test_farm_pages_converted_first_lose_their_labels():
    for text in _farm_pages_in_simplified():
        assert LABELS.findall(text), "the page should carry labels to begin with"
        counts = zhmend.mend_and_explain(text).evidence.counts
        assert counts.get("pinyin_kept_gloss", 0) == 0
        assert counts.get("pinyin_labels", 0) > 0


@pytest.mark.parametrize("variant", ["seed-like", "sparse-labels", "fullwidth-parens", "nfkc"])
def test_simulated_farm_pages_converted_first_keep_no_gloss(variant):
    from bench.corrupt import VARIANTS, corrupt

    docs = [r["text"] for r in read_jsonl(need(DATA / "news_dev.jsonl"))[:300]]
    kept = 0
    labelled = 0
    for n, doc in enumerate(docs):
        page = convert(corrupt(doc, VARIANTS[variant], n), "t2s")
        counts = zhmend.mend_and_explain(page).evidence.counts
        # A lone label on a simplified page is a gloss by an older rule, whatever the page;
        # is_glossed judges pages with two labels or more.
        labels = counts.get("pinyin_labels", 0) + counts.get("pinyin_kept_gloss", 0)
        labelled += labels > 1
        kept += counts.get("pinyin_kept_gloss", 0) > 1
    assert labelled > 50
    assert kept == 0, f"{kept} of {labelled} pages kept their labels"
