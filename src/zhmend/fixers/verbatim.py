"""Spans a writer typed verbatim: code, comma-separated rows and references inside a
Chinese page.

Their ASCII marks are syntax (``s.split(",")``, ``msg = "你好,世界!"``, a CSV row under a
line of prose), not Chinese punctuation folded by a farm. The punctuation fixer hides them
behind a placeholder of the same length (:func:`masked`) on a page without farm evidence,
so no rule reads them as marks or as Chinese context, and puts them back (:func:`unmasked`).
"""

from __future__ import annotations

import re

from ..edits import Edit

#: What hides a verbatim character: a control that strip_invisible removes first, so no
#: page holds it (one that does, with that fixer off, is not masked).
PLACEHOLDER = "\x00"

#: A fenced block of Markdown: a line of ``` and at most an info word (```python), to the
#: next line of ``` alone. A fence never closed fences nothing, and tildes fence nothing:
#: a line of them is a forum's divider (~~~) or part of an emoticon (~~~~(>_<)~~~~).
_FENCE = re.compile(r"^[ \t]*```[ \t]*[\w+#.-]*[ \t]*\n(?:[^\n]*\n)*?[ \t]*```[ \t]*$", re.M)
#: Inline code: `...` within a line.
_INLINE = re.compile(r"`[^`\n]+`")
#: A string literal: "…" or '…' within a line, with an optional prefix (r"…" b'…' f"…").
_STRING = re.compile(r"""[rRbBuUfF]{0,2}("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")
#: What opens a literal of code before it: = ( [ { (an assignment, a call, a list, a set)
#: or SQL's LIKE / IN / VALUES; and , or : inside a bracket still open (a further argument,
#: a value of a map).
_OPENS_CODE = re.compile(r"(?:[=(\[{]|\b(?:LIKE|IN|VALUES|like|in))[ \t]*\Z")
_FURTHER = re.compile(r"[,:][ \t]*\Z")
#: A reference of GB/T 7714, by its document type code (``[J]`` a journal, ``[M]`` a book,
#: ``[EB/OL]`` a web page) after a title, with a full stop or ``//`` and then a year after
#: it (张三.经济研究[J].经济学报,2019,12(3):45-67.): quiz options and answers ([A]上海,
#: 选[D].理由) and tags ([N]) are none. Its line is kept whole, ASCII marks and all, when
#: it opens with the author (``[1]`` or ``1.`` before, a full stop after): a line of prose
#: quoting a reference is mended as prose.
_TYPE_CODE = (
    r"(?<=[^\s\[])\[(?:[JMCDNRSPGKAZ]|EB|DB|CP|EB/OL|J/OL|M/OL|N/OL|DB/OL)\]"
    r"(?=(?:\.|//)[^\n]{0,60}?(?:19|20)\d\d)"
)
REFERENCE = re.compile(_TYPE_CODE)
_AUTHOR = r"^[ \t]*(?:\[\d{1,3}\]|\d{1,3}[.、])?[ \t]*[^\s.,，。:：]{1,40}\."
_REFERENCE_LINE = re.compile(_AUTHOR + r"[^\n]*" + _TYPE_CODE + r"[^\n]*", re.M)
#: Consecutive lines with as many ASCII commas each that make a table (CSV rows).
TABLE_LINES = 3
#: A field of digits or Latin letters, beside a comma.
_ASCII_FIELD = re.compile(r"(?:^|,)[ \t]*[0-9A-Za-z][0-9A-Za-z._ -]*[ \t]*(?:,|$)")


def spans(text: str) -> list[tuple[int, int]]:
    """The verbatim spans of ``text``, sorted, possibly overlapping."""
    found: list[tuple[int, int]] = []
    if "```" in text:
        found.extend(m.span() for m in _FENCE.finditer(text))
    if "`" in text:
        found.extend(m.span() for m in _INLINE.finditer(text))
    if '"' in text or "'" in text:
        found.extend(_code_literals(text))
    if "[" in text and REFERENCE.search(text):
        found.extend(m.span() for m in _REFERENCE_LINE.finditer(text))
    if text.count("\n") >= TABLE_LINES - 1 and "," in text:
        found.extend(_table_rows(text))
    found.sort()
    return found


def _code_literals(text: str) -> list[tuple[int, int]]:
    """The string literals of code, read left to right so that quotes pair as code pairs
    them: ``msg = "你好,世界!"``, ``print("总计:", n, "元,含税")``, ``{"城市": "北京,上海"}``.
    A quote after a comma in prose (他说,"你好") opens no literal: no bracket is open."""
    out = []
    line_start = 0
    depth = 0  # brackets open on the line before ``counted``
    counted = 0
    for m in _STRING.finditer(text):
        start = m.start()
        # Only the text since the last literal is looked at for a line end: one pass.
        nl = text.rfind("\n", counted, start)
        if nl != -1:
            line_start = nl + 1
            depth, counted = 0, line_start
        # Brackets are counted once along a line, literals skipped: one pass per line. A
        # bracket after a Han character or a Chinese mark is prose's (小明(他说:"…")).
        depth += _code_brackets(text, counted, start)
        counted = m.end()
        before = text[max(line_start, start - 12) : start]
        if _OPENS_CODE.search(before) or (_FURTHER.search(before) and depth > 0):
            out.append(m.span(1))
    return out


_BRACKET = re.compile(r"[(\[{)\]}]")


def _code_brackets(text: str, start: int, end: int) -> int:
    """Brackets of code opened minus closed in ``text[start:end]``: an opening one counts
    after an ASCII character or at the line's start, not after Chinese text."""
    depth = 0
    for m in _BRACKET.finditer(text, start, end):
        ch = m.group()
        if ch in ")]}":
            depth -= 1
        else:
            before = text[m.start() - 1 : m.start()]
            if not before or before.isascii():
                depth += 1
    return depth


def _table_rows(text: str) -> list[tuple[int, int]]:
    """Runs of :data:`TABLE_LINES` lines or more with the same number of ASCII commas (rows
    of two or more may differ by one): CSV rows, even under a line of prose. A row holds
    no ``，`` or ``。``, no field longer than :data:`MAX_FIELD` and no sentence end (``.``
    ``!`` ``?``) at its end; in a run of rows of one comma, every row but one (a header)
    has a field of digits or Latin letters (``1,北京``: lines of a poem, forum replies
    ``OK,收到了`` are no table). Judged on the rows alone,
    so mending the rest of the page changes nothing of it. A farm's folded commas vary
    from line to line, and its lines are sentences."""
    out: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    last = 0
    latin = 0  # rows of the run with a field of digits or Latin letters
    pos = 0

    def close() -> None:
        if len(run) >= TABLE_LINES and (last >= 2 or latin >= len(run) - 1):
            out.append((run[0][0], run[-1][1]))

    for line in text.split("\n"):
        end = pos + len(line)
        n = line.count(",")
        row = n > 0 and _is_row(line)
        # Rows of two commas or more may differ by a field (an empty or an extra one).
        same = n == last or (n >= 2 and last >= 2 and abs(n - last) == 1)
        if row and run and same:
            run.append((pos, end))
        else:
            close()
            run, latin = ([(pos, end)], 0) if row else ([], 0)
        if row:
            latin += _ASCII_FIELD.search(line) is not None
        last = n if row else 0
        pos = end + 1
    close()
    return out


#: The longest field of a row, in characters: a line of prose is no row, a description
#: or an address column is.
MAX_FIELD = 40


def _is_row(line: str) -> bool:
    if "，" in line or "。" in line or line.rstrip().endswith((".", "!", "?")):
        return False
    return all(len(field) <= MAX_FIELD for field in line.split(","))


def masked(text: str) -> str | None:
    """``text`` with its verbatim spans hidden behind :data:`PLACEHOLDER` (same length); None
    when it has none (or already holds the placeholder)."""
    found = spans(text)
    if not found or PLACEHOLDER in text:
        return None
    chars = list(text)
    for start, end in found:
        chars[start:end] = PLACEHOLDER * (end - start)
    return "".join(chars)


def unmasked(text: str, hidden: str, edits: list[Edit]) -> list[Edit]:
    """``edits`` made on ``hidden`` (:func:`masked` of ``text``) as edits on ``text``: the
    placeholders an edit carries (one that rewrites a whole page does) become the
    characters they hide there. No fixer writes or removes a placeholder, so an edit's
    ``after`` holds those of its span, in order."""
    out = []
    for e in edits:
        after = e.after
        if PLACEHOLDER in after:
            chars = [text[i] for i in range(e.start, e.end) if hidden[i] == PLACEHOLDER]
            after = _put_back(after, chars)
        out.append(Edit(e.start, e.end, text[e.start : e.end], after, e.rule))
    return out


def _put_back(after: str, chars: list[str]) -> str:
    parts = after.split(PLACEHOLDER)
    out = [parts[0]]
    for ch, part in zip(chars, parts[1:], strict=True):
        out.append(ch)
        out.append(part)
    return "".join(out)
