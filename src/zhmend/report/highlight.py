"""Edits as highlighted HTML: removed text struck through, inserted text marked, rule on hover."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..edits import Edit


def segments(text: str, edits: Sequence[Edit]) -> list[tuple[str, str, str, str]]:
    """``text`` cut at the edits: ``(kind, before, after, rule)`` with kind ``same`` or
    ``edit``; concatenating the ``after`` parts gives the mended text."""
    out: list[tuple[str, str, str, str]] = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start > pos:
            out.append(("same", text[pos : e.start], text[pos : e.start], ""))
        out.append(("edit", e.before, e.after, e.rule))
        pos = e.end
    if pos < len(text):
        out.append(("same", text[pos:], text[pos:], ""))
    return out


def edits_html(text: str, edits: Sequence[Edit]) -> str:
    parts = []
    for kind, before, after, rule in segments(text, edits):
        if kind == "same":
            parts.append(escape(before))
            continue
        inner = ""
        if before:
            inner += f"<del>{escape(before)}</del>"
        if after:
            inner += f"<ins>{escape(after)}</ins>"
        parts.append(f'<span class="edit" title="{escape(rule)}" data-rule="{escape(rule)}">'
                     f"{inner}</span>")
    return "".join(parts)
