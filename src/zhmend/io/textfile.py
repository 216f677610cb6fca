"""Read text files in line-aligned blocks, with decoding errors that name the byte."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import InputError
from .cut import LOOKAHEAD_CHARS, find_cut, utf8_size

#: Files are mended block by block so memory stays flat on huge inputs; a block ends at a
#: line end, and is the unit of the per-document decisions (script, glosses).
BLOCK_BYTES = 1 << 20
#: A line longer than this (UTF-8 bytes) is cut inside, into pieces of half to all of it:
#: a one-line dump (a minified export, a page saved without line ends) would otherwise be
#: one document as large as the file. Where, and why no fixer sees across:
#: :func:`zhmend.io.cut.find_cut`.
#: Pieces of one to two blocks keep the per-document decisions on as much text as a block
#: gives them, and ``fix --explain`` (which holds about a hundred times its document's
#: size while it works) near its footprint on a file of short lines.
CUT_BYTES = 2 * BLOCK_BYTES
#: Bytes read (and decoded) at a time.
READ_BYTES = 1 << 16
#: Encodings in which a NUL byte is a NUL character, a sign of binary data, not text.
_NO_NUL = frozenset({"utf8", "gb18030", "gbk", "big5"})
#: A byte-order mark, decoded.
_BOM = "\ufeff"


def position_after(text: str, line: int, col: int) -> tuple[int, int]:
    """(lines, characters of the last line) before what follows ``text``, given those
    before ``text``: a block that ends inside a cut line leaves its column to the next."""
    ended = text.rfind("\n")
    if ended == -1:
        return line, col + len(text)
    return line + text.count("\n"), len(text) - ended - 1


def check_encoding(encoding: str) -> str:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        # base64, rot13, zlib: codecs between bytes (or str) and bytes, not text encodings.
        raise InputError(f"{encoding!r} is not a text encoding (try utf-8 or gb18030)")
    return info.name


def iter_blocks(
    stream: BinaryIO,
    name: str,
    encoding: str = "utf-8",
    errors: str = "strict",
    block_bytes: int = BLOCK_BYTES,
    cut_bytes: int = CUT_BYTES,
) -> Iterator[str]:
    """Decoded blocks of ``stream``, each ending at a line end (except the last), or at a
    cut inside a line longer than ``cut_bytes``.

    A block ends at the first line end after ``block_bytes`` bytes of its text *as UTF-8*,
    whatever the input encoding, so a page saved as UTF-16 or GB18030 is cut (and mended)
    exactly as the same page in UTF-8. A line of more than ``cut_bytes`` bytes is cut at
    :func:`find_cut` into pieces of at most ``cut_bytes`` bytes, each ending a block: no
    block holds more than ``block_bytes + cut_bytes`` bytes, and the line is never held
    whole. Where the blocks end depends on the text alone, never on how it was read.
    Decoding is incremental: a character split across two reads is never mistaken for a
    bad byte.

    A byte-order mark at the start (U+FEFF, in whatever encoding) is the file's encoding
    signature, not text: it is dropped, as ``utf-8-sig`` and the UTF-16 codecs drop it, so
    line 1's columns are those an editor shows and ``zhmend run`` reads the same text.

    Raises InputError naming ``name`` and the byte offset of the first undecodable byte,
    or refusing binary data (NUL bytes) outright.
    """
    if cut_bytes < 16:
        raise ValueError(f"cut_bytes must be at least 16, not {cut_bytes}")
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    refuse_nul = encoding.replace("-", "").replace("_", "").lower() in _NO_NUL
    fed = 0  # input bytes handed to the decoder so far
    pending: list[str] = []  # whole lines (or a cut line's last piece) of the next block
    size = 0
    line: list[str] = []  # the line being read, not yet ended
    line_size = 0
    # An unended line is cut only once the cut can see all it looks at past the piece.
    early = cut_bytes + 4 * LOOKAHEAD_CHARS
    at_start = True  # no character decoded yet: a read may end inside the mark
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
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            at = fed - held + exc.start
            bad = exc.object[exc.start : exc.start + 4]
            raise InputError(
                f"{name}: not valid {encoding} at byte offset {at} "
                f"(bytes {bytes(bad).hex(' ')}); "
                "pass --encoding (e.g. gb18030) or --errors replace"
                + _bom_hint(chunk if fed == 0 else b"")
            ) from None
        except UnicodeError as exc:
            # utf-16 on a file without its byte-order mark, and the like.
            raise InputError(
                f"{name}: cannot read as {encoding}: {exc}; for UTF-16 without a byte-order "
                "mark pass --encoding utf-16-le or utf-16-be"
            ) from None
        fed += len(chunk)
        if at_start and text:
            text = text.removeprefix(_BOM)
            at_start = False
        start = 0
        while True:
            end = text.find("\n", start) + 1
            if not end:
                break
            line.append(text[start:end])
            start = end
            pieces, rest, rest_size = _cuts("".join(line), cut_bytes, cut_bytes)
            line, line_size = [], 0
            for piece in pieces:
                yield "".join(pending) + piece
                pending, size = [], 0
            pending.append(rest)
            size += rest_size
            if size >= block_bytes:
                yield "".join(pending)
                pending, size = [], 0
        if start < len(text):
            part = text[start:]
            line.append(part)
            line_size += utf8_size(part)
            if line_size > early:
                pieces, rest, line_size = _cuts("".join(line), early, cut_bytes)
                for piece in pieces:
                    yield "".join(pending) + piece
                    pending, size = [], 0
                line = [rest]
        if not chunk:
            break
    if line:
        pieces, rest, _ = _cuts("".join(line), cut_bytes, cut_bytes)
        for piece in pieces:
            yield "".join(pending) + piece
            pending, size = [], 0
        pending.append(rest)
    if pending:
        yield "".join(pending)


def _cuts(text: str, above: int, cut_bytes: int) -> tuple[list[str], str, int]:
    """The pieces cut off the line ``text`` while what is left of it holds more than
    ``above`` bytes, what is left, and its size."""
    pieces = []
    size = utf8_size(text)
    while size > above:
        at = find_cut(text, cut_bytes)[0]
        pieces.append(text[:at])
        text = text[at:]
        size -= utf8_size(pieces[-1])
    return pieces, text, size


def _bom_hint(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "; the file starts with a UTF-16 byte-order mark: pass --encoding utf-16"
    return ""
