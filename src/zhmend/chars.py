"""Character classes shared by the fixers and the evidence."""

from __future__ import annotations

# Han ideographs: URO, Ext A, compatibility ideographs, and the supplementary planes.
HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_CLASS = f"[{HAN_RANGES}]"

#: Full-width punctuation that marks Chinese context (GB/T 15834 marks and brackets).
CJK_PUNCT = "，。、；：！？“”‘’（）《》〈〉「」『』【】〔〕—…·～"


def is_han(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3134F
    )


def is_chinese(ch: str) -> bool:
    """Han or full-width Chinese punctuation: what makes a neighbour 'Chinese context'."""
    return is_han(ch) or ch in CJK_PUNCT
