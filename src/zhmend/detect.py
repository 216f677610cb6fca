"""Evidence about a document: what the fixers found and the script decision.

One source of truth: ``mend`` decides whether to convert the script from exactly the
evidence reported here.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from . import scan
from .chars import HAN_CLASS, is_han, japanese_or_korean
from .tables import (
    convert,
    shared_forms,
    simplified_only,
    traditional_only,
    written_in_simplified,
)

if TYPE_CHECKING:
    from .findings import Finding

#: Simplified characters a character-by-character converter leaves in traditional output
#: (its table has no single answer for them: 后 is also 皇后, 于 also a surname), seen in the
#: words where genuine traditional text writes 後 並 於 麼. Matched in the converted page,
#: so written with the traditional form of their other characters where one exists.
RESIDUE_WORDS = (
    "以后 之后 然后 最后 后来 今后 随后 此后 其后 背后 后面 落后 前后 "
    "并且 并不 并非 并没有 并将 并在 并对 并与 并为 "
    "什么 怎么 这么 那么 多么 要么 "
    "于是 由于 关于 对于 属于 位于 等于 终于 处于 至于 在于 基于 用于 来自于 "
    "这里 那里 哪里 里面 心里 家里 夜里 城里 手里 干部 干净"
).split()
#: (Not 村里: Taiwan writes 村里 for its villages and boroughs, 村里長.)
#: The residue characters themselves (里 and 干 only inside the words above).
RESIDUE_WORD_CHARS = "于并后么里干"
#: Commas injected before another mark (,, ,、 ,。 ,;): no writer types them. The script
#: decision counts them; the pinyin fixer takes one for a farm page, never a lesson. A
#: farm injects one comma before a mark, so none of a run of three or more commas counts
#: (好吧,,, is a person's pause): no two commas before it, not one on either side, not
#: two after it. The comma opens the pattern (a literal the matcher skips to; the
#: look-behinds then look back past it): ten times faster than look-behinds first.
STRAY_RE = re.compile(r",(?<![,，]{2},)(?:(?<![,，],)(?![,，]{2})|(?![,，]))(?=[,，。、;；])")

#: Mainland words that neither Taiwan nor Hong Kong writes: 服务器 (both write 伺服器) and
#: 鼠标 (滑鼠). Met both in traditional characters on a page without 於 並 後 麼, they betray
#: a converted mainland text. A term needs a character that only traditional text writes
#: (短信 for 簡訊 or 短訊 reads the same in both scripts and cannot tell them apart).
#:
#: Words Hong Kong writes as the mainland does are no evidence: 軟件 硬件 網絡 互聯網 視頻
#: 屏幕 打印機 激光 營商環境 (and 數據 信息 質量). Nor is the mainland's official register,
#: which Hong Kong's own papers (大公報, 文匯報, whose bylines read 大公文匯全媒體) and its
#: government now write in their own voice: 高質量發展 新質生產力 數字化 調研 落地見效 全媒體.
#: 默認 is also everyone's word for tacit consent, and 出租車 reads 出租車位 出租車輛 (a space
#: or a car to let). Taiwan's encyclopedia writes 公交車 寬帶 筆記本電腦 about the mainland.
MAINLAND_TERMS = "服务器 鼠标".split()


#: What a per-character converter never writes: it leaves 于 并 后 么 as they are, while
#: genuine traditional text writes 於 並 後 麼 throughout (and 后 于 only in 皇后, a surname).
COUNTERPARTS = "於並後麼"
#: Characters such a converter leaves alone, judged in context by OpenCC's phrases
#: (這里 關于 一只 干淨 stand out; 公里 皇后 只有 do not).
CONVERTER_RESIDUE = "于并后么里干只"
#: Traditional forms that phrases require where a per-character converter writes the
#: character's default form: 關係 製造 複雜 稱讚 收穫 雜誌 委託 駐紮 頭髮 日曆 批准 放鬆 穀物
#: 長征 北斗 防禦 精緻. Written by hand from the standard forms; pairs that Taiwan and Hong
#: Kong write either way are left out: 布/佈 周/週 了/瞭 遊/游, and the 面 板 表 胡 卷 of
#: menus and everyday posts (牛肉面, 老板, 手表, 胡子, 春卷) where the standard writes 麵 闆 錶
#: 鬍 捲.
SLIP_FORMS = frozenset("係製複讚穫誌託紮髮曆准鬆穀征斗禦緻")
#: Below this many Han characters a text without 於 並 後 麼 proves little, so a single
#: converter mark is not enough.
SHORT_TEXT = 300
#: A single residue 于 并 后 么 where phrases write 於 並 後 麼 decides from this length on.
#: Genuine traditional text writes these four about once in 80 Han characters, so a text of
#: 150 without any is already unusual (about one in seven), and one that writes the
#: simplified form right where the traditional one belongs is rarer still; a slip such as
#: 製 or 曆 is weaker (some traditional writers use 制 and 歷 there), so it waits for
#: SHORT_TEXT.
SHORT_RESIDUE_TEXT = 150
#: Traditional-only characters a page that is not traditional-looking must hold before the
#: farm's stray commas convert it: more than a name in traditional form.
MIXED_FARM_TEXT = 5


@dataclass(frozen=True)
class ScriptDecision:
    """The per-document script decision and the evidence behind it."""

    script: str  # "simplified", "traditional", "mixed" or "none" (no Han text)
    converted_from_simplified: bool
    reasons: tuple[str, ...]
    traditional_chars: int
    simplified_chars: int
    residue: Mapping[str, int]
    mainland_terms: Mapping[str, int]
    #: 于 并 后 么 where a phrase-aware converter writes 於 並 後 麼 (see residue_chars).
    residue_chars: int = 0
    #: How many 於 並 後 麼 the text holds (a converted page has none).
    counterparts: int = 0
    #: Marks of a per-character converter (see converter_marks): residue characters and
    #: slips such as ``復>複`` (the page wrote 復 where the phrase needs 複).
    converter_marks: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "script": self.script,
            "converted_from_simplified": self.converted_from_simplified,
            "reasons": list(self.reasons),
            "traditional_chars": self.traditional_chars,
            "simplified_chars": self.simplified_chars,
            "residue": dict(self.residue),
            "mainland_terms": dict(self.mainland_terms),
            "residue_chars": self.residue_chars,
            "counterparts": self.counterparts,
            "converter_marks": dict(self.converter_marks),
        }


@dataclass(frozen=True)
class Evidence:
    """What was found in one document, the script decision and the content-farm score.

    ``counts`` maps finding names to how often they occur (fixer counters and detector
    findings, see docs/inspect.md); ``findings`` locate each one in the input; ``farm_score``
    is :func:`farm_score` of the counts and the script decision.
    """

    counts: Mapping[str, int] = field(default_factory=dict)
    script: ScriptDecision | None = None
    farm_score: float = 0.0
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "counts": dict(sorted(self.counts.items())),
            "script": self.script.to_dict() if self.script else None,
            "farm_score": self.farm_score,
            "findings": [f.to_dict() for f in self.findings],
        }


_HAN = re.compile(HAN_CLASS)
_NONE_FOUND: Mapping[str, int] = Counter()


def _to_traditional(words: list[str], keep: str = "") -> tuple[str, ...]:
    """Words in traditional characters, except the characters in ``keep``."""
    out = []
    for word in words:
        converted = convert(word, "s2t")
        if len(converted) == len(word):
            converted = "".join(w if w in keep else c for w, c in zip(word, converted, strict=True))
        out.append(converted)
    return tuple(out)


@lru_cache(maxsize=1)
def _terms_re() -> re.Pattern[str]:
    # Plain alternations of words: the standard ``re`` finds them three times faster.
    trad = traditional_only()
    terms = [t for t in _to_traditional(MAINLAND_TERMS) if any(c in trad for c in t)]
    return re.compile("|".join(sorted(terms, key=len, reverse=True)))


@lru_cache(maxsize=1)
def _shared_re() -> re.Pattern[str]:
    return re.compile(f"[{''.join(sorted(shared_forms()))}]")


@lru_cache(maxsize=1)
def _residue_re() -> re.Pattern[str]:
    words = set(RESIDUE_WORDS) | set(_to_traditional(RESIDUE_WORDS, keep=RESIDUE_WORD_CHARS))
    return re.compile("|".join(sorted(words, key=len, reverse=True)))


def count_scripts(text: str) -> tuple[int, int]:
    """(traditional-only, simplified-only) character counts."""
    return scan.count_scripts(text)


def decide_script(
    text: str,
    verified_labels: int,
    counts: tuple[int, int] | None = None,
    detail: bool = True,
    labels_on_traditional: int = 0,
) -> ScriptDecision:
    """Was this traditional-looking text converted mechanically from simplified?

    Converted when traditional-only characters dominate and at least one independent sign
    of a mainland source is present: verified pinyin labels, simplified residue words
    (之后 并且 关于 这里 干部) mixed into traditional text, mainland vocabulary written in
    traditional characters on a page without 於 並 後 麼, or the farm's injected stray
    commas.
    ``counts`` is ``count_scripts(text)`` when the caller has it already. ``detail=False``
    skips ``residue_chars`` (evidence for the farm score, not for the decision, and costly),
    and everything else once verified labels have decided: ``mend`` without an explanation
    reports none of it. ``labels_on_traditional``: how many of the verified labels follow a
    traditional-only character, counted on pages that are not traditional-looking (a farm
    body inside a simplified template).
    """
    t, s = counts if counts is not None else count_scripts(text)
    trad_looking = scan.traditional_looking(text, t, s)
    # Empty mappings are shared, never updated: a farm page decided by its labels builds
    # no counter at all.
    residue: Mapping[str, int] = _NONE_FOUND
    terms: Mapping[str, int] = _NONE_FOUND
    marks: Mapping[str, int] = _NONE_FOUND
    loose = counterparts = strays = 0
    # Without detail, verified labels decide on their own and nobody reads the rest.
    decided = bool(verified_labels) and not detail
    # Only traditional-looking text needs them (and they cost).
    # The lines a converter wrote: residue and marks are looked for there only (made once,
    # when one of them needs it).
    scoped: str | None = None
    if trad_looking and not decided:
        if any(c in text for c in RESIDUE_WORD_CHARS):
            scoped = traditional_lines(text)
            residue = Counter(_residue_re().findall(scoped))
            loose = residue_chars(scoped) if detail else 0
        terms = Counter(_terms_re().findall(text))
        if terms and _taiwan_terms(text):
            terms = _NONE_FOUND  # a glossary setting 伺服器 beside 服務器 quotes them
    han = bool(t or s) or _HAN.search(text) is not None
    if not han:
        script = "none"
    elif t and s:
        script = "mixed"  # or traditional, below, once the decision is known
    elif t:
        script = "traditional"
    else:
        script = "simplified"
    reasons: list[str] = []
    converted = False
    if trad_looking:
        if verified_labels:
            reasons.append(f"{verified_labels} verified pinyin label(s)")
        if not decided:
            chars = {c for word in residue for c in word if c in RESIDUE_WORD_CHARS}
            if len(residue) >= 3 and len(chars) >= 2:
                words = " ".join(sorted(residue))
                reasons.append(f"simplified residue {words} in traditional text")
            strays = injected_strays(text) if "," in text else 0
            if strays >= 2:
                reasons.append(f"{strays} injected stray commas")
            counterparts = sum(text.count(c) for c in COUNTERPARTS)
            # Vocabulary travels (Hong Kong writers take up mainland words), the converter's
            # lack of 於 並 後 麼 does not: words speak only on a page that shows it.
            if len(terms) >= 2 and not counterparts:
                words = " ".join(sorted(terms))
                reasons.append(f"mainland vocabulary {words} and no 於並後麼")
            # Without 於 並 後 麼 anywhere, the converter's marks speak; the round trip
            # they need costs two conversions, so mend skips it when the page is decided.
            if not counterparts and (detail or not reasons):
                if scoped is None:
                    has_residue = any(c in text for c in CONVERTER_RESIDUE)
                    scoped = traditional_lines(text) if has_residue else text
                marks = converter_marks(scoped)
                reason = _marks_reason(scoped, marks, len(terms))
                if reason:
                    reasons.append(reason)
        converted = bool(reasons)
        if converted and not (verified_labels or strays >= 2) and japanese_or_korean(text):
            # Kyujitai and hanja are traditional-only characters, and Japanese writes 里 台
            # 干 只; a farm converts Chinese. (A Japanese or Korean page's labels are kept by
            # strip_pinyin_annotations, so labels that went were a farm's; no person types
            # the farm's stray commas.)
            converted = False
            reasons.clear()
    elif t and (labels_on_traditional >= 2 or (t >= MIXED_FARM_TEXT and "," in text)):
        # Simplified breadcrumbs, keyword lines and 相关推荐 around a short farm body keep
        # the page from looking traditional; the farm's injections on the body's lines
        # (labels on their traditional characters, strays among them) still say whose
        # those characters are. Converting the simplified rest changes nothing there.
        found = []
        if labels_on_traditional >= 2:
            found.append(f"{labels_on_traditional} verified pinyin label(s) on them")
        if t >= MIXED_FARM_TEXT and "," in text:
            part, n = traditional_part(text)
            strays = injected_strays(part) if n >= MIXED_FARM_TEXT else 0
            if strays >= 2:
                found.append(f"{strays} injected stray commas among them")
        if found:
            reasons.append(
                f"lines of traditional text in a simplified page, {' and '.join(found)}"
            )
        converted = bool(reasons)
    if script == "mixed" and trad_looking and (detail or not converted):
        # 里 台 后 于 干 准 are written in traditional text too: text whose simplified-only
        # characters are all such is traditional (most Taiwan and Hong Kong pages). mend
        # reads no label of a page it converts (detail is off): the count is skipped.
        if s == len(_shared_re().findall(text)):
            script = "traditional"
    return ScriptDecision(
        script,
        converted,
        tuple(reasons),
        t,
        s,
        dict(residue),
        dict(terms),
        loose,
        counterparts,
        dict(marks),
    )


def traditional_spans(text: str) -> tuple[list[tuple[int, int]], int]:
    """The lines of ``text`` that look traditional on their own (the test of
    :func:`scan.traditional_looking`, line by line) as ``(start, end)``, and how many
    traditional-only characters they hold. Only those that simplified text never writes
    count: GB 2312 has 著 乾 夥 徵 (显著, 王丙乾), and a page teaching traditional forms
    quotes them one at a time in simplified lines (繁体写作髮(fà))."""
    codes = scan.codes_of(text)
    cls = scan.class_table().take(codes)
    breaks = np.flatnonzero(codes == 10)
    lo = np.concatenate(([0], breaks + 1))
    hi = np.concatenate((breaks, [len(text)]))

    def per_line(mask: np.ndarray) -> np.ndarray:
        total = np.concatenate(([0], np.cumsum(mask)))
        return total[hi] - total[lo]

    t = per_line(((cls & scan.TRAD) != 0) & ~np.isin(codes, _written_in_simplified()))
    s = per_line((cls & scan.SIMP) != 0)
    left = per_line(np.isin(codes, _leftover_codes()))
    looks = (t > 0) & ((t >= 2 * s) | (t >= 2 * (s - left)))
    spans = [(int(a), int(b)) for a, b in zip(lo[looks], hi[looks])]
    return spans, int(t[looks].sum())


def traditional_part(text: str) -> tuple[str, int]:
    """The lines of :func:`traditional_spans`, joined, and their traditional-only
    characters that simplified text never writes."""
    spans, n = traditional_spans(text)
    return "\n".join(text[a:b] for a, b in spans), n


@lru_cache(maxsize=1)
def _written_in_simplified() -> np.ndarray:
    return np.array(sorted(map(ord, written_in_simplified())), dtype=np.uint32)


@lru_cache(maxsize=1)
def _leftover_codes() -> np.ndarray:
    return np.array(sorted(map(ord, scan.CONVERTER_LEFTOVERS)), dtype=np.uint32)


def traditional_lines(text: str) -> str:
    """``text`` without the lines and quotes that hold 于 并 后 么 里 干 只 and simplified
    characters but no traditional-only one.

    A per-character converter converts every line of a page; an all-simplified line of a
    traditional page is the site's own (a portal's 相关阅读：关于…, an editor's note) or a
    quote, and its 于 并 后 么 say nothing of the traditional text.
    """
    residue, traditional, simplified = _residue_char_re(), _traditional_re(), _simplified_re()

    def simplified_only_text(piece: str) -> bool:
        # 并且 or 最后 alone is in neither script: only simplified text says nothing.
        return bool(residue.search(piece) and simplified.search(piece)) and not (
            traditional.search(piece)
        )

    def quoted_aside(piece: str) -> bool:
        # A word quoted in corner brackets to be talked about (簡體字「干部」的「干」) is no
        # residue either; mainland news, farms' included, quotes its terms in “” (“90后”).
        short = piece[0] in "「『" and len(piece) <= QUOTED_WORD + 2
        return (short and not traditional.search(piece)) or simplified_only_text(piece)

    if "「" in text or "“" in text or "『" in text:
        # A quote of simplified text (a Weibo post in a Hong Kong article) says nothing
        # either: a converter would have converted it with the rest.
        quoted = _QUOTE_SPAN.sub(
            lambda m: "" if quoted_aside(m.group()) else m.group(), text
        )
        if len(quoted) != len(text):
            text = quoted
    if "\n" not in text:
        return text
    lines = text.split("\n")
    kept = [ln for ln in lines if not simplified_only_text(ln)]
    return text if len(kept) == len(lines) else "\n".join(kept)


#: A quote within a line. The opening mark is excluded from the body, so a mark left
#: unclosed is not searched to its line's end from every later one.
_QUOTE_SPAN = re.compile("「[^「」\n]*」|“[^“”\n]*”|『[^『』\n]*』")
#: The characters of a quoted word, at most: 「干部」 names the word.
QUOTED_WORD = 4


@lru_cache(maxsize=1)
def _simplified_re() -> re.Pattern[str]:
    """Simplified-only characters that traditional text never writes (not 里 台 后 于)."""
    return _bmp_class(simplified_only() - shared_forms())


@lru_cache(maxsize=1)
def _residue_char_re() -> re.Pattern[str]:
    return re.compile(f"[{''.join(sorted(set(CONVERTER_RESIDUE + RESIDUE_WORD_CHARS)))}]")


@lru_cache(maxsize=1)
def _traditional_re() -> re.Pattern[str]:
    return _bmp_class(traditional_only())


def _bmp_class(chars: frozenset[str]) -> re.Pattern[str]:
    """A character class of the ``chars`` of the Basic Multilingual Plane: with one astral
    character, ``re`` tests each character of a text against the whole list (500 µs a
    page, not 1), and the few astral ones (rare CJK extension characters) say little."""
    return re.compile(f"[{''.join(sorted(c for c in chars if ord(c) <= 0xFFFF))}]")


def _taiwan_terms(text: str) -> bool:
    """Whether ``text`` writes the Taiwan and Hong Kong words for the mainland terms (伺服器
    滑鼠), which a converter never writes: a glossary setting the two side by side."""
    return "伺服器" in text or "滑鼠" in text


def injected_strays(text: str) -> int:
    """Stray commas that speak for a converted page: all of them (STRAY_RE), when one
    stands before a mark other than a comma. A farm injects them before ，。、； alike;
    a person may double a comma (很好吃,,推薦), never put one before 。 or 、."""
    found = 0
    other = False
    for m in STRAY_RE.finditer(text):
        found += 1
        other = other or text[m.end()] not in ",，"
    return found if other else 0


def converter_marks(text: str) -> Counter[str]:
    """Where a per-character converter shows: ``于`` ``里`` … and slips like ``復>複``.

    The text is converted to simplified and back to traditional with OpenCC's phrases; a
    character of :data:`CONVERTER_RESIDUE` that the phrases write otherwise counts under its
    own name, and a character written in its default form where the phrases need one of
    :data:`SLIP_FORMS` counts as ``default>form``.
    """
    back = convert(to_simplified(text), "s2t")
    marks: Counter[str] = Counter()
    if len(back) != len(text) or back == text:
        return marks  # a phrase changed length (positions no longer align), or no mark
    # The round trip changes a few characters of a page: compare the code points at once
    # and look only at those.
    changed = np.flatnonzero(scan.codes_of(text) != scan.codes_of(back)).tolist()
    simple = to_simplified(text)
    for i in changed:
        a, b = text[i], back[i]
        if a in CONVERTER_RESIDUE:
            if a == "于":
                if is_preposition(text, i, simple):
                    marks[a] += 1
            elif not in_own_word(text, i):
                marks[a] += 1
        elif b in SLIP_FORMS and _default_form(a) == a:
            marks[f"{a}>{b}"] += 1
    return marks


#: Characters after and before 里 干 么 in words that genuine traditional text writes with
#: them, where OpenCC's phrases write 裡 乾 麼: Taiwan's boroughs and their chiefs (龍安里里長,
#: 每個里, 該里里民), a borough's name ending a list item or a line (中山里、中正里), 豆干 干貝
#: 魚干 餅干 and the dry-fried dishes of a menu (干炒牛河, 干燒伊麵), the youngest child (老么
#: 么妹), Taichung's 后里 and 后豐 (往后里: a place, not 往后 "afterwards"), and 么么 (么么茶,
#: 么么噠: no converter writes 麼麼 as 么么 twice over 什么). A residue word before them still
#: counts (這里，).
_OWN_WORD_AFTER = {
    "里": "里長民辦幹、，,：:」\" \n",
    "干": "貝炒燒煸",
    "么": "妹女兒弟子么",
    "后": "里豐",
}
_OWN_WORD_BEFORE = {"里": "個每該本各鄰全后", "干": "豆魚肉菜筍蔔餅", "么": "老么"}


def in_own_word(text: str, i: int) -> bool:
    """Whether ``text[i]``, 里 干 么 or 后, stands in a word that traditional text writes with
    it (里長 豆干 老么 后里), not where a per-character converter left it (這里 干部 什么)."""
    ch = text[i]
    after = text[i + 1 : i + 2]
    before = text[i - 1 : i] if i else ""
    if before + ch in _residue_pairs():
        return False  # 這里長期, 什么女人: the residue word comes first
    if not after and ch == "里":
        return True  # a borough's name ending the text (本里, 中山里)
    return bool(
        (after and after in _OWN_WORD_AFTER.get(ch, ""))
        or (before and before in _OWN_WORD_BEFORE.get(ch, ""))
    )


@lru_cache(maxsize=1)
def _residue_pairs() -> frozenset[str]:
    """The last two characters of the residue words ending in 里 or 么, as the converted
    page writes them (這里 什么)."""
    words = _to_traditional(RESIDUE_WORDS, keep=RESIDUE_WORD_CHARS)
    return frozenset(w[-2:] for w in words if w[-1] in "里么")


#: Words that follow 于 where it opens a date or a time (于2021年 于近日): the preposition.
YU_TIME_WORDS = frozenset(
    "今年 明年 去年 前年 当年 同年 近日 近期 日前 此前 今天 明天 昨天 今日 明日 昨日 当天 "
    "当日 当晚 次日 同日 上午 下午 晚上 本月 上月 下月 月底 本周 上周 下周 年初 年底 本届 "
    "同期".split()
)
#: Characters before 于 that make it the preposition of a date or place (将于 已于 拟于).
YU_AUXILIARIES = "将已曾拟均亦"
#: Characters that end the words before a name (委员 教授 记者 主席 歌手 演员, and 与 和 访
#: 问 of 与于北辰会面, 专访于美人): after one of them, 于 may be a surname.
BEFORE_NAMES = frozenset(
    "员长师授者士生席记理任官人手家星演委帅事督导友"  # titles
    "和与及跟同向给被让请找访见问称"  # with, to, visit
)
_NUMERALS = "一二三四五六七八九十〇零两"


def is_preposition(text: str, i: int, simple: str | None = None) -> bool:
    """Whether ``text[i]``, 于, is the preposition that traditional text writes 於, not
    the surname 于 that it writes 于 too (立法委員于北辰): a page of genuine traditional
    text may name a 于 without a single 於 並 後 麼, and must not read as converted.

    The preposition ends a word of the shipped word list (由于 位于 高于 有利于), opens 于是
    or 于今, opens a date or time (于2021年 于近日), or follows an auxiliary (将于 已于) or
    any other Han character but those of :data:`BEFORE_NAMES` (致力于 藏粮于地). A name
    stands after punctuation, at the start of a line or after a title or a word such as 与.
    ``simple`` is ``text`` converted to simplified, when the caller has it.
    """
    lo = max(0, i - 3)
    piece = text[lo : i + 3]
    if simple is not None and len(simple) == len(text):
        window = simple[lo : i + 3]
    else:
        window = convert(piece, "t2s")
        if len(window) != len(piece):
            return True  # a phrase changed length: keep the mark, as before
    at = i - lo
    after = window[at + 1 : at + 3]
    if after and (after[0].isdigit() or after[0] in _NUMERALS):
        return True
    if after in YU_TIME_WORDS or window[at : at + 2] in ("于是", "于今"):
        return True
    if not at:
        return False
    before = window[at - 1]
    if before in YU_AUXILIARIES:
        return True
    words = _words_ending_in_yu()
    if any(window[at - k : at + 1] in words for k in (1, 2, 3) if at >= k):
        return True
    return is_han(before) and before not in BEFORE_NAMES


@lru_cache(maxsize=1)
def _words_ending_in_yu() -> frozenset[str]:
    from .fixers.byte_shift.model import word_counts  # the fixers import this module

    return frozenset(w for w in word_counts() if len(w) > 1 and w.endswith("于"))


@lru_cache(maxsize=1)
def to_simplified(text: str) -> str:
    """OpenCC t2s of ``text``, the last page remembered: the converter marks convert a
    page that ``restore_script`` then converts again when they decide."""
    return convert(text, "t2s")


@lru_cache(maxsize=4096)
def _default_form(ch: str) -> str:
    """The character a per-character converter writes for ``ch``'s simplified form."""
    return convert(convert(ch, "t2s"), "s2t")


def _marks_reason(text: str, marks: Mapping[str, int], terms: int) -> str | None:
    """The reason converter marks give, if they are enough on a page without 於並後麼.

    Two signs (marks, or a mark and a mainland term), or one mark on a text long enough
    that genuine traditional writing would have used 於 並 後 麼 by then: a residue 于 并
    后 么 from :data:`SHORT_RESIDUE_TEXT` Han characters on, any other mark from
    :data:`SHORT_TEXT`. Residue words are not counted again: their residue character is a
    mark already.
    """
    found = sum(marks.values())
    if not found or reads_classical(text):
        return None
    if found + terms < 2:
        # A lone 里 proves nothing: transliterations (埃里克, 馬里) trip OpenCC's phrases.
        if "里" in marks:
            return None
        han = scan.han_count(text)
        residue = any(mark in RESIDUE_CHARS for mark in marks)
        if han < (SHORT_RESIDUE_TEXT if residue else SHORT_TEXT):
            return None
    listed = " ".join(f"{k}×{v}" if v > 1 else k for k, v in sorted(marks.items()))
    return f"per-character conversion marks {listed} and no 於並後麼"


#: Particles of the modern written language: a converted news page holds some of them.
MODERN_PARTICLES = "的了们們这這"
#: Particles of classical Chinese, which writes 于 后 并 里 干 in their own right (之子于歸,
#: 皇天后土): at least one Han character in CLASSICAL_SHARE is one of them.
CLASSICAL_PARTICLES = "之其而曰也乎矣兮焉"
CLASSICAL_SHARE = 40


def reads_classical(text: str) -> bool:
    """Whether ``text`` is classical Chinese (a poem of the 詩經, a passage of the 論語):
    no particle of the modern language and many classical ones. OpenCC's phrases are those
    of the modern language, so the converter marks say nothing of such text. No document
    of the clean news or the traditional set reads classical."""
    if any(c in text for c in MODERN_PARTICLES):
        return False
    particles = sum(text.count(c) for c in CLASSICAL_PARTICLES)
    han = scan.han_count(text)
    return bool(han) and particles * CLASSICAL_SHARE >= han


#: Residue characters whose traditional form genuine text all but always writes (後 並 麼
#: 於); 后 stays in 皇后, 于 in a surname, which a phrase-aware converter knows.
RESIDUE_CHARS = "于并后么"
_RESIDUE_WINDOW = 2


def residue_chars(text: str) -> int:
    """How many of 于 并 后 么 a phrase-aware converter would write otherwise here.

    Each occurrence is judged in a window of two characters either side: normalised to
    simplified and converted back to traditional with OpenCC's phrases, does it change?
    Wider than :data:`RESIDUE_WORDS` (高于, 先后, 并强调), so it only weighs in the farm
    score, never in the conversion decision on its own.
    """
    n = 0
    # str.find per character: Python would visit every character of the page.
    for ch in RESIDUE_CHARS:
        i = text.find(ch)
        while i != -1:
            lo = max(0, i - _RESIDUE_WINDOW)
            window = text[lo : i + _RESIDUE_WINDOW + 1]
            back = _round_trip(window)
            if len(back) == len(window) and back[i - lo] != ch:
                # 于 as a surname (立法委員于美人) is no residue, nor the words traditional
                # text writes so (后里, 老么), as for the converter marks.
                if ch == "于":
                    n += is_preposition(text, i)
                else:
                    n += not in_own_word(text, i)
            i = text.find(ch, i + 1)
    return n


@lru_cache(maxsize=16384)
def _round_trip(window: str) -> str:
    """``window`` to simplified and back with OpenCC's phrases: the windows of 之後 以後
    並且 recur across pages, and two conversions cost more than the lookup."""
    return convert(convert(window, "t2s"), "s2t")


#: What the script evidence learns from the documents it sees (residue windows): emptied by
#: :func:`zhmend.inspection.clear_caches`.
LEARNT_CACHES = (_round_trip,)


#: The farm score's terms: finding name -> (weight, cap). Each adds
#: ``weight * log2(1 + min(count, cap))`` to the log-odds, so the first occurrence of an
#: artifact says the most and repeats say less and less; the cap bounds what a single kind
#: of artifact can say. Strong signs of a farm (labels verified as readings, a page
#: converted from simplified, injected commas and symbols) weigh most; signs that clean
#: pages also show now and then (ASCII punctuation after an NFKC pass, a lost character,
#: page chrome, a zero-width space) can never reach the threshold alone.
FARM_WEIGHTS: Mapping[str, tuple[float, int]] = {
    "pinyin_labels": (3.0, 64),
    "script_converted_from_simplified": (7.0, 1),
    "residue_chars": (1.5, 8),
    "mainland_terms": (1.5, 8),
    "stray_commas": (2.5, 64),
    "junk": (3.0, 64),
    "seo_header": (3.0, 2),
    "mojibake": (1.5, 7),
    "unverified_labels": (1.0, 7),
    "ascii_punct": (1.0, 15),
    "page_chrome": (0.75, 3),
    "invisible": (0.5, 15),
}
#: Log-odds of a document with no finding at all: a score of about 0.25%.
FARM_BIAS = -6.0
#: Signs clean pages also show (a crawler's NFKC pass, a lost character, page furniture, a
#: CMS's zero-width space, a romanization): together they add at most WEAK_CAP, a score of
#: 0.38, so they never reach the threshold without a farm's own sign. Apart, each would
#: stay below it, but a furnished page saved through NFKC shows several.
WEAK_SIGNS = frozenset({"ascii_punct", "page_chrome", "invisible", "mojibake", "unverified_labels"})
WEAK_CAP = 5.5
#: Scores at or above this call a document a content-farm page (``verdict``).
FARM_THRESHOLD = 0.5


def farm_features(counts: Mapping[str, int], script: ScriptDecision | None) -> dict[str, int]:
    """The counts the farm score weighs, by the names of :data:`FARM_WEIGHTS`."""
    features = {
        name: counts.get(name, 0)
        for name in (
            "pinyin_labels",
            "stray_commas",
            "seo_header",
            "mojibake",
            "unverified_labels",
            "ascii_punct",
            "page_chrome",
        )
    }
    features["junk"] = counts.get("junk_symbols", 0) + counts.get("junk_dots", 0)
    features["invisible"] = counts.get("invisible", 0) + counts.get("lone_surrogates", 0)
    converted = bool(script and script.converted_from_simplified)
    features["script_converted_from_simplified"] = int(converted)
    # Residue and vocabulary only speak for traditional-dominant pages (decide_script's rule).
    dominant = bool(script and script.traditional_chars >= 2 * script.simplified_chars)
    features["residue_chars"] = script.residue_chars if script and dominant else 0
    # Vocabulary speaks only where 於 並 後 麼 are missing, as in the decision.
    speaks = bool(script and dominant and not script.counterparts)
    features["mainland_terms"] = sum(script.mainland_terms.values()) if speaks else 0
    return features


def farm_score(counts: Mapping[str, int], script: ScriptDecision | None) -> float:
    """Probability-like score in [0, 1] that the document is a content-farm page.

    ``1 / (1 + exp(-z))`` with ``z = FARM_BIAS + sum(weight * log2(1 + min(count, cap)))``
    over :data:`FARM_WEIGHTS`, the terms of :data:`WEAK_SIGNS` adding at most
    :data:`WEAK_CAP` together. Rounded to 4 decimals so reports and columns are stable.
    """
    if not counts and not (script and script.traditional_chars):
        return _NOTHING_FOUND  # the common case of clean simplified text
    z = FARM_BIAS
    weak = 0.0
    for name, count in farm_features(counts, script).items():
        if count:
            weight, cap = FARM_WEIGHTS[name]
            if name in WEAK_SIGNS:
                weak += weight * math.log2(1 + min(count, cap))
            else:
                z += weight * math.log2(1 + min(count, cap))
    z += min(weak, WEAK_CAP)
    return round(1.0 / (1.0 + math.exp(-z)), 4)


_NOTHING_FOUND = round(1.0 / (1.0 + math.exp(-FARM_BIAS)), 4)
