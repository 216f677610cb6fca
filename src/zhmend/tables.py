"""Data tables and converters, loaded lazily once per process.

Everything here is read-only after loading, so results never depend on call order.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import regex

from .errors import ZhmendError


def _data(name: str) -> str:
    return resources.files("zhmend").joinpath("data").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def readings() -> dict[str, frozenset[str]]:
    """Character -> its readings as ``base+tone`` (``hui4``; neutral tone is ``5``)."""
    table: dict[str, frozenset[str]] = {}
    for line in _data("readings.tsv").splitlines():
        if not line or line.startswith("#"):
            continue
        ch, _, rest = line.partition("\t")
        table[ch] = frozenset(rest.split())
    return table


@lru_cache(maxsize=1)
def default_readings() -> dict[str, str]:
    """Character -> its default reading (``hui4`` for 會, pypinyin's first): the one label a
    farm's converter writes for it (every tone-marked label of the real farm pages is one)."""
    table: dict[str, str] = {}
    for line in _data("readings.tsv").splitlines():
        if not line or line.startswith("#"):
            continue
        ch, _, rest = line.partition("\t")
        table[ch] = rest.split(" ", 1)[0]
    return table


@lru_cache(maxsize=1)
def reading_bases() -> dict[str, frozenset[str]]:
    """Character -> toneless readings (``hui``), for labels written without tones."""
    return {ch: frozenset(r[:-1] for r in rs) for ch, rs in readings().items()}


def script_overrides() -> dict[str, tuple[str, ...]]:
    """Traditional character -> its simplified forms, where a reading can decide."""
    return _overrides()[0]


def form_readings() -> dict[str, frozenset[str]]:
    """Simplified form -> the only readings (``qian2``) it is written for, where limited."""
    return _overrides()[1]


@lru_cache(maxsize=1)
def _overrides() -> tuple[dict[str, tuple[str, ...]], dict[str, frozenset[str]]]:
    """``script_overrides.tsv`` read once: the forms of each character and their limits."""
    forms: dict[str, tuple[str, ...]] = {}
    limited: dict[str, frozenset[str]] = {}
    for line in _data("script_overrides.tsv").splitlines():
        if not line or line.startswith("#"):
            continue
        trad, listed, *limits = line.split("\t")
        forms[trad] = tuple(listed.split())
        for limit in limits:
            form, _, rs = limit.partition("=")
            limited[form] = frozenset(rs.split())
    return forms, limited


@lru_cache(maxsize=4)
def converter(config: str):  # -> opencc_pyo3.OpenCC
    try:
        from opencc_pyo3 import OpenCC
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ZhmendError("opencc-pyo3 is missing: pip install 'opencc-pyo3>=0.12,<0.13'") from exc
    return OpenCC(config)


def convert(text: str, config: str) -> str:
    """OpenCC conversion that survives lone surrogates (the binding raises on them).

    They are swapped for U+FFFD around the call and put back, so a caller that keeps
    them (strip_invisible off) still gets every other character converted.
    """
    if len(text) > CHUNK_CHARS:
        return "".join(_convert_one(chunk, config) for chunk in _chunks(text, CHUNK_CHARS))
    return _convert_one(text, config)


#: opencc-pyo3 converts longer inputs on a thread pool; waking it costs milliseconds on a
#: busy machine and spoils per-core throughput, so text goes in pieces of at most this
#: many characters, cut after a line end or a full stop (no dictionary phrase spans one).
CHUNK_CHARS = 800


def _chunks(text: str, limit: int) -> list[str]:
    out: list[str] = []
    start, n = 0, len(text)
    while n - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind("\n"), window.rfind("。"))
        end = start + cut + 1 if cut > 0 else start + limit
        out.append(text[start:end])
        start = end
    out.append(text[start:])
    return out


def _convert_one(text: str, config: str) -> str:
    try:
        return converter(config).convert(text)
    except UnicodeEncodeError:
        pass
    surrogates = {m.start(): m.group() for m in _SURROGATE.finditer(text)}
    out = converter(config).convert(_SURROGATE.sub("\ufffd", text))
    if len(out) != len(text):
        return out  # phrase conversion changed lengths: the marks stay as U+FFFD
    chars = list(out)
    for pos, ch in surrogates.items():
        chars[pos] = ch
    return "".join(chars)


_SURROGATE = regex.compile("[\ud800-\udfff]")


def _changed_by(config: str) -> frozenset[str]:
    chars = list(readings())
    # One call over newline-separated characters: no phrase can span two of them.
    converted = convert("\n".join(chars), config).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC keeps newlines
        raise ZhmendError("OpenCC changed the number of lines while building the script tables")
    return frozenset(c for c, d in zip(chars, converted) if c != d)


@lru_cache(maxsize=1)
def traditional_only() -> frozenset[str]:
    """Characters that t2s changes: written this way only in traditional text."""
    return _changed_by("t2s")


@lru_cache(maxsize=1)
def simplified_only() -> frozenset[str]:
    """Characters that s2t changes and t2s leaves: written this way only in simplified text."""
    return _changed_by("s2t") - traditional_only()


@lru_cache(maxsize=1)
def shared_forms() -> frozenset[str]:
    """Simplified-only characters that traditional text writes too (公里 皇后 台灣 若干 批准
    秘密): those the Big5 character set encodes."""
    return _encodable(simplified_only(), "big5")


@lru_cache(maxsize=1)
def written_in_simplified() -> frozenset[str]:
    """Traditional-only characters that simplified text writes too (显著 王丙乾 徵): those
    the GB 2312 character set encodes."""
    return _encodable(traditional_only(), "gb2312")


def _encodable(chars: frozenset[str], codec: str) -> frozenset[str]:
    """The characters of ``chars`` that ``codec`` encodes."""
    found = set()
    for ch in chars:
        try:
            ch.encode(codec)
        except UnicodeEncodeError:
            continue
        found.add(ch)
    return frozenset(found)


@lru_cache(maxsize=1)
def kept_in_simplified() -> frozenset[str]:
    """Characters a converted page holds only where its source did, so they stay when it
    is converted back: 乾 of 王丙乾, 昇 of 李奕昇, 沈 of 沈思遠 (OpenCC's phrases write 沉思).

    A character-by-character converter writes them for themselves only (no other
    simplified character's s2t is this one), and the simplified standard has them:
    characters of both scripts that s2t leaves as they are (but those with a second
    simplified form), and traditional-only ones in GB 2312 or listed in
    ``data/kept_in_simplified.txt``.
    """
    chars = list(readings())
    converted = convert("\n".join(chars), "s2t").split("\n")
    sources: dict[str, set[str]] = {}
    for ch, trad in zip(chars, converted):
        if len(trad) == 1:
            sources.setdefault(trad, set()).add(ch)
    listed = {
        line.strip()
        for line in _data("kept_in_simplified.txt").splitlines()
        if line.strip() and not line.startswith("#")
    }
    trad_only = traditional_only()
    # A character of both scripts with two simplified forms (藉: 借口 and 狼藉) is left to
    # OpenCC's phrases and the labels (script_overrides.tsv).
    overrides = script_overrides()
    out = set()
    for ch, trad in zip(chars, converted):
        if not sources.get(ch, set()) <= {ch}:
            continue
        if ch in trad_only:
            if ch in listed or _in_gb2312(ch):
                out.add(ch)
        elif trad == ch and ch not in overrides:
            out.add(ch)
    return frozenset(out)


@lru_cache(maxsize=1)
def kept_in_simplified_table() -> np.ndarray:
    """:func:`kept_in_simplified` as a lookup table by code point (tens of thousands of
    characters: a converted page checks hundreds of its changed ones at once)."""
    table = np.zeros(0x110000, dtype=bool)
    table[[ord(c) for c in kept_in_simplified()]] = True
    table.setflags(write=False)
    return table


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True
