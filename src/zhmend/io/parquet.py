"""Parquet output: rows into a Parquet file whose schema widens as rows come."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .readers import need_extra
from .records import without_surrogates
from .writers import TMP_TAG, dumps, tmp_path

#: Segment files a widening schema may leave at most before they are all merged.
MAX_SEGMENTS = 16
#: The largest magnitude every integer up to which a float64 holds exactly (2**53).
_FLOAT_EXACT = 1 << 53


class ParquetWriter:
    """Rows into a Parquet file via a temporary name.

    Where the schema comes from:

    * Given (Parquet input): the input's own schema is kept as it is, since it is what the
      user has (their int32, timestamps, dictionaries). A row read from that file always
      fits it, so it never needs widening; a row that still does not fit (a value the run
      made, such as a generated id in an integer id column) is handed back with the reason,
      so the runner can reject it instead of losing it.
    * Inferred (JSONL input): typed from the rows and widened as rows come, so every row is
      written. A field first seen late becomes a new column (appended; null in the rows
      before); int and float give float; struct and list columns take the union of their
      fields and the join of their items; a column null so far takes the type of its first
      value; any other disagreement, or a value Arrow cannot type (an int beyond int64, an
      int a float cannot hold exactly next to floats, ``{}``), makes a string column where
      non-string values are their JSON text. Rows written before a column became text are
      the JSON text of what their segment held: a struct shows every one of its fields,
      null where a row lacked it (and, after a merge of segments, an int already widened
      to float reads ``1.0``).

    Cost of a widening: the rows written so far are not rewritten at once. They stay in
    their segment file, typed as they were, and a new segment starts with the wider schema;
    :meth:`commit` merges the segments into one file, one row group at a time (memory stays
    within one batch), keeping row order and row groups. Without a widening (the usual
    case) the one segment is simply renamed: no extra pass. Widenings are rare (at most one
    per new field or type change), and with a few of them the rows are copied once or
    twice. Rewriting at every widening would cost O(rows so far) each time, quadratic for
    an input bringing a new field in every batch; here finished segments are merged like a
    binary counter (the two newest while the older holds no more rows than the newer), so
    with W widenings evenly spread a row is copied about log2(W) times and about log2(W)
    segment files exist at once (never more than ``MAX_SEGMENTS + 1``: past that they are
    all merged).
    """

    def __init__(self, final: Path, schema: Any = None, extra: dict[str, type] | None = None):
        self.pa = need_extra("pyarrow", "parquet")
        self.pq = need_extra("pyarrow.parquet", "parquet")
        self.final = final
        final.parent.mkdir(parents=True, exist_ok=True)
        self._given = schema
        self._extra = extra or {}
        #: Inferred columns in order with their type (Arrow's null type while all null).
        self._types: dict[str, Any] = {}
        #: Inferred string columns: their non-string values are written as JSON text.
        self._as_text: set[str] = set()
        #: Inferred columns holding an int a float cannot hold exactly: floats make them text.
        self._big_ints: set[str] = set()
        self._schema: Any = None  # of the segment being written
        self._writer: Any = None
        self._segment: Path | None = None
        self._segment_rows = 0
        self._segments: list[tuple[Path, int]] = []  # finished segments and their rows
        self._made = 0
        self.count = 0

    def _arrow_type(self, t: type) -> Any:
        pa = self.pa
        return {str: pa.string(), int: pa.int64(), bool: pa.bool_(), float: pa.float64()}[t]

    def _segment_path(self) -> Path:
        # ``<final>.tmp-<digits>`` like every temporary file of the run, so a later run
        # removes the segments of a killed writer too; the first is the usual name.
        self._made += 1
        if self._made == 1:
            return tmp_path(self.final)
        return self.final.with_name(f"{self.final.name}{TMP_TAG}{os.getpid()}{self._made:04d}")

    def _given_schema(self) -> Any:
        pa = self.pa
        fields = list(self._given)
        names = {f.name for f in fields}
        for name, t in self._extra.items():
            typed = pa.field(name, self._arrow_type(t))
            if name in names:
                fields = [typed if f.name == name else f for f in fields]
            else:
                fields.append(typed)
        return pa.schema(fields)

    def _inferred_schema(self) -> Any:
        pa = self.pa
        return pa.schema(
            [pa.field(n, pa.string() if pa.types.is_null(t) else t) for n, t in self._types.items()]
        )

    def _widen(self, rows: list[dict[str, Any]]) -> None:
        """Type the fields of ``rows`` and join each with its column's type so far."""
        pa = self.pa
        for name in dict.fromkeys(k for row in rows for k in row):
            if name in self._extra:
                self._types.setdefault(name, self._arrow_type(self._extra[name]))
                continue
            if name in self._as_text:
                continue  # text takes any value
            found = self._value_type(name, [row.get(name) for row in rows])
            joined = None
            if found is not None:
                joined = self._join(self._types.get(name, pa.null()), found, name in self._big_ints)
            if joined is None or not self._storable(joined):  # ``{}`` alone, say
                self._as_text.add(name)
                joined = pa.string()
            self._types[name] = joined
        for name, t in self._extra.items():
            self._types.setdefault(name, self._arrow_type(t))

    def _value_type(self, name: str, values: list[Any]) -> Any:
        """The Arrow type of ``values``, or None when they disagree."""
        pa = self.pa
        errors = (pa.ArrowException, TypeError, ValueError, OverflowError)
        try:
            arr = pa.array(values)
        except errors:
            try:  # lone surrogates fail once; mixed types and huge ints fail again
                arr = pa.array(without_surrogates(values))
            except errors:
                return None
        kind = arr.type
        if _has(pa.types.is_floating, kind) and _has_bool(values):
            return None  # Arrow reads True next to 1.5 as 1.0: that is a disagreement
        if _has(pa.types.is_integer, kind) and not _exact_in_float(pa, arr):
            self._big_ints.add(name)
        return kind

    def _join(self, old: Any, new: Any, big_ints: bool) -> Any:
        """The narrowest type holding values of both ``old`` and ``new``; None: only text."""
        pa = self.pa
        if old == new or pa.types.is_null(new):
            return old
        if pa.types.is_null(old):
            return new
        if {_kind(pa, old), _kind(pa, new)} == {"int", "float"}:
            return None if big_ints else pa.float64()
        if pa.types.is_struct(old) and pa.types.is_struct(new):
            fields = []
            for f in old:
                i = new.get_field_index(f.name)
                t = f.type if i < 0 else self._join(f.type, new.field(i).type, big_ints)
                if t is None:
                    return None
                fields.append(pa.field(f.name, t))
            fields += [f for f in new if old.get_field_index(f.name) < 0]
            return pa.struct(fields)
        if pa.types.is_list(old) and pa.types.is_list(new):
            t = self._join(old.value_type, new.value_type, big_ints)
            return None if t is None else pa.list_(t)
        return None

    def _storable(self, t: Any) -> bool:
        """Parquet cannot store a struct without fields (``{}``), even nested."""
        pa = self.pa
        if pa.types.is_struct(t):
            return t.num_fields > 0 and all(self._storable(f.type) for f in t)
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return self._storable(t.value_type)
        return True

    def _text_values(self, row: dict[str, Any]) -> dict[str, Any]:
        if not self._as_text:
            return row
        return {
            k: v if v is None or isinstance(v, str) or k not in self._as_text else dumps(v)
            for k, v in row.items()
        }

    def _start(self, schema: Any) -> None:
        """Finish the segment being written (if it holds rows) and begin one with ``schema``."""
        self._finish(schema)
        self._segment = self._segment_path()
        self._schema = schema
        self._segment_rows = 0
        self._writer = self.pq.ParquetWriter(self._segment, schema)

    def _finish(self, schema: Any) -> None:
        """Close the segment being written; merge finished segments as a binary counter
        does (the two newest while the older holds no more rows than the newer), so a row is
        copied about log2(widenings) times, not once per widening."""
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        if not self._segment_rows:
            self._segment.unlink(missing_ok=True)
            return
        self._segments.append((self._segment, self._segment_rows))
        while len(self._segments) >= 2 and self._segments[-2][1] <= self._segments[-1][1]:
            self._segments[-2:] = [self._merge(self._segments[-2:], schema)]
        if len(self._segments) > MAX_SEGMENTS:
            self._segments = [self._merge(self._segments, schema)]

    def _merge(self, segments: list[tuple[Path, int]], schema: Any) -> tuple[Path, int]:
        """One segment with the rows of ``segments`` in ``schema``, row group by row group;
        the merged ones are removed once it is complete."""
        path = self._segment_path()
        rows = 0
        try:
            with self.pq.ParquetWriter(path, schema) as writer:
                for part_path, _ in segments:
                    with self.pq.ParquetFile(part_path) as part:
                        for i in range(part.num_row_groups):
                            table = self._conform(part.read_row_group(i), schema)
                            writer.write_table(table)
                            rows += table.num_rows
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        for part_path, _ in segments:
            part_path.unlink()
        return path, rows

    def _conform(self, table: Any, schema: Any) -> Any:
        """``table`` (rows of an earlier segment) in ``schema``, which is wider."""
        pa = self.pa
        n = table.num_rows
        columns = []
        for f in schema:
            col = table.column(f.name) if f.name in table.column_names else None
            if col is None or col.null_count == n:
                columns.append(pa.nulls(n, f.type))
            elif col.type == f.type:
                columns.append(col)
            elif pa.types.is_string(f.type):  # became text: as _text_values writes it
                values = [v if v is None or isinstance(v, str) else dumps(v)
                          for v in col.to_pylist()]
                columns.append(pa.array(values, pa.string()))
            else:  # int to float, a struct or list widened
                try:
                    columns.append(col.cast(f.type))
                except pa.ArrowNotImplementedError:  # older pyarrow: no struct field added
                    columns.append(pa.array(col.to_pylist(), f.type))
        return pa.Table.from_arrays(columns, schema=schema)

    def write_rows(self, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """Write ``rows``; return those that cannot be stored, each with the reason.

        Inferred schema: only a row without fields while no column exists, or (never from
        JSON) a value that still fails to convert. Given schema: also a row that does not
        fit it.
        """
        if not rows:
            return []
        if self._given is not None:
            if self._writer is None:
                self._start(self._given_schema())
        else:
            self._widen(rows)
            schema = self._inferred_schema()
            if self._writer is None or not schema.equals(self._schema):
                self._start(schema)
        return self._write(rows)

    def _write(self, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        pa = self.pa
        errors = (pa.ArrowException, TypeError, ValueError, OverflowError)
        names = set(self._schema.names)
        misfit: list[tuple[dict[str, Any], str]] = []
        pairs = []  # (row as given, row as written): misfits hand back the row as given
        for row in rows:
            extra = set(row) - names
            if extra:
                misfit.append((row, f"fields {sorted(extra)} are not in the shard's schema"))
            elif not names:
                misfit.append((row, "a row without fields cannot be stored in Parquet"))
            else:
                pairs.append((row, self._text_values(row)))
        try:
            table = pa.Table.from_pylist([w for _, w in pairs], schema=self._schema)
        except errors:
            # Row by row; the rows that fit are joined as converted, since a batch can fail
            # where each of its rows alone converts (pyarrow reads a column's first value to
            # choose how to convert the rest).
            singles = []
            for row, written in pairs:
                for attempt in (written, without_surrogates(written)):
                    try:
                        singles.append(pa.Table.from_pylist([attempt], schema=self._schema))
                        break
                    except errors as exc:
                        why = f"does not fit the shard's schema: {exc}"
                else:
                    misfit.append((row, why))
            table = pa.concat_tables(singles) if singles else None
        if table is not None and table.num_rows:
            self._writer.write_table(table)
            self.count += table.num_rows
            self._segment_rows += table.num_rows
        return misfit

    def commit(self) -> None:
        if self._writer is None:  # no row at all: the columns known up front
            if self._given is not None:
                self._start(self._given_schema())
            else:
                self._widen([])
                self._start(self._inferred_schema())
        if self._segments:  # widened: one file in the last, widest schema
            schema = self._schema
            self._finish(schema)
            if len(self._segments) > 1:
                self._segments = [self._merge(self._segments, schema)]
            (self._segment, _), = self._segments
            self._segments = []
        else:
            self._writer.close()
            self._writer = None
        os.replace(self._segment, self.final)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        for path in [*(p for p, _ in self._segments), self._segment]:
            if path is not None:
                path.unlink(missing_ok=True)


def _kind(pa: Any, t: Any) -> str:
    if pa.types.is_integer(t):
        return "int"
    return "float" if pa.types.is_floating(t) else str(t)


def _has(test: Callable[[Any], bool], t: Any) -> bool:
    """Whether ``t`` or a type nested in it passes ``test``."""
    if test(t):
        return True
    return any(_has(test, t.field(i).type) for i in range(t.num_fields))


def _has_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, list):
        return any(_has_bool(v) for v in value)
    if isinstance(value, dict):
        return any(_has_bool(v) for v in value.values())
    return False


def _exact_in_float(pa: Any, arr: Any) -> bool:
    """Whether every int in ``arr`` (nested too) is one a float64 holds exactly."""
    if pa.types.is_integer(arr.type):
        pc = need_extra("pyarrow.compute", "parquet")
        low, high = (v.as_py() for v in pc.min_max(arr).values())
        return low is None or -_FLOAT_EXACT <= low <= high <= _FLOAT_EXACT
    if pa.types.is_list(arr.type):
        return _exact_in_float(pa, arr.flatten())
    if pa.types.is_struct(arr.type):
        return all(_exact_in_float(pa, arr.field(i)) for i in range(arr.type.num_fields))
    return True
