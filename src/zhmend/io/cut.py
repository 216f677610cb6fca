"""Where a line too long to be one document is cut: at a place no fixer reads across."""

from __future__ import annotations

import codecs
import re
import unicodedata

import regex

from ..chars import HAN_CLASS

#: No byte-shift anchor (``?``, ``!``, ``！``, a ``(`` after an ASCII character) within this
#: many characters of a cut: a byte-shift window reaches at most 12 characters (each with a
#: label of up to 10) before its anchor and 40 (and a label) after it, plus one neighbour.
GUARD_CHARS = 256
#: Characters a cut decision may look at past the largest piece: the guard, and the
#: character after the one that follows the cut.
LOOKAHEAD_CHARS = GUARD_CHARS + 2
# Candidate cuts, latest first (``regex`` searches backwards with ``(?r)``); a match ends
# at the cut. A sentence end followed by a Han character, and two Han characters of which
# the second carries no label.
_AFTER_SENTENCE = regex.compile(f"(?r)。(?={HAN_CLASS})")
_HAN = re.compile(HAN_CLASS)
_BETWEEN_HAN = regex.compile(f"(?r){HAN_CLASS}(?={HAN_CLASS}(?![(（]))")
# What a byte-shift window grows from (fixers/byte_shift/repair.py find_windows).
_ANCHOR = re.compile(r"[?!！]|(?<=[\x40-\x7f])\(")
# Brackets whose pairing a fixer reads along the line: ASCII parentheses pair up within a
# line (repair_punctuation), and marks opened before a byte-shift window weigh its repair.
_BRACKET = re.compile("[()“”‘’【】《》（）「」『』]")
_CLOSES = {"”": "“", "’": "‘", "】": "【", "》": "《", "）": "（", "」": "「", "』": "『"}
#: The longest word the dot rule of strip_injected_junk looks up across a dot.
_DOT_REACH = 4


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


#: The kinds of cut :func:`find_cut` makes, in its order of preference.
CUT_KINDS = ("sentence", "han", "sentence_open", "han_open", "hard")


def find_cut(line: str, cut_bytes: int) -> tuple[int, str]:
    """Where to cut ``line`` (longer than ``cut_bytes`` bytes as UTF-8), and the kind of
    cut (:data:`CUT_KINDS`), so that the piece before holds half to all of ``cut_bytes``
    and the fixers mend the two sides as they mend the whole.

    Each fixer reads a few characters around what it changes: a label right after its Han
    character (``會(huì)``), a mark's neighbours and the mark after a stray comma, an emoji
    cluster or a dot between two Han characters and the words across the dot (up to four
    characters), a byte-shift window of up to about 150 characters around its ``?``/``!``
    anchor, OpenCC's phrases. Along the line they also pair brackets: ASCII parentheses
    change in pairs, and marks opened before a byte-shift window weigh its repair. So the
    cut is the latest of the first kind found:

    - ``sentence``: just after a ``。`` followed by a Han character, no byte-shift anchor
      within :data:`GUARD_CHARS` characters, every bracket of the piece closed. Nothing
      reads across it;
    - ``han``: between two Han characters, the second without a label, no ``.`` within
      four characters, the same guard and brackets. OpenCC may read a phrase across it:
      a page converted to simplified may differ in one phrase at the cut;
    - ``sentence_open``, ``han_open``: the same, a bracket left open (a pair of
      parentheses astride the cut stays ASCII, a byte-shift repair after it may weigh a
      quotation mark differently);
    - ``hard``: at a code point, never inside a surrogate pair or ``\\r\\n``, and where
      one is near, not inside or before a label, between two ASCII letters or digits, or
      before a combining mark, joiner or variation selector.

    Decisions a fixer takes for a whole document (the script, a lone gloss, a lesson page,
    the dot rule, a clean page's odd ASCII slip, a learner line's share of labels, the
    byte-shift model's page counts) are taken for each piece, as for each block.
    """
    head = line[:cut_bytes].encode("utf-8", "surrogatepass")
    lo = len(codecs.utf_8_decode(head[: cut_bytes // 2], "surrogatepass", False)[0])
    hi = len(codecs.utf_8_decode(head[:cut_bytes], "surrogatepass", False)[0])
    lo = max(lo, 1)
    view = line[: hi + LOOKAHEAD_CHARS]  # all a decision may look at
    # Each pattern's first character, looked for once: text without it skips the pattern.
    sentence = view.find("。", lo - 1, hi) != -1
    han = _HAN.search(view, lo - 1, hi) is not None
    if not han:
        return _hard_cut(view, lo, hi), "hard"
    anchors = [m.start() for m in _ANCHOR.finditer(view, max(0, lo - GUARD_CHARS))]
    guarded = _guarded_spans(anchors, lo, hi)
    closed = _overlap(guarded, _closed_spans(view, hi))

    def no_dot(at: int) -> bool:
        return view.find(".", max(0, at - _DOT_REACH), at + _DOT_REACH) == -1

    kinds = iter(CUT_KINDS)
    for spans in (closed, guarded):
        for pattern, extra, seen in (
            (_AFTER_SENTENCE, None, sentence),
            (_BETWEEN_HAN, no_dot, han),
        ):
            kind = next(kinds)
            for start, end in reversed(spans if seen else []):
                # The match ends at the cut: it starts a character before the span at the
                # earliest, and looks ahead at most two characters past its end.
                for m in pattern.finditer(view, start - 1, min(len(view), end + 2)):
                    at = m.end()
                    if start <= at <= end and (extra is None or extra(at)):
                        return at, kind
    return _hard_cut(view, lo, hi), "hard"


Spans = list[tuple[int, int]]  # inclusive ranges of positions, in order


def _guarded_spans(anchors: list[int], lo: int, hi: int) -> Spans:
    """The positions from ``lo`` to ``hi`` with no anchor within GUARD_CHARS characters
    (``at - GUARD_CHARS <= anchor < at + GUARD_CHARS``)."""
    spans: Spans = []
    free = lo
    for x in anchors:
        if x - GUARD_CHARS >= free:
            spans.append((free, min(hi, x - GUARD_CHARS)))
        free = max(free, x + GUARD_CHARS + 1)
        if free > hi:
            return spans
    return [*spans, (free, hi)]


def _closed_spans(text: str, end: int) -> Spans:
    """The positions up to ``end`` before which every bracket of ``text`` is closed: ASCII
    parentheses as repair_punctuation pairs them (a ``)`` closes the latest ``(``), the
    other marks as the byte-shift repair does (a closing mark closes only its own)."""
    spans: Spans = []
    since = 0  # start of the current closed span, or -1 while a bracket is open
    parens = 0
    marks: list[str] = []
    for m in _BRACKET.finditer(text, 0, end):
        c = m.group()
        if c == "(":
            parens += 1
        elif c == ")":
            parens = max(0, parens - 1)
        elif c in _CLOSES:
            if marks and marks[-1] == _CLOSES[c]:
                marks.pop()
        else:
            marks.append(c)
        at = m.start()
        if parens or marks:
            if since >= 0:
                spans.append((since, at))  # a cut just before the bracket is outside it
                since = -1
        elif since < 0:
            since = at + 1
    if since >= 0:
        spans.append((since, end))
    return spans


def _overlap(a: Spans, b: Spans) -> Spans:
    out: Spans = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start <= end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


#: How far a last-resort cut moves back from the end of the piece to find a clean place.
_HARD_BACK = 32
#: The longest label, with its parentheses: ``(zhuàng4)``.
_LABEL_REACH = 10
_OPENING = "(（"
_CLOSING = ")）"


def _hard_cut(text: str, lo: int, hi: int) -> int:
    at = hi
    while at > lo and at > hi - _HARD_BACK and not _clean_break(text, at):
        at -= 1
    if _clean_break(text, at):
        return at
    return hi - 1 if _splits_pair(text, hi) else hi


def _splits_pair(text: str, at: int) -> bool:
    """A surrogate pair or ``\\r\\n`` at ``at - 1``, ``at``."""
    a, b = text[at - 1], text[at]
    return (a == "\r" and b == "\n") or ("\ud800" <= a <= "\udbff" and "\udc00" <= b <= "\udfff")


def _clean_break(text: str, at: int) -> bool:
    if _splits_pair(text, at):
        return False
    a, b = text[at - 1], text[at]
    if b in _OPENING or _inside_brackets(text, at):
        return False  # a label leaves its character, or is cut
    if a.isascii() and a.isalnum() and b.isascii() and b.isalnum():
        return False
    if a in "\u200c\u200d" or b in "\u200c\u200d":
        return False
    if "\ufe00" <= b <= "\ufe0f" or "\U000e0100" <= b <= "\U000e01ef":
        return False
    if "\U0001f3fb" <= b <= "\U0001f3ff":  # an emoji's skin tone
        return False
    return not unicodedata.combining(b) and unicodedata.category(b) not in ("Mn", "Me")


def _inside_brackets(text: str, at: int) -> bool:
    """Whether ``at`` lies inside a short parenthesis (a label's reach)."""
    before = text[max(0, at - _LABEL_REACH) : at]
    opened = max(before.rfind(c) for c in _OPENING)
    if opened == -1 or max(before.rfind(c) for c in _CLOSING) > opened:
        return False
    return any(c in text[at : at + _LABEL_REACH] for c in _CLOSING)
