"""strip_injected_junk: symbol clusters and lone dots injected inside Han words."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

import regex

from .. import scan
from ..chars import HAN_CLASS, is_han
from ..detect import STRAY_RE
from ..edits import Edit
from ..scan import JUNK
from .base import Context
from .byte_shift.model import simplified, word_counts
from .pinyin import _SYLLABLE
from .verbatim import REFERENCE

RULE = "strip_injected_junk"

# Blocks that farms sprinkle into words: misc symbols and arrows, dingbats, misc technical,
# and the whole supplementary symbol area (mahjong, dominoes, cards, enclosed alphanumeric
# supplement, pictographs, emoticons, transport, alchemical, geometric extended, ...).
SYMBOL_CLASS = (
    "\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\U0001f000-\U0001faff\ufe0f\u200d"
)
# Blocks no writer puts inside a word (mahjong, dominoes, cards, enclosed alphanumeric
# supplement, alchemical): one of their symbols in a run is enough. Their emoji are
# typed from an emoji keyboard (湖人🆚勇士, 全场🆓包邮, 打麻将🀄, 🃏, 🅰️型血), so
# they are left out: ``Emoji`` is the Unicode property, which digits and ``#*©®`` also have
# (none of them is in these blocks). The regional indicators after U+1F1E5 are flags.
_NEVER_IN_WORDS = regex.compile(
    r"(?V1)[[\U0001f000-\U0001f0ff\U0001f100-\U0001f1e5\U0001f700-\U0001f77f]--\p{Emoji}]"
)
# A symbol no emoji keyboard offers. People type runs of emoji (生日快乐🎂🎁🎈天天开心,
# 天气☀️🌤️⛅️🌧️); a farm draws its symbols from whole blocks, most of which are not emoji
# (⚠💲🕮: U+1F56E is not), so a run of three distinct symbols is junk only with one of
# these in it. Unassigned code points have no ``Emoji`` either: they count as junk.
_NOT_EMOJI = regex.compile(f"(?V1)[[{SYMBOL_CLASS}]--[\\p{{Emoji}}\ufe0f\u200d]]")
_GRAPHEME = regex.compile(r"\X")
# Candidates first, neighbours checked after: a pattern that opens with a lookbehind
# would test it at every position of the text. Plain classes: ``re`` scans them faster.
_RUN = re.compile(f"[{SYMBOL_CLASS}]+|\\.")
# The same for a text without symbols (their class, JUNK, is absent from the scan): a dot
# with Han on both sides. Opening with the dot, the matcher skips to dots.
_LONE_DOT = re.compile(f"\\.(?<={HAN_CLASS}\\.)(?={HAN_CLASS})")


def strip_injected_junk(text: str, ctx: Context) -> list[Edit]:
    """Remove symbol clusters and lone ASCII dots sitting between two Han characters.

    A cluster is removed when it holds a symbol no writer uses inside a word (mahjong,
    domino, playing-card, alchemical, enclosed alphanumeric supplement, save the emoji
    among them) or three distinct symbols of which one is neither an emoji nor a symbol of
    the input methods' panels (:func:`_odd_symbol`). Lone dots go on a page that shows the
    farm's pattern (:func:`_dots_injected`).
    Never changes: emoji at a sentence end or beside punctuation, runs of emoji between
    words (🎂🎁🎈, ☀️🌤️⛅️, 🆚, 🀄, 🅿️), runs of the input methods' decorative symbols,
    alone or among emoji (★☆♪♫ ➤, 海边🌊✨♡超级), dots in numbers, URLs and Latin text,
    dots between Han characters on other pages (a name 马丁.路德.金, a period typed as a
    dot), dots between the items of lists (东.西.南.北, 数学.物理.化学, 中.小学生) on a
    page whose dots all stand so (:func:`_listed`), dots on a page that ends a line with a
    dot (its periods), and the dots of a reference (``王平.安全生产管理研究[J].``).
    """
    edits: list[Edit] = []
    dots: list[int] = []
    n = len(text)
    farm = bool(ctx.counts["pinyin_labels"])
    symbols = ctx.bits is None or ctx.bits & JUNK
    for m in (_RUN if symbols else _LONE_DOT).finditer(text):
        start, end = m.span()
        if not (start and end < n and is_han(text[start - 1]) and is_han(text[end])):
            continue
        run = m.group()
        if run == ".":
            dots.append(start)
            continue
        # A ZWJ sequence (👨‍👩‍👧) is one emoji: count grapheme clusters.
        distinct = {g for g in _GRAPHEME.findall(run) if g not in "\ufe0f\u200d"}
        if _NEVER_IN_WORDS.search(run) or (
            len(distinct) >= 3 and (_odd_symbol(run) or (farm and _farm_run(run)))
        ):
            edits.append(Edit(m.start(), m.end(), run, "", RULE))
            ctx.counts["junk_symbols"] += 1
    if dots and "[" in text and REFERENCE.search(text):
        dots = _outside_references(text, dots)
    if dots and (farm or edits or not _types_periods(text, ctx)) and _dots_injected(
        *_without(text, edits, dots)
    ):
        ctx.counts["junk_dots"] += len(dots)
        edits.extend(Edit(i, i + 1, ".", "", RULE) for i in dots)
        edits.sort(key=lambda e: e.start)
    if edits and ctx.readings and ctx.config.strip_injected_junk:  # off: edits are dropped
        _shift_readings(ctx.readings, edits)
    return edits


#: A dot after a Han character that ends a line or the text.
_PERIOD = re.compile(f"(?<={HAN_CLASS})\\.[ \t]*(?:\n|\\Z)")


def _types_periods(text: str, ctx: Context) -> bool:
    """Whether the page writes its periods as dots (正宗.教育部长也来过.): a dot ends a line
    after a Han character, the page writes no 。, and shows no farm's hand (doubled or
    stray commas, traditional characters beside 于 并 后 么; the caller checks labels and
    injected symbols): its dots between characters are periods too. A farm keeps its 。,
    or folds it to a dot with its labels and strays beside."""
    if "。" in text or _PERIOD.search(text) is None:
        return False
    if "," in text and STRAY_RE.search(text) is not None:
        return False
    if not any(c in text for c in "于并后么"):
        return True
    # Traditional characters beside them: a per-character converter's page.
    scripts = ctx.scripts if ctx.scripts is not None else scan.count_scripts(text)
    return not scripts[0]


def _outside_references(text: str, dots: list[int]) -> list[int]:
    """The ``dots`` that stand on no reference line (a reference's dots part author,
    title and source: 张三.经济研究[J].经济学报): each line looked at once."""
    lines: list[tuple[int, int]] = []  # reference lines, in order
    for m in REFERENCE.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if lines and lines[-1][0] == start:
            continue
        end = text.find("\n", m.end())
        lines.append((start, len(text) if end == -1 else end))
    starts = [a for a, _ in lines]
    kept = []
    for i in dots:
        k = bisect_right(starts, i) - 1
        if k < 0 or i >= lines[k][1]:
            kept.append(i)
    return kept


def _without(text: str, clusters: list[Edit], dots: list[int]) -> tuple[str, list[int]]:
    """``text`` without the symbol ``clusters`` removed from it, and the ``dots`` placed in
    that text: the dots are judged beside the characters they will stand beside
    (``全市🁝中.小学生``: 中 opens no list once 🁝 is gone), as a second mend judges them."""
    if not clusters:
        return text, dots
    parts, shifted = [], []
    pos = removed = 0
    k = 0
    for e in clusters:
        while k < len(dots) and dots[k] < e.start:
            shifted.append(dots[k] - removed)
            k += 1
        parts.append(text[pos : e.start])
        removed += e.end - e.start
        pos = e.end
    parts.append(text[pos:])
    shifted.extend(d - removed for d in dots[k:])
    return "".join(parts), shifted


#: Legacy East Asian character sets: the symbols they encode are those of the input
#: methods' symbol panels, which people type as decoration (好消息★☆♪大家).
_LEGACY_CODECS = ("gbk", "big5", "shift_jis", "euc_kr")


@lru_cache(maxsize=1)
def _legacy_symbols() -> frozenset[str]:
    """The symbols of SYMBOL_CLASS that a legacy character set encodes: 65 of about 4,100,
    so a farm's run of three symbols drawn from the blocks is made of them alone about
    four times in a million."""
    symbol = re.compile(f"[{SYMBOL_CLASS}]")
    found = set()
    for cp in (*range(0x2190, 0x2C00), *range(0x1F000, 0x1FB00)):
        ch = chr(cp)
        if symbol.match(ch) and any(_encodes(ch, codec) for codec in _LEGACY_CODECS):
            found.add(ch)
    return frozenset(found)


def _encodes(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


#: Symbols of the panels that the legacy sets leave out by accident of encoding, not of
#: use: the music notes ♩♪♫♬♭♮♯ are one family (the sets encode ♩♪♬♭♯ but neither ♫
#: nor ♮, and lyrics write ♫ beside the others: 啦啦啦♪♫♬), and the dingbat arrows
#: U+2794-27BF (➔ ➢ ➤) are the arrow bullets of word processors (Word's arrow bullet,
#: Wingdings 0xD8, is ➢ in Unicode) and of shop pages (会员日➤➢➣积分翻倍), offered beside →
#: by today's input methods' symbol panels.
PANEL_SYMBOLS = "".join(map(chr, (*range(0x2669, 0x2670), *range(0x2794, 0x27C0))))


@lru_cache(maxsize=1)
def _decorative_symbols() -> frozenset[str]:
    """The legacy sets' symbols and :data:`PANEL_SYMBOLS`: 111 of about 4,100, so a
    farm's run of three symbols drawn from the blocks is made of them alone about twenty
    times in a million."""
    return _legacy_symbols() | frozenset(PANEL_SYMBOLS)


def _decorative(run: str) -> bool:
    """Whether ``run`` holds only symbols of the input methods' panels (★☆♪♫ ◆◇ → ➤)."""
    return set(run) <= _decorative_symbols()


def _farm_run(run: str) -> bool:
    """Whether ``run`` holds a symbol that is no emoji and is not all the panels' symbols:
    on a page with a farm's labels, emoji among panel symbols (今✨♡🌊天) are its junk too."""
    return _NOT_EMOJI.search(run) is not None and not _decorative(run)


def _odd_symbol(run: str) -> bool:
    """Whether ``run`` holds a symbol that is neither an emoji nor one of the panels'
    (🕮 of ``⚠💲🕮``): people type runs of emoji and panel symbols together (海边🌊✨♡)."""
    return any(_NOT_EMOJI.match(c) and c not in _decorative_symbols() for c in run)


#: The longest word looked for across a dot.
_WORD_SPAN = 4


def _dots_injected(text: str, dots: list[int]) -> bool:
    """Whether the lone dots between Han characters at ``dots`` were injected: they split
    words as a farm's do (:func:`_split_words`), and not all of them stand where a list
    puts them (:func:`_listed`)."""
    return _split_words(text, dots) and not all(_listed(text, dots))


def _split_words(text: str, dots: list[int]) -> bool:
    """Whether the dots at ``dots`` split words as a farm's do.

    Writers put a dot between Han characters as the period of a page typed in ASCII
    (好.我们) or between the parts of a name (马丁.路德.金); a farm splits words with it
    (市.委副.书记). So the dots go when some of them split a word of the word list (市委;
    about half of the dots a farm injects into news do, and one in twenty or thirty of
    those between names or sentences) and the page shows it was no accident: it writes its
    sentence ends as ``。`` (the dots are not its periods), or at least half its dots split
    a word. The others (副.书记, where the list lacks 副书记) were injected with them.
    """
    splitting = sum(_splits_word(text, i) for i in dots)
    return splitting > 0 and ("。" in text or 2 * splitting >= len(dots))


def _listed(text: str, dots: list[int]) -> list[bool]:
    """For each dot of ``dots`` (in order), whether it stands where a writer separates the
    items of a list with it, as ``、`` or ``·``:

    - in a run of three or more dots whose inner items are each one character or a word
      of the list (东.西.南.北, 语文.数学.英语.物理), or of two when the first item opens
      its phrase and is as long as the inner one (高.中.低, 数学.物理.化学);
    - after a single character opening its phrase, the two characters sharing the head
      that follows (中.小学生: 中学生 and 小学生; 中.英文, 大.中型, 进.出口).

    Such a dot splits a word as often as a farm's does (东西 高中 中小 中英), so it is no
    evidence either way, and a page whose dots all stand so keeps them. A farm's dots fall
    anywhere in running text: a lone one stands so about once in 200, all of two or three
    on one line about once in 150 to 250, all of three on a page of news never in 4,760
    (a farm injects dozens; ``python -m bench.dot_lists``). A dot between two items alone
    (男.女各一名), or before a head the dictionary lacks (上.下册: no 上册), is not told
    from a farm's (市.委) and goes with the page's others.
    """
    listed = [False] * len(dots)
    run = 0  # the first dot of the current run
    for k in range(1, len(dots) + 1):
        if k < len(dots) and _item(text, dots[k - 1] + 1, dots[k]):
            continue
        n = k - run
        if n >= 3 or (n == 2 and _opens(text, dots[run], dots[run + 1] - dots[run] - 1)):
            listed[run:k] = [True] * n
        run = k
    for k, i in enumerate(dots):
        if not listed[k]:
            listed[k] = _shares_head(text, i)
    return listed


def _item(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]``, between two dots, is an item of a list: one Han
    character, or a word of the list (a farm's two dots hold a piece of running text)."""
    item = text[start:end]
    if len(item) == 1:
        return is_han(item)
    if len(item) > _WORD_SPAN or not all(map(is_han, item)):
        return False
    return "".join(map(simplified, item)) in _words()


def _opens(text: str, dot: int, size: int) -> bool:
    """Whether exactly ``size`` Han characters stand before the dot at ``dot``, after the
    start of the text or something that is neither Han nor a farm's label after Han."""
    start = dot - size
    if start < 0 or not all(map(is_han, text[start:dot])):
        return False
    if start == 0:
        return True
    before = text[start - 1]
    if before == ")":
        return not _LABEL_BEFORE.search(text, max(0, start - _LABEL_CHARS), start)
    return not is_han(before)


def _shares_head(text: str, i: int) -> bool:
    """Whether the dot at ``i`` follows a single character opening its phrase, and that
    character and the one after the dot both make a word with what follows (中.小学生:
    中学 and 小学, the head 学生 shared)."""
    if not _opens(text, i, 1):
        return False
    right = _han_run(text, i + 1, 1)
    words = _words()
    x = simplified(text[i - 1])
    for b in range(2, len(right) + 1):
        head = "".join(right[1:b])
        if x + head in words and right[0] + head in words:
            return True
    return False


def _splits_word(text: str, i: int) -> bool:
    """Whether the characters around the dot at ``i`` make a word of up to four (farm
    labels between them skipped: 國(guó)務.院)."""
    words = _words()
    left = "".join(reversed(_han_run(text, i - 1, -1)))
    right = "".join(_han_run(text, i + 1, 1))
    for a in range(1, len(left) + 1):
        for b in range(1, min(len(right), _WORD_SPAN - a) + 1):
            if left[-a:] + right[:b] in words:
                return True
    return False


# A farm's label after a character (the pinyin fixer's syllable), and one that ends a text.
_LABEL = re.compile(f"\\({_SYLLABLE}\\)")
_LABEL_BEFORE = re.compile(f"\\({_SYLLABLE}\\)$")
#: The longest label: a syllable of seven letters and a tone digit in its parentheses.
_LABEL_CHARS = 10


def _han_run(text: str, at: int, step: int) -> list[str]:
    """Up to three Han characters from ``at`` on, in direction ``step``, simplified (the
    word list is), skipping pinyin labels."""
    out: list[str] = []
    while 0 <= at < len(text) and len(out) < _WORD_SPAN - 1:
        ch = text[at]
        if is_han(ch):
            out.append(simplified(ch))
            at += step
        elif step > 0 and ch == "(" and (m := _LABEL.match(text, at)):
            at = m.end()
        elif step < 0 and ch == ")" and (
            m := _LABEL_BEFORE.search(text, max(0, at - _LABEL_CHARS + 1), at + 1)
        ):
            at = m.start() - 1
        else:
            break
    return out


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    return frozenset(word_counts())


def _shift_readings(readings: dict[int, str], removed: list[Edit]) -> None:
    """Move the labels' positions (see :class:`Context`) past the removed junk."""
    starts = [e.start for e in removed]
    gone = list(accumulate(e.end - e.start for e in removed))
    moved: dict[int, str] = {}
    for pos, label in readings.items():
        k = bisect_right(starts, pos)
        moved[pos - gone[k - 1] if k else pos] = label
    readings.clear()
    readings.update(moved)
