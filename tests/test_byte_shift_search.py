"""The byte-shift search leaves out hypotheses that cannot reach its beam; held here to the
search that makes every one of them, and to the cost ceiling the bound rests on."""

from __future__ import annotations

import json
import random
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CASES, DATA, ROOT, need, read_jsonl
from zhmend.fixers.byte_shift import repair as search
from zhmend.fixers.byte_shift.model import COST_CEILING, Scorer

CASESET = json.loads((CASES / "byte_shift.json").read_text(encoding="utf-8"))
GOLDEN = [c["input"] for group in CASESET.values() for c in group]


def _every_gap_hyp(hyps, tok, scorer):
    """Every hypothesis that puts back a lost byte before ``tok``, made one by one and
    listed as pruning without a beam lists them (the search before it left any out)."""
    out, firsts = [], []
    for h in hyps:
        if h.gap >= search.MAX_GAPS:
            continue
        if h.pos == len(h.data):
            if tok.text in search._MARKED:
                for lead in search._LEADS:
                    nh = search._extend(h, bytes((lead,)), scorer, free=1, gap=1)
                    if nh is not None:
                        out.append(nh)
        else:
            for area, (leads, _) in enumerate(search._UDA):
                for lead in leads:
                    nh = search._extend(h, bytes((lead,)), scorer, free=1, gap=1)
                    if nh is not None:
                        firsts.append((area, nh))
    for area, (_, seconds) in enumerate(search._UDA):
        for h in search._prune([nh for a, nh in firsts if a == area]):
            for trail in seconds:
                nh = search._extend(h, bytes((trail,)), scorer, free=1)
                if nh is not None:
                    out.append(search._with_score(nh, nh.score - search.GAP_COST))
    return search._prune(out, None)


def _reference_step(hyps, tok, after, scorer, before=None, *, step=search._step):
    if tok.kind not in ("char", "qlabel"):
        return step(hyps, tok, after, scorer, before)
    out: list = []
    search._advance(hyps + _every_gap_hyp(hyps, tok, scorer), tok, scorer, out)
    return search._prune(out, search.BEAM)


def _searches(text: str) -> list[list[tuple[float, str, int, int]]]:
    """What ``_search`` ranks for each window of ``text``: score, reading, gaps, choices."""
    windows = search.find_windows(text)
    scorer = Scorer(text, text)
    found = []
    for w in windows:
        prev = text[w.start - 1] if w.start else None
        nxt = text[w.end] if w.end < len(text) else None
        ranked = search._search(text[w.start : w.end], prev, nxt, scorer)
        found.append([(s, h.out, h.gap, h.free) for s, h in ranked])
    return found


def _same_as_reference(pages: list[str], monkeypatch) -> None:
    fast = [_searches(p) for p in pages]
    with monkeypatch.context() as m:
        m.setattr(search, "_step", _reference_step)
        reference = [_searches(p) for p in pages]
    assert sum(map(len, fast)) > 0
    for page, got, want in zip(pages, fast, reference):
        assert got == want, page[:80]


def test_golden_pages_rank_as_the_full_search(monkeypatch):
    _same_as_reference(GOLDEN, monkeypatch)


def test_simulated_pages_rank_as_the_full_search(monkeypatch):
    sys.path.insert(0, str(ROOT / "bench"))
    import byte_shift_sim as sim

    docs = [d["text"] for d in read_jsonl(need(DATA / "news_dev.jsonl"))]
    rng = random.Random(3)
    pages = []
    for i in rng.sample(range(len(docs)), 6):
        page = sim.simulate(
            docs[i][:600],
            second_pass=rng.random() < 0.5,
            nfkc=rng.random() < 0.8,
            marker_vanishes=rng.random() < 0.5,
        )
        pages.append(page.garbled)
    _same_as_reference(pages, monkeypatch)


@pytest.mark.parametrize("name", ["008", "016"])
def test_real_pages_rank_as_the_full_search(name, monkeypatch):
    _same_as_reference([need(DATA / "real_dev" / f"{name}.txt").read_text("utf-8")], monkeypatch)


# Characters of every kind the scorer tells apart: Han (common, rare, either script),
# full-width and ASCII marks, line ends, Latin, digits, symbols, the euro sign.
CHARS = st.sampled_from(
    list("的一是了人在有中国國会會发發展乾于并后么龘䶮𠀀")
    + list("，。、；：！？“”（）《》【】…—")
    + list("\n\r !?,.:;()AZaz09€★©")
)
PAGES = st.text(alphabet=CHARS, max_size=60)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAGES, st.one_of(st.none(), CHARS), CHARS)
def test_no_character_scores_above_the_ceiling(page, prev, ch):
    assert Scorer(page, page).cost(prev, ch) <= COST_CEILING



def test_second_bytes_are_split_as_the_decoder_reads_them():
    """_gap_candidates lists the seconds it decodes at once before those that wait, as
    they stand in GBK's order."""
    for (_, seconds), (decoded, waiting) in zip(search._UDA, search._SECONDS):
        assert [t for t, _ in decoded] + list(waiting) == list(seconds)
        assert all(t <= 0x80 for t, _ in decoded) and all(t > 0x80 for t in waiting)
