"""Read text files in line-aligned blocks, with decoding errors that name the byte."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import InputError

#: Files are mended block by block so memory stays flat on huge inputs; a block ends at a
#: line end, and is the unit of the per-document decisions (script, glosses).
BLOCK_BYTES = 1 << 20


def check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None


def iter_blocks(
    stream: BinaryIO,
    name: str,
    encoding: str = "utf-8",
    errors: str = "strict",
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[str]:
    """Decoded blocks of ``stream``, each ending at a line end (except the last).

    Raises InputError naming ``name`` and the byte offset of the first undecodable byte,
    or refusing binary data (NUL bytes) outright.
    """
    offset = 0
    pending: list[bytes] = []
    size = 0
    for line in stream:
        pending.append(line)
        size += len(line)
        if size >= block_bytes:
            yield _decode(b"".join(pending), name, offset, encoding, errors)
            offset += size
            pending, size = [], 0
    if pending:
        yield _decode(b"".join(pending), name, offset, encoding, errors)


def _decode(data: bytes, name: str, offset: int, encoding: str, errors: str) -> str:
    if b"\x00" in data and encoding.replace("-", "").lower() in ("utf8", "gb18030", "gbk", "big5"):
        at = offset + data.index(b"\x00")
        raise InputError(
            f"{name}: looks binary (NUL byte at offset {at}); zhmend reads text files only"
        )
    try:
        return data.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        at = offset + exc.start
        raise InputError(
            f"{name}: not valid {encoding} at byte offset {at} "
            f"(bytes {data[exc.start:exc.start + 4].hex(' ')}); "
            "pass --encoding (e.g. gb18030) or --errors replace"
        ) from None
