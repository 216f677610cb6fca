"""``zhmend report``: (re)build the HTML report of a finished run; ``zhmend run --report``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import ZhmendError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="build OUT/report.html from a finished `zhmend run -o OUT`",
        description="Build one self-contained HTML file (inline charts, no network) from a "
        "finished run directory: totals, rejects by reason, artifact prevalence, farm-score "
        "histogram, script decisions, edits per fixer, cluster sizes when dedup ran, the "
        "most-changed documents and before/after samples. Needs the report extra: "
        "pip install 'zhmend[report]'.",
    )
    p.add_argument("run_dir", metavar="OUT", help="output directory of `zhmend run`")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="where to write (default OUT/report.html)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..report import build_report

    run_dir = Path(args.run_dir)
    if not run_dir.is_dir():
        print(f"zhmend: {run_dir} is not a directory; pass the -o OUT of a `zhmend run`",
              file=sys.stderr)
        return 2
    try:
        path = build_report(run_dir, args.output)
    except ZhmendError as exc:
        print(f"zhmend: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"zhmend: cannot write the report: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


# --- `zhmend run --report` -------------------------------------------------------------------


def add_run_options(p: argparse.ArgumentParser) -> None:
    from ..report import SAMPLES

    p.add_argument(
        "--report",
        action="store_true",
        help=f"also write OUT/report.html (keeps at least {SAMPLES} before/after samples)",
    )


def prepare_run(args: argparse.Namespace) -> None:
    """Before the run: the report's before/after section needs samples kept by the run."""
    import importlib.util

    from ..report import SAMPLES

    if getattr(args, "report", False):
        if importlib.util.find_spec("matplotlib") is None:
            print("zhmend: --report draws its charts with matplotlib: "
                  "pip install 'zhmend[report]'", file=sys.stderr)
            raise SystemExit(2)
        args.sample = max(args.sample, SAMPLES)


def report_step(args: argparse.Namespace, out: Path, summary: dict[str, Any]) -> None:
    """After the run (a POST_STEP of ``zhmend run``): write the report, note it in the summary."""
    if not getattr(args, "report", False):
        return
    from ..report import build_report

    started = time.perf_counter()
    path = build_report(out, summary=summary)
    summary["report"] = {"file": path.name, "seconds": round(time.perf_counter() - started, 3)}
