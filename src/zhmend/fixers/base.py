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
    that followed the character there, so ``restore_script`` can use it; on the text-only
    path (``explain`` false) only for the characters whose simplified form a reading
    chooses (``tables.script_overrides``), the only labels it looks up.
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
    #: The class bits (``scan.class_table``) of the input's characters or-ed together, from
    #: the scan that ``mend`` makes anyway; None when unknown. Kept while only fixers of
    #: KEEP_CLASSES have changed the text: they only remove characters (or replace a lone
    #: surrogate with U+FFFD, which has no class), so a class absent here is absent from
    #: the current text.
    bits: int | None = None
    #: (traditional-only, simplified-only) character counts of the current text, from the
    #: same scan, kept on the same terms: the characters those fixers remove are neither.
    scripts: tuple[int, int] | None = None


#: A note set for the passes after the one that converted the script (see zhmend.mend):
#: the page is converted once; what a later pass repairs is converted as it is written.
CONVERTED_BEFORE = "converted_before"

#: Fixers whose edits only remove characters that are not Han (invisible characters,
#: labels, injected symbols and dots): ``Context.bits`` and ``Context.scripts`` stay true.
KEEP_CLASSES = frozenset({"strip_invisible", "strip_pinyin_annotations", "strip_injected_junk"})
