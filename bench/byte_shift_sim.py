"""Forward simulator of the farm's byte-shift mechanism (issue 8), and its resemblance check.

Clean simplified text -> farm text: OpenCC s2t, GBK bytes, the label table applied as a
byte-level global replace in ascending GBK-code order (so a table character also matches
across a character boundary), an optional second pass that inserts an invisible byte
before the pairs spelling 。！，？, the farm's lenient decoder, and an optional NFKC fold.

    python bench/byte_shift_sim.py                 # side-by-side stats vs ../shared/data/real_dev
    python bench/byte_shift_sim.py --pages 200     # more simulated pages

The label table: one fixed reading per character (pypinyin's first reading). Which
characters carry labels is read from the real pages when ../shared/data/real_dev is present
(a character labelled there is in the table); otherwise every character that OpenCC's t2s
changes is labelled.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"

TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
LABEL = regex.compile(rf"(\p{{Han}})\(([a-zü{TONED}]{{1,7}})\)")
# The invisible byte of the second pass (DEL): alone it shows as nothing, after a lead byte
# the decoder turns the pair into "?" (or, on some sites, drops it).
MARKER = 0x7F
SECOND_PASS = (b"\xa1\xa3", b"\xa3\xa1", b"\xa3\xac", b"\xa3\xbf")  # 。！，？


@lru_cache(maxsize=1)
def label_table() -> dict[bytes, bytes]:
    """GBK bytes of a table character -> the bytes it becomes (itself + ``(label)``)."""
    from pypinyin import Style, pinyin

    from zhmend.tables import traditional_only

    chars: set[str] = set()
    pages = sorted((DATA / "real_dev").glob("[0-9][0-9][0-9].txt")) if DATA.exists() else []
    for page in pages:
        chars |= {m.group(1) for m in LABEL.finditer(page.read_text(encoding="utf-8"))}
        chars |= _false_match_chars(page.read_text(encoding="utf-8"))
    if not chars:
        chars = set(traditional_only())
    table = {}
    for ch in chars:
        try:
            code = ch.encode("gbk")
        except UnicodeEncodeError:
            continue
        reading = pinyin(ch, style=Style.TONE, heteronym=False)[0][0]
        if reading == ch:
            continue
        table[code] = code + f"({reading})".encode("gbk")
    return dict(sorted(table.items()))


@lru_cache(maxsize=1)
def _s2t_chars() -> dict[str, str]:
    from zhmend.tables import convert, readings

    chars = [c for c in readings() if len(c) == 1]
    out = convert("\n".join(chars), "s2t").split("\n")
    return {c: t for c, t in zip(chars, out) if len(t) == 1 and t != c}


def to_traditional(text: str) -> str:
    """The farm converts character by character (沖擊, never the phrase form 衝擊)."""
    table = _s2t_chars()
    return "".join(table.get(c, c) for c in text)


_MARK = regex.compile(rf"(.)\?([a-zü{TONED}]{{1,7}})\)")


def _false_match_chars(text: str) -> set[str]:
    """Table characters named by ``?label)`` markers: previous trail byte + a lead byte."""
    from zhmend.fixers.pinyin import is_reading

    found = set()
    for m in _MARK.finditer(text):
        try:
            prev = m.group(1).encode("gbk")
        except UnicodeEncodeError:
            continue
        for lead in range(0x81, 0xFF):
            try:
                ch = bytes([prev[-1], lead]).decode("gbk")
            except UnicodeDecodeError:
                continue
            if is_reading(ch, m.group(2)):
                found.add(ch)
    return found


def farm_bytes(text: str, second_pass: bool) -> bytes:
    """The farm's byte edits on the GBK form of already converted text."""
    data = text.encode("gbk", errors="replace")
    for code, replacement in label_table().items():
        data = data.replace(code, replacement)
    if second_pass:
        for pair in SECOND_PASS:
            data = data.replace(pair, bytes([MARKER]) + pair)
    return data


def clean_farm_text(text: str) -> str:
    """The same labels inserted per character, without byte damage (the intended page)."""
    table = {k.decode("gbk"): v.decode("gbk") for k, v in label_table().items()}
    return "".join(table.get(c, c) for c in text)


def farm_decode(data: bytes, marker_vanishes: bool = False) -> str:
    """The farm's lenient GBK decoder, as the real pages show it."""
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            if b != MARKER:
                out.append(chr(b))
            i += 1
            continue
        if b == 0x80:
            out.append("€")
            i += 1
            continue
        if b == 0xFF or i + 1 >= n:
            out.append("?")
            i += 1
            continue
        t = data[i + 1]
        if t == MARKER:
            if not marker_vanishes:
                out.append("?")
            i += 2
        elif 0x21 <= t <= 0x3F:
            out.append("?")  # the byte after the lead is swallowed: the "(" of ?nèi)
            i += 2
        elif t < 0x40 or t == 0xFF:
            out.append("?")
            i += 1
        else:
            if not user_defined(b, t):  # the user-defined area shows nothing
                try:
                    out.append(bytes([b, t]).decode("gbk"))
                except UnicodeDecodeError:
                    out.append("?")
            i += 2
    return "".join(out)


def user_defined(lead: int, trail: int) -> bool:
    """GBK's user-defined area: AAA1-AFFE, F8A1-FEFE, A140-A7A0."""
    if 0xAA <= lead <= 0xAF or 0xF8 <= lead <= 0xFE:
        return trail >= 0xA1
    return 0xA1 <= lead <= 0xA7 and trail <= 0xA0


@dataclass(frozen=True)
class FarmPage:
    clean: str  # the intended farm page: converted, labelled, no byte damage
    garbled: str  # what the farm published


def simulate(
    text: str, second_pass: bool = False, nfkc: bool = True, marker_vanishes: bool = False
) -> FarmPage:
    trad = to_traditional(text)
    # Characters outside GBK would become "?" in both versions; keep the comparison fair.
    trad = trad.encode("gbk", errors="replace").decode("gbk")
    garbled = farm_decode(farm_bytes(trad, second_pass), marker_vanishes)
    clean = clean_farm_text(trad)
    if nfkc:
        garbled = unicodedata.normalize("NFKC", garbled)
        clean = unicodedata.normalize("NFKC", clean)
    return FarmPage(clean, garbled)


def runs(clean: str, garbled: str) -> list[tuple[int, int, int, int]]:
    """Garbled runs: (clean start, clean end, garbled start, garbled end) of each difference."""
    import difflib

    sm = difflib.SequenceMatcher(None, clean, garbled, autojunk=False)
    found = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        if found and i1 - found[-1][1] <= 2 and j1 - found[-1][3] <= 2:
            found[-1] = (found[-1][0], i2, found[-1][2], j2)
        else:
            found.append((i1, i2, j1, j2))
    return found


def run_stats(spans: list[str]) -> dict[str, float]:
    """Length, share of rare characters and share ending at an ASCII letter of garbled runs
    (label tails counted as the one ``?`` they stand for)."""
    from zhmend.fixers.byte_shift.model import model

    m = model()
    lengths = [len(s) for s in spans]
    han = [c for s in spans for c in s if "\u4e00" <= c <= "\u9fff"]
    rare = [c for c in han if m.is_rare(c)]
    ends = [s for s in spans if s and s[-1].isascii() and s[-1].isalpha()]
    return {
        "runs": len(spans),
        "median_len": statistics.median(lengths) if lengths else 0.0,
        "rare_share": len(rare) / len(han) if han else 0.0,
        "ends_ascii_letter": len(ends) / len(spans) if spans else 0.0,
    }


_QTAIL = regex.compile(rf"\?[a-zü{TONED}]{{1,7}}\)")


def anchor_runs(text: str) -> list[str]:
    """Garbled runs as a reader finds them, the same way on real and simulated pages: from
    a ``?`` after a non-ASCII character or a label, through ``?label)`` tails, to the first
    ASCII letter or digit (included), space, ``(`` or 30 characters."""
    found = []
    i = 0
    while i < len(text):
        if text[i] != "?" or i == 0 or (text[i - 1].isascii() and text[i - 1] != ")"):
            i += 1
            continue
        j = i
        while j < len(text) and j - i < 30:
            m = _QTAIL.match(text, j)
            if m:
                j = m.end()
                continue
            c = text[j]
            if c.isspace() or c == "(":
                break
            j += 1
            if c.isascii() and c.isalnum():
                break
        found.append(_trim(_strip_tails(text[i:j])))
        i = max(j, i + 1)
    # A lone "?" is a question mark as often as not: only runs with garbage count.
    return [r for r in found if len(r) > 1]


def _trim(run: str) -> str:
    """Cut the run after its last garbled-looking character (text in step follows)."""
    from zhmend.fixers.byte_shift.model import model

    m = model()
    last = 0
    for k, c in enumerate(run):
        if c in "，。、；：“”《》,.;:":
            break
        han = "\u4e00" <= c <= "\u9fff"
        if c == "?" or (han and m.is_rare(c)) or (not han and not c.isspace()):
            last = k + 1
    return run[:last]


def _strip_tails(run: str) -> str:
    return _QTAIL.sub("?", run)


def real_runs() -> list[str]:
    pages = sorted((DATA / "real_dev").glob("[0-9][0-9][0-9].txt")) if DATA.exists() else []
    found = []
    for page in pages:
        found += anchor_runs(page.read_text(encoding="utf-8"))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="simulated pages (news_dev)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--show", type=int, default=8, help="print this many simulated runs")
    args = parser.parse_args()
    news = DATA / "news_dev.jsonl"
    if not news.exists():
        print(f"{news} is not present: nothing to simulate", file=sys.stderr)
        return 0
    docs = [json.loads(line) for line in news.open(encoding="utf-8") if line.strip()]
    rng = random.Random(args.seed)
    sim_spans: list[str] = []
    for doc in rng.sample(docs, min(args.pages, len(docs))):
        page = simulate(doc["text"][:2000], second_pass=rng.random() < 6 / 27)
        sim_spans += anchor_runs(page.garbled)
    real = real_runs()
    rs, ss = run_stats(real), run_stats(sim_spans)
    print(f"{'':22}{'real_dev':>12}{'simulated':>12}")
    for key in rs:
        print(f"{key:22}{rs[key]:>12.3g}{ss[key]:>12.3g}")
    print("real runs:", " | ".join(real))
    print("simulated runs:", " | ".join(sim_spans[: args.show]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
