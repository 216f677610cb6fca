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

_EXT = {"jsonl": ".jsonl", "parquet": ".parquet"}
_COMP_EXT = {"none": "", "gzip": ".gz", "zstd": ".zst"}
TMP_TAG = ".tmp-"


def output_name(stem: str, fmt: str, compression: str = "none") -> str:
    return stem + _EXT[fmt] + (_COMP_EXT[compression] if fmt == "jsonl" else "")


def dumps(record: dict[str, Any]) -> str:
    """The one JSON spelling of a record (values JSON lacks, e.g. Parquet dates, as str)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)


def tmp_path(final: Path) -> Path:
    return final.with_name(f"{final.name}{TMP_TAG}{os.getpid()}")


def clean_tmp(directory: Path) -> int:
    """Remove leftovers of killed runs; they are never complete."""
    n = 0
    if directory.is_dir():
        for p in directory.rglob(f"*{TMP_TAG}*"):
            if p.is_file():
                p.unlink()
                n += 1
    return n


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
        self._stream.write(dumps(record).encode("utf-8", "surrogatepass") + b"\n")
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


class ParquetWriter:
    """Rows into a Parquet file via a temporary name.

    The schema is the input's (Parquet in) or inferred from the first rows (JSONL in, with
    all-null fields read as strings); later rows that do not fit it are handed back, so the
    runner can reject them with a reason instead of losing them.
    """

    def __init__(self, final: Path, schema: Any = None, extra: dict[str, type] | None = None):
        self.pa = need_extra("pyarrow", "parquet")
        self.pq = need_extra("pyarrow.parquet", "parquet")
        self.final = final
        self.tmp = tmp_path(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        self._schema = schema
        self._extra = extra or {}
        self._writer: Any = None
        self.count = 0

    def _arrow_type(self, t: type) -> Any:
        pa = self.pa
        return {str: pa.string(), int: pa.int64(), bool: pa.bool_(), float: pa.float64()}[t]

    def _open(self, rows: list[dict[str, Any]]) -> None:
        pa = self.pa
        if self._schema is None:
            inferred = pa.Table.from_pylist(rows).schema if rows else pa.schema([])
            fields = [
                pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in inferred
            ]
        else:
            fields = list(self._schema)
        names = {f.name for f in fields}
        for name, t in self._extra.items():
            if name in names:
                typed = pa.field(name, self._arrow_type(t))
                fields = [typed if f.name == name else f for f in fields]
            else:
                fields.append(pa.field(name, self._arrow_type(t)))
        self._schema = pa.schema(fields)
        self._writer = self.pq.ParquetWriter(self.tmp, self._schema)

    def write_rows(self, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        if not rows:
            return []
        if self._writer is None:
            self._open(rows)
        names = set(self._schema.names)
        fit, misfit = [], []
        for row in rows:
            extra = set(row) - names
            if extra:
                misfit.append((row, f"fields {sorted(extra)} are not in the shard's schema"))
            else:
                fit.append(row)
        try:
            table = self.pa.Table.from_pylist(fit, schema=self._schema)
        except (self.pa.ArrowException, TypeError, ValueError):
            table, fit = None, []
            for row in rows:
                if any(r is row for r, _ in misfit):
                    continue
                try:
                    self.pa.Table.from_pylist([row], schema=self._schema)
                    fit.append(row)
                except (self.pa.ArrowException, TypeError, ValueError) as exc:
                    misfit.append((row, f"does not fit the shard's schema: {exc}"))
            if fit:
                table = self.pa.Table.from_pylist(fit, schema=self._schema)
        if table is not None and table.num_rows:
            self._writer.write_table(table)
            self.count += table.num_rows
        return misfit

    def commit(self) -> None:
        if self._writer is None:
            self._open([])
        self._writer.close()
        os.replace(self.tmp, self.final)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
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
