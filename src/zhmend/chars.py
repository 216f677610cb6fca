"""Character classes shared by the fixers and the evidence."""

from __future__ import annotations

import re

# Han ideographs: URO, Ext A, compatibility ideographs, and the supplementary planes.
HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_CLASS = f"[{HAN_RANGES}]"

#: Tone-marked letters of pinyin labels (and the syllabic ń ň ǹ ḿ).
TONED_LETTERS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
#: A letter of a pinyin label as farms write them: ü also as v, or as u: (lu:4).
PINYIN_LETTER = f"[a-zü{TONED_LETTERS}v:]"
#: The syllable of a label: up to seven letters and a tone number.
PINYIN_SYLLABLE = f"{PINYIN_LETTER}{{1,7}}[0-5]?"

#: Full-width punctuation that marks Chinese context (GB/T 15834 marks and brackets).
CJK_PUNCT = "，。、；：！？“”‘’（）《》〈〉「」『』【】〔〕—…·～"


#: Kana and hangul: letters of Japanese and Korean text. The katakana middle dot ・ is
#: left out, since Chinese writes it between the parts of a transliterated name.
KANA_HANGUL_CLASS = (
    "[\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9d"
    "\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3]"
)
#: From this share of kana and hangul among its Han, kana and hangul characters, a text is
#: Japanese or Korean. A Chinese page quoting a Japanese title stays far below it; Japanese
#: prose writes about half its characters in kana, Korean with hanja most in hangul.
FOREIGN_SHARE = 0.1
_KANA_HANGUL = re.compile(KANA_HANGUL_CLASS)
_HAN = re.compile(HAN_CLASS)


#: A short bracketed or quoted stretch, where a Chinese page quotes a Japanese title or a
#: Korean name (《すずめの戸締まり》, 防彈少年團(방탄소년단)).
_QUOTED = re.compile("[(（《「『“][^()（）《》「」『』“”\n]{1,40}[)）》」』”]")


def japanese_or_korean(text: str) -> bool:
    """Whether ``text`` is Japanese or Korean, by its share of kana and hangul
    (:data:`FOREIGN_SHARE`) outside short brackets and quotes: their punctuation does not
    follow GB/T 15834, and a farm converts Chinese pages only."""
    if _KANA_HANGUL.search(text) is None:
        return False
    text = _QUOTED.sub("", text)
    foreign = len(_KANA_HANGUL.findall(text))
    return foreign >= FOREIGN_SHARE * (foreign + len(_HAN.findall(text)))


def is_han(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3134F
    )


def is_chinese(ch: str) -> bool:
    """Han or full-width Chinese punctuation: what makes a neighbour 'Chinese context'."""
    return is_han(ch) or ch in CJK_PUNCT


#: Sentence-final particles and question words (simplified and traditional): a ``?``
#: after a clause holding one ends a question ("你好吗?我很好"), not a lost character.
_QUESTION_END = frozenset("吗嗎呢吧啊呀么麼嘛哪谁誰乎")  # 乎: 不亦說乎?
#: Question words, and the A-not-A questions (有没有, 是不是, 能不能).
_QUESTION_WORDS = re.compile(
    "什么|什麼|怎么|怎麼|为何|為何|如何|谁|誰|哪|多少|是否|难道|難道|几|幾|咋|啥|"
    "多久|多远|多遠|多大|多长|多長|干嘛|幹嘛|"
    f"([{HAN_RANGES}])[不没沒]\\1"
)
#: How far back a question word is looked for: a clause, never across a sentence end.
_CLAUSE = 40
_CLAUSE_END = re.compile("[。！？!?；;\n]")


def ends_question(text: str, i: int) -> bool:
    """Whether the ``?`` at ``i`` (between two Han characters) ends a question: the
    punctuation fixer makes it full width, and the mojibake finding does not take it for a
    lost character."""
    if text[i - 1] in _QUESTION_END:
        return True
    start = max(0, i - _CLAUSE)
    ends = [m.end() for m in _CLAUSE_END.finditer(text, start, i)]
    return _QUESTION_WORDS.search(text, ends[-1] if ends else start, i) is not None
