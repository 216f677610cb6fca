"""News structure: split a mended page into body, metadata, page chrome and residue.

Pure text logic: a ``str`` in, a :class:`NewsRecord` out; no files, no terminal.

The accounting is the design. Every non-blank line of the text gets exactly one label
(:data:`LABELS`) and goes, whole, to that place: a body paragraph, a metadata field, a chrome
line or a residue line. Fields may also be *read* from a line without taking it (the
dateline and ``（记者 X）`` credit of a body paragraph, the date of a view-counter line): the
line stays where its label puts it, so nothing is ever cut out of a paragraph.

Patterns are written in simplified characters and matched against a folded copy of each
line (traditional characters mapped one-to-one to simplified, same length), so a genuine
traditional page is read too; values are always cut from the line as written, so names
come out in the document's own script.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .chars import HAN_RANGES
from .config import MendConfig
from .errors import ConfigError
from .mend import _check_text, mend

#: Where a line can go. Metadata labels share their field's name.
LABELS = (
    "title",
    "original_title",
    "byline",
    "dateline",
    "published_at",
    "source",
    "credits",
    "body",
    "chrome",
    "residue",
)

#: Credit roles, as keys of ``NewsRecord.credits`` (always these simplified names).
ROLES = ("编辑", "责任编辑", "编审", "审核", "校对", "监制", "主编", "值班编辑", "纠错")
#: Other spellings of a role, folded into its one name.
ROLE_ALIASES = {"责编": "责任编辑"}

#: The keys of ``NewsRecord.to_dict()``, in order.
FIELDS = (
    "title",
    "original_title",
    "byline",
    "outlet",
    "reporters",
    "dateline",
    "published_at",
    "source",
    "credits",
    "body",
    "chrome",
    "residue",
)


@dataclass(frozen=True)
class Line:
    """One non-blank line of the text: its 1-based line number, stripped text and label."""

    number: int
    text: str
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.number, "label": self.label, "text": self.text}


@dataclass(frozen=True)
class NewsRecord:
    """The structure of one news page. Every field is present; absent ones are None or empty.

    ``lines`` is the accounting: every non-blank input line with the one label that says
    where it went. It is not part of :meth:`to_dict` (the record's columns).
    """

    title: str | None = None
    original_title: str | None = None
    #: The byline line as written (several byline lines are joined by ``\\n``).
    byline: str | None = None
    outlet: str | None = None
    reporters: tuple[str, ...] = ()
    dateline: str | None = None
    #: ISO date (``2021-03-18``) when the page states a full date.
    published_at: str | None = None
    source: str | None = None
    #: Role (one of :data:`ROLES`) -> names, in page order.
    credits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Body paragraphs joined by ``\\n``, in order, nothing else.
    body: str = ""
    chrome: tuple[str, ...] = ()
    residue: tuple[str, ...] = ()
    lines: tuple[Line, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready and flat: strings, lists of strings, one role -> names mapping."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = {role: list(names) for role, names in value.items()}
            out[name] = value
        return out


def extract(
    text: str,
    config: MendConfig | None = None,
    *,
    mended: bool = False,
    **options: Any,
) -> NewsRecord:
    """Mend ``text`` (unless ``mended=True``) and split it into a :class:`NewsRecord`.

    Mending first lets one set of patterns see ``编辑：`` whatever the page's script and
    punctuation were. ``config``/``options`` are those of :func:`zhmend.mend`.
    """
    text = _check_text(text)
    if mended:
        if config is not None or options:
            raise ConfigError(
                "mend options were given with mended=True; drop them, or drop mended=True "
                "to have the text mended with them first"
            )
    else:
        text = mend(text, config, **options)
    return extract_mended(text)


# ---------------------------------------------------------------------------------------
# Patterns. All are matched on the folded key of a line, anchored, with bounded repeats, so
# the cost stays linear in the line length.

H = f"[{HAN_RANGES}]"
# A role word is never a name: 记者张三 通讯员 李四 is two names, not three.
_NOT_A_NAME = "通讯员|实习生|记者|摄影|责任编辑|值班编辑|编辑|编审|审核|校对|监制|主编|纠错|责编"
_NAME = rf"(?!{_NOT_A_NAME})(?:{H}{{2,4}}|{H}{{1,6}}[·•]{H}{{1,8}})"
_NAME_SEP = r"(?:\s*[、，,/／;；]\s*|\s+)"
_NAMES = rf"{_NAME}(?:{_NAME_SEP}{_NAME}){{0,9}}"
_COLON = r"[：:]"
_OPEN = r"[（(]"
_CLOSE = r"[）)]"

#: Words that follow 记者 in a sentence and are no one's name (``记者获悉``).
_NOT_NAMES = frozenset(
    "获悉 了解 表示 发现 看到 注意到 采访 获知 得知 提问 观察 询问 走访 联系 问道 介绍 "
    "调查 来到 实地 随后 近日 日前 今天 昨天 此前 现场 一行 们 招待会 见面会 发布会 座谈会 "
    "证件 协会 之家 认为 指出 强调 写道".split()
)
_NOT_NAME_START = "从在对据向于和与把被将就跟"

# Reporter roles; the words before the role in a byline are the outlet, once the role's own
# modifiers (全媒体, 首席, ...) and "this paper" (本报) are taken off.
_ROLE_MODS = (
    r"(?:本报|本台|本网|本刊|全媒体|融媒体|首席|特约|见习|实习|摄影|驻[\u4e00-\u9fff]{1,4})"
)
_REPORTER = rf"(?P<pre>{H}{{0,8}}?)(?P<mods>{_ROLE_MODS}{{0,3}})记者"
_BYLINE_CORE = (
    rf"(?:{_REPORTER}|通讯员|实习生|作者{_COLON}?)\s*(?P<names>{_NAMES})"
    rf"(?P<more>(?:\s*[、，,]?\s*(?:{_ROLE_MODS}{{0,2}}记者|通讯员|实习生|摄影)\s*{_NAMES}){{0,4}})"
)
_BYLINE = re.compile(rf"^(?P<open>{_OPEN}\s*)?{_BYLINE_CORE}(?(open)\s*{_CLOSE})$")
_BYLINE_WRITER = re.compile(rf"^(?:文|文图|文/图|图文|撰文)\s*[/／|｜：:]\s*(?P<names>{_NAMES})$")
_REPORTED_FROM = re.compile(rf"\s*[／/]\s*{H}{{1,8}}报[导道]$")
_MORE_NAMES = re.compile(rf"(?:{_ROLE_MODS}{{0,2}}记者|通讯员|实习生|摄影)\s*(?P<names>{_NAMES})")
#: ``……排名为：……。（记者 戴璐岭）``: a credit closing a paragraph.
_TRAILING_CREDIT = re.compile(
    rf"{_OPEN}\s*(?:{H}{{0,12}}?{_ROLE_MODS}{{0,3}}记者|通讯员)\s*(?P<names>{_NAMES})"
    rf"(?P<more>(?:\s*[、，,]?\s*(?:{_ROLE_MODS}{{0,2}}记者|通讯员|实习生)\s*{_NAMES}){{0,4}})"
    rf"\s*{_CLOSE}$"
)

# Datelines: 新华社北京5月15日电, 人民网北京4月8日电, 本报讯, 本报成都5月3日讯, 中研网讯：
_MD = r"\d{1,2}月\d{1,2}日"
_AGENCY = rf"(?P<agency>{H}{{1,8}}?(?:通讯社|新闻社|电视台|日报|晚报|新闻|社|网|报))"
_WIRE = rf"{_AGENCY}{H}{{0,8}}?{_MD}{H}{{0,2}}?电"
_PAPER = rf"本报(?:{H}{{0,8}}?{_MD})?讯"
_DATELINE_LINE = re.compile(
    rf"^{_OPEN}?(?P<dl>{_WIRE}|{_PAPER}|(?P<src>{H}{{2,8}}?)讯(?={_COLON})|{_MD}|{_MD}电)"
    rf"{_CLOSE}?(?:{_COLON})?(?:\s*{_OPEN}\s*(?:记者\s*)?(?P<names>{_NAMES})\s*{_CLOSE})?$"
)
_BARE_MD = re.compile(rf"^{_MD}$")
_DATELINE_LEAD = re.compile(
    rf"^{_OPEN}?(?P<dl>{_WIRE}|{_PAPER}|{_MD}(?=\s*[，,]))"
    rf"(?:{_CLOSE}?\s*{_OPEN}\s*(?:{H}{{0,6}}?记者\s*)?(?P<names>{_NAMES})\s*{_CLOSE})?"
)

# Credits: 编辑：宋姿熠, （责编：王震、岳弘彬）, 【纠错】 【责任编辑:刘阳 】, 校对 张三 审核 李四.
_ROLE_WORDS = sorted([*ROLES, *ROLE_ALIASES], key=len, reverse=True)
_ROLE = "(?:" + "|".join(_ROLE_WORDS) + ")"
_CREDIT_ITEM = re.compile(
    rf"[【\[（(]?\s*(?P<role>{_ROLE})\s*(?:(?:[：:/／]|\s)\s*(?P<names>{_NAMES}))?\s*[】\]）)]?"
)
_ITEM_GAP = re.compile(r"[\s|｜]*")

_ORIGINAL_TITLE = re.compile(
    rf"^(?:[【\[]\s*原标题\s*[】\]]\s*{_COLON}?|原标题\s*{_COLON})\s*(?P<v>.+)$"
)

# Header lines: dates, 来源：…, 发布时间：…, counters and page widgets, nothing else.
_DATE = r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
_TIME = r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?"
_SOURCE_KEYS = r"(?:文章来源|信息来源|稿件来源|新闻来源|来源|稿源|出处)"
_AUTHOR_KEYS = r"(?:作者|撰稿|撰文)"
_DATE_KEYS = (
    r"(?:发布时间|发布日期|发表时间|发表日期|发稿时间|发稿日期|更新时间|更新日期|"
    r"日期|时间|发布于|发表于)"
)
_COUNTER_KEYS = (
    r"(?:浏览次数|浏览量|浏览|阅读次数|阅读量|阅读数|阅读|点击次数|点击量|点击数|点击|"
    r"评论数|评论|点赞数|点赞|访问量|访问次数|人气|热度)"
)
_ALL_KEYS = rf"(?:{_SOURCE_KEYS}|{_AUTHOR_KEYS}|{_DATE_KEYS}|{_COUNTER_KEYS}|字号)"
_VALUE = rf"(?P<v>[^\s：:|｜]+?)(?=\s|[|｜]|{_ALL_KEYS}{_COLON}|$)"
_HEADER_PIECES = re.compile(
    "|".join(
        [
            rf"(?P<src>{_SOURCE_KEYS}\s*{_COLON}\s*){_VALUE.replace('?P<v>', '?P<sv>')}",
            rf"(?P<auth>{_AUTHOR_KEYS}\s*{_COLON}\s*){_VALUE.replace('?P<v>', '?P<av>')}",
            rf"(?P<datek>{_DATE_KEYS}\s*{_COLON}\s*)"
            rf"(?:{_DATE.replace('?P<', '?P<k')})?(?:\s*{_TIME})?",
            rf"(?P<count>{_COUNTER_KEYS}\s*{_COLON}?\s*\d+\s*次?)",
            rf"(?P<date>{_DATE})(?:\s*{_TIME})?",
            rf"(?P<widget>字号\s*{_COLON}?\s*(?:[大中小]\s*){{1,3}}|分享到\s*{_COLON}?|【?打印】?|"
            rf"【?关闭】?|【?收藏】?|【?纠错】?)",
            r"(?P<url>(?:https?://|www\.)[\w./?=&%#:~+\-]+)",
            r"(?P<sep>[\s|｜/·•\-—_]+)",
        ]
    )
)

# Chrome: whole-line shapes of page furniture.
_HOME = re.compile(
    r"^(?:首页|当前位置|您的位置|你的位置|您现在的位置|现在的位置|所在位置)\s*[：:>＞»›]"
)
_CRUMB_SEP = re.compile(r"[>＞»›]")
_COUNTER = re.compile(
    rf"{_COUNTER_KEYS}\s*{_COLON}\s*\d+|^\d+\s*(?:次浏览|人阅读|次阅读|人浏览|条评论)$"
)
_LINKS = re.compile(
    r"^[【\[]?(?:相关推荐|相关阅读|相关新闻|相关文章|相关链接|相关报道|推荐阅读|延伸阅读|热门推荐|"
    r"热点推荐|热门文章|猜你喜欢|更多详情|更多精彩|更多内容|更多新闻|更多资讯|上一篇|下一篇|"
    r"返回顶部|返回首页|返回列表|分享到|扫一扫|打印本页|关闭窗口|收藏本文|"
    r"投稿邮箱|投稿信箱|新闻热线|爆料热线|爆料电话)"
)
#: Page buttons, only as whole lines: 关闭 also starts sentences (关闭所有娱乐场所).
_BUTTONS = re.compile(r"^(?:[【\[]?(?:打印|关闭|纠错|收藏|举报|分享|评论|点赞)[】\]]?\s*)+$")
_MORE_DETAILS = re.compile(r"更多详情|详情请访问|详情请点击|详情请关注|点击查看更多|阅读原文")
_NOTICE = re.compile(
    r"^[*＊※]?\s*[【\[]?(?:免责声明|版权声明|特别声明|本站声明|声明)[】\]]?\s*[：:]"
)
_DISCLAIMER_OPEN = re.compile(
    r"^[*＊※]?\s*[【\[]?(?:本文转载自|本文转自|本文来自|本文来源于|本文由|文章来源于|来源于网络|"
    r"注：本文|转载请注明|版权所有|未经授权)"
)
# Specific phrases only: a news story about 侵权 or 转载 is still a news story.
_DISCLAIMER_PHRASE = re.compile(
    r"如有侵权|侵权请|联系(?:我们|本站)?(?:予以)?删除|予以删除|不代表本站|不代表本网|"
    r"版权归原作者|版权归属原作者|仅供参考|转载请注明"
)
_REPOST = re.compile(r"转载|转自|来源于|来自于|来自网络|原作者")
_THIS_PAGE = re.compile(r"本文|本站|本网|此文|文章")
_WATERMARK = re.compile(r"保护视力色|^(?:https?://|www\.)\S+$")
_FOLLOW_US = re.compile(r"扫码关注|扫一扫关注|关注微信公众号|长按识别二维码|微信扫一扫")
_SEO_KEYWORDS = re.compile(
    r"^[【\[]?(?:搜索关键词|热门关键词|关键字|标签|tags?)[】\]]?\s*[：:]", re.IGNORECASE
)
_BULLET = re.compile(r"^[-*＊•·]+\s*")
_HAN = re.compile(H)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# 100-odd common surnames: a line of bare names under a title (``张 眉 翟晋玉``) is a byline.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_BARE_NAMES = re.compile(rf"^{H}{{1,4}}(?:[ \u3000]+{H}{{1,4}}){{1,5}}$")


@lru_cache(maxsize=1)
def _fold_table() -> tuple[dict[int, str], frozenset[str]]:
    """Traditional character -> its one simplified form (same length keeps spans aligned),
    and the set of characters it folds."""
    from .tables import convert, traditional_only

    chars = sorted(traditional_only())
    converted = convert("\n".join(chars), "t2s").split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC keeps newlines
        return {}, frozenset()
    table = {ord(c): s for c, s in zip(chars, converted, strict=True) if len(s) == 1 and s != c}
    return table, frozenset(chr(k) for k in table)


@dataclass(frozen=True)
class _Text:
    """A stripped line, and its key: folded to simplified, leading bullet off."""

    text: str
    key: str
    offset: int

    @classmethod
    def of(cls, text: str) -> _Text:
        # Most lines have nothing to fold; a set test is cheaper than translating them.
        table, chars = _fold_table()
        folded = text if chars.isdisjoint(text) else text.translate(table)
        bullet = _BULLET.match(folded)
        offset = bullet.end() if bullet and bullet.end() < len(folded) else 0
        return cls(text, folded[offset:], offset)

    def cut(self, m: re.Match[str], group: str | int = 0) -> str:
        """The text of ``group`` of a match on the key, as written in the line."""
        return self.text[self.offset + m.start(group) : self.offset + m.end(group)]

    def cut_span(self, start: int, end: int) -> str:
        return self.text[self.offset + start : self.offset + end]


@dataclass
class _Facts:
    """What one line says, before the page-level decisions."""

    kind: str  # a label, or "text" for a line that is body or title
    #: A bare date (``2022年11月30日``, ``5月15日``): page metadata above the first paragraph,
    #: the date under a letter or a timeline's heading below it.
    bare_date: bool = False
    reporters: list[str] = field(default_factory=list)
    outlet: str | None = None
    dateline: str | None = None
    published_at: str | None = None
    source: str | None = None
    credits: list[tuple[str, str]] = field(default_factory=list)
    original_title: str | None = None


def _names(t: _Text, start: int, end: int) -> list[str] | None:
    """Split a names span of the key; None when a piece is no one's name."""
    out: list[str] = []
    for m in re.finditer(_NAME, t.key[start:end]):
        piece = t.key[start + m.start() : start + m.end()]
        if piece in _NOT_NAMES or piece[0] in _NOT_NAME_START or piece.endswith("们"):
            return None
        out.append(t.cut_span(start + m.start(), start + m.end()))
    return out or None


def _outlet(t: _Text, m: re.Match[str]) -> str | None:
    pre = m.group("pre")
    if not pre or pre in ("本报", "本台", "本网", "本刊"):
        return None
    return t.cut(m, "pre")


def _iso(m: re.Match[str], prefix: str = "") -> str | None:
    y, mo, d = (int(m.group(prefix + k)) for k in ("y", "m", "d"))
    if not (1900 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _credits(t: _Text) -> list[tuple[str, str]] | None:
    """``编辑：宋姿熠 审核：李四`` -> [(role, name), ...] when the whole line is credits."""
    pos, key, found, named = 0, t.key, [], False
    while pos < len(key):
        m = _CREDIT_ITEM.match(key, pos)
        if not m or m.end() == pos:
            return None
        role = ROLE_ALIASES.get(m.group("role"), m.group("role"))
        if m.group("names"):
            names = _names(t, m.start("names"), m.end("names"))
            if names is None:
                return None
            found.extend((role, n) for n in names)
            named = True
        elif role != "纠错":  # 【纠错】 is a button beside the credits; a bare role is not
            return None
        pos = _ITEM_GAP.match(key, m.end()).end()
    return found if named else None


def _byline(t: _Text) -> _Facts | None:
    if len(t.key) > 48:
        return None
    # 记者王小明／台北报导: the place of reporting closes a Taiwan byline.
    report = _REPORTED_FROM.search(t.key)
    key = t.key[: report.start()] if report else t.key
    m = _BYLINE.match(key)
    if not m:
        w = _BYLINE_WRITER.match(key)
        names = _names(t, w.start("names"), w.end("names")) if w else None
        return _Facts("byline", reporters=names) if names else None
    names = _names(t, m.start("names"), m.end("names"))
    if names is None:
        return None
    if m.group("more"):
        base = m.start("more")
        for extra in _MORE_NAMES.finditer(m.group("more")):
            more = _names(t, base + extra.start("names"), base + extra.end("names"))
            if more is None:
                return None
            names.extend(more)
    outlet = _outlet(t, m) if m.group("pre") is not None else None
    return _Facts("byline", reporters=names, outlet=outlet)


def _header(t: _Text) -> _Facts | None:
    """A line made only of dates, 来源/作者/发布时间 fields, counters, URLs and widgets."""
    pos, key = 0, t.key
    facts = _Facts("published_at")
    counted = widget = keyed = False
    meaningful = False
    while pos < len(key):
        m = _HEADER_PIECES.match(key, pos)
        if not m or m.end() == pos:
            return None
        kind = m.lastgroup
        keyed = keyed or kind not in ("date", "y", "m", "d", "sep")
        if m.group("src") is not None:
            facts.source = facts.source or t.cut(m, "sv")
            meaningful = True
        elif m.group("auth") is not None:
            names = _names(t, m.start("av"), m.end("av"))
            if names:
                facts.reporters.extend(names)
            meaningful = True
        elif m.group("datek") is not None:
            if m.group("ky") is not None:
                facts.published_at = facts.published_at or _iso(m, "k")
            meaningful = True
        elif m.group("date") is not None:
            facts.published_at = facts.published_at or _iso(m)
            meaningful = True
        elif m.group("count") is not None:
            counted = True
        elif kind in ("widget", "url"):
            widget = True
        pos = m.end()
    if counted or (not meaningful and widget):
        facts.kind = "chrome"
    elif not meaningful:
        return None
    elif facts.source:
        facts.kind = "source"
    elif not facts.published_at:
        return None  # 作者：X alone is a byline; 时间： with no date is nothing we know
    facts.bare_date = not keyed
    return facts


def _chrome(t: _Text) -> bool:
    key = t.key
    if _breadcrumb(key) or _WATERMARK.search(key) or _SEO_KEYWORDS.match(key):
        return True
    short = len(key) <= 60
    if short and (_COUNTER.search(key) or _LINKS.match(key) or _BUTTONS.match(key)):
        return True
    if len(key) <= 30 and _FOLLOW_US.search(key):
        return True
    if len(key) <= 100 and _MORE_DETAILS.search(key):
        return True
    if _NOTICE.match(key):
        return True
    if _DISCLAIMER_OPEN.match(key) and (len(key) <= 80 or _DISCLAIMER_PHRASE.search(key)):
        return True
    if _DISCLAIMER_PHRASE.search(key) and _REPOST.search(key) and _THIS_PAGE.search(key):
        return True
    # SEO keyword strings: 国产精品…_推油…_久久…, many underscore-joined phrases.
    return key.count("_") >= 3 and "。" not in key and "，" not in key


def _breadcrumb(key: str) -> bool:
    """``首页 >资讯 >``, ``新闻 > 国内 > 正文``: short pieces between arrows."""
    if _HOME.match(key):
        return True
    if len(key) > 80 or "。" in key:
        return False
    pieces = [p.strip() for p in _CRUMB_SEP.split(key)]
    if len(pieces) < 2:
        return False
    if pieces[-1] == "":
        pieces.pop()  # a trail ending in an arrow: one crumb is enough
    elif len(pieces) < 3:
        return False  # 甲 > 乙 alone may be a comparison
    return all(1 <= len(p) <= 16 for p in pieces)


def _residue(t: _Text) -> bool:
    """No Han at all, and not a run of Latin words: a lone 0, a dash, a counter fragment."""
    if _HAN.search(t.key):
        return False
    return len(t.key) <= 16 or not _LATIN_WORD.search(t.key)


def _line_facts(t: _Text) -> _Facts:
    """Classify one line on its own; the page-level rules come after."""
    if _WATERMARK.search(t.key):
        return _Facts("chrome")  # before residue: a bare URL has no Han either
    if _residue(t):
        return _Facts("residue")
    credits = _credits(t)
    if credits:
        return _Facts("credits", credits=credits)
    m = _ORIGINAL_TITLE.match(t.key)
    if m:
        return _Facts("original_title", original_title=t.cut(m, "v").strip())
    by = _byline(t)
    if by:
        return by
    m = _DATELINE_LINE.match(t.key)
    if m:
        facts = _Facts("dateline", dateline=t.cut(m, "dl"), bare_date=bool(_BARE_MD.match(t.key)))
        facts.outlet = _agency(t, m)
        if m.group("names"):
            facts.reporters = _names(t, m.start("names"), m.end("names")) or []
        return facts
    header = _header(t)
    if header:
        return header
    if _chrome(t):
        return _Facts("chrome")
    return _Facts("text")


def _agency(t: _Text, m: re.Match[str]) -> str | None:
    for group in ("agency", "src"):
        if group in m.re.groupindex and m.group(group):
            return t.cut(m, group)
    return None


def _headline(t: _Text) -> bool:
    """Could this line be a page's title? Short, no full stop, not a sentence's start."""
    key = t.key
    return (
        len(_HAN.findall(key)) >= 4
        and len(key) <= 120
        and "。" not in key
        and "；" not in key  # a list: 关键词：新媒体；传统记者
        and key[-1] not in "：:，,、；;"
        and not _DATELINE_LEAD.match(key)
    )


def _bare_names(t: _Text) -> list[str] | None:
    """``张 眉 翟晋玉``: names only, padded 2-character names rejoined."""
    if not _BARE_NAMES.match(t.key):
        return None
    tokens = t.key.split()
    names, pending = [], ""
    for tok in tokens:
        if len(tok) == 1 and not pending:
            pending = tok
            continue
        if pending:
            if len(tok) != 1:
                return None
            tok, pending = pending + tok, ""
        names.append(tok)
    if pending or not all(n[0] in _SURNAMES and 2 <= len(n) <= 4 for n in names):
        return None
    # Return them as written (the key is folded): find each name's characters in the text.
    written = [c for c in t.text if not c.isspace()]
    out, i = [], 0
    for n in names:
        out.append("".join(written[i : i + len(n)]))
        i += len(n)
    return out


_META_ANCHORS = ("byline", "dateline", "published_at", "source")


def extract_mended(text: str) -> NewsRecord:
    """Split already-mended ``text`` into a :class:`NewsRecord` (see :func:`extract`)."""
    text = _check_text(text)
    numbered = [(n, s.strip()) for n, s in _numbered_lines(text)]
    items = [(n, _Text.of(s)) for n, s in numbered if s]
    facts = [_line_facts(t) for _, t in items]
    _decide_header(items, facts)
    return _assemble(items, facts)


# What str.splitlines breaks at: paragraphs end there too (CR-only files, U+2029).
_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _numbered_lines(text: str) -> list[tuple[int, str]]:
    """The pieces ``text.splitlines()`` makes, each with the number of its line counted as
    ``zhmend fix --explain`` and ``inspect`` count them: one per ``\\n``."""
    out = []
    start = 0
    number = 1
    for m in _BREAK.finditer(text):
        out.append((number, text[start : m.start()]))
        number += "\n" in m.group()
        start = m.end()
    if start < len(text):
        out.append((number, text[start:]))
    return out


def _decide_header(items: list[tuple[int, _Text]], facts: list[_Facts]) -> None:
    """Title, bare-name bylines and channel labels: only above the first paragraph."""
    first_para = next(
        (i for i, f in enumerate(facts) if f.kind == "text" and not _headline(items[i][1])),
        len(facts),
    )
    zone = range(first_para)
    for i in range(first_para, len(facts)):
        if facts[i].bare_date:
            facts[i] = _Facts("text")
    for i in zone:
        if facts[i].kind == "text":
            names = _bare_names(items[i][1])
            if names:
                facts[i] = _Facts("byline", reporters=names)
    candidates = [i for i in zone if facts[i].kind == "text"]
    if not candidates:
        return
    anchor = next((i for i in zone if facts[i].kind in _META_ANCHORS), None)
    if anchor is None:
        title = candidates[0]
    else:
        # The headline sits above the byline or date line; a short line under them is the
        # body's first line or a subheading, not a title.
        before = [i for i in candidates if i < anchor]
        if not before:
            return
        title = before[-1]
        for i in before[:-1]:
            if len(items[i][1].key) <= 12:
                facts[i] = _Facts("chrome")  # a channel label above the headline
    has_text_after = any(f.kind == "text" for f in facts[title + 1 :])
    if has_text_after:
        facts[title] = _Facts("title")


def _assemble(items: list[tuple[int, _Text]], facts: list[_Facts]) -> NewsRecord:
    fields_: dict[str, Any] = {name: None for name in ("title", "original_title", "outlet")}
    fields_.update(dateline=None, published_at=None, source=None)
    bylines: list[str] = []
    reporters: list[str] = []
    credits: dict[str, list[str]] = {}
    body: list[str] = []
    chrome: list[str] = []
    residue: list[str] = []
    lines: list[Line] = []

    def put(name: str, value: str | None) -> bool:
        """Fill a single-valued field; False when it already holds something else."""
        if value is None:
            return True
        if fields_[name] is None:
            fields_[name] = value
            return True
        return fields_[name] == value

    for (number, t), f in zip(items, facts, strict=True):
        label = "body" if f.kind == "text" else f.kind
        if label == "title":
            put("title", t.text)
        elif label == "original_title":
            if not put("original_title", f.original_title):
                label = "residue"  # a second, different original title: shown, not merged
        elif label == "byline":
            bylines.append(t.text)
        elif label == "credits":
            for role, name in f.credits:
                credits.setdefault(role, []).append(name)
        elif label == "dateline":
            if not put("dateline", f.dateline):
                label = "residue"
        elif label == "source":
            if not put("source", f.source):
                label = "residue"
        elif label == "published_at":
            if not put("published_at", f.published_at):
                label = "residue"
        if label != "residue":
            # Values a line gives besides its own field (date of a counter line, reporters
            # of a dateline) fill empty fields only; they never move the line.
            reporters.extend(f.reporters)
            if fields_["outlet"] is None and f.outlet:
                fields_["outlet"] = f.outlet
            if fields_["published_at"] is None and f.published_at:
                fields_["published_at"] = f.published_at
        if label == "body":
            body.append(t.text)
            _read_paragraph(t, len(body) == 1, fields_, reporters)
        elif label == "chrome":
            chrome.append(t.text)
        elif label == "residue":
            residue.append(t.text)
        lines.append(Line(number, t.text, label))

    return NewsRecord(
        title=fields_["title"],
        original_title=fields_["original_title"],
        byline="\n".join(bylines) or None,
        outlet=fields_["outlet"],
        reporters=tuple(_unique(reporters)),
        dateline=fields_["dateline"],
        published_at=fields_["published_at"],
        source=fields_["source"],
        credits={role: tuple(names) for role, names in credits.items()},
        body="\n".join(body),
        chrome=tuple(chrome),
        residue=tuple(residue),
        lines=tuple(lines),
    )


def _read_paragraph(t: _Text, first: bool, fields_: dict[str, Any], reporters: list[str]) -> None:
    """Fields a body paragraph states without giving up any of its text."""
    if first and fields_["dateline"] is None:
        m = _DATELINE_LEAD.match(t.key)
        if m:
            fields_["dateline"] = t.cut(m, "dl")
            if fields_["outlet"] is None:
                fields_["outlet"] = _agency(t, m)
            if m.group("names"):
                reporters.extend(_names(t, m.start("names"), m.end("names")) or [])
    m = _TRAILING_CREDIT.search(t.key)
    if m:
        names = _names(t, m.start("names"), m.end("names")) or []
        base = m.start("more")
        for extra in _MORE_NAMES.finditer(m.group("more") or ""):
            names.extend(_names(t, base + extra.start("names"), base + extra.end("names")) or [])
        reporters.extend(names)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def labelled(record: NewsRecord, label: str) -> list[str]:
    """The lines of ``record`` that went to ``label``, in page order."""
    if label not in LABELS:
        raise ConfigError(f"unknown label {label!r}; labels: {', '.join(LABELS)}")
    return [line.text for line in record.lines if line.label == label]


__all__ = [
    "FIELDS",
    "LABELS",
    "ROLES",
    "Line",
    "NewsRecord",
    "extract",
    "extract_mended",
    "labelled",
]
