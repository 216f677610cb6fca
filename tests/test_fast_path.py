"""``mend`` takes a text-only path (no edits, coarse fixer steps); it must give exactly
the text of ``mend_and_explain``, which composes every fine edit."""

from __future__ import annotations

import os
import re

import pytest
from bench.corrupt import VARIANTS, corrupt
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import zhmend
from conftest import DATA, load_cases, need, read_jsonl, sample_pages
from zhmend import scan
from zhmend.chars import is_han
from zhmend.config import DEFAULT, MendConfig
from zhmend.detect import decide_script
from zhmend.edits import apply_edits
from zhmend.fixers import FIXERS, KEEP_CLASSES, Context, pinyin, punctuation, script
from zhmend.mend import Mended, explained, needs_work
from zhmend.tables import kept_in_simplified, script_overrides, traditional_only

CASES = load_cases("fast_path.json")


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_both_paths_give_the_expected_text(case):
    options = case["options"]
    assert zhmend.mend(case["input"], **options) == case["expected"]
    assert zhmend.mend_and_explain(case["input"], **options).text == case["expected"]


# Pieces that steer the text-only path into each of its branches: many labels on one
# line (learner text), a label cut at the end, characters with several simplified forms
# and their readings, kept names, junk before labels, chains of ASCII marks, dot runs.
PIECES = st.sampled_from(
    [
        "會", "議", "國", "發", "展", "于", "并", "后", "乾", "著", "於", "麼", "徵", "王丙乾",
        "李奕昇", "会", "国", "的", "深圳", "小", "朋", "友",
        "(huì)", "(hui4)", "(guo)", "(kong)(kong)", "（huì）", "(gān)", "(qián)", "(zhe)", "(zhù)",
        "(wū)", "(me)", "(zhēng)", "(xiǎo)", "(péng)", "(yǒu)", "(zhèn)", "(t", "(zh",
        "(B區)", "(ID:x)", "(", ")", ",", ",,", ",、", ",。", ";", ":", "!", "?", "...", "......",
        ",,,", ",;", ";,", ":,", "）", "麗", "(B)",
        ".", "。", "，", "%", "3,000", "12:30", "\n", " ", "\u200b", "\ud800",
        "⚠💲🕮", "😮", "🁝", "a", "9", ":)", ":-(", ";)", "??", "!!", "の", "한", "吗", "什么",
    ]
)
TEXT = st.one_of(st.lists(PIECES, max_size=50).map("".join), st.text(max_size=60))
OPTIONS = st.sampled_from(
    [{}, {"to": "keep"}, {"to": "simplified"}, {"to": "traditional"},
     {"repair_punctuation": False}, {"strip_pinyin_annotations": False},
     {"strip_injected_junk": False}]
)


SLOW_OK = settings(
    max_examples=int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SLOW_OK
@given(TEXT, OPTIONS)
@example("小(xiǎo)朋(péng)友(yǒu)會(huì)議(yì)\n國(guó)家發展,,會議", {})
@example("國(guó)家⚠💲🕮發(fā)展,嗚呼於(wū)戲", {})
@example("會(huì)議;,會議...國(guó)家", {})
def test_mend_is_the_explained_text(text, options):
    assert zhmend.mend(text, **options) == zhmend.mend_and_explain(text, **options).text


def _same_text(docs: list[str]) -> list[int]:
    return [i for i, d in enumerate(docs) if zhmend.mend(d) != zhmend.mend_and_explain(d).text]


def test_corpora_mend_is_the_explained_text():
    news = [d["text"] for d in read_jsonl(need(DATA / "news_dev.jsonl"))]
    trad = [d["text"] for d in read_jsonl(need(DATA / "trad_dev.jsonl"))]
    real = [p.read_text(encoding="utf-8") for p in sorted(need(DATA / "real_dev").glob("*.txt"))]
    assert _same_text(news[:400]) == []
    assert _same_text(trad) == []
    assert _same_text(real) == []
    for name, corruption in VARIANTS.items():
        noisy = [corrupt(t, corruption, seed=i) for i, t in enumerate(news[:40])]
        assert _same_text(noisy) == [], name


def _explained_both_ways(text: str, options: dict) -> tuple[Mended, Mended]:
    config = MendConfig.build(None, **options)
    return explained(text, config), explained(text, config, class_scan=False)


@SLOW_OK
@given(TEXT, OPTIONS)
@example("國(guó)家⚠💲🕮發(fā)展,嗚呼於(wū)戲", {})
@example("\u200b會議", {"to": "traditional"})
def test_the_class_scan_changes_no_explanation(text, options):
    """mend_and_explain gives the fixers the class scan, so they skip the searches for
    classes the text lacks; the reference runs every search."""
    given_scan, reference = _explained_both_ways(text, options)
    assert given_scan == reference


def test_corpora_explanations_given_the_class_scan_are_the_reference():
    pages = sample_pages(news=100, traditional=50, per_variant=15)
    for options in ({}, {"to": "keep"}, {"to": "traditional"}):
        pairs = [_explained_both_ways(p, options) for p in pages]
        assert [i for i, (a, b) in enumerate(pairs) if a != b] == [], options


# Marks, the characters around them that the punctuation rules read, and nothing else.
MARKS = st.text(
    alphabet=list(",,,;;::!!??(()).....中國會吗谁，。、；：！？（）…a1 \n%-D"), max_size=40
)


@SLOW_OK
@given(MARKS, st.booleans())
@example("中,,,;,:,a", True)
@example("會,,。增长30%,,5G(ID:x)好!,真?,a", False)
def test_a_text_round_is_the_listed_round(text, farm):
    """The text-only round settles the common marks in C; the text is the listed round's."""
    listed = punctuation._apply(text, punctuation._one_round(text, farm))
    assert punctuation._text_round(text, farm)[0] == listed


@SLOW_OK
@given(TEXT)
def test_fixers_that_keep_classes_remove_only_characters_without_script(text):
    """What lets ``mend`` hand its scan (class bits, script counts) on to later fixers."""
    table = scan.class_table()
    ctx = Context(DEFAULT, explain=True)
    current = text
    for name, fixer in FIXERS.items():
        edits = fixer(current, ctx)
        if name in KEEP_CLASSES:
            for e in edits:
                assert not any(table[ord(c)] & (scan.TRAD | scan.SIMP) for c in e.before), e
                assert not any(table[ord(c)] for c in e.after), e
        if edits:
            current = apply_edits(current, edits)


@SLOW_OK
@given(TEXT, OPTIONS)
def test_the_scan_mend_shares_is_needs_work(text, options):
    config = MendConfig.build(**options)
    auto_script = config.to == "auto" or not config.converts
    expected = (config.to == "traditional" and config.converts) or scan.needs_work(
        text, auto_script=auto_script
    )
    assert needs_work(text, config) is expected


@SLOW_OK
@given(TEXT, st.sampled_from([0, 1, 7]))
@example("國家發展於是會議", 0)
@example("國家發展于是會議,,市委,,", 3)
def test_the_script_decision_without_detail_decides_the_same(text, labels):
    full = decide_script(text, labels)
    quick = decide_script(text, labels, counts=scan.count_scripts(text), detail=False)
    assert quick.converted_from_simplified == full.converted_from_simplified
    # Without detail, a converted page's label is not refined from mixed to traditional
    # (mend reads none of it); everything else is the same.
    if not (full.converted_from_simplified and full.script == "traditional"):
        assert quick.script == full.script
    else:
        assert quick.script in ("mixed", "traditional")
    assert (quick.traditional_chars, quick.simplified_chars) == (
        full.traditional_chars,
        full.simplified_chars,
    )


# --- Shortcuts of the text-only path, each held to the general form it replaces. ---

# Lines of labelled and unlabelled characters around the learner share, with the other
# things a line may hold.
LEARNERISH = st.lists(
    st.sampled_from(
        ["小(xiǎo)", "朋(péng)", "友(yǒu)", "會(huì)", "國(guo)(guo)", "們（men）", "好", "的",
         "，", " ", "\n", "(B)", "(ab)", "a", "(", "1"]
    ),
    max_size=60,
).map("".join)
# The run pattern as first written (non-possessive, both parenthesis styles): the
# reference for the split patterns.
REFERENCE_SPLIT = re.compile(f"({pinyin._GROUP}(?:{pinyin._GROUP})*)")


def _verified_starts(text: str) -> list[int]:
    """Where the verified runs of ``text`` start, computed the plain way."""
    pieces = REFERENCE_SPLIT.split(text)
    starts, pos = [], 0
    for k, piece in enumerate(pieces):
        if k % 2 and pinyin._verified(pieces[k - 1][-1:], piece):
            starts.append(pos)
        pos += len(piece)
    return starts


@SLOW_OK
@given(st.one_of(TEXT, LEARNERISH))
@example("（huì）(huì)(a)b(c)")
def test_the_run_patterns_split_as_the_reference(text):
    assert pinyin._SPLIT.split(text) == REFERENCE_SPLIT.split(text)
    if "（" not in text:
        assert pinyin._SPLIT_ASCII.split(text) == REFERENCE_SPLIT.split(text)


@SLOW_OK
@given(st.one_of(LEARNERISH, TEXT))
@example("小(xiǎo)朋(péng)友(yǒu)們(men)好(hǎo)今(jīn)天(tiān)我(wǒ)們(men)去(qù)玩")
def test_the_line_filter_never_passes_a_learner_line(text):
    """``_no_learner_line`` settles pages without the runs' positions; it must never
    pass a page on which ``_learner_starts`` finds a learner line."""
    if pinyin._no_learner_line(text):
        assert not pinyin._learner_starts(text, _verified_starts(text))


def test_the_line_filter_passes_farm_pages():
    """Not a filter that passes nothing: simulated farm pages are settled by it."""
    news = [d["text"] for d in read_jsonl(need(DATA / "news_dev.jsonl"))][:100]
    noisy = [corrupt(t, VARIANTS["seed-like"], seed=i) for i, t in enumerate(news)]
    assert sum(map(pinyin._no_learner_line, noisy)) >= 95


@SLOW_OK
@given(st.one_of(TEXT, LEARNERISH))
@example("會(huì)議(ab)召開,乾(gān)杯,乾隆年間,乾(qián)坤")
@example("乾(qián)乾(gān)(gan)著(zhe)")
def test_the_steering_readings_are_the_explained_ones(text):
    """The text-only path records the readings of the steered characters, found by their
    occurrence, where the explained path records every reading by its position."""
    quick, full = Context(DEFAULT, explain=False), Context(DEFAULT, explain=True)
    edits = pinyin.strip_pinyin_annotations(text, quick)
    pinyin.strip_pinyin_annotations(text, full)
    out = apply_edits(text, edits)
    steered = {p: lab for p, lab in full.readings.items() if out[p] in script_overrides()}
    assert steered.items() <= quick.readings.items()
    assert quick.readings.items() <= full.readings.items()


def _reference_common(text: str) -> str:
    """The common case as the six substitutions of ``_COMMON`` make it."""
    for pattern, after in punctuation._COMMON[0 if ",," in text else 2 :]:
        text = pattern.sub(after, text)
    return text


@SLOW_OK
@given(MARKS)
@example("中,,。國,;a:,b")
@example("中,,國;,")
def test_replacing_the_common_marks_is_the_substitutions(text):
    # _text_round takes this shortcut only without uncommon marks and without emoticons.
    if punctuation._UNCOMMON.search(text) is None and punctuation._EMOTICON.search(text) is None:
        assert punctuation._all_common(text) == _reference_common(text)


@SLOW_OK
@given(MARKS, st.booleans())
@example("中,...國", True)
def test_a_settled_round_leaves_nothing_to_do(text, farm):
    after, settled = punctuation._text_round(text, farm)
    if settled:
        assert punctuation._text_round(after, farm)[0] == after


# The dots as first written, with a look-behind in front: the reference for ``_DOTS``.
REFERENCE_DOTS = re.compile(r"(?<!\.)(?:\.{6}|\.{3})(?!\.)")


@SLOW_OK
@given(st.text(alphabet=list(".,中a…\n"), max_size=40))
@example("..........")
def test_the_dots_are_the_reference_dots(text):
    found = [m.span() for m in re.finditer(punctuation._DOTS, text)]
    assert found == [m.span() for m in REFERENCE_DOTS.finditer(text)]


def _reference_paired(text: str, flags: bytes, latin_inside: bool) -> set[int]:
    """``_paired_parens`` the plain way: a stack emptied at every line end, every pair
    judged in full."""
    pairs, stack = [], []
    for i, c in enumerate(text):
        if c == "\n":
            stack.clear()
        elif c == "(":
            stack.append(i)
        elif c == ")" and stack:
            pairs.append((stack.pop(), i))
    out = set()
    for o, c in pairs:
        prev, nxt = text[o - 1 : o], text[c + 1 : c + 2]
        if prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum():
            continue
        if prev == " " and o >= 2 and text[o - 2] != "\n":
            # A space before it and no Chinese on either side: a Latin sentence's brackets.
            after = text[c + 1 :].removeprefix(" ")[:1]
            if not flags[o - 2] and not (after and flags[c + 1 + (nxt == " ")]):
                continue
        han = any(is_han(ch) for ch in text[o:c])
        if han or (latin_inside and ((prev and flags[o - 1]) or (nxt and flags[c + 1]))):
            out.update((o, c))
    return out


@SLOW_OK
@given(st.text(alphabet=list("()\n中a1 ，"), max_size=40), st.booleans())
@example("((\n)(中))", True)
@example("a(中)1(b)，", False)
@example("a (中) a (中)，", False)
def test_parentheses_pair_within_lines(text, farm):
    flags = punctuation._chinese_flags(text)
    assert punctuation._paired_parens(text, flags, farm) == _reference_paired(text, flags, farm)


@SLOW_OK
@given(TEXT)
def test_the_steered_characters_are_found(text):
    chars = set(script_overrides())
    found = [m.start() for m in script._steered_chars().finditer(text)]
    assert found == [i for i, c in enumerate(text) if c in chars]


@SLOW_OK
@given(TEXT, TEXT)
def test_the_kept_characters_are_put_back_where_the_conversion_changed_them(text, other):
    converted = (other * (len(text) // max(len(other), 1) + 1))[: len(text)] if other else text
    kept = kept_in_simplified()
    expected = "".join(
        t
        if t in kept
        and t != c
        and (t in traditional_only() or not script._phrase_writes(converted, i, t))
        else c
        for i, (t, c) in enumerate(zip(text, converted, strict=True))
    )
    assert script._keep_original_characters(text, converted) == expected
