"""The fixers, in the order they run. Each is ``(text, ctx) -> list[Edit]``.

Order matters: invisible characters go first (they hide patterns and crash OpenCC);
byte-shift runs are repaired while their labels still show where bytes went; annotations
come off before junk (``市(shì).委`` shows its lone dot only then), before the script is
restored (their readings steer it) and before punctuation (so ``會(huì),,`` is seen as
``會,,``).
"""

from __future__ import annotations

from collections.abc import Callable

from ..edits import Edit
from .base import KEEP_CLASSES, Context
from .byte_shift import repair_byte_shift
from .invisible import strip_invisible
from .junk import strip_injected_junk
from .pinyin import strip_pinyin_annotations
from .punctuation import repair_punctuation
from .script import restore_script

Fixer = Callable[[str, Context], list[Edit]]

FIXERS: dict[str, Fixer] = {
    "strip_invisible": strip_invisible,
    "repair_byte_shift": repair_byte_shift,
    "strip_pinyin_annotations": strip_pinyin_annotations,
    "strip_injected_junk": strip_injected_junk,
    "restore_script": restore_script,
    "repair_punctuation": repair_punctuation,
}

__all__ = ["FIXERS", "KEEP_CLASSES", "Context", "Fixer"]
