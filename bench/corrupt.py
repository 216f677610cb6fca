"""A corruption simulator: clean simplified Chinese in, content-farm text out.

It models what the farm pages in ``../shared`` show, one knob per artifact:

- **Conversion character by character.** Each convertible character is replaced by OpenCC's
  ``s2t`` form of that character alone, never by phrase (so ``发`` is always ``發``, even in
  ``头发``). A converter of this kind leaves some characters alone (``residue``: 于 并 后 …);
  they are what gives a converted page away.
- **One fixed label per character.** The label is the character's first reading in
  pypinyin (``长`` -> ``zhǎng`` everywhere, even in ``长江``), written after the *converted*
  character. With ``label_set="converted"`` the converter's label dictionary is modelled as a
  fixed subset of characters (drawn per character from the seed): a character in it is
  labelled at every converted occurrence, the others never are, as on the real pages. With
  ``label_set="any"`` (the SEO "spinning" variant) any Han character may be labelled, drawn
  per occurrence.
- **Stray commas** are injected before existing ``，。、；`` (the marks they precede on the
  real pages), always as an ASCII ``,``; after the ASCII fold ``,，`` reads ``,,``.
- **ASCII fold** of ``，；：！？（）`` and optional **NFKC** folding by a crawler (which also
  folds ``…`` ``％`` ``℃`` ``Ⅱ`` and cannot be undone exactly).

Every random choice comes from its own stream seeded by ``(seed, knob)``, so ``corrupt`` is
deterministic for ``(text, corruption, seed)`` and changing one knob does not reshuffle the
choices of another.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from zhmend.chars import is_han

TONE_STYLES = ("marks", "numbers", "none")
PARENS = {"ascii": ("(", ")"), "fullwidth": ("（", "）")}
LABEL_SETS = ("converted", "any")

#: Full-width marks a farm folds to ASCII.
ASCII_FOLD = {"，": ",", "；": ";", "：": ":", "！": "!", "？": "?", "（": "(", "）": ")"}
#: Marks that a stray comma is injected before (seen before these on the real pages).
STRAY_BEFORE = frozenset("，。、；")
STRAY = ","

_TONE_DIGIT = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}


@dataclass(frozen=True)
class Corruption:
    """How to corrupt a clean simplified text. Rates are shares in [0, 1]."""

    #: Share of convertible characters converted s->t, per character (no phrases).
    trad_rate: float = 1.0
    #: Characters a per-character converter leaves unconverted.
    residue: str = "于并后么里干台只"
    #: Share of Han characters (of those with a reading) that get a label; with
    #: ``label_set="converted"`` the share of characters in the converter's label dictionary.
    annotation_rate: float = 0.3
    #: ``"converted"``: labels only on converted characters; ``"any"``: on any Han character.
    label_set: str = "converted"
    #: ``"marks"`` (huì) | ``"numbers"`` (hui4) | ``"none"`` (hui).
    tone_style: str = "marks"
    #: ``"ascii"`` () | ``"fullwidth"`` （）, the parentheses around a label.
    paren: str = "ascii"
    #: Share of labels written twice: 控(kong)(kong).
    repeat_rate: float = 0.0
    #: Share of ``，。、；`` preceded by an injected ``,``.
    stray_comma_rate: float = 0.5
    #: Fold ，；：！？（） to , ; : ! ? ( ) (the text's own marks, not the label parentheses).
    ascii_punct: bool = True
    #: NFKC-fold the result, as a crawler's normalisation does.
    nfkc: bool = False

    def __post_init__(self) -> None:
        for name in ("trad_rate", "annotation_rate", "repeat_rate", "stray_comma_rate"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a share between 0 and 1, not {value!r}")
        for name, allowed in (
            ("tone_style", TONE_STYLES),
            ("paren", tuple(PARENS)),
            ("label_set", LABEL_SETS),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"{name}={getattr(self, name)!r} is not allowed; choose one of "
                    + ", ".join(allowed)
                )


_BASE = Corruption()

#: Named variants, each modelled on pages in ../shared (see bench/README.md).
VARIANTS: dict[str, Corruption] = {
    # The seed page: about half of the converted characters' types carry a tone-marked label,
    # ASCII punctuation, stray commas before most marks.
    "seed-like": replace(_BASE, annotation_rate=0.5, stray_comma_rate=0.6),
    # Spinning (real_dev 013): toneless labels on any character, some doubled, placed per
    # occurrence; ASCII punctuation but no stray commas.
    "toneless-spin": replace(
        _BASE,
        label_set="any",
        annotation_rate=0.25,
        tone_style="none",
        repeat_rate=0.2,
        stray_comma_rate=0.0,
    ),
    # Labels in full-width parentheses on a page whose punctuation stayed full width.
    "fullwidth-parens": replace(_BASE, paren="fullwidth", ascii_punct=False),
    "tone-numbers": replace(_BASE, tone_style="numbers"),
    # A crawler's NFKC pass over a full-width page: the same ASCII result, plus … ％ ℃ folded.
    "nfkc": replace(_BASE, paren="fullwidth", ascii_punct=False, nfkc=True),
    # Conversion alone: only residue and vocabulary tell the page was converted.
    "convert-only": replace(_BASE, annotation_rate=0.0, stray_comma_rate=0.0, ascii_punct=False),
    # A small label dictionary (real_dev 002): few labelled characters, no strays.
    "sparse-labels": replace(_BASE, annotation_rate=0.05, stray_comma_rate=0.0),
}


@cache
def to_traditional(ch: str) -> str:
    """OpenCC ``s2t`` of one character alone: what a per-character converter writes."""
    return _s2t().convert(ch)


@lru_cache(maxsize=1)
def _s2t():  # -> opencc_pyo3.OpenCC, built once per process
    from opencc_pyo3 import OpenCC

    return OpenCC("s2t")


@cache
def reading(ch: str) -> str | None:
    """The character's fixed label, tone-marked: pypinyin's first reading, or None."""
    from pypinyin.pinyin_dict import pinyin_dict

    readings = pinyin_dict.get(ord(ch))
    if not readings:
        return None
    return readings.split(",")[0]


def styled(label: str, tone_style: str) -> str:
    """``huì`` as written in ``tone_style``: ``huì``, ``hui4`` or ``hui`` (ü as ``v``)."""
    if tone_style == "marks":
        return label
    tone = ""
    base = []
    for c in unicodedata.normalize("NFD", label):
        if c in _TONE_DIGIT:
            tone = _TONE_DIGIT[c]
        elif c == "\u0308":  # the diaeresis of ü: written v, as pypinyin does
            base[-1] = "v"
        elif not unicodedata.combining(c):
            base.append(c)
    text = "".join(base)
    return text + tone if tone_style == "numbers" else text


def _share(seed: int, key: str) -> float:
    """A stable draw in [0, 1) for ``key``: the same for every occurrence in one corpus."""
    digest = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def corrupt(text: str, c: Corruption, seed: int) -> str:
    """Return ``text`` corrupted as ``c`` describes; deterministic for (text, c, seed)."""
    convert_rng = random.Random(f"{seed}:convert")
    label_rng = random.Random(f"{seed}:label")
    repeat_rng = random.Random(f"{seed}:repeat")
    stray_rng = random.Random(f"{seed}:stray")
    residue = frozenset(c.residue)
    open_paren, close_paren = PARENS[c.paren]
    in_dictionary: dict[str, bool] = {}
    out: list[str] = []
    for ch in text:
        if ch in STRAY_BEFORE and c.stray_comma_rate and stray_rng.random() < c.stray_comma_rate:
            out.append(STRAY)
        if not is_han(ch):
            out.append(ASCII_FOLD.get(ch, ch) if c.ascii_punct else ch)
            continue
        written = ch
        if ch not in residue and c.trad_rate and convert_rng.random() < c.trad_rate:
            written = to_traditional(ch)
        out.append(written)
        if not c.annotation_rate:
            continue
        if c.label_set == "converted":
            if written == ch:
                continue
            labelled = in_dictionary.get(ch)
            if labelled is None:
                labelled = in_dictionary[ch] = _share(seed, ch) < c.annotation_rate
        else:
            labelled = label_rng.random() < c.annotation_rate
        if not labelled:
            continue
        label = reading(ch) or reading(written)
        if label is None:
            continue
        group = f"{open_paren}{styled(label, c.tone_style)}{close_paren}"
        out.append(group)
        if c.repeat_rate and repeat_rng.random() < c.repeat_rate:
            out.append(group)
    result = "".join(out)
    return unicodedata.normalize("NFKC", result) if c.nfkc else result
