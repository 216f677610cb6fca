"""Vectorised character classes: the cheap scans that keep clean text fast.

Python iterates CJK text at roughly 80 ns a character, slower than OpenCC converts it, so
per-character questions (any traditional character? ASCII punctuation next to Han?) are
answered with one numpy lookup over the code points instead.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .chars import CJK_PUNCT
from .tables import simplified_only, traditional_only

TRAD = 1
SIMP = 2
HAN = 4
JUNK = 8  # invisible characters and symbols any fixer may remove
ASCII_MARK = 16  # , ; : ! ? .
CJK_MARK = 32
PAREN = 64  # ASCII ( ) anywhere
LABEL_START = 128  # a-z and toned vowels: may open a pinyin label after （

_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_JUNK_RANGES = (
    (0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD),
    (0x200B, 0x200D), (0x2060, 0x2060), (0xFEFF, 0xFEFF), (0xD800, 0xDFFF),
    (0x2190, 0x21FF), (0x2300, 0x23FF), (0x25A0, 0x27BF), (0x2900, 0x297F),
    (0x2B00, 0x2BFF), (0xFE0F, 0xFE0F), (0x1F000, 0x1FAFF),
)
_LABEL_CHARS = "abcdefghijklmnopqrstuvwxyzüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"


@lru_cache(maxsize=1)
def class_table() -> np.ndarray:
    table = np.zeros(0x110000, dtype=np.uint8)
    for lo, hi in _HAN_RANGES:
        table[lo : hi + 1] |= HAN
    for lo, hi in _JUNK_RANGES:
        table[lo : hi + 1] |= JUNK
    for ch in traditional_only():
        table[ord(ch)] |= TRAD
    for ch in simplified_only():
        table[ord(ch)] |= SIMP
    for ch in ",;:!?.":
        table[ord(ch)] |= ASCII_MARK
    # A percent sign ends a Chinese clause as a character would (增长30.3%,5G基站).
    for ch in CJK_PUNCT + "%％":
        table[ord(ch)] |= CJK_MARK
    for ch in "()":
        table[ord(ch)] |= PAREN
    for ch in _LABEL_CHARS:
        table[ord(ch)] |= LABEL_START
    table.setflags(write=False)
    return table


def classes(text: str) -> np.ndarray:
    """Class bits of every character of ``text`` (lone surrogates included)."""
    return class_table()[codes_of(text)]


#: The code points' dtype, made once: ``np.frombuffer`` converting ``np.uint32`` to a
#: dtype on every call costs more than the rest of it on a page.
CODE = np.dtype("<u4")


def codes_of(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), CODE)


#: Characters a character-by-character converter leaves as they are (于 并 后 么 have no
#: single traditional form in its table); they do not make a page less traditional.
CONVERTER_LEFTOVERS = "于并后么里干台只"


#: What :func:`look` learns: the class bits of the text or-ed together, and its
#: (traditional-only, simplified-only) character counts.
Looked = tuple[int, tuple[int, int]]


def look(text: str, auto_script: bool = False, always: bool = False) -> Looked | None:
    """One lookup of the classes: None when no fixer can have anything to do in ``text``
    (a superset test), else what the fixers may reuse (``always``: whatever the text).

    With ``auto_script`` (``to="auto"``), a few traditional characters in text that is not
    traditional-looking (王丙乾 in simplified news) need no work either: the script
    decision cannot convert such text, and nothing else is there to fix.
    """
    cls = class_table().take(codes_of(text))  # take: faster than indexing
    bits = int(np.bitwise_or.reduce(cls)) if len(cls) else 0
    if not always:
        if not busy_given(text, bits):
            return None
        if auto_script and not busy_given(text, bits & ~TRAD):
            counts = _counts(cls)
            return (bits, counts) if traditional_looking(text, *counts) else None
    return bits, _counts(cls)


def needs_work(text: str, auto_script: bool = False) -> bool:
    """False when no fixer can have anything to do in ``text`` (see :func:`look`)."""
    return look(text, auto_script) is not None


def traditional_looking(text: str, trad: int, simp: int) -> bool:
    """The script decision's test: traditional-only characters at least twice the
    simplified-only ones, the leftovers of a per-character converter (于 并 后 …) not
    counted."""
    if trad >= 2 * simp:
        return trad > 0
    leftovers = sum(text.count(c) for c in CONVERTER_LEFTOVERS)
    return trad > 0 and trad >= 2 * (simp - leftovers)


def _counts(cls: np.ndarray) -> tuple[int, int]:
    return int(np.count_nonzero(cls & TRAD)), int(np.count_nonzero(cls & SIMP))


def han_count(text: str) -> int:
    """How many Han characters ``text`` holds."""
    return int(np.count_nonzero(classes(text) & HAN))


def count_scripts(text: str) -> tuple[int, int]:
    """(traditional-only, simplified-only) character counts."""
    return _counts(classes(text))


@lru_cache(maxsize=1)
def class_bytes() -> bytes:
    """:func:`class_table` as ``bytes``: one character's classes without a numpy scalar."""
    return class_table().tobytes()


_LABEL_OPENERS = frozenset(_LABEL_CHARS)


def busy_given(text: str, bits: int) -> bool:
    """:func:`busy`, given only the class bits of ``text`` or-ed together.

    The same answer with no further array operation: the few places it must look at
    (ASCII marks, ``（``) are found with one-character ``str.find`` calls, far cheaper than
    a regular expression or an array pass over a page, and judged one character at a time.
    Leave ``TRAD`` out of ``bits`` to ask whether anything but the script needs work.
    """
    if bits & (TRAD | JUNK | PAREN):
        return True
    if bits & ASCII_MARK:
        table = class_bytes()
        last = len(text) - 1
        chinese = HAN | CJK_MARK
        for mark in ",;:!?.":
            i = text.find(mark)
            while i != -1:
                if (i and table[ord(text[i - 1])] & chinese) or (
                    i < last and table[ord(text[i + 1])] & chinese
                ):
                    return True
                i = text.find(mark, i + 1)
    return opens_fullwidth_label(text)


def opens_fullwidth_label(text: str) -> bool:
    """Whether a ``（`` in ``text`` opens something label-like (a pinyin letter follows)."""
    i = text.find("（")
    while i != -1:
        if text[i + 1 : i + 2] in _LABEL_OPENERS:
            return True
        i = text.find("（", i + 1)
    return False
