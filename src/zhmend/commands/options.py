"""Command-line options shared by every command that mends text."""

from __future__ import annotations

import argparse
from dataclasses import fields

from ..config import TARGETS, MendConfig
from ..errors import ConfigError

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
