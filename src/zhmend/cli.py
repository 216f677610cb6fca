"""The ``zhmend`` command. The library logs; this module alone prints and exits.

Exit status: 0 all good, 1 some input could not be processed, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__

#: Sub-commands, each a module in zhmend.commands with ``add_parser`` and ``run``.
#: In the order of a first session: one page, its evidence, a corpus, then the rest.
COMMANDS = ["fix", "inspect", "run", "extract", "dedup", "report", "serve"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhmend",
        description="Mend noisy Chinese web text: injected pinyin, mechanical script "
        "conversion, ASCII punctuation, invisible and injected junk.",
    )
    parser.add_argument("--version", action="version", version=f"zhmend {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"zhmend.commands.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):
        # A newcomer's first try: the commands, not just "COMMAND is required".
        parser.print_help(sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if sys.stdout is None:
        print("zhmend: standard output is closed; redirect it to a file", file=sys.stderr)
        return 2
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("zhmend: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `zhmend fix big.txt | head`: the reader left; not an error of ours.
        sys.stderr.close()
        return 0
    except OSError as exc:
        # A full disk or a device that refuses writes (`> /dev/full`): said, not a traceback.
        what = f"{exc.filename}" if exc.filename else "cannot write the output"
        print(f"zhmend: {what}: {exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
