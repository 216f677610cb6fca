"""The run report: one self-contained ``report.html`` from a finished ``zhmend run`` directory.

Charts need the ``report`` extra (matplotlib): ``pip install 'zhmend[report]'``.
"""

from __future__ import annotations

from .build import REPORT_NAME, SAMPLES, build_report

__all__ = ["REPORT_NAME", "SAMPLES", "build_report"]
