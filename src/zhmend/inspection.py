"""``zhmend.inspect``: the evidence report of one document, without mending it.

The report is the evidence of :func:`zhmend.mend_and_explain` — same counts, findings,
script decision and farm score — so filtering a corpus on it and mending it never disagree.
Clean text takes a fast path: one lookup of its code points (one byte of id per character,
see :class:`_Ids`) shows that no fixer would act (or only the script fixer, which decides
not to), and only the detectors and the script decision run, where the ids say they can
find something. Clean pages with nothing found share one report per count of script-only
characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from . import detect as detect_module
from . import findings as findings_module
from . import scan
from .config import DEFAULT, MendConfig
from .detect import (
    FARM_THRESHOLD,
    RESIDUE_CHARS,
    Evidence,
    ScriptDecision,
    decide_script,
    farm_features,
    farm_score,
)
from .findings import (
    CUE_CHROME,
    CUE_MOJIBAKE,
    CUE_PAREN,
    CUE_SEO,
    MOJIBAKE_SIGNS,
    Finding,
    build_evidence,
    chrome_lines,
    chrome_neighbours,
    cue_bits,
    cue_table,
    detect,
    mojibake,
    scored_counts,
    seo_headers,
)
from .mend import _check_text, explained


@dataclass(frozen=True)
class Inspection:
    """The report of :func:`inspect`: the evidence plus the names a reader asks for."""

    evidence: Evidence

    @property
    def farm_score(self) -> float:
        return self.evidence.farm_score

    @property
    def verdict(self) -> str:
        """``farm`` when ``farm_score`` reaches :data:`~zhmend.detect.FARM_THRESHOLD`."""
        return "farm" if self.farm_score >= FARM_THRESHOLD else "clean"

    @property
    def script(self) -> str:
        """``simplified``, ``traditional``, ``mixed`` or ``none`` (no Han text)."""
        return self.evidence.script.script if self.evidence.script else "none"

    @property
    def converted_from_simplified(self) -> bool:
        return bool(self.evidence.script and self.evidence.script.converted_from_simplified)

    @property
    def script_decision(self) -> ScriptDecision | None:
        return self.evidence.script

    @property
    def counts(self) -> Mapping[str, int]:
        return self.evidence.counts

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.evidence.findings

    def to_dict(self) -> dict[str, Any]:
        decision = self.evidence.script
        return {
            "farm_score": self.farm_score,
            "verdict": self.verdict,
            "script": self.script,
            "converted_from_simplified": self.converted_from_simplified,
            "reasons": list(decision.reasons) if decision else [],
            "counts": dict(sorted(self.counts.items())),
            "features": farm_features(scored_counts(self.counts, self.findings), decision),
            "script_decision": decision.to_dict() if decision else None,
            "findings": [f.to_dict() for f in self.findings],
        }


#: Class bits that make a character telling: what ``zhmend.scan.busy_given`` reads, and
#: the traditional-only bit. Any cue bit makes a character telling too.
_TELLING = scan.TRAD | scan.JUNK | scan.ASCII_MARK | scan.PAREN
#: ASCII marks whose neighbours decide whether the punctuation fixer acts (as in
#: zhmend.scan.busy_given); each has an id of its own, so only those present are looked for.
_MARKS = ",;:!?."


class _Ids(NamedTuple):
    """Every code point as a one-byte id of what it tells the fast path.

    Characters that tell nothing share a few ids: 0 simplified-only Han characters, 1 other
    Han characters and CJK punctuation, 2 everything else (digits, letters, spaces); then
    come ids of their own for the neighbours chrome cue characters have in keywords (力 in
    视力), so that a neighbour is recognised by its id. Every telling combination of scan
    class bits and cue bits gets an id of its own, and so does each ASCII mark, mojibake
    sign and chrome cue character. A text becomes one ``bytes`` of ids, and its questions
    are answered by ``bytes`` methods, each a fraction of a numpy call's cost: deleting the
    untelling ids leaves the few telling characters, ``bytes.find`` places one, and the
    ids beside it say what stands there.
    """

    #: Code point -> id (``uint8``).
    table: np.ndarray
    #: The ids of characters that tell nothing, for ``bytes.translate(None, untelling)``.
    untelling: bytes
    #: Id -> scan class bits | cue bits << 8 (untelling ids: ``SIMP`` for id 0, else 0).
    values: tuple[int, ...]
    #: Id -> 1 for Han characters and CJK punctuation (``HAN | CJK_MARK``), else 0.
    chinese: bytes
    #: The ids of the ASCII marks of :data:`_MARKS` (one each).
    marks: frozenset[int]
    #: Id -> the neighbours the chrome cue character it stands for has in keywords, as
    #: (offset, the neighbour's id, the neighbour when its id is 0, shared by every
    #: simplified-only character, else "") (see zhmend.findings.chrome_neighbours).
    neighbours: tuple[tuple[tuple[int, int, str], ...], ...]
    #: The ids of the characters of zhmend.findings.MOJIBAKE_SIGNS (one each).
    signs: frozenset[int]
    #: The telling ids of traditional-only characters, of simplified-only ones, and of
    #: characters with the mojibake cue.
    traditional: frozenset[int]
    simplified: frozenset[int]
    mojibake: frozenset[int]
    #: The ids of chrome cue characters; for ``bytes.translate``: those of them that tell
    #: nothing else (taken out of the telling ids that reports are shared by), and among
    #: those the simplified-only ones (to count them).
    cues: frozenset[int]
    plain_cues: bytes
    simplified_cues: bytes


try:  # np.count_nonzero's Python wrapper costs more than the count on a page
    from numpy._core.multiarray import count_nonzero as _count_nonzero
except ImportError:  # numpy 1.x
    _count_nonzero = np.count_nonzero


@lru_cache(maxsize=1)
def _ids() -> _Ids:
    classes = scan.class_table()
    cues = cue_table()
    chinese = (classes & (scan.HAN | scan.CJK_MARK)) != 0
    simp = (classes & scan.SIMP) != 0
    telling = (cues != 0) | ((classes & _TELLING) != 0) | (simp & ~chinese)
    table = np.full(len(classes), 2, dtype=np.uint8)
    table[chinese] = 1
    table[simp] = 0  # counted by counting the ids that are not 0
    neighbours = chrome_neighbours()
    partners = sorted({p for beside in neighbours.values() for _, p in beside})
    plain = [p for p in partners if not telling[ord(p)] and not simp[ord(p)]]
    for n, p in enumerate(plain, 3):
        table[ord(p)] = n
    first = 3 + len(plain)
    # Only the few thousand telling code points need ids of their own.
    at = np.flatnonzero(telling)
    u64 = np.uint64
    combined = classes[at].astype(u64) | (cues[at].astype(u64) << u64(8))
    # Tags above the 32 bits of class and cue bits give some characters ids of their own.
    tagged = [p for p in partners if telling[ord(p)]]
    for shift, chars in (
        (32, _MARKS), (40, sorted(neighbours)), (48, MOJIBAKE_SIGNS), (56, tagged)
    ):
        for n, ch in enumerate(chars, 1):
            i = int(np.searchsorted(at, ord(ch)))
            if i == len(at) or at[i] != ord(ch):
                raise ValueError(f"{ch!r} has no cue or class bit to be told apart by")
            combined[i] |= u64(n) << u64(shift)
    told, inverse = np.unique(combined, return_inverse=True)
    if first + len(told) > 256:
        raise ValueError(f"{len(told)} character classes do not fit the fast path's ids")
    table[at] = inverse.reshape(-1) + first
    table.setflags(write=False)
    keys = [int(k) for k in told]
    beside: list[tuple[tuple[int, int, str], ...]] = [()] * (first + len(keys))
    for cue, pairs in neighbours.items():
        beside[table[ord(cue)]] = tuple(
            (delta, int(table[ord(p)]), "" if table[ord(p)] else p) for delta, p in pairs
        )
    cue_ids = [n for n, pairs in enumerate(beside) if pairs]
    # Cue characters that tell nothing else (浏 is also a GBK lead character) leave the
    # telling ids, their script counted apart. Traditional ones (視 擊 觀) stay: rare in
    # simplified text, they would cost a count of their own on every page holding a cue.
    script = scan.HAN | scan.SIMP | CUE_CHROME << 8 | ~0 << 32
    plain_cues = [n for n in cue_ids if not keys[n - first] & ~script]
    han = scan.HAN | scan.CJK_MARK
    size = first + len(keys)
    return _Ids(
        table,
        bytes(range(first)),
        (scan.SIMP, *[0] * (first - 1), *(k & 0xFFFFFFFF for k in keys)),
        bytes((1, 1, 0, *[1] * len(plain), *(1 if k & han else 0 for k in keys),
               *[0] * (256 - size))),
        frozenset(n for n, k in enumerate(keys, first) if k >> 32 & 0xFF),
        tuple(beside),
        frozenset(n for n, k in enumerate(keys, first) if k >> 48 & 0xFF),
        frozenset(n for n, k in enumerate(keys, first) if k & scan.TRAD),
        frozenset(n for n, k in enumerate(keys, first) if k & scan.SIMP),
        frozenset(n for n, k in enumerate(keys, first) if k >> 8 & CUE_MOJIBAKE),
        frozenset(cue_ids),
        bytes(plain_cues),
        bytes(n for n in plain_cues if keys[n - first] & scan.SIMP),
    )


class _Told(NamedTuple):
    """What a set of telling ids (chrome cue characters aside) says, whatever their
    number: computed once per set."""

    #: Their values (class bits | cue bits << 8), or-ed.
    bits: int
    #: The ids of ASCII marks among them.
    marks: tuple[int, ...]
    #: The ids of traditional-only characters, and of simplified-only ones.
    traditional: tuple[int, ...]
    simplified: tuple[int, ...]
    #: The ids of characters with the mojibake cue, and whether one of them is one of
    #: zhmend.findings.MOJIBAKE_SIGNS.
    mojibake: tuple[int, ...]
    mojibake_signs: bool


# A set per combination of telling characters but chrome cues: about 50 in 5,000 news
# pages (1,200 with the chrome cues), growing more slowly than the corpus; an entry is
# about half a kilobyte.
@lru_cache(maxsize=16384)
def _told(present: frozenset[int]) -> _Told:
    ids = _ids()
    bits = 0
    for i in present:
        bits |= ids.values[i]
    # Set intersections: each kind of id in one step.
    return _Told(
        bits,
        tuple(sorted(present & ids.marks)),
        tuple(sorted(present & ids.traditional)),
        tuple(sorted(present & ids.simplified)),
        tuple(sorted(present & ids.mojibake)),
        not ids.signs.isdisjoint(present),
    )


@lru_cache(maxsize=16384)
def _told_by_bytes(telling: bytes) -> _Told:
    """:func:`_told` of the ids in ``telling``, looked up by the bytes themselves: hashing a
    few bytes costs less than making a set of them (about 400 keys in 5,000 news pages,
    each at most 64 bytes: the chrome cue characters, which vary most, are left out)."""
    return _told(frozenset(telling))


class _Scan(NamedTuple):
    """What one lookup over the code points of a text tells."""

    #: No fixer acts on the text or counts anything in it.
    idle: bool
    #: Only the script fixer may act: the text holds traditional-only characters and
    #: nothing else a fixer looks at.
    script_only: bool
    #: The detectors' cue bits, or-ed (see zhmend.findings.cue_bits); those of page chrome
    #: all set when any chrome cue character occurs (``telling`` says which).
    cues: int
    #: Traditional-only and simplified-only characters, when ``idle`` or ``script_only``.
    counts: tuple[int, int]
    #: The id of every character (:func:`_ids`), the ids of its telling characters in
    #: order, and what they say (chrome cue characters aside).
    ids: bytes
    telling: bytes
    told: _Told


def _scan(text: str) -> _Scan:
    """The fast path's questions about ``text``, answered in one lookup of its code points.

    ``idle`` is ``zhmend.scan.busy`` negated.
    """
    return _Scan(*_look(text))


_Look = tuple[bool, bool, int, tuple[int, int], bytes, bytes, _Told]
#: ``bytes.translate`` with this table only deletes: as with ``None``, but without making a
#: table of its own on every call.
_SAME = bytes(range(256))
_NONE: frozenset[int] = frozenset()


def _look(text: str) -> _Look:
    """:func:`_scan` as a plain tuple (making a named one costs 3% of inspecting a clean
    page). The lookup gives every character an id (:func:`_ids`); after it, everything is
    done on the ids as ``bytes``."""
    if not text:
        return True, False, 0, (0, 0), b"", b"", _told(_NONE)
    ids = _ids()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), scan.CODE)
    looked_up = ids.table.take(codes)  # codes: zhmend.scan.codes_of, inlined
    found = looked_up.tobytes()
    telling = found.translate(_SAME, ids.untelling)
    # Counting id 0 with bytes.count would branch at every other character; numpy does not.
    simp = len(found) - int(_count_nonzero(looked_up))
    if not telling:
        return True, False, 0, (0, simp), found, b"", _told(_NONE)
    trad = 0
    if len(telling) > 64:
        # Traditional text is all telling: its bytes would be long keys, each met once.
        rest = telling
        told = _told(frozenset(rest))
        chrome = CUE_CHROME if told.bits & _CHROME_BITS else 0
    else:
        # Chrome cue characters (视 in 电视, 章 in 文章: two news pages in three) are counted
        # and placed apart: with them, the telling ids would rarely repeat between pages.
        rest = telling.translate(_SAME, ids.plain_cues)
        told = _told_by_bytes(rest)
        if len(rest) < len(telling):
            simp += len(telling) - len(telling.translate(_SAME, ids.simplified_cues))
            chrome = CUE_CHROME
        else:  # a cue character that tells more (浏) stays among the rest
            chrome = CUE_CHROME if told.bits & _CHROME_BITS else 0
    for i in told.traditional:
        trad += rest.count(i)
    for i in told.simplified:
        simp += rest.count(i)
    bits = told.bits
    if (bits & _MAY_BE_BUSY or told.marks) and _busy(text, bits, told.marks, found):
        return False, False, bits >> 8 | chrome, (0, 0), found, telling, told
    # A parenthesis opening something label-like makes the text busy: text no fixer acts
    # on has no pinyin syllable in parentheses for unverified_labels to look at.
    cues = (bits >> 8) & ~CUE_PAREN | chrome
    return not trad, bool(trad), cues, (trad, simp), found, telling, told


def _busy(text: str, bits: int, marks: tuple[int, ...], ids: bytes) -> bool:
    """``zhmend.scan.busy_given(text, bits & ~TRAD)`` from the ids: an ASCII mark with
    Chinese text beside it, looked for only among the ``marks`` (ids) the text holds, and
    ``（`` opening a label, looked for only when the text holds one (its cue bit)."""
    if bits & (scan.JUNK | scan.PAREN):
        return True
    if marks:
        chinese = _ids().chinese
        last = len(ids) - 1
        for mark in marks:
            i = ids.find(mark)
            while i != -1:
                if (i and chinese[ids[i - 1]]) or (i < last and chinese[ids[i + 1]]):
                    return True
                i = ids.find(mark, i + 1)
    return bool((bits >> 8) & CUE_PAREN) and scan.opens_fullwidth_label(text)


#: The chrome cue bits among a text's class and cue bits.
_CHROME_BITS = CUE_CHROME << 8
#: Bits of a text :func:`_busy` looks further at (besides ASCII marks).
_MAY_BE_BUSY = scan.JUNK | scan.PAREN | CUE_PAREN << 8


def _detect(text: str, cues: int, ids: bytes, telling: bytes, told: _Told) -> list[Finding]:
    """``detect(text, cues)`` for text the fixers leave alone (``idle`` or ``script_only``),
    with the ids of its characters, of its telling ones and what they say (:func:`_look`).

    Such text holds no label after a Han character (its cues lack ``CUE_PAREN``, so
    ``unverified_labels`` has nothing to look at), and the ids place the cue characters:
    page chrome is looked for only where a cue stands beside its keyword's neighbour,
    mojibake signatures only when one of their characters occurs, and GBK-read UTF-8 only
    where one of its lead characters stands.
    """
    out: list[Finding] = []
    if cues & CUE_MOJIBAKE:
        starts = _gbk_starts(ids, told)
        out.extend(mojibake(text, signs=told.mojibake_signs, gbk_starts=starts))
    if cues & CUE_SEO:
        out.extend(seo_headers(text))
    if cues & CUE_CHROME:
        places = _chrome_places(text, ids, telling)
        if places:
            out.extend(chrome_lines(text, places))
    if len(out) > 1:
        out.sort(key=lambda f: (f.start, f.end, f.name))
    return out


def _gbk_starts(ids: bytes, told: _Told) -> list[int]:
    """Where a GBK-read run of UTF-8 may start: the characters with the mojibake cue (GBK
    lead characters among them), in order; every run starts with a lead character (see
    zhmend.findings.mojibake)."""
    at: list[int] = []
    for i in told.mojibake:
        p = ids.find(i)
        while p != -1:
            at.append(p)
            p = ids.find(i, p + 1)
    at.sort()
    return at


def _chrome_places(text: str, ids: bytes, telling: bytes) -> list[int]:
    """``zhmend.findings._chrome_places`` from the ids: chrome cue characters (among the
    ``telling`` ids) with the neighbour they have in a keyword beside them (视 in 视力, not
    in 电视), in order."""
    table = _ids()
    neighbours = table.neighbours
    last = len(ids) - 1
    find = ids.find
    places = []
    for i in table.cues.intersection(telling):
        for delta, neighbour, simplified in neighbours[i]:
            # Without the neighbour anywhere (half the time), one memory scan rules the cue
            # out, cheaper than visiting each of its occurrences.
            if simplified:
                if simplified not in text:
                    continue
            elif neighbour not in ids:
                continue
            p = find(i)
            while p != -1:
                j = p + delta
                if 0 <= j <= last and ids[j] == neighbour:
                    if not simplified or text[j] == simplified:
                        places.append(p)
                p = find(i, p + 1)
    if len(places) > 1:
        # A cue character beside two of its neighbours is one place; cue by cue is not
        # text order.
        places = sorted(set(places))
    return places


def fixers_idle(text: str, config: MendConfig) -> bool:
    """True when no fixer would change or count anything in ``text`` under ``config``."""
    if config.converts and config.to == "traditional":
        return False
    return _look(text)[0]


class _Shared(dict):
    """A mapping shared by the reports of many documents: it reads as any dict, refuses
    writes (one report must not change another) and pickles as a plain dict."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("zhmend: this mapping is shared between reports; copy it with dict()")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type, tuple[dict[Any, Any]]]:
        return dict, (dict(self),)


#: The empty mapping shared reports hold (refusing writes, as every shared mapping).
_EMPTY = _Shared()


@lru_cache(maxsize=4096)
def _plain(counts: tuple[int, int]) -> ScriptDecision:
    """The script decision of Han text that is not traditional-looking (see
    :func:`zhmend.scan.traditional_looking`), with ``counts`` traditional-only and simplified-only
    characters, not both 0: made once per counts.

    Nothing but the counts weighs in such a decision (tests/test_inspect_fast.py holds
    decide_script to that): the evidence of a conversion is only looked for in
    traditional-looking text, so nothing was found. Traditional-only characters alone
    would be traditional-looking: the script is ``mixed`` or ``simplified``. Made here
    rather than by ``decide_script`` on an empty text, which costs three times as much on
    each count a corpus run meets first.
    """
    t, s = counts
    script = "mixed" if t else "simplified"
    return ScriptDecision(script, False, (), t, s, _EMPTY, _EMPTY, 0, 0, _EMPTY)


@lru_cache(maxsize=4096)
def _nothing_found(counts: tuple[int, int]) -> Inspection:
    """The report of text no fixer changes, not traditional-looking, where no detector
    finds anything, with ``counts`` traditional-only and simplified-only characters."""
    decision = _plain(counts)
    return Inspection(Evidence(_EMPTY, decision, farm_score(_EMPTY, decision), ()))


def clear_caches() -> None:
    """Forget what the fast path has learnt from the documents seen so far: what each set
    of telling characters says, the reports shared per count of script-only characters,
    and what the evidence remembers of labels and residue windows.

    Reports stay correct either way; this frees the memory, and lets a benchmark time
    documents the process has not seen (``bench/bench_inspect.py``).
    """
    learnt = (*detect_module.LEARNT_CACHES, *findings_module.LEARNT_CACHES)
    for cached in (_told, _told_by_bytes, _plain, _nothing_found, *learnt):
        cached.cache_clear()


def evidence_of(text: str, config: MendConfig | None = None, **options: Any) -> Evidence:
    """``mend_and_explain(text, ...).evidence``, faster on text no fixer acts on.

    Two fast paths, both without running the fixers: text no fixer acts on, and text only
    the script fixer looks at (traditional characters, nothing else to mend) when its
    decision is not to convert. Clean text that is not traditional-looking and where no
    detector finds anything, the common case, ends in a report shared with every other
    such text holding as many simplified-only and traditional-only characters.
    """
    return inspect(text, config, **options).evidence


def inspect(text: str, config: MendConfig | None = None, **options: Any) -> Inspection:
    """The evidence report of ``text``: findings with spans, counts, script, farm score.

    ``inspect(text).evidence == mend_and_explain(text).evidence`` for every ``str``;
    ``options`` are :class:`~zhmend.config.MendConfig` fields, as for ``mend``.
    """
    if type(text) is not str:
        text = _check_text(text)
    cfg = DEFAULT if config is None and not options else MendConfig.build(config, **options)
    if cfg.to == "traditional" and cfg.converts:
        return Inspection(_explained(text, cfg))
    looked = _look(text)
    idle, script_only, cues, counts, ids, telling, told = looked
    if not (idle or script_only and cfg.to != "simplified"):
        return Inspection(_explained(text, cfg, looked))
    detected = _detect(text, cues, ids, telling, told) if cues else []
    if counts == (0, 0):
        # No script-only character: whether the text holds Han at all decides.
        decision = decide_script(text, 0, counts)
    elif idle or not scan.traditional_looking(text, *counts):
        if not detected:
            return _nothing_found(counts)
        decision = _plain(counts)
    else:
        decision = _traditional_decision(text, counts)
        if cfg.converts and decision.converted_from_simplified:
            return Inspection(_explained(text, cfg, looked))
    return Inspection(build_evidence(text, {}, decision, (), detected=detected))


def _explained(text: str, config: MendConfig, looked: _Look | None = None) -> Evidence:
    """``mend_and_explain(text, config).evidence``, the detectors placed by the ids of
    ``looked`` (:func:`_look` of ``text``): they show where mojibake signatures can start."""
    if looked is None:
        looked = _look(text)
    ids, told = looked[4], looked[6]
    cues = cue_bits(text)
    starts = _gbk_starts(ids, told) if cues & CUE_MOJIBAKE else None
    detected = detect(text, cues, signs=told.mojibake_signs, gbk_starts=starts)
    return explained(text, config, cues, detected).evidence


def _traditional_decision(text: str, counts: tuple[int, int]) -> ScriptDecision:
    """``decide_script(text, 0, counts)`` of traditional-looking text, without its costliest
    part where it cannot count: ``residue_chars`` judges each 于 并 后 么 in its window,
    which genuine traditional text seldom holds (it writes 於 並 後 麼).

    Without labels, the decision made without detail differs from the full one only in
    ``residue_chars`` (0 without those four characters) and, once it has decided to
    convert, in the converter marks it no longer looks for (tests/test_inspect_fast.py
    holds decide_script to that).
    """
    if any(c in text for c in RESIDUE_CHARS):
        return decide_script(text, 0, counts)
    decision = decide_script(text, 0, counts, detail=False)
    if decision.converted_from_simplified:
        return decide_script(text, 0, counts)
    return decision
