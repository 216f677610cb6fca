"""Genuine Hong Kong text stays as it is, whatever words it shares with the mainland.

Hong Kong writes 軟件 網絡 互聯網 視頻 營商環境 as the mainland does, and its papers and
government write the mainland's official register in their own voice: none of it is a sign
of a converted page. The Hong Kong cases live in ``cases/untouched.json`` (source "written
for zhmend: Hong Kong usage"), with and without 於 並 後 麼.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from conftest import load_cases
from zhmend.detect import COUNTERPARTS, MAINLAND_TERMS, decide_script
from zhmend.tables import convert

HONG_KONG = [c for c in load_cases("untouched.json") if c["source"].endswith("Hong Kong usage")]
TEXTS = [c["input"] for c in HONG_KONG]

#: Words Hong Kong writes as the mainland does, the mainland's official register that Hong
#: Kong's papers and government write too, and words whose mainland sense is not their only
#: one (默認 is tacit consent, 出租車位 a parking space to let).
SHARED_WITH_HONG_KONG = (
    "軟件 硬件 網絡 互聯網 視頻 屏幕 打印機 激光 營商環境 數據 信息 "
    "高質量發展 新質生產力 數字化 調研 落地見效 全媒體 默認 出租車位"
).split()

#: Mainland pages converted character by character that use words Hong Kong shares, and
#: still show another sign (residue words, labels, stray commas, converter marks).
CONVERTED = [
    (
        "該公司表示，新版軟件之后將用于網絡視頻平台，并且關于數據安全的規定也已出台。",
        "该公司表示，新版软件之后将用于网络视频平台，并且关于数据安全的规定也已出台。",
    ),
    (
        "公司研發(fā)的軟件和網絡視頻平台已經(jīng)上線運營。",
        "公司研发的软件和网络视频平台已经上线运营。",
    ),
    (
        "市政府表示,,將進一步優化營商環境,,推動互聯網產業發展,。",
        "市政府表示，将进一步优化营商环境，推动互联网产业发展。",
    ),
    (
        "這個軟件的網絡架構比較復雜，有關部門已批準上線。",
        "这个软件的网络架构比较复杂，有关部门已批准上线。",
    ),
    (
        "這家公司的服務器和鼠標產品都在網上熱賣。",
        "这家公司的服务器和鼠标产品都在网上热卖。",
    ),
]


def _traditional(term: str) -> str:
    return convert(term, "s2t")


def test_the_cases_cover_pages_with_and_without_counterparts():
    with_counterparts = [t for t in TEXTS if any(c in t for c in COUNTERPARTS)]
    assert len(with_counterparts) >= 3
    assert len(TEXTS) - len(with_counterparts) >= 3


@pytest.mark.parametrize("case", HONG_KONG, ids=[c["label"] for c in HONG_KONG])
def test_hong_kong_text_shows_no_mainland_sign(case):
    report = zhmend.inspect(case["input"])
    assert not report.converted_from_simplified, report.script_decision.reasons
    assert report.script_decision.mainland_terms == {}
    assert report.verdict == "clean", report.farm_score


@pytest.mark.parametrize("word", SHARED_WITH_HONG_KONG)
def test_words_hong_kong_writes_are_no_mainland_vocabulary(word):
    text = f"本港的{word}問題，{word}方面。"
    assert decide_script(text, 0).mainland_terms == {}


@pytest.mark.parametrize("term", MAINLAND_TERMS)
def test_every_mainland_term_is_found_in_traditional_characters(term):
    # A term written alike in both scripts would never be found: no dead entries.
    word = _traditional(term)
    assert word != term
    assert decide_script(f"公司的{word}很好。", 0).mainland_terms == {word: 1}


def _two_terms() -> str:
    first, second = (_traditional(t) for t in MAINLAND_TERMS[:2])
    return f"這家公司的{first}和{second}產品都在網上熱賣。"


def test_two_mainland_terms_decide_a_page_without_counterparts():
    decision = decide_script(_two_terms(), 0)
    assert decision.converted_from_simplified
    assert decision.counterparts == 0
    assert any(r.startswith("mainland vocabulary") for r in decision.reasons)


@pytest.mark.parametrize("counterpart", COUNTERPARTS)
def test_a_single_counterpart_silences_the_vocabulary(counterpart):
    text = _two_terms() + f"{counterpart}是"
    decision = decide_script(text, 0)
    assert len(decision.mainland_terms) == 2  # still reported, for the farm score
    assert decision.counterparts == 1
    assert not decision.converted_from_simplified
    assert zhmend.mend(text) == text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=6).map("".join))
def test_hong_kong_pages_of_any_length_stay_untouched(text):
    result = zhmend.mend_and_explain(text)
    assert result.text == text
    assert result.edits == ()
    assert not result.evidence.script.converted_from_simplified


@pytest.mark.parametrize(("text", "expected"), CONVERTED)
def test_converted_pages_with_shared_words_still_convert(text, expected):
    result = zhmend.mend_and_explain(text)
    assert result.text == expected
    assert result.evidence.script.converted_from_simplified


def test_a_converted_page_after_hong_kong_text_keeps_its_residue_words():
    # 於 並 後 麼 from the Hong Kong part silence the converter marks, not the residue words.
    mainland, expected = CONVERTED[0]
    page = TEXTS[-1] + "\n" + mainland
    result = zhmend.mend_and_explain(page)
    assert result.evidence.script.counterparts > 0
    assert result.evidence.script.converted_from_simplified
    assert result.text.endswith(expected)


def test_cli_leaves_hong_kong_text_alone(tmp_path):
    page = tmp_path / "hk.txt"
    page.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    fixed = subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "fix", str(page)],
        capture_output=True, text=True, encoding="utf-8", check=False,
    )
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == page.read_text(encoding="utf-8")
    inspected = subprocess.run(
        [sys.executable, "-m", "zhmend.cli", "inspect", "--json", str(page)],
        capture_output=True, text=True, encoding="utf-8", check=False,
    )
    assert inspected.returncode == 0, inspected.stderr
    report = json.loads(inspected.stdout)
    assert report["converted_from_simplified"] is False
    assert report["verdict"] == "clean"
    assert report["script_decision"]["mainland_terms"] == {}
