"""Findings: artifacts located in a document, each with its span in the input.

Two sources, one vocabulary. What the fixers act on (labels, punctuation, invisible and
injected junk) is read back from the edits of ``mend_and_explain``, so the report shows
exactly what mending removes. What no fixer touches (mojibake, SEO keyword headers, page
chrome, pinyin that is not a reading of its character) is found here by detectors that only
look. A finding's ``name`` is the key it is counted under in :class:`~zhmend.detect.Evidence`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter

import numpy as np

from . import scan
from .chars import CJK_PUNCT, HAN_RANGES, TONED_LETTERS, ends_question
from .detect import Evidence, ScriptDecision, farm_score
from .edits import Edit
from .fixers.junk import SYMBOL_CLASS
from .fixers.pinyin import _GROUP, _SYLLABLE, is_reading, parse_label, style_of
from .tables import convert, reading_bases

#: The order of findings: by position, then name.
_TEXT_ORDER = attrgetter("start", "end", "name")

#: Finding names, each also a key of ``Evidence.counts``. The first group comes from the
#: fixers' edits, the second from the detectors in this module.
FIXER_FINDINGS = (
    "invisible",
    "lone_surrogates",
    "junk_symbols",
    "junk_dots",
    "pinyin_labels",
    "ascii_punct",
    "stray_commas",
)
DETECTED_FINDINGS = ("unverified_labels", "mojibake", "seo_header", "page_chrome")


@dataclass(frozen=True, slots=True)
class Finding:
    """One artifact: ``text[start:end]`` of the input is ``text``; ``detail`` names its kind."""

    name: str
    start: int
    end: int
    text: str
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "detail": self.detail,
        }


# --- findings read back from the fixers' edits -------------------------------------------

# _SYLLABLE and _GROUP are the fixer's label shapes: a label here is exactly a label there.
_HAN = f"[{HAN_RANGES}]"
# The fixer's own shape of an annotation: a Han character and its label groups.
_ANNOTATED = re.compile(f"({_HAN})((?:{_GROUP})+)")
_ONE_GROUP = re.compile(f"[(（]({_SYLLABLE})[)）]")
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b\u200c\u200d\u2060\ufeff\ud800-\udfff]"
)
_ASCII_MARKS = ",;:!?()"
_CUT_LABEL = re.compile(f"[(（][a-zü{TONED_LETTERS}]{{1,6}}\\s*$")


def fixer_findings(text: str, edits: Iterable[Edit]) -> list[Finding]:
    """Findings behind the edits of ``mend_and_explain(text)`` (input coordinates).

    An edit may carry several rules when steps touched neighbouring text (``會(huì)`` →
    ``会`` is one edit of ``strip_pinyin_annotations+restore_script``): each rule's share is
    found inside it again.
    """
    out: list[Finding] = []
    for e in edits:
        only_label, label, invisible, only_junk, punct = _rule_parts(e.rule)
        labels: list[tuple[int, int]] = []
        if only_label and not e.after:
            # The common case: the edit removed exactly the groups after one character.
            labels = [(e.start, e.end)]
            out.append(_removed_label(e))
        elif label:
            labels = _labels_in(text, e.start, e.end, out)
            if "repair_byte_shift" in e.rule:
                _shifted_labels_in(text, e, out)
        if invisible:
            for m in _INVISIBLE.finditer(text, e.start, e.end):
                ch = m.group()
                name = "lone_surrogates" if "\ud800" <= ch <= "\udfff" else "invisible"
                out.append(Finding(name, m.start(), m.end(), ch, f"U+{ord(ch):04X}"))
        if only_junk:
            name = "junk_dots" if e.before == "." else "junk_symbols"
            out.append(Finding(name, e.start, e.end, e.before))
        elif "strip_injected_junk" in e.rule:
            # A dot or a cluster gone with its converted neighbours (鄉.鎮 -> 乡镇).
            for m in _JUNK_IN.finditer(e.before):
                name = "junk_dots" if m.group() == "." else "junk_symbols"
                out.append(Finding(name, e.start + m.start(), e.start + m.end(), m.group()))
        if punct:
            out.extend(_punctuation_in(text, e, labels))
    out.sort(key=_TEXT_ORDER)
    return out


@lru_cache(maxsize=256)
def _rule_parts(rule: str) -> tuple[bool, bool, bool, bool, bool]:
    """What an edit's ``rule`` says for its findings, read once per rule rather than per
    edit: only labels, labels among others, invisible characters, only junk, punctuation."""
    rules = rule.split("+")
    return (
        rules == ["strip_pinyin_annotations"],
        "strip_pinyin_annotations" in rules,
        "strip_invisible" in rules,
        rules == ["strip_injected_junk"],
        "repair_punctuation" in rules,
    )


#: What strip_injected_junk removes, found again inside an edit it shares with others.
_JUNK_IN = re.compile(f"\\.|[{SYMBOL_CLASS}]+")


def _removed_label(e: Edit) -> Finding:
    return Finding("pinyin_labels", e.start, e.end, e.before, _removed_detail(e.before))


@lru_cache(maxsize=65536)
def _removed_detail(groups: str) -> str:
    """The ``detail`` of removed label groups: it depends on them alone, and a farm page
    repeats the same few hundred."""
    if not groups.rstrip().endswith((")", "）")):
        return "cut"
    labels = _ONE_GROUP.findall(groups)
    detail = style_of(groups, labels[0]) if labels else ""
    if len(labels) > 1:
        detail += ",repeated"
    return detail


def _labels_in(text: str, start: int, end: int, out: list[Finding]) -> list[tuple[int, int]]:
    spans = []
    # The annotated character itself may lie just outside the edit (it was not converted).
    for m in _ANNOTATED.finditer(text, max(0, start - 1), end):
        s, t = m.span(2)
        if s < start or t > end:
            continue
        groups = m.group(2)
        detail = _verified_detail(m.group(1), groups)
        if detail is None:
            continue
        out.append(Finding("pinyin_labels", s, t, groups, detail))
        spans.append((s, t))
    # An excerpt cut inside its last label (兵團(t): the fixer removes the stub too.
    cut = _CUT_LABEL.search(text, max(start, len(text) - 16), end)
    if cut and not text[end:].strip() and _HAN_RE.match(text, cut.start() - 1):
        stub = cut.group().rstrip()
        out.append(Finding("pinyin_labels", cut.start(), cut.start() + len(stub), stub, "cut"))
        spans.append((cut.start(), cut.start() + len(stub)))
    return spans


#: A label whose opening parenthesis a byte shift took: ``?bào)`` of ``日?qǐng)?bào)``.
_SHIFTED_LABEL = re.compile(f"\\?({_SYLLABLE})[)）]")


def _shifted_labels_in(text: str, e: Edit, out: list[Finding]) -> None:
    """The labels of a repaired byte-shift run that went with it: a ``?syllable)`` of the
    input whose syllable reads a character of the repair (``?bào)`` beside 报; the run's
    garbled ``?qǐng)`` reads none of them)."""
    chars = [c for c in e.after if _HAN_RE.match(c)]
    for m in _SHIFTED_LABEL.finditer(text, e.start, e.end):
        if any(is_reading(c, m.group(1)) for c in chars):
            out.append(Finding("pinyin_labels", m.start(), m.end(), m.group(), "byte_shift"))


@lru_cache(maxsize=65536)
def _verified_detail(ch: str, groups: str) -> str | None:
    """The ``detail`` of label groups after ``ch`` when each is a reading of it, else None
    (the pair decides alone, and a farm page repeats the same few hundred)."""
    if not all(is_reading(ch, lab) for lab in _ONE_GROUP.findall(groups)):
        return None
    return _removed_detail(groups)


def _punctuation_in(text: str, e: Edit, labels: list[tuple[int, int]]) -> list[Finding]:
    if len(e.before) == 1 or e.before == "--":  # a mark, or a farm's folded dash (——)
        name = "stray_commas" if e.after == "" else "ascii_punct"
        return [Finding(name, e.start, e.end, e.before, e.after)]
    found = []
    for i in range(e.start, e.end):
        if text[i] in _ASCII_MARKS and not any(s <= i < t for s, t in labels):
            found.append(Finding("ascii_punct", i, i + 1, text[i]))
    return found


# --- detectors -----------------------------------------------------------------------------

_HAN_RE = re.compile(_HAN)
# A pinyin syllable in parentheses, matched where an opening parenthesis follows a Han
# character; kept by the fixer when it is not a reading of that character.
_PAREN_SYLLABLE = re.compile(f"[(（]([a-zü{TONED_LETTERS}]{{1,6}}[0-5]?)[)）]")
_LABEL_FIRST = frozenset(f"abcdefghijklmnopqrstuvwxyzü{TONED_LETTERS}")


def _openings(text: str) -> list[int]:
    """Positions of ``(`` and ``（`` that follow a Han character and open something label-like."""
    out = []
    for paren in "(（":
        i = text.find(paren, 1)
        while i != -1:
            if i + 1 < len(text) and text[i + 1] in _LABEL_FIRST and _HAN_RE.match(text, i - 1):
                out.append(i)
            i = text.find(paren, i + 1)
    return sorted(out)


def _opens_label(text: str) -> bool:
    """``bool(_openings(text))``, answered at the first opening: a farm page holds hundreds."""
    last = len(text) - 1
    for paren in "(（":
        i = text.find(paren, 1)
        while i != -1:
            if i < last and text[i + 1] in _LABEL_FIRST and _HAN_RE.match(text, i - 1):
                return True
            i = text.find(paren, i + 1)
    return False


def unverified_labels(text: str) -> list[Finding]:
    """Parenthesised pinyin syllables after a Han character that are not its reading.

    A spinner or a byte-level replace that misfired leaves them (``病(bing)`` on 情); a real
    parenthetical is rarely a bare lowercase syllable. Kept by ``strip_pinyin_annotations``.
    """
    out = []
    for i in _openings(text):
        m = _PAREN_SYLLABLE.match(text, i)
        if m is None:
            continue
        ch = text[i - 1]
        if _is_unverified(ch, m.group(1)):
            out.append(Finding("unverified_labels", m.start(), m.end(), m.group(), ch))
    return out


@lru_cache(maxsize=65536)
def _is_unverified(ch: str, label: str) -> bool:
    """Whether ``label`` is a pinyin syllable but not a reading of ``ch``: a farm page
    repeats the same few hundred pairs, each parsed once."""
    parsed = parse_label(label)
    if parsed is None or parsed[0] not in _all_syllables():
        return False
    return not is_reading(ch, label)


@lru_cache(maxsize=1)
def _all_syllables() -> frozenset[str]:
    return frozenset(b for bases in reading_bases().values() for b in bases)


@lru_cache(maxsize=1)
def _gbk_lead_chars() -> str:
    """Characters whose GBK code starts with a UTF-8 lead byte of a Han character (E4-E9).

    Reading UTF-8 Chinese as GBK turns every third byte pair into one of them (发展 →
    鍙戝睍): a run holding several is worth re-decoding.
    """
    chars = []
    for lead in range(0xE4, 0xEA):
        for trail in range(0x80, 0xC0):
            try:
                chars.append(bytes((lead, trail)).decode("gbk"))
            except UnicodeDecodeError:
                continue
    return "".join(sorted(set(chars)))


#: Mojibake signatures other than GBK-read UTF-8, by kind.
_MOJIBAKE = {
    "replacement": re.compile("\ufffd+"),
    "gbk_replacement": re.compile("(?:锟斤拷|烫烫烫|屯屯屯)+"),
    # A label whose opening parenthesis was eaten with a byte: 日?qǐng)報
    "byte_shift": re.compile(f"\\?[a-zü{TONED_LETTERS}]{{1,6}}[0-5]?\\)"),
    # A character lost in decoding: 深水?區. A run is matched from its first mark only,
    # whole (a run of thousands not tried again from each of its marks).
    "question_mark": re.compile(f"(?<!\\?)\\?++(?={_HAN})"),
}
_MOJIBAKE_CUE = {"replacement": "\ufffd", "byte_shift": "?", "question_mark": "?"}
_GBK_REPLACEMENT_WORDS = ("锟斤拷", "烫烫烫", "屯屯屯")
_AFTER_HAN = {"byte_shift", "question_mark"}


@lru_cache(maxsize=1)
def _gbk_run_re() -> re.Pattern[str]:
    """Lead-byte characters at most two apart, and what follows up to two characters; or,
    as the group ``word``, one lead-byte character and the two after it: a two-character
    word read as GBK (发展 → 鍙戝睍) holds a single lead byte."""
    lead = re.escape(_gbk_lead_chars())
    other = f"[^\\x00-\\x7f{CJK_PUNCT}\\n]"
    run = f"(?:{other}{{0,2}}[{lead}])+{other}{{0,2}}"
    return re.compile(f"[{lead}](?:{run}|(?P<word>{other}{{2}}))")


def _decodes_word(run: str) -> str | None:
    """The two Han characters a lone three-character ``run`` spells in UTF-8, or None.

    Stricter than :func:`_decodes_as_utf8`: a single lead character is common enough in
    genuine text (璀 in 璀璨) that only an exact decode, on the first byte, with nothing
    lost, speaks for mojibake.
    """
    try:
        decoded = run.encode("gbk").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return decoded if len(_HAN_RE.findall(decoded)) == 2 == len(decoded) else None


def _decodes_as_utf8(run: str) -> str | None:
    """The UTF-8 text ``run`` spelled before it was read as GBK, when that is Chinese."""
    try:
        raw = run.encode("gbk")
    except UnicodeEncodeError:
        return None
    best: str | None = None
    for skip in (0, 1, 2):
        decoded = raw[skip:].decode("utf-8", "replace")
        han = len(_HAN_RE.findall(decoded))
        bad = decoded.count("\ufffd")
        if han >= 2 and bad * 3 <= han and (best is None or han > len(_HAN_RE.findall(best))):
            best = decoded
    return best


def mojibake(
    text: str,
    signs: bool = True,
    gbk_runs: bool = True,
    gbk_starts: Sequence[int] | None = None,
) -> list[Finding]:
    """Suspected mojibake runs: U+FFFD, ``锟斤拷``, ``?`` inside Han text, GBK-read UTF-8.

    Only flagged, never repaired here: ``detail`` names the signature, and for GBK-read
    UTF-8 also the text it decodes to. A caller that knows more about ``text`` may rule
    parts out: ``signs=False`` when it holds none of :data:`MOJIBAKE_SIGNS`,
    ``gbk_runs=False`` when it holds none of :func:`_gbk_lead_chars` (every GBK-read run
    starts with one); ``gbk_starts``, in order, the positions of those characters (a run
    can start only there), instead of a search of the whole text.
    """
    out = []
    labels: set[int] = set()  # where byte-shift labels start: no lost character there
    for kind, pattern in _MOJIBAKE.items() if signs else ():
        cue = _MOJIBAKE_CUE.get(kind)
        if cue and cue not in text:
            continue
        if kind == "gbk_replacement" and not any(w in text for w in _GBK_REPLACEMENT_WORDS):
            continue  # 屯 alone is a common character (屯昌), and the pattern scan costs
        for m in pattern.finditer(text):
            if kind in _AFTER_HAN and not (m.start() and _HAN_RE.match(text, m.start() - 1)):
                continue
            if kind == "question_mark" and (
                m.start() in labels or ends_question(text, m.start())
            ):
                continue  # a byte-shift label, or the end of a question (你好吗?我)
            if kind == "byte_shift":
                labels.add(m.start())
            out.append(Finding("mojibake", m.start(), m.end(), m.group(), kind))
    for m in _gbk_runs(text, gbk_starts) if gbk_runs else ():
        decoded = _decodes_word(m.group()) if m.group("word") else _decodes_as_utf8(m.group())
        if decoded is not None:
            detail = "gbk_utf8:" + decoded.strip("\ufffd")
            out.append(Finding("mojibake", m.start(), m.end(), m.group(), detail))
    out.sort(key=lambda f: f.start)
    return out


def _gbk_runs(text: str, starts: Sequence[int] | None) -> Iterator[re.Match[str]]:
    """The matches of :func:`_gbk_run_re` in ``text``, tried only at ``starts`` when given:
    as ``finditer`` finds them, since no match starts elsewhere and each is tried after
    the end of the one before."""
    pattern = _gbk_run_re()
    if starts is None:
        yield from pattern.finditer(text)
        return
    end = 0
    for start in starts:
        if start < end:
            continue
        m = pattern.match(text, start)
        if m is not None:
            yield m
            end = m.end()


# Separators of SEO keyword headers, and the marks a sentence would carry instead.
_SEO_SEPARATORS = ("_", "丨", "|", "｜", ",")
_SENTENCE_MARKS = re.compile("[。！？!?；;]")
SEO_MIN_TERMS = 4
SEO_MAX_TERM = 20


# A line that opens with a short label and a colon (标签： 关键词: Tags:) lists its terms on
# purpose; a keyword header that heads a hijacked page has no label. A term labelled so
# (来源：新华社) makes a line of metadata for the same reason.
_LABELLED = re.compile(r"[^:：,，|丨｜_]{1,8}[:：]")
#: Terms of a site's menu and footer, of a novel site's chapter navigation and of a
#: language switcher: a line of terms holding one is page furniture, not a keyword header
#: (simplified; traditional terms are compared in simplified form, Latin ones in lower case).
SITE_TERMS = frozenset(
    "首页 网站首页 主页 返回首页 关于我们 联系我们 网站地图 广告服务 版权声明 隐私政策 "
    "免责声明 帮助中心 使用帮助 登录 注册 设为首页 加入收藏 意见反馈 招聘信息 友情链接 "
    "返回顶部 网站导航 法律声明 服务条款 合作伙伴 商务合作 投稿 联系方式 "
    "上一章 下一章 上一页 下一页 目录 章节目录 返回目录 加入书签 返回书页 "
    "简体中文 繁体中文 简体 繁体 english 日本语 한국어".split()
)
#: Marks around a navigation term (←上一章, 下一章→, 【目录】): not part of the term.
_NAV_MARKS = "←→<>«»‹›[]【】《》 "
#: Role words that open a credit (文丨陈默 图丨受访者提供 编辑丨周周; simplified): a line
#: whose every separator follows one credits the page's makers, it lists no keywords.
CREDIT_ROLES = frozenset(
    "文 图 文字 图片 撰文 作者 来源 编辑 责编 主编 校对 审核 审校 终审 排版 美编 设计 "
    "摄影 视频 出品 策划 监制 统筹 记者 通讯员 翻译 整理 插画 供图 制图 视觉".split()
)
#: The Han characters of the median term of an attribute row, at most: a row of values
#: spaced out for display (北京 | 3-5年 | 本科 | 全职, 3房2廳2衛 | 35.8坪 | 12樓/15樓) holds
#: short words, a keyword header packs phrases (国产精品美女久久久_…) without spaces.
SEO_ATTRIBUTE_HAN = 4
#: The Han characters of the median term of a keyword header, at least: a search engine is
#: fed phrases (国产精品美女视频), a menu or a tag row lists words of two (新闻|体育|财经).
SEO_MIN_MEDIAN_HAN = 3


def _table_row(lines: list[str], n: int, sep: str, count: int) -> bool:
    """Whether the line before or after line ``n`` holds ``count`` of ``sep``: rows of a
    table (never for ``_``, which no table joins its cells with: two keyword lines one
    above the other are not a table)."""
    return sep != "_" and any(
        0 <= m < len(lines) and lines[m].count(sep) == count for m in (n - 1, n + 1)
    )


def _navigation(terms: list[str]) -> bool:
    return any(
        convert(t.strip(_NAV_MARKS), "t2s").lower() in SITE_TERMS or t.upper().startswith("ICP")
        for t in terms
    )


def _median_han(terms: list[str]) -> int:
    han = sorted(len(_HAN_RE.findall(t)) for t in terms)
    return han[len(han) // 2]


def _credits(terms: list[str]) -> bool:
    """Whether the first term is a role word and every term but the last ends with one
    (来源丨官网 编辑丨小王; not 美女 图片丨性感 视频)."""
    if convert(terms[0].strip(), "t2s") not in CREDIT_ROLES:
        return False
    return all(
        (words := t.split()) and convert(words[-1], "t2s") in CREDIT_ROLES for t in terms[:-1]
    )


#: Labels of a page's metadata (来源：新华社 | 作者：张三 | 字号：大 中 小), in simplified.
METADATA_LABELS = frozenset(
    "来源 作者 编辑 责编 责任编辑 记者 通讯员 发布 发布时间 发表于 时间 日期 更新 更新时间 "
    "字号 浏览 阅读 点击 评论 出处 栏目 分类 标签 关键词 摄影 图片".split()
)


def _metadata(term: str) -> bool:
    """Whether ``term`` is a labelled piece of metadata (来源：新华社), not a keyword that
    happens to hold a colon (最新地址：abc.com, 10:30)."""
    m = _LABELLED.match(term.strip())
    return m is not None and convert(m.group()[:-1].strip(), "t2s") in METADATA_LABELS


def _attribute_row(line: str, sep: str, terms: list[str]) -> bool:
    """Whether ``line`` spaces its separators out (`` | ``) and its terms are short values:
    a page's display of attributes, tags or a listing's facts, not keywords packed for a
    search engine."""
    if line.count(f" {sep} ") != line.count(sep):
        return False
    return _median_han(terms) <= SEO_ATTRIBUTE_HAN


def _furniture(lines: list[str], n: int, sep: str, terms: list[str]) -> bool:
    """Whether line ``n``, ``terms`` joined by ``sep``, is page furniture rather than a
    keyword header: a menu, footer, chapter navigation or language switcher; hashtags; a
    table's row; a line of labelled metadata; credits; a row of attributes."""
    line = lines[n].strip()
    return (
        _navigation(terms)  # 首页 | 新闻 | 体育, 上一章 | 目录 | 下一章, 简体中文 | English
        or (sep == "," and all(t.startswith("#") for t in terms))  # #烘焙,#戚风: hashtags
        or _table_row(lines, n, sep, len(terms) - 1)  # 排名 | 球队 over 1 | 上海海港
        or any(_metadata(t) for t in terms)  # 10:30 | 来源：新华社 | 作者：张三
        or (sep != "," and _credits(terms))  # 文丨陈默 图丨受访者提供 编辑丨周周
        or _attribute_row(line, sep, terms)  # 北京 | 3-5年 | 本科 | 全职
        or _median_han(terms) < SEO_MIN_MEDIAN_HAN  # 新闻|体育|财经, 旅游,美食,北京
    )


def seo_headers(text: str) -> list[Finding]:
    """Lines that are runs of short terms joined by ``_ 丨 | ,`` and nothing else.

    ``国产精品…_推油…_久久…`` heads hijacked pages; a keyword line is at least four terms
    of at most 20 characters, with no sentence punctuation. Comma lists need eight terms of
    at most six characters (a sentence with commas has longer clauses). A line labelled
    with a colon (``标签：…``) is not a keyword header, nor page furniture joined the same
    way (:func:`_furniture`): a site's menu or footer (``首页 | 新闻 | 体育``), chapter
    navigation, a language switcher, hashtags, a table's rows, metadata (``来源：新华社``),
    credits (``编辑丨小王``) and attribute rows (``北京 | 3-5年 | 本科 | 全职``).
    """
    if not any(text.count(sep) >= SEO_MIN_TERMS - 1 for sep in _SEO_SEPARATORS):
        return []
    out = []
    pos = 0
    lines = text.split("\n")
    for n, line in enumerate(lines):
        start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        if len(stripped) < 8 or _SENTENCE_MARKS.search(stripped):
            continue
        if _LABELLED.match(stripped):
            continue  # 标签：旅游,美食,北京: a page's tag line, labelled as such
        for sep in _SEO_SEPARATORS:
            if stripped.count(sep) < SEO_MIN_TERMS - 1:
                continue
            terms = [t.strip() for t in stripped.split(sep)]
            comma = sep == ","
            longest = 6 if comma else SEO_MAX_TERM
            if len(terms) < (8 if comma else SEO_MIN_TERMS):
                continue
            if _furniture(lines, n, sep, terms):
                break
            if all(0 < len(t) <= longest for t in terms) and _HAN_RE.search(stripped):
                lead = len(line) - len(line.lstrip())
                s = start + lead
                out.append(Finding("seo_header", s, s + len(stripped), stripped, sep))
                break
    return out


#: Page chrome, in simplified characters (each also matches in traditional ones): kind,
#: keywords, what must follow a keyword (a pattern, or None), and whether the keyword must
#: open its line (after at most a few characters such as ``- `` or ``当前位置：``).
CHROME: tuple[tuple[str, tuple[str, ...], str | None, bool], ...] = (
    ("breadcrumb", ("首页",), r"[^\S\n]*(?:[>›»＞/]|&gt;)", True),
    (
        "counter",
        ("浏览", "阅读", "点击", "评论", "点赞", "收藏"),
        # With a colon or a noun (浏览次数:0), or a bare count after a space that ends the
        # line or runs into the next counter (阅读 1,234  评论 5 | 阅读 3.2万): a count in
        # running text goes on with its measure word (阅读 3 本书, 点击 1 次即可), and one
        # glued to the keyword is part of a word (阅读123页). 万 stays out of brackets:
        # _both_scripts gives it its traditional form in a class of its own.
        r"(?:次数|量|数)[^\S\n]*[:：]?[^\S\n]*\d|[^\S\n]*[:：][^\S\n]*\d"
        r"|[^\S\n]+\d[\d,.]*(?:万|[wWkK])?\+?"
        r"(?=[^\S\n]*(?:\n|$|[|｜丨·•/]|浏览|阅读|点击|评论|点赞|收藏|分享|转发))",
        False,
    ),
    (
        "related",
        (
            "相关推荐", "相关阅读", "相关文章", "相关链接", "猜你喜欢", "热门推荐",
            "热门文章", "上一篇", "下一篇", "更多详情", "返回顶部", "返回首页", "分享到",
        ),
        None,
        True,
    ),
    (
        "disclaimer",
        (
            "免责声明", "免责宣告", "版权声明", "本文转载自", "转载请注明", "如有侵权", "予以删除",
            "不代表本站观点", "不代表本网观点",
        ),
        None,
        False,
    ),
    ("disclaimer", ("声明",), r"[^\S\n]*[:：][^\S\n]*本", False),
    ("site", ("保护视力色", "搜索关键词", "投稿邮箱", "详情请访问"), None, False),
)
#: One character of every chrome keyword, rare in running text: a page holding none of them
#: has no chrome, and the keyword scan is not run on it.
CHROME_CUES = "页浏阅击评赞藏荐章链猜篇详返享免版载侵删观声视搜稿"
_CHROME_LEAD = 8  # characters allowed before a keyword that must open its line


def _traditional(text: str) -> str:
    """Character by character, as a farm's converter writes it."""
    return "".join(convert(ch, "s2t") if _HAN_RE.match(ch) else ch for ch in text)


def _both_scripts(pattern: str) -> str:
    """``pattern`` with each Han character outside brackets matching its traditional form."""
    out = []
    for ch in pattern:
        trad = convert(ch, "s2t") if _HAN_RE.match(ch) else ch
        out.append(f"[{ch}{trad}]" if trad != ch else ch)
    return "".join(out)


_ChromeRule = tuple[str, str, "re.Pattern[str] | None", bool]  # kind, keyword, after, start


@lru_cache(maxsize=1)
def _chrome_table() -> dict[str, list[tuple[int, _ChromeRule]]]:
    """Per cue character, the keywords holding it and where.

    Keywords are looked for only where one of their cue characters stands (a handful of
    places a page), instead of scanning every position for every keyword.
    """
    by_cue: dict[str, list[tuple[int, _ChromeRule]]] = {}
    cues = CHROME_CUES + _traditional(CHROME_CUES)
    for kind, keywords, after, line_start in CHROME:
        follow = re.compile(_both_scripts(after)) if after else None
        for kw in keywords:
            for form in dict.fromkeys((kw, _traditional(kw))):
                at = next(i for i, c in enumerate(form) if c in cues)
                by_cue.setdefault(form[at], []).append((at, (kind, form, follow, line_start)))
    for rules in by_cue.values():
        rules.sort(key=lambda r: -len(r[1][1]))  # the longest keyword first
    return by_cue


_LABELS = re.compile(f"(?<={_HAN})(?:{_GROUP})+")


def _without_labels(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with label groups after Han characters cut out, and where the cuts were.

    Each cut is (position in the cut text, characters removed before it, cumulatively).
    """
    parts: list[str] = []
    cuts: list[tuple[int, int]] = []
    pos = removed = 0
    for m in _LABELS.finditer(text):
        parts.append(text[pos : m.start()])
        at = m.start() - removed
        removed += m.end() - m.start()
        cuts.append((at, removed))
        pos = m.end()
    if not cuts:
        return text, []
    parts.append(text[pos:])
    return "".join(parts), cuts


def _to_input(cuts: list[tuple[int, int]], pos: int) -> int:
    """A position in the cut text back in the input (a cut point maps after the label)."""
    shift = 0
    for at, removed in cuts:
        if at > pos:
            break
        shift = removed
    return pos + shift


def page_chrome(text: str, cues: int | None = None) -> list[Finding]:
    """Lines of page furniture: breadcrumbs, counters, related links, repost disclaimers.

    One finding per line (the first kind found on it), spanning the line. Labels inside a
    keyword (保護(hù)視力色) do not hide it. ``cues``: the cue bits of ``text`` (see
    :func:`cue_bits`), when the caller has them.
    """
    if cues is None:
        cues = cue_bits(text)
    # Without CUE_PAREN the caller vouches that no label follows a Han character.
    opened = cues & CUE_PAREN and _opens_label(text)
    # The labels are cut in C; where the cuts were is only needed once a place is found.
    view = _LABELS.sub("", text) if opened else text
    places = _chrome_places(view, cues)
    if not places:
        return []
    cuts = _without_labels(text)[1] if opened else []
    return chrome_lines(text, places, view, cuts)


def chrome_lines(
    text: str,
    places: list[int],
    view: str | None = None,
    cuts: list[tuple[int, int]] | None = None,
) -> list[Finding]:
    """The chrome lines found from ``places``, positions of cue characters beside a
    keyword's next character (:func:`_chrome_places`), in order.

    ``view`` is ``text`` with its labels cut out and ``cuts`` where (:func:`_without_labels`),
    when ``text`` holds labels; the places are positions in ``view``.
    """
    if view is None:
        view = text
    by_cue = _chrome_table()
    by_line: dict[int, tuple[int, str]] = {}
    for i in places:
        for at, (kind, keyword, follow, line_start) in by_cue[view[i]]:
            pos = i - at
            if pos < 0 or not view.startswith(keyword, pos):
                continue
            start = view.rfind("\n", 0, pos) + 1
            if start in by_line:
                break
            if follow is not None and not follow.match(view, pos + len(keyword)):
                continue
            if line_start and len(view[start:pos].strip()) > _CHROME_LEAD:
                continue
            end = view.find("\n", pos)
            by_line[start] = (len(view) if end == -1 else end, kind)
            break
    out = []
    for s, (e, kind) in sorted(by_line.items()):
        s_in, e_in = (_to_input(cuts, s), _to_input(cuts, e)) if cuts else (s, e)
        out.append(Finding("page_chrome", s_in, e_in, text[s_in:e_in], kind))
    return out


def _chrome_places(text: str, cues: int) -> list[int]:
    """Positions in ``text`` of chrome cue characters beside a keyword's next character
    (视 in 视力, not in 电视), in order.

    The cue bits say which few cue characters occur (each bit stands for one or a few, see
    :data:`_CHROME_GROUPS`), so this is a handful of one-character ``str.find`` calls (far
    cheaper than finding two characters) instead of another pass over the text. Every
    keyword holds its cue and that neighbour, so no keyword is missed.
    """
    partners = _chrome_partners()
    places: list[int] = []
    last = len(text) - 1
    pending = cues & CUE_CHROME
    while pending:
        bit = pending & -pending
        pending ^= bit
        for cue, beside in partners[bit]:
            i = text.find(cue)
            while i != -1:
                for delta, partner in beside:
                    j = i + delta
                    if 0 <= j <= last and text[j] == partner:
                        places.append(i)
                        break
                i = text.find(cue, i + 1)
    if len(places) > 1:
        places.sort()
    return places


@lru_cache(maxsize=1)
def _chrome_partners() -> dict[int, tuple[tuple[str, tuple[tuple[int, str], ...]], ...]]:
    """Chrome cue bit -> its cue characters, each with the neighbours it has in keywords.

    A neighbour is (offset from the cue, character): the one after the cue, or the one
    before it when the cue ends its keyword.
    """
    bit_of = {ch: bit for bit, chars in _chrome_groups().items() for ch in chars}
    found: dict[int, dict[str, dict[tuple[int, str], None]]] = {}
    for cue, rules in _chrome_table().items():
        for at, (_kind, keyword, _follow, _start) in rules:
            delta = 1 if at + 1 < len(keyword) else -1
            beside = found.setdefault(bit_of[cue], {}).setdefault(cue, {})
            beside[(delta, keyword[at + delta])] = None
    return {
        bit: tuple((cue, tuple(beside)) for cue, beside in cues.items())
        for bit, cues in found.items()
    }


@lru_cache(maxsize=1)
def chrome_neighbours() -> dict[str, tuple[tuple[int, str], ...]]:
    """Chrome cue character -> the neighbours it has in keywords, as (offset, character):
    a place of :func:`_chrome_places` is a cue character with one of them beside it."""
    return {cue: beside for cues in _chrome_partners().values() for cue, beside in cues}


# Cue bits: a detector runs only on text holding one of its cue characters, found with one
# table lookup over the code points (the same trick as zhmend.scan). Chrome cue characters
# are spread over many bits, so the or-ed bits of a page also say which of them it holds.
CUE_MOJIBAKE = 1
CUE_SEO = 2
CUE_PAREN = 8
_CHROME_BITS = (4, *(1 << b for b in range(4, 24)))
CUE_CHROME = sum(_CHROME_BITS)
#: Chrome cue characters by bit. Those common in running text (电视 打击 观察 产业链 共享
#: 文章 声音 评价 记载 称赞 一篇) have a bit of their own, so a page holding one is not
#: searched for others; rarer ones share. Their traditional forms share the last three bits,
#: which simplified pages never set.
_CHROME_GROUPS = (
    "视", "击", "观", "链", "享", "章", "声", "评", "载", "赞", "篇",
    "版免", "返藏", "搜侵", "阅稿", "详荐", "页猜", "浏删",
)
#: Characters that every mojibake signature but GBK-read UTF-8 holds.
MOJIBAKE_SIGNS = "\ufffd?锟烫屯"
_SEO_CUES = "".join(_SEO_SEPARATORS)


@lru_cache(maxsize=1)
def _chrome_groups() -> dict[int, str]:
    """Chrome cue bit -> the cue characters it stands for (see :data:`_CHROME_GROUPS`)."""
    groups = dict(zip(_CHROME_BITS, _CHROME_GROUPS))
    shared = _CHROME_BITS[len(_CHROME_GROUPS) :]
    forms = [t for t in dict.fromkeys(_traditional(CHROME_CUES)) if t not in CHROME_CUES]
    for n, form in enumerate(forms):
        bit = shared[n % len(shared)]
        groups[bit] = groups.get(bit, "") + form
    return groups


@lru_cache(maxsize=1)
def cue_table() -> np.ndarray:
    """Cue bits of every code point (24 bits, so ``uint32``)."""
    table = np.zeros(0x110000, dtype=np.uint32)
    for chars, bit in (
        (MOJIBAKE_SIGNS + _gbk_lead_chars(), CUE_MOJIBAKE),
        (_SEO_CUES, CUE_SEO),
        ("(（", CUE_PAREN),
        *((chars, bit) for bit, chars in _chrome_groups().items()),
    ):
        for ch in chars:
            table[ord(ch)] |= bit
    table.setflags(write=False)
    return table


def cue_bits(text: str) -> int:
    """The cue bits of every character of ``text``, or-ed together."""
    if not text:
        return 0
    codes = scan.codes_of(text)
    return int(np.bitwise_or.reduce(cue_table().take(codes)))


#: Each detector and the cue bit that lets it run.
DETECTORS = (
    (unverified_labels, CUE_PAREN),
    (mojibake, CUE_MOJIBAKE),
    (seo_headers, CUE_SEO),
    (page_chrome, CUE_CHROME),
)


def detect(
    text: str,
    cues: int | None = None,
    signs: bool = True,
    gbk_starts: Sequence[int] | None = None,
) -> list[Finding]:
    """Every detector's findings on ``text``, in text order.

    ``cues`` (the or-ed cue bits of ``text``) saves a scan when the caller has them;
    ``signs`` and ``gbk_starts`` are passed to :func:`mojibake` (what the caller knows
    of the characters its signatures start with).
    """
    if cues is None:
        cues = cue_bits(text)
    out: list[Finding] = []
    for detector, bit in DETECTORS:
        if not cues & bit:
            continue
        if detector is page_chrome:
            out.extend(page_chrome(text, cues))
        elif detector is mojibake:
            out.extend(mojibake(text, signs=signs, gbk_starts=gbk_starts))
        else:
            out.extend(detector(text))
    if len(out) > 1:
        out.sort(key=_TEXT_ORDER)
    return out


def build_evidence(
    text: str,
    counts: Mapping[str, int],
    script: ScriptDecision | None,
    edits: Iterable[Edit],
    cues: int | None = None,
    detected: list[Finding] | None = None,
    edit_findings: bool = True,
) -> Evidence:
    """The evidence of one document: fixer counts, findings, script decision, farm score.

    ``counts`` are the fixers' counters (authoritative for what they did), ``edits`` the
    composed edits of ``mend_and_explain`` on ``text``. When the caller has them already:
    ``cues``, the cue bits of ``text`` (:func:`cue_bits`); ``detected``, ``detect(text)``.
    ``edit_findings=False`` leaves out the findings behind the edits, for a caller that
    reads only the counts, script and score: those do not depend on them (the fixers
    count what they did), and a farm page holds thousands.
    """
    found = detect(text, cues) if detected is None else detected
    if edits and edit_findings:
        fixed = fixer_findings(text, edits)  # in text order already
        if found:
            found = fixed + found
            found.sort(key=_TEXT_ORDER)
        else:
            found = fixed
    merged = {k: v for k, v in counts.items() if v} if counts else {}
    for f in found:
        if f.name in DETECTED_FINDINGS:
            merged[f.name] = merged.get(f.name, 0) + 1
    merged_counts = dict(sorted(merged.items())) if len(merged) > 1 else merged
    return Evidence(
        counts=merged_counts,
        script=script,
        farm_score=farm_score(scored_counts(merged_counts, found), script),
        findings=tuple(found),
    )


def scored_counts(counts: Mapping[str, int], found: Iterable[Finding]) -> Mapping[str, int]:
    """The counts the farm score weighs: ``counts``, of which ``found`` are the findings
    (those of the detectors at least), but the commas of a comma-joined keyword line are
    the header, scored once as its ``seo_header`` and not again as ``ascii_punct``.

    The score and the report's ``features`` (``farm_features`` of these counts) both read
    them here, so that the score recomputed from the features is the score.
    """
    if not (counts.get("seo_header") and counts.get("ascii_punct")):
        return counts
    listed = sum(f.text.count(",") for f in found if f.name == "seo_header" and f.detail == ",")
    if not listed:
        return counts
    scored = dict(counts)
    scored["ascii_punct"] = max(0, scored["ascii_punct"] - listed)
    return scored


#: What the evidence learns from the documents it sees (label pairs, label groups): emptied,
#: with :data:`zhmend.detect.LEARNT_CACHES`, by :func:`zhmend.inspection.clear_caches`.
LEARNT_CACHES = (_is_unverified, _removed_detail, _verified_detail)
