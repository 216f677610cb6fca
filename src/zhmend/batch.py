"""``mend_batch``: the one batch function behind ``zhmend run``, Ray and Hugging Face datasets.

A batch is a mapping of column name to equal-length sequences (``dict[str, list]``, a Hugging
Face ``LazyBatch``, or Ray's dict of numpy arrays). The result has every input column, the
mended text and the report columns below. No row is ever dropped: a row that cannot be mended
keeps its input values and names the reason in ``zhmend_error``; runners route such rows to
their rejects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .config import DEFAULT, MendConfig
from .errors import ConfigError
from .fixers import FIXERS
from .inspection import evidence_of, fixers_idle
from .mend import explained, mend

#: Every report column starts with this, so it never collides with a user's field.
PREFIX = "zhmend_"
ERROR = PREFIX + "error"  # None, or one of the reasons below
ERROR_DETAIL = PREFIX + "error_detail"
CHANGED = PREFIX + "changed"  # did the text change at all
EDITS = PREFIX + "edits"  # number of edits in the explanation
SCRIPT = PREFIX + "script"  # script decision: simplified, traditional, mixed, none
CONVERTED = PREFIX + "converted"  # converted back from mechanical traditional
EVIDENCE = PREFIX + "evidence"  # JSON object: what the fixers found, by finding name
FARM_SCORE = PREFIX + "farm_score"  # the evidence's content-farm score, 0..1
#: With ``extract=True``: one column per NewsRecord field, ``zhmend_news_<field>``; lists and
#: the credits mapping are JSON strings, like ``zhmend_evidence``, so every format holds them.
NEWS_PREFIX = PREFIX + "news_"

#: Reasons a row is not mended. ``rejected``: the input is unusable; ``errored``: mending it
#: failed. Readers add their own rejected reasons (see zhmend.io.records).
TEXT_NOT_STRING = "text_not_string"
TOO_LONG = "too_long"
FIXER_ERROR = "fixer_error"


def fixer_column(name: str) -> str:
    """Column counting the edits made by fixer ``name`` (an edit fused from two counts twice)."""
    return PREFIX + name


def news_columns() -> list[str]:
    from .news import FIELDS

    return [NEWS_PREFIX + name for name in FIELDS]


def report_columns(report: bool = True, extract: bool = False) -> dict[str, type]:
    """Name and Python type of every column ``mend_batch`` adds; fixed for a zhmend version."""
    cols: dict[str, type] = {ERROR: str, ERROR_DETAIL: str, CHANGED: bool}
    if extract:
        cols.update(dict.fromkeys(news_columns(), str))
    if not report:
        return cols
    cols[EDITS] = int
    cols.update({fixer_column(name): int for name in FIXERS})
    cols.update({SCRIPT: str, CONVERTED: bool, EVIDENCE: str})
    cols[FARM_SCORE] = float
    return cols


def mend_batch(
    batch: Mapping[str, Sequence[Any]],
    *,
    text_field: str = "text",
    output_field: str | None = None,
    config: MendConfig | None = None,
    max_chars: int | None = None,
    report: bool = True,
    extract: bool = False,
) -> dict[str, list[Any]]:
    """Mend column ``text_field`` of ``batch``; return all columns plus the report columns.

    The mended text replaces ``text_field``, or goes to ``output_field`` when given. Rows whose
    text is not a ``str``, is longer than ``max_chars`` or makes a fixer raise keep their
    input value (``None`` in ``output_field``) and carry the reason in ``zhmend_error`` with
    a detail in ``zhmend_error_detail``; every other report column is ``None`` for them.

    ``report=False`` leaves out every report column but ``zhmend_changed`` and the error
    columns, and mends with :func:`zhmend.mend` alone (no explanation, no evidence): about
    three times less CPU on farm pages. ``extract=True`` adds the news structure of the
    mended text (:func:`zhmend.extract`) as ``zhmend_news_*`` columns.

    Fit for ``datasets.Dataset.map(mend_batch, batched=True)`` and Ray's
    ``Dataset.map_batches(mend_batch, batch_format="default")``.
    """
    if not isinstance(batch, Mapping):
        raise TypeError(
            f"mend_batch takes a mapping of column -> list, not {type(batch).__name__}; "
            "for one text call zhmend.mend"
        )
    if text_field not in batch:
        raise ConfigError(
            f"batch has no column {text_field!r}; its columns are {', '.join(map(str, batch))}. "
            "Pass text_field=..."
        )
    if config is not None and not isinstance(config, MendConfig):
        raise TypeError(f"config must be a MendConfig, not {type(config).__name__}")
    if max_chars is not None and (not isinstance(max_chars, int) or max_chars < 1):
        raise ConfigError(f"max_chars must be a positive int or None, not {max_chars!r}")
    texts = list(batch[text_field])
    cols = report_columns(report, extract)
    added: dict[str, list[Any]] = {name: [] for name in cols}
    mended: list[Any] = []
    for value in texts:
        row, text = _mend_row(value, config, max_chars, report)
        if extract and text is not None:
            row.update(_news_row(text))
        mended.append(text)
        for name in cols:
            added[name].append(row.get(name))
    out: dict[str, list[Any]] = {name: list(values) for name, values in batch.items()}
    if output_field is None:
        out[text_field] = [m if m is not None else v for m, v in zip(mended, texts)]
    else:
        out[output_field] = mended
    out.update(added)
    return out


def _mend_row(
    value: Any, config: MendConfig | None, max_chars: int | None, report: bool
) -> tuple[dict[str, Any], str | None]:
    if not isinstance(value, str):
        return _error(TEXT_NOT_STRING, f"text is {type(value).__name__}, not str"), None
    if max_chars is not None and len(value) > max_chars:
        return _error(TOO_LONG, f"{len(value)} characters > max {max_chars}"), None
    try:
        if not report:
            text = mend(value, config)
            return {CHANGED: text != value}, text
        cfg = config or DEFAULT
        if fixers_idle(value, cfg):
            # Nothing for a fixer to do (most clean text): skip building an explanation
            # that would be empty; the evidence is the same (zhmend.inspect's promise).
            text, edits, evidence = value, (), evidence_of(value, cfg)
        else:
            # The row reads the counts, script and score, not the findings' spans.
            result = explained(value, cfg, edit_findings=False)
            text, edits, evidence = result.text, result.edits, result.evidence
    except Exception as exc:  # noqa: BLE001 - one bad row must not sink its batch
        return _error(FIXER_ERROR, f"{type(exc).__name__}: {exc}"), None
    per_fixer = dict.fromkeys(FIXERS, 0)
    for edit in edits:
        for rule in edit.rule.split("+"):
            if rule in per_fixer:
                per_fixer[rule] += 1
    row: dict[str, Any] = {
        CHANGED: text != value,
        EDITS: len(edits),
        EVIDENCE: json.dumps(dict(sorted(evidence.counts.items())), ensure_ascii=False),
    }
    row.update({fixer_column(name): n for name, n in per_fixer.items()})
    decision = evidence.script
    row[SCRIPT] = decision.script if decision is not None else "none"
    row[CONVERTED] = bool(decision and decision.converted_from_simplified)
    row[FARM_SCORE] = float(evidence.farm_score)
    return row, text


def _news_row(text: str) -> dict[str, Any]:
    from .news import extract_mended

    row: dict[str, Any] = {}
    for name, value in extract_mended(text).to_dict().items():
        if isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        row[NEWS_PREFIX + name] = value
    return row


def _error(reason: str, detail: str) -> dict[str, Any]:
    return {ERROR: reason, ERROR_DETAIL: detail}
