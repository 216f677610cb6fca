"""The real farm excerpts in ../shared/data/real_dev (skipped when absent)."""

from __future__ import annotations

import regex

import zhmend
from conftest import DATA
from zhmend.tables import traditional_only

PAGES = sorted((DATA / "real_dev").glob("[0-9][0-9][0-9].txt")) if DATA.exists() else []
LABEL = regex.compile(r"[(（][a-zü" + "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ" + r"]{1,7}[0-5]?[)）]")
# Pages whose byte-shift garbage is repaired by repair_byte_shift, not by these fixers.
BYTE_SHIFT: set[str] = set()


def _page(name: str) -> str:
    return (DATA / "real_dev" / f"{name}.txt").read_text(encoding="utf-8")


def test_pages_present_or_skipped():
    if not PAGES:
        import pytest

        pytest.skip("../shared/data/real_dev is not present")


def test_no_label_remains_and_text_is_simplified():
    for path in PAGES:
        out = zhmend.mend(path.read_text(encoding="utf-8"))
        if path.stem not in BYTE_SHIFT:
            assert not LABEL.search(out), (path.stem, LABEL.search(out))
        left = sorted(set(out) & traditional_only())
        assert not left, (path.stem, left)


def test_legitimate_parentheticals_kept():
    kept = {
        "004": ["（成都市青羊区", "（记者 戴璐岭）"],
        "008": ["（浙报集团）", "（ID:quanmeipai）", "（2018-2019）"],
        "009": ["1674-8883(2021)15-0224-03", "[1]"],
        "016": ["（许晓华）"],
        "020": ["1002-2384(2009)06-0004-04"],
        "026": ["资本（资金）", "企业（公司）"],
    }
    for name, needles in kept.items():
        if not (DATA / "real_dev" / f"{name}.txt").exists():
            continue
        out = zhmend.mend(_page(name))
        for needle in needles:
            assert needle in out, (name, needle)
