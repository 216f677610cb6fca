"""``zhmend.inspect``: the evidence report of one document, without mending it.

The report is the evidence of :func:`zhmend.mend_and_explain` — same counts, findings,
script decision and farm score — so filtering a corpus on it and mending it never disagree.
Clean text takes a fast path: one scan shows that no fixer would act (or only the script
fixer, which decides not to), and only the detectors and the script decision run.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from . import scan
from .config import MendConfig
from .detect import FARM_THRESHOLD, Evidence, ScriptDecision, decide_script, farm_features
from .findings import CUE_PAREN, Finding, build_evidence, cue_table, detect
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
    """zhmend.scan's class bits in the low byte, the detectors' cue bits above them."""
    table = scan.class_table().astype(np.uint32) | (cue_table() << 8)
    table.setflags(write=False)
    return table


class _Scan(NamedTuple):
    """What one lookup over the code points of a text tells."""

    #: No fixer acts on the text or counts anything in it.
    idle: bool
    #: Only the script fixer may act: the text holds traditional-only characters and
    #: nothing else a fixer looks at.
    script_only: bool
    #: The detectors' cue bits, or-ed (see zhmend.findings.cue_bits).
    cues: int
    #: Traditional-only and simplified-only characters, when ``idle`` or ``script_only``.
    counts: tuple[int, int]


_NOTHING = _Scan(True, False, 0, (0, 0))


def _scan(text: str) -> _Scan:
    """The fast path's questions about ``text``, answered in one lookup of its code points.

    ``idle`` is ``zhmend.scan.busy`` negated, on the shared lookup.
    """
    if not text:
        return _NOTHING
    cls = _table().take(scan.codes_of(text))
    bits = int(np.bitwise_or.reduce(cls))
    if scan.busy_given(text, bits & ~scan.TRAD):
        return _Scan(False, False, bits >> 8, (0, 0))
    trad = int(np.count_nonzero(cls & scan.TRAD)) if bits & scan.TRAD else 0
    simp = int(np.count_nonzero(cls & scan.SIMP)) if bits & scan.SIMP else 0
    # A parenthesis opening something label-like makes the text busy: text no fixer acts
    # on has no pinyin syllable in parentheses for unverified_labels to look at.
    cues = (bits >> 8) & ~CUE_PAREN
    return _Scan(not trad, bool(trad), cues, (trad, simp))


def fixers_idle(text: str, config: MendConfig) -> bool:
    """True when no fixer would change or count anything in ``text`` under ``config``."""
    if config.converts and config.to == "traditional":
        return False
    return _scan(text).idle


class _Shared(dict):
    """A mapping shared by the reports of many documents: it reads as any dict, refuses
    writes (one report must not change another) and pickles as a plain dict."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("zhmend: this mapping is shared between reports; copy it with dict()")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type, tuple[dict[Any, Any]]]:
        return dict, (dict(self),)


def _shared(obj: Any) -> Any:
    """A copy of ``obj``, a frozen dataclass, with its dict fields made :class:`_Shared`."""
    new = copy.copy(obj)
    for f in fields(obj):
        value = getattr(obj, f.name)
        if type(value) is dict:
            object.__setattr__(new, f.name, _Shared(value))  # as a frozen __init__ does
    return new


@lru_cache(maxsize=4096)
def _simplified(count: int) -> ScriptDecision:
    """The script decision of text with ``count`` simplified-only characters and no
    traditional-only one, made once per count.

    Nothing but the counts weighs in such a decision (tests/test_inspect_fast.py holds
    decide_script to that).
    """
    return _shared(decide_script("", 0, counts=(0, count)))


@lru_cache(maxsize=4096)
def _nothing_found(count: int) -> Evidence:
    """The evidence of text no fixer acts on, where no detector finds anything, with
    ``count`` simplified-only characters and no traditional-only one."""
    return _shared(build_evidence("", {}, _simplified(count), (), 0))


def evidence_of(text: str, config: MendConfig | None = None, **options: Any) -> Evidence:
    """``mend_and_explain(text, ...).evidence``, faster on text no fixer acts on.

    Two fast paths, both without running the fixers: text no fixer acts on, and text only
    the script fixer looks at (traditional characters, nothing else to mend) when its
    decision is not to convert. Clean simplified text, the common case, mostly ends in a
    report shared with every other such text of its length in simplified characters.
    """
    text = _check_text(text)
    cfg = MendConfig.build(config, **options)
    if cfg.converts and cfg.to == "traditional":
        return mend_and_explain(text, cfg).evidence
    found = _scan(text)
    if found.idle:
        simp = found.counts[1]  # and no traditional-only character
        if not simp:
            return build_evidence(text, {}, decide_script(text, 0, found.counts), (),
                                  found.cues)
        detected = detect(text, found.cues) if found.cues else []
        if not detected:
            return _nothing_found(simp)
        return build_evidence(text, {}, _simplified(simp), (), detected=detected)
    if found.script_only and cfg.to != "simplified":
        decision = decide_script(text, 0, counts=found.counts)
        if not (cfg.converts and decision.converted_from_simplified):
            return build_evidence(text, {}, decision, (), found.cues)
    return mend_and_explain(text, cfg).evidence


def inspect(text: str, config: MendConfig | None = None, **options: Any) -> Inspection:
    """The evidence report of ``text``: findings with spans, counts, script, farm score.

    ``inspect(text).evidence == mend_and_explain(text).evidence`` for every ``str``;
    ``options`` are :class:`~zhmend.config.MendConfig` fields, as for ``mend``.
    """
    return Inspection(evidence_of(text, config, **options))
