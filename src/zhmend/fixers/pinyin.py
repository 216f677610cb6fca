"""strip_pinyin_annotations: 會(huì) 會（huì） 會(hui4) 國(guo)(guo) -> 會."""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter
from functools import lru_cache

import regex

from ..chars import HAN_CLASS, is_han
from ..edits import Edit
from ..tables import reading_bases, readings, traditional_only
from .base import Context

RULE = "strip_pinyin_annotations"

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = f"[a-zü{_TONED}v:]{{1,7}}[0-5]?"
# One or more parenthesised single syllables right after a Han character; ASCII or
# full-width parentheses, never mixed within one group.
_GROUP = f"(?:\\({_SYLLABLE}\\)|（{_SYLLABLE}）)"
# Opens with the parenthesis (a literal the matcher can skip to); the character before
# is checked afterwards.
_GROUPS = regex.compile(f"(?:{_GROUP})+")
_ONE_GROUP = regex.compile(f"[(（]({_SYLLABLE})[)）]")

_NEWLINE = regex.compile("\n")
_HAN = regex.compile(HAN_CLASS)
# An excerpt cut in the middle of a label: 兵團(t at the very end of the text.
_CUT_LABEL = regex.compile(f"({HAN_CLASS})([(（][a-zü{_TONED}]{{1,6}})\\s*$")

_TONE_OF = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}

# A passage where (nearly) every Han character carries a label is phonetic text written
# for readers (a textbook, a children's page), not an injection: it is kept. Farm title
# lines reach two thirds (國(guó)際(jì)聯(lián)播快訊(xùn)), so the bar is high.
LEARNER_SHARE = 0.9
LEARNER_MIN_LABELS = 4


def parse_label(label: str) -> tuple[str, str | None] | None:
    """``huì``/``hui4``/``hui`` -> (``hui``, ``4``/``4``/None); None when not a syllable."""
    decomposed = unicodedata.normalize("NFD", label)
    tone: str | None = None
    base: list[str] = []
    for ch in decomposed:
        mark = _TONE_OF.get(ch)
        if mark is not None:
            if tone is not None:
                return None
            tone = mark
        elif ch == "\u0308":  # diaeresis of ü
            if not base or base[-1] != "u":
                return None
            base[-1] = "ü"
        else:
            base.append(ch)
    text = "".join(base).replace("u:", "ü")
    if text and text[-1].isdigit():
        if tone is not None:
            return None
        tone, text = text[-1], text[:-1]
        if tone == "0":
            tone = "5"
    if not text.isalpha():
        return None
    text = text.replace("v", "ü")
    return text, tone


@lru_cache(maxsize=65536)
def is_reading(ch: str, label: str) -> bool:
    """Whether ``label`` is one of the readings of ``ch`` (toneless labels match any tone)."""
    parsed = parse_label(label)
    if parsed is None:
        return False
    base, tone = parsed
    if tone is None or tone == "5":
        return base in reading_bases().get(ch, ())
    return f"{base}{tone}" in readings().get(ch, ())


def _is_reading_prefix(ch: str, partial: str) -> bool:
    parsed = parse_label(partial)
    if parsed is None:
        return False
    return any(base.startswith(parsed[0]) for base in reading_bases().get(ch, ()))


@lru_cache(maxsize=4096)
def style_of(groups: str, label: str) -> str:
    if groups.startswith("（"):
        return "pinyin_fullwidth"
    if label[-1:].isdigit():
        return "pinyin_tone_numbers"
    if any(c in _TONED for c in unicodedata.normalize("NFC", label)):
        return "pinyin_tone_marks"
    return "pinyin_toneless"


def strip_pinyin_annotations(text: str, ctx: Context) -> list[Edit]:
    """Remove parenthesised pinyin that is a reading of the Han character before it.

    Kept: labels that are not a reading of their character, multi-syllable glosses
    (长城（Chángchéng）), learner passages where most characters carry a label, and a lone
    label on a simplified character in a document with no other label (a gloss).
    Never changes: the characters themselves, other parentheticals ((B区), (ID:x), (2021)).
    """
    if "(" not in text and "（" not in text:
        return []
    found: list[tuple[int, int, str, str, int]] = []  # start, end, char, first label, count
    for m in _GROUPS.finditer(text):
        start = m.start()
        if start:
            info = _verified(text[start - 1 : m.end()])
            if info is not None:
                found.append((start, m.end(), *info))
    if not found:
        return []
    cut = _CUT_LABEL.search(text, max(0, len(text) - 16))
    if cut and _is_reading_prefix(cut.group(1), cut.group(2)[1:]):
        found.append((cut.start(2), cut.end(2), cut.group(1), cut.group(2)[1:], 1))
    if len(found) == 1 and found[0][2] not in traditional_only():
        ctx.counts["pinyin_kept_gloss"] += 1
        return []
    breaks = [m.start() for m in _NEWLINE.finditer(text)]
    learner_lines = _learner_lines(text, breaks, [f[0] for f in found])
    edits: list[Edit] = []
    removed = 0
    styles: Counter[str] = Counter()
    repeated = kept = 0
    readings = ctx.readings
    for start, end, _ch, label, count in found:
        if learner_lines and bisect_right(breaks, start) in learner_lines:
            kept += 1
            continue
        groups = text[start:end]
        edits.append(Edit(start, end, groups, "", RULE))
        styles[style_of(groups, label)] += 1
        repeated += count > 1
        # Position of the character in the text this fixer returns.
        readings[start - 1 - removed] = label
        removed += end - start
    counts = ctx.counts
    counts.update(styles)
    counts["pinyin_labels"] += len(edits)
    if repeated:
        counts["pinyin_repeated"] += repeated
    if kept:
        counts["pinyin_kept_learner"] += kept
    return edits


@lru_cache(maxsize=1 << 16)
def _verified(annotated: str) -> tuple[str, str, int] | None:
    """``會(huì)`` -> (``會``, ``huì``, 1) when every label is a reading of the character."""
    ch, groups = annotated[0], annotated[1:]
    if not is_han(ch):
        return None
    # One group is the common case: its label is the text inside the parentheses.
    labels = [groups[1:-1]] if groups.count(groups[0]) == 1 else _ONE_GROUP.findall(groups)
    if not all(is_reading(ch, lab) for lab in labels):
        return None
    return ch, labels[0], len(labels)


def _learner_lines(text: str, breaks: list[int], starts: list[int]) -> set[int]:
    per_line: dict[int, int] = {}
    for s in starts:
        line = bisect_right(breaks, s)
        per_line[line] = per_line.get(line, 0) + 1
    lines = text.split("\n")
    learner = set()
    for line, labelled in per_line.items():
        if labelled < LEARNER_MIN_LABELS:
            continue
        han = len(_HAN.findall(lines[line]))
        if han and labelled / han >= LEARNER_SHARE:
            learner.add(line)
    return learner
