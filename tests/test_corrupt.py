"""The corruption simulator (bench/corrupt.py) and black-box runs of the benchmarks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest
from bench.corrupt import (
    ASCII_FOLD,
    STRAY_BEFORE,
    VARIANTS,
    Corruption,
    corrupt,
    reading,
    styled,
    to_traditional,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT

# Written for these tests: ordinary mainland news prose with every mark the simulator acts on.
TEXT = (
    "今年以来，市里推动产业发展，关于后续工作，会议要求抓好落实！"
    "长江沿岸的绿色发展怎么样？专家认为：前景广阔；并且要坚持改革（试行）。"
    "记者了解到，这项工作已经覆盖全市、各区县和乡镇，干部群众反响热烈。"
)
PLAIN = Corruption(trad_rate=0.0, annotation_rate=0.0, stray_comma_rate=0.0, ascii_punct=False)
LABEL = re.compile(r"[(（]([^()（）]+)[)）]")


def convertible_chars(n: int) -> str:
    """``n`` distinct common characters that a per-character converter changes."""
    out = []
    for code in range(0x4E00, 0x9FA6):
        ch = chr(code)
        if ch not in "于并后么里干台只" and reading(ch) and to_traditional(ch) != ch:
            out.append(ch)
            if len(out) == n:
                break
    return "".join(out)


def labels(text: str) -> list[tuple[str, str]]:
    """(character, label) for every label group in corrupted text."""
    return [(text[m.start() - 1], m.group(1)) for m in LABEL.finditer(text)]


def test_deterministic_for_text_corruption_and_seed():
    for c in VARIANTS.values():
        assert corrupt(TEXT, c, 7) == corrupt(TEXT, c, 7)
    long_text = TEXT * 20
    assert corrupt(long_text, VARIANTS["seed-like"], 1) != corrupt(
        long_text, VARIANTS["seed-like"], 2
    )


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(min_value=0, max_value=2**32))
def test_every_knob_off_is_identity_and_corrupt_is_total(text, seed):
    assert corrupt(text, PLAIN, seed) == text
    for c in VARIANTS.values():
        assert isinstance(corrupt(text, c, seed), str)


def test_conversion_is_per_character_and_leaves_the_residue():
    c = replace(PLAIN, trad_rate=1.0)
    out = corrupt("关于以后头发发展，干部并且怎么", c, 0)
    # 发 is 發 even in 头发 (a phrase converter writes 頭髮); 于 后 干 并 么 stay.
    assert out == "關于以后頭發發展，干部并且怎么"
    assert out == "".join(
        ch if ch in c.residue else to_traditional(ch) for ch in "关于以后头发发展，干部并且怎么"
    )


def test_trad_rate_is_the_share_of_converted_characters():
    chars = convertible_chars(400) * 5
    out = corrupt(chars, replace(PLAIN, trad_rate=0.3), 3)
    share = sum(a != b for a, b in zip(chars, out, strict=True)) / len(chars)
    assert 0.25 < share < 0.35


def test_annotation_rate_zero_adds_no_label():
    for style in ("ascii", "fullwidth"):
        c = replace(VARIANTS["seed-like"], annotation_rate=0.0, paren=style)
        out = corrupt(TEXT * 5, c, 1)
        assert out.count("(") + out.count("（") == (TEXT * 5).count("（")


def test_converted_label_set_labels_converted_characters_with_one_fixed_reading():
    c = replace(PLAIN, trad_rate=1.0, annotation_rate=1.0)
    out = corrupt("长江长大，市长发言", c, 0)
    assert out == "長(zhǎng)江長(zhǎng)大，市長(zhǎng)發(fā)言"


def test_converted_label_set_labels_a_fixed_subset_of_characters():
    chars = convertible_chars(1000)
    c = replace(PLAIN, trad_rate=1.0, annotation_rate=0.3)
    text = chars + chars[::-1]
    found = labels(corrupt(text, c, 5))
    labelled = {ch for ch, _ in found}
    # The same characters are labelled in both halves: one dictionary per seed.
    assert len(found) == 2 * len(labelled)
    assert 0.25 < len(labelled) / len(chars) < 0.35
    for ch, label in found:
        source = chars[[to_traditional(s) for s in chars].index(ch)]
        assert label == reading(source)
    # Nothing converted, nothing labelled.
    assert labels(corrupt(text, replace(c, trad_rate=0.0), 5)) == []


def test_any_label_set_labels_any_han_character_per_occurrence():
    c = replace(PLAIN, annotation_rate=0.3, label_set="any")
    text = "的了是在和有" * 300  # never converted
    out = corrupt(text, c, 2)
    found = labels(out)
    assert {ch for ch, _ in found} == set("的了是在和有")
    assert 0.25 < len(found) / len(text) < 0.35
    # The same character is labelled at some occurrences and not at others.
    assert 0 < out.count("的(de)") < out.count("的")


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("marks", "綠(lǜ)長(zhǎng)著(zhe)"),
        ("numbers", "綠(lv4)長(zhang3)著(zhe)"),
        ("none", "綠(lv)長(zhang)著(zhe)"),
    ],
)
def test_tone_styles(style, expected):
    c = replace(PLAIN, trad_rate=1.0, annotation_rate=1.0, tone_style=style)
    assert corrupt("绿长着", c, 0) == expected


def test_styled_neutral_tone_has_no_digit():
    assert styled("le", "numbers") == "le"
    assert styled("nǚ", "numbers") == "nv3"


def test_fullwidth_parens():
    c = replace(PLAIN, trad_rate=1.0, annotation_rate=1.0, paren="fullwidth")
    assert corrupt("会议", c, 0) == "會（huì）議（yì）"


def test_repeat_rate():
    c = replace(PLAIN, trad_rate=1.0, annotation_rate=1.0)
    text = convertible_chars(300)
    once = corrupt(text, c, 0)
    twice = corrupt(text, replace(c, repeat_rate=1.0), 0)
    assert not re.search(r"(\([^)]+\))\1", once)
    assert len(re.findall(r"(\([^)]+\))\1", twice)) == len(LABEL.findall(once))
    some = corrupt(text, replace(c, repeat_rate=0.5), 0)
    share = len(re.findall(r"(\([^)]+\))\1", some)) / len(LABEL.findall(once))
    assert 0.4 < share < 0.6


def test_stray_commas_go_before_the_marks_seen_on_farm_pages():
    c = replace(PLAIN, stray_comma_rate=1.0)
    out = corrupt(TEXT, c, 0)
    marks = sum(TEXT.count(m) for m in STRAY_BEFORE)
    assert out.count(",") == marks
    assert all(out[i - 1] == "," for i, ch in enumerate(out) if ch in STRAY_BEFORE)
    assert "专家认为：前景" in out and "落实！" in out  # not before ： ！ ？
    assert corrupt(TEXT, replace(c, stray_comma_rate=0.0), 0) == TEXT
    folded = corrupt(TEXT, replace(c, ascii_punct=True), 0)
    assert ",," in folded and ",。" in folded and ",、" in folded and ",;" in folded


def test_ascii_punct_folds_the_texts_own_marks_only():
    c = replace(PLAIN, ascii_punct=True)
    out = corrupt(TEXT, c, 0)
    assert not any(m in out for m in ASCII_FOLD)
    assert "。" in out and "、" in out
    assert out == "".join(ASCII_FOLD.get(ch, ch) for ch in TEXT)
    # Label parentheses keep their own style after the fold.
    both = replace(c, trad_rate=1.0, annotation_rate=1.0, paren="fullwidth")
    assert "會（huì）議（yì）要求" in corrupt(TEXT, both, 0)


def test_nfkc_folds_full_width_marks():
    c = replace(PLAIN, trad_rate=1.0, annotation_rate=1.0, paren="fullwidth", nfkc=True)
    out = corrupt("会议：开始（试行）！百分之五０％……", c, 0)
    assert "（" not in out and "：" not in out and "！" not in out
    assert "會(huì)議(yì):" in out and "0%..." in out


def test_bad_knobs_are_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="between 0 and 1"):
        Corruption(annotation_rate=1.5)
    with pytest.raises(ValueError, match="marks, numbers, none"):
        Corruption(tone_style="digits")
    with pytest.raises(ValueError, match="converted, any"):
        Corruption(label_set="all")


def test_named_variants():
    assert set(VARIANTS) >= {
        "seed-like",
        "toneless-spin",
        "fullwidth-parens",
        "tone-numbers",
        "nfkc",
        "convert-only",
        "sparse-labels",
    }
    assert "(" not in corrupt(TEXT, VARIANTS["convert-only"], 0).replace("（", "")
    spun = corrupt(TEXT * 10, VARIANTS["toneless-spin"], 0)
    assert re.search(r"\(([a-z]+)\)\(\1\)", spun) and "," in spun and ",," not in spun


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def tiny_corpus(tmp_path):
    path = tmp_path / "clean.jsonl"
    docs = [TEXT, TEXT[40:] + "\n" + TEXT[:40], "记者从市政府获悉，全市今年新建学校十二所。"]
    path.write_text(
        "".join(
            json.dumps({"id": str(i), "text": d}, ensure_ascii=False) + "\n"
            for i, d in enumerate(docs)
        ),
        encoding="utf-8",
    )
    return path


def test_fidelity_reports_every_variant_and_system(tiny_corpus, tmp_path):
    out = tmp_path / "fidelity.json"
    r = run_bench("bench.fidelity", "--data", str(tiny_corpus), "--json", str(out))
    assert r.returncode == 0, r.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["docs"] == 3
    assert set(results["variants"]) == set(VARIANTS)
    for row in results["variants"].values():
        assert set(row["systems"]) == {"input", "opencc", "naive", "zhmend"}
        assert row["systems"]["input"]["cer"] > 0  # every variant corrupts something
    convert_only = results["variants"]["convert-only"]["systems"]
    assert convert_only["opencc"]["exact"] == 1.0  # conversion alone: t2s undoes it
    assert "seed-like" in r.stdout


def test_fidelity_without_data_says_where_it_looks(tmp_path):
    r = run_bench("bench.fidelity", "--data", str(tmp_path / "absent.jsonl"))
    assert r.returncode == 2
    assert "absent.jsonl not found" in r.stderr


def test_speed_and_memory_run_on_a_tiny_corpus(tiny_corpus, tmp_path):
    speed = run_bench(
        "bench.speed",
        "--data",
        str(tiny_corpus),
        "--repeats",
        "1",
        "--json",
        str(tmp_path / "s.json"),
    )
    assert speed.returncode == 0, speed.stderr
    result = json.loads((tmp_path / "s.json").read_text())
    assert result["corpora"]["noisy"]["systems"]["opencc"]["ratio"] == 1.0
    assert result["corpora"]["clean"]["systems"]["mend"]["seconds"] > 0
    memory = run_bench(
        "bench.memory",
        "--data",
        str(tiny_corpus),
        "--sizes",
        "0.02,0.05",
        "--json",
        str(tmp_path / "m.json"),
    )
    assert memory.returncode == 0, memory.stderr
    runs = json.loads((tmp_path / "m.json").read_text())["runs"]
    assert [r["bytes"] >= b for r, b in zip(runs[1:], (20_000, 50_000), strict=True)] == [
        True,
        True,
    ]
    assert all(r["peak_rss"] > 10 * 2**20 for r in runs)  # a Python interpreter at least
