"""Edits, their composition across fixers, and replay.

A fixer sees the text left by the previous fixer and returns :class:`Edit` objects in that
text's coordinates. :class:`EditLog` folds each step back into the coordinates of the
original input, so an explanation can be replayed on the input alone.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from operator import itemgetter
from typing import NamedTuple


class Edit(NamedTuple):
    """Replace ``text[start:end]`` (``before``) with ``after``; ``rule`` names the fixer.

    A named tuple rather than a dataclass: fixers make thousands per farm page, and tuple
    construction is several times cheaper.
    """

    start: int
    end: int
    before: str
    after: str
    rule: str

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "rule": self.rule,
        }


_place = itemgetter(0, 1)  # (start, end)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits given in ``text``'s coordinates (any order).

    Edits at the same place keep their given order: two insertions at one point are
    applied as listed, as :class:`EditLog` lists them, not in the order of their text.
    """
    ordered = sorted(edits, key=_place)  # stable; linear when already sorted
    if len(ordered) == 1:
        (e,) = ordered
        if e.start == 0 and e.end == len(text) and e.before == text:
            return e.after  # one edit of the whole text (a text-only path): no copy to make
    parts: list[str] = []
    append = parts.append
    pos = 0
    # Unpacked rather than read by name: a named tuple's field access is a Python-level
    # descriptor, and farm pages carry thousands of edits.
    for start, end, before, after, _ in ordered:
        if start < pos:
            raise ValueError(f"overlapping edits at {start}")
        if text[start:end] != before:
            raise ValueError(
                f"edit at {start}:{end} expects {before!r}, text has {text[start:end]!r}"
            )
        append(text[pos:start])
        append(after)
        pos = end
    append(text[pos:])
    return "".join(parts)


def make_edits(rows: Iterable[tuple[int, int, str, str, str]]) -> list[Edit]:
    """``Edit`` objects from ``(start, end, before, after, rule)`` tuples, in bulk.

    The same objects as ``Edit(*row)``, built in C: the named tuple's own constructor is a
    Python function, one call per edit, and explanations of farm pages hold thousands.
    """
    return list(map(_new_edit, rows))


def replay(text: str, edits: Sequence[Edit]) -> str:
    """Rebuild the mended text from the input and an explanation's edits."""
    return apply_edits(text, edits)


#: A recorded span: ``(in_start, in_end, out_start, out_end, after, rules)``. Input
#: ``original[in_start:in_end]`` became ``after``, which sits at ``out_start:out_end`` of
#: the current text; ``rules`` names the fixers, first come first. Plain tuples: a farm page
#: folds thousands of them per step, and a tuple is several times cheaper to build and read
#: than an object.
_Span = tuple[int, int, int, int, str, tuple[str, ...]]

_OUT_END = itemgetter(3)
_BY_POSITION = itemgetter(0, 1)  # (start, end) of an Edit; stable for equal positions
_new_edit = partial(tuple.__new__, Edit)
#: Past every edit: meeting it closes the open cluster, then the merge stops.
_END = Edit(1 << 62, 1 << 62, "", "", "")


class EditLog:
    """Composes per-step edits into edits on the original input.

    Invariant: ``spans`` are sorted and disjoint in both input and current-text
    coordinates; text between spans is unchanged input; no span's ``after`` equals the
    input it replaces.
    """

    def __init__(self, original: str) -> None:
        self.original = original
        self.spans: list[_Span] = []

    def add_step(self, current: str, edits: Sequence[Edit]) -> None:
        """Record ``edits`` made on ``current`` (the text after all earlier steps).

        New edits and recorded spans that overlap are fused into one span (a cluster). An
        insertion that touches anything is fused too: two edits at one input point would
        replay in an ambiguous order. One merge pass over the new edits and the recorded
        spans, both in order of position.
        """
        if not edits:
            return
        if not self.spans and self._first_step(edits):
            return
        original = self.original
        old = self.spans
        n_old = len(old)
        out: list[_Span] = []
        append = out.append
        i = 0
        delta = 0  # input minus current position, in the gap before old[i]
        shift = 0  # growth of the current text from the clusters already closed
        # The open cluster: its current-text range, input start, the input end of a span
        # reaching out_hi (None: out_hi maps through delta), edits, rules, whether a span
        # joined it. ``c_edits is None`` when no cluster is open.
        c_edits: list[Edit] | None = None
        c_lo = c_hi = c_in_lo = 0
        c_in_hi: int | None = None
        c_rules: list[str] = []
        c_spans = False

        ordered = sorted(edits, key=_BY_POSITION)
        ordered.append(_END)  # closes the last cluster like any other
        for e in ordered:
            s, t, _, after, rule = e
            if c_edits is not None and not (s < c_hi or (s == t == c_hi)):
                if c_spans or len(c_edits) > 1:
                    shift = _close(
                        current,
                        original,
                        c_edits,
                        c_lo,
                        c_hi,
                        c_in_lo,
                        c_in_hi if c_in_hi is not None else c_hi + delta,
                        c_rules,
                        shift,
                        append,
                    )
                else:  # one edit alone, the common case: its span is the edit itself
                    s0, t0, _, a0, r0 = c_edits[0]
                    if original[c_in_lo : t0 + delta] != a0:
                        start = s0 + shift
                        append((c_in_lo, t0 + delta, start, start + len(a0), a0, (r0,)))
                    shift += len(a0) - (t0 - s0)
                c_edits = None
            if e is _END:
                break
            if c_edits is None:
                # Spans wholly before the edit (ending before it, or at its start unless it
                # is an insertion) keep their text; they only move. Their ends never
                # decrease, so one bisection finds them.
                if i < n_old and old[i][3] <= s:
                    j = (bisect_right if s != t else bisect_left)(old, s, i, n_old, key=_OUT_END)
                    if j > i:
                        if shift:
                            out.extend(
                                [
                                    (a, b, c + shift, d + shift, x, r)
                                    for a, b, c, d, x, r in old[i:j]
                                ]
                            )
                        else:
                            out.extend(old[i:j])
                        delta = old[j - 1][1] - old[j - 1][3]
                        i = j
                c_edits = [e]
                c_lo, c_hi, c_in_lo, c_in_hi = s, t, s + delta, None
                c_rules = [rule]
                c_spans = False
            else:
                c_edits.append(e)
                if t > c_hi:
                    c_hi = t
                    c_in_hi = None
                if rule not in c_rules:
                    c_rules.append(rule)
            while i < n_old:
                sp = old[i]
                os_, oe = sp[2], sp[3]
                if not ((os_ < t and oe > s) or (s == t and os_ <= s <= oe)):
                    break
                # Spans arrive in order, so only the first can start at or before the
                # cluster.
                if (not c_spans or os_ < c_lo) and os_ <= c_lo:
                    c_lo = os_
                    c_in_lo = sp[0]
                c_spans = True
                if oe >= c_hi:
                    c_hi = oe
                    c_in_hi = sp[1]
                for r in sp[5]:
                    if r not in c_rules:
                        c_rules.append(r)
                delta = sp[1] - oe
                i += 1
        if shift:
            out.extend([(a, b, c + shift, d + shift, x, r) for a, b, c, d, x, r in old[i:]])
        else:
            out.extend(old[i:])
        self.spans = out

    def _first_step(self, edits: Sequence[Edit]) -> bool:
        """The first step with edits, when none of them touch: each is a span of its own
        (what :meth:`add_step` makes of it, without clusters). False, recording nothing,
        when two edits touch or overlap."""
        ordered = sorted(edits, key=_BY_POSITION)
        end = -1
        for e in ordered:
            if e.start <= end:  # touching: add_step fuses them (or refuses an overlap)
                return False
            end = e.end
        spans = []
        shift = 0
        original = self.original
        for s, t, _, after, rule in ordered:
            if original[s:t] != after:  # an edit that changes nothing is dropped
                spans.append((s, t, s + shift, s + shift + len(after), after, (rule,)))
            shift += len(after) - (t - s)
        self.spans = spans
        return True

    def edits(self) -> list[Edit]:
        original = self.original
        return make_edits(
            [
                (a, b, original[a:b], after, "+".join(rules))
                for a, b, _, _, after, rules in self.spans
            ]
        )


def _close(
    current: str,
    original: str,
    edits: list[Edit],
    out_lo: int,
    out_hi: int,
    in_lo: int,
    in_hi: int,
    rules: list[str],
    shift: int,
    append: Callable[[_Span], None],
) -> int:
    """Append the span of a closed cluster (unless its net effect is nothing: text
    removed, then put back explains nothing); return ``shift`` plus its growth."""
    if len(edits) == 1:
        s, t, _, after, _ = edits[0]
        growth = len(after) - (t - s)
        if s != out_lo or t != out_hi:
            after = current[out_lo:s] + after + current[t:out_hi]
    else:
        parts: list[str] = []
        pos = out_lo
        growth = 0
        for s, t, _, a, _ in edits:
            parts.append(current[pos:s])
            parts.append(a)
            pos = t
            growth += len(a) - (t - s)
        parts.append(current[pos:out_hi])
        after = "".join(parts)
    if original[in_lo:in_hi] != after:
        start = out_lo + shift
        append((in_lo, in_hi, start, start + len(after), after, tuple(rules)))
    return shift + growth
