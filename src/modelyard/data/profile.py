"""Table profiles computed in one streamed pass.

DuckDB parses the files (CSV, Parquet, JSON lines) or scans an Arrow table with every core
and hands Arrow record batches to a reader thread; the main thread folds each batch into
the fixed-size accumulators of :mod:`modelyard.data._columns` (numpy passes that release
the GIL), so parsing and statistics overlap and memory does not grow with the number of
rows:

* counts, missing values, min, max, mean and standard deviation (Chan's parallel update):
  exact;
* distinct counts: exact for integer columns spanning at most
  :data:`~modelyard.data._columns.INT_CELLS` values and for any column with fewer than
  :data:`~modelyard.data._columns.KMV_SIZE` distinct values; above, a K-minimum-values
  estimate (within about 2-3 %);
* numeric histograms: exact counts for such integer columns; otherwise a fine grid of at
  most 4,096 cells that doubles its cell width when the values spread (cells nest, so
  coarsening is exact), regrouped into equal-width bins over [min, max] at the end (a
  value near a bin edge may be counted in the neighbouring bin);
* top values of non-numeric columns: exact counts while a column has at most 20,000
  distinct values, then the per-batch leaders merged (approximate).

Example::

    profile = profile_files(["/data/iris.csv"], TableSpec(format=TableFormat.CSV))
    profile.column("sepal_length").mean
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from modelyard.data._columns import BINS, new_column
from modelyard.data._sketches import Scratch
from modelyard.data.entities import ColumnProfile, DataProfile, TableFormat, TableSpec
from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = [
    "BINS",
    "describe_duckdb_error",
    "duckdb_connection",
    "profile_arrow",
    "profile_batches",
    "profile_files",
    "table_source_sql",
]

logger = logging.getLogger(__name__)

BATCH_ROWS = 64 * 1024
_READ_AHEAD = 2  # batches parsed ahead of the one being folded
PROFILE_MEMORY = ("64MB", "512MB")  # DuckDB's budget: small first, larger for wide tables
CSV_BUFFER_BYTES = 8 * 1024 * 1024  # DuckDB's CSV read buffer (its default is 32 MB a thread)


def duckdb_connection(*, memory_limit: str = "128MB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a bounded memory budget."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit})
    con.execute("SET enable_progress_bar = false")
    return con


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def table_source_sql(paths: Sequence[str], spec: TableSpec) -> str:
    """The DuckDB table function that reads ``paths`` as ``spec`` says."""
    if not paths:
        raise InvalidArgument("the table has no data files")
    files = "[" + ", ".join(_quote_literal(p) for p in paths) + "]"
    if spec.format == TableFormat.CSV:
        return (
            f"read_csv({files}, delim={_quote_literal(spec.delimiter)}, "
            f"header={'true' if spec.header else 'false'}, "
            f"encoding={_quote_literal(spec.encoding)}, union_by_name=true, "
            f"buffer_size={CSV_BUFFER_BYTES})"
        )
    if spec.format == TableFormat.PARQUET:
        return f"read_parquet({files}, union_by_name=true)"
    if spec.format == TableFormat.JSONL:
        return f"read_json({files}, format='newline_delimited', union_by_name=true)"
    raise InvalidArgument(f"format {spec.format!s} is not read from files")


def describe_duckdb_error(exc: BaseException) -> str:
    """The first meaningful line of a DuckDB error."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def profile_files(paths: Sequence[str], spec: TableSpec) -> DataProfile:
    """Profile the table stored in local ``paths``, streamed.

    Raises:
        InvalidArgument: a file cannot be parsed as ``spec`` says (the message says why).
    """
    source = table_source_sql(paths, spec)
    if spec.format == TableFormat.CSV:
        profile = _profile_plain_csv(paths, spec)
        if profile is not None:
            return profile
    return _with_budget(lambda con: _profile_relation(con, source))


def _profile_plain_csv(paths: Sequence[str], spec: TableSpec) -> DataProfile | None:
    """The profile from pandas' parser on several ranges at once (see
    :mod:`modelyard.data._plaincsv`), or None where DuckDB must read the files."""
    from modelyard.data import _plaincsv

    started = time.perf_counter()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = max(1, min(4, cores or 1))
    plan = _plaincsv.plain_csv(paths, spec, workers=workers)
    if plan is None:
        return None
    batches = _plaincsv.plain_csv_batches(plan, batch_rows=BATCH_ROWS, workers=workers)
    try:
        first = next(batches, None)  # the threads parse while DuckDB sniffs the columns
        rows, columns = profile_batches(
            batches if first is None else itertools.chain([first], batches),
            plan.columns()[0], plan.arrow_types())
    except _plaincsv.Unsuitable as e:
        logger.info("profiling %s with DuckDB: %s", paths[0], e)
        return None
    finally:
        batches.close()  # stops and joins the parser threads
        plan.sniffed.exception()  # waits for the sniffer: no thread left in DuckDB at exit
    return DataProfile(
        row_count=rows,
        columns=columns,
        computed_at=datetime.now(UTC),
        seconds=round(time.perf_counter() - started, 3),
    )


def profile_arrow(table: pa.Table) -> DataProfile:
    """Profile an Arrow table already in memory (the result of a SQL query)."""

    def run(con: duckdb.DuckDBPyConnection) -> DataProfile:
        con.register("modelyard_profiled", table)
        return _profile_relation(con, "modelyard_profiled")

    return _with_budget(run)


def _with_budget(run: Callable[[duckdb.DuckDBPyConnection], DataProfile]) -> DataProfile:
    """Run with DuckDB's small memory budget; a table too wide for it gets the larger one."""
    for attempt, limit in enumerate(PROFILE_MEMORY):
        con = duckdb_connection(memory_limit=limit)
        try:
            return run(con)
        except InvalidArgument as e:
            if "Out of Memory" not in str(e) or attempt == len(PROFILE_MEMORY) - 1:
                raise
            logger.info("profiling again with a %s budget: %s", PROFILE_MEMORY[attempt + 1], e)
        finally:
            con.close()
    raise AssertionError("unreachable")


def _profile_relation(con: duckdb.DuckDBPyConnection, source: str) -> DataProfile:
    import duckdb

    started = time.perf_counter()
    try:
        reader = con.sql(f"SELECT * FROM {source}").to_arrow_reader(BATCH_ROWS)
        rows, columns = profile_batches(_read_ahead(reader), reader.schema.names)
    except (duckdb.Error, OSError) as e:  # DuckDB's errors reach the Arrow reader as OSError
        raise InvalidArgument(f"the table cannot be read: {describe_duckdb_error(e)}") from e
    return DataProfile(
        row_count=rows,
        columns=columns,
        computed_at=datetime.now(UTC),
        seconds=round(time.perf_counter() - started, 3),
    )


def _read_ahead(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    """Yield the reader's batches while a thread fetches the next ones (DuckDB parses them
    without the GIL, so parsing overlaps the caller's work on the current batch)."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=_READ_AHEAD)
    stop = threading.Event()
    done = object()

    def fetch() -> None:
        try:
            for batch in reader:
                while not stop.is_set():
                    try:
                        ready.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            item: Any = done
        except BaseException as e:  # noqa: BLE001 - handed to the consuming thread
            item = e
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=fetch, name="modelyard-profile-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def profile_batches(
    batches: Iterable[pa.RecordBatch],
    names: Sequence[str],
    types: Sequence[pa.DataType] | None = None,
) -> tuple[int, list[ColumnProfile]]:
    """Fold record batches with columns ``names`` into (row count, column profiles).

    ``types`` are the columns' types where the batches' own may differ (a text column's
    chunks arrive as ``large_string``, an all-missing chunk as nulls); by default the first
    batch's."""
    import pyarrow as pa

    scratch = Scratch()  # the columns are folded one after the other: one set of buffers
    accs: list[Any] | None = None
    if types is not None:
        accs = [new_column(n, t, scratch) for n, t in zip(names, types, strict=True)]
    rows = 0
    for batch in batches:
        if accs is None:
            accs = [new_column(n, batch.schema.field(i).type, scratch)
                    for i, n in enumerate(names)]
        rows += batch.num_rows
        for i, acc in enumerate(accs):
            acc.update(batch.column(i))
    if accs is None:
        accs = [new_column(n, pa.null()) for n in names]
    return rows, [acc.result(rows) for acc in accs]
