"""Evidence about a document: what the fixers found and the script decision.

One source of truth: ``mend`` decides whether to convert the script from exactly the
evidence reported here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import regex

from .chars import HAN_CLASS
from .tables import convert, simplified_re, traditional_only, traditional_re

#: Simplified characters a character-by-character converter leaves in traditional output
#: (its table has no single answer for them: 后 is also 皇后, 于 also a surname), seen in the
#: words where genuine traditional text writes 後 並 於 麼. Matched in the converted page,
#: so written with the traditional form of their other characters where one exists.
RESIDUE_WORDS = (
    "以后 之后 然后 最后 后来 今后 随后 此后 其后 背后 后面 落后 前后 "
    "并且 并不 并非 并没有 并将 并在 并对 并与 并为 "
    "什么 怎么 这么 那么 多么 要么 "
    "于是 由于 关于 对于 属于 位于 等于 终于 处于 至于 在于 基于 用于 来自于"
).split()

#: Mainland usage that Taiwan and Hong Kong write differently (軟體, 影片, 網路, 伺服器,
#: 預設, 滑鼠, 列印, 螢幕, 簡訊, 計程車, 雷射, 程式); met in traditional characters it
#: betrays a converted mainland text. Terms a traditional encyclopedia also uses (質量 is
#: physical mass there, 總書記 names the office) are left out.
MAINLAND_TERMS = (
    "软件 硬件 视频 网络 服务器 默认 鼠标 打印机 屏幕 短信 出租车 互联网 激光 "
    "高质量发展 新质生产力 营商环境 融媒 抓好 调研 全媒体 落地见效"
).split()


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

    def to_dict(self) -> dict[str, object]:
        return {
            "script": self.script,
            "converted_from_simplified": self.converted_from_simplified,
            "reasons": list(self.reasons),
            "traditional_chars": self.traditional_chars,
            "simplified_chars": self.simplified_chars,
            "residue": dict(self.residue),
            "mainland_terms": dict(self.mainland_terms),
        }


@dataclass(frozen=True)
class Evidence:
    """What was found in one document (counts by finding name) and the script decision."""

    counts: Mapping[str, int] = field(default_factory=dict)
    script: ScriptDecision | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "counts": dict(sorted(self.counts.items())),
            "script": self.script.to_dict() if self.script else None,
        }


_HAN = regex.compile(HAN_CLASS)


def _to_traditional(words: list[str], keep: str = "") -> tuple[str, ...]:
    """Words in traditional characters, except the characters in ``keep``."""
    out = []
    for word in words:
        converted = convert(word, "s2t")
        if len(converted) == len(word):
            converted = "".join(w if w in keep else c for w, c in zip(word, converted))
        out.append(converted)
    return tuple(out)


@lru_cache(maxsize=1)
def _terms_re() -> regex.Pattern[str]:
    trad = traditional_only()
    terms = [t for t in _to_traditional(MAINLAND_TERMS) if any(c in trad for c in t)]
    return regex.compile("|".join(sorted(terms, key=len, reverse=True)))


@lru_cache(maxsize=1)
def _residue_re() -> regex.Pattern[str]:
    words = set(RESIDUE_WORDS) | set(_to_traditional(RESIDUE_WORDS, keep="于并后么"))
    return regex.compile("|".join(sorted(words, key=len, reverse=True)))


def count_scripts(text: str) -> tuple[int, int]:
    """(traditional-only, simplified-only) character counts."""
    return len(traditional_re().findall(text)), len(simplified_re().findall(text))


def decide_script(text: str, verified_labels: int) -> ScriptDecision:
    """Was this traditional-looking text converted mechanically from simplified?

    Converted when traditional-only characters dominate and at least one independent sign
    of a mainland source is present: verified pinyin labels, simplified residue (于 并 后 么)
    mixed into traditional text, or mainland vocabulary written in traditional characters.
    """
    t, s = count_scripts(text)
    residue: Counter[str] = Counter()
    terms: Counter[str] = Counter()
    if t:
        residue.update(_residue_re().findall(text))
        terms.update(_terms_re().findall(text))
    han = bool(t or s) or _HAN.search(text) is not None
    if not han:
        script = "none"
    elif t and s:
        script = "mixed"
    elif t:
        script = "traditional"
    else:
        script = "simplified"
    reasons: list[str] = []
    converted = False
    if t and t >= 2 * s:
        if verified_labels:
            reasons.append(f"{verified_labels} verified pinyin label(s)")
        chars = {c for word in residue for c in word if c in "于并后么"}
        if len(residue) >= 3 and len(chars) >= 2:
            reasons.append("simplified residue " + " ".join(sorted(residue)) + " in traditional text")
        if len(terms) >= 2:
            reasons.append("mainland vocabulary " + " ".join(sorted(terms)))
        converted = bool(reasons)
    return ScriptDecision(script, converted, tuple(reasons), t, s, dict(residue), dict(terms))
