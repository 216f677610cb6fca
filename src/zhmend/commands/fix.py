"""``zhmend fix``: mend text files (or stdin) and print the result or its explanation."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from ..config import MendConfig
from ..errors import InputError
from ..io.textfile import iter_blocks
from ..io.writers import utf8
from ..mend import mend, mend_and_explain
from .options import add_input_options, add_mend_options, config_from_args, input_paths


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fix",
        help="mend text files; print the mended text",
        description="Mend each FILE (stdin when none, or '-') and write the mended text to "
        "stdout. Large files are mended in line-aligned blocks of about 1 MiB.",
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument(
        "--explain",
        action="store_true",
        help="print every edit (file:line:col rule before → after) instead of the text",
    )
    p.add_argument("--json", action="store_true", help="with --explain: one JSON object per file")
    p.add_argument(
        "--lines",
        action="store_true",
        help="each line is a document of its own (a crawl dump with one page per line): "
        "the script decision and the glosses are judged line by line",
    )
    add_mend_options(p)
    add_input_options(p)
    p.set_defaults(handler=run)


@contextmanager
def _open(path: str) -> Iterator[BinaryIO]:
    if path == "-":
        yield sys.stdin.buffer
    else:
        with open(path, "rb") as f:
            yield f


def run(args: argparse.Namespace) -> int:
    if args.json and not args.explain:
        print("zhmend: --json prints the explanation: use it with --explain", file=sys.stderr)
        return 2
    config = config_from_args(args)
    checked = input_paths(args)
    if checked is None:
        return 2
    encoding, paths = checked
    out = sys.stdout.buffer
    status = 0
    for path in paths:
        name = "<stdin>" if path == "-" else path
        try:
            with _open(path) as stream:
                if args.explain:
                    _explain(stream, name, encoding, args, config, out)
                else:
                    for block in iter_blocks(stream, name, encoding, args.errors):
                        for doc in _documents(block, args.lines):
                            out.write(utf8(mend(doc, config)))
        except InputError as exc:
            print(f"zhmend: {exc}", file=sys.stderr)
            status = 1
        out.flush()
    return status


def _explain(stream, name, encoding, args, config: MendConfig, out) -> None:
    line_base = 0
    doc: dict[str, object] = {"file": name, "edits": [], "evidence": []}
    for block in iter_blocks(stream, name, encoding, args.errors):
        for part in _documents(block, args.lines):
            result = mend_and_explain(part, config)
            starts = _line_starts(part)
            for e in result.edits:
                line, col = _line_col(starts, e.start)
                if args.json:
                    doc["edits"].append({**e.to_dict(), "line": line_base + line, "col": col})
                else:
                    where = f"{name}:{line_base + line}:{col}"
                    out.write(utf8(f"{where} {e.rule} {e.before!r} → {e.after!r}\n"))
            if args.json:
                doc["evidence"].append(result.evidence.to_dict())
            line_base += part.count("\n")
    if args.json:
        out.write(utf8(json.dumps(doc, ensure_ascii=False) + "\n"))


def _documents(block: str, lines: bool) -> Iterator[str]:
    """The documents of a block: the block itself, or with ``lines`` each of its lines
    (with its line end; only ``\\n`` ends a line, as in the blocks)."""
    if not lines:
        yield block
        return
    start = 0
    end = block.find("\n")
    while end != -1:
        yield block[start : end + 1]
        start = end + 1
        end = block.find("\n", start)
    if start < len(block):
        yield block[start:]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def _line_col(starts: list[int], offset: int) -> tuple[int, int]:
    from bisect import bisect_right

    i = bisect_right(starts, offset) - 1
    return i + 1, offset - starts[i] + 1
