"""The byte-level search behind :func:`repair_byte_shift`: a window's characters turned
back into the GBK bytes they came from, lost bytes put back, and the readings ranked by a
beam search over the bytes (see docs/byte_shift.md)."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

import regex

from ..pinyin import is_reading
from .gbk import TRAILS, decode_pair, encodings, folds, label_trails
from .model import COST_CEILING, Scorer

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
SYLLABLE = f"[a-zü{_TONED}]{{1,7}}"
# The lead byte before a label's "(" became "?" and swallowed the "(": ``?nèi)``.
QLABEL = regex.compile(rf"\?({SYLLABLE})\)")
LABEL = regex.compile(rf"\(({SYLLABLE})\)")

# Readings kept after each step of the search.
BEAM = 64

# GBK's user-defined area as (first bytes, second bytes): AAA1-AFFE, F8A1-FEFE, A140-A7A0.
_UDA = (
    (tuple(range(0xAA, 0xB0)) + tuple(range(0xF8, 0xFF)), tuple(range(0xA1, 0xFF))),
    (tuple(range(0xA1, 0xA8)), tuple(t for t in range(0x40, 0xA1) if t != 0x7F)),
)
_LEADS = tuple(range(0x81, 0xFF))
MARKED = frozenset("。！，？!,?")
_MARK_FIRSTS = (0xA1, 0xA3)
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
        after.kind == "q" or (after.kind == "char" and after.text in MARKED)
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
        self.in_step: dict[str, float | None] = {}
        self.rows: dict[tuple[str | None, tuple[int, ...]], list[tuple[float, int]]] = {}
        self.targets: dict[tuple[int, ...], list[tuple[int, str, float]]] = {}

    def row(self, last: str | None, put_back: tuple[int, ...]) -> list[tuple[float, int]]:
        """(gain, index) of each byte of ``put_back`` after ``last`` that can advance, best
        first. Rows of one step share their bytes and often the character before them."""
        key = (last, put_back)
        found = self.rows.get(key)
        if found is None:
            if self.tok.kind == "char" and all(b > 0x80 for b in put_back):
                found = self._waiting_row(last, put_back)
            else:
                of = self.of
                found = [(g, j) for j, b in enumerate(put_back) if (g := of(last, b)) is not None]
            found.sort(key=_SCORE, reverse=True)
            self.rows[key] = found
        return found

    def _waiting_row(self, last: str | None, put_back: tuple[int, ...]) -> list[tuple[float, int]]:
        """(gain, index) of each byte of ``put_back`` that waits for the token's first byte:
        the character they make is all the token adds (its last byte waits in turn), or
        all but one. A byte that makes none is left out (its hypothesis dies there)."""
        targets = self.targets.get(put_back)
        if targets is None:
            firsts = self.firsts
            targets = self.targets[put_back] = [
                (j, ch, most) for j, b in enumerate(put_back) for ch, most in firsts.get(b, ())
            ]
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
        found = self._waiting_row(last, (byte,))
        return found[0][0] if found else None

    def _in_step(self, last: str) -> float | None:
        # The token read in step after ``last``: what _extend adds, its best encoding.
        gain = self.in_step.get(last, False)
        if gain is False:
            start = _Hyp(0.0, b"", 0, "", last, False, 0, 0)
            scores = [
                nh.score
                for option in encodings(self.tok.text)
                if (nh := _extend(start, option, self.scorer)) is not None
            ]
            gain = self.in_step[last] = max(scores) + _SLACK if scores else None
        return gain

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
    marked = tok.text in MARKED
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


@lru_cache(maxsize=1)
def fold_starts() -> frozenset[str]:
    """The first characters of :func:`fold_at`'s folds (``1`` ``(`` ``°``)."""
    return frozenset(k[0] for k in folds())


def fold_at(window: str, i: int) -> str | None:
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
        m = QLABEL.match(window, i)
        if m:
            toks.append(_Token("qlabel", m.group(), m.group(1)))
            i = m.end()
            continue
        m = LABEL.match(window, i)
        if m and toks:
            toks.append(_Token("label", m.group(), m.group(1)))
            i = m.end()
            continue
        fold = fold_at(window, i)
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


class OpenedBefore:
    """The opening marks left unclosed on the line before a position of ``text`` (innermost
    last), asked for positions in increasing order: each character is read once, however
    many windows a long line holds."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.stack: list[str] = []

    def __call__(self, start: int) -> str:
        text, stack = self.text, self.stack
        line = text.rfind("\n", self.pos, start)
        if line != -1:
            self.pos = line + 1
            stack.clear()
        for c in text[self.pos : start]:
            if c in _OPENERS:
                stack.append(c)
            elif c in _PAIRS and stack and stack[-1] == _PAIRS[c]:
                stack.pop()
        self.pos = max(self.pos, start)
        return "".join(stack)


def pairing(text: str, opened: str) -> float:
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


def rank(
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
        score = h.score + scorer.words(LABEL.sub("", h.out)) + pairing(h.out, opened)
        # The end of the text counts as the end of a line.
        score += scorer.cost(h.last, "\n" if nxt is None else nxt)
        done.append((score, h))
    done.sort(key=lambda sh: -sh[0])
    return done
