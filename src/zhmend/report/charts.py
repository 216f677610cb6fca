"""Charts as inline SVG, drawn by matplotlib (the ``report`` extra).

Figures are built with ``matplotlib.figure.Figure`` (no pyplot: no global figure state, safe
in any process), rendered with the SVG backend, text kept as text, ids salted so the same run
gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ..io.readers import need_extra

BAR = "#1d3557"
ACCENT = "#e63946"
STYLE = {
    "svg.fonttype": "none",  # text stays text: smaller files, selectable labels
    "svg.hashsalt": "zhmend-report",  # stable element ids
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.family": ["DejaVu Sans", "sans-serif"],
}


def _matplotlib() -> Any:
    return need_extra("matplotlib", "report")


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    # Inline SVG in HTML needs neither the XML prolog nor the DOCTYPE.
    return svg[svg.index("<svg") :]


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def hbar(labels: Sequence[str], values: Sequence[float], xlabel: str, percent: bool = False) -> str:
    """Horizontal bars, largest first at the top."""
    mpl = _matplotlib()
    with mpl.rc_context(STYLE):
        fig = _figure(6.4, max(1.2, 0.32 * len(labels) + 0.8))
        ax = fig.add_subplot()
        y = list(range(len(labels)))[::-1]
        bars = ax.barh(y, values, color=BAR, height=0.65)
        ax.set_yticks(y, labels)
        ax.set_xlabel(xlabel)
        if percent:
            ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
            texts = [f"{v:.1%}" for v in values]
        else:
            texts = [f"{v:,.0f}" for v in values]
        ax.bar_label(bars, texts, padding=3, fontsize=8)
        ax.margins(x=0.15)
        return _svg(fig)


def histogram(counts: Sequence[int], lo: float, hi: float, xlabel: str, mark: float | None) -> str:
    """Pre-binned counts over [lo, hi]; ``mark`` draws a threshold line."""
    mpl = _matplotlib()
    with mpl.rc_context(STYLE):
        fig = _figure(6.4, 2.6)
        ax = fig.add_subplot()
        width = (hi - lo) / len(counts)
        edges = [lo + i * width for i in range(len(counts))]
        ax.bar(edges, counts, width=width, align="edge", color=BAR, edgecolor="white")
        ax.set_xlim(lo, hi)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("documents")
        if any(counts) and max(counts) > 50 * max(1, min(c for c in counts if c)):
            ax.set_yscale("symlog", linthresh=1)
        if mark is not None:
            ax.axvline(mark, color=ACCENT, linestyle="--", linewidth=1)
            ax.annotate(f"farm ≥ {mark:g}", (mark, 1), xycoords=("data", "axes fraction"),
                        xytext=(4, -10), textcoords="offset points", color=ACCENT, fontsize=8)
        return _svg(fig)


def columns(labels: Sequence[str], values: Sequence[float], xlabel: str, ylabel: str) -> str:
    """Vertical bars in the given order (e.g. cluster sizes)."""
    mpl = _matplotlib()
    with mpl.rc_context(STYLE):
        fig = _figure(6.4, 2.6)
        ax = fig.add_subplot()
        bars = ax.bar(range(len(labels)), values, color=BAR)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.bar_label(bars, [f"{v:,.0f}" for v in values], padding=2, fontsize=8)
        ax.margins(y=0.15)
        return _svg(fig)
