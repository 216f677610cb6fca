"""Assemble ``report.html``: one self-contained file (inline CSS and SVG, no script, no
network), from :class:`~zhmend.report.data.RunData`."""

from __future__ import annotations

import os
import time
from html import escape
from pathlib import Path
from typing import Any

from .. import __version__
from ..detect import FARM_THRESHOLD
from ..mend import mend_and_explain
from . import charts
from .data import SCORE_BINS, RunData, collect
from .highlight import edits_html

REPORT_NAME = "report.html"
#: Before/after samples shown (``zhmend run --report`` keeps at least this many).
SAMPLES = 20

CSS = """
:root { --ins: #d9f5dd; --ins-fg: #0b5d1e; --del: #fde2e1; --del-fg: #a1160a; --line: #d8dde3; }
body { margin: 0; font: 14px/1.55 system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei",
       sans-serif; color: #1d232a; background: #f6f7f9; }
header { padding: 14px 24px; background: #1d3557; color: #fff; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 2px 0 0; opacity: .8; font-size: 12px; }
main { padding: 16px 24px; max-width: 1200px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px;
          padding: 12px 16px; margin-bottom: 16px; }
h2 { font-size: 15px; margin: 0 0 10px; color: #33404d; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 110px; }
.tile b { display: block; font-size: 20px; }
.tile span { font-size: 12px; color: #5b6672; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef0f3;
         vertical-align: top; }
td:first-child { white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; }
.note { color: #5b6672; font-size: 12px; }
.sample { border-top: 1px solid var(--line); padding: 8px 0; }
.sample .id { font-size: 12px; color: #5b6672; }
.text { white-space: pre-wrap; word-break: break-all; }
.edit del { background: var(--del); color: var(--del-fg); text-decoration: line-through; }
.edit ins { background: var(--ins); color: var(--ins-fg); text-decoration: none;
            border-bottom: 1px solid var(--ins-fg); }
"""


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value)) if value is not None else "–"


def _bytes(n: Any) -> str:
    if not isinstance(n, (int, float)):
        return "–"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return str(n)  # pragma: no cover


def _table(head: list[str], rows: list[list[Any]], numeric: set[int] = frozenset()) -> str:
    th = "".join(f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                 for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(
            f'<td class="n">{_num(c)}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def _chart(chart_id: str, title: str, svg: str | None, note: str = "") -> str:
    inner = f"<figure>{svg}</figure>" if svg else f'<p class="note">{escape(note)}</p>'
    return f'<section class="chart" id="{chart_id}"><h2>{escape(title)}</h2>{inner}</section>'


def totals_section(data: RunData) -> str:
    s = data.summary
    t = s.get("throughput", {}) or {}
    tiles = [
        ("documents in", s.get("in")),
        ("written", s.get("out")),
        ("changed", s.get("changed")),
        ("converted script", s.get("converted")),
        ("farm pages", s.get("farm")),
        ("rejected", s.get("rejected")),
        ("errored", s.get("errored")),
        ("filtered (--keep)", s.get("filtered")),
    ]
    html = '<div class="tiles">' + "".join(
        f'<div class="tile"><b>{_num(v)}</b><span>{escape(k)}</span></div>' for k, v in tiles
    ) + "</div>"
    perf = [
        ("input", _bytes(s.get("input_bytes"))),
        ("text", _bytes(s.get("text_bytes"))),
        ("time", f"{t['seconds']:,.1f} s" if isinstance(t.get("seconds"), (int, float)) else "–"),
        ("documents/s", _num(t.get("docs_per_second"))),
        ("text MB/s", _num(t.get("text_mb_per_second"))),
        ("engine", f"{escape(str(t.get('engine', '–')))} × {_num(t.get('jobs'))}"),
    ]
    html += '<div class="tiles" style="margin-top:10px">' + "".join(
        f'<div class="tile"><b>{v}</b><span>{escape(k)}</span></div>' for k, v in perf
    ) + "</div>"
    reasons = s.get("by_reason", {}) or {}
    if reasons:
        rows = [[escape(r), n] for r, n in sorted(reasons.items(), key=lambda kv: -kv[1])]
        html += "<h2 style='margin-top:12px'>Rejects by reason</h2>"
        html += _table(["reason", "records"], rows, {1})
        html += ('<p class="note">Each reject is in rejects/ with its source, line and raw '
                 "content.</p>")
    else:
        html += '<p class="note">No record was rejected.</p>'
    return f'<section id="totals"><h2>Totals</h2>{html}</section>'


def chart_sections(data: RunData) -> str:
    docs = data.documents
    out = []
    if data.findings and docs:
        items = data.findings.most_common()
        svg = charts.hbar([k for k, _ in items], [v / docs for _, v in items],
                          f"share of {docs:,} documents with the finding", percent=True)
        out.append(_chart("chart-prevalence", "Artifact prevalence", svg))
    else:
        out.append(_chart("chart-prevalence", "Artifact prevalence", None,
                          "No findings in the output rows."))
    if data.scored:
        threshold = data.summary.get("min_score", FARM_THRESHOLD)
        svg = charts.histogram(data.scores, 0.0, 1.0, "farm score", float(threshold))
        out.append(_chart("chart-farm-score", "Farm-score histogram", svg))
    else:
        out.append(_chart("chart-farm-score", "Farm-score histogram", None,
                          "The output rows carry no farm score."))
    if data.scripts:
        items = data.scripts.most_common()
        svg = charts.hbar([k for k, _ in items], [v for _, v in items], "documents")
        converted = data.summary.get("converted")
        note = (f'<p class="note">{_num(converted)} converted back from mechanical '
                "traditional.</p>") if converted is not None else ""
        out.append(_chart("chart-scripts", "Script decisions", svg).replace(
            "</section>", note + "</section>"))
    fixers = [(k, v) for k, v in data.edits_per_fixer.items() if v]
    if fixers:
        fixers.sort(key=lambda kv: -kv[1])
        svg = charts.hbar([k for k, _ in fixers], [v for _, v in fixers], "edits")
        out.append(_chart("chart-fixers", "Edits per fixer", svg))
    else:
        out.append(_chart("chart-fixers", "Edits per fixer", None, "No edits."))
    if data.dedup_ran:
        sizes = sorted(data.cluster_sizes.items())
        svg = charts.columns([str(k) for k, _ in sizes], [v for _, v in sizes],
                             "cluster size (documents)", "clusters")
        out.append(_chart("chart-clusters", "Near-duplicate cluster sizes", svg))
    return '<div class="grid">' + "".join(out) + "</div>"


def most_changed_section(data: RunData) -> str:
    if not data.most_changed:
        return '<section id="most-changed"><h2>Most-changed documents</h2>' \
               '<p class="note">No document was changed.</p></section>'
    names = [n for n in data.edits_per_fixer if data.edits_per_fixer[n]] or []
    head = ["id", "edits", *names, "script", "farm score", "mended text (start)"]
    rows = []
    for c in data.most_changed:
        rows.append([escape(c.id), c.edits, *[c.per_fixer.get(n, 0) for n in names],
                     escape(c.script or "–"),
                     f"{c.farm_score:.2f}" if c.farm_score is not None else "–",
                     f'<span class="text">{escape(c.preview)}</span>'])
    numeric = set(range(1, 2 + len(names)))
    return (f'<section id="most-changed"><h2>Most-changed documents (top {len(rows)})</h2>'
            f"{_table(head, rows, numeric)}</section>")


def samples_section(data: RunData, limit: int = SAMPLES) -> str:
    samples = [s for s in data.summary.get("samples", []) or []
               if isinstance(s, dict) and isinstance(s.get("before"), str)][:limit]
    if not samples:
        return ('<section id="samples"><h2>Before / after</h2><p class="note">The run kept no '
                "samples: run with --report (or --sample 20) to keep some.</p></section>")
    parts = []
    for s in samples:
        before = s["before"]
        result = mend_and_explain(before, data.config)
        parts.append(
            f'<div class="sample"><div class="id">{escape(str(s.get("id", "")))} · '
            f"{len(result.edits)} edit(s)</div>"
            f'<div class="text">{edits_html(before, result.edits)}</div></div>'
        )
    return (f'<section id="samples"><h2>Before / after ({len(samples)} samples)</h2>'
            '<p class="note">Removed text <del>struck through</del>, inserted text '
            "<ins>marked</ins>; hover an edit for its rule. Samples are the first "
            "characters of changed documents, explained again with the run's options.</p>"
            + "".join(parts) + "</section>")


def render(data: RunData, seconds_to_collect: float = 0.0) -> str:
    opts = ", ".join(f"{k}={v}" for k, v in data.config.to_dict().items())
    started = time.perf_counter()
    body = (totals_section(data) + chart_sections(data) + most_changed_section(data)
            + samples_section(data))
    seconds = seconds_to_collect + time.perf_counter() - started
    return (
        "<!doctype html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>zhmend run report: {escape(data.run_dir.name)}</title>"
        f"<style>{CSS}</style></head><body>"
        f"<header><h1>zhmend run report · {escape(data.run_dir.name)}</h1>"
        f"<p>{_num(data.documents)} output documents in {len(data.shards)} shard(s) · "
        f"options: {escape(opts)} · zhmend {escape(__version__)} · "
        f"report built in {seconds:.2f} s</p></header>"
        f"<main>{body}</main></body></html>\n"
    )


def build_report(
    run_dir: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    summary: dict[str, Any] | None = None,
) -> Path:
    """Write the report of the finished run in ``run_dir``; return its path.

    ``output`` defaults to ``run_dir/report.html``; ``summary`` to ``run_dir/summary.json``.
    Raises InputError when ``run_dir`` holds no run summary; ZhmendError when matplotlib (the
    ``report`` extra) is missing.
    """
    run_dir = Path(run_dir)
    started = time.perf_counter()
    data = collect(run_dir, summary)
    html = render(data, time.perf_counter() - started)
    target = Path(output) if output is not None else run_dir / REPORT_NAME
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    tmp.write_bytes(html.encode("utf-8", "replace"))
    os.replace(tmp, target)
    return target


__all__ = ["REPORT_NAME", "SAMPLES", "SCORE_BINS", "build_report", "render"]
