"""Anchors, windows and judgements behind :func:`repair_byte_shift`; the byte-level
search over a window is in :mod:`.search`."""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from dataclasses import dataclass

import regex

from ...chars import CJK_PUNCT, is_han
from ...edits import Edit
from ...tables import convert
from ..base import CONVERTED_BEFORE, Context
from .gbk import encodings, folds, label_trails
from .model import (
    MAX_WORD,
    Scorer,
    beyond_converter,
    letter_words,
    model,
    simplified,
)
from .search import (
    LABEL,
    MARKED,
    QLABEL,
    SYLLABLE,
    OpenedBefore,
    fold_at,
    fold_starts,
    pairing,
    rank,
)

RULE = "repair_byte_shift"

# A label after an ASCII character from 0x40 up (a trail byte shown as itself): farm pages
# carry hundreds of labels after Han characters, which the pattern rules out one by one.
# ``re`` with the parenthesis first skips to each in C and then looks behind it: a third
# of the time of ``regex`` looking behind every character.
_LABEL_AFTER_ASCII = re.compile(rf"\((?<=[\x40-\x7f]\()({SYLLABLE})\)")
_SCAN = regex.compile(r"\?")  # anchors; a "(" is found by LABEL below
_BANG = regex.compile(r"[!！]")
_PAREN_FOLD = regex.compile(r"\([1-9][0-9]?\)")
_LABEL_END = regex.compile(rf"[(?]{SYLLABLE}\)$")

STATUSES = ("repaired", "lost_byte", "uncertain", "unrepaired")

MAX_LEFT = 12  # characters re-read before the first anchor of a window
MAX_RIGHT = 40  # characters after the last anchor before giving up on finding the step
#: Longest window searched. Anchors close together merge into one window; the simulated
#: pages' windows reach 141 characters (169 with the real pages' labels, more where a farm
#: labels every traditional character). A longer one (garbage throughout, a mark repeated
#: by the hundred) would cost the search seconds.
MAX_WINDOW = 400
_LOST_RUN = "????"
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

_DOUBLED = frozenset("?!？！")
_CLOSING = frozenset("”’」』）)》】\"'")
#: Marks a clause may go on with after a doubled ?? or !! (真的吗??,我不信).
_CLAUSE_MARKS = frozenset(",，、;；:：")


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
    j, n, labels = i, 0, 0
    while j > 0 and n < MAX_LEFT:
        start = _label_before(text, j)
        if start is not None:
            if labels == 2 * MAX_LEFT:
                break  # a chain of labels without characters (?huì)?huì)…): no step to find
            labels += 1
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
        # Labels open with ? or (, folds with one of a few characters: the look-ups are
        # made only there (a page of ? between characters has many windows to bound).
        m = (QLABEL.match(text, j) or LABEL.match(text, j)) if c in "?(" else None
        if m:
            j = m.end()
            if m.group().startswith("(") and not _odd_at(text, j):
                break  # a label in step; one read out of step is followed by more garble
            continue
        fold = fold_at(text, j) if c in fold_starts() else None
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
    if i < len(text) and text[i] in MARKED:
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
                and (is_han(text[i + 1]) or LABEL.match(text, i + 1) is not None)
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
    three or more, or when what follows is garbled too. Three or more of one mark there,
    or two before a space or the end of the text, are emphasis (``真的吗???``
    ``太好了!!!!`` ``真的吗?? 我不信``, as forums write them), not a doubled mark at all
    (None), unless what follows is garbled: the search made 吗啡 of ``吗?? ``. Mixed marks
    there (``真的好??!``) are plain, but searched only on a page with labels
    (:func:`_mixed_at_end`)."""
    k = _marks_end(text, i)
    if k == i + 1:
        return None
    if _garbled_after(text, k):
        return True
    ends = _ends_clause(text, k)
    if k - i > 2:
        return None if ends and len(set(text[i:k])) == 1 else True
    if k == len(text) or text[k].isspace():
        return None  # 真的吗?? 我不信: a pair before a space or the end is emphasis too
    return not ends


def _mixed_at_end(text: str, i: int) -> bool:
    """Whether the marks from ``i`` are three or more, mixed (``??!``), and end a sentence
    with nothing garbled after: a forum's emphasis on a page without labels (the search
    made 。 of ``好??!``), a lost character's marks on a farm's labelled page."""
    k = _marks_end(text, i)
    if k - i < 3 or len(set(text[i:k])) == 1 or _garbled_after(text, k):
        return False
    line = text[text.rfind("\n", 0, i) + 1 : i]
    if line.count("“") > line.count("”"):
        return False  # a quote left open before them: 。” lost as ?!?, not emphasis
    return _ends_clause(text, k)


def _ends_clause(text: str, k: int) -> bool:
    """Whether marks ending at ``k`` end a clause: the text ends, or a space, a closing
    bracket or quote, a clause mark or a Han character follows."""
    return (
        k == len(text)
        or text[k].isspace()
        or text[k] in _CLOSING
        or text[k] in _CLAUSE_MARKS
        or is_han(text[k])
    )


def _clause_after(text: str, i: int) -> bool:
    """Whether a clause mark follows the marks from ``i`` (``大??,加強``): a person's
    emphasis on a page without labels, a lost character on a farm's labelled one."""
    k = _marks_end(text, i)
    return k < len(text) and text[k] in _CLAUSE_MARKS


def _marks_end(text: str, i: int) -> int:
    """Where the marks that follow the mark at ``i`` end."""
    k = i + 1
    while k < len(text) and text[k] in _DOUBLED:
        k += 1
    return k


def _garble_after_marks(text: str, i: int) -> bool:
    """One garbled character after the marks from ``i`` (``規(guī)??傤~``, ``確?!板X``)."""
    return _evidence(text, _marks_end(text, i))[0] >= 1


def find_windows(text: str) -> list[_Window]:
    """Windows around the anchors, merged where they touch.

    A doubled mark before a Han character is a forum's emphasis (太好了!!我们) or a
    second-pass mark whose lead byte went (規(guī)??傤~): it is searched only on a page with
    labels, and with a garbled character after it (a search costs milliseconds, and forum
    pages hold such marks by the hundred).
    """
    found: list[_Window] = []
    labelled: bool | None = None  # whether the page holds a label: looked for once, if asked

    def searched(i: int, plain: bool) -> bool | None:
        """Whether the doubled marks at ``i`` are searched, and as plainly garbled (on a
        labelled page, marks before a clause mark are a lost character's); None: not."""
        nonlocal labelled
        if plain and not _mixed_at_end(text, i):
            return True
        if labelled is None:
            labelled = "(" in text and (LABEL.search(text) or QLABEL.search(text)) is not None
        if not labelled:
            return None
        clause = _clause_after(text, i)
        if plain or clause:
            return True
        return False if _garble_after_marks(text, i) else None
    for m in _SCAN.finditer(text):
        i = m.start()
        if i == 0:
            continue
        if text[i - 1].isascii() or not encodings(text[i - 1]):
            if text[i - 1] != ")" or _label_before(text, i) is None:
                continue
        if m.group() == "?":
            q = QLABEL.match(text, i)
            if q:
                found.append(_Window(_left(text, i), _right(text, q.end()), True))
            elif not (is_han(text[i - 1]) or text[i - 1] == ")"):
                continue
            elif (plain := _doubled(text, i)) is not None:
                if (plain := searched(i, plain)) is not None:
                    found.append(_Window(_left(text, i), _right(text, i + 1), False, plain))
            elif _garbled_after(text, i + 1):
                plain = _plainly_garbled_after(text, i + 1)
                found.append(_Window(_left(text, i), _right(text, i + 1), False, plain))
    # Where the decoder dropped the second pass's byte with its lead byte, no "?" is left:
    # only the mark, then text out of step.
    # Most pages hold no exclamation mark: two memory scans rule it out.
    for m in _BANG.finditer(text) if "!" in text or "！" in text else ():
        i = m.start()
        if i == 0 or not (is_han(text[i - 1]) or _label_before(text, i) is not None):
            continue
        if (plain := _doubled(text, i)) is not None:
            if (plain := searched(i, plain)) is not None:
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
        scorer.text(LABEL.sub("", window), prev)
        + (scorer.cost(window[-1], "\n" if nxt is None else nxt) if window else 0.0)
        + pairing(window, opened)
    )
    # A page folded by NFKC has no full-width ASCII left: repaired characters follow suit,
    # and readings that differ only by a fold are one reading.
    found = rank(window, prev, nxt, scorer, opened)
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
    characters (``進行污茅o這``) still reads out of step somewhere, and one that brings in
    a Latin letter of its own, outside a Latin word (``變?shì)`` read as ``變K``), has read
    a label's bytes as text: odd as well."""
    e = _trimmed(0, window, text)
    plain = LABEL.sub("", text)
    if _lone_lowercase(plain):
        return True
    m = model()
    offset = len(LABEL.sub("", text[: e.start]))
    changed = LABEL.sub("", e.after)
    simp = "".join(simplified(c) for c in plain)
    for k, c in enumerate(changed):
        if not is_han(c):
            if not c.isascii() and c not in CJK_PUNCT:
                return True
            if c.isalpha() and _alone(plain, offset + k):
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


def _alone(plain: str, i: int) -> bool:
    """Whether no Latin letter stands beside ``plain[i]``."""
    before = plain[i - 1 : i]
    after = plain[i + 1 : i + 2]
    return not (before.isascii() and before.isalpha()) and not (
        after.isascii() and after.isalpha()
    )


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
    opened_before = OpenedBefore(text)
    outcomes = []
    for w in windows:
        window = text[w.start : w.end]
        if w.end - w.start > MAX_WINDOW or _LOST_RUN in window:
            # Anchors merged into a run longer than any garbled span seen, or a run of lost
            # characters (????, which a byte shift never leaves: the simulated pages show
            # three at most): not searched, its cost growing with each, and flagged as it
            # stands when it would be.
            if w.strong or w.plain:
                outcomes.append(Outcome(w.start, w.end, "unrepaired", window, window))
            continue
        prev = text[w.start - 1] if w.start > 0 else None
        nxt = text[w.end] if w.end < len(text) else None
        j = judge(window, prev, nxt, scorer, w.strong, folded, opened_before(w.start))
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
    # A run repaired after the page was converted is converted as it is written (報 of a
    # page made simplified by an earlier pass becomes 报).
    converted = ctx.notes.get(CONVERTED_BEFORE) and ctx.config.converts
    target = ctx.config.to
    for o in repair(text):
        ctx.counts[f"byte_shift_{o.status}"] += 1
        notes.append(o.to_dict())
        if o.status in ("repaired", "lost_byte") and o.after != o.before:
            after = o.after
            if converted and target != "keep":
                after = convert(after, "s2t" if target == "traditional" else "t2s")
            edits.append(_trimmed(o.start, o.before, after))
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
