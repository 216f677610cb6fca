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


class ParquetWriter:
    """Rows into a Parquet file via a temporary name.

    The schema is the input's (Parquet in) or inferred from the first rows written (JSONL
    in): every field any of them has, each value type promoted (int and float give float),
    a field whose values disagree in type (or are all null) a string column, where
    non-string values are written as their JSON text. Later rows that still do not fit (a
    field the first rows lack, a value that cannot become the column's type) are handed
    back, so the runner can reject them with a reason instead of losing them.
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
        #: Inferred string columns: their non-string values are written as JSON text.
        self._as_text: frozenset[str] = frozenset()
        self.count = 0

    def _arrow_type(self, t: type) -> Any:
        pa = self.pa
        return {str: pa.string(), int: pa.int64(), bool: pa.bool_(), float: pa.float64()}[t]

    def _open(self, rows: list[dict[str, Any]]) -> None:
        pa = self.pa
        if self._schema is None:
            fields = self._infer(rows)
            self._as_text = frozenset(
                f.name for f in fields if f.name not in self._extra and f.type == pa.string()
            )
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

    def _infer(self, rows: list[dict[str, Any]]) -> list[Any]:
        """One field per key of any row (first seen first), typed over all ``rows``."""
        pa = self.pa
        names = list(dict.fromkeys(k for row in rows for k in row))
        fields = []
        for name in names:
            if name in self._extra:
                fields.append(pa.field(name, pa.string()))  # typed in _open
                continue
            try:
                t = pa.array([row.get(name) for row in rows]).type
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                t = pa.string()  # mixed types, or ints beyond int64: JSON text
            if pa.types.is_null(t) or not self._storable(t):
                t = pa.string()
            fields.append(pa.field(name, t))
        return fields

    def _storable(self, t: Any) -> bool:
        """Parquet cannot store a struct without fields (``{}``), even nested."""
        pa = self.pa
        if pa.types.is_struct(t):
            return t.num_fields > 0 and all(self._storable(f.type) for f in t)
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return self._storable(t.value_type)
        return True

    def _text_values(self, row: dict[str, Any]) -> dict[str, Any]:
        if not self._as_text:
            return row
        return {
            k: v if v is None or isinstance(v, str) or k not in self._as_text else dumps(v)
            for k, v in row.items()
        }

    def write_rows(self, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        if not rows:
            return []
        if self._writer is None:
            self._open(rows)
        pa = self.pa
        errors = (pa.ArrowException, TypeError, ValueError, OverflowError)
        names = set(self._schema.names)
        misfit: list[tuple[dict[str, Any], str]] = []
        pairs = []  # (row as given, row as written): misfits hand back the row as given
        for row in rows:
            extra = set(row) - names
            if extra:
                misfit.append((row, f"fields {sorted(extra)} are not in the shard's schema"))
            elif not names:
                misfit.append((row, "a row without fields cannot be stored in Parquet"))
            else:
                pairs.append((row, self._text_values(row)))
        try:
            table = pa.Table.from_pylist([w for _, w in pairs], schema=self._schema)
        except errors:
            # Row by row; the rows that fit are joined as converted, since a batch can fail
            # where each of its rows alone converts (pyarrow reads a column's first value to
            # choose how to convert the rest).
            singles = []
            for row, written in pairs:
                for attempt in (written, without_surrogates(written)):
                    try:
                        singles.append(pa.Table.from_pylist([attempt], schema=self._schema))
                        break
                    except errors as exc:
                        why = f"does not fit the shard's schema: {exc}"
                else:
                    misfit.append((row, why))
            table = pa.concat_tables(singles) if singles else None
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
