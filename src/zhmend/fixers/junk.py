"""strip_injected_junk: symbol clusters and lone dots injected inside Han words."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

import regex

from ..chars import HAN_CLASS, is_han
from ..edits import Edit
from ..scan import JUNK
from .base import Context

RULE = "strip_injected_junk"

# Blocks that farms sprinkle into words: misc symbols and arrows, dingbats, misc technical,
# and the whole supplementary symbol area (mahjong, dominoes, cards, enclosed alphanumeric
# supplement, pictographs, emoticons, transport, alchemical, geometric extended, ...).
SYMBOL_CLASS = (
    "\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\U0001f000-\U0001faff\ufe0f\u200d"
)
# Blocks no writer puts inside a word: one of them in a run is enough.
_NEVER_IN_WORDS = regex.compile(
    "[\U0001f000-\U0001f0ff\U0001f100-\U0001f1e5\U0001f700-\U0001f77f]"
)
_GRAPHEME = regex.compile(r"\X")
# Candidates first, neighbours checked after: a pattern that opens with a lookbehind
# would test it at every position of the text. Plain classes: ``re`` scans them faster.
_RUN = re.compile(f"[{SYMBOL_CLASS}]+|\\.")
# The same for a text without symbols (their class, JUNK, is absent from the scan): a dot
# with Han on both sides. Opening with the dot, the matcher skips to dots.
_LONE_DOT = re.compile(f"\\.(?<={HAN_CLASS}\\.)(?={HAN_CLASS})")


def strip_injected_junk(text: str, ctx: Context) -> list[Edit]:
    """Remove symbol clusters and a lone ASCII dot sitting between two Han characters.

    A cluster is removed when it holds a symbol no writer uses inside a word (mahjong,
    domino, playing-card, alchemical, enclosed alphanumeric supplement) or three distinct
    symbols. Never changes: emoji at a sentence end or beside punctuation, one or two
    ordinary emoji between words, dots in numbers, URLs and Latin text.
    """
    edits: list[Edit] = []
    n = len(text)
    symbols = ctx.bits is None or ctx.bits & JUNK
    for m in (_RUN if symbols else _LONE_DOT).finditer(text):
        start, end = m.span()
        if not (start and end < n and is_han(text[start - 1]) and is_han(text[end])):
            continue
        run = m.group()
        if run == ".":
            edits.append(Edit(m.start(), m.end(), run, "", RULE))
            ctx.counts["junk_dots"] += 1
            continue
        # A ZWJ sequence (👨‍👩‍👧) is one emoji: count grapheme clusters.
        distinct = {g for g in _GRAPHEME.findall(run) if g not in "\ufe0f\u200d"}
        if _NEVER_IN_WORDS.search(run) or len(distinct) >= 3:
            edits.append(Edit(m.start(), m.end(), run, "", RULE))
            ctx.counts["junk_symbols"] += 1
    if edits and ctx.readings and ctx.config.strip_injected_junk:  # off: edits are dropped
        _shift_readings(ctx.readings, edits)
    return edits


def _shift_readings(readings: dict[int, str], removed: list[Edit]) -> None:
    """Move the labels' positions (see :class:`Context`) past the removed junk."""
    starts = [e.start for e in removed]
    gone = list(accumulate(e.end - e.start for e in removed))
    moved: dict[int, str] = {}
    for pos, label in readings.items():
        k = bisect_right(starts, pos)
        moved[pos - gone[k - 1] if k else pos] = label
    readings.clear()
    readings.update(moved)
