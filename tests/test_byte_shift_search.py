"""The byte-shift search leaves out hypotheses that cannot reach its beam; held here to the
search that makes every one of them, and to the cost ceiling the bound rests on."""

from __future__ import annotations

import json
import random
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import CASES, DATA, ROOT, need, read_jsonl
from zhmend.fixers.byte_shift import search
from zhmend.fixers.byte_shift.gbk import TRAILS, decode_pair, label_trails
from zhmend.fixers.byte_shift.model import COST_CEILING, Scorer
from zhmend.fixers.byte_shift.repair import find_windows
from zhmend.fixers.pinyin import is_reading
from zhmend.tables import readings

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
            if tok.text in search.MARKED:
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
    """What ``rank`` ranks for each window of ``text``: score, reading, gaps, choices."""
    windows = find_windows(text)
    scorer = Scorer(text, text)
    found = []
    for w in windows:
        prev = text[w.start - 1] if w.start else None
        nxt = text[w.end] if w.end < len(text) else None
        ranked = search.rank(text[w.start : w.end], prev, nxt, scorer)
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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAGES, st.one_of(st.none(), CHARS), st.lists(CHARS, max_size=30))
@example("龘乾，龘乾", "龘", ["乾", "龘", "中", "，"])  # a bigram of the page alone
@example("中国", "中", ["国", "國", "一"])  # of the model, either script
def test_costs_in_one_go_are_the_costs_one_by_one(page, prev, chars):
    """Scorer.costs finds the characters that form no bigram after ``prev`` by a set; the
    costs are those of Scorer.cost all the same, bigrams of the model or the page alike."""
    fast, one_by_one = Scorer(page, page), Scorer(page, page)
    for before in [prev, *dict.fromkeys(page)]:
        after = chars + list(page)
        assert fast.costs(before, after) == [one_by_one.cost(before, c) for c in after]


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.floats(-200.0, 0.0),
        st.floats(-1e18, 1e18, allow_nan=False),
        st.sampled_from([2.0**60, -(2.0**60), -7.25, 0.0]),
    ),
    st.sampled_from(list("的國会發展乾龘") + ["€", "，"]),
    st.sampled_from([0, 1]),
)
def test_rows_from_grouped_seconds_are_the_rows_one_by_one(first, ch, area):
    """A vanished pair's rows, made from its seconds grouped by cost, are the rows made
    second by second (in order), or left to that when two costs round to one score."""
    scorer = Scorer("的國會發展", "的國會發展")
    decoded, waiting = search._SECONDS[area]
    grouped = search._second_rows(first, search._by_cost(ch, decoded, scorer), waiting)
    one_by_one = search._second_rows_one_by_one(first, ch, decoded, waiting, scorer)
    if grouped is not None:
        assert list(grouped.items()) == list(one_by_one.items())
    else:
        assert len(one_by_one) < len(search._by_cost(ch, decoded, scorer)) + 1


def test_huge_scores_fall_back_to_rows_one_by_one():
    scorer = Scorer("", "")
    decoded, waiting = search._SECONDS[1]  # A140-A7A0: seconds decoded at once, and not
    # Every cost is lost in rounding next to 2**60: one row holds every second.
    assert search._second_rows(2.0**60, search._by_cost("的", decoded, scorer), waiting) is None
    rows = search._second_rows_one_by_one(2.0**60, "的", decoded, waiting, scorer)
    assert list(rows.values()) == [tuple(t for t, _ in decoded) + waiting]


def test_put_back_hypotheses_keep_the_order_of_making_all(monkeypatch):
    """The hypotheses that put back lost bytes are made best bound first, but listed in the
    order of making every one of them (rows, then bytes): _prune breaks ties among equal
    scores by that order. Every step of the golden pages: the fast list is in that order,
    and the beam it makes is the beam of all of them, hypothesis for hypothesis."""
    real = search._put_back_all
    steps = []

    def checked(hyps, tok, scorer, floor):
        fast = real(hyps, tok, scorer, floor)
        base: list = []
        search._advance(hyps, tok, scorer, base)
        every: list = []
        for _, _, h, before, put_back, pair in search._gap_candidates(hyps, tok, scorer):
            for byte in put_back:
                nh = search._put_back(h, before, byte, pair, scorer)
                search._advance([nh], tok, scorer, every)
        rest = iter(every)
        assert all(any(h == e for e in rest) for h in fast), tok
        assert search._prune(base + fast) == search._prune(base + every), tok
        steps.append(len(every) - len(fast))
        return fast

    monkeypatch.setattr(search, "_put_back_all", checked)
    for page in GOLDEN:
        _searches(page)
    assert steps and max(steps) > 0  # some step left candidates out


# Labels as farms write them (tone marks, numbers, none, ü as v or u:), the neutral tone,
# capitals and non-syllables, and readings drawn from the table itself.
LABELS = ["huì", "hui4", "hui", "hui5", "lǜ", "lv4", "lu:4", "nü", "xíng", "zhōng", "a", "ng"]
LABELS += ["m", "ê", "HUI", "xyz", "", "qián", "gan1", "zhe"]
LABELS += sorted({r for rs in readings().values() for r in rs})[::97]


@pytest.mark.parametrize("label", LABELS)
def test_label_trails_are_the_pairs_read_so(label):
    """The trail bytes found through the reading table are those of every pair decoded and
    checked with is_reading, in order."""
    for lead in range(0x81, 0xFF):
        naive = tuple(
            t for t in TRAILS if (ch := decode_pair(lead, t)) is not None and is_reading(ch, label)
        )
        assert label_trails(lead, label) == naive, hex(lead)
