"""``zhmend inspect``: the evidence report of each document, readable or as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO, NamedTuple

from ..config import MendConfig
from ..detect import FARM_THRESHOLD
from ..errors import InputError
from ..inspection import Inspection, inspect
from ..io.readers import BOM, parse_line
from ..io.records import Reject, json_type, without_surrogates
from ..io.textfile import iter_blocks, position_after
from .options import add_input_options, input_paths

#: Findings shown per name in the readable report; --all shows every one.
SHOWN_PER_NAME = 5
#: Characters of a finding's text shown in the readable report.
SHOWN_CHARS = 40


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inspect",
        help="report what obfuscation each document shows, and its content-farm score",
        description="Report each document's findings (with line:col), counts, script "
        "decision and farm score, without mending it. FILE is a text file (one document; "
        "files over 1 MiB in line-aligned blocks, as for fix) or a .jsonl file (one "
        "document per line, in the --text-field field; its findings are placed by the "
        "record's line in the file, then line:col in that field). Exit status 1 when a file "
        "or line could not be read (the others are still reported).",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="files to inspect (stdin: - or none)")
    p.add_argument("--json", action="store_true", help="one JSON report per document")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help="read every FILE (and stdin) as JSON lines, whatever its name",
    )
    p.add_argument("--text-field", default="text", help="JSON field holding the text (text)")
    p.add_argument("--id-field", default="id", help="JSON field naming the document (id)")
    p.add_argument(
        "--all", action="store_true", help=f"list every finding (default: {SHOWN_PER_NAME} a kind)"
    )
    add_input_options(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    checked = input_paths(args)
    if checked is None:
        return 2
    encoding, paths = checked
    out = sys.stdout
    status = 0
    config = MendConfig()
    field = args.text_field
    for path in paths:
        name = "<stdin>" if path == "-" else path
        jsonl = args.jsonl or path.endswith(".jsonl")
        stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        try:
            if jsonl:
                docs = _jsonl_docs(stream, name, args)
            else:
                docs = _text_docs(stream, name, encoding, args)
            for doc_id, text, base in docs:
                if isinstance(text, Reject):
                    print(f"zhmend: {name}:{text.position}: {text.detail}", file=sys.stderr)
                    status = 1
                    continue
                report = inspect(text, config)
                if args.json:
                    found = _json_report(name, doc_id, report, text, base)
                    doc = json.dumps(found, ensure_ascii=False)
                    out.write(without_surrogates(doc) + "\n")
                else:
                    readable = _readable(name, doc_id, text, report, base, args.all, field)
                    out.write(without_surrogates(readable))
        except InputError as exc:
            print(f"zhmend: {exc}", file=sys.stderr)
            status = 1
        finally:
            if path != "-":
                stream.close()
        out.flush()
    return status


class Where(NamedTuple):
    """Where a document's text starts in its file.

    A text file's block: ``line`` lines and ``offset`` characters of the file come before
    it, and ``col`` characters of its first line (a block starting inside a line cut for
    its length). A JSONL record: ``record`` is its line in the file (positions within it
    are in its text field, not in the file).
    """

    line: int = 0
    col: int = 0
    offset: int = 0
    record: int | None = None

    def after(self, text: str) -> Where:
        """Where the text following ``text`` (the next block) starts."""
        line, col = position_after(text, self.line, self.col)
        return Where(line, col, self.offset + len(text))


#: (id, text or reject, where the text starts in its file).
Doc = tuple[Any, "str | Reject", Where]


def _text_docs(
    stream: BinaryIO, name: str, encoding: str, args: argparse.Namespace
) -> Iterator[Doc]:
    """The blocks of a text file. A file of one block is one document without an id; the
    blocks of a longer file are numbered from 0, so every report says the file was split
    (the first block waits until the second is read)."""
    blocks = iter_blocks(stream, name, encoding, args.errors)
    ahead: list[str] = []  # at most two blocks: the next one says whether the file is split
    error: InputError | None = None
    where, i = Where(), 0
    while True:
        while error is None and len(ahead) < 2:
            try:
                ahead.append(next(blocks))
            except StopIteration:
                break
            except InputError as exc:
                error = exc  # the blocks read before it are still reported
        if not ahead:
            if i == 0 and error is None:
                yield None, "", where  # an empty file is one empty document, reported
            break
        if i == 0 and len(ahead) == 1 and error is None:
            yield None, ahead.pop(), where
            break
        block = ahead.pop(0)
        yield i, block, where
        where, i = where.after(block), i + 1
        del block  # a block holds up to 3 MiB: keep no more than the two ahead while reading
    if error is not None:
        raise error


def _jsonl_docs(stream: BinaryIO, name: str, args: argparse.Namespace) -> Iterator[Doc]:
    for line_no, line in enumerate(stream, 1):
        record = parse_line(line.removeprefix(BOM) if line_no == 1 else line, name, line_no)
        if record is None:
            continue
        where = Where(record=line_no)
        if isinstance(record, Reject):
            yield line_no, record, where
            continue
        text = record.get(args.text_field)
        doc_id = record.get(args.id_field, line_no)
        if not isinstance(text, str):
            what = "missing" if text is None else f"a JSON {json_type(text)}, not a string"
            yield doc_id, Reject(name, line_no, "missing_text_field",
                                 f"field {args.text_field!r} is {what}", None), where
            continue
        yield doc_id, text, where


def _json_report(
    name: str, doc_id: Any, report: Inspection, text: str, where: Where
) -> dict[str, Any]:
    """The library's report, headed by where the document is: ``file``; ``line`` (a JSONL
    record's line); ``id`` (a record's id, or a block's number); ``block`` (a split text
    file's block: its ``start`` and ``end`` in the file, the ``line`` and ``col`` it
    starts at). Finding offsets count characters of the text file, or of the record's
    text field."""
    head: dict[str, Any] = {"file": name}
    if where.record is not None:
        head["line"] = where.record
    if doc_id is not None:
        head["id"] = doc_id
    body = report.to_dict()
    if where.record is None and doc_id is not None:
        head["block"] = {
            "start": where.offset,
            "end": where.offset + len(text),
            "line": where.line + 1,
            "col": where.col + 1,
        }
        body["findings"] = [
            {**f, "start": f["start"] + where.offset, "end": f["end"] + where.offset}
            for f in body["findings"]
        ]
    return {**head, **body}


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return line + 1, col + 1


def _short(s: str) -> str:
    s = s.replace("\n", "⏎")
    return s if len(s) <= SHOWN_CHARS else s[: SHOWN_CHARS - 1] + "…"


def _readable(
    name: str,
    doc_id: Any,
    text: str,
    report: Inspection,
    base: Where,
    show_all: bool,
    field: str = "text",
) -> str:
    """The readable report. A text file's findings are placed ``file:line:col`` in the
    file; a JSONL record's ``file:line field line:col``: the record's line in the file,
    then the position in its text field (whose own line ends are not the file's)."""
    if base.record is not None:
        where = f"{name}:{base.record}"
        title = f"{where} [{doc_id}]"
    else:
        where = None
        title = name if doc_id is None else f"{name}, block {doc_id} (from line {base.line + 1})"
    lines = [
        f"{title}: farm score {report.farm_score:.3f} → {report.verdict}"
        f" (threshold {FARM_THRESHOLD})",
    ]
    decision = report.script_decision
    script = f"  script: {report.script}"
    if decision is not None:
        script += f" ({decision.traditional_chars} traditional-only, "
        script += f"{decision.simplified_chars} simplified-only characters)"
    lines.append(script)
    if report.converted_from_simplified and decision is not None:
        lines.append("  converted from simplified: yes — " + "; ".join(decision.reasons))
    elif report.script in ("traditional", "mixed"):
        lines.append("  converted from simplified: no (no mainland sign found)")
    if report.counts:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
        lines.append(f"  counts: {counts}")
    else:
        lines.append("  counts: nothing found")
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for f in report.findings:
        if not show_all and shown.get(f.name, 0) >= SHOWN_PER_NAME:
            hidden[f.name] = hidden.get(f.name, 0) + 1
            continue
        shown[f.name] = shown.get(f.name, 0) + 1
        line, col = _line_col(text, f.start)
        if where is not None:
            place = f"{where} {field} {line}:{col}"
        else:
            place = f"{name}:{base.line + line}:{col + base.col if line == 1 else col}"
        detail = f" ({f.detail})" if f.detail else ""
        lines.append(f"  {place} {f.name} {_short(f.text)!r}{detail}")
    for n, k in sorted(hidden.items()):
        lines.append(f"  … {k} more {n} (--all lists them)")
    return "\n".join(lines) + "\n\n"
