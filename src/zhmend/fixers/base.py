"""What every fixer receives: the per-document context."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..config import MendConfig


@dataclass
class Context:
    """State of one document while it is mended; never shared between documents.

    ``counts`` collects what the fixers found (the evidence builds on it); ``readings``
    maps positions in the text after ``strip_pinyin_annotations`` to the verified label
    that followed the character there, so ``restore_script`` can use it.
    """

    config: MendConfig
    #: False when only the text is wanted (:func:`zhmend.mend`): a fixer may then return
    #: one edit of the whole text instead of many fine ones (strip_pinyin_annotations,
    #: restore_script, repair_punctuation do), and skip counts that are evidence only
    #: (label styles). The text must be the same either way (tests/test_fast_path.py).
    explain: bool = True
    counts: Counter[str] = field(default_factory=Counter)
    readings: dict[int, str] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)
