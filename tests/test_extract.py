"""News structure (``zhmend.extract``): golden cases, the seed page, the accounting."""

from __future__ import annotations

import json
import re

import pytest

import zhmend
from conftest import SEED, load_cases, need
from zhmend.chars import HAN_CLASS
from zhmend.errors import ConfigError
from zhmend.news import FIELDS, LABELS, ROLE_ALIASES, ROLES, NewsRecord, extract, labelled
from zhmend.tables import convert

CASES = load_cases("extract.json")
EMPTY = NewsRecord().to_dict()
HAN = re.compile(HAN_CLASS)
# Role words are matched in either script: 責任編輯 is 责任编辑.
_FOLD = {
    ord(t): s
    for t, s in zip("責編輯審核對監製糾錯", convert("責編輯審核對監製糾錯", "t2s"), strict=True)
}


def check_accounting(text: str, record: NewsRecord) -> None:
    """Every non-blank line of ``text`` is, whole, in exactly one place; no value is invented.

    ``text`` is the text the record was read from (the mended text).
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert [line.text for line in record.lines] == lines
    assert all(line.label in LABELS for line in record.lines)
    # body, chrome and residue are exactly their lines, in order
    assert record.body == "\n".join(labelled(record, "body"))
    assert list(record.chrome) == labelled(record, "chrome")
    assert list(record.residue) == labelled(record, "residue")
    # text fields are their lines (or cut from them)
    titles = labelled(record, "title")
    assert titles == ([record.title] if record.title is not None else [])
    assert record.byline == ("\n".join(labelled(record, "byline")) or None)
    originals = labelled(record, "original_title")
    assert (record.original_title is None) == (not originals)
    assert all(record.original_title in line for line in originals)
    for name in ("dateline", "source"):
        own = labelled(record, name)
        value = getattr(record, name)
        assert all(value is not None and value in line for line in own), name
        if value is not None:
            assert any(value in line.text for line in record.lines), name
    for line in labelled(record, "published_at"):
        assert record.published_at and record.published_at[:4] in line
    # each credits line gave a name, and every credited name is on a credits line
    credit_lines = labelled(record, "credits")
    names = [n for role_names in record.credits.values() for n in role_names]
    assert set(record.credits) <= set(ROLES)
    assert all(any(n in line for n in names) for line in credit_lines)
    assert all(any(n in line for line in credit_lines) for n in names)
    # ... and the whole of its names: with roles and names taken out, no Han is left
    words = sorted({*names, *ROLES, *ROLE_ALIASES}, key=len, reverse=True)
    for line in credit_lines:
        rest = line.translate(_FOLD)
        for word in words:
            rest = rest.replace(word.translate(_FOLD), "")
        assert not HAN.search(rest), (line, rest)
    # derived values come from the page, never from nowhere (padded names: 张 眉 -> 张眉)
    squeezed = ["".join(line.text.split()) for line in record.lines]
    for value in [*record.reporters, record.outlet]:
        if value is not None:
            assert any(value in line for line in squeezed), value


def test_cases_are_labelled_and_cover_every_field():
    labels = [c["label"] for c in CASES]
    assert len(labels) == len(set(labels))
    covered = {k for c in CASES for k, v in c["expected"].items() if v}
    assert covered == set(FIELDS)
    assert sum(c["label"].startswith("NEGATIVE") for c in CASES) >= 10
    assert {r for c in CASES for r in c["expected"].get("credits", {})} == set(ROLES)


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_golden(case):
    record = extract(case["input"])
    got = record.to_dict()
    # Fields a case does not name must be empty: negatives say so by leaving them out.
    assert got == {**EMPTY, **case["expected"]}
    if "labels" in case:
        assert [line.label for line in record.lines] == case["labels"]
    check_accounting(zhmend.mend(case["input"]), record)


def test_seed_page_record():
    page = need(SEED / "input.txt").read_text(encoding="utf-8")
    expected = json.loads((SEED / "expected_record.json").read_text(encoding="utf-8"))
    got = extract(page).to_dict()
    assert {k: got[k] for k in expected} == expected
    # Fields the expected record leaves out are present and empty (the page has no date or
    # source line).
    assert set(got) == set(FIELDS)
    assert all(got[k] is None for k in set(got) - set(expected))


def test_extract_mends_first_and_mended_skips_it():
    raw = "會(huì)議召開(kāi),,市委書(shū)記主持。\n編輯:宋姿熠"
    assert extract(raw).credits == {"编辑": ("宋姿熠",)}
    # Told the text is mended, the raw page is read as it is: the ASCII colon still counts,
    # and the name comes out in the page's own characters.
    assert extract(raw, mended=True).credits == {"编辑": ("宋姿熠",)}
    assert extract(raw, mended=True).body == "會(huì)議召開(kāi),,市委書(shū)記主持。"
    assert extract(raw, to="keep").credits == {"编辑": ("宋姿熠",)}
    assert extract(raw, to="keep").body == "會議召開，市委書記主持。"


def test_errors_teach():
    with pytest.raises(TypeError, match="decode"):
        extract(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="mended=True"):
        extract("text", mended=True, to="keep")
    with pytest.raises(ConfigError, match="valid options"):
        extract("text", repair_everything=True)
    with pytest.raises(ConfigError, match="labels"):
        labelled(NewsRecord(), "footer")


def test_record_is_frozen_json_and_flat():
    record = extract("记者 张晓明\n会议召开。\n编辑：宋小熠")
    with pytest.raises(AttributeError):
        record.body = "x"  # type: ignore[misc]
    data = record.to_dict()
    assert list(data) == list(FIELDS)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    for key, value in data.items():
        if key == "credits":
            assert all(
                isinstance(v, list) and all(isinstance(n, str) for n in v) for v in value.values()
            )
        else:
            assert value is None or isinstance(value, (str, list))
    assert "lines" not in data


def test_public_api():
    assert zhmend.extract is extract
    assert zhmend.NewsRecord is NewsRecord


def test_bounded_on_pathological_lines():
    # Shapes that could make a backtracking pattern explode, at a size that would show it.
    lines = [
        "记者 " + "张三 " * 20_000,
        "（记者 " * 20_000,
        "首页 > " * 20_000 + "。",
        "来源：" + "人民网" * 30_000,
        "编辑：" + "宋姿熠、" * 20_000,
        "2021-03-18 " * 20_000,
        "_".join(["久久"] * 20_000),
        "会议召开。" * 50_000,
    ]
    text = "\n".join(lines)
    record = extract(text, mended=True)
    check_accounting(text, record)
