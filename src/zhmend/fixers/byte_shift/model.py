"""The language model that chooses truly lost bytes: character bigrams and word frequencies
from jieba's dictionary (``data/byte_shift_*.tsv``, built by
``scripts/build_byte_shift_model.py``), adapted to the page's own text.

Scores are natural-log probabilities; only differences between readings of one span matter.
Traditional characters are scored through their simplified form (the model is simplified).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import regex

from ... import scan
from ...chars import CJK_PUNCT, is_han
from ...tables import convert, simplified_only, traditional_only

# Unigram cost of what is not an ordinary Han character. A GBK symbol (▍, ㄅ, ╂) or a Han
# character outside the dictionary is what a shifted decode produces.
# How often each mark follows a character in running news text (rough shares).
_MARK_SHARE = {
    "，": 0.08,
    "。": 0.05,
    "、": 0.02,
    "“": 0.01,
    "”": 0.01,
    "：": 0.008,
    "；": 0.003,
    "！": 0.002,
    "？": 0.002,
    "《": 0.006,
    "》": 0.006,
    "（": 0.008,
    "）": 0.008,
    "…": 0.001,
    "—": 0.001,
    "·": 0.001,
}
COST_PUNCT_RUN = -5.5  # two marks in a row, other than 。” and ”，
COST_LINE_END = -0.7
COST_BROKEN_LINE = -7.0
COST_ASCII_ALNUM = math.log(0.002)
COST_ASCII_PUNCT = math.log(0.004)
COST_SYMBOL = -15.0
COST_UNKNOWN_HAN = -16.0
#: No character scores above this: a Han character's probability is at most 1 after
#: another Han character or at a text's start, and at most 1.8 times its unigram after a mark
#: (start_share weighs it by 0.2 to 1.8); a mark's is its share times at most 1.8; every other
#: cost is negative. The search relies on it to leave out hypotheses that cannot reach its
#: beam (tests/test_byte_shift_search.py checks it).
COST_CEILING = math.log(1.8)
# Below this dictionary frequency a character counts as rare (garble evidence).
RARE_FREQ = 3000

_PUNCT_PAIRS = frozenset((a, b) for a in "。！？，；：…" for b in "”’」』）》") | frozenset(
    (a, b) for a in "”’」』）》" for b in "，。、；：！？（《“"
)

_OPENING = frozenset("“‘（《〈「『【〔")
_ENDS = frozenset("。！？”’」』）》…!?.)")

MAX_WORD = 4
# Word frequencies are of words, character frequencies of all their characters: a word
# gets this much (log) on top, and the gain over single characters counts at this weight.
WORD_BONUS = 2.0
WORD_WEIGHT = 0.5

# A page converted to traditional character by character holds no simplified-only character
# (and a simplified page no traditional-only one): a reading that brings one in is suspect.
COST_OTHER_SCRIPT = -5.0
# The page's script counts as settled with this many characters of it and few of the other.
SCRIPT_MIN = 3

LAMBDA_DICT = 0.45
LAMBDA_PAGE = 0.25


def _rows(name: str) -> list[tuple[str, int]]:
    text = resources.files("zhmend").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, freq = line.partition("\t")
            rows.append((key, int(freq)))
    return rows


@dataclass(frozen=True)
class Model:
    chars: dict[str, int]
    words: dict[str, int]
    bigrams: dict[str, int]
    left: dict[str, int]
    ends: dict[str, int]
    starts: dict[str, int]
    inner: dict[str, int]  # as a word's second character or later
    total: int

    def start_share(self, ch: str) -> float:
        """How often ``ch`` starts a word rather than continues one (it may follow a mark)."""
        s = simplified(ch)
        b, i = self.starts.get(s, 0), self.inner.get(s, 0)
        return b / (b + i) if b + i else 0.5

    def end_share(self, ch: str) -> float:
        """How often ``ch`` ends a word rather than continues one (a mark may follow it)."""
        s = simplified(ch)
        e, l_ = self.ends.get(s, 0), self.left.get(s, 0)
        return e / (e + l_) if e + l_ else 0.5

    def is_rare(self, ch: str) -> bool:
        return self.chars.get(simplified(ch), 0) < RARE_FREQ


@lru_cache(maxsize=1)
def word_counts() -> dict[str, int]:
    """The word list and its counts, without the rest of the model (a tenth of its cost)."""
    return dict(_rows("byte_shift_words.tsv"))


@lru_cache(maxsize=1)
def char_counts() -> dict[str, int]:
    """Every character of the word list, with its frequency summed over the words."""
    return dict(_rows("byte_shift_chars.tsv"))


@lru_cache(maxsize=1)
def model() -> Model:
    chars = char_counts()
    words = word_counts()
    bigrams: Counter[str] = Counter()
    left: Counter[str] = Counter()
    ends: Counter[str] = Counter()
    starts: Counter[str] = Counter()
    inner: Counter[str] = Counter()
    for word, freq in words.items():
        ends[word[-1]] += freq
        starts[word[0]] += freq
        for c in word[1:]:
            inner[c] += freq
        for a, b in zip(word, word[1:]):
            bigrams[a + b] += freq
            left[a] += freq
    return Model(
        chars,
        words,
        dict(bigrams),
        dict(left),
        dict(ends),
        dict(starts),
        dict(inner),
        sum(chars.values()),
    )


@lru_cache(maxsize=1)
def _followers() -> dict[str, frozenset[str]]:
    """Each character of the model's bigrams -> the characters that follow it in one."""
    out: dict[str, set[str]] = {}
    for ab in model().bigrams:
        out.setdefault(ab[0], set()).add(ab[1])
    return {a: frozenset(bs) for a, bs in out.items()}


@lru_cache(maxsize=1)
def letter_words() -> frozenset[str]:
    """Words that begin with one Latin letter (``X光``, ``A股``), upper-cased."""
    return frozenset(w.upper() for w, _ in _rows("byte_shift_letter_words.tsv"))


@lru_cache(maxsize=1)
def _t2s() -> dict[str, str]:
    chars = sorted(traditional_only())
    out = convert("\n".join(chars), "t2s").split("\n")
    return {c: s for c, s in zip(chars, out) if len(s) == 1}


def simplified(ch: str) -> str:
    return _t2s().get(ch, ch)


_LABELLED = regex.compile(r"(\p{Han})\([a-züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]{1,7}\)")


def _label_table(page: str) -> tuple[frozenset[str], frozenset[str]]:
    """Characters the page shows with a pinyin label, and those it shows without one."""
    labelled = frozenset(m.group(1) for m in _LABELLED.finditer(page))
    if not labelled:
        return labelled, frozenset()
    bare = {c for c, n in zip(page, page[1:] + " ") if n != "(" and is_han(c)}
    return labelled, frozenset(bare - labelled)


def _other_script(page: str) -> frozenset[str]:
    """The characters the page's own script never writes: simplified-only ones on a
    traditional page, traditional-only ones on a simplified page (none when unsettled)."""
    n_trad, n_simp = scan.count_scripts(page)
    if n_trad >= SCRIPT_MIN and n_trad > 2 * n_simp:
        return simplified_only()
    if n_simp >= SCRIPT_MIN and n_simp > 2 * n_trad:
        return traditional_only()
    return frozenset()


@lru_cache(maxsize=1)
def beyond_converter() -> frozenset[str]:
    """Traditional characters that a character-by-character s2t conversion does not write
    (衚, 髮: their simplified forms 胡, 发 convert to 胡, 發). A farm page holds few of them
    (its converter is not exactly OpenCC's: 沖 occurs), so they only count as rare."""
    chars = sorted(traditional_only())
    simp = convert("\n".join(chars), "t2s").split("\n")
    back = convert("\n".join(simp), "s2t").split("\n")
    return frozenset(c for c, b in zip(chars, back) if b != c)


class Scorer:
    """Bigram scores with the page's own characters and bigrams mixed in."""

    def __init__(self, page: str, whole: str | None = None) -> None:
        """``page``: the page with its garbled windows blanked out; ``whole``: the page as it
        is, whose intact labels (``值(zhí)``) also name characters of the farm's table."""
        self.m = model()
        simp = [simplified(c) if is_han(c) else "" for c in page]
        self.page_chars = Counter(c for c in simp if c)
        self.page_total = max(1, sum(self.page_chars.values()))
        self.page_bigrams = Counter(a + b for a, b in zip(simp, simp[1:]) if a and b)
        self._cache: dict[tuple[str, str], float] = {}
        self._alone_cache: dict[str, float] = {}
        self._han: dict[str, str | None] = {}  # a character's simplified form; None if not Han
        self._follows_cache: dict[str, frozenset[str]] = {}
        self._page_followers: dict[str, set[str]] = {}
        for ab in self.page_bigrams:
            self._page_followers.setdefault(ab[0], set()).add(ab[1])
        self.other_script = _other_script(page)
        # Characters the farm's label table cannot hold on this page: simplified-only ones
        # when the page is traditional (the farm labels after converting).
        self.table_other_script = (
            self.other_script if self.other_script is simplified_only() else frozenset()
        )
        self.labelled, self.unlabelled = _label_table(page)
        if whole is not None:
            extra = _label_table(whole)[0]
            self.labelled |= extra
            self.unlabelled -= extra

    def unigram(self, ch: str) -> float:
        """Probability (not log) of a Han character; 0 outside the model and the page."""
        s = simplified(ch)
        p = self.m.chars.get(s, 0) / self.m.total
        return 0.8 * p + 0.2 * self.page_chars.get(s, 0) / self.page_total

    def cost(self, prev: str | None, ch: str) -> float:
        key = (prev or "", ch)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cost(prev, ch)
            self._cache[key] = hit
        return hit

    def costs(self, prev: str | None, chars: list[str]) -> list[float]:
        """``cost(prev, ch)`` of each of ``chars``: the search scores hundreds after one."""
        if prev is None or not is_han(prev):
            return [self.cost(prev, ch) for ch in chars]
        # After a Han character, one it forms no bigram with costs what it costs alone
        # (see _cost): a set look-up instead of a pair's.
        follows = self._follows(prev)
        han, alone, cost = self._han, self._alone, self.cost
        out = []
        for ch in chars:
            s = han.get(ch, False)
            if s is False:
                s = han[ch] = simplified(ch) if is_han(ch) else None
            out.append(alone(ch) if s is not None and s not in follows else cost(prev, ch))
        return out

    def _follows(self, prev: str) -> frozenset[str]:
        """The simplified characters that make a bigram of the model or the page after the
        Han character ``prev``."""
        a = simplified(prev)
        hit = self._follows_cache.get(a)
        if hit is None:
            hit = _followers().get(a, frozenset()) | self._page_followers.get(a, frozenset())
            self._follows_cache[a] = hit
        return hit

    def _cost(self, prev: str | None, ch: str) -> float:
        if not is_han(ch):
            if ch in "\n\r":
                # A line ends after a sentence, rarely after 、，：“
                if prev is None or prev in "。！？!?.":
                    return COST_LINE_END
                return COST_LINE_END - 1.0 if prev in _ENDS else COST_BROKEN_LINE
            if ch in CJK_PUNCT:
                base = math.log(_MARK_SHARE.get(ch, 0.0003))
                if prev is not None and is_han(prev) and ch not in _OPENING:
                    # After a character that rarely ends a word (一, 的), a mark is unlikely.
                    return base + math.log(0.2 + 1.6 * self.m.end_share(prev))
                if prev is None or is_han(prev) or prev.isalnum() or (prev, ch) in _PUNCT_PAIRS:
                    return base
                return base + COST_PUNCT_RUN
            if ch.isascii():
                return COST_ASCII_ALNUM if ch.isalnum() else COST_ASCII_PUNCT
            return COST_SYMBOL
        if prev is not None and is_han(prev):
            a, b = simplified(prev), simplified(ch)
            if a + b not in self.m.bigrams and a + b not in self.page_bigrams:
                # Most pairs are no bigram of either: the bigram terms below add nothing.
                return self._alone(ch)
        uni = self.unigram(ch)
        if uni == 0.0:
            return COST_UNKNOWN_HAN
        p = (1 - LAMBDA_DICT - LAMBDA_PAGE) * uni
        if prev is not None and is_han(prev):
            a, b = simplified(prev), simplified(ch)
            p += LAMBDA_DICT * self.m.bigrams.get(a + b, 0) / max(1, self.m.left.get(a, 0))
            p += LAMBDA_PAGE * self.page_bigrams.get(a + b, 0) / max(1, self.page_chars.get(a, 0))
        elif prev is not None:
            # After a mark or a space a word begins: 者, 們 rarely stand there.
            p = uni * (0.2 + 1.6 * self.m.start_share(ch))
        else:
            p += (LAMBDA_DICT + LAMBDA_PAGE) * uni
        return self._capped(p, ch)

    def _alone(self, ch: str) -> float:
        """The cost of a Han character after a Han character it forms no bigram with (the
        same after each of them: worked out once)."""
        hit = self._alone_cache.get(ch)
        if hit is None:
            uni = self.unigram(ch)
            p = (1 - LAMBDA_DICT - LAMBDA_PAGE) * uni
            hit = COST_UNKNOWN_HAN if uni == 0.0 else self._capped(p, ch)
            self._alone_cache[ch] = hit
        return hit

    def _capped(self, p: float, ch: str) -> float:
        penalty = COST_OTHER_SCRIPT if ch in self.other_script else 0.0
        return max(math.log(p), COST_UNKNOWN_HAN) + penalty

    def words(self, text: str) -> float:
        """Word-frequency score: how much the best segmentation of ``text`` into dictionary
        words beats reading it character by character (jieba's maximum-probability
        segmentation, over the shipped words). Zero when no word of two or more
        characters fits."""
        simp = "".join(simplified(c) for c in text)
        n = len(simp)
        total = self.m.total
        single = [math.log(max(self.m.chars.get(c, 0), 1) / total) for c in simp]
        best = [0.0] * (n + 1)
        for end in range(1, n + 1):
            score = best[end - 1] + single[end - 1]
            for k in range(2, min(MAX_WORD, end) + 1):
                f = self.m.words.get(simp[end - k : end])
                if f:
                    score = max(score, best[end - k] + math.log(f / total) + WORD_BONUS)
            best[end] = score
        return WORD_WEIGHT * (best[n] - sum(single))

    def text(self, text: str, prev: str | None = None) -> float:
        total = 0.0
        for ch in text:
            total += self.cost(prev, ch)
            prev = ch
        return total + self.words(text)
