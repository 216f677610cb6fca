"""Read text files in line-aligned blocks, with decoding errors that name the byte."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import InputError

#: Files are mended block by block so memory stays flat on huge inputs; a block ends at a
#: line end, and is the unit of the per-document decisions (script, glosses).
BLOCK_BYTES = 1 << 20
#: Bytes read (and decoded) at a time.
READ_BYTES = 1 << 16
#: Encodings in which a NUL byte is a NUL character, a sign of binary data, not text.
_NO_NUL = frozenset({"utf8", "gb18030", "gbk", "big5"})


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

    A block ends at the first line end after ``block_bytes`` bytes of its text *as UTF-8*,
    whatever the input encoding, so a page saved as UTF-16 or GB18030 is cut (and mended)
    exactly as the same page in UTF-8. Decoding is incremental: a character split across
    two reads is never mistaken for a bad byte.

    Raises InputError naming ``name`` and the byte offset of the first undecodable byte,
    or refusing binary data (NUL bytes) outright.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    refuse_nul = encoding.replace("-", "").replace("_", "").lower() in _NO_NUL
    fed = 0  # input bytes handed to the decoder so far
    pending: list[str] = []
    size = 0
    tail = ""
    while True:
        chunk = stream.read(READ_BYTES)
        if refuse_nul and b"\x00" in chunk:
            at = fed + chunk.index(b"\x00")
            raise InputError(
                f"{name}: looks binary (NUL byte at offset {at}); zhmend reads text files only"
                + _bom_hint(chunk if fed == 0 else b"")
            )
        held = len(decoder.getstate()[0])  # bytes of an unfinished character, held over
        try:
            text = tail + decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            at = fed - held + exc.start
            bad = exc.object[exc.start : exc.start + 4]
            raise InputError(
                f"{name}: not valid {encoding} at byte offset {at} "
                f"(bytes {bytes(bad).hex(' ')}); "
                "pass --encoding (e.g. gb18030) or --errors replace"
                + _bom_hint(chunk if fed == 0 else b"")
            ) from None
        fed += len(chunk)
        start = 0
        while True:
            end = text.find("\n", start) + 1
            if not end:
                break
            line = text[start:end]
            pending.append(line)
            size += len(line.encode("utf-8", "surrogatepass"))
            start = end
            if size >= block_bytes:
                yield "".join(pending)
                pending, size = [], 0
        tail = text[start:]
        if not chunk:
            break
    if tail:
        pending.append(tail)
    if pending:
        yield "".join(pending)


def _bom_hint(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "; the file starts with a UTF-16 byte-order mark: pass --encoding utf-16"
    return ""
