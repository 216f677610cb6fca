"""The evidence's shortcuts against the general path they replace.

``unverified_labels`` parses each pair of character and label once, ``fixer_findings``
reads an edit's rule and a label's detail from caches, ``page_chrome`` asks only whether
any label opens before cutting labels out, and ``residue_chars`` remembers its round trips.
Each must give exactly what the general path gives, with the caches cold or warm; the
texts below sit on both sides of each decision.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from zhmend import detect, findings
from zhmend.config import TARGETS
from zhmend.findings import Finding
from zhmend.fixers.pinyin import is_reading, parse_label, style_of
from zhmend.inspection import clear_caches

# Label-shaped pieces, written for these tests: readings and non-readings of their
# character, toneless, tone numbers, full-width parentheses, cut and repeated labels,
# parentheses that hold no syllable, and the punctuation the fixers act on.
PIECES = (
    "會(huì)", "會(hui4)", "會(hui)", "會（huì）", "国(guo)(guo)", "國(guó)", "病(bing)",
    "情(bing)", "長(zhǎng)", "长(cháng)", "兵團(t", "兵團(tuán", "深圳(zhèn)", "(a)", "（abc）",
    "(xyzq)", "(lü)", "(lv3)", "(nü:)", "(ḿ)", "(hui0)", "(HUI)", "(huì", "huì)", "(hu ì)",
    "(ā)", "(é)", "(er2)", "长城（Chángchéng）", "，,", ",。", ",", ";", ":", "!", "?", "(", ")",
    "（", "）", "\u200b", "\ufeff", "…", ".", "国家", "统计局", "後來", "这里", "于是",
)
ALPHABET = "會会國国病情長长兵團深圳aghiunòōbcqtzxü:v0123459()（）,，。 \n"
LABELLY = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=16).map("".join),
    st.text(alphabet=ALPHABET, max_size=40),
)


def reference_unverified_labels(text: str) -> list[Finding]:
    """The general path: every opening after a Han character, matched and parsed there."""
    out = []
    for i in findings._openings(text):
        m = findings._PAREN_SYLLABLE.match(text, i)
        if m is None:
            continue
        label = m.group(1)
        parsed = parse_label(label)
        if parsed is None or parsed[0] not in findings._all_syllables():
            continue
        ch = text[i - 1]
        if is_reading(ch, label):
            continue
        out.append(Finding("unverified_labels", m.start(), m.end(), m.group(), ch))
    return out


def _label_detail(groups: str, labels: list[str]) -> str:
    detail = style_of(groups, labels[0])
    return detail + ",repeated" if len(labels) > 1 else detail


def reference_fixer_findings(text: str, edits) -> list[Finding]:
    """fixer_findings reading every edit's rule and every label afresh, nothing cached."""
    out: list[Finding] = []
    for e in edits:
        rules = e.rule.split("+")
        labels: list[tuple[int, int]] = []
        if rules == ["strip_pinyin_annotations"] and not e.after:
            labels = [(e.start, e.end)]
            groups = e.before
            if not groups.rstrip().endswith((")", "）")):
                out.append(Finding("pinyin_labels", e.start, e.end, groups, "cut"))
            else:
                found = findings._ONE_GROUP.findall(groups)
                detail = _label_detail(groups, found) if found else ""
                out.append(Finding("pinyin_labels", e.start, e.end, groups, detail))
        elif "strip_pinyin_annotations" in rules:
            for m in findings._ANNOTATED.finditer(text, max(0, e.start - 1), e.end):
                s, t = m.span(2)
                if s < e.start or t > e.end:
                    continue
                ch, groups = m.group(1), m.group(2)
                found = findings._ONE_GROUP.findall(groups)
                if all(is_reading(ch, lab) for lab in found):
                    out.append(Finding("pinyin_labels", s, t, groups, _label_detail(groups, found)))
                    labels.append((s, t))
            cut = findings._CUT_LABEL.search(text, max(e.start, len(text) - 16), e.end)
            if cut and not text[e.end :].strip() and findings._HAN_RE.match(text, cut.start() - 1):
                stub = cut.group().rstrip()
                end = cut.start() + len(stub)
                out.append(Finding("pinyin_labels", cut.start(), end, stub, "cut"))
                labels.append((cut.start(), end))
        if "strip_invisible" in rules:
            for m in findings._INVISIBLE.finditer(text, e.start, e.end):
                ch = m.group()
                name = "lone_surrogates" if "\ud800" <= ch <= "\udfff" else "invisible"
                out.append(Finding(name, m.start(), m.end(), ch, f"U+{ord(ch):04X}"))
        if rules == ["strip_injected_junk"]:
            name = "junk_dots" if e.before == "." else "junk_symbols"
            out.append(Finding(name, e.start, e.end, e.before))
        if "repair_punctuation" in rules:
            out.extend(findings._punctuation_in(text, e, labels))
    out.sort(key=lambda f: (f.start, f.end, f.name))
    return out


def _clear_caches() -> None:
    clear_caches()
    findings._rule_parts.cache_clear()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("今天天气(bing)很好", [(4, 10, "(bing)", "气")]),
        ("情(bing)與病(bing)", [(1, 7, "(bing)", "情")]),  # 病(bing) is a reading
        ("會（hui3）", [(1, 7, "（hui3）", "會")]),  # a syllable, not of 會 in tone 3
        ("會(huì)議", []),  # the reading
        ("會(xyzq)", []),  # no pinyin syllable
        ("會(hui6)", []),  # no tone 6
        ("(bing)病", []),  # nothing before the parenthesis
        ("a(bing)", []),  # not after a Han character
        ("會(bing", []),  # not closed
        ("會(Bing)", []),  # capitalised: a name, not a label
    ],
)
def test_unverified_labels_cases(text, found):
    got = [(f.start, f.end, f.text, f.detail) for f in findings.unverified_labels(text)]
    assert got == found
    assert findings.unverified_labels(text) == reference_unverified_labels(text)


@settings(max_examples=500, deadline=None)
@given(LABELLY)
def test_unverified_labels_is_the_search_at_every_opening(text):
    assert findings.unverified_labels(text) == reference_unverified_labels(text)


@settings(max_examples=300, deadline=None)
@given(LABELLY)
def test_an_opening_is_found_exactly_when_openings_lists_one(text):
    assert findings._opens_label(text) is bool(findings._openings(text))


@settings(max_examples=300, deadline=None)
@given(LABELLY, st.sampled_from(TARGETS))
def test_fixer_findings_are_the_edits_read_afresh(text, to):
    edits = zhmend.mend_and_explain(text, to=to).edits
    assert findings.fixer_findings(text, edits) == reference_fixer_findings(text, edits)


@pytest.mark.parametrize(
    "text", ["會(huì)議", "国(guo)(guo)家", "會（huì）,。", "兵團(t", "病(bing)", "會\u200b(huì)"]
)
def test_fixer_findings_cases_name_each_label(text):
    edits = zhmend.mend_and_explain(text).edits
    found = findings.fixer_findings(text, edits)
    assert found == reference_fixer_findings(text, edits)
    assert found == sorted(found, key=lambda f: (f.start, f.end, f.name))


def test_fixer_findings_detail_names_the_label_style():
    text = "會(huì)議國(guo)(guo)家會(hui4)會（huì）兵團(t"
    details = [f.detail for f in findings.fixer_findings(text, zhmend.mend_and_explain(text).edits)]
    assert details == [
        "pinyin_tone_marks",
        "pinyin_toneless,repeated",
        "pinyin_tone_numbers",
        "pinyin_fullwidth",
        "cut",
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join))
def test_cold_and_warm_caches_give_one_report(text):
    warm = zhmend.mend_and_explain(text)
    _clear_caches()
    cold = zhmend.mend_and_explain(text)
    assert cold == warm
    assert repr(cold.evidence) == repr(warm.evidence)
    assert zhmend.inspect(text) == zhmend.inspect(text)


def test_clear_caches_forgets_what_the_evidence_learnt():
    zhmend.mend_and_explain("會(huì)議國(guo)(guo)家病(bing)，後來這里的會議")
    learnt = (findings._is_unverified, findings._removed_detail, findings._verified_detail)
    assert all(cached.cache_info().currsize for cached in learnt)
    assert detect._round_trip in detect.LEARNT_CACHES
    clear_caches()
    learnt = (*findings.LEARNT_CACHES, *detect.LEARNT_CACHES)
    assert not any(cached.cache_info().currsize for cached in learnt)
