"""Anchors, windows and the byte-level search behind :func:`repair_byte_shift`."""

from __future__ import annotations

import dataclasses
import heapq
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

import regex

from ...chars import CJK_PUNCT, is_han
from ...edits import Edit
from ..base import Context
from ..pinyin import is_reading
from .gbk import TRAILS, decode_pair, encodings, folds, label_trails
from .model import (
    COST_CEILING,
    MAX_WORD,
    Scorer,
    beyond_converter,
    letter_words,
    model,
    simplified,
)

RULE = "repair_byte_shift"

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_SYLLABLE = f"[a-zü{_TONED}]{{1,7}}"
# The lead byte before a label's "(" became "?" and swallowed the "(": ``?nèi)``.
_QLABEL = regex.compile(rf"\?({_SYLLABLE})\)")
_LABEL = regex.compile(rf"\(({_SYLLABLE})\)")
# A label after an ASCII character from 0x40 up (a trail byte shown as itself): farm pages
# carry hundreds of labels after Han characters, which the regex skips without a match.
_LABEL_AFTER_ASCII = regex.compile(rf"(?<=[\x40-\x7f])\(({_SYLLABLE})\)")
_SCAN = regex.compile(r"\?")  # anchors; a "(" is found by _LABEL below
_BANG = regex.compile(r"[!！]")
_PAREN_FOLD = regex.compile(r"\([1-9][0-9]?\)")
_LABEL_END = regex.compile(rf"[(?]{_SYLLABLE}\)$")

STATUSES = ("repaired", "lost_byte", "uncertain", "unrepaired")

MAX_LEFT = 12  # characters re-read before the first anchor of a window
MAX_RIGHT = 40  # characters after the last anchor before giving up on finding the step
BEAM = 64
# A repair must beat the text as it stands by this much (natural log), and the next best
# different repair by MARGIN, or the span is only flagged.
MIN_GAIN = 8.0
MARGIN = 1.0  # when labels named every lost byte
MARGIN_FREE = 2.0  # when the model alone chose a byte
MARGIN_TWO_GAPS = 3.0  # when it put back two lost bytes or pairs
# A reading that needs more lost pairs than the best one still casts doubt on it when it
# comes this close (a vanished pair is rarer, not impossible).
MARGIN_MORE_GAPS = 1.0
# Below this lead over readings with more vanished pairs, a repair the labels determine
# still rests on the model's view that nothing vanished: ``lost_byte``, not ``repaired``.
CERTAIN_MORE_GAPS = 5.0
# A repair whose new text holds a rare character or a symbol is only proposed (uncertain).
STRICT = True
# A "?" that names no label is an anchor only when garbled text follows it.
EVIDENCE_WINDOW = 4
EVIDENCE_MIN = 2

# GBK's user-defined area as (first bytes, second bytes): AAA1-AFFE, F8A1-FEFE, A140-A7A0.
_UDA = (
    (tuple(range(0xAA, 0xB0)) + tuple(range(0xF8, 0xFF)), tuple(range(0xA1, 0xFF))),
    (tuple(range(0xA1, 0xA8)), tuple(t for t in range(0x40, 0xA1) if t != 0x7F)),
)
_LEADS = tuple(range(0x81, 0xFF))
_MARKED = frozenset("。！，？!,?")
_DOUBLED = frozenset("?!？！")
_MARK_FIRSTS = (0xA1, 0xA3)
_CLOSING = frozenset("”’」』）)》】")
# Lost bytes or pairs put back in one window (a long run may cross two vanished pairs).
MAX_GAPS = 2
# Priors of the character a "?label)" names: the page labels it elsewhere (0), shows it
# elsewhere without a label (it is not in the farm's table), or does not show it at all.
COST_NOT_IN_TABLE = -8.0
COST_UNSEEN_IN_TABLE = -2.0
# A closing mark whose opening mark is open on the line, and one whose is not.
PAIR_CLOSED = 1.5
PAIR_UNOPENED = -2.5
# Parents in step that may take a lost lead byte before a "?" that is itself a loss.
LOST_LEAD_PARENTS = 8
# A vanished pair is an event of its own (about one shifted pair in fifteen): its prior.
GAP_COST = 1.2
# The characters a "?label)" may name stay open, when the page labels none of them, if
# their prior (frequency against the most frequent candidate, and the page's label table)
# is above this: with more than one open, the model chose among them.
OPEN_PRIOR = -6.0


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # char, qlabel (``?R)``), q (a bare ``?``), label (an intact ``(R)``)
    text: str
    reading: str = ""


class _Hyp(NamedTuple):
    # A tuple: the search makes hundreds of thousands, and a tuple is the cheapest to make.
    score: float
    data: bytes
    pos: int  # bytes decoded so far; ``len(data) - 1`` when a lead byte waits
    out: str
    last: str | None
    pair_end: bool  # the last decoded unit was a two-byte character
    free: int  # bytes chosen by the model alone
    gap: int  # lost bytes or pairs put back
    dropped: int = 0  # labels dropped as false matches read out of step
    # Labels whose character the model chose among several the page leaves open (``中?xíng)``
    # names 形 or 行 alike, so 中文 or 中心): the lost byte they name is a choice too.
    chosen: int = 0

    def key(self) -> tuple[object, ...]:
        pending = self.data[-1] if self.pos < len(self.data) else -1
        tail = self.data[-1] if self.data else -1
        # The text so far is part of the key: two readings that differ early must both
        # survive, or the margin to the runner-up would be measured against nothing.
        return (pending, tail, self.pair_end, self.gap, self.out)


def _extend(h: _Hyp, add: bytes, scorer: Scorer, free: int = 0, gap: int = 0) -> _Hyp | None:
    data = h.data + add
    pos, out, last, score, pair_end = h.pos, h.out, h.last, h.score, h.pair_end
    n = len(data)
    while pos < n:
        b = data[pos]
        if b < 0x80:
            ch, pos, pair_end = chr(b), pos + 1, False
        elif b == 0x80:
            ch, pos, pair_end = "€", pos + 1, False
        elif pos + 1 < n:
            ch = decode_pair(b, data[pos + 1])
            if ch is None:
                return None
            pos, pair_end = pos + 2, True
        else:
            break
        score += scorer.cost(last, ch)
        out += ch
        last = ch
    return _Hyp(
        score, data, pos, out, last, pair_end, h.free + free, h.gap + gap, h.dropped, h.chosen
    )


def _prune(hyps: list[_Hyp], beam: int | None = BEAM) -> list[_Hyp]:
    """Keep the best hypothesis per decoder state, then the ``beam`` best. A lead byte just
    chosen is not scored yet (its partner comes with the next token): callers pass
    ``beam=None`` there, so the choice is judged once it is decoded."""
    best: dict[tuple[object, ...], _Hyp] = {}
    for h in hyps:
        k = h.key()
        if k not in best or h.score > best[k].score:
            best[k] = h
    ranked = sorted(best.values(), key=lambda h: -h.score)
    return ranked if beam is None else ranked[:beam]


def _step(
    hyps: list[_Hyp],
    tok: _Token,
    after: _Token | None,
    scorer: Scorer,
    before: _Token | None = None,
) -> list[_Hyp]:
    out: list[_Hyp] = []
    # The second pass hides a byte before 。！，？; a lead byte in front of it is lost with it.
    # So is a byte before a "?" that is itself such a loss (``大??,`` for ``大省，``): in the
    # farm's decoding both bytes stood in lead position, here one may complete a pair.
    before_mark = after is not None and (
        after.kind == "q" or (after.kind == "char" and after.text in _MARKED)
    )
    line_end = after is None or after.text.isspace()
    if tok.kind == "q" and before_mark:
        # Choosing a lost byte that starts a pair multiplies the hypotheses by 126; only
        # the best few parents in step are worth it.
        in_step = [h for h in hyps if h.pos == len(h.data)][:LOST_LEAD_PARENTS]
        pending = [h for h in hyps if h.pos != len(h.data)]
        lost_from = set(map(id, in_step + pending))
    else:
        lost_from = set()
    if tok.kind in ("char", "qlabel"):
        _advance(hyps, tok, scorer, out)
        out.extend(_put_back_all(hyps, tok, scorer, _Floor(out)))
        return _prune(out, BEAM)
    for h in hyps:
        if tok.kind == "q":
            for option in (b"?", b"\xa3\xbf"):  # a real question mark (folded or not)
                nh = _extend(h, option, scorer)
                if nh is not None:
                    out.append(nh)
            if id(h) in lost_from:
                # After another loss, this byte followed the second pass's invisible byte,
                # so it starts one of the pairs the pass marks: A1 (。) or A3 (！，？).
                after_loss = before is not None and before.kind == "q"
                for lead in _MARK_FIRSTS if after_loss else _LEADS:
                    nh = _extend(h, bytes((lead,)), scorer, free=1)
                    if nh is not None:
                        out.append(nh)
            elif line_end and h.pos == len(h.data) - 1:
                # A trail byte left before a line break: the decoder showed it as "?".
                for trail in TRAILS:
                    nh = _extend(h, bytes((trail,)), scorer, free=1)
                    if nh is not None:
                        out.append(nh)
                out.extend(_vanished_before_line_end(h, scorer))
        elif tok.kind == "label":
            if h.pos == len(h.data) and h.pair_end and h.last and is_reading(h.last, tok.reading):
                out.append(_with_out(h, h.out + tok.text))
            elif h.pos == len(h.data) - 1 and len(h.data) >= 2:
                # Read out of step, a false match looks like a labelled character
                # (``加?yǒu)值(zhí)埽`` for ``加兄弟，``: 兄弟 holds 值): its label goes.
                ch = decode_pair(h.data[-2], h.data[-1])
                if ch is not None and is_reading(ch, tok.reading):
                    out.append(h._replace(dropped=h.dropped + 1))
    if tok.kind != "q":
        return _prune(out, BEAM)
    # A lead byte just chosen is judged once its partner comes: keep those unpruned.
    waiting = [h for h in out if h.pos != len(h.data)]
    return _prune([h for h in out if h.pos == len(h.data)]) + _prune(waiting, None)


def _advance(hyps: list[_Hyp], tok: _Token, scorer: Scorer, out: list[_Hyp]) -> None:
    """Append to ``out`` each hypothesis of ``hyps`` advanced over a char or qlabel token."""
    for h in hyps:
        if tok.kind == "char":
            for option in encodings(tok.text):
                nh = _extend(h, option, scorer)
                if nh is not None:
                    out.append(nh)
        elif tok.kind == "qlabel":
            if not h.data:
                continue
            genuine = h.pos == len(h.data) - 1  # the label follows a character in step
            named = []
            for trail, prior in _table_chars(h.data[-1], tok.reading, scorer):
                nh = _extend(h, bytes((trail,)), scorer)
                if nh is None:
                    continue
                nh = _with_score(nh, nh.score + prior)
                if genuine:
                    nh = _with_out(nh, nh.out + f"({tok.reading})")
                named.append((nh, prior, decode_pair(h.data[-1], trail) in scorer.labelled))
            # A character the page labels elsewhere is in the farm's table; one it does
            # not show may be, but a table holds a few hundred characters of thousands.
            seen = any(labelled for _, _, labelled in named)
            open_ = sum(labelled if seen else prior >= OPEN_PRIOR for _, prior, labelled in named)
            for nh, _, _ in named:
                out.append(nh._replace(chosen=nh.chosen + 1) if open_ > 1 else nh)


class _Floor:
    """The score a hypothesis needs to join the beam that ``out`` makes (the ``BEAM``-th
    best of its states; -inf while it fills fewer): one below it cannot displace any of
    them (:func:`_prune` keeps the best per state, then the ``BEAM`` best)."""

    def __init__(self, out: list[_Hyp]) -> None:
        self.best: dict[tuple[object, ...], float] = {}
        self.top: list[float] = []  # the BEAM best scores of distinct states, a min-heap
        self.value = -math.inf
        self.add(out)

    def add(self, hyps: list[_Hyp]) -> None:
        best, top = self.best, self.top
        for h in hyps:
            k = h.key()
            old = best.get(k)
            if old is None:
                best[k] = h.score
                if len(top) < BEAM:
                    heapq.heappush(top, h.score)
                elif h.score > top[0]:
                    heapq.heapreplace(top, h.score)
            elif h.score > old:
                # A state found again with a better score (rare): count it once.
                best[k] = h.score
                self.top = top = heapq.nlargest(BEAM, best.values())
                heapq.heapify(top)
        if len(top) >= BEAM:
            self.value = top[0]


def _put_back_all(hyps: list[_Hyp], tok: _Token, scorer: Scorer, floor: _Floor) -> list[_Hyp]:
    """The hypotheses that put back bytes lost before ``tok``, advanced over it: those that
    can still reach the beam whose floor is ``floor``, in the order of their rows and bytes.

    Thousands of candidates while decoding out of step; a few dozen survive. They are made
    best bound first (a row's score plus the most its byte can gain with the token), so the
    floor rises at once and the rest fall below it unmade. They are listed in row order
    all the same: :func:`_prune` breaks ties among equal scores by that order."""
    rows = _gap_candidates(hyps, tok, scorer)
    reach = _reach(tok)
    gains = _Gains(tok, scorer)
    waiting: list[tuple[float, int, int]] = []  # (-bound, row, byte), a min-heap
    made: list[tuple[int, int, list[_Hyp]]] = []
    opened = 0  # rows whose candidates are waiting (or were made or left out)
    while True:
        # A row bounds its candidates: open it before any candidate it could beat.
        while opened < len(rows) and (not waiting or rows[opened][0] + reach >= -waiting[0][0]):
            if rows[opened][0] + reach < floor.value:
                opened = len(rows)
                break
            _open(rows[opened], opened, gains, floor.value, waiting)
            opened += 1
        if not waiting:
            break
        neg, i, j = heapq.heappop(waiting)
        if -neg < floor.value:
            break  # every candidate left, opened or not, is bounded below the floor too
        _, _, h, before, put_back, pair = rows[i]
        grown: list[_Hyp] = []
        _advance([_put_back(h, before, put_back[j], pair, scorer)], tok, scorer, grown)
        floor.add(grown)
        made.append((i, j, grown))
    made.sort(key=_ROW_BYTE)
    return [nh for _, _, grown in made for nh in grown]


_ROW_BYTE = itemgetter(0, 1)


# Bounds add a character's cost to a score in another order than the search does: this
# covers the rounding, so a candidate is left out only when it is truly below the floor.
_SLACK = 1e-9


class _Gains:
    """The most a candidate can gain over its row's score by advancing over the token,
    given the character before its byte and the byte; None when it cannot advance (it
    dies there)."""

    def __init__(self, tok: _Token, scorer: Scorer) -> None:
        self.tok, self.scorer, self.cost = tok, scorer, scorer.cost
        self.reach = _reach(tok)
        self.firsts = _first_bytes(tok.text) if tok.kind == "char" else {}
        self.named: dict[int, list[tuple[str, float]]] = {}
        self.rows: dict[tuple[str | None, tuple[int, ...]], list[tuple[float, int]]] = {}
        self.targets: dict[tuple[int, ...], list[tuple[int, str, float]] | None] = {}

    def row(self, last: str | None, put_back: tuple[int, ...]) -> list[tuple[float, int]]:
        """(gain, index) of each byte of ``put_back`` after ``last`` that can advance, best
        first. Rows of one step share their bytes and often the character before them."""
        key = (last, put_back)
        found = self.rows.get(key)
        if found is None:
            found = self._waiting_row(last, put_back) if self.firsts else None
            if found is None:
                of = self.of
                found = [(g, j) for j, b in enumerate(put_back) if (g := of(last, b)) is not None]
            found.sort(key=_SCORE, reverse=True)
            self.rows[key] = found
        return found

    def _waiting_row(
        self, last: str | None, put_back: tuple[int, ...]
    ) -> list[tuple[float, int]] | None:
        """:meth:`of` of every byte of a row whose bytes all wait for the token's first byte
        (lost lead bytes, seconds that wait), scored in one go; None for other rows."""
        if put_back not in self.targets:
            firsts = self.firsts
            self.targets[put_back] = (
                [(j, ch, most) for j, b in enumerate(put_back) for ch, most in firsts.get(b, ())]
                if all(b > 0x80 for b in put_back)
                else None
            )
        targets = self.targets[put_back]
        if targets is None:
            return None
        best: dict[int, float] = {}
        costs = self.scorer.costs(last, [ch for _, ch, _ in targets])
        for (j, _, most), c in zip(targets, costs):
            g = c + most
            if j not in best or g > best[j]:
                best[j] = g
        return [(g + _SLACK, j) for j, g in best.items()]

    def of(self, last: str | None, byte: int) -> float | None:
        if byte <= 0x80:
            # The byte decoded at once (ASCII or the euro sign): the token is read in step.
            if self.tok.kind == "qlabel":
                return self.reach
            return self._in_step("€" if byte == 0x80 else chr(byte))
        if self.tok.kind == "qlabel":
            return self._labelled(last, byte)
        return self._after_lead(last, byte)

    def _in_step(self, last: str) -> float | None:
        gain = None
        for chars in _in_step_chars(self.tok.text):
            g, prev = 0.0, last
            for ch in chars:
                g += self.cost(prev, ch)
                prev = ch
            if gain is None or g > gain:
                gain = g
        return None if gain is None else gain + _SLACK

    def _after_lead(self, last: str | None, byte: int) -> float | None:
        # The byte waits for the token's first byte: the character they make is all the
        # token adds (its last byte waits in turn), or all but one.
        made = self.firsts.get(byte)
        if made is None:
            return None
        cost = self.cost
        if len(made) == 1:
            return cost(last, made[0][0]) + made[0][1] + _SLACK
        return max(cost(last, ch) + most for ch, most in made) + _SLACK

    def _labelled(self, last: str | None, byte: int) -> float | None:
        # The byte waits for the trail byte the label names: each character it may make,
        # with its prior (see _advance).
        named = self.named.get(byte)
        if named is None:
            named = [
                (decode_pair(byte, t) or "", prior)
                for t, prior in _table_chars(byte, self.tok.reading, self.scorer)
            ]
            self.named[byte] = named
        if not named:
            return None
        return max(self.cost(last, ch) + prior for ch, prior in named) + _SLACK


def _open(
    row: _Row,
    i: int,
    gains: _Gains,
    floor: float,
    waiting: list[tuple[float, int, int]],
) -> None:
    """Put the candidates of ``row`` (the ``i``-th) that may reach ``floor`` on the heap."""
    score, last, _, _, put_back, _ = row
    for gain, j in gains.row(last, put_back):
        bound = score + gain
        if bound < floor:
            break
        heapq.heappush(waiting, (-bound, i, j))


def _reach(tok: _Token) -> float:
    """The most a hypothesis can gain by advancing over ``tok``: each byte decodes at most
    one character, none scores above COST_CEILING, and the label priors are at most 0."""
    if tok.kind == "qlabel":
        return COST_CEILING
    return COST_CEILING * max(map(len, encodings(tok.text)), default=0)


@lru_cache(maxsize=4096)
def _in_step_chars(text: str) -> tuple[tuple[str, ...], ...]:
    """Each encoding of a char token's ``text`` that decodes in step, as the characters
    :func:`_extend` reads from it (a last lead byte waits and adds nothing)."""
    out = []
    for option in encodings(text):
        chars, k = [], 0
        while k < len(option):
            b = option[k]
            if b <= 0x80:
                chars.append("€" if b == 0x80 else chr(b))
                k += 1
            elif k + 1 < len(option):
                ch = decode_pair(b, option[k + 1])
                if ch is None:
                    break  # no character: read in step, this encoding dies there
                chars.append(ch)
                k += 2
            else:
                k += 1
        else:
            out.append(tuple(chars))
    return tuple(out)


@lru_cache(maxsize=4096)
def _first_bytes(text: str) -> dict[int, tuple[tuple[str, float], ...]]:
    """For each lead byte, what it makes with the first byte of each encoding of a char
    token's ``text``: the character, and the most the encoding's other bytes can add
    (nothing for a last byte that waits for a partner, COST_CEILING for any other)."""
    out: dict[int, list[tuple[str, float]]] = {}
    for option in encodings(text):
        rest = option[1:]
        waits = len(rest) == 1 and rest[0] > 0x80
        most = 0.0 if waits or not rest else COST_CEILING * len(rest)
        for lead in _LEADS:
            ch = decode_pair(lead, option[0])
            if ch is not None:
                out.setdefault(lead, []).append((ch, most))
    return {lead: tuple(made) for lead, made in out.items()}


# Marks a line ends with, as GBK pairs whose second byte (>= 0x81) a decoder out of step
# reads as a lead byte before the line break, hence "?".
_LINE_END_MARKS = tuple(m.encode("gbk") for m in "。！？”’」』）》…" if m.encode("gbk")[1] >= 0x81)
_UDA_FIRSTS = _UDA[0][0]


def _vanished_before_line_end(h: _Hyp, scorer: Scorer) -> list[_Hyp]:
    """``救?réng)?`` + line break for ``救援。``: the pending lead's partner and the mark's
    first byte fell in the user-defined area and vanished; the mark's second byte, left
    before the line break, shows as "?". Only marks end a line, so only they are tried."""
    if h.gap >= MAX_GAPS:
        return []
    out = []
    for mark in _LINE_END_MARKS:
        for first in _UDA_FIRSTS:
            nh = _extend(h, bytes((first,)) + mark, scorer, free=2, gap=1)
            if nh is not None:
                out.append(_with_score(nh, nh.score - GAP_COST))
    return out


def _table_chars(lead: int, reading: str, scorer: Scorer) -> list[tuple[int, float]]:
    """Bytes that make ``lead`` + byte a character read ``reading``, each with a prior: a
    farm labels common characters, so 康 rather than 糠 is the one behind ``?kāng)``."""
    trails = label_trails(lead, reading)
    if len(trails) < 2:
        return [(t, 0.0) for t in trails]
    chars = [decode_pair(lead, t) or "" for t in trails]
    probs = [max(scorer.unigram(c), 1e-9) for c in chars]
    top = max(probs)
    # The farm labels every occurrence of a table character: one the page shows with a
    # label is in the table, one it shows in step without a label is not.
    return [
        (t, math.log(p / top) + _table_prior(c, scorer)) for t, c, p in zip(trails, chars, probs)
    ]


def _table_prior(ch: str, scorer: Scorer) -> float:
    if ch in scorer.labelled:
        return 0.0
    if ch in scorer.unlabelled or ch in scorer.table_other_script:
        # The farm labels the page as it is written: on a page converted to traditional,
        # its table holds 劍 and 議, not 剑 and 议.
        return COST_NOT_IN_TABLE
    return COST_UNSEEN_IN_TABLE if scorer.labelled else 0.0


def _with_score(h: _Hyp, score: float) -> _Hyp:
    return _Hyp(score, h.data, h.pos, h.out, h.last, h.pair_end, h.free, h.gap, h.dropped, h.chosen)


def _with_out(h: _Hyp, out: str) -> _Hyp:
    return _Hyp(h.score, h.data, h.pos, out, h.last, h.pair_end, h.free, h.gap, h.dropped, h.chosen)


#: A row of :func:`_gap_candidates`: score, the character before the bytes it puts back,
#: the hypothesis they grow, the bytes they come after, the bytes it puts back one by one,
#: and whether they are a vanished pair.
_Row = tuple[float, "str | None", _Hyp, bytes, tuple[int, ...], bool]


def _gap_candidates(hyps: list[_Hyp], tok: _Token, scorer: Scorer) -> list[_Row]:
    """Bytes the farm's decoder lost before ``tok``: a lead byte whose partner was the
    second pass's invisible byte (only before 。！，？), or a pair that fell in GBK's
    user-defined area (only while decoding out of step: its first byte was a trail).

    As rows, best first: :func:`_put_back` makes one hypothesis of each byte a row puts
    back, all scoring the row's score (a byte that waits for its partner adds nothing; a
    pair costs GAP_COST). Worked out without making them, in the order a sort of those
    hypotheses by score would list them (ties in the order made): thousands while
    decoding out of step, of which the search makes a few.
    """
    out: list[_Row] = []
    # The first byte of a vanished pair completes the character waiting for a partner:
    # (score, area, hypothesis, byte, character) of each, scored as _extend scores it.
    firsts: list[tuple[float, int, _Hyp, int, str]] = []
    marked = tok.text in _MARKED
    cost = scorer.cost
    for h in hyps:
        if h.gap >= MAX_GAPS:
            continue
        if h.pos == len(h.data):
            if marked:
                out.append((h.score, h.last, h, b"", _LEADS, False))
        else:
            waiting = h.data[-1]
            for area, (firsts_, _) in enumerate(_UDA):
                for lead in firsts_:
                    ch = decode_pair(waiting, lead)
                    if ch is not None:
                        firsts.append((h.score + cost(h.last, ch), area, h, lead, ch))
    for area, (decoded, waiting) in enumerate(_SECONDS):
        # The beam of each area, as _prune makes it (their states all differ).
        kept = sorted((f for f in firsts if f[1] == area), key=_SCORE, reverse=True)[:BEAM]
        # The seconds decoded at once, grouped by what they cost after the character the
        # first byte completes: one group per row, unless two costs round to one score.
        groups_after: dict[str, list[tuple[float, tuple[int, ...]]]] = {}
        for first, _, h, lead, ch in kept:
            groups = groups_after.get(ch)
            if groups is None:
                groups = groups_after[ch] = _by_cost(ch, decoded, scorer)
            rows = _second_rows(first, groups, waiting)
            if rows is None:
                rows = _second_rows_one_by_one(first, ch, decoded, waiting, scorer)
            out.extend((score, ch, h, bytes((lead,)), r, True) for score, r in rows.items())
    out.sort(key=_SCORE, reverse=True)  # stable: ties stay in the order made
    return out


def _by_cost(
    ch: str, decoded: tuple[tuple[int, str], ...], scorer: Scorer
) -> list[tuple[float, tuple[int, ...]]]:
    """The seconds of ``decoded`` grouped by their cost after ``ch``, in order."""
    groups: dict[float, list[int]] = {}
    for trail, ascii_ in decoded:
        groups.setdefault(scorer.cost(ch, ascii_), []).append(trail)
    return [(c, tuple(trails)) for c, trails in groups.items()]


def _second_rows(
    first: float, groups: list[tuple[float, tuple[int, ...]]], waiting: tuple[int, ...]
) -> dict[float, tuple[int, ...]] | None:
    """:func:`_second_rows_one_by_one` from the seconds grouped by cost (``groups``, see
    :func:`_by_cost`); None when two groups round to one score (the rows would mix them)."""
    rows = {(first + c) - GAP_COST: trails for c, trails in groups}
    if len(rows) < len(groups) or first - GAP_COST in rows:
        return None
    rows[first - GAP_COST] = waiting
    return rows


def _second_rows_one_by_one(
    first: float,
    ch: str,
    decoded: tuple[tuple[int, str], ...],
    waiting: tuple[int, ...],
    scorer: Scorer,
) -> dict[float, tuple[int, ...]]:
    """One row per score, opened where its first byte stands among the seconds: those
    decoded at once (as _extend decodes them) come before those that wait."""
    rows: dict[float, list[int]] = {}
    for trail, ascii_ in decoded:
        rows.setdefault((first + scorer.cost(ch, ascii_)) - GAP_COST, []).append(trail)
    rows.setdefault(first - GAP_COST, []).extend(waiting)
    return {score: tuple(trails) for score, trails in rows.items()}


_SCORE = itemgetter(0)
#: The second bytes of each area, split as _extend reads them after a whole character:
#: those it decodes at once (ASCII, and 0x80 as the euro sign), in order, and those that
#: wait for a partner. Every decoded one comes before every waiting one.
_SECONDS = tuple(
    (
        tuple((t, "€" if t == 0x80 else chr(t)) for t in seconds if t <= 0x80),
        tuple(t for t in seconds if t > 0x80),
    )
    for _, seconds in _UDA
)


def _put_back(h: _Hyp, before: bytes, byte: int, pair: bool, scorer: Scorer) -> _Hyp:
    """The hypothesis of a :func:`_gap_candidates` row: ``h`` given the lost lead byte, or
    the vanished pair whose first byte completes ``h``'s waiting character."""
    if not pair:
        nh = _extend(h, bytes((byte,)), scorer, free=1, gap=1)
        assert nh is not None  # a lead byte after a whole character waits for its partner
        return nh
    nh = _extend(h, before + bytes((byte,)), scorer, free=2, gap=1)
    assert nh is not None  # the first byte makes a character; the second waits or is ASCII
    return _with_score(nh, nh.score - GAP_COST)


def _fold_at(window: str, i: int) -> str | None:
    """A multi-character NFKC fold of one GBK symbol starting at ``i`` (⒙ -> ``18.``)."""
    table = folds()
    for n in (4, 3, 2):
        piece = window[i : i + n]
        if len(piece) == n and piece in table:
            return piece
    return None


def _tokens(window: str) -> list[_Token] | None:
    toks: list[_Token] = []
    i = 0
    while i < len(window):
        m = _QLABEL.match(window, i)
        if m:
            toks.append(_Token("qlabel", m.group(), m.group(1)))
            i = m.end()
            continue
        m = _LABEL.match(window, i)
        if m and toks:
            toks.append(_Token("label", m.group(), m.group(1)))
            i = m.end()
            continue
        fold = _fold_at(window, i)
        if fold:
            toks.append(_Token("char", fold))
            i += len(fold)
            continue
        ch = window[i]
        if ch == "?":
            toks.append(_Token("q", ch))
        elif encodings(ch):
            toks.append(_Token("char", ch))
        else:
            return None
        i += 1
    return toks


_PAIRS = {"”": "“", "’": "‘", "】": "【", "》": "《", "）": "（", "」": "「", "』": "『"}
_OPENERS = frozenset(_PAIRS.values())


def opened_before(text: str, start: int) -> str:
    """Opening marks left unclosed on the line before ``start`` (innermost last)."""
    line = text[text.rfind("\n", 0, start) + 1 : start]
    stack: list[str] = []
    for c in line:
        if c in _OPENERS:
            stack.append(c)
        elif c in _PAIRS and stack and stack[-1] == _PAIRS[c]:
            stack.pop()
    return "".join(stack)


def _pairing(text: str, opened: str) -> float:
    """Closing marks a reading brings in: likely where their opening mark is still open
    (``力量。”`` after ``“這是``), unlikely where none is (a ``】`` needs a ``【``)."""
    stack = list(opened)
    score = 0.0
    for c in text:
        if c in _OPENERS:
            stack.append(c)
        elif c in _PAIRS:
            if stack and stack[-1] == _PAIRS[c]:
                stack.pop()
                score += PAIR_CLOSED
            else:
                score += PAIR_UNOPENED
    return score


def _search(
    window: str, prev: str | None, nxt: str | None, scorer: Scorer, opened: str = ""
) -> list[tuple[float, _Hyp]]:
    toks = _tokens(window)
    if toks is None:
        return []
    hyps = [_Hyp(0.0, b"", 0, "", prev, False, 0, 0)]
    for k, tok in enumerate(toks):
        after = toks[k + 1] if k + 1 < len(toks) else None
        hyps = _step(hyps, tok, after, scorer, toks[k - 1] if k else None)
        if not hyps:
            return []
    done = []
    for h in hyps:
        if h.pos != len(h.data):
            continue
        score = h.score + scorer.words(_LABEL.sub("", h.out)) + _pairing(h.out, opened)
        # The end of the text counts as the end of a line.
        score += scorer.cost(h.last, "\n" if nxt is None else nxt)
        done.append((score, h))
    done.sort(key=lambda sh: -sh[0])
    return done


@dataclass(frozen=True)
class _Window:
    start: int
    end: int
    strong: bool  # a label names the false match or the lost step
    plain: bool = False  # plainly garbled text follows a bare anchor: report it in any case


def _label_before(text: str, j: int) -> int | None:
    """Start of the label (``(R)`` or ``?R)``) that ends at ``j``, if one does."""
    m = _LABEL_END.search(text, max(0, j - 12), j)
    return m.start() if m else None


def _left(text: str, i: int) -> int:
    """Start of a window whose anchor is at ``i``: back to a space or a raw ASCII letter or
    digit (decoding is in step after them), at most MAX_LEFT characters. Labels are
    skipped, not counted: they are not part of the byte stream a false match sees."""
    j, n = i, 0
    while j > 0 and n < MAX_LEFT:
        start = _label_before(text, j)
        if start is not None:
            j = start
            continue
        fold = _fold_before(text, j)
        if fold:  # ⒗ shown as "16.": one shifted pair, not ASCII bytes in step
            j -= len(fold)
            n += 1
            continue
        c = text[j - 1]
        if c.isspace() or (c.isascii() and c.isalnum()) or not encodings(c):
            break
        j -= 1
        n += 1
    return j


def _fold_before(text: str, j: int) -> str | None:
    """A multi-character NFKC fold of one GBK symbol ending at ``j`` (``16.``, ``(6)``)."""
    table = folds()
    for n in (4, 3, 2):
        piece = text[j - n : j] if j >= n else ""
        if piece in table and not text[j - n - 1 : j - n].isdigit():
            return piece
    return None


def _odd_at(text: str, j: int) -> bool:
    """Whether the character at ``j`` looks decoded out of step: a rare Han character, a
    symbol, an ASCII letter or digit, a "?"."""
    if j >= len(text):
        return False
    c = text[j]
    if is_han(c):
        return model().is_rare(c)
    if c.isspace() or c in CJK_PUNCT:
        return False
    return c == "?" or c.isalnum() or not c.isascii()


def _right(text: str, k: int) -> int:
    j = k
    while j < len(text) and j - k < MAX_RIGHT:
        c = text[j]
        if c.isspace():
            break
        m = _QLABEL.match(text, j) or _LABEL.match(text, j)
        if m:
            j = m.end()
            if m.group().startswith("(") and not _odd_at(text, j):
                break  # a label in step; one read out of step is followed by more garble
            continue
        fold = _fold_at(text, j)
        if fold:  # ⒎ shown as "7.": one shifted pair, not an ASCII byte in step
            j += len(fold)
            continue
        if not encodings(c) and c != "?":
            break
        j += 1
        if c.isascii() and c.isalnum():
            break
    return j


def _evidence(text: str, i: int) -> tuple[int, int]:
    """Garbled characters among the few after ``i``: (all of them, those that are not rare
    Han characters -- a "?", a GBK symbol, a letter of another script)."""
    m = model()
    hits = symbols = 0
    if i < len(text) and text[i] in _MARKED:
        i += 1  # the mark the second pass hid a byte before
    units = 0
    while i < len(text) and units < EVIDENCE_WINDOW:
        units += 1
        c = text[i]
        if c.isspace():
            break
        fold = _PAREN_FOLD.match(text, i)
        if is_han(c):
            hits += m.is_rare(c)
        elif fold:  # ⒄ folded to "(17)": one GBK symbol
            hits, symbols, i = hits + 1, symbols + 1, fold.end()
            continue
        elif (
            c == "?"
            or (not c.isascii() and c not in CJK_PUNCT)
            # A lone Latin letter between Han characters: a byte decoded out of step. So is
            # one that carries a label (``叭r(nóng)``): its pair's lead byte is garbled.
            or (
                c.isalpha()
                and c.isascii()
                and i + 1 < len(text)
                and (is_han(text[i + 1]) or _LABEL.match(text, i + 1) is not None)
                and is_han(text[i - 1])
            )
        ):
            # A lowercase one counts twice: text writes A股 and X光, hardly ever a lone
            # lowercase letter, which is what a trail byte in 61-7A read in step shows.
            hits += 2 if c.islower() and c.isascii() and c.isalpha() else 1
            symbols += 1
        i += 1
    return hits, symbols


def _garbled_after(text: str, i: int) -> bool:
    return _evidence(text, i)[0] >= EVIDENCE_MIN


def _plainly_garbled_after(text: str, i: int) -> bool:
    """Garbled beyond doubt: rare characters of a name or a term can follow a question
    mark, but not together with a symbol or another script."""
    hits, symbols = _evidence(text, i)
    return hits >= EVIDENCE_MIN and symbols >= 1


def _lone_letter_after(text: str, i: int) -> bool:
    """A mark at ``i`` glued to one Latin letter and then a Han character (``尋!O不平凡`` for
    ``尋常、極不平凡``). The mark is a false match across two characters whose lead byte
    vanished with the second pass's byte; decoding after it runs out of step until a byte
    below 0x80 lands in lead position, and when a vanished pair is all it decodes, that
    byte is all that shows. Text puts a letter there only to begin a word (``!X光片``),
    so a letter that begins no word of the dictionary with what follows is the sign."""
    if not (
        i + 2 < len(text)
        and text[i + 1].isascii()
        and text[i + 1].isalpha()
        and is_han(text[i + 2])
    ):
        return False
    words = letter_words()
    after = text[i + 1].upper() + "".join(simplified(c) for c in text[i + 2 : i + 2 + MAX_WORD])
    return not any(after[:n] in words for n in range(2, len(after) + 1))


def _doubled(text: str, i: int) -> bool | None:
    """For a mark at ``i`` followed by more (``大??,`` ``量?!?`` ``議??棺h``): whether that is
    plainly garbled (None: no doubled mark). Bytes lost before the second pass's marks leave
    marks doubled inside a sentence; clean text doubles a mark only where a sentence ends,
    so a doubled mark before a line break or a new sentence (``嗎??我``) is plain only when
    three or more, or when what follows is garbled too."""
    k = i + 1
    while k < len(text) and text[k] in _DOUBLED:
        k += 1
    if k == i + 1:
        return None
    if k - i > 2 or _garbled_after(text, k):
        return True
    return k < len(text) and not (text[k].isspace() or text[k] in _CLOSING or is_han(text[k]))


def find_windows(text: str) -> list[_Window]:
    """Windows around the anchors, merged where they touch."""
    found: list[_Window] = []
    for m in _SCAN.finditer(text):
        i = m.start()
        if i == 0:
            continue
        if text[i - 1].isascii() or not encodings(text[i - 1]):
            if text[i - 1] != ")" or _label_before(text, i) is None:
                continue
        if m.group() == "?":
            q = _QLABEL.match(text, i)
            if q:
                found.append(_Window(_left(text, i), _right(text, q.end()), True))
            elif not (is_han(text[i - 1]) or text[i - 1] == ")"):
                continue
            elif (plain := _doubled(text, i)) is not None:
                found.append(_Window(_left(text, i), _right(text, i + 1), False, plain))
            elif _garbled_after(text, i + 1):
                plain = _plainly_garbled_after(text, i + 1)
                found.append(_Window(_left(text, i), _right(text, i + 1), False, plain))
    # Where the decoder dropped the second pass's byte with its lead byte, no "?" is left:
    # only the mark, then text out of step.
    for m in _BANG.finditer(text):
        i = m.start()
        if i == 0 or not (is_han(text[i - 1]) or _label_before(text, i) is not None):
            continue
        if (plain := _doubled(text, i)) is not None:
            found.append(_Window(_left(text, i), _right(text, i + 1), False, plain))
        elif _plainly_garbled_after(text, i) or _lone_letter_after(text, i):
            found.append(_Window(_left(text, i), _right(text, i + 1), False, True))
        # "(" after a non-Han character: an intact label whose character straddles it
    for m in _LABEL_AFTER_ASCII.finditer(text):
        i = m.start()
        if i < 2:
            continue
        before = encodings(text[i - 2])
        if text[i - 2].isascii():
            # A folded mark (``,`` for ，) still carries its second byte: ``家,F(xiàn)``.
            if text[i - 2].isalnum():
                continue
            before = tuple(b for b in before if len(b) == 2)
        if not before:
            continue
        if any(ord(text[i - 1]) in label_trails(b[-1], m.group(1)) for b in before):
            found.append(_Window(_left(text, i - 1), m.end(), True))
    found.sort(key=lambda w: w.start)
    merged: list[_Window] = []
    for w in found:
        if merged and w.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = _Window(
                last.start, max(last.end, w.end), last.strong or w.strong, last.plain or w.plain
            )
        else:
            merged.append(w)
    return merged


@dataclass(frozen=True)
class Outcome:
    start: int
    end: int
    status: str
    before: str
    after: str  # the repair (also for uncertain spans, where it is only proposed)

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "status": self.status,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class Judgement:
    """What the search found for one window, and the figures the decision rests on."""

    status: str | None
    text: str
    gain: float = 0.0  # best repair over the text as it stands
    lead: float = math.inf  # best repair over the next different one
    free: int = 0
    gap: int = 0
    lead_any: float = math.inf  # over the next different one, however many gaps it needs
    odd: bool = False  # the repair brings in a rare character or a symbol (see _odd)
    dropped: int = 0  # labels it drops as read out of step
    chosen: int = 0  # labels whose character the model chose among several (see _Hyp)


def judge(
    window: str,
    prev: str | None,
    nxt: str | None,
    scorer: Scorer,
    strong: bool,
    folded: bool,
    opened: str = "",
) -> Judgement:
    """Status and text of the best repair of ``window`` (status None: nothing to report);
    ``opened``: the marks left open on its line before it (see :func:`opened_before`)."""
    null = (
        scorer.text(_LABEL.sub("", window), prev)
        + (scorer.cost(window[-1], "\n" if nxt is None else nxt) if window else 0.0)
        + _pairing(window, opened)
    )
    # A page folded by NFKC has no full-width ASCII left: repaired characters follow suit,
    # and readings that differ only by a fold are one reading.
    found = _search(window, prev, nxt, scorer, opened)
    ranked = [(s, h, _fold(h.out) if folded else h.out) for s, h in found]
    none = "unrepaired" if strong else None
    if not ranked or ranked[0][2] == window:
        return Judgement(none, window)
    score, best, text = ranked[0]
    # A reading that needs a lost pair put back only casts doubt on one that needs none
    # when it scores higher; among equally complete readings the margin decides.
    runner = next((s for s, h, t in ranked[1:] if t != text and h.gap <= best.gap), None)
    runner_any = next((s for s, h, t in ranked[1:] if t != text), None)
    j = Judgement(
        none,
        text,
        score - null,
        math.inf if runner is None else score - runner,
        best.free,
        best.gap,
        math.inf if runner_any is None else score - runner_any,
        _odd(window, text, scorer),
        best.dropped,
        best.chosen,
    )
    return _with_status(j, window)


def _with_status(j: Judgement, window: str) -> Judgement:
    if j.gain < MIN_GAIN:
        return dataclasses.replace(j, text=window)
    # Bytes the model chose alone need a wider margin than bytes a label named.
    margin = (MARGIN_TWO_GAPS if j.gap >= 2 else MARGIN_FREE) if j.free else MARGIN
    if j.lead < margin or j.lead_any < MARGIN_MORE_GAPS:
        status = "uncertain"
    elif j.dropped and j.gap >= 2:
        # Two vanished pairs and a label dropped: the reading has more likely bent the run
        # to fit (skipping the characters in between) than found it.
        status = "uncertain"
    elif STRICT and j.odd:
        # A repair that yields a rare character or a symbol more likely went wrong (a byte
        # lost where none was put back, a wrong choice) than found a rare word -- unless
        # the character makes a dictionary word there or the page uses it elsewhere.
        status = "uncertain"
    elif j.free or j.chosen or j.lead_any < CERTAIN_MORE_GAPS:
        # The model chose a byte, the character a label names, or that no pair vanished
        # where a reading with one comes close: a guess, reported as such.
        status = "lost_byte"
    else:
        status = "repaired"
    return dataclasses.replace(j, status=status)


def _odd(window: str, text: str, scorer: Scorer) -> bool:
    """Whether the repair ``text`` of ``window`` brings in a symbol, a character of the
    other script, or a rare character -- unless that one forms a dictionary word with its
    neighbours in the repair or the page itself uses it: then it is a found word, not a sign
    of a wrong decode. A repair that leaves a lone lowercase Latin letter between other
    characters (``進行污茅o這``) still reads out of step somewhere: odd as well."""
    e = _trimmed(0, window, text)
    plain = _LABEL.sub("", text)
    if _lone_lowercase(plain):
        return True
    m = model()
    offset = len(_LABEL.sub("", text[: e.start]))
    changed = _LABEL.sub("", e.after)
    simp = "".join(simplified(c) for c in plain)
    for k, c in enumerate(changed):
        if not is_han(c):
            if not c.isascii() and c not in CJK_PUNCT:
                return True
            continue
        if c in scorer.other_script:
            return True  # a character the page's script (or the farm's converter) never writes
        rare = m.is_rare(c) or c in beyond_converter()
        if not rare or scorer.page_chars.get(simplified(c), 0):
            continue
        i = offset + k
        if not any(
            simp[a : a + n] in m.words
            for n in range(2, MAX_WORD + 1)
            for a in range(max(0, i - n + 1), min(i, len(simp) - n) + 1)
        ):
            return True
    return False


def _lone_lowercase(plain: str) -> bool:
    return any(
        c.isascii()
        and c.islower()
        and 0 < i < len(plain) - 1
        and not plain[i - 1].isascii()
        and not plain[i + 1].isascii()
        for i, c in enumerate(plain)
    )


def _fold(text: str) -> str:
    return "".join(
        unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" else c for c in text
    )


def repair(text: str) -> list[Outcome]:
    """Every garbled span of ``text`` with its status and repair."""
    if "?" not in text and "(" not in text and "!" not in text and "！" not in text:
        return []
    windows = find_windows(text)
    if not windows:
        return []
    blanked = list(text)
    for w in windows:
        blanked[w.start : w.end] = " " * (w.end - w.start)
    scorer = Scorer("".join(blanked), text)
    folded = not any("\uff01" <= c <= "\uff5e" for c in text)
    outcomes = []
    for w in windows:
        window = text[w.start : w.end]
        prev = text[w.start - 1] if w.start > 0 else None
        nxt = text[w.end] if w.end < len(text) else None
        j = judge(window, prev, nxt, scorer, w.strong, folded, opened_before(text, w.start))
        status, after = j.status, j.text
        if not w.strong and status in (None, "uncertain", "unrepaired"):
            # A bare "?" may well be a question mark: only a clear repair is reported,
            # unless plainly garbled text follows it.
            if not w.plain:
                continue
            status = "uncertain" if after != window else "unrepaired"
        outcomes.append(Outcome(w.start, w.end, status, window, after))
    return outcomes


def repair_byte_shift(text: str, ctx: Context) -> list[Edit]:
    """Repair garbled runs left by a byte-level pinyin replace on GBK text (``日?qǐng)?bào)``
    -> ``日報(bào)``), or flag them.

    Spans are repaired when a label names the lost byte or the language model prefers one
    reading by a wide margin; otherwise they stay as they are and are flagged
    (``uncertain``, ``unrepaired``) in ``ctx.notes["byte_shift"]`` and the counts. A repair
    is reported ``repaired`` only when nothing in it was the model's choice, else
    ``lost_byte`` (see docs/byte_shift.md for how often each is right).
    Never changes: text without an anchor (a ``?`` naming a label, a ``?`` followed by
    garbled characters, a ``!`` followed by plainly garbled ones, a label after a stray
    ASCII character), and question or exclamation marks that end a sentence.
    """
    edits: list[Edit] = []
    notes: list[dict[str, object]] = []
    for o in repair(text):
        ctx.counts[f"byte_shift_{o.status}"] += 1
        notes.append(o.to_dict())
        if o.status in ("repaired", "lost_byte") and o.after != o.before:
            edits.append(_trimmed(o.start, o.before, o.after))
    if notes:
        ctx.notes["byte_shift"] = notes
    return edits


def _trimmed(start: int, before: str, after: str) -> Edit:
    p = 0
    while p < min(len(before), len(after)) and before[p] == after[p]:
        p += 1
    s = 0
    while s < min(len(before), len(after)) - p and before[-1 - s] == after[-1 - s]:
        s += 1
    return Edit(
        start + p,
        start + len(before) - s,
        before[p : len(before) - s],
        after[p : len(after) - s],
        RULE,
    )
