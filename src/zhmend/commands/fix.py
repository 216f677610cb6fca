"""``zhmend fix``: mend text files (or stdin) and print the result or its explanation."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from ..config import MendConfig
from ..detect import Evidence
from ..edits import Edit
from ..errors import InputError
from ..io.textfile import BLOCK_BYTES, CUT_BYTES, iter_blocks, position_after
from ..io.writers import utf8
from ..mend import mend, mend_and_explain
from .options import add_input_options, add_mend_options, config_from_args, input_paths


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fix",
        help="mend text files; print the mended text",
        description="Mend each FILE (stdin when none, or '-') and write the mended text to "
        f"stdout. Large files are mended in line-aligned blocks of about {BLOCK_BYTES >> 20} "
        f"MiB; a line of more than {CUT_BYTES >> 20} MiB is cut, after a sentence end where "
        "it can be, into pieces mended one by one, so memory stays flat on any file.",
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
        "the script decision and the glosses are judged line by line (a line of more "
        f"than {CUT_BYTES >> 20} MiB piece by piece)",
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


#: Evidence of a file's documents kept in memory before it goes to a temporary file.
_EVIDENCE_IN_MEMORY = 1 << 20


def _explain(stream, name, encoding, args, config: MendConfig, out) -> None:
    """Every edit of the file, as it is found: one line each, or with ``--json`` one JSON
    object per file, ``{"file": ..., "edits": [...], "evidence": [...]}``, written as it
    goes. The evidence comes last, so it waits in a temporary file past a MiB."""
    if not args.json:
        for located, _ in _explained(stream, name, encoding, args, config):
            for line, col, e in located:
                out.write(utf8(f"{name}:{line}:{col} {e.rule} {e.before!r} → {e.after!r}\n"))
        return
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    head = utf8(f'{{"file": {dumps(name)}, "edits": [')
    with tempfile.SpooledTemporaryFile(_EVIDENCE_IN_MEMORY) as evidence:

        def close() -> None:
            out.write(b'], "evidence": [')
            evidence.seek(0)
            shutil.copyfileobj(evidence, out)
            out.write(b"]}\n")

        started = False
        edit_sep = evidence_sep = b""
        try:
            for located, found in _explained(stream, name, encoding, args, config):
                if not started:
                    out.write(head)
                    started = True
                for line, col, e in located:
                    out.write(edit_sep + utf8(dumps({**e.to_dict(), "line": line, "col": col})))
                    edit_sep = b", "
                evidence.write(evidence_sep + utf8(dumps(found)))
                evidence_sep = b", "
        except InputError:
            # A file that fails half way still ends as valid JSON, with what was read of it
            # (the error goes to stderr and the exit status); one that fails at once, as
            # before any output, prints nothing.
            if started:
                close()
            raise
        if not started:
            out.write(head)
        close()


def _explained(
    stream, name, encoding, args, config: MendConfig
) -> Iterator[tuple[list[tuple[int, int, Edit]], dict[str, object]]]:
    """For each document of the file, its edits with their line and column in the file,
    and its evidence (as a dict). The ``start`` and ``end`` of an edit or a finding count
    characters from the start of the file (of its text as decoded), so the edits replay on
    the whole file. Lines count
    ``\\n``; a cut inside a line (a line longer than the cut size) is no line end: the
    columns after it go on from those before."""
    line_base = 0
    col_base = 0  # characters of the current line in earlier documents (after a cut)
    offset = 0  # characters of the file in earlier documents
    for block in iter_blocks(stream, name, encoding, args.errors):
        for part in _documents(block, args.lines):
            result = mend_and_explain(part, config)
            starts = _line_starts(part)
            located = []
            for e in result.edits:
                line, col = _line_col(starts, e.start)
                if offset:
                    e = e._replace(start=e.start + offset, end=e.end + offset)
                located.append((line_base + line, col + col_base if line == 1 else col, e))
            yield located, _shifted(result.evidence, offset)
            line_base, col_base = position_after(part, line_base, col_base)
            offset += len(part)


def _shifted(evidence: Evidence, offset: int) -> dict[str, object]:
    found = evidence.to_dict()
    if offset:
        found["findings"] = [
            {**f, "start": f["start"] + offset, "end": f["end"] + offset}
            for f in found["findings"]  # type: ignore[attr-defined]
        ]
    return found


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
