"""strip_pinyin_annotations: 會(huì) 會（huì） 會(hui4) 國(guo)(guo) -> 會."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from functools import lru_cache
from itertools import accumulate, compress, islice
from operator import itemgetter, not_

import regex

from .. import scan
from ..chars import (
    HAN_CLASS,
    HAN_RANGES,
    PINYIN_LETTER,
    PINYIN_SYLLABLE,
    TONED_LETTERS,
    is_han,
    japanese_or_korean,
)
from ..detect import COUNTERPARTS, STRAY_RE, injected_strays, traditional_spans
from ..edits import Edit, make_edits
from ..tables import (
    convert,
    default_readings,
    reading_bases,
    readings,
    script_overrides,
    traditional_only,
    written_in_simplified,
)
from .base import Context
from .punctuation import MENDED_MARKS

RULE = "strip_pinyin_annotations"

_SYLLABLE = PINYIN_SYLLABLE
# One or more parenthesised single syllables right after a Han character; ASCII or
# full-width parentheses, never mixed within one group.
_GROUP = f"(?:\\({_SYLLABLE}\\)|（{_SYLLABLE}）)"
_ONE_GROUP = regex.compile(f"[(（]({_SYLLABLE})[)）]")
# Runs of groups, captured so that split keeps them. Opens with the parenthesis (a literal
# the matcher can skip to); the character before is checked afterwards. The standard
# ``re`` splits with this plain pattern a quarter faster than ``regex``, and written
# ``G(?:G)*`` rather than ``(?:G)+`` it sees the two parentheses that can open a match and
# skips to them: the split takes 40% less time. The quantifiers are possessive (a
# syllable's letters, its tone digit and the closing parenthesis are disjoint classes, so
# giving a letter back never makes a match), and a text without ``（`` is split without the
# full-width branch: together a fifth less time, the same runs.
_POSSESSIVE = f"{PINYIN_LETTER}{{1,7}}+[0-5]?+"
_ASCII_GROUP = f"\\({_POSSESSIVE}\\)"
_ANY_GROUP = f"(?:{_ASCII_GROUP}|（{_POSSESSIVE}）)"
_SPLIT = re.compile(f"({_ANY_GROUP}(?:{_ANY_GROUP})*+)")
_SPLIT_ASCII = re.compile(f"({_ASCII_GROUP}(?:{_ASCII_GROUP})*+)")

_HAN = re.compile(HAN_CLASS)
_UNLABELLED_HAN = re.compile(f"{HAN_CLASS}(?![(（])")
# An excerpt cut in the middle of a label: 兵團(t at the very end of the text.
_CUT_LABEL = regex.compile(f"({HAN_CLASS})([(（][a-zü{TONED_LETTERS}]{{1,6}})\\s*$")

_TONE_OF = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}

# A passage where (nearly) every Han character carries a label is phonetic text written
# for readers (a textbook, a children's page), not an injection: it is kept. Farm title
# lines reach two thirds (國(guó)際(jì)聯(lián)播快訊(xùn)), so the bar is high.
LEARNER_SHARE = 0.9
LEARNER_MIN_LABELS = 4


def parse_label(label: str) -> tuple[str, str | None] | None:
    """``huì``/``hui4``/``hui`` -> (``hui``, ``4``/``4``/None); None when not a syllable."""
    decomposed = unicodedata.normalize("NFD", label)
    tone: str | None = None
    base: list[str] = []
    for ch in decomposed:
        mark = _TONE_OF.get(ch)
        if mark is not None:
            if tone is not None:
                return None
            tone = mark
        elif ch == "\u0308":  # diaeresis of ü
            if not base or base[-1] != "u":
                return None
            base[-1] = "ü"
        else:
            base.append(ch)
    text = "".join(base).replace("u:", "ü")
    if text and text[-1].isdigit():
        if tone is not None:
            return None
        tone, text = text[-1], text[:-1]
        if tone == "0":
            tone = "5"
    if not text.isalpha():
        return None
    text = text.replace("v", "ü")
    return text, tone


@lru_cache(maxsize=65536)
def is_reading(ch: str, label: str) -> bool:
    """Whether ``label`` is one of the readings of ``ch`` (toneless labels match any tone)."""
    parsed = parse_label(label)
    if parsed is None:
        return False
    base, tone = parsed
    if tone is None or tone == "5":
        return base in reading_bases().get(ch, ())
    return f"{base}{tone}" in readings().get(ch, ())


def _is_reading_prefix(ch: str, partial: str) -> bool:
    parsed = parse_label(partial)
    if parsed is None:
        return False
    return any(base.startswith(parsed[0]) for base in reading_bases().get(ch, ()))


@lru_cache(maxsize=4096)
def style_of(groups: str, label: str) -> str:
    if groups.startswith("（"):
        return "pinyin_fullwidth"
    if label[-1:].isdigit():
        return "pinyin_tone_numbers"
    if any(c in TONED_LETTERS for c in unicodedata.normalize("NFC", label)):
        return "pinyin_tone_marks"
    return "pinyin_toneless"


def strip_pinyin_annotations(text: str, ctx: Context) -> list[Edit]:
    """Remove parenthesised pinyin that is a reading of the Han character before it.

    Kept: labels that are not a reading of their character, multi-syllable glosses
    (长城（Chángchéng）), learner passages where most characters carry a label, a lone
    label on a simplified character in a document with no other label (a gloss), and every
    label of a lesson page (:func:`is_lesson`: 行(xíng)走、银行(háng)).
    Never changes: the characters themselves, other parentheticals ((B区), (ID:x), (2021)).
    """
    if "(" not in text and "（" not in text:
        return []
    # The pieces alternate between text and runs of groups; the character before a run
    # ends the piece before it ("" for a run opening the text: never verified). The
    # look-ups run in C (map, compress, accumulate): farm pages carry a label every dozen
    # characters, and a Python step per label costs more than OpenCC's whole conversion.
    pieces = (_SPLIT if "（" in text else _SPLIT_ASCII).split(text)
    runs = pieces[1::2]
    infos = list(map(_verified, map(_LAST_CHAR, pieces[0:-1:2]), runs))
    unverified = infos.count(None)
    verified = len(infos) - unverified
    if not verified:
        return []
    # A later pass over a page whose labels went as a farm's (zhmend.mend re-reads a page
    # around byte-shift runs left doubtful): what is left of it is no person's gloss. Nor
    # on a page whose byte-shift runs were repaired: only a farm's label replace on GBK
    # text garbles them.
    farm = ctx.notes.get(FARM_PAGE) is True or bool(
        ctx.counts["byte_shift_repaired"] or ctx.counts["byte_shift_lost_byte"]
    )
    if not farm and _kept_as_written(text, pieces, runs, infos, verified, ctx):
        return []
    cut = _CUT_LABEL.search(text, max(0, len(text) - 16))
    if cut and not _is_reading_prefix(cut.group(1), cut.group(2)[1:]):
        cut = None
    if not farm and verified == 1 and not cut and _first(infos)[0] not in traditional_only():
        # A lone gloss (深圳的圳(zhèn)字), unless stray commas show a farm's page (關于(yú)
        # is never traditional-only); a person's doubled comma (读错,，) shows none.
        if not ("," in text and injected_strays(text)):
            ctx.counts["pinyin_kept_gloss"] += 1
            return []
    scripts = ctx.scripts if ctx.scripts is not None else scan.count_scripts(text)
    if scripts[0] and not scan.traditional_looking(text, *scripts):
        # A farm body inside a simplified template: restore_script asks how many labels sit
        # on traditional characters of lines that look traditional on their own (a
        # traditional-looking page converts on any label).
        ctx.notes["labels_on_traditional"] = _labels_on_traditional_lines(text, pieces, infos)
    ends: list[int] | None = None  # run k spans ends[2k]:ends[2k + 1]
    if not cut and _no_learner_line(text):
        learner: set[int] = set()
    else:
        ends = list(accumulate(map(len, pieces)))
        starts = list(compress(ends[0::2], infos))
        learner = _learner_starts(text, starts + [cut.start(2)] if cut else starts)
        strays = "," in text and STRAY_RE.search(text) is not None
        if 2 * len(learner) >= verified and not strays:
            # Most labels sit on learner lines and no stray comma shows a farm: the page is
            # a reader's, and so are the labels of its shorter lines (美玲：是(shì)的(de)。).
            ctx.counts["pinyin_kept_learner"] += verified
            return []
        if learner and (farm or (strays and injected_strays(text))):
            # A farm's page (its stray commas stand before 、 and 。 too, as no person's
            # doubled comma does): a short line of it labelled throughout (責(zé)編(biān):
            # 劉(liú)強(qiáng)) is the farm's work too, not a reader's.
            learner = set()
    if not (ctx.explain or cut or learner):
        # Every verified run goes: the text is the pieces without them.
        if unverified:
            keep = [True] * len(pieces)
            keep[1::2] = map(not_, infos)
            stripped = "".join(compress(pieces, keep))
        else:
            stripped = "".join(pieces[0::2])
        _steering_readings(text, stripped, ctx.readings)
        _count(ctx, verified, 0)
        return [Edit(0, len(text), text, stripped, RULE)]
    if ends is None:
        ends = list(accumulate(map(len, pieces)))
    found = [(s, e, *i) for s, e, i in zip(ends[0::2], ends[1::2], infos) if i is not None]
    if cut:
        found.append((cut.start(2), cut.end(2), cut.group(1), cut.group(2)[1:], 1))
    if not ctx.explain:
        return _strip_text(text, found, learner, ctx)
    return _strip_explained(text, found, learner, ctx)


#: Context note: the page's labels went as a farm's in an earlier pass.
FARM_PAGE = "farm_page"


def _kept_as_written(
    text: str,
    pieces: list[str],
    runs: list[str],
    infos: list[tuple[str, str, int] | None],
    verified: int,
    ctx: Context,
) -> bool:
    """Whether the page's labels are a person's (a lesson, glosses): counted, and kept."""
    if is_lesson(text, pieces, runs, infos):
        # Glosses written by a person: none goes, and none is evidence of a farm.
        ctx.counts["pinyin_kept_lesson"] += verified
        return True
    if (verified > 1 and is_glossed(text, infos, ctx.scripts)) or (
        (
            _rare_characters(infos)
            or _about_pronunciation(text, infos, verified)
            or (verified <= FEW_GLOSSES and _writes_counterparts(text, infos))
        )
        and not ("," in text and STRAY_RE.search(text))
    ):
        ctx.counts["pinyin_kept_gloss"] += verified
        return True
    return False


#: Labels a page that writes 於 並 後 麼 may gloss as a person does (單(shàn)田芳…出生於,
#: :func:`_writes_counterparts`): a per-character converter leaves 于 并 后 么 as they
#: are, so no farm page seen writes them, and a farm labels densely.
FEW_GLOSSES = 3


def _writes_counterparts(text: str, infos: list[tuple[str, str, int] | None]) -> bool:
    """Whether ``text`` writes 於 並 後 麼 beside a gloss of a reading other than the
    default (單(shàn)田芳…出生於), and none of 于 并 后 么 (a page mixing the two was
    converted by a farm's hand and then edited: the residue speaks). Default readings
    prove nothing there: a farm converting by phrase writes 什麼 and 於 and labels too."""
    if any(c in text for c in "于并后么"):
        return False
    if any(info is not None and info[2] > 1 for info in infos):
        return False  # 國(guo)(guo): a doubled label is a spinner's, never a person's
    return any(c in text for c in COUNTERPARTS) and _rare_reading(infos)


def _labels_on_traditional_lines(
    text: str, pieces: list[str], infos: list[tuple[str, str, int] | None]
) -> int:
    """How many verified labels follow a traditional-only character that simplified text
    never writes, on a line that looks traditional (:func:`detect.traditional_spans`)."""
    spans, _ = traditional_spans(text)
    if not spans:
        return 0
    starts = [a for a, _ in spans]
    trad = traditional_only()
    written = written_in_simplified()
    ends = list(accumulate(map(len, pieces)))
    n = 0
    for k, info in enumerate(infos):
        if info is None or info[0] not in trad or info[0] in written:
            continue
        at = ends[2 * k] - 1  # the labelled character, ending the piece before its run
        j = bisect_right(starts, at) - 1
        if j >= 0 and at < spans[j][1]:
            n += 1
    return n


def is_lesson(
    text: str, pieces: list[str], runs: list[str], infos: list[tuple[str, str, int] | None]
) -> bool:
    """Whether the verified labels of ``text`` are a person's glosses, not a farm's.

    ``pieces`` is the text split around its ``runs`` of groups (``pieces[1::2]``),
    ``infos`` what :func:`_verified` says of each run. A farm labels each character with
    the one reading of its converter's dictionary (長 is always zhǎng) at every occurrence,
    so a page shows a lesson when one character carries two different tone-marked readings
    (行(xíng)走、银行(háng)), when every label sits on a character quoted alone
    (念“行(háng)”, 「單(shàn)」), when every label heads a note (說（yuè）：同「悅」), when
    the labels romanize a list (王(wang)、李(li)), when the page writes pinyin of its own
    outside parentheses (读成xiōng), when a label glosses a reading other
    than the default (龜（qiū）茲), when the text around them is English, or when each
    glosses a word of a list (酗(xù)酒、發酵(jiào)), when tone numbers are Cantonese
    Jyutping (飛(fei1)鵝山 on a page in Cantonese), or when the page is Japanese or Korean
    (學(xué)に当たります). None of the real farm pages does any of these. A page with an
    injected stray comma (``,,`` ``,、``) is a farm's whatever its labels: no person types
    one.
    """
    # The stray comma first: one C scan settles many farm pages before a look at each label.
    if "," in text and STRAY_RE.search(text) is not None:
        return False
    return (
        _two_readings(text, runs, infos)
        or _all_quoted(pieces, infos)
        or _all_note_heads(pieces, infos)
        or _romanization_list(pieces, infos)
        or (_FOLDED.search(text) is None and _rare_reading(infos))
        or _in_latin_text(text, runs)
        or _word_list(pieces, infos)
        or _bare_pinyin(text, pieces)
        or _jyutping(text, runs, infos)
        or japanese_or_korean(text)
    )


#: Characters of written Cantonese (嘅 哋 咗 佢 …), and names of the language and its
#: romanization: a page holding them writes Jyutping, whose tone 1 is spelled as pinyin's
#: (飛 fei1, 都 dou1) and whose tone 5 reads as pinyin's neutral tone.
_CANTONESE = re.compile("[嘅哋咗佢喺冇嘢啲嗰唔]")
_CANTONESE_NAMES = ("粵語", "粤语", "粵拼", "粤拼", "廣東話", "广东话", "粵音", "粤音", "yutping")
#: A Jyutping label: tone 6 has no pinyin counterpart.
_TONE_SIX = re.compile("[a-z]6[)）]")


def _jyutping(
    text: str, runs: list[str], infos: list[tuple[str, str, int] | None]
) -> bool:
    """Whether the page's tone-numbered labels are Jyutping: in Cantonese context (two
    characters of written Cantonese, a name of the language, or a tone-6 label). Jyutping
    passes for pinyin only in tone 1 (spelled alike) and tone 5 (pinyin's neutral tone):
    two verified labels in tones 2 to 4 are a Mandarin converter's (來(lai2)), whatever the
    page names. No farm seen writes tone numbers (the real ones write tone marks or none)."""
    joined = "".join(runs)
    if not any(d in joined for d in "123456"):
        return False  # no tone number anywhere: a page in tone marks, settled in C
    tones = [info[1][-1] for info in infos if info is not None and info[1][-1:].isdigit()]
    if not tones:
        return False  # no tone-numbered label: (mp3) or (IPv6) is none
    if sum(t in "234" for t in tones) >= 2:
        return False
    if len(set(_CANTONESE.findall(text))) >= 2 or _TONE_SIX.search(joined):
        return True
    return any(name in text for name in _CANTONESE_NAMES)


#: Words of a text about pronunciation (易读错字, 读音, 注音, 多音字, 是第一声), not inside
#: longer words (解读作物, 纪念作品, 关注音乐, 真正音乐, also with a farm's label between:
#: 關(guān)注音樂):
#: the real farm pages hold none (tests/test_pinyin_lessons.py).
_PRONUNCIATION = regex.compile(
    "(?<![解阅閱研宣]{label}?)[读讀](?:错|錯|音|作|成)|(?<![纪紀怀懷悼]{label}?)念作|唸作"
    "|(?<![关關专專]{label}?)注音|多音字|破音|(?<![真公纠糾]{label}?)正音"
    "|(?<=[是读讀念唸作])第[一二三四][声聲]".format(
        label=f"(?:[(（]{_SYLLABLE}[)）])"
    )
)
#: Labels of such a text, at most: a list of words, not a page labelled throughout.
PRONUNCIATION_LABELS = 12


def _about_pronunciation(
    text: str, infos: list[tuple[str, str, int] | None], verified: int
) -> bool:
    """Whether a page about pronunciation (常见的易读错字有酗(xù)酒、发酵(jiào)等) glosses a
    few characters (``verified`` labels), each once and tone-marked."""
    if not 2 <= verified <= PRONUNCIATION_LABELS or _PRONUNCIATION.search(text) is None:
        return False
    return _single_toned_glosses(infos)


def _bare_pinyin(text: str, pieces: list[str]) -> bool:
    """Whether the page writes a tone-marked pinyin syllable outside parentheses (把酗(xù)酒
    读成xiōng酒, 应读作shuì): a page about pronunciation. A farm's are all labels, but for
    the byte-shift garbage that ends one (日?qǐng))."""
    if _TONED_CHAR.search("".join(pieces[0::2])) is None:
        return False  # every tone mark sits in a label (a farm page): one quick scan
    for m in _BARE_PINYIN.finditer(text):
        a, b = m.start(), m.end()
        if b - a < 2:
            continue  # à, è: a French word's letter as often as a syllable
        # Written into Chinese text (读成xiōng酒, 读作shuì：), not a name in a label
        # (張偉(Zhāng Wěi)) or a foreign word (à la carte).
        if not (is_han(text[a - 1 : a] or "a") or is_han(text[b : b + 1] or "a")):
            continue
        toned = _toned_reading(m.group())
        if toned is not None and toned[0] in _syllables():
            return True
    return False


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable of the reading table (not café's cafe)."""
    return frozenset().union(*reading_bases().values())


_TONED_CHAR = re.compile(f"[{TONED_LETTERS}]")
#: A tone-marked Latin word outside parentheses, not part of a longer word, not after a
#: space (a name in a label: (Zhāng Wěi)) or the ``?`` of byte-shift garbage.
_BARE_PINYIN = re.compile(
    f"(?<![(（?A-Za-zÀ-ɏ\\s])[a-zü]*[{TONED_LETTERS}][a-zü{TONED_LETTERS}]*(?![a-zü{TONED_LETTERS}A-Za-zÀ-ɏ]|[)）])"
)


#: The characters a reader knows: the most frequent this many of the word list's. The real
#: farm pages label none beyond them (tests/test_pinyin_lessons.py): a converter's
#: dictionary holds common ones.
COMMON_CHARACTERS = 4000


def _rare_characters(infos: list[tuple[str, str, int] | None]) -> bool:
    """Whether every label, tone-marked and single, glosses a character beyond the
    :data:`COMMON_CHARACTERS` (樊昊昀(yún), 王堃(kūn)和李喆(zhé)), each once: a person
    glosses what a reader may not know, in either script and whatever the punctuation."""
    # The characters first, without a list: a farm's first label is on a common one.
    return all(info is None or _is_uncommon(info[0]) for info in infos) and (
        _single_toned_glosses(infos)
    )


@lru_cache(maxsize=4096)
def _is_uncommon(ch: str) -> bool:
    return convert(ch, "t2s") not in _common_characters()


@lru_cache(maxsize=1)
def _common_characters() -> frozenset[str]:
    from .byte_shift.model import char_counts  # the byte-shift model imports this module

    counts = char_counts()
    return frozenset(sorted(counts, key=counts.__getitem__, reverse=True)[:COMMON_CHARACTERS])


#: The Han characters of a list item that a label glosses (酗(xù)酒, 粗獷(guǎng)):
#: one word.
WORD_LIST_ITEM = 4


def _word_list(pieces: list[str], infos: list[tuple[str, str, int] | None]) -> bool:
    """Whether the labels gloss the words of a list: one tone-marked label in each word,
    the words one after another with nothing but list marks, spaces, line ends or option
    letters between them (酗(xù)酒、發酵(jiào)、粗獷(guǎng); (A)角(jiǎo)色 (B)處(chù)理),
    no character glossed twice. A farm labels characters inside running clauses, several
    in one, and a character at every occurrence (區 of 武侯區(qū)、成華區(qū))."""
    ends = list(accumulate(map(len, pieces)))
    text = "".join(pieces)
    previous_end = -1
    for k, info in enumerate(infos):
        if info is None and not (pieces[2 * k] and is_han(pieces[2 * k][-1])):
            continue  # an item's letter, (B), not a gloss (a wrong one is an exam's)
        before = _HAN_TAIL.search(pieces[2 * k])
        after = _HAN_HEAD.match(pieces[2 * k + 2])
        if len(before.group()) + len(after.group()) > WORD_LIST_ITEM:
            return False
        start = ends[2 * k] - len(before.group())
        if previous_end >= 0 and not _LIST_GAP.fullmatch(text, previous_end, start):
            return False
        if previous_end < 0:
            first_start = start
        previous_end = ends[2 * k + 1] + after.end()
    if previous_end < 0:
        return False  # no item
    # The list opens its line or follows a short heading (易讀錯字：, 你读对了吗?); a farm's
    # labels in an enumeration inside running text (…紅旗渠，自力更生、艱苦創(chuàng)業) do not.
    head = text[text.rfind("\n", 0, first_start) + 1 : first_start]
    han = len(head) - len(_HAN_RUNS.sub("", head))
    if _PROSE_MARK.search(head) is not None or han > LIST_HEADING:
        return False
    # Checked last: a farm's running text fails on its first label above, at less cost.
    return len(infos) - infos.count(None) >= 2 and _single_toned_glosses(infos)


_HAN_TAIL = re.compile(f"{HAN_CLASS}*$")
_HAN_HEAD = re.compile(f"{HAN_CLASS}*")
#: What stands between two words of a list: marks, spaces, an item's number or letter.
_LIST_GAP = re.compile(
    r"(?:[\s、，,；;/／|①-⑳]|[(（]?[A-Za-z0-9]{1,2}[)）.．、]|[一二三四五六七八九十]、)+"
)
#: The Han characters of a heading a list may follow (易讀錯字：, 下列词语中的字读音正确的是：).
LIST_HEADING = 16
#: Marks inside a sentence: running text, not a heading.
_PROSE_MARK = re.compile("[，。,；;]")
_HAN_RUNS = re.compile(f"{HAN_CLASS}+")


def _in_latin_text(text: str, runs: list[str]) -> bool:
    """Whether the labels sit in text written in Latin letters, twice as many outside the
    labels as there are other characters than ASCII (The Chinese word for love is
    愛(ài).): an English page glossing a few characters. A farm page is Chinese text, its
    ASCII digits, folded marks and labels."""
    ascii_text = text.encode("ascii", "ignore")
    letters = len(ascii_text.translate(None, _NOT_LETTERS))
    # Full-width marks are not counted: repair_punctuation makes them of ASCII ones, and
    # the page must be judged alike after it (mend of its output changes nothing).
    other = len(text) - len(ascii_text) - sum(map(text.count, MENDED_MARKS))
    if letters < 2 * other:
        return False  # the common answer, before the labels' letters are counted
    in_labels = len("".join(runs).encode("ascii", "ignore").translate(None, _NOT_LETTERS))
    if letters - in_labels < 2 * other:
        return False
    # Words quoted in English, not a Chinese paragraph beside an English one.
    return all(len(run) <= WORD_LIST_ITEM for run in _HAN_RUNS.findall(text))


#: Every byte but the ASCII letters, for ``bytes.translate`` to delete.
_NOT_LETTERS = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isalpha())


#: A person glosses a reading here and there: at most one label per this many Han
#: characters (a farm labels a character type at every occurrence, far more densely).
GLOSS_SPACING = 10
#: Traditional-only characters a simplified page may hold (names: 王丙乾) and still be one.
GLOSS_MAX_TRADITIONAL = 2
# An ASCII , ; : right after a Han character: punctuation folded, as a farm's is.
_FOLDED = re.compile(f"[,;:](?<={HAN_CLASS}[,;:])")


def is_glossed(
    text: str, infos: list[tuple[str, str, int] | None], scripts: tuple[int, int] | None
) -> bool:
    """Whether the verified labels of ``text`` are a person's glosses on a simplified page
    (历史上的单(chán)于…尉(yù)迟恭): the page is in simplified characters, its punctuation
    is full width and shows no stray comma, every label carries a tone and stands once,
    no character is glossed twice, and there is at most one label per
    :data:`GLOSS_SPACING` Han characters.

    Every farm page seen is converted to traditional characters, and a farm's labels are
    dense, toneless, doubled, or sit in punctuation folded to ASCII; a pipeline that
    converts pages to simplified before mending them leaves those signs. ``scripts`` is
    the text's (traditional-only, simplified-only) count when the caller has it.
    """
    # The cheap tests first: on a farm page one of them fails at once.
    if scripts is not None and scripts[0] > GLOSS_MAX_TRADITIONAL:
        return False
    if "，" not in text and "。" not in text or _FOLDED.search(text) is not None:
        return False
    if not _single_toned_glosses(infos):
        return False
    if "," in text and STRAY_RE.search(text) is not None:
        return False
    if scripts is None and scan.count_scripts(text)[0] > GLOSS_MAX_TRADITIONAL:
        return False
    return (len(infos) - infos.count(None)) * GLOSS_SPACING <= scan.han_count(text)


def _two_readings(
    text: str, runs: list[str], infos: list[tuple[str, str, int] | None]
) -> bool:
    """Whether one character carries two different tone-marked readings (``hui4`` and
    ``huì`` are one reading). Labels without a tone do not count: toneless labels are the
    style of SEO spinners, which label any occurrence and may take each character's reading
    from its word (pypinyin's default gives 银行 hang, 行走 xing)."""
    # No tone anywhere (a spinner's page): settled without a set of the labels. A tone mark
    # is a letter outside ASCII (str.isascii costs nothing on a string), a tone number a
    # digit; full-width parentheses, outside ASCII too, only cost the look below.
    if all(map(str.isascii, runs)) and not any(map("".join(runs).__contains__, "1234")):
        return False
    distinct = set(infos)  # a farm page repeats a few dozen runs
    distinct.discard(None)
    chars = len(set(map(_CHAR, distinct)))
    if len(distinct) == chars:
        return False  # one spelling per character, the farm's case
    labels = set(map(_CHAR_LABEL, distinct))  # 控(kong)(kong) and 控(kong): one label
    if len(labels) == chars:
        return False
    seen: dict[str, tuple[str, str]] = {}
    # A traditional character with several simplified forms (乾 for 干 and 乾, 著 for 着 and
    # 著) keeps the label of each source on a converted page: two readings, one farm, unless
    # the page is about pronunciation (破音字：著(zhù)作、著(zhuó)陸).
    merged = script_overrides()
    merged_seen: dict[str, tuple[str, str]] = {}
    about = None
    for ch, label in labels:
        reading = _toned_reading(label)
        if reading is None:
            continue
        if ch not in merged:
            if seen.setdefault(ch, reading) != reading:
                return True
        elif merged_seen.setdefault(ch, reading) != reading:
            if about is None:
                about = _PRONUNCIATION.search(text) is not None
            if about:
                return True
    return False


_CHAR = itemgetter(0)
_CHAR_LABEL = itemgetter(0, 1)


@lru_cache(maxsize=4096)
def _toned_reading(label: str) -> tuple[str, str] | None:
    """``huì``/``hui4`` -> (``hui``, ``4``); None for a label without a tone (``hui``,
    neutral ``de5``), which cannot tell two readings of one syllable apart."""
    parsed = parse_label(label)
    if parsed is None or parsed[1] is None or parsed[1] == "5":
        return None
    return parsed[0], parsed[1]


# Quotation marks around a single glossed character: CJK corner brackets, curly quotes and
# the ASCII quote a crawler's NFKC pass or a farm may leave.
_CLOSING_QUOTE = {"“": "”", "「": "」", "『": "』", "‘": "’", '"': '"'}


def _all_quoted(pieces: list[str], infos: list[tuple[str, str, int] | None]) -> bool:
    """Whether every verified run follows a character that stands alone in quotes:
    ``“行`` ends the piece before the run, ``”`` opens the piece after it. A farm page
    fails on its first label."""
    if not any(infos):
        return False
    for k, info in enumerate(infos):
        if info is None:
            continue
        before = pieces[2 * k]
        if _CLOSING_QUOTE.get(before[-2:-1]) != pieces[2 * k + 2][:1]:
            return False
    return True


def _rare_reading(infos: list[tuple[str, str, int] | None]) -> bool:
    """Whether some label, tone-marked and single, is the default reading of neither its
    character nor the character's other forms (讀(dòu) 龜(qiū) 會(kuài)): a person glosses
    the reading that needs it; a farm's converter writes each character's default (every
    tone-marked label of the real farm pages does). A character labelled twice with one
    reading is a farm's way."""
    found = [i for i in infos if i is not None]
    return _labelled_once(found) and any(
        n == 1 and _is_rare(ch, label) for ch, label, n in found
    )


def _single_toned_glosses(infos: list[tuple[str, str, int] | None]) -> bool:
    """Whether every verified label is tone-marked and written once, and no character
    carries two: how a person glosses (a farm labels a character at every occurrence)."""
    found = [i for i in infos if i is not None]
    return _labelled_once(found) and all(
        n == 1 and _toned_reading(label) is not None for _ch, label, n in found
    )


def _labelled_once(found: list[tuple[str, str, int]]) -> bool:
    """Whether no character carries two labels: a farm labels a character at every
    occurrence, a person glosses it once."""
    return len(set(map(_CHAR, found))) == len(found)


@lru_cache(maxsize=4096)
def _is_rare(ch: str, label: str) -> bool:
    toned = _toned_reading(label)
    if toned is None:
        return False
    reading = "".join(toned)
    defaults = default_readings()
    return all(defaults.get(form) != reading for form in _forms(ch))


@lru_cache(maxsize=4096)
def _forms(ch: str) -> frozenset[str]:
    """``ch`` and the characters a converter may have written it for: its simplified and
    traditional forms, and those a reading chooses between (乾 for 干 and 乾)."""
    return frozenset(
        (ch, convert(ch, "t2s"), convert(ch, "s2t"), *script_overrides().get(ch, ()))
    )


def _romanization_list(pieces: list[str], infos: list[tuple[str, str, int] | None]) -> bool:
    """Whether the labels romanize a list, not running text: as many of the parenthesised
    words are no reading of their character as are (山(yama)、王(wang)), or half the labelled
    characters stand alone, between list marks (王(wang)、李(li)、林(lin)). A farm labels
    characters inside words: the real pages have at most one label that is no reading, and
    at most a tenth of their labelled characters stand alone."""
    verified = len(infos) - infos.count(None)
    if infos.count(None) >= verified:
        return True  # 來(lai)食(tsiah)飯(png): another romanization, a reading here and there
    if verified < 3:
        return False
    alone = 0
    for k, info in enumerate(infos):
        if info is None:
            continue
        before = pieces[2 * k][-2:-1]
        after = pieces[2 * k + 2][:1]
        if before in _LIST_STARTS and after in _LIST_ENDS:
            alone += 1
    return 2 * alone >= verified


# What opens and what ends an item of a list (a number before a character makes it a
# measure word, 174條(tiáo), not an item).
_LIST_STARTS = frozenset(("", "、", "，", ",", "：", ":", "；", ";", "/", " ", "\n", "（", "("))
_LIST_ENDS = frozenset(("", "、", "，", ",", "；", ";", "/", "。", " ", "\n", "）", ")"))


def _all_note_heads(pieces: list[str], infos: list[tuple[str, str, int] | None]) -> bool:
    """Whether every verified run heads a note, the notes of a textbook or an annotated
    classic: the colon right after it (``說（yuè）：同「悅」``), or, on a page of two notes or
    more, after a word of at most three characters that opens its line (``鸛(guàn)雀樓：舊址在
    山西``, ``1. 少(shào)小:年纪小``); and some note glosses something
    (:func:`_glosses_something`). A farm labels characters in running text, and where its
    lines open with a labelled word and a colon (``會(huì)議:``, ``記(jì)者:``) the labels are the
    defaults of common characters."""
    heads = [k for k, info in enumerate(infos) if info is not None]
    if not heads or not any(_glosses_something(info) for info in infos if info is not None):
        return False  # 會(huì)議：, 記(jì)者： on a farm's list: defaults of common characters
    if all(pieces[2 * k + 2][:1] in ("：", ":") for k in heads):
        return True
    return len(heads) >= 2 and all(
        pieces[2 * k + 2][:1] in ("：", ":")
        or (_NOTE_WORD_REST.match(pieces[2 * k + 2]) and _opens_line(pieces, k))
        for k in heads
    )


def _glosses_something(info: tuple[str, str, int]) -> bool:
    """Whether a label tells a reader something: an uncommon character (鸛(guàn)), or a
    reading other than the default (少(shào), 說(yuè)). A farm writes the default of every
    character it labels, common ones above all."""
    ch, label, _n = info
    return _is_uncommon(ch) or _is_rare(ch, label)


#: The rest of a note's head word after its labelled first character, and the colon.
_NOTE_WORD_REST = re.compile(f"{HAN_CLASS}{{1,2}}[：:]")
#: What may stand before a note's first character on its line: a number or a circled one.
_NOTE_NUMBER = re.compile(r"[ \t]*(?:[0-9]{1,2}[.、．)）]\s*|[①-⑳]\s*)?")


def _opens_line(pieces: list[str], k: int) -> bool:
    """Whether the character before run ``k`` opens its line, after a note's number."""
    before = pieces[2 * k][:-1]
    cut = before.rfind("\n")
    if cut < 0 and k:
        return False  # the line began before the run before: running text
    return _NOTE_NUMBER.fullmatch(before, cut + 1) is not None


def _strip_explained(
    text: str, found: list[tuple[int, int, str, str, int]], learner: set[int], ctx: Context
) -> list[Edit]:
    """One edit per removed run, with the label styles and repeats as evidence. Built in
    bulk (comprehensions, ``map``): a farm page has a label every dozen characters."""
    if learner:
        gone = [f for f in found if f[0] not in learner]
        kept = len(found) - len(gone)
    else:
        gone, kept = found, 0
    groups = [text[start:end] for start, end, _ch, _label, _n in gone]
    labels = [label for _s, _e, _ch, label, _n in gone]
    edits = make_edits([(f[0], f[1], g, "", RULE) for f, g in zip(gone, groups)])
    # Position of each character in the text this fixer returns: its run's start, less
    # one, less what the runs before it removed.
    removed = accumulate((f[1] - f[0] for f in gone), initial=0)
    ctx.readings.update(zip([f[0] - 1 - r for f, r in zip(gone, removed)], labels))
    counts = ctx.counts
    counts.update(Counter(map(style_of, groups, labels)))
    _count(ctx, len(edits), kept)
    repeated = sum(f[4] > 1 for f in gone)
    if repeated:
        counts["pinyin_repeated"] += repeated
    return edits


def _steering_readings(text: str, stripped: str, readings: dict[int, str]) -> None:
    """Record the labels of the characters a reading can steer (:func:`script_overrides`).

    ``restore_script`` looks up no other label, and a page holds a few of these characters
    at most, against a label every dozen characters: the positions of the labels are never
    computed on the text-only path. Labels hold no Han character, so the n-th occurrence
    of a character in ``text`` is its n-th occurrence in ``stripped`` (``text`` without
    its verified runs), the position ``readings`` wants.
    """
    last: dict[str, int] = {}  # each character's occurrence found last in ``stripped``
    for m in _steered().finditer(text):
        ch = m.group()
        j = last[ch] = stripped.find(ch, last.get(ch, -1) + 1)
        # The run that split found right after the character, if any: a run cannot start
        # earlier and cover the character, which is Han.
        run = _SPLIT.match(text, m.end())
        if run is not None:
            info = _verified(ch, run.group())
            if info is not None:
                readings[j] = info[1]


@lru_cache(maxsize=1)
def _steered() -> re.Pattern[str]:
    """The characters of :func:`script_overrides`: one scan of the page for all ten."""
    return re.compile(f"[{''.join(sorted(script_overrides()))}]")


def _strip_text(
    text: str, found: list[tuple[int, int, str, str, int]], learner: set[int], ctx: Context
) -> list[Edit]:
    """The same removals as one edit of the whole text, when no explanation is wanted.

    Label styles and repeats are evidence only (:func:`zhmend.mend_and_explain`); the
    readings and the label count are what later fixers use.
    """
    pieces: list[str] = []
    pos = removed = kept = 0
    readings = ctx.readings
    for start, end, _ch, label, _n in found:
        if learner and start in learner:
            kept += 1
            continue
        pieces.append(text[pos:start])
        pos = end
        readings[start - 1 - removed] = label
        removed += end - start
    _count(ctx, len(found) - kept, kept)
    if not removed:
        return []
    pieces.append(text[pos:])
    return [Edit(0, len(text), text, "".join(pieces), RULE)]


def _count(ctx: Context, removed: int, kept: int) -> None:
    ctx.counts["pinyin_labels"] += removed
    if kept:
        ctx.counts["pinyin_kept_learner"] += kept


def _first(infos: list[tuple[str, str, int] | None]) -> tuple[str, str, int]:
    return next(i for i in infos if i is not None)


_LAST_CHAR = itemgetter(slice(-1, None))


@lru_cache(maxsize=1 << 16)
def _verified(ch: str, groups: str) -> tuple[str, str, int] | None:
    """``會``, ``(huì)`` -> (``會``, ``huì``, 1) when every label is a reading of ``ch``.

    Two arguments rather than their concatenation: the cache keys on the pair without
    building a string per label.
    """
    if not ch or not is_han(ch):
        return None
    # One group is the common case: its label is the text inside the parentheses.
    labels = [groups[1:-1]] if groups.count(groups[0]) == 1 else _ONE_GROUP.findall(groups)
    if not all(is_reading(ch, lab) for lab in labels):
        return None
    return ch, labels[0], len(labels)


def _learner_starts(text: str, starts: list[int]) -> set[int]:
    """The ``starts`` of verified groups that sit on learner lines (LEARNER_SHARE of their
    Han characters labelled, at least LEARNER_MIN_LABELS labels)."""
    learner: set[int] = set()
    n = len(text)
    i = 0
    while i + LEARNER_MIN_LABELS <= len(starts):
        at = starts[i]  # one step per line that holds labels
        end = text.find("\n", at)
        if end < 0:
            end = n
        j = bisect_left(starts, end, i)
        line = text.rfind("\n", 0, at) + 1
        speaker = _SPEAKER.match(text, line)
        if speaker is not None and speaker.end() <= at:
            line = speaker.end()
        if j - i >= LEARNER_MIN_LABELS and _learner_line(text, line, end, j - i):
            learner.update(starts[i:j])
        i = j
    return learner


def _no_learner_line(text: str) -> bool:
    """Whether no line of ``text`` can be a learner line, whichever of its labels verify.

    A line's verified runs are at most its opening parentheses ``g``, and each leaves its
    Han character out of the unlabelled ones: with ``u`` unlabelled Han characters the
    share is at most ``g / (g + u)``. Enough unlabelled characters (a farm line has them
    in its first few words) settle a line without the runs' positions; a line they do not
    settle is judged by :func:`_learner_starts`.
    """
    if text.count("(") + text.count("（") < LEARNER_MIN_LABELS:
        return True
    for line in text.split("\n"):
        groups = line.count("(") + line.count("（")
        if groups < LEARNER_MIN_LABELS:
            continue
        speaker = _SPEAKER.match(line)
        at = speaker.end() if speaker is not None else 0
        if _unlabelled_enough(groups).match(line, at) is None:
            return False
    return True


# A speaker's name opening a line of dialogue (大衛：你(nǐ)好(hǎo)): a lesson labels what
# is said, not who says it, so the name is left out of the line's share.
_SPEAKER = re.compile(f"[^\\S\\n]*{HAN_CLASS}{{1,4}}[：:]")


def _too_many_unlabelled(labels: int) -> int:
    """Unlabelled Han characters that keep a line with ``labels`` verified runs below
    LEARNER_SHARE: one more than ``labels * (1 - share) / share``, and one for rounding."""
    return int(labels * (1 - LEARNER_SHARE) / LEARNER_SHARE) + 2


@lru_cache(maxsize=1024)
def _unlabelled_enough(labels: int) -> re.Pattern[str]:
    """Matches at the start of a line that holds :func:`_too_many_unlabelled` unlabelled
    Han characters (:data:`_UNLABELLED_HAN`). One match, no match object per character;
    possessive runs of disjoint classes, so it never backtracks."""
    count = _too_many_unlabelled(labels)
    other = f"[^{HAN_RANGES}]*+"
    labelled = f"{HAN_CLASS}(?=[(（]){other}"
    return re.compile(f"(?:{other}(?:{labelled})*+{HAN_CLASS}(?![(（])){{{count}}}")


def _learner_line(text: str, start: int, end: int, labelled: int) -> bool:
    # A farm line has far more Han characters than labels: finding just enough of them
    # settles it without counting the whole line. The labelled characters are Han and
    # followed by a parenthesis; a few Han characters followed by anything else are enough
    # on a farm line, where most characters carry no label.
    enough = _han_against_learner(labelled)
    unlabelled = _UNLABELLED_HAN.finditer(text, start, end)
    if next(islice(unlabelled, enough - labelled - 1, None), None) is not None:
        return False
    if next(islice(_HAN.finditer(text, start, end), enough - 1, None), None) is not None:
        return False
    han = _HAN.subn("", text[start:end])[1]
    return bool(han) and labelled / han >= LEARNER_SHARE


@lru_cache(maxsize=1024)
def _han_against_learner(labelled: int) -> int:
    """The fewest Han characters that make ``labelled`` labels less than LEARNER_SHARE."""
    k = max(1, int(labelled / LEARNER_SHARE))
    while labelled / k >= LEARNER_SHARE:
        k += 1
    while k > 1 and labelled / (k - 1) < LEARNER_SHARE:
        k -= 1
    return k
