"""``zhmend.inspect``: the evidence report of one document, without mending it.

The report is the evidence of :func:`zhmend.mend_and_explain` — same counts, findings,
script decision and farm score — so filtering a corpus on it and mending it never disagree.
Clean text takes a fast path: one scan shows that no fixer would act, and only the
detectors and the script count run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from . import scan
from .config import MendConfig
from .detect import FARM_THRESHOLD, Evidence, ScriptDecision, decide_script, farm_features
from .findings import CUE_CHROME, CUE_PAREN, Finding, build_evidence, cue_table
from .mend import _check_text, mend_and_explain


@dataclass(frozen=True)
class Inspection:
    """The report of :func:`inspect`: the evidence plus the names a reader asks for."""

    evidence: Evidence

    @property
    def farm_score(self) -> float:
        return self.evidence.farm_score

    @property
    def verdict(self) -> str:
        """``farm`` when ``farm_score`` reaches :data:`~zhmend.detect.FARM_THRESHOLD`."""
        return "farm" if self.farm_score >= FARM_THRESHOLD else "clean"

    @property
    def script(self) -> str:
        """``simplified``, ``traditional``, ``mixed`` or ``none`` (no Han text)."""
        return self.evidence.script.script if self.evidence.script else "none"

    @property
    def converted_from_simplified(self) -> bool:
        return bool(self.evidence.script and self.evidence.script.converted_from_simplified)

    @property
    def script_decision(self) -> ScriptDecision | None:
        return self.evidence.script

    @property
    def counts(self) -> Mapping[str, int]:
        return self.evidence.counts

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.evidence.findings

    def to_dict(self) -> dict[str, Any]:
        decision = self.evidence.script
        return {
            "farm_score": self.farm_score,
            "verdict": self.verdict,
            "script": self.script,
            "converted_from_simplified": self.converted_from_simplified,
            "reasons": list(decision.reasons) if decision else [],
            "counts": dict(sorted(self.counts.items())),
            "features": farm_features(self.counts, decision),
            "script_decision": decision.to_dict() if decision else None,
            "findings": [f.to_dict() for f in self.findings],
        }


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """zhmend.scan's class bits in the low byte, the detectors' cue bits in the high byte."""
    table = scan.class_table().astype(np.uint16) | (cue_table().astype(np.uint16) << 8)
    table.setflags(write=False)
    return table


def _scan(text: str) -> tuple[bool, int, int, np.ndarray | None]:
    """(no fixer acts on ``text``, cue bits, simplified-only characters, class bits of each
    character), in one lookup.

    The first is ``zhmend.scan.busy`` negated, on the shared lookup.
    """
    if not text:
        return True, 0, 0, None
    codes = scan.codes_of(text)
    cls = _table()[codes]
    bits = int(np.bitwise_or.reduce(cls))
    busy = scan.busy(text, codes, cls)
    simplified = int(np.count_nonzero(cls & scan.SIMP)) if bits & scan.SIMP else 0
    cues = bits >> 8
    if not busy:
        # A parenthesis opening something label-like makes the text busy: idle text has no
        # pinyin syllable in parentheses for unverified_labels to look at.
        cues &= ~CUE_PAREN
    return not busy, cues, simplified, cls


def fixers_idle(text: str, config: MendConfig) -> bool:
    """True when no fixer would change or count anything in ``text`` under ``config``."""
    if config.converts and config.to == "traditional":
        return False
    return _scan(text)[0]


def evidence_of(text: str, config: MendConfig | None = None, **options: Any) -> Evidence:
    """``mend_and_explain(text, ...).evidence``, faster on text no fixer acts on."""
    text = _check_text(text)
    cfg = MendConfig.build(config, **options)
    if not (cfg.converts and cfg.to == "traditional"):
        idle, cues, simplified, cls = _scan(text)
        if idle:
            # No traditional-only character: the decision needs no more than this count.
            decision = decide_script(text, 0, counts=(0, simplified))
            marks = cls >> 8 if cues & CUE_CHROME and cls is not None else None
            return build_evidence(text, {}, decision, (), cues, marks)
    return mend_and_explain(text, cfg).evidence


def inspect(text: str, config: MendConfig | None = None, **options: Any) -> Inspection:
    """The evidence report of ``text``: findings with spans, counts, script, farm score.

    ``inspect(text).evidence == mend_and_explain(text).evidence`` for every ``str``;
    ``options`` are :class:`~zhmend.config.MendConfig` fields, as for ``mend``.
    """
    return Inspection(evidence_of(text, config, **options))
