"""MendConfig: every option of ``mend``, frozen, typed and validated."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import ConfigError

TARGETS = ("auto", "simplified", "traditional", "keep")


@dataclass(frozen=True)
class MendConfig:
    """Options of :func:`zhmend.mend`. Each fixer switch shares its fixer's name.

    Risk to clean text is stated per option; the defaults are the ones that never change
    clean simplified, genuine traditional or learner text (see docs/guarantees.md).
    """

    #: Target script. ``auto`` converts to simplified only when the document shows it was
    #: mechanically converted from simplified; ``simplified``/``traditional`` always convert
    #: (risk: rewrites genuine text of the other script); ``keep`` never converts.
    to: str = "auto"
    #: Remove zero-width characters, BOM, soft hyphens and control characters; replace lone
    #: surrogates. Risk: none for text (ZWJ inside emoji sequences is kept).
    strip_invisible: bool = True
    #: Remove emoji/symbol clusters and lone ASCII dots injected between two Han characters.
    #: Risk: low; a single ordinary emoji between Han characters is kept.
    strip_injected_junk: bool = True
    #: Repair garbled runs left by a byte-level pinyin replace on GBK text (日?qǐng)?bào) ->
    #: 日報(bào)). Risk: low; it acts only next to a ``?`` naming a label, a ``?`` followed by
    #: garbled characters or a label after a stray ASCII character, and only when the
    #: repair scores far better than the text as it stands; doubtful spans are only flagged.
    repair_byte_shift: bool = True
    #: Remove parenthesised pinyin after a Han character when it is a reading of that
    #: character. Risk: low; learner text (most characters annotated) and multi-syllable
    #: glosses are kept.
    strip_pinyin_annotations: bool = True
    #: Convert mechanically converted traditional text back (see ``to``). Switching it off
    #: is the same as ``to="keep"``.
    restore_script: bool = True
    #: ASCII , ; : ! ? ( ) to full width in Chinese context, stray injected commas removed.
    #: Risk: low; numbers, URLs and Latin runs are never touched.
    repair_punctuation: bool = True

    def __post_init__(self) -> None:
        if self.to not in TARGETS:
            raise ConfigError(f"to={self.to!r} is not allowed; choose one of {', '.join(TARGETS)}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("bool", bool) and not isinstance(value, bool):
                raise ConfigError(f"{f.name} must be True or False, not {value!r}")

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def build(cls, config: MendConfig | None = None, **options: Any) -> MendConfig:
        """``config`` with ``options`` applied; unknown option names raise ConfigError."""
        if config is not None and not isinstance(config, MendConfig):
            raise TypeError(f"config must be a MendConfig, not {type(config).__name__}")
        base = config or DEFAULT
        if not options:
            return base
        unknown = sorted(set(options) - set(cls.names()))
        if unknown:
            raise ConfigError(
                f"unknown option(s) {', '.join(unknown)}; valid options: {', '.join(cls.names())}"
            )
        return cls(**{**asdict(base), **options})

    @property
    def converts(self) -> bool:
        return self.restore_script and self.to != "keep"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def digest(self) -> str:
        """Short stable hash of the options, for run markers."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


DEFAULT = MendConfig()
