"""``zhmend inspect``: the evidence report of each document, readable or as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

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
        "document per line, in the --text-field field). Exit status 1 when a file or line "
        "could not be read (the others are still reported).",
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
                    doc = json.dumps(_json_report(name, doc_id, report), ensure_ascii=False)
                    out.write(without_surrogates(doc) + "\n")
                else:
                    readable = _readable(name, doc_id, text, report, base, args.all)
                    out.write(without_surrogates(readable))
        except InputError as exc:
            print(f"zhmend: {exc}", file=sys.stderr)
            status = 1
        finally:
            if path != "-":
                stream.close()
        out.flush()
    return status


#: (id, text or reject, where the text starts in its file: (lines before it, characters of
#: its first line before it, when a block starts inside a line cut for its length)).
Doc = tuple[Any, "str | Reject", tuple[int, int]]


def _text_docs(
    stream: BinaryIO, name: str, encoding: str, args: argparse.Namespace
) -> Iterator[Doc]:
    line = col = 0
    for i, block in enumerate(iter_blocks(stream, name, encoding, args.errors)):
        yield (i if i else None), block, (line, col)
        line, col = position_after(block, line, col)


def _jsonl_docs(stream: BinaryIO, name: str, args: argparse.Namespace) -> Iterator[Doc]:
    for line_no, line in enumerate(stream, 1):
        record = parse_line(line.removeprefix(BOM) if line_no == 1 else line, name, line_no)
        if record is None:
            continue
        if isinstance(record, Reject):
            yield line_no, record, (0, 0)
            continue
        text = record.get(args.text_field)
        doc_id = record.get(args.id_field, line_no)
        if not isinstance(text, str):
            what = "missing" if text is None else f"a JSON {json_type(text)}, not a string"
            yield doc_id, Reject(name, line_no, "missing_text_field",
                                 f"field {args.text_field!r} is {what}", None), (0, 0)
            continue
        yield doc_id, text, (0, 0)


def _json_report(name: str, doc_id: Any, report: Inspection) -> dict[str, Any]:
    head: dict[str, Any] = {"file": name}
    if doc_id is not None:
        head["id"] = doc_id
    return {**head, **report.to_dict()}


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
    base: tuple[int, int],
    show_all: bool,
) -> str:
    title = name if doc_id is None else f"{name} [{doc_id}]"
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
        if line == 1:
            col += base[1]
        detail = f" ({f.detail})" if f.detail else ""
        lines.append(f"  {name}:{base[0] + line}:{col} {f.name} {_short(f.text)!r}{detail}")
    for n, k in sorted(hidden.items()):
        lines.append(f"  … {k} more {n} (--all lists them)")
    return "\n".join(lines) + "\n\n"
