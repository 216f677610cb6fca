"""The pipeline: run the fixers in order, compose their edits, collect the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import scan
from .config import MendConfig
from .detect import Evidence, ScriptDecision
from .edits import Edit, EditLog, apply_edits
from .errors import BYTES_ERROR_TEXT
from .findings import Finding, build_evidence
from .fixers import FIXERS, KEEP_CLASSES, Context
from .fixers.base import CONVERTED_BEFORE
from .fixers.byte_shift.repair import find_windows
from .fixers.pinyin import FARM_PAGE


@dataclass(frozen=True)
class Mended:
    """Result of :func:`mend_and_explain`: the text, its edits (input coordinates), evidence."""

    text: str
    edits: tuple[Edit, ...]
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "edits": [e.to_dict() for e in self.edits],
            "evidence": self.evidence.to_dict(),
        }


def _check_text(text: object) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        raise TypeError(BYTES_ERROR_TEXT)
    raise TypeError(f"zhmend mends str, not {type(text).__name__}")


def needs_work(text: str, config: MendConfig) -> bool:
    """Cheap scan: False means ``mend`` would return ``text`` unchanged."""
    return _scan(text, config) is not None


def _scan(text: str, config: MendConfig) -> scan.Looked | None:
    """:func:`scan.look` under ``config``: None when ``mend`` would return ``text``
    unchanged, else what the fixers reuse."""
    forced = config.to == "traditional" and config.converts
    auto_script = config.to == "auto" or not config.converts
    return scan.look(text, auto_script=auto_script, always=forced)


#: Passes of the pipeline over one document, at most (see :func:`_doubtful_left`).
MAX_PASSES = 3
#: The byte-shift statuses of runs left as they were.
_LEFT = ("byte_shift_uncertain", "byte_shift_unrepaired")


def _run(
    text: str, config: MendConfig, explain: bool, scanned: scan.Looked | None = None
) -> tuple[str, EditLog | None, Context]:
    ctx = Context(config, explain=explain)
    if scanned is not None:
        ctx.bits, ctx.scripts = scanned
    log = EditLog(text) if explain else None
    current = _pass(text, ctx, log)
    if current != text and (_doubtful_left(ctx) or _new_windows(text, current, config)):
        # The byte-shift search judged those runs beside characters the later fixers then
        # changed (a conversion, a stray comma before the run, a colon made full width);
        # judged again beside the mended ones, as a second mend would judge them, one may
        # be repaired, and its labels and marks mended in turn. The passes stop when one
        # changes nothing, so mend's output is mended already.
        farm = ctx.counts["pinyin_labels"] > 0
        for _ in range(MAX_PASSES - 1):
            again = Context(config, explain=explain)
            if farm:
                again.notes[FARM_PAGE] = True
            if ctx.counts["script_converted"]:
                again.notes[CONVERTED_BEFORE] = True
            updated = _pass(current, again, log)
            if updated == current:
                break
            for name, n in again.counts.items():
                if name not in _LEFT and name != "script_converted":
                    ctx.counts[name] += n
            if again.counts["script_converted"] and not ctx.counts["script_converted"]:
                # Converted once, by this pass: its decision is the document's.
                ctx.counts["script_converted"] = 1
                ctx.notes["script"] = again.notes["script"]
            for name in _LEFT:
                ctx.counts[name] = again.counts[name]  # what is left after the last pass
            current = updated
    return current, log, ctx


def _new_windows(text: str, current: str, config: MendConfig) -> bool:
    """Whether the pass made a byte-shift window that ``text`` did not hold (a label or a
    stray comma that split a run went: ``日(ri4)?qǐng)?`` -> ``日?qǐng)?``): a second mend
    would search it."""
    if not config.repair_byte_shift or "?" not in current:
        return False
    now = {current[w.start : w.end] for w in find_windows(current)}
    return bool(now) and not now <= {text[w.start : w.end] for w in find_windows(text)}


def _doubtful_left(ctx: Context) -> bool:
    """Whether the pass left byte-shift runs as they were."""
    return any(ctx.counts[name] for name in _LEFT)


def _pass(text: str, ctx: Context, log: EditLog | None) -> str:
    """The fixers in order over ``text``, their edits added to ``log``."""
    config = ctx.config
    current = text
    for name, fixer in FIXERS.items():
        edits = fixer(current, ctx)
        if not getattr(config, name):
            # A switched-off fixer still reports what it found; its edits are dropped.
            if name == "strip_pinyin_annotations":
                ctx.readings.clear()
            continue
        if edits:
            updated = apply_edits(current, edits)
            if log is not None:
                log.add_step(current, edits)
            current = updated
            if name not in KEEP_CLASSES:
                ctx.bits = ctx.scripts = None
    return current


def mend(text: str, config: MendConfig | None = None, **options: Any) -> str:
    """Return ``text`` with farm obfuscation undone; clean text comes back unchanged.

    ``options`` are :class:`MendConfig` fields (``to="keep"``, ``repair_punctuation=False``);
    unknown names raise :class:`~zhmend.errors.ConfigError`.
    """
    text = _check_text(text)
    cfg = MendConfig.build(config, **options)
    scanned = _scan(text, cfg)
    if scanned is None:
        return text
    return _run(text, cfg, explain=False, scanned=scanned)[0]


def mend_and_explain(text: str, config: MendConfig | None = None, **options: Any) -> Mended:
    """Like :func:`mend`, plus every edit (replayable on ``text``) and the evidence."""
    text = _check_text(text)
    cfg = MendConfig.build(config, **options)
    return explained(text, cfg)


def explained(
    text: str,
    config: MendConfig,
    cues: int | None = None,
    detected: list[Finding] | None = None,
    edit_findings: bool = True,
    class_scan: bool = True,
) -> Mended:
    """:func:`mend_and_explain` of checked ``text`` under a built ``config``.

    The fixers are given the class scan of ``text``: with the classes it lacks, they skip
    their searches for them; the edits and counts are those of the fixers run without it
    (``class_scan=False``; tests/test_fast_path.py holds the two to each other). ``cues``
    and ``detected`` are the detectors' cue bits and findings, when the caller has them;
    ``edit_findings=False`` leaves the edits' findings out of the evidence (see
    :func:`~zhmend.findings.build_evidence`).
    """
    scanned = scan.look(text, always=True) if class_scan else None
    out, log, ctx = _run(text, config, explain=True, scanned=scanned)
    assert log is not None
    script = ctx.notes.get("script")
    decision = script if isinstance(script, ScriptDecision) else None
    edits = tuple(log.edits())
    evidence = build_evidence(text, ctx.counts, decision, edits, cues, detected, edit_findings)
    return Mended(out, edits, evidence)
