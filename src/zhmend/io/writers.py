"""Streaming writers with atomic commit: a file appears under its final name complete or not at all.

Bytes depend only on the records written: JSON is dumped with fixed separators, gzip headers
carry no time or name, so a rerun writes identical files.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any, BinaryIO

from .readers import need_extra
from .records import without_surrogates

_EXT = {"jsonl": ".jsonl", "parquet": ".parquet"}
_COMP_EXT = {"none": "", "gzip": ".gz", "zstd": ".zst"}
TMP_TAG = ".tmp-"


def output_name(stem: str, fmt: str, compression: str = "none") -> str:
    return stem + _EXT[fmt] + (_COMP_EXT[compression] if fmt == "jsonl" else "")


def dumps(record: dict[str, Any]) -> str:
    """The one JSON spelling of a record (values JSON lacks, e.g. Parquet dates, as str)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)


def utf8(text: str) -> bytes:
    """``text`` as UTF-8, lone surrogates as U+FFFD: output is always valid UTF-8."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return without_surrogates(text).encode("utf-8")


def tmp_path(final: Path) -> Path:
    return final.with_name(f"{final.name}{TMP_TAG}{os.getpid()}")


class JsonlWriter:
    """Records as JSON lines into ``final`` (optionally gzip or zstd), via a temporary name."""

    def __init__(self, final: Path, compression: str = "none") -> None:
        self.final = final
        self.tmp = tmp_path(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.tmp, "wb")
        self._stream: BinaryIO = self._file
        self._closer: Any = None
        if compression == "gzip":
            # mtime=0 and no file name in the header: same records, same bytes.
            self._closer = gzip.GzipFile(filename="", fileobj=self._file, mode="wb", mtime=0)
            self._stream = self._closer
        elif compression == "zstd":
            zstandard = need_extra("zstandard", "zstd")
            self._closer = zstandard.ZstdCompressor(level=3).stream_writer(
                self._file, closefd=False
            )
            self._stream = self._closer
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write(utf8(dumps(record)) + b"\n")
        self.count += 1

    def write_rows(self, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """Write ``rows``; return those that could not be written (never any for JSONL)."""
        for row in rows:
            self.write(row)
        return []

    def commit(self) -> None:
        if self._closer is not None:
            self._closer.close()
        self._file.close()
        os.replace(self.tmp, self.final)

    def abort(self) -> None:
        if self._closer is not None:
            try:
                self._closer.close()
            except Exception:  # noqa: BLE001 - discarding anyway
                pass
        self._file.close()
        self.tmp.unlink(missing_ok=True)


class NullWriter:
    """``--dry-run``: counts, writes nothing."""

    count = 0

    def write(self, record: dict[str, Any]) -> None:
        self.count += 1

    def write_rows(self, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        self.count += len(rows)
        return []

    def commit(self) -> None:
        pass

    def abort(self) -> None:
        pass
