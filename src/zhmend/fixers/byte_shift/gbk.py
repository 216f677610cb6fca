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


@lru_cache(maxsize=65536)
def label_trails(lead: int, reading: str) -> tuple[int, ...]:
    """Trail bytes ``t`` such that GBK ``lead t`` is a character read ``reading``."""
    from ..pinyin import is_reading

    found = []
    for trail in TRAILS:
        ch = decode_pair(lead, trail)
        if ch is not None and is_reading(ch, reading):
            found.append(trail)
    return tuple(found)
