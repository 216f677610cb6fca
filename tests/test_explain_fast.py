"""The bulk paths of ``mend_and_explain`` held to the step-by-step ones they replace.

The edit log folds a step in one merge pass over tuples; restore_script finds changed runs
with one vectorised comparison; strip_pinyin_annotations builds its explained edits in
bulk. Each reference below is the plain version: same edits, same order, same counts.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import zhmend
from conftest import DATA, need, read_jsonl
from zhmend.config import DEFAULT
from zhmend.edits import Edit, EditLog, apply_edits, make_edits
from zhmend.fixers import Context, pinyin, script

SETTINGS = settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# --- the edit log, cluster by cluster ------------------------------------------------------


@dataclass
class _Span:
    in_start: int
    in_end: int
    out_start: int
    after: str
    rules: list[str]

    @property
    def out_end(self) -> int:
        return self.out_start + len(self.after)


class _ReferenceLog:
    """Every step folded edit by edit into clusters of objects, spans moved one by one."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.spans: list[_Span] = []

    def add_step(self, current: str, edits: list[Edit]) -> None:
        out: list[_Span] = []
        old, i, delta, shift = self.spans, 0, 0, 0
        cluster: _Cluster | None = None
        for e in sorted(edits, key=lambda x: (x.start, x.end)):
            s, t = e.start, e.end
            if cluster is not None and not (s < cluster.out_hi or s == t == cluster.out_hi):
                shift = cluster.close(current, delta, shift, out)
                cluster = None
            if cluster is None:
                while i < len(old) and (old[i].out_end < s or (old[i].out_end == s and s != t)):
                    sp = old[i]
                    out.append(
                        _Span(sp.in_start, sp.in_end, sp.out_start + shift, sp.after, sp.rules)
                    )
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
            out.append(_Span(sp.in_start, sp.in_end, sp.out_start + shift, sp.after, sp.rules))
        self.spans = [sp for sp in out if self.original[sp.in_start : sp.in_end] != sp.after]

    def edits(self) -> list[Edit]:
        o = self.original
        return [
            Edit(s.in_start, s.in_end, o[s.in_start : s.in_end], s.after, "+".join(s.rules))
            for s in self.spans
        ]


class _Cluster:
    def __init__(self, out_lo: int, out_hi: int, in_lo: int) -> None:
        self.out_lo, self.out_hi, self.in_lo = out_lo, out_hi, in_lo
        self.in_hi_span: int | None = None
        self.edits: list[Edit] = []
        self.rules: list[str] = []
        self.has_span = False

    def _rule(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)

    def add_edit(self, e: Edit) -> None:
        self.edits.append(e)
        if e.end > self.out_hi:
            self.out_hi, self.in_hi_span = e.end, None
        self._rule(e.rule)

    def add_span(self, sp: _Span) -> None:
        if (not self.has_span or sp.out_start < self.out_lo) and sp.out_start <= self.out_lo:
            self.out_lo, self.in_lo = sp.out_start, sp.in_start
        self.has_span = True
        if sp.out_end >= self.out_hi:
            self.out_hi, self.in_hi_span = sp.out_end, sp.in_end
        for r in sp.rules:
            self._rule(r)

    def close(self, current: str, delta: int, shift: int, out: list[_Span]) -> int:
        in_hi = self.in_hi_span if self.in_hi_span is not None else self.out_hi + delta
        parts, pos, growth = [], self.out_lo, 0
        for e in self.edits:
            parts += [current[pos : e.start], e.after]
            pos = e.end
            growth += len(e.after) - (e.end - e.start)
        parts.append(current[pos : self.out_hi])
        out.append(_Span(self.in_lo, in_hi, self.out_lo + shift, "".join(parts), self.rules))
        return shift + growth


class _GeneralLog(EditLog):
    """The edit log without its first-step shortcut: every step folds clusters."""

    def _first_step(self, edits):
        return False


@st.composite
def _steps(draw):
    """A text and up to four steps, each on the text the steps before left: replacements,
    deletions, insertions (also several at one point), edits that change nothing, runs of
    touching edits, and several rules per step."""
    text = draw(st.text(alphabet="ab中,", max_size=24))
    current, steps = text, []
    for k in range(draw(st.integers(0, 4))):
        cuts = sorted(draw(st.lists(st.integers(0, len(current)), max_size=10)))
        edits = [
            Edit(
                s,
                e,
                current[s:e],
                draw(st.sampled_from(["", "x", "，", "yz", current[s:e]])),
                draw(st.sampled_from([f"r{k}", f"q{k}", "r0"])),
            )
            for s, e in zip(cuts[0::2], cuts[1::2])
        ]
        steps.append((current, draw(st.permutations(edits))))
        current = apply_edits(current, edits)
    return text, steps


@SETTINGS
@given(_steps())
@example(("ab", [("ab", [Edit(1, 1, "", "x", "r"), Edit(1, 1, "", "y", "q")])]))
@example(("abc", [("abc", [Edit(1, 2, "b", "", "r")]), ("ac", [Edit(1, 1, "", "b", "q")])]))
@example(
    ("abcd", [("abcd", [Edit(1, 2, "b", "x", "r")]), ("axcd", [Edit(0, 4, "axcd", "z", "q")])])
)
def test_the_log_folds_as_the_cluster_by_cluster_reference(case):
    text, steps = case
    quick, general, reference = EditLog(text), _GeneralLog(text), _ReferenceLog(text)
    for current, edits in steps:
        quick.add_step(current, edits)
        general.add_step(current, edits)
        reference.add_step(current, edits)
    got = quick.edits()
    assert got == reference.edits()
    # The first-step shortcut folds as the general merge does.
    assert general.edits() == got
    assert all(type(e) is Edit for e in got)


def test_edits_made_in_bulk_are_edits():
    rows = [(0, 1, "會", "会", "restore_script"), (3, 9, "(huì)", "", "strip_pinyin_annotations")]
    made = make_edits(rows)
    assert made == [Edit(*r) for r in rows]
    assert [type(e) for e in made] == [Edit, Edit]
    assert made[1].rule == "strip_pinyin_annotations" and made[1]._asdict()["end"] == 9


# --- restore_script's changed runs ---------------------------------------------------------


def _reference_runs(before: str, after: str, rule: str, offset: int) -> list[Edit]:
    edits, i, n = [], 0, len(before)
    while i < n:
        if before[i] == after[i]:
            i += 1
            continue
        j = i + 1
        while j < n and before[j] != after[j]:
            j += 1
        edits.append(Edit(offset + i, offset + j, before[i:j], after[i:j], rule))
        i = j
    return edits


@st.composite
def _same_length(draw):
    before = draw(st.text(alphabet="會国國發发a\ud800𠀀\n", max_size=40))
    after = "".join(
        c if draw(st.booleans()) else draw(st.sampled_from("会國发𠀁\udfffb")) for c in before
    )
    return before, after


@SETTINGS
@given(_same_length(), st.integers(0, 5))
@example(("國會議", "国会议"), 0)
@example(("\ud800𠀀a", "\udfff𠀁a"), 3)
def test_changed_runs_are_the_reference_runs(pair, offset):
    before, after = pair
    assert script._same_length_edits(before, after, "r", offset) == _reference_runs(
        before, after, "r", offset
    )


# --- strip_pinyin_annotations' explained edits ---------------------------------------------


def _reference_explained(text, found, learner, ctx):
    edits, removed, styles, repeated, kept = [], 0, Counter(), 0, 0
    for start, end, _ch, label, count in found:
        if learner and start in learner:
            kept += 1
            continue
        groups = text[start:end]
        edits.append(Edit(start, end, groups, "", pinyin.RULE))
        styles[pinyin.style_of(groups, label)] += 1
        repeated += count > 1
        ctx.readings[start - 1 - removed] = label
        removed += end - start
    ctx.counts.update(styles)
    pinyin._count(ctx, len(edits), kept)
    if repeated:
        ctx.counts["pinyin_repeated"] += repeated
    return edits


_GROUPS = ["(huì)", "(hui4)", "(guo)(guo)", "（huì）", "(t", "(gān)", "(HUI)"]


@st.composite
def _found(draw):
    """A text of Han characters and label groups, the runs a fixer found in it and a
    subset of them on learner lines."""
    pieces = draw(
        st.lists(
            st.tuples(st.sampled_from("會國乾"), st.sampled_from(_GROUPS + ["", "x"])), max_size=20
        )
    )
    text, found = "", []
    for ch, groups in pieces:
        text += ch
        if groups.startswith(("(", "（")):
            label = groups.strip("()（）").split(")(")[0]
            found.append((len(text), len(text) + len(groups), ch, label, groups.count(groups[0])))
        text += groups
    learner = {f[0] for f in found if draw(st.booleans())} if draw(st.booleans()) else set()
    return text, found, learner


@SETTINGS
@given(_found())
def test_explained_labels_are_the_label_by_label_reference(case):
    text, found, learner = case
    quick, reference = Context(DEFAULT), Context(DEFAULT)
    quick.counts["pinyin_labels"] = reference.counts["pinyin_labels"] = 1  # a count before
    assert pinyin._strip_explained(text, found, learner, quick) == _reference_explained(
        text, found, learner, reference
    )
    assert list(quick.readings.items()) == list(reference.readings.items())
    assert list(quick.counts.items()) == list(reference.counts.items())


# --- end to end ----------------------------------------------------------------------------


def test_farm_pages_replay_and_fuse_rules():
    """On simulated farm pages the folded explanation replays to the text, and the labels
    and converted characters it fuses name both fixers."""
    from bench.corrupt import VARIANTS, corrupt

    news = [d["text"] for d in read_jsonl(need(DATA / "news_dev.jsonl"))][:30]
    fused = 0
    for i, clean in enumerate(news):
        page = corrupt(clean, VARIANTS["seed-like"], seed=i)
        result = zhmend.mend_and_explain(page)
        assert apply_edits(page, result.edits) == result.text
        fused += sum("+" in e.rule for e in result.edits)
        assert all(page[e.start : e.end] == e.before for e in result.edits)
    assert fused > 0
