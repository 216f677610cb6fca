"""repair_punctuation: ASCII , ; : ! ? ( ) back to full width in Chinese context."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from ..chars import (
    CJK_PUNCT,
    HAN_CLASS,
    HAN_RANGES,
    PINYIN_SYLLABLE,
    ends_question,
    is_han,
    japanese_or_korean,
)
from ..detect import injected_strays
from ..edits import Edit, EditLog, apply_edits
from ..scan import HAN, class_table, codes_of
from . import verbatim
from .base import Context

RULE = "repair_punctuation"

FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
#: Every mark this fixer writes for ASCII ones: the full-width marks, … for an NFKC "...",
#: and on farm pages “” and —— for folded quotes and dashes.
MENDED_MARKS = "".join(FULL_WIDTH.values()) + "…“”—"
# A comma right before one of these was injected: the mark after it is the real one.
_MARKS_AFTER_STRAY = set(",，。、;；:：!！?？")
# A farm injects one comma before a mark (",," once its "，" is folded); three commas or
# more are a person's pause (好吧,,,), none of them a stray.
_COMMA_RUN = re.compile("[,，]{3,}")


# A comma before a mark other than a comma: the farm's stray (,、 ,。 ,;), never a person's.
_OTHER_STRAY = re.compile(f",[{re.escape(''.join(sorted(_MARKS_AFTER_STRAY - set(',，'))))}]")


def has_comma_run(text: str) -> bool:
    """Whether ``text`` holds a run of three commas or more with an ASCII one (_COMMA_RUN;
    a run of full-width commas alone holds no comma to judge). Such a run holds ``,,,`` or
    a mixed pair ``,，`` ``，,``: ``in`` finds those far faster than the pattern scans a
    farm page, which has neither (and, its punctuation folded, often no ``，`` at all)."""
    if ",,," in text:
        return True
    if "，" not in text or (",，" not in text and "，," not in text):
        return False
    return _COMMA_RUN.search(text) is not None


#: A mark alone between quotes is named, not used (请把“,”改为“，”): it stays as typed.
_QUOTED_MARK = re.compile("[“‘「『\"'][,;:!?()][”’」』\"']")


def _names_a_mark(text: str, farm: bool) -> bool:
    """Whether ``text`` names a mark between quotes (:data:`_QUOTED_MARK`), on a page
    without farm evidence: a farm page is news, not a lesson on punctuation, and is not
    searched for it."""
    return not farm and _QUOTED_MARK.search(text) is not None


def _typed_as_ascii(text: str, farm: bool) -> bool:
    """Whether ``text`` holds marks a person typed as ASCII on purpose, which the blanket
    substitutions of :func:`_text_round` would change: a mark named between quotes, a
    comma and a space (no farm's or crawler's folding leaves one)."""
    return not farm and (", " in text or _QUOTED_MARK.search(text) is not None)


def _quoted(text: str, i: int) -> bool:
    """Whether the mark at ``i`` stands alone between quotes (:data:`_QUOTED_MARK`)."""
    return 0 < i and _QUOTED_MARK.match(text, i - 1) is not None


def _doubled_by_a_person(text: str, farm: bool) -> bool:
    """Whether the ``,,`` of ``text`` are a person's doubled commas (好吃,,推薦), not strays
    before a folded ``，``: the page shows no farm evidence and no other kind of stray."""
    return not farm and ",," in text and _OTHER_STRAY.search(text) is None


def in_comma_run(text: str, i: int, least: int = 3) -> bool:
    """Whether the comma at ``i`` is one of a run of ``least`` or more (see _COMMA_RUN)."""
    # Only ``least`` commas on either side matter: a run of thousands is not rescanned for
    # each of its commas.
    lo = i
    while lo and i - lo < least and text[lo - 1] in ",，":
        lo -= 1
    hi = i + 1
    while hi < len(text) and hi - i < least and text[hi] in ",，":
        hi += 1
    return hi - lo >= least
#: Rounds of the fixpoint; a chain of marks longer than this may need a second mend.
MAX_ROUNDS = 64
# "..." or "......" left by an NFKC pass over … and ……, no dot before or after. Opens
# with the dot (the look-behind checks the character before it), so that ``re`` skips to
# the marks of the patterns below.
_DOTS = r"\.(?<!\.\.)(?:\.{5}|\.{2})(?!\.)"
_CANDIDATE = re.compile(f"[,;:!?()]|{_DOTS}")
_PARENS_OR_LINE_END = re.compile("[()\n]")
#: A pinyin syllable half in full-width brackets: the ASCII bracket that would complete it
#: as a label (strip_pinyin_annotations reads only labels of one width) stays.
_HALF_LABEL_BEFORE = re.compile(f"（{PINYIN_SYLLABLE}$")
_HALF_LABEL_AFTER = re.compile(f"\\({PINYIN_SYLLABLE}）")
#: Longest ASCII pair made full width, in characters: a bracket of Chinese text closes
#: within a few sentences.
MAX_PAIR = 1000
_HAN = re.compile(HAN_CLASS)
_FULL_WIDTH_RE = re.compile("[，；：！？（）]")
# What _chinese_flags marks: Han characters and full-width Chinese punctuation.
_CHINESE = f"[{HAN_RANGES}{CJK_PUNCT}]"
# The common case: , ; : right after a Chinese character, and a comma after such a comma
# (the farm's ",," where a stray met a folded "，"); both are Chinese punctuation whatever
# else the round finds. The candidates other than those, in a page without "...": one
# character class first, so ``re`` skips to the marks.
_UNCOMMON_MARK = f"[,;:!?()](?<!{_CHINESE}[,;:])(?<!{_CHINESE},,)"
_UNCOMMON = re.compile(_UNCOMMON_MARK)
_UNCOMMON_DOTS = re.compile(f"{_UNCOMMON_MARK}|{_DOTS}")
# Whether a round can have anything to do, with "..." looked for apart: ``re`` skips to
# the characters of one class.
_ANY_MARK = re.compile("[,;:!?()]")
_BEFORE_STRAY = f"(?=[{''.join(sorted(_MARKS_AFTER_STRAY))}])"
# What follows the : or ; of an emoticon, :) :-) ;) :-( or :( with no ) after it on its
# line ("如下:(1)" is a colon before an item), or :D :P :O ending a clause ("比分:D组" is a
# colon before a group's name).
_EMOTICON_REST = r"-?\)|-\(|\((?![^()\n]*\))|-?[DPpOo](?![^\s!?,.~。！？，、…])"
_EMOTICON = re.compile(f"[:;](?:{_EMOTICON_REST})")
# The common case on the text only, in C: a comma before another mark is a stray, the
# other marks become full width. Each opens with its mark, a literal the matcher skips to;
# the second comma of ",," first, while the first still shows where it stands.
# A comma before another mark: a stray, whatever its context.
_STRAY_COMMA = re.compile(f",{_BEFORE_STRAY}")
_COMMON = (
    (re.compile(f",(?<={_CHINESE},,){_BEFORE_STRAY}"), ""),
    (re.compile(f",(?<={_CHINESE},,)"), "，"),
    (re.compile(f",(?<={_CHINESE},){_BEFORE_STRAY}"), ""),
    (re.compile(f",(?<={_CHINESE},)"), "，"),
    (re.compile(f";(?<={_CHINESE};)(?!{_EMOTICON_REST})"), "；"),
    (re.compile(f":(?<={_CHINESE}:)(?!{_EMOTICON_REST})"), "："),
)


def repair_punctuation(text: str, ctx: Context) -> list[Edit]:
    """Turn ASCII punctuation in Chinese context into full width (GB/T 15834), and on a
    page with farm evidence the quotes and dashes a farm folded (``"信托财产"`` ``想法--以``:
    :func:`_quotes_and_dashes`).

    See :func:`_marks` for the marks; what it never changes, this never changes either.
    On a page without farm evidence, code and comma-separated rows (:mod:`.verbatim`) are
    left as typed.
    """
    farm = _farm_evidence(ctx)
    if not farm and any(c in text for c in _VERBATIM_SIGNS):
        hidden = verbatim.masked(text)
        # A page with a farm's stray commas (,、 ,。) outside them holds no one's code or
        # table either.
        if hidden is not None and not injected_strays(hidden):
            return verbatim.unmasked(text, hidden, _repair(hidden, ctx, farm))
    return _repair(text, ctx, farm)


#: Characters without which a text has no verbatim span (:func:`verbatim.spans`).
_VERBATIM_SIGNS = "`\"',["


def _repair(text: str, ctx: Context, farm: bool) -> list[Edit]:
    """:func:`repair_punctuation` of ``text`` (masked or not)."""
    if not farm or ('"' not in text and "--" not in text):
        return _marks(text, ctx, farm)
    # Quotes and dashes first, so that a mark beside a restored quote is judged beside a
    # Chinese one ("加油"! -> “加油”！), then the marks, then the two in turn while they
    # change something: a Latin quote may stand beside a comma only the marks made Chinese
    # ("Apple","Huawei"三家), and a quote restored then makes the marks inside it Chinese
    # (",," between quotes). Each step alone is idempotent, so a step that changes nothing
    # leaves nothing for the next; real pages stop after the third.
    steps: list[tuple[str, list[Edit]]] = []
    current = text
    for n in range(MAX_QUOTE_STEPS):
        if n % 2:
            edits = _marks(current, ctx, farm)
        else:
            folded = _quotes_and_dashes(current)
            if folded and ctx.explain:
                ctx.counts["ascii_punct"] += len(folded)
            edits = _edits(current, folded)
        if edits:
            steps.append((current, edits))
            current = apply_edits(current, edits)
        elif n:
            break
    if not steps:
        return []
    if not ctx.explain:
        return [Edit(0, len(text), text, current, RULE)]
    log = EditLog(text)
    for before, edits in steps:
        log.add_step(before, edits)
    return [Edit(e.start, e.end, e.before, e.after, RULE) for e in log.edits()]


#: A cap on the alternating quote and mark steps: each step turns ASCII into full width
#: only, so the steps settle; the cap keeps a pathological chain linear.
MAX_QUOTE_STEPS = 8
#: ASCII double quotes in pairs along a line: the first with the second, and so on.
_PAIRED = re.compile('"([^"\n]*)"')
#: Two hyphens alone (not a rule of dashes, not ---).
_DOUBLE_HYPHEN = re.compile("(?<!-)--(?!-)")
_HAN_RE = re.compile(HAN_CLASS)
#: What may stand on the other side of a folded dash from Chinese: a line end or a quote
#: after it, a quote before it (not a line start: a SQL comment, --查询), or a Chinese
#: mark, a digit, a capital, a percent sign (AI--人工智能, 2020--): not a lowercase word
#: (--force, i--).
_DASH_ENDS = ("", "\n", '"')
_DASH_OTHER = re.compile(f"[0-9A-Z%{CJK_PUNCT}]|{HAN_CLASS}")
#: Beside an ASCII " that is no quote: after a digit (6.1" inches, 27" of arc), a letter,
#: an opening bracket or = (code: print("你好"), =IF(…,"及格")), before : or a closing
#: bracket (JSON, code).
_NOT_QUOTE_BEFORE = re.compile("[0-9A-Za-z([{=:]")
_NOT_QUOTE_AFTER = frozenset(":)]}")


def _chinese(ch: str) -> bool:
    return bool(ch) and (is_han(ch) or ch in CJK_PUNCT)


def _quotes_and_dashes(text: str) -> list[Change]:
    """The quotes and dashes a farm folded to ASCII, on a page with farm evidence (a person
    may write ASCII quotes on purpose: code, data, English):

    - on a line with an even number of ``"``, each pair (the first with the second, ...)
      that holds Han text or stands beside Chinese: ``"信托财产"`` ``"5G"和"AI"`` ->
      ``“信托财产”`` ``“5G”和“AI”``;
    - ``--`` with Chinese on one side and Chinese, a digit, a letter or a line end on the
      other, but not between two digits (``2019--2023`` is a range): ``想法--以``,
      ``AI--人工智能``, ``》--2020年`` -> ``——``.
    """
    changes: list[Change] = []
    if '"' in text:
        start = 0
        for line in text.split("\n"):
            if line.count('"') % 2 == 0:
                for m in _PAIRED.finditer(line):
                    a, b = m.start(), m.end()
                    before, after = line[a - 1 : a], line[b : b + 1]
                    if _NOT_QUOTE_BEFORE.match(before) or after in _NOT_QUOTE_AFTER:
                        continue  # 6.1" inches, print("你好"), {"name":"张三"}
                    if _HAN_RE.search(m.group(1)) or _chinese(before) or _chinese(after):
                        changes.append((start + a, start + a + 1, "“"))
                        changes.append((start + b - 1, start + b, "”"))
            start += len(line) + 1
    if "--" in text:
        for m in _DOUBLE_HYPHEN.finditer(text):
            left = text[m.start() - 1 : m.start()]
            right = text[m.end() : m.end() + 1]
            if left.isdigit() and right.isdigit():
                continue
            if (_chinese(left) and (right in _DASH_ENDS or _DASH_OTHER.match(right))) or (
                _chinese(right) and (left == '"' or _DASH_OTHER.match(left))
            ):
                changes.append((m.start(), m.end(), "——"))
    changes.sort()
    return changes


def _marks(text: str, ctx: Context, farm: bool) -> list[Edit]:
    """The ASCII marks of :func:`repair_punctuation`.

    Chinese context: the mark follows a Han character or full-width mark, or (for , ; :)
    precedes a Han character while not following a letter or digit. A comma directly
    before another mark is a stray and is removed. Parentheses change in pairs. A page is
    repaired only when its punctuation was folded (see :func:`_folded`).

    A mark's context can be another ASCII mark that only this fixer makes Chinese
    (``;,會``, ``,,(a)(b)，``), so rounds repeat until nothing changes: that makes the
    fixer idempotent. Each round is one linear scan and real pages settle in two; the
    cap (:data:`MAX_ROUNDS`) keeps a pathological chain of marks linear too. The rounds'
    edits are composed into edits on ``text``.
    Never changes: marks between digits (3,000 12:30), marks inside Latin runs, URLs or
    e-mail, emoticons (``:)`` ``:-(`` ``:D``), ``?``/``!`` followed by a letter, a ``?``
    between two Han characters on a page without farm evidence unless it ends a question
    (``你好吗?我``, ``谁知道?我``) or a run of marks (``吗??太``), full-width marks (never
    to ASCII), Japanese or Korean text (:func:`~zhmend.chars.japanese_or_korean`) without
    farm evidence, and code and comma-separated values (masked by :func:`repair_punctuation`).
    """
    if farm and not ctx.explain:
        # Only the text is wanted, and a farm page is repaired whatever its first round
        # finds: the rounds need not be listed, composed into fine edits or counted (the
        # counts are evidence only). The same rounds as below.
        current, settled = _text_round(text, farm)
        if current == text:
            return []
        return [Edit(0, len(text), text, current if settled else _settle(current, farm), RULE)]
    first = _one_round(text, farm)
    if not first:
        return []
    # Japanese and Korean marks are not Chinese punctuation, whatever stands beside them; a
    # page with farm evidence is a Chinese farm page. Looked at only when there is a change
    # to make: the scan costs a tenth of explaining a clean page.
    if not farm and japanese_or_korean(text):
        return []
    strays = _strays(first)
    if not strays and not farm and not _folded(text, first):
        ctx.counts["ascii_punct_kept"] += len(first)
        return []
    _count(first, ctx)
    current = _apply(text, first)
    if not ctx.explain:
        return [Edit(0, len(text), text, _settle(current, farm), RULE)]
    changes = _one_round(current, farm)
    if not changes:
        return _edits(text, first)
    log = EditLog(text)
    log.add_step(text, _edits(text, first))
    for _ in range(MAX_ROUNDS - 2):
        _count(changes, ctx)
        log.add_step(current, _edits(current, changes))
        current = _apply(current, changes)
        changes = _one_round(current, farm)
        if not changes:
            break
    return [Edit(e.start, e.end, e.before, e.after, RULE) for e in log.edits()]


#: One change of a round: (start, end, replacement); a plain tuple, rounds make thousands.
Change = tuple[int, int, str]


def _settle(text: str, farm: bool) -> str:
    """The rounds after the first, on the text only: at most MAX_ROUNDS - 2 of them."""
    for _ in range(MAX_ROUNDS - 2):
        after, settled = _text_round(text, farm)
        if settled or after == text:
            return after
        text = after
    return text


def _text_round(text: str, farm: bool) -> tuple[str, bool]:
    """``text`` after one round (:func:`_one_round`), without listing the common changes,
    and whether the round after it is sure to change nothing.

    The changes that are not the common case are made first; the common case (, ; : right
    after a Chinese character, and a comma after such a comma) is then settled by
    substitutions in C. The results are the same: neither kind of change touches the
    other's neighbours in a way the rules read (the character before a common mark is
    Chinese and no candidate; any other , ; : after a common mark, or after a stray removed
    by the loop, is judged Chinese in the same round and changed by the loop, so no
    unchanged ASCII mark comes to follow a Chinese one; and a comma is a stray before a
    mark the loop changes exactly when it is before the mark itself).

    When every mark left is the common case (most farm pages, from the start), the
    substitutions reduce to :func:`_all_common`, and the round leaves no ASCII mark: the
    next one has nothing to do unless ``...`` is left.
    """
    if not (_ANY_MARK.search(text) or "..." in text):
        return text, True
    if has_comma_run(text) or _doubled_by_a_person(text, farm) or _typed_as_ascii(text, farm):
        # A person's ",,," or ",," (the substitutions below would read strays into them), a
        # mark named between quotes, a comma and a space typed as ASCII: listed.
        changes = _one_round(text, farm)
        return (_apply(text, changes), False) if changes else (text, True)
    # An emoticon's colon (好的:-D) must escape the blanket replacement of _all_common.
    smiley = (":" in text or ";" in text) and _EMOTICON.search(text) is not None
    if smiley or "..." in text or _UNCOMMON.search(text) is not None:
        changes = _one_round(text, farm, common=False)
        if changes:
            text = _apply(text, changes)
        if smiley or _UNCOMMON.search(text) is not None:
            pairs = ",," in text
            for pattern, after in _COMMON[0 if pairs else 2 :]:
                if pattern.pattern[0] in text:
                    text = pattern.sub(after, text)
            return text, False
    text = _all_common(text)
    return text, "..." not in text


def _all_common(text: str) -> str:
    """The common changes of a text whose ASCII marks are all , ; : right after a Chinese
    character or a comma after such a comma (no match of ``_UNCOMMON``), none of them an
    emoticon's (no match of ``_EMOTICON``).

    Then :data:`_COMMON` makes every , ; : full width except the commas before another
    mark, which it removes (judged on the text as it was: the mark after a removed comma
    is either a mark itself or a comma that becomes ``，`` or goes for the same reason).
    ``str.replace`` does that in a fraction of the time of six substitutions with
    look-behinds.
    """
    if "," in text:
        text = _STRAY_COMMA.sub("", text).replace(",", "，")
    if ";" in text:
        text = text.replace(";", "；")
    if ":" in text:
        text = text.replace(":", "：")
    return text


def _edits(text: str, changes: list[Change]) -> list[Edit]:
    return [Edit(s, e, text[s:e], after, RULE) for s, e, after in changes]


def _apply(text: str, changes: list[Change]) -> str:
    """``text`` with ``changes`` (in order, disjoint) made."""
    parts: list[str] = []
    pos = 0
    for start, end, after in changes:
        parts.append(text[pos:start])
        parts.append(after)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _strays(changes: list[Change]) -> int:
    return [after for _, _, after in changes].count("")


def _count(changes: list[Change], ctx: Context) -> None:
    strays = _strays(changes)
    if strays:
        ctx.counts["stray_commas"] += strays
    if len(changes) > strays:
        ctx.counts["ascii_punct"] += len(changes) - strays


@lru_cache(maxsize=1)
def _chinese_table() -> np.ndarray:
    """Per code point: HAN_BIT for Han, MARK_BIT for full-width Chinese punctuation."""
    table = np.where(class_table() & HAN, _HAN_BIT, 0).astype(np.uint8)  # is_han's ranges
    for ch in CJK_PUNCT:
        table[ord(ch)] = _MARK_BIT
    table.setflags(write=False)
    return table


_HAN_BIT = 1
_MARK_BIT = 2


def _chinese_flags(text: str) -> bytes:
    """One byte per character of ``text``: nonzero where :func:`is_chinese` holds.

    Indexing bytes yields a plain int: far cheaper than calling ``is_chinese`` on each
    neighbour of each mark.
    """
    return _chinese_table().take(codes_of(text)).tobytes()  # take: faster than indexing


def _one_round(text: str, farm: bool, common: bool = True) -> list[Change]:
    """One pass over the ASCII marks of ``text``: conversions and stray-comma removals.

    ``common=False`` leaves out the common case (, ; : right after a Chinese character),
    which :func:`_text_round` settles without a step per mark.
    """
    if common:
        candidates = _CANDIDATE
    else:
        candidates = _UNCOMMON_DOTS if "..." in text else _UNCOMMON
    first = candidates.search(text)
    if first is None:
        return []
    n = len(text)
    flags = _chinese_flags(text)
    pairs = _doubled_by_a_person(text, farm)
    runs = pairs or has_comma_run(text)
    least = 2 if pairs else 3
    parens = _paired_parens(text, flags, latin_inside=farm) if "(" in text else set()
    quoted = _names_a_mark(text, farm)
    spaced = not farm and ", " in text
    chinese_at: set[int] = set()  # ASCII marks already judged to be Chinese punctuation
    mark_run = [0, 0]  # the run of ASCII marks looked at last (_run_ends_chinese)
    changes: list[Change] = []
    full_width = FULL_WIDTH
    for m in candidates.finditer(text, first.start()):
        i = m.start()
        c = m.group()
        if quoted and _quoted(text, i):
            continue
        if spaced and c == "," and text[i + 1 : i + 2] == " ":
            continue  # "[读书, 旅游]", "王五, 赵六.": typed as ASCII on purpose
        if c in ":;" and text[i + 1 : i + 2] in "-()DPpOo":
            smiley = _EMOTICON.match(text, i)
            # A parenthesis this round makes full width closes or opens a pair instead.
            if smiley and smiley.end() - 1 not in parens:
                continue  # 好的:) is a smiley, not a colon
        if i and flags[i - 1] and c in ",;:":
            # The common case, and the rules below give it at once: after a Chinese
            # character , ; : are Chinese, or a comma before another mark is a stray.
            stray = c == "," and i + 1 < n and text[i + 1] in _MARKS_AFTER_STRAY
            if stray and runs and in_comma_run(text, i, least):
                stray = False
            changes.append((i, i + 1, "" if stray else full_width[c]))
            chinese_at.add(i)
            continue
        # A common-case mark before this one is Chinese, whether it was listed or not.
        prev_chinese = i > 0 and (
            flags[i - 1] != 0
            or (i - 1) in chinese_at
            or (i > 1 and text[i - 1] in ",;:" and flags[i - 2] != 0)
            or (i > 2 and text[i - 1] == text[i - 2] == "," and flags[i - 3] != 0)
        )
        if c[0] == ".":
            # An NFKC pass turns … into "...": back in Chinese context on a farm page.
            end = m.end()
            if farm and (prev_chinese or (end < n and flags[end])):
                changes.append((i, end, "…" * (len(c) // 3)))
                chinese_at.update(range(i, end))
            continue
        if c in "()":
            if i in parens:
                changes.append((i, i + 1, full_width[c]))
                chinese_at.add(i)
            continue
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < n else ""
        prev_alnum = prev.isascii() and prev.isalnum()
        if prev_alnum and nxt.isascii() and nxt.isalnum():
            continue
        # "增长30.3%,5G基站": a percentage ends a Chinese clause as a character would; a
        # comma and a space after it are English typing ("rose 5%, beating").
        chinese_before = prev_chinese or (
            c == "," and prev != "" and prev in "%％" and not nxt.isspace()
        )
        if (
            c == ","
            and nxt in _MARKS_AFTER_STRAY
            and (chinese_before or _run_ends_chinese(text, flags, i, mark_run))
            and not (runs and in_comma_run(text, i, least))
        ):
            changes.append((i, i + 1, ""))
            chinese_at.add(i)
            continue
        chinese_after = nxt != "" and flags[i + 1] != 0
        if c == ",":  # "WTO,中国": a comma before Chinese text is a Chinese comma
            ok = chinese_before or chinese_after
            if not ok and runs and in_comma_run(text, i, least):
                # A person's run (OK,,沒問題) changes as a whole: left half ASCII, its
                # first comma would read as a stray before the second in the next round.
                ok = _run_ends_chinese(text, flags, i, mark_run)
        elif c in ";:":
            # "ID:中" or "x;中" may be code or an identifier, but not on a farm page, whose
            # every mark was folded (C919:让, NBA;其中), save an HTML entity's ; (&nbsp;)
            # and a double colon (std::).
            ok = chinese_before or (
                chinese_after
                and (not prev_alnum or (farm and not _entity_or_scope(text, i)))
            )
        else:  # ! ?  -- "?nèi)" is a byte-shift label; "那?社會" may hide a lost character
            ok = chinese_before and not (nxt.isascii() and nxt.isalpha())
            # The second ? of "吗??太" ends a run of marks: no character is lost there.
            run = i - 1 in chinese_at and text[i - 1] in "?!"
            if ok and c == "?" and nxt and flags[i + 1] == _HAN_BIT and not run:
                ok = farm or ends_question(text, i)
        if ok:
            changes.append((i, i + 1, full_width[c]))
            chinese_at.add(i)
    return changes


#: The end of an HTML entity (&nbsp; &#12290; &#x3002;), looked for before its ``;``.
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,9}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6})\Z")


def _entity_or_scope(text: str, i: int) -> bool:
    """Whether the ``;`` or ``:`` at ``i`` ends an HTML entity or is half of ``::``."""
    if text[i] == ":":
        return text[i - 1 : i] == ":" or text[i + 1 : i + 2] == ":"
    return _ENTITY.search(text, max(0, i - 11), i) is not None


def _folded(text: str, changes: list[Change]) -> bool:
    """Whether the page's punctuation was folded to ASCII, not a clean page's odd slip.

    A folded page has (almost) no full-width , ; : ! ? ( ) left; a clean page that
    slipped an ASCII comma has dozens.
    """
    return len(changes) >= len(_FULL_WIDTH_RE.findall(text))


#: A run of ASCII marks.
_MARK_RUN = re.compile("[,;:!?]*")


def _run_ends_chinese(text: str, flags: bytes, i: int, run: list[int]) -> bool:
    """Whether the run of ASCII marks starting at ``i`` ends at a Chinese character or mark.

    ``run`` holds the start and end of the run found last, shared by the calls of one
    round: every mark of a run has its end, found once (a run of thousands of commas would
    otherwise be scanned for each)."""
    if not run[0] <= i < run[1]:
        run[0], run[1] = i, _MARK_RUN.match(text, i).end()
    j = run[1]
    return j < len(text) and flags[j] != 0


def _farm_evidence(ctx: Context) -> bool:
    return bool(ctx.counts["pinyin_labels"] or ctx.counts["script_converted"])


# A link target or a file name inside, or a file name right after: ``[文](https://…)``,
# ``(images/红烧肉.jpg)``, ``安装包(64位).exe``.
_LINK_INSIDE = re.compile(r"://|www\.|\.[A-Za-z][A-Za-z0-9]{0,4}$")
_FILE_AFTER = re.compile(r"\.[A-Za-z][A-Za-z0-9]{1,4}(?![A-Za-z0-9])")
# Code inside: string quotes (a template literal's backtick too), an assignment or
# comparison, a backslash, a regex group.
_CODE_INSIDE = re.compile(r"[\"'`=\\]|^\?")


def _not_brackets(text: str, o: int, c: int, prev: str, farm: bool) -> bool:
    """Whether the ASCII pair at ``o``, ``c`` belongs to a link, a file name or, on a page
    without farm evidence, code (``print("你好")``, ``=IF(B2>=60,"及格")``): parentheses
    a writer typed as they are, not Chinese brackets folded to ASCII."""
    inside = text[o + 1 : c]
    if prev == "]" or _LINK_INSIDE.search(inside) or _FILE_AFTER.match(text, c + 1):
        return True
    return not farm and _CODE_INSIDE.search(inside) is not None


def _in_latin_prose(text: str, flags: bytes, o: int, c: int) -> bool:
    """Whether the pair at ``o``, ``c`` stands in text that is not Chinese on either side:
    a space after a character that is not Chinese before it, and after it (past one
    space) no Chinese character (``Beijing (北京) is``, ``Khổng Tử (孔子).``). A Chinese
    writer puts no space before a bracket after Latin text (在Beijing(北京)见面)."""
    if o < 2 or text[o - 1] != " " or flags[o - 2] or text[o - 2] == "\n":
        return False
    after = c + 1
    if after < len(text) and text[after] == " ":
        after += 1
    return after >= len(text) or not flags[after]


def _paired_parens(text: str, flags: bytes, latin_inside: bool) -> set[int]:
    """Positions of ASCII parentheses that pair up within a line and sit in Chinese text.

    A pair holding no Han character (a kept gloss ``圳(zhèn)``, an id) changes only on a
    page with farm evidence, where every full-width mark was folded to ASCII.
    """
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    for m in _PARENS_OR_LINE_END.finditer(text):
        i = m.start()
        ch = text[i]
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            if stack:
                pairs.append((stack.pop(), i))
        elif stack:
            stack.clear()  # pairs close within a line
    out: set[int] = set()
    n = len(text)
    for o, c in pairs:
        if c - o > MAX_PAIR:
            continue  # no bracket of a sentence; nested thousands deep, each would be read
        if _HALF_LABEL_BEFORE.search(text, max(0, c - 9), c) or _HALF_LABEL_AFTER.match(
            text, o
        ):
            continue  # 發（fā) made 發（fā）: a label the next mend would strip
        prev = text[o - 1] if o else ""
        nxt = text[c + 1] if c + 1 < n else ""
        if prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum():
            continue  # 1674-8883(2021)15-0224-03
        if _not_brackets(text, o, c, prev, farm=latin_inside):
            continue
        if _in_latin_prose(text, flags, o, c):
            continue  # Beijing (北京) is the capital: the English sentence's parentheses
        if (latin_inside and ((prev and flags[o - 1]) or (nxt and flags[c + 1]))) or _HAN.search(
            text, o, c
        ):
            out.add(o)
            out.add(c)
    return out
