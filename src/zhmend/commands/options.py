"""Command-line options shared by every command that mends text."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields

from ..config import TARGETS, MendConfig
from ..errors import ConfigError, InputError
from ..io.textfile import check_encoding

_BOOL_FIELDS = [f.name for f in fields(MendConfig) if f.name != "to"]


def add_mend_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("repairs (each on by default)")
    group.add_argument(
        "--to",
        choices=TARGETS,
        default="auto",
        help="target script: auto converts back only pages converted mechanically (default)",
    )
    for name in _BOOL_FIELDS:
        group.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            action=argparse.BooleanOptionalAction,
            default=None,
            help=argparse.SUPPRESS if name == "restore_script" else f"run {name} (default: on)",
        )


def config_from_args(args: argparse.Namespace) -> MendConfig:
    options = {
        name: getattr(args, name) for name in _BOOL_FIELDS if getattr(args, name) is not None
    }
    try:
        return MendConfig.build(to=args.to, **options)
    except ConfigError as exc:  # pragma: no cover - argparse validates choices first
        raise SystemExit(f"zhmend: {exc}") from None


def add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoding", default="utf-8", help="input encoding (default utf-8)")
    parser.add_argument(
        "--errors",
        choices=("strict", "replace"),
        default="strict",
        help="undecodable bytes: strict stops on that file (default), replace uses U+FFFD",
    )


def input_paths(args: argparse.Namespace) -> tuple[str, list[str]] | None:
    """The checked encoding and the FILE arguments (stdin when none).

    On a usage error (unknown encoding, a file that cannot be opened) it says why on
    stderr and returns None: the command exits 2 before reading anything.
    """
    try:
        encoding = check_encoding(args.encoding)
    except InputError as exc:
        print(f"zhmend: {exc}", file=sys.stderr)
        return None
    paths = args.files or ["-"]
    for path in paths:
        if path == "-":
            continue
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            print(f"zhmend: cannot read {path}: {exc.strerror}", file=sys.stderr)
            return None
    return encoding, paths
