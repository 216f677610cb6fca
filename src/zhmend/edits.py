"""Edits, their composition across fixers, and replay.

A fixer sees the text left by the previous fixer and returns :class:`Edit` objects in that
text's coordinates. :class:`EditLog` folds each step back into the coordinates of the
original input, so an explanation can be replayed on the input alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits given in ``text``'s coordinates (any order)."""
    ordered = sorted(edits)  # tuples order by (start, end, ...); linear when already sorted
    if len(ordered) == 1:
        (e,) = ordered
        if e.start == 0 and e.end == len(text) and e.before == text:
            return e.after  # one edit of the whole text (a text-only path): no copy to make
    parts: list[str] = []
    pos = 0
    for e in ordered:
        if e.start < pos:
            raise ValueError(f"overlapping edits at {e.start}")
        if text[e.start : e.end] != e.before:
            raise ValueError(
                f"edit at {e.start}:{e.end} expects {e.before!r}, text has {text[e.start:e.end]!r}"
            )
        parts.append(text[pos : e.start])
        parts.append(e.after)
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts)


def replay(text: str, edits: Sequence[Edit]) -> str:
    """Rebuild the mended text from the input and an explanation's edits."""
    return apply_edits(text, edits)


@dataclass(slots=True)
class _Span:
    in_start: int
    in_end: int
    out_start: int
    after: str
    rules: list[str]

    @property
    def out_end(self) -> int:
        return self.out_start + len(self.after)

    def moved(self, shift: int) -> _Span:
        return _Span(self.in_start, self.in_end, self.out_start + shift, self.after, self.rules)


class EditLog:
    """Composes per-step edits into edits on the original input.

    Invariant: ``spans`` are sorted and disjoint in both input and current-text
    coordinates; text between spans is unchanged input.
    """

    def __init__(self, original: str) -> None:
        self.original = original
        self.spans: list[_Span] = []

    def add_step(self, current: str, edits: Sequence[Edit]) -> None:
        """Record ``edits`` made on ``current`` (the text after all earlier steps).

        New edits and recorded spans that overlap are fused into one span. An insertion
        that touches anything is fused too: two edits at one input point would replay in
        an ambiguous order.
        """
        if not edits:
            return
        if not self.spans and self._first_step(edits):
            return
        old = self.spans
        out: list[_Span] = []
        i = 0
        delta = 0  # input minus current position, in the gap before old[i]
        shift = 0  # growth of the current text from the clusters already closed
        cluster: _Cluster | None = None

        for e in sorted(edits, key=lambda x: (x.start, x.end)):
            s, t = e.start, e.end
            if cluster is not None and not (s < cluster.out_hi or (s == t == cluster.out_hi)):
                shift = cluster.close(current, delta, shift, out)
                cluster = None
            if cluster is None:
                while i < len(old) and (old[i].out_end < s or (old[i].out_end == s and s != t)):
                    sp = old[i]
                    out.append(sp.moved(shift))
                    delta = sp.in_end - sp.out_end
                    i += 1
                cluster = _Cluster(s, t, s + delta)
            cluster.add_edit(e)
            while i < len(old) and (
                (old[i].out_start < t and old[i].out_end > s)
                or (s == t and old[i].out_start <= s <= old[i].out_end)
            ):
                cluster.add_span(old[i])
                delta = old[i].in_end - old[i].out_end
                i += 1
        if cluster is not None:
            shift = cluster.close(current, delta, shift, out)
        for sp in old[i:]:
            out.append(sp.moved(shift))
        # A span whose net effect is nothing (text removed, then put back) explains nothing.
        self.spans = [sp for sp in out if self.original[sp.in_start : sp.in_end] != sp.after]

    def _first_step(self, edits: Sequence[Edit]) -> bool:
        """The first step with edits, when none of them touch: each is a span of its own
        (what :meth:`add_step` makes of it, without clusters). False, recording nothing,
        when two edits touch or overlap."""
        ordered = sorted(edits, key=lambda x: (x.start, x.end))
        end = -1
        for e in ordered:
            if e.start <= end:  # touching: add_step fuses them (or refuses an overlap)
                return False
            end = e.end
        spans = []
        shift = 0
        original = self.original
        for e in ordered:
            if original[e.start : e.end] != e.after:  # an edit that changes nothing is dropped
                spans.append(_Span(e.start, e.end, e.start + shift, e.after, [e.rule]))
            shift += len(e.after) - (e.end - e.start)
        self.spans = spans
        return True

    def edits(self) -> list[Edit]:
        original = self.original
        return [
            Edit(s.in_start, s.in_end, original[s.in_start : s.in_end], s.after, "+".join(s.rules))
            for s in self.spans
        ]


class _Cluster:
    """Edits of one step fused with the recorded spans they overlap."""

    def __init__(self, out_lo: int, out_hi: int, in_lo: int) -> None:
        self.out_lo = out_lo
        self.out_hi = out_hi
        self.in_lo = in_lo
        self.in_hi_span: int | None = None  # in_end of a span reaching out_hi, if any
        self.edits: list[Edit] = []
        self.rules: list[str] = []
        self.has_span = False

    def _rule(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)

    def add_edit(self, e: Edit) -> None:
        self.edits.append(e)
        if e.end > self.out_hi:
            self.out_hi = e.end
            self.in_hi_span = None
        self._rule(e.rule)

    def add_span(self, sp: _Span) -> None:
        if not self.has_span or sp.out_start < self.out_lo:
            # Spans arrive in order, so only the first can start at or before the cluster.
            if sp.out_start <= self.out_lo:
                self.out_lo = sp.out_start
                self.in_lo = sp.in_start
        self.has_span = True
        if sp.out_end >= self.out_hi:
            self.out_hi = sp.out_end
            self.in_hi_span = sp.in_end
        for r in sp.rules:
            self._rule(r)

    def close(self, current: str, delta: int, shift: int, out: list[_Span]) -> int:
        in_hi = self.in_hi_span if self.in_hi_span is not None else self.out_hi + delta
        parts: list[str] = []
        pos = self.out_lo
        growth = 0
        for e in self.edits:
            parts.append(current[pos : e.start])
            parts.append(e.after)
            pos = e.end
            growth += len(e.after) - (e.end - e.start)
        parts.append(current[pos : self.out_hi])
        out.append(_Span(self.in_lo, in_hi, self.out_lo + shift, "".join(parts), self.rules))
        return shift + growth
