"""repair_punctuation: ASCII , ; : ! ? ( ) back to full width in Chinese context."""

from __future__ import annotations

import regex

from ..chars import HAN_CLASS, is_chinese, is_han
from ..edits import Edit, EditLog, apply_edits
from .base import Context

RULE = "repair_punctuation"

FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
# A comma right before one of these was injected: the mark after it is the real one.
_MARKS_AFTER_STRAY = set(",，。、;；:：!！?？")
#: Rounds of the fixpoint; a chain of marks longer than this may need a second mend.
MAX_ROUNDS = 64
_CANDIDATE = regex.compile(r"[,;:!?()]|(?<!\.)(?:\.{6}|\.{3})(?!\.)")
_PARENS = regex.compile(r"[()\n]")
_HAN = regex.compile(HAN_CLASS)
_FULL_WIDTH_RE = regex.compile("[，；：！？（）]")


def _alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def repair_punctuation(text: str, ctx: Context) -> list[Edit]:
    """Turn ASCII punctuation in Chinese context into full width (GB/T 15834).

    Chinese context: the mark follows a Han character or full-width mark, or (for , ; :)
    precedes a Han character while not following a letter or digit. A comma directly
    before another mark is a stray and is removed. Parentheses change in pairs. A page is
    repaired only when its punctuation was folded (see :func:`_should_repair`).

    A mark's context can be another ASCII mark that only this fixer makes Chinese
    (``;,會``, ``,,(a)(b)，``), so rounds repeat until nothing changes: that makes the
    fixer idempotent. Each round is one linear scan and real pages settle in two; the
    cap (:data:`MAX_ROUNDS`) keeps a pathological chain of marks linear too. The rounds'
    edits are composed into edits on ``text``.
    Never changes: marks between digits (3,000 12:30), marks inside Latin runs, URLs or
    e-mail, ``?``/``!`` followed by a letter, a ``?`` between two Han characters on a page
    without farm evidence, and full-width marks (never to ASCII).
    """
    farm = _farm_evidence(ctx)
    first = _one_round(text, farm)
    if not first:
        return first
    strays = sum(1 for e in first if not e.after)
    if not strays and not farm and not _folded(text, first):
        ctx.counts["ascii_punct_kept"] += len(first)
        return []
    _count(first, ctx)
    current = apply_edits(text, first)
    edits = _one_round(current, farm)
    if not edits:
        return first
    log = EditLog(text)
    log.add_step(text, first)
    for _ in range(MAX_ROUNDS - 2):
        _count(edits, ctx)
        log.add_step(current, edits)
        current = apply_edits(current, edits)
        edits = _one_round(current, farm)
        if not edits:
            break
    return [Edit(e.start, e.end, e.before, e.after, RULE) for e in log.edits()]


def _count(edits: list[Edit], ctx: Context) -> None:
    strays = sum(1 for e in edits if not e.after)
    if strays:
        ctx.counts["stray_commas"] += strays
    if len(edits) > strays:
        ctx.counts["ascii_punct"] += len(edits) - strays


def _one_round(text: str, farm: bool) -> list[Edit]:
    """One pass over the ASCII marks of ``text``: conversions and stray-comma removals."""
    if not _CANDIDATE.search(text):
        return []
    n = len(text)
    parens = _paired_parens(text, latin_inside=farm)
    chinese_at: set[int] = set()  # ASCII marks already judged to be Chinese punctuation
    edits: list[Edit] = []

    def prev_is_chinese(i: int) -> bool:
        return i > 0 and (is_chinese(text[i - 1]) or (i - 1) in chinese_at)

    for m in _CANDIDATE.finditer(text):
        i = m.start()
        c = m.group()
        if c[0] == ".":
            # An NFKC pass turns … into "...": back in Chinese context on a farm page.
            if farm and (prev_is_chinese(i) or (m.end() < n and is_chinese(text[m.end()]))):
                edits.append(Edit(i, m.end(), c, "…" * (len(c) // 3), RULE))
                chinese_at.update(range(i, m.end()))
            continue
        if c in "()":
            if i in parens:
                edits.append(Edit(i, i + 1, c, FULL_WIDTH[c], RULE))
                chinese_at.add(i)
            continue
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < n else ""
        if _alnum(prev) and _alnum(nxt):
            continue
        # "增长30.3%,5G基站": a percentage ends a Chinese clause as a character would.
        chinese_before = prev_is_chinese(i) or (c == "," and prev != "" and prev in "%％")
        if c == "," and nxt in _MARKS_AFTER_STRAY and (
            chinese_before or _run_ends_chinese(text, i)
        ):
            edits.append(Edit(i, i + 1, c, "", RULE))
            chinese_at.add(i)
            continue
        chinese_after = nxt != "" and is_chinese(nxt)
        if c == ",":  # "WTO,中国": a comma before Chinese text is a Chinese comma
            ok = chinese_before or chinese_after
        elif c in ";:":  # but "ID:中" or "x;中" may be code or an identifier
            ok = chinese_before or (chinese_after and not _alnum(prev))
        else:  # ! ?  -- "?nèi)" is a byte-shift label; "那?社會" may hide a lost character
            ok = chinese_before and not (nxt.isascii() and nxt.isalpha())
            if ok and c == "?" and nxt and is_han(nxt):
                ok = farm
        if ok:
            edits.append(Edit(i, i + 1, c, FULL_WIDTH[c], RULE))
            chinese_at.add(i)
    return edits


def _folded(text: str, edits: list[Edit]) -> bool:
    """Whether the page's punctuation was folded to ASCII, not a clean page's odd slip.

    A folded page has (almost) no full-width , ; : ! ? ( ) left; a clean page that
    slipped an ASCII comma has dozens.
    """
    return len(edits) >= len(_FULL_WIDTH_RE.findall(text))


def _run_ends_chinese(text: str, i: int) -> bool:
    """Whether the run of ASCII marks starting at ``i`` ends at a Chinese character or mark."""
    j = i
    while j < len(text) and text[j] in ",;:!?":
        j += 1
    return j < len(text) and is_chinese(text[j])


def _farm_evidence(ctx: Context) -> bool:
    return bool(ctx.counts["pinyin_labels"] or ctx.counts["script_converted"])


def _paired_parens(text: str, latin_inside: bool) -> set[int]:
    """Positions of ASCII parentheses that pair up within a line and sit in Chinese text.

    A pair holding no Han character (a kept gloss ``圳(zhèn)``, an id) changes only on a
    page with farm evidence, where every full-width mark was folded to ASCII.
    """
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    for m in _PARENS.finditer(text):
        c, i = m.group(), m.start()
        if c == "\n":
            stack.clear()
        elif c == "(":
            stack.append(i)
        elif stack:
            pairs.append((stack.pop(), i))
    out: set[int] = set()
    n = len(text)
    for o, c in pairs:
        prev = text[o - 1] if o else ""
        nxt = text[c + 1] if c + 1 < n else ""
        if _alnum(prev) and _alnum(nxt):
            continue  # 1674-8883(2021)15-0224-03
        if _HAN.search(text, o, c) or (
            latin_inside and ((prev and is_chinese(prev)) or (nxt and is_chinese(nxt)))
        ):
            out.add(o)
            out.add(c)
    return out
