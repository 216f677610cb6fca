"""restore_script: undo a mechanical simplified -> traditional conversion, once."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np

from ..detect import decide_script, to_simplified
from ..edits import Edit, make_edits
from ..scan import codes_of
from ..tables import (
    convert,
    form_readings,
    kept_in_simplified_table,
    readings,
    script_overrides,
    traditional_only,
)
from .base import CONVERTED_BEFORE, Context
from .pinyin import parse_label

RULE = "restore_script"


def restore_script(text: str, ctx: Context) -> list[Edit]:
    """Convert to the configured script when the evidence says so (``to="auto"``).

    Runs once per document: OpenCC is not idempotent (龔昇 -> 龚昇 -> 龚升), so the decision
    and the conversion are recorded in the context and never repeated.
    Never changes: genuine traditional text, simplified text, learner text (auto mode);
    anything at all with ``to="keep"``.
    """
    if ctx.notes.get(CONVERTED_BEFORE):
        return []  # converted by an earlier pass: OpenCC is not idempotent (龔昇)
    decision = decide_script(
        text,
        ctx.counts["pinyin_labels"],
        counts=ctx.scripts,
        detail=ctx.explain,
        labels_on_traditional=int(ctx.notes.get("labels_on_traditional", 0)),
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
    converted = to_simplified(text) if config == "t2s" else convert(text, config)
    steered = config == "t2s" and bool(ctx.readings)
    if target == "auto" and len(converted) == len(text):
        converted = _keep_original_characters(text, converted)
    if steered and len(converted) == len(text):
        # The few characters a reading may steer, found in one pass (著, common on farm
        # pages, only when a label may steer it).
        found = [m.start() for m in _steered_chars().finditer(text)]
        if found:
            converted = _apply_readings(text, converted, ctx.readings, found)
    if config == "t2s" and "著" in text and len(converted) == len(text):
        converted = _verb_zhe(text, converted)
    ctx.counts["script_converted"] += 1
    if not ctx.explain:
        return [Edit(0, len(text), text, converted, RULE)] if converted != text else []
    return diff_edits(text, converted, RULE)


@lru_cache(maxsize=1)
def _steered_chars() -> re.Pattern[str]:
    """The characters a reading steers (:func:`_apply_readings`): one ``re`` class scans a
    page several times faster than a ``str.find`` for each of them."""
    return re.compile(f"[{''.join(sorted(script_overrides()))}]")


#: 著 after a verb where OpenCC's longest match reads a word across the two: 顯著 "notable"
#: in 彰顯著 凸顯著 突顯著 盡顯著 ("showing", 彰显着), 著作 "a work" in 發揮著作用 起著作用
#: ("playing a role"). Matched in the converted text; 著名 著称 著作权 after such a verb are
#: the words themselves.
_VERB_ZHE = re.compile("著(?:(?<=[彰凸突尽]显著)(?!名|称|作权)|(?<=[挥起]著)(?=作用))")
# (The literal first: a pattern opening with a look-behind is tried at every position.)


def _verb_zhe(text: str, converted: str) -> str:
    """``converted`` with 着 where :data:`_VERB_ZHE` finds OpenCC's 著. (A farm's label on
    著 is its one fixed reading, whatever the word: it steers nothing here either, see
    script_overrides.tsv.)"""
    found = [m.start() for m in _VERB_ZHE.finditer(converted) if text[m.start()] == "著"]
    if not found:
        return converted
    chars = list(converted)
    for pos in found:
        chars[pos] = "着"
    return "".join(chars)


def _keep_original_characters(text: str, converted: str) -> str:
    """Put back the characters a mechanical converter cannot have written where the
    conversion changed them (乾 in 王丙乾, 沈 in 沈思遠: :func:`kept_in_simplified`), unless
    a converter by phrase writes one of both scripts there (:func:`_phrase_writes`).

    ``converted`` is as long as ``text``. The changed places are found on the code points
    at once: a converted page differs from its source at hundreds of them.
    """
    codes = codes_of(text)
    changed = np.flatnonzero(codes != codes_of(converted))
    if not changed.size:
        return converted
    kept = changed[kept_in_simplified_table()[codes[changed]]].tolist()
    if not kept:
        return converted
    chars = list(converted)
    trad = traditional_only()
    for pos in kept:
        ch = text[pos]
        # A traditional-only character simplified text also writes (薰衣草, 王丙乾) stays
        # whatever the phrases say: only the characters of both scripts are weighed.
        if ch in trad or not _phrase_writes(converted, pos, ch):
            chars[pos] = ch
    return "".join(chars)


#: Characters on each side of a kept character that a phrase converter may read with it.
_PHRASE_REACH = 3


def _phrase_writes(converted: str, pos: int, ch: str) -> bool:
    """Whether OpenCC's phrases write ``ch`` at ``pos`` when they convert ``converted``
    back, to its standard forms or Taiwan's (回复 -> 回覆, 复苏 -> 復甦, 什么 -> 甚麼): then
    a farm converting by phrase, not by character, may have written it for what
    ``converted`` holds, and the conversion stands."""
    a = max(0, pos - _PHRASE_REACH)
    window = converted[a : pos + _PHRASE_REACH + 1]
    for config in ("s2t", "s2tw"):  # OpenCC's standard forms, and Taiwan's (甚麼)
        back = convert(window, config)
        if len(back) == len(window) and back[pos - a] == ch:
            return True
    return False


def _apply_readings(text: str, converted: str, labels: dict[int, str], found: list[int]) -> str:
    """Pick the simplified form a label's reading asks for (乾(qián) -> 乾, 乾(gān) -> 干).

    ``found``: positions in ``text`` that include those of the characters of
    :func:`script_overrides`; ``converted`` is as long as ``text``.
    """
    chars = None
    # Only the labelled characters with several simplified forms can change.
    for pos in found:
        label = labels.get(pos)
        if label is None:
            continue
        form = _steered_form(text[pos], converted[pos], label)
        if form is not None:
            if chars is None:
                chars = list(converted)
            chars[pos] = form
    return "".join(chars) if chars is not None else converted


@lru_cache(maxsize=4096)
def _steered_form(ch: str, picked: str, label: str) -> str | None:
    """The simplified form of ``ch`` that ``label`` asks for when the converter ``picked``
    one that does not fit it; None to keep ``picked``. A page repeats the same few."""
    forms = script_overrides().get(ch)
    if forms is None:
        return None
    parsed = parse_label(label)
    if parsed is None:
        return None
    base, tone = parsed
    key = f"{base}{tone}" if tone and tone != "5" else None
    table = readings()
    limited = form_readings()

    def fits(form: str) -> bool:
        rs = limited.get(form) or table.get(form, frozenset())
        return key in rs if key else any(r[:-1] == base for r in rs)

    if fits(picked):
        return None
    others = [f for f in forms if f != picked and fits(f)]
    return others[0] if len(others) == 1 else None


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
    """One edit per run of changed characters of two texts of one length. The runs are
    found on the code points in one vectorised comparison: a converted page differs from
    its source at a few hundred places, a Python step per character would cost more than
    the conversion."""
    changed = codes_of(before) != codes_of(after)
    if not changed.any():
        return []
    # +1 where a run starts, -1 just past its end.
    steps = np.diff(changed.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    bounds = np.flatnonzero(steps).tolist()
    return make_edits(
        [
            (offset + i, offset + j, before[i:j], after[i:j], rule)
            for i, j in zip(bounds[0::2], bounds[1::2])
        ]
    )
