"""The public API: options, errors that teach, types."""

from __future__ import annotations

import dataclasses

import pytest

import zhmend
from zhmend import ConfigError, MendConfig


def test_keyword_options_are_sugar_over_the_config():
    text = "會(huì)議召開(kāi),,市委"
    assert zhmend.mend(text, to="keep") == zhmend.mend(text, MendConfig(to="keep"))


def test_unknown_option_lists_the_valid_ones():
    with pytest.raises(ConfigError) as info:
        zhmend.mend("x", strip_pinyin=True)
    message = str(info.value)
    assert "strip_pinyin" in message and "strip_pinyin_annotations" in message


def test_bad_value_lists_allowed_values():
    with pytest.raises(ConfigError, match="auto, simplified, traditional, keep"):
        MendConfig(to="zh-hk")
    with pytest.raises(ConfigError, match="True or False"):
        MendConfig(repair_punctuation="yes")


def test_config_is_frozen_and_hashable():
    cfg = MendConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.to = "keep"  # type: ignore[misc]
    assert MendConfig().digest() == cfg.digest() != MendConfig(to="keep").digest()


def test_bytes_raise_a_type_error_that_says_how_to_decode():
    with pytest.raises(TypeError, match=r"decode\('utf-8'\)"):
        zhmend.mend("會議".encode())
    with pytest.raises(TypeError):
        zhmend.mend(None)  # type: ignore[arg-type]


def test_config_error_is_a_zhmend_error_and_a_value_error():
    assert issubclass(ConfigError, zhmend.ZhmendError)
    assert issubclass(ConfigError, ValueError)


# One input per fixer on which switching that fixer off changes the output.
SWITCH_SAMPLES = {
    "strip_invisible": "會(huì)議\u200b召開(kāi)",
    "strip_injected_junk": "會(huì)議召開(kāi),,市.委",
    "repair_byte_shift": "《人民日?qǐng)?bào)》、央視新聞等媒體的公開(kāi)報(bào)道。",
    "strip_pinyin_annotations": "會(huì)議召開(kāi)",
    "restore_script": "會(huì)議召開(kāi)",
    "repair_punctuation": "會(huì)議召開(kāi),,市委",
}


def test_each_fixer_can_be_switched_off():
    from zhmend.fixers import FIXERS

    assert set(FIXERS) <= set(MendConfig.names())
    assert set(SWITCH_SAMPLES) == set(FIXERS), "every fixer needs a sample here"
    for name, text in SWITCH_SAMPLES.items():
        assert zhmend.mend(text, **{name: False}) != zhmend.mend(text), name


def test_conversion_runs_once():
    # OpenCC is not idempotent (龔昇 -> 龚昇 -> 龚升): a mended page is not converted again.
    page = "龔昇會(huì)議召開(kāi),,市委書(shū)記,、委員會(huì)"
    once = zhmend.mend(page)
    assert "龚昇" in once
    assert zhmend.mend(once) == once
    result = zhmend.mend_and_explain(page)
    assert result.evidence.script.converted_from_simplified
    assert result.evidence.counts["script_converted"] == 1


def test_lone_surrogates_are_replaced_and_counted():
    result = zhmend.mend_and_explain("會\ud800議")
    assert result.text == "會\ufffd議"
    assert result.evidence.counts["lone_surrogates"] == 1


def test_traditional_and_simplified_targets():
    assert zhmend.mend("說話", to="simplified") == "说话"
    assert zhmend.mend("说话", to="traditional") == "說話"
    assert zhmend.mend("說話") == "說話"  # no evidence: genuine traditional stays
