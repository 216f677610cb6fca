"""``zhmend.mend_batch``: the one batch function of every runner; never drops a row."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhmend
from conftest import sample_pages
from test_run_corpus import CLEAN, FARM, GENUINE_TRADITIONAL
from zhmend.batch import ERROR, ERROR_DETAIL, fixer_column, report_columns
from zhmend.errors import ConfigError
from zhmend.fixers import FIXERS


def test_mended_text_and_report_columns_match_mend_and_explain() -> None:
    texts = CLEAN[:2] + FARM + [GENUINE_TRADITIONAL]
    out = zhmend.mend_batch({"text": texts, "n": list(range(len(texts)))})
    assert out["n"] == list(range(len(texts)))
    assert out["text"] == [zhmend.mend(t) for t in texts]
    for name in report_columns():
        assert len(out[name]) == len(texts)
    for i, t in enumerate(texts):
        result = zhmend.mend_and_explain(t)
        assert out[ERROR][i] is None
        assert out["zhmend_changed"][i] == (result.text != t)
        assert out["zhmend_edits"][i] == len(result.edits)
        assert json.loads(out["zhmend_evidence"][i]) == dict(result.evidence.counts)
        assert out["zhmend_script"][i] == result.evidence.script.script
        assert out["zhmend_farm_score"][i] == result.evidence.farm_score
    # Farm pages are converted and every fixer that acted is counted; clean pages untouched.
    assert out["zhmend_converted"][2:5] == [True, True, True]
    assert all(out["zhmend_strip_pinyin_annotations"][i] > 0 for i in (2, 3, 4))
    assert out["zhmend_changed"][:2] == [False, False]
    assert out["zhmend_changed"][-1] is False


def test_rows_that_cannot_be_mended_keep_their_value_and_say_why() -> None:
    texts = [FARM[0], 42, None, "x" * 100, CLEAN[0]]
    out = zhmend.mend_batch({"text": texts}, max_chars=80)
    assert out[ERROR] == [None, "text_not_string", "text_not_string", "too_long", None]
    assert out["text"][1:4] == [42, None, "x" * 100]
    assert "int" in out[ERROR_DETAIL][1] and "100" in out[ERROR_DETAIL][3]
    assert out["zhmend_script"][1:4] == [None, None, None]
    assert out["text"][0] == zhmend.mend(FARM[0])


def test_output_field_keeps_the_input_text() -> None:
    out = zhmend.mend_batch({"body": [FARM[1], 7]}, text_field="body", output_field="mended")
    assert out["body"] == [FARM[1], 7]
    assert out["mended"] == [zhmend.mend(FARM[1]), None]


def test_a_fixer_that_raises_errors_its_row_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from zhmend import fixers

    original = fixers.FIXERS["repair_punctuation"]

    def explode(text, ctx):
        if "BOOM" in text:
            raise RuntimeError("fixer exploded")
        return original(text, ctx)

    monkeypatch.setitem(fixers.FIXERS, "repair_punctuation", explode)
    out = zhmend.mend_batch({"text": [FARM[0], "會(huì)議 BOOM", CLEAN[0]]})
    assert out[ERROR] == [None, "fixer_error", None]
    assert "RuntimeError: fixer exploded" in out[ERROR_DETAIL][1]
    assert out["text"][1] == "會(huì)議 BOOM"


def test_bad_calls_teach() -> None:
    with pytest.raises(ConfigError, match="no column 'text'.*body"):
        zhmend.mend_batch({"body": ["a"]})
    with pytest.raises(TypeError, match="mapping of column"):
        zhmend.mend_batch(["a", "b"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_chars"):
        zhmend.mend_batch({"text": ["a"]}, max_chars=0)


values = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="会議國发的了，。,.!()（）huì 0123", max_size=40),
    st.sampled_from(FARM + CLEAN + [GENUINE_TRADITIONAL]),
    st.integers(),
    st.none(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(values, max_size=12))
def test_never_drops_a_row_and_agrees_with_mend_and_explain(batch: list) -> None:
    """Against the naive reference: one mend_and_explain per row (the batch skips it when
    no fixer has anything to do)."""
    out = zhmend.mend_batch({"text": batch, "k": list(range(len(batch)))}, max_chars=50)
    assert out["k"] == list(range(len(batch)))
    for i, value in enumerate(batch):
        if out[ERROR][i] is None:
            ref = zhmend.mend_and_explain(value)
            assert out["text"][i] == ref.text == zhmend.mend(value)
            assert out["zhmend_edits"][i] == len(ref.edits)
            assert json.loads(out["zhmend_evidence"][i]) == dict(ref.evidence.counts)
            assert out["zhmend_farm_score"][i] == ref.evidence.farm_score
            assert out["zhmend_script"][i] == (ref.evidence.script.script
                                               if ref.evidence.script else "none")
        else:
            assert out["text"][i] is value
            assert not isinstance(value, str) or len(value) > 50


def test_hugging_face_datasets_map_batched() -> None:
    datasets = pytest.importorskip("datasets", reason="Hugging Face datasets is not installed")
    texts = FARM + CLEAN[:3]
    ds = datasets.Dataset.from_dict({"text": texts, "id": [f"d{i}" for i in range(len(texts))]})
    mapped = ds.map(zhmend.mend_batch, batched=True, batch_size=2)
    assert mapped["text"] == [zhmend.mend(t) for t in texts]
    assert mapped["id"] == [f"d{i}" for i in range(len(texts))]
    assert mapped["zhmend_converted"] == [True] * len(FARM) + [False] * 3


def test_without_report_columns_only_the_text_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import zhmend.batch

    def no_explanations(*args, **kwargs):
        raise AssertionError("report=False must not build explanations")

    monkeypatch.setattr(zhmend.batch, "explained", no_explanations)
    monkeypatch.setattr(zhmend.batch, "evidence_of", no_explanations)
    texts = FARM + CLEAN[:2] + [3]
    out = zhmend.mend_batch({"text": texts}, report=False)
    assert set(out) == {"text", ERROR, ERROR_DETAIL, "zhmend_changed"}
    assert out["text"][:-1] == [zhmend.mend(t) for t in texts[:-1]]
    assert out["zhmend_changed"] == [True] * len(FARM) + [False, False, None]
    assert out[ERROR][-1] == "text_not_string"


def _reference_row(text: str) -> dict:
    """The report columns as mend_and_explain gives them, findings and all."""
    ref = zhmend.mend_and_explain(text)
    row = {
        "zhmend_changed": ref.text != text,
        "zhmend_edits": len(ref.edits),
        "zhmend_evidence": dict(ref.evidence.counts),
        "zhmend_script": ref.evidence.script.script if ref.evidence.script else "none",
        "zhmend_converted": bool(
            ref.evidence.script and ref.evidence.script.converted_from_simplified
        ),
        "zhmend_farm_score": ref.evidence.farm_score,
    }
    for name in FIXERS:
        row[fixer_column(name)] = sum(name in e.rule.split("+") for e in ref.edits)
    return row


def test_report_columns_on_corpora_are_those_of_mend_and_explain() -> None:
    """The batch leaves the findings behind the edits out of the evidence it reads: the
    counts, script and score it reports do not depend on them."""
    pages = sample_pages(news=60, traditional=30, per_variant=20)
    out = zhmend.mend_batch({"text": pages})
    for i, page in enumerate(pages):
        row = {name: out[name][i] for name in report_columns() if name not in (ERROR, ERROR_DETAIL)}
        assert out[ERROR][i] is None
        row["zhmend_evidence"] = json.loads(row["zhmend_evidence"])
        assert row == _reference_row(page), page[:60]
