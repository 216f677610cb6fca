"""``zhmend extract``: the news structure of each page, one JSON record per file."""

from __future__ import annotations

import argparse
import json
import sys

from ..config import DEFAULT
from ..errors import InputError
from ..io.textfile import iter_blocks
from ..io.writers import utf8
from ..news import extract
from .options import add_input_options, add_mend_options, config_from_args, input_paths


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="split news pages into body, credits, metadata, page chrome and residue",
        description="Mend each FILE (stdin when none, or '-'), then print its news structure "
        "as one JSON object per line, in the order of the files: title, original_title, "
        "byline, outlet, reporters, dateline, published_at, source, credits, body, chrome, "
        "residue. Every field is always present (null or empty when the page has none). "
        "Each FILE is one page.",
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument(
        "--mended",
        action="store_true",
        help="the input is already mended: extract from it as it is",
    )
    p.add_argument(
        "--lines",
        action="store_true",
        help="print where every non-blank line went (file:line label text) instead of JSON",
    )
    p.add_argument(
        "--indent", type=int, default=None, metavar="N", help="pretty-print the JSON by N spaces"
    )
    add_mend_options(p)
    add_input_options(p)
    p.set_defaults(handler=run)


def _read(path: str, encoding: str, errors: str) -> str:
    name = "<stdin>" if path == "-" else path
    if path == "-":
        return "".join(iter_blocks(sys.stdin.buffer, name, encoding, errors))
    with open(path, "rb") as f:
        return "".join(iter_blocks(f, name, encoding, errors))


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.mended and config != DEFAULT:
        print("zhmend: --mended reads the text as it is; drop the repair options", file=sys.stderr)
        return 2
    if args.indent is not None and args.indent < 0:
        print("zhmend: --indent must be 0 or more", file=sys.stderr)
        return 2
    checked = input_paths(args)
    if checked is None:
        return 2
    encoding, paths = checked
    out = sys.stdout.buffer
    status = 0
    for path in paths:
        name = "<stdin>" if path == "-" else path
        try:
            text = _read(path, encoding, args.errors)
        except InputError as exc:
            print(f"zhmend: {exc}", file=sys.stderr)
            status = 1
            continue
        record = extract(text, mended=True) if args.mended else extract(text, config)
        if args.lines:
            for line in record.lines:
                out.write(utf8(f"{name}:{line.number} {line.label} {line.text}\n"))
        else:
            doc = json.dumps(record.to_dict(), ensure_ascii=False, indent=args.indent)
            out.write(utf8(doc + "\n"))
        out.flush()
    return status
