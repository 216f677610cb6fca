"""GBK bytes as the repair needs them: encoding with NFKC folds undone, strict decoding,
and the characters a pinyin label can name at a given byte position."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

LEADS = range(0x81, 0xFF)
TRAILS = tuple(t for t in range(0x40, 0xFF) if t != 0x7F)


def user_defined(lead: int, trail: int) -> bool:
    """GBK's user-defined area (AAA1-AFFE, F8A1-FEFE, A140-A7A0): decoders show nothing."""
    if 0xAA <= lead <= 0xAF or 0xF8 <= lead <= 0xFE:
        return trail >= 0xA1
    return 0xA1 <= lead <= 0xA7 and trail <= 0xA0


@lru_cache(maxsize=1)
def pair_table() -> dict[int, str]:
    """``lead << 8 | trail`` -> character, for every double-byte GBK code outside the
    user-defined area."""
    table = {}
    for lead in LEADS:
        for trail in TRAILS:
            if user_defined(lead, trail):
                continue
            try:
                ch = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            table[lead << 8 | trail] = ch
    return table


@lru_cache(maxsize=1)
def _unfolds() -> dict[str, tuple[bytes, ...]]:
    """Text of an NFKC-folded page -> the GBK codes that fold to it (Ａ->A, ！->!, ⒙->18.)."""
    out: dict[str, list[bytes]] = {}
    for code, ch in pair_table().items():
        folded = unicodedata.normalize("NFKC", ch)
        if folded != ch and folded.isprintable():
            out.setdefault(folded, []).append(bytes((code >> 8, code & 0xFF)))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def folds() -> frozenset[str]:
    """Folds longer than one character: a window may hold one where it shows several."""
    return frozenset(k for k in _unfolds() if 1 < len(k) <= 4)


@lru_cache(maxsize=8192)
def encodings(ch: str) -> tuple[bytes, ...]:
    """The byte strings ``ch`` may have had before decoding (and an NFKC fold); () if none."""
    if ch == "€":  # a lone 0x80 in lead position (cp936's euro sign)
        return (b"\x80",)
    try:
        own: tuple[bytes, ...] = (ch.encode("gbk"),)
        if len(ch) > 1 and not ch.isascii():
            own = ()
    except UnicodeEncodeError:
        own = ()
    return own + tuple(b for b in _unfolds().get(ch, ()) if b not in own)


def decode_pair(lead: int, trail: int) -> str | None:
    return pair_table().get(lead << 8 | trail)


def label_trails(lead: int, reading: str) -> tuple[int, ...]:
    """Trail bytes ``t`` such that GBK ``lead t`` is a character read ``reading``, in order."""
    return _trails_read(reading).get(lead, ())


@lru_cache(maxsize=16384)
def _trails_read(reading: str) -> dict[int, tuple[int, ...]]:
    """Lead byte -> the trail bytes with which it makes a character read ``reading`` (as
    :func:`zhmend.fixers.pinyin.is_reading` reads a label): the characters come from the
    reading table, rather than every pair of a lead byte being decoded and checked."""
    from ..pinyin import parse_label

    parsed = parse_label(reading)
    if parsed is None:
        return {}
    base, tone = parsed
    chars = (
        _read_as()[0].get(base, ())
        if tone is None or tone == "5"
        else _read_as()[1].get(f"{base}{tone}", ())
    )
    codes = _codes()
    found: dict[int, list[int]] = {}
    for ch in chars:
        for code in codes.get(ch, ()):
            found.setdefault(code >> 8, []).append(code & 0xFF)
    return {lead: tuple(sorted(trails)) for lead, trails in found.items()}


@lru_cache(maxsize=1)
def _read_as() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(toneless reading -> its characters, toned reading -> its characters)."""
    from ...tables import reading_bases, readings

    by_base: dict[str, set[str]] = {}
    by_reading: dict[str, set[str]] = {}
    for ch, bases in reading_bases().items():
        for b in bases:
            by_base.setdefault(b, set()).add(ch)
    for ch, rs in readings().items():
        for r in rs:
            by_reading.setdefault(r, set()).add(ch)
    return (
        {k: frozenset(v) for k, v in by_base.items()},
        {k: frozenset(v) for k, v in by_reading.items()},
    )


@lru_cache(maxsize=1)
def _codes() -> dict[str, tuple[int, ...]]:
    """Character -> its double-byte GBK codes outside the user-defined area."""
    out: dict[str, list[int]] = {}
    for code, ch in pair_table().items():
        out.setdefault(ch, []).append(code)
    return {ch: tuple(codes) for ch, codes in out.items()}
