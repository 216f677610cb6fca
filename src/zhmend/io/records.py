"""Shards (the unit of work of a corpus run) and rejects (records that could not be read).

A shard is one input file, a group of ``.txt`` files, or stdin; it becomes one output file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

#: Reasons a reader rejects input. Reasons for rows that cannot be mended are in zhmend.batch.
BAD_JSON = "bad_json"
NOT_AN_OBJECT = "not_an_object"
INVALID_UTF8 = "invalid_utf8"
TRUNCATED_INPUT = "truncated_input"
MISSING_TEXT_FIELD = "missing_text_field"
WORKER_DIED = "worker_died"
SCHEMA_MISMATCH = "schema_mismatch"
UNREADABLE = "unreadable"

FORMATS = ("jsonl", "parquet", "txt")
COMPRESSIONS = ("none", "gzip", "zstd")
_SUFFIXES = {
    ".jsonl": ("jsonl", "none"),
    ".jsonl.gz": ("jsonl", "gzip"),
    ".jsonl.zst": ("jsonl", "zstd"),
    ".ndjson": ("jsonl", "none"),
    ".ndjson.gz": ("jsonl", "gzip"),
    ".ndjson.zst": ("jsonl", "zstd"),
    ".parquet": ("parquet", "none"),
    ".txt": ("txt", "none"),
}
#: A directory's .txt files are grouped into shards of this many files (sorted by path),
#: so a directory of many small pages still spreads over workers.
TXT_FILES_PER_SHARD = 1000
STDIN = "-"


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages: ``null``, ``array``, ``number``…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def without_surrogates(value: Any) -> Any:
    """``value`` (a str, or lists and dicts of them) with lone surrogates as U+FFFD.

    JSON can spell a lone surrogate (``"\\udc80"``) but UTF-8 cannot encode one, so a
    record holding one would make invalid output or crash a writer. U+FFFD is the one
    spelling every output (JSONL, Parquet, a terminal) can carry.
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Reject:
    """A record that did not become output: where it was, why, and its raw content."""

    source: str
    position: int  # line (jsonl, from 1), row (parquet, from 0), or file index in a txt shard
    reason: str
    detail: str
    raw: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "position": self.position,
            "reason": self.reason,
            "detail": self.detail,
            "raw": self.raw,
        }


@dataclass(frozen=True)
class Shard:
    """One unit of input. ``name`` is unique in a run and names every file made from it."""

    name: str  # relative output stem, e.g. "crawl/part-0001"
    format: str  # jsonl, parquet or txt
    compression: str  # of a jsonl shard
    paths: tuple[str, ...]  # one file, or the .txt files of a group; ("-",) for stdin
    root: str = ""  # txt: ids are paths relative to this

    @property
    def is_stdin(self) -> bool:
        return self.paths == (STDIN,)

    def size(self) -> int:
        """Input bytes on disk (compressed size for compressed shards); 0 for stdin."""
        if self.is_stdin:
            return 0
        return sum(os.path.getsize(p) for p in self.paths)


def detect(path: str) -> tuple[str, str] | None:
    """(format, compression) from the file name, or None when the suffix is not one of ours."""
    lower = path.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return _SUFFIXES[suffix]
    return None


def _stem(rel: str) -> str:
    lower = rel.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return rel[: len(rel) - len(suffix)]
    return rel


def discover(
    inputs: list[str],
    fmt: str | None = None,
    compression: str | None = None,
    skipped: list[str] | None = None,
) -> list[Shard]:
    """The shards of ``inputs`` (files, directories, or "-"), in a stable order.

    ``fmt``/``compression`` force what the file names would say. Raises InputError for a
    missing path, a file of unknown kind, an empty directory or two shards that would write
    the same output name. The files of a directory that are of no kind read (``a.csv``)
    are added to ``skipped``, when given, for the caller to tell.
    """
    shards: list[Shard] = []
    for item in inputs:
        if item == STDIN:
            shards.append(Shard("stdin", fmt or "jsonl", compression or "none", (STDIN,)))
            continue
        path = Path(item)
        if path.is_dir():
            shards.extend(_discover_dir(path, fmt, compression, skipped))
        elif path.is_file():
            kind = _kind(str(path), fmt, compression)
            if kind[0] == "txt":
                name = _stem(path.name)
                shards.append(Shard(name, "txt", "none", (str(path),), str(path.parent)))
            else:
                shards.append(Shard(_stem(path.name), *kind, (str(path),)))
        else:
            raise InputError(f"{item}: no such file or directory")
    seen: dict[str, str] = {}
    for s in shards:
        if s.name in seen:
            raise InputError(
                f"{s.paths[0]} and {seen[s.name]} would both write output {s.name!r}; "
                "rename one or run them separately"
            )
        seen[s.name] = s.paths[0]
    return shards


def _kind(path: str, fmt: str | None, compression: str | None) -> tuple[str, str]:
    found = detect(path)
    if fmt is None and found is None:
        raise InputError(
            f"{path}: cannot tell the format from the name; expected one of "
            f"{', '.join(_SUFFIXES)} or pass --format"
        )
    kind, comp = found or (fmt, "none")
    if fmt is not None and fmt != kind:
        kind, comp = fmt, "none"
    return kind, compression or comp


def is_hidden(name: str) -> bool:
    """A dot name (``.cache``, ``.git``, ``.zhmend``): never input, file or directory.

    One rule for every command that walks a directory (``run``, ``dedup``, ``report``): a
    run's own state lives in ``OUT/.zhmend``, so a hidden directory read as input could
    feed a run its own bookkeeping, and tools that read OUT afterwards skip hidden paths.
    """
    return name.startswith(".")


def _walk_files(root: Path) -> list[Path]:
    """Every file under ``root`` outside hidden files and directories, sorted.

    A directory that cannot be listed is an error (``Path.rglob`` skips such a directory
    without a word, and its records would be missing from a run that reports success).
    """

    def refuse(exc: OSError) -> None:
        where = exc.filename or root
        raise InputError(
            f"{where}: cannot read this directory ({exc.strerror or exc}); "
            "fix its permissions or leave it out of the input"
        )

    files = []
    # Directories reached through a link are read too (a corpus assembled from links);
    # each real directory once, so a link back up the tree is no endless loop.
    seen = {os.path.realpath(root)}
    for top, dirs, names in os.walk(root, onerror=refuse, followlinks=True):
        # Pruned in place, so os.walk neither lists nor descends into them.
        kept = []
        for d in dirs:
            real = os.path.realpath(os.path.join(top, d))
            if not is_hidden(d) and real not in seen:
                seen.add(real)
                kept.append(d)
        dirs[:] = kept
        for n in names:
            p = Path(top, n)
            if is_hidden(n):
                continue
            if p.is_symlink() and not p.exists():
                # A link to nothing: said, not skipped without a word.
                raise InputError(
                    f"{p}: a link to a file that is not there; remove it or leave it out "
                    "of the input"
                )
            if p.is_file():  # not a pipe or a socket
                files.append(p)
    return sorted(files)


def _discover_dir(
    root: Path, fmt: str | None, compression: str | None, skipped: list[str] | None
) -> list[Shard]:
    files = _walk_files(root)
    shards: list[Shard] = []
    txt: list[Path] = []
    left_out = [] if skipped is None else skipped
    for p in files:
        found = detect(str(p))
        if fmt is None:
            left = found is None
        else:  # a forced format: a file of no known kind is read as text with txt
            left = found[0] != fmt if found is not None else fmt != "txt"
        if left:
            left_out.append(str(p))
            continue
        kind = fmt or found[0]
        if kind == "txt":
            txt.append(p)
        else:
            rel = p.relative_to(root).as_posix()
            comp = compression or (found[1] if found else "none")
            shards.append(Shard(_stem(rel), kind, comp, (str(p),)))
    for i in range(0, len(txt), TXT_FILES_PER_SHARD):
        group = txt[i : i + TXT_FILES_PER_SHARD]
        name = f"{root.name or 'txt'}.txt-{i // TXT_FILES_PER_SHARD:05d}"
        shards.append(Shard(name, "txt", "none", tuple(map(str, group)), str(root)))
    if not shards:
        raise InputError(f"{root}: no {', '.join(_SUFFIXES)} files in it")
    return shards
