"""Bounded memory for ``zhmend fix``: long lines are cut where no fixer sees across, and
``--explain --json`` is written as it goes, byte for byte what it was when held whole."""

from __future__ import annotations

import argparse
import functools
import io
import itertools
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from zhmend import MendConfig, mend, mend_and_explain
from zhmend.commands import fix
from zhmend.io import textfile
from zhmend.io.cut import find_cut, utf8_size
from zhmend.io.textfile import iter_blocks

EXAMPLES = int(os.environ.get("ZHMEND_HYPOTHESIS_EXAMPLES", "120"))

# Pages of three kinds, each written sentence by sentence. Farm sentences carry their own
# evidence (a label on a traditional-only character, ASCII or stray commas), so a piece
# of whole sentences is judged as the page is; clean simplified and genuine traditional
# sentences must come out untouched, whole or in pieces.
FARM = [
    "國(guó)務院今天發(fā)佈通知,,要求各地加強(qiáng)監(jiān)管工作。",
    "記(jì)者從市政府獲悉,新建學(xué)校將于九月開(kāi)學。",
    "專(zhuān)家表示,,經(jīng)濟運(yùn)行總體平穩,、就業形勢穩定。",
    "醫(yī)療衛(wèi)生體(tǐ)系建設不斷推進,群眾看病更加方便。",
    "東(dōng)部鐵(tiě)路新線將于年底通車(chē)。",
    "據(jù)氣(qì)象部門預測,本周氣溫將明顯回升。",
    "會(huì)議(yì)指出:要堅持(chí)穩中求進。",
    "新華社(北京)電,,記(jì)者報(bào)道。",
    "總(zǒng)數超過三千,比去年增長(zhǎng)兩成。",
]
CLEAN = [
    "国务院今天发布通知，要求各地加强监管工作。",
    "记者从市政府获悉，新建学校将于九月开学。",
    "专家表示，经济运行总体平稳、就业形势稳定。",
    "东部铁路新线将于年底通车，沿线设站六座。",
]
TRADITIONAL = [
    "行政院今天召開記者會，說明後續的防疫措施。",
    "這座寺廟建於清朝，至今已有兩百多年歷史。",
    "該校並於明年開設資訊工程學系。",
    "臺北市立動物園位於文山區，佔地廣闊。",
]
PAGES = {"farm": FARM, "clean": CLEAN, "traditional": TRADITIONAL}


def cut_line(line: str, cut_bytes: int) -> tuple[list[str], list[str]]:
    """The pieces :func:`find_cut` makes of ``line``, and the kind of each cut."""
    pieces, kinds = [], []
    while utf8_size(line) > cut_bytes:
        at, kind = find_cut(line, cut_bytes)
        pieces.append(line[:at])
        kinds.append(kind)
        line = line[at:]
    return [*pieces, line], kinds


def blocks_of(text: str, **sizes: int) -> list[str]:
    data = text.encode("utf-8", "surrogatepass")
    return list(iter_blocks(io.BytesIO(data), "t", errors="surrogatepass", **sizes))


# 1. Where a line is cut --------------------------------------------------------------

CUT_CASES = [
    {
        "label": "after a sentence end followed by a Han character, the latest one",
        "line": "會議召開。市委書記講話。委員會主任主持會議並講話",
        "cut_bytes": 60,
        "expected": ("會議召開。市委書記講話。", "sentence"),
    },
    {
        "label": "a sentence end before a digit is no place: between two Han characters",
        "line": "會議召開。2023年市委書記委員會主任主持會議並講話",
        "cut_bytes": 60,
        "expected": ("會議召開。2023年市委書記委員會主任主持會", "han"),
    },
    {
        "label": "never between a character and its label",
        "line": "會(huì)議(yì)召(zhào)開(kāi)會(huì)議(yì)召(zhào)開(kāi)會(huì)議(yì)",
        "cut_bytes": 60,
        "expected": ("會(huì)議(yì)召(zhào)開(kāi)會(huì)議(yì)", "hard"),
    },
    {
        "label": "not near a ? that may be a byte-shift anchor, even one past the piece",
        "line": ("市委書記講話。" * 100)[:700] + "?" + ("市委書記講話。" * 100)[700:],
        "cut_bytes": 1500,
        "expected": ("市委書記講話。" * 63, "sentence"),
    },
    {
        "label": "not inside brackets: before the quotation opened",
        "line": "會議召開。他說。市委“會議召開。委員講話”",
        "cut_bytes": 48,
        "expected": ("會議召開。他說。", "sentence"),
    },
    {
        "label": "brackets left open everywhere: the latest sentence end all the same",
        "line": "“他說。會議召開。委員會主任講話",
        "cut_bytes": 36,
        "expected": ("“他說。會議召開。", "sentence_open"),
    },
    {
        "label": "no Han: a hard cut, never between two ASCII letters",
        "line": "abcd efgh ijkl mnop qrst",
        "cut_bytes": 16,
        "expected": ("abcd efgh ijkl ", "hard"),
    },
    {
        "label": "a hard cut never splits a surrogate pair",
        "line": "\ud83d\ude00" * 10,
        "cut_bytes": 16,
        "expected": ("\ud83d\ude00" * 2, "hard"),
    },
    {
        "label": "a hard cut never splits CR LF",
        "line": "abc,;" * 3 + "\r\n",
        "cut_bytes": 16,
        "expected": ("abc,;abc,;abc,;", "hard"),
    },
]


@pytest.mark.parametrize("case", CUT_CASES, ids=[c["label"] for c in CUT_CASES])
def test_where_a_line_is_cut(case: dict) -> None:
    line, cut_bytes = case["line"], case["cut_bytes"]
    assert utf8_size(line) > cut_bytes
    at, kind = find_cut(line, cut_bytes)
    assert (line[:at], kind) == tuple(case["expected"])
    assert cut_bytes // 2 <= utf8_size(line[:at]) <= cut_bytes


def test_a_short_line_is_never_cut() -> None:
    line = "會(huì)議召開(kāi),,市委書(shū)記,、委員。" * 3 + "\n"
    size = utf8_size(line)
    assert blocks_of(line * 4, block_bytes=size * 2, cut_bytes=size) == [line * 2, line * 2]


# 2. Mending in pieces is mending the whole ---------------------------------------------

pages = st.sampled_from(sorted(PAGES)).flatmap(
    lambda kind: st.lists(st.sampled_from(PAGES[kind]), min_size=12, max_size=40)
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages, st.integers(240, 700), st.sampled_from(["auto", "keep", "simplified"]))
def test_a_line_mended_in_pieces_is_the_line_mended_whole(
    sentences: list[str], cut_bytes: int, to: str
) -> None:
    line = "".join(sentences)
    pieces, kinds = cut_line(line, cut_bytes)
    # Cut after sentence ends, which these pages offer in (nearly) every window.
    assume(kinds and set(kinds) <= {"sentence"})
    config = MendConfig(to=to)
    assert "".join(mend(p, config) for p in pieces) == mend(line, config)
    # The explanation too, each piece's edits moved to its place in the line.
    whole = mend_and_explain(line, config)
    moved, offset = [], 0
    for p in pieces:
        moved += [
            (e.start + offset, e.before, e.after, e.rule) for e in mend_and_explain(p, config).edits
        ]
        offset += len(p)
    assert moved == [(e.start, e.before, e.after, e.rule) for e in whole.edits]
    # iter_blocks cuts a lone line exactly so.
    assert blocks_of(line, cut_bytes=cut_bytes) == pieces


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "會",
                "(huì)",
                "議",
                "。",
                ",",
                "?",
                "(",
                ")",
                "“",
                "”",
                "a",
                "1",
                ".",
                " ",
                "😀",
                "\u200d",
                "\r",
                "\n",
                "\r\n",
                "\ud83d",
                "\ude00",
                "é",
                "\u0301",
            ]
        ),
        max_size=300,
    ),
    st.integers(1, 120),
    st.integers(16, 120),
    st.integers(1, 40),
)
def test_blocks_are_bounded_and_depend_on_the_text_alone(
    tokens: list[str], block_bytes: int, cut_bytes: int, read_bytes: int
) -> None:
    text = "".join(tokens)
    want = blocks_of(text, block_bytes=block_bytes, cut_bytes=cut_bytes)
    assert "".join(want) == text
    assert all(utf8_size(b) < block_bytes + cut_bytes for b in want)
    ends = list(itertools.accumulate(map(len, want)))[:-1]
    # A block ends at a line end or a cut, never inside CR LF or a surrogate pair.
    assert not any(text[k - 1 : k + 1] == "\r\n" for k in ends)
    high = [k for k in ends if "\ud800" <= text[k - 1] <= "\udbff"]
    assert not any("\udc00" <= text[k] <= "\udfff" for k in high)
    assert all(want)
    old = textfile.READ_BYTES
    textfile.READ_BYTES = read_bytes  # small reads: the same blocks
    try:
        for encoding in ("utf-8", "utf-16", "gb18030"):
            try:
                data = text.encode(encoding)
            except UnicodeEncodeError:
                continue  # a lone surrogate: only UTF-8 with surrogatepass spells it
            got = list(
                iter_blocks(
                    io.BytesIO(data), "t", encoding, block_bytes=block_bytes, cut_bytes=cut_bytes
                )
            )
            assert got == want
    finally:
        textfile.READ_BYTES = old


def test_a_line_is_never_held_whole() -> None:
    # 6 MB on one line, read and cut by 64 KiB: what is held at once stays near a piece.
    unit = "會(huì)議召開(kāi),,市委書(shū)記,、委員會主任主持會議並講話,。".encode()
    data = unit * (6_000_000 // len(unit))
    cut_bytes = 1 << 16
    tracemalloc.start()
    try:
        total = 0
        for block in iter_blocks(io.BytesIO(data), "t", block_bytes=1 << 14, cut_bytes=cut_bytes):
            assert utf8_size(block) <= cut_bytes
            total += utf8_size(block)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == len(data)
    assert peak < 3_000_000  # the line is 6 MB as UTF-8 and 9 MB as a str


# 3. Explanations: streamed, and placed in the file ---------------------------------------


def explained_whole(data: bytes, name: str, lines: bool, **sizes: int) -> bytes:
    """The JSON explanation as it was made before it streamed: every edit and every
    document's evidence gathered in one object, dumped at the end. Offsets count from the
    file's start."""
    doc: dict[str, object] = {"file": name, "edits": [], "evidence": []}
    line_base = col_base = offset = 0
    for block in iter_blocks(io.BytesIO(data), name, **sizes):
        for part in fix._documents(block, lines):
            result = mend_and_explain(part)
            for e in result.edits:
                line = part.count("\n", 0, e.start) + 1
                col = e.start - (part.rfind("\n", 0, e.start) + 1) + 1
                col += col_base if line == 1 else 0
                where = {"start": e.start + offset, "end": e.end + offset}
                doc["edits"].append({**e.to_dict(), **where, "line": line_base + line, "col": col})
            evidence = result.evidence.to_dict()
            evidence["findings"] = [
                {**f, "start": f["start"] + offset, "end": f["end"] + offset}
                for f in evidence["findings"]
            ]
            doc["evidence"].append(evidence)
            offset += len(part)
            line_base += part.count("\n")
            ended = part.rfind("\n")
            col_base = col_base + len(part) if ended == -1 else len(part) - ended - 1
    return (json.dumps(doc, ensure_ascii=False) + "\n").encode()


def explained_streaming(
    data: bytes,
    name: str,
    lines: bool,
    as_json: bool,
    monkeypatch: pytest.MonkeyPatch,
    **sizes: int,
) -> bytes:
    monkeypatch.setattr(fix, "iter_blocks", functools.partial(iter_blocks, **sizes))
    args = argparse.Namespace(errors="strict", lines=lines, json=as_json)
    out = io.BytesIO()
    fix._explain(io.BytesIO(data), name, "utf-8", args, MendConfig(), out)
    return out.getvalue()


@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(
    st.lists(st.sampled_from([*FARM, *CLEAN, "\n", "\n\n", "?", "(a)"]), max_size=30),
    st.booleans(),
    st.integers(1, 400),
    st.integers(120, 400),
)
def test_streamed_json_is_the_json_held_whole(
    tokens: list[str], lines: bool, block_bytes: int, cut_bytes: int
) -> None:
    data = "".join(tokens).encode()
    sizes = {"block_bytes": block_bytes, "cut_bytes": cut_bytes}
    with pytest.MonkeyPatch.context() as mp:
        got = explained_streaming(data, "d/頁.txt", lines, True, mp, **sizes)
    assert got == explained_whole(data, "d/頁.txt", lines, **sizes)
    assert list(json.loads(got)) == ["file", "edits", "evidence"]


def test_columns_go_on_after_a_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    head = "會(huì)議召開(kāi),,市委書(shū)記,、委員會主任主持會議並講話。\n"
    line = "國(guó)務院今天發(fā)佈通知,,要求各地加強(qiáng)監(jiān)管工作。" * 12
    data = (head + line + "\n").encode()
    cut_bytes = 400
    pieces, kinds = cut_line(line + "\n", cut_bytes)
    assert len(pieces) >= 3 and set(kinds) == {"sentence"}
    sizes = {"block_bytes": 64, "cut_bytes": cut_bytes}
    doc = json.loads(explained_streaming(data, "p", False, True, monkeypatch, **sizes))
    # Every edit of the long line is placed at its column in the line, wherever the cuts.
    on_line = [e for e in doc["edits"] if e["line"] == 2]
    whole = mend_and_explain(line).edits
    assert [(e["col"], e["before"], e["after"]) for e in on_line] == [
        (e.start + 1, e.before, e.after) for e in whole
    ]
    assert max(e["col"] for e in on_line) > len(pieces[0]) + len(pieces[1])
    text = explained_streaming(data, "p", False, False, monkeypatch, **sizes).decode()
    assert text.splitlines() == [
        f"p:{e['line']}:{e['col']} {e['rule']} {e['before']!r} → {e['after']!r}"
        for e in doc["edits"]
    ]


def test_inspect_columns_go_on_after_a_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    from zhmend import inspect
    from zhmend.commands import inspect as inspect_command

    line = "國(guó)務院今天發(fā)佈通知,,要求各地加強(qiáng)監(jiān)管工作。" * 12
    data = ("標題\n" + line + "\n").encode()
    cut = functools.partial(iter_blocks, block_bytes=64, cut_bytes=400)
    monkeypatch.setattr(inspect_command, "iter_blocks", cut)
    args = argparse.Namespace(errors="strict")
    docs = list(inspect_command._text_docs(io.BytesIO(data), "p", "utf-8", args))
    assert len(docs) >= 3
    columns = []
    for doc_id, text, base in docs:
        shown = inspect_command._readable("p", doc_id, text, inspect(text), base, True)
        columns += [int(row.split(":")[2].split()[0]) for row in shown.splitlines()
                    if row.startswith("  p:2:") and "stray_commas" in row]
    whole = [f.start + 1 for f in inspect(line).findings if f.name == "stray_commas"]
    assert columns == whole and len(whole) == 12


# 4. The command, black box -------------------------------------------------------------


def zhmend(*args: object) -> subprocess.CompletedProcess[bytes]:
    cmd = [sys.executable, "-m", "zhmend.cli", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, timeout=120, check=False)


def test_fix_cuts_a_line_over_the_cut_size(tmp_path: Path) -> None:
    # Clean simplified text on one line, then farm sentences across the cut size: the
    # file is mended as the pieces cut_line makes, and the explanation places each edit at
    # its column in the line.
    clean = "".join(CLEAN) * (textfile.CUT_BYTES // utf8_size("".join(CLEAN)) - 20)
    line = clean + "".join(FARM) * 60
    page = tmp_path / "one-line.txt"
    page.write_text(line, encoding="utf-8")
    pieces, kinds = cut_line(line, textfile.CUT_BYTES)
    assert kinds == ["sentence"] and len(pieces[0]) > len(clean)
    done = zhmend("fix", page)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == mend(pieces[0]) + mend(pieces[1])
    assert done.stdout.decode().endswith(mend("".join(FARM)))
    explained = zhmend("fix", "--explain", "--json", page)
    assert explained.returncode == 0, explained.stderr
    doc = json.loads(explained.stdout)
    after = [(e["line"], e["col"], e["before"]) for e in doc["edits"] if e["col"] > len(pieces[0])]
    assert after == [
        (1, len(pieces[0]) + e.start + 1, e.before) for e in mend_and_explain(pieces[1]).edits
    ]
    assert len(doc["evidence"]) == 2


def test_a_file_failing_half_way_still_gives_valid_json(tmp_path: Path) -> None:
    # A farm line, then clean lines to fill the first block, then a bad byte.
    clean = "".join(f"{CLEAN[i % len(CLEAN)]}第{i}行\n" for i in range(textfile.BLOCK_BYTES // 60))
    lines = FARM[0] + "\n" + clean
    assert textfile.BLOCK_BYTES < utf8_size(lines) < 2 * textfile.BLOCK_BYTES
    page = tmp_path / "bad.txt"
    page.write_bytes(lines.encode() + b"\xff\n")
    done = zhmend("fix", "--explain", "--json", page)
    assert done.returncode == 1
    assert b"not valid utf-8 at byte offset" in done.stderr
    doc = json.loads(done.stdout)
    assert doc["edits"] and len(doc["evidence"]) == 1  # the first block, mended
    # A file that fails in its first block prints no object, as before.
    (tmp_path / "early.txt").write_bytes(b"\xff" + lines[:100].encode())
    early = zhmend("fix", "--explain", "--json", tmp_path / "early.txt")
    assert early.returncode == 1 and early.stdout == b""
