"""Streaming readers: a shard in, ``(position, record | Reject)`` out, memory flat.

Readers know bytes and records, not fixers. They never raise for bad data: every line,
row or file that cannot be read becomes a :class:`Reject` with its raw content.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import ZhmendError
from .records import (
    BAD_JSON,
    INVALID_UTF8,
    NOT_AN_OBJECT,
    TRUNCATED_INPUT,
    UNREADABLE,
    Reject,
    Shard,
    json_type,
)

Item = tuple[int, "dict[str, Any] | Reject"]

#: Parquet rows are read this many at a time.
PARQUET_BATCH_ROWS = 1024
#: Compressed bytes fed to the zstd decoder at a time.
ZSTD_CHUNK = 1 << 16
#: Editors on Windows start UTF-8 files with this; it is not part of the first record.
BOM = b"\xef\xbb\xbf"


def need_extra(module: str, extra: str) -> Any:
    """Import an optional dependency or say which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ZhmendError(
            f"this needs the optional dependency {module!r}: pip install 'zhmend[{extra}]'"
        ) from None


class ShardReader:
    """Iterate a shard's records; ``bytes_read`` tells how far into the input it got."""

    def __init__(self, shard: Shard, text_field: str = "text", id_field: str = "id") -> None:
        self.shard = shard
        self.text_field = text_field
        self.id_field = id_field
        self._raw: BinaryIO | None = None
        self._done_bytes = 0

    def bytes_read(self) -> int:
        raw = self._raw
        if raw is not None and not raw.closed:
            try:
                return self._done_bytes + raw.tell()
            except (OSError, ValueError):
                return self._done_bytes
        return self._done_bytes

    def __iter__(self) -> Iterator[Item]:
        if self.shard.format == "jsonl":
            return self._jsonl()
        if self.shard.format == "parquet":
            return self._parquet()
        return self._txt()

    def _jsonl(self) -> Iterator[Item]:
        source = self.shard.paths[0]
        if self.shard.is_stdin:
            raw = sys.stdin.buffer
            source = "<stdin>"
            yield from _jsonl_lines(_decompress(raw, self.shard.compression), source)
            return
        with open(source, "rb") as raw:
            self._raw = raw
            yield from _jsonl_lines(_decompress(raw, self.shard.compression), source)
        self._raw = None
        self._done_bytes = self.shard.size()

    def _parquet(self) -> Iterator[Item]:
        pq = need_extra("pyarrow.parquet", "parquet")
        source = self.shard.paths[0]
        row = 0
        try:
            pf = pq.ParquetFile(source)
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                for rec in batch.to_pylist():
                    yield row, rec
                    row += 1
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            yield row, Reject(source, row, TRUNCATED_INPUT, f"unreadable parquet: {exc}", None)
        self._done_bytes = self.shard.size()

    def _txt(self) -> Iterator[Item]:
        root = Path(self.shard.root)
        for i, path in enumerate(self.shard.paths):
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                # One page we may not read must not sink the other pages of its group.
                yield i, Reject(
                    path, i, UNREADABLE, f"cannot read the file: {exc.strerror or exc}", None
                )
                continue
            self._done_bytes += len(data)
            rel = Path(path).relative_to(root).as_posix() if self.shard.root else path
            data = data.removeprefix(BOM)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield i, Reject(
                    path, i, INVALID_UTF8, f"not UTF-8 at byte {exc.start}",
                    data.decode("utf-8", "backslashreplace"),
                )
                continue
            yield i, {self.id_field: rel, self.text_field: text}


def _decompress(raw: BinaryIO, compression: str) -> BinaryIO:
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if compression == "zstd":
        zstandard = need_extra("zstandard", "zstd")
        return io.BufferedReader(_ZstdFrames(raw, zstandard))  # type: ignore[return-value]
    return raw


class _ZstdFrames(io.RawIOBase):
    """The decompressed bytes of a stream of zstd frames.

    zstandard's own ``stream_reader`` ends quietly when the input stops inside a frame, so a
    cut file would look complete; this raises EOFError then, as ``gzip`` does.
    """

    def __init__(self, raw: BinaryIO, zstandard: Any) -> None:
        super().__init__()
        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor()
        self._frame: Any = None
        self._out = b""
        self._at = 0
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._out):
            if self._ended:
                return 0
            chunk = self._raw.read(ZSTD_CHUNK)
            if not chunk:
                self._ended = True
                if self._frame is not None and not self._frame.eof:
                    raise EOFError("zstd input ends inside a frame: the file is cut short")
                return 0
            self._out, self._at = self._decompress(chunk), 0
        n = min(len(buffer), len(self._out) - self._at)
        buffer[:n] = self._out[self._at : self._at + n]
        self._at += n
        return n

    def _decompress(self, data: bytes) -> bytes:
        parts = []
        while data:
            if self._frame is None or self._frame.eof:
                self._frame = self._dctx.decompressobj()
            parts.append(self._frame.decompress(data))
            data = self._frame.unused_data if self._frame.eof else b""
        return b"".join(parts)


def _stream_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [EOFError, OSError, zlib.error]
    try:
        import zstandard

        errors.append(zstandard.ZstdError)
    except ImportError:
        pass
    return tuple(errors)


def _jsonl_lines(stream: BinaryIO, source: str) -> Iterator[Item]:
    """One record per non-blank line; a damaged stream ends with one TRUNCATED_INPUT reject."""
    line_no = 0
    errors = _stream_errors()
    lines = iter(stream)
    while True:
        try:
            line = next(lines)
            if line_no == 0:
                line = line.removeprefix(BOM)
        except StopIteration:
            return
        except errors as exc:
            yield line_no + 1, Reject(
                source, line_no + 1, TRUNCATED_INPUT,
                f"input ends or breaks after line {line_no}: {exc}", None,
            )
            return
        line_no += 1
        item = parse_line(line, source, line_no)
        if item is not None:
            yield line_no, item


def parse_line(line: bytes, source: str, line_no: int) -> dict[str, Any] | Reject | None:
    """A JSON line as a record, a Reject, or None for a blank line.

    A lone surrogate escape (``"\\ud800"``) stays in the record, so mending can strip it
    (``strip_invisible``) and inspect can report it; writers spell it U+FFFD.
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Reject(
            source, line_no, INVALID_UTF8, f"not UTF-8 at byte {exc.start} of the line",
            line.decode("utf-8", "backslashreplace").rstrip("\r\n"),
        )
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        return Reject(source, line_no, BAD_JSON, str(exc), text.rstrip("\r\n"))
    except RecursionError:
        # Nested deeper than Python's stack allows: the line goes, not its whole shard.
        why = "JSON nested too deeply to read"
        return Reject(source, line_no, BAD_JSON, why, text.rstrip("\r\n"))
    if not isinstance(value, dict):
        what = f"line holds a JSON {json_type(value)}, not an object"
        return Reject(source, line_no, NOT_AN_OBJECT, what, text.rstrip("\r\n"))
    return value
