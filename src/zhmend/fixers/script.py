"""restore_script: undo a mechanical simplified -> traditional conversion, once."""

from __future__ import annotations

from difflib import SequenceMatcher

from ..detect import decide_script
from ..edits import Edit
from ..tables import convert, form_readings, kept_in_simplified, readings, script_overrides
from .base import Context, find_all
from .pinyin import parse_label

RULE = "restore_script"


def restore_script(text: str, ctx: Context) -> list[Edit]:
    """Convert to the configured script when the evidence says so (``to="auto"``).

    Runs once per document: OpenCC is not idempotent (龔昇 -> 龚昇 -> 龚升), so the decision
    and the conversion are recorded in the context and never repeated.
    Never changes: genuine traditional text, simplified text, learner text (auto mode);
    anything at all with ``to="keep"``.
    """
    decision = decide_script(
        text, ctx.counts["pinyin_labels"], counts=ctx.scripts, detail=ctx.explain
    )
    ctx.notes["script"] = decision
    if not ctx.config.converts:
        return []  # the decision is evidence either way; converting is not asked for
    target = ctx.config.to
    if target == "auto":
        if not decision.converted_from_simplified:
            return []
        config = "t2s"
    elif target == "simplified":
        if not decision.traditional_chars:
            return []
        config = "t2s"
    else:  # traditional
        if not decision.simplified_chars:
            return []
        config = "s2t"
    converted = convert(text, config)
    if target == "auto":
        converted = _keep_original_characters(text, converted)
    if config == "t2s" and ctx.readings:
        converted = _apply_readings(text, converted, ctx.readings)
    ctx.counts["script_converted"] += 1
    if not ctx.explain:
        return [Edit(0, len(text), text, converted, RULE)] if converted != text else []
    return diff_edits(text, converted, RULE)


def _keep_original_characters(text: str, converted: str) -> str:
    """Put back the characters a mechanical converter cannot have written (乾 in 王丙乾)."""
    if len(converted) != len(text):
        return converted
    found = find_all(text, kept_in_simplified())
    if not found:
        return converted
    chars = list(converted)
    for pos in found:
        chars[pos] = text[pos]
    return "".join(chars)


def _apply_readings(text: str, converted: str, labels: dict[int, str]) -> str:
    if len(converted) != len(text):
        return converted
    overrides = script_overrides()
    table = readings()
    limited = form_readings()
    chars = None
    # Only the labelled characters with several simplified forms can change.
    for pos in find_all(text, overrides):
        label = labels.get(pos)
        if label is None:
            continue
        forms = overrides[text[pos]]
        picked = converted[pos]
        parsed = parse_label(label)
        if parsed is None:
            continue
        base, tone = parsed
        key = f"{base}{tone}" if tone and tone != "5" else None

        def fits(ch: str, base: str = base, key: str | None = key) -> bool:
            rs = limited.get(ch) or table.get(ch, frozenset())
            return key in rs if key else any(r[:-1] == base for r in rs)

        if fits(picked):
            continue
        others = [f for f in forms if f != picked and fits(f)]
        if len(others) == 1:
            if chars is None:
                chars = list(converted)
            chars[pos] = others[0]
    return "".join(chars) if chars is not None else converted


def diff_edits(before: str, after: str, rule: str) -> list[Edit]:
    """Edits turning ``before`` into ``after``: one per run of changed characters."""
    if before == after:
        return []
    if len(before) == len(after):
        return _same_length_edits(before, after, rule, 0)
    edits: list[Edit] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            edits.extend(_same_length_edits(before[i1:i2], after[j1:j2], rule, i1))
        else:
            edits.append(Edit(i1, i2, before[i1:i2], after[j1:j2], rule))
    return edits


def _same_length_edits(before: str, after: str, rule: str, offset: int) -> list[Edit]:
    edits: list[Edit] = []
    i, n = 0, len(before)
    while i < n:
        if before[i] == after[i]:
            i += 1
            continue
        j = i + 1
        while j < n and before[j] != after[j]:
            j += 1
        edits.append(Edit(offset + i, offset + j, before[i:j], after[i:j], rule))
        i = j
    return edits
