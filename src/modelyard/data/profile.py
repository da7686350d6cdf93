"""Table profiles computed in one streamed pass.

DuckDB parses the files (CSV, Parquet, JSON lines) or scans an Arrow table with both cores
and hands Arrow record batches over, together with a 64-bit hash of every column; the
accumulators below fold each batch into fixed-size state, so memory does not grow with the
number of rows:

* counts, missing values, min, max, mean and standard deviation (Chan's parallel update);
* distinct counts from a K-minimum-values sketch over the hashes (exact below
  :data:`KMV_SIZE` distinct values, within about 2-3 % above);
* numeric histograms from a fine grid of at most :data:`FINE_CELLS` cells that doubles its
  cell width when the values spread (cells nest, so coarsening is exact), regrouped into
  equal-width bins over [min, max] at the end;
* top values of non-numeric columns: exact counts while a column has at most
  :data:`TOP_EXACT_LIMIT` distinct values, then the per-batch leaders merged (approximate).

Example::

    profile = profile_files(["/data/iris.csv"], TableSpec(format=TableFormat.CSV))
    profile.column("sepal_length").mean
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from modelyard.data.entities import ColumnProfile, DataProfile, TableFormat, TableSpec
from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    import duckdb
    import numpy as np
    import pyarrow as pa

__all__ = ["BINS", "duckdb_connection", "profile_arrow", "profile_files", "table_source_sql"]

logger = logging.getLogger(__name__)

BINS = 20
TOP_K = 10
KMV_SIZE = 2048
FINE_CELLS = 4096
TOP_EXACT_LIMIT = 20_000
BATCH_ROWS = 128 * 1024
_HASH = "__modelyard_hash_"


def duckdb_connection(*, memory_limit: str = "128MB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a bounded memory budget."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit})
    con.execute("SET enable_progress_bar = false")
    return con


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_source_sql(paths: Sequence[str], spec: TableSpec) -> str:
    """The DuckDB table function that reads ``paths`` as ``spec`` says."""
    if not paths:
        raise InvalidArgument("the table has no data files")
    files = "[" + ", ".join(_quote_literal(p) for p in paths) + "]"
    if spec.format == TableFormat.CSV:
        return (
            f"read_csv({files}, delim={_quote_literal(spec.delimiter)}, "
            f"header={'true' if spec.header else 'false'}, "
            f"encoding={_quote_literal(spec.encoding)}, union_by_name=true)"
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
    con = duckdb_connection()
    try:
        return _profile_relation(con, table_source_sql(paths, spec))
    finally:
        con.close()


def profile_arrow(table: pa.Table) -> DataProfile:
    """Profile an Arrow table already in memory (the result of a SQL query)."""
    con = duckdb_connection()
    try:
        con.register("modelyard_profiled", table)
        return _profile_relation(con, "modelyard_profiled")
    finally:
        con.close()


def _profile_relation(con: duckdb.DuckDBPyConnection, source: str) -> DataProfile:
    import duckdb

    started = time.perf_counter()
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        names = [row[0] for row in described]
        hashes = ", ".join(f"hash({_quote_ident(n)}) AS {_HASH}{i}" for i, n in enumerate(names))
        query = f"SELECT *, {hashes} FROM {source}" if names else f"SELECT * FROM {source}"
        reader = con.sql(query).to_arrow_reader(BATCH_ROWS)
        profile = profile_batches(reader, names)
    except duckdb.Error as e:
        raise InvalidArgument(f"the table cannot be read: {describe_duckdb_error(e)}") from e
    seconds = time.perf_counter() - started
    return DataProfile(
        row_count=profile[0],
        columns=profile[1],
        computed_at=datetime.now(UTC),
        seconds=round(seconds, 3),
    )


def profile_batches(
    batches: Iterable[pa.RecordBatch], names: Sequence[str]
) -> tuple[int, list[ColumnProfile]]:
    """Fold record batches (columns ``names`` then their hashes) into column profiles."""
    import pyarrow as pa

    accs: list[_Column] | None = None
    rows = 0
    for batch in batches:
        if accs is None:
            accs = [_Column(n, batch.schema.field(i).type) for i, n in enumerate(names)]
        rows += batch.num_rows
        for i, acc in enumerate(accs):
            acc.update(batch.column(i), batch.column(len(names) + i))
    if accs is None:
        accs = [_Column(n, pa.null()) for n in names]
    return rows, [acc.result(rows) for acc in accs]


def _kind(arrow_type: pa.DataType) -> str:
    import pyarrow as pa

    t = pa.types
    if t.is_boolean(arrow_type):
        return "boolean"
    if t.is_integer(arrow_type):
        return "integer"
    if t.is_floating(arrow_type) or t.is_decimal(arrow_type):
        return "float"
    if t.is_timestamp(arrow_type):
        return "datetime"
    if t.is_date(arrow_type):
        return "date"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type):
        return "string"
    return "other"


class _Column:
    """Fixed-size running state of one column."""

    def __init__(self, name: str, arrow_type: pa.DataType) -> None:
        self.name = name
        self.arrow_type = arrow_type
        self.kind = _kind(arrow_type)
        self.numeric = self.kind in ("integer", "float")
        self.missing = 0
        self.count = 0
        self.kmv = _Kmv()
        self.min: Any = None
        self.max: Any = None
        self.mean = 0.0
        self.m2 = 0.0
        self.grid = _FineGrid() if self.numeric else None
        self.top: dict[Any, int] | None = {} if not self.numeric else None
        self.top_exact = True

    def update(self, column: pa.Array, hashes: pa.Array) -> None:
        import numpy as np
        import pyarrow.compute as pc

        nulls = column.null_count
        if nulls:
            hashes = hashes.filter(column.is_valid())
        if self.numeric:
            values = _to_float64(column.drop_null() if nulls else column)
            finite = np.isfinite(values)
            if not finite.all():
                nan = np.isnan(values)
                nulls += int(nan.sum())
                hashes = hashes.filter(~nan[: len(hashes)]) if len(hashes) == len(values) else hashes
                values = values[finite]
            self.missing += nulls
            self._numeric(values)
        else:
            self.missing += nulls
            valid = column.drop_null() if nulls else column
            if len(valid):
                bounds = pc.min_max(valid)
                lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
                self.min = lo if self.min is None else min(self.min, lo)
                self.max = hi if self.max is None else max(self.max, hi)
                self.count += len(valid)
                self._top(valid)
        self.kmv.update(hashes)

    def _numeric(self, values: np.ndarray) -> None:
        n = len(values)
        if n == 0:
            return
        lo, hi = float(values.min()), float(values.max())
        self.min = lo if self.min is None else min(self.min, lo)
        self.max = hi if self.max is None else max(self.max, hi)
        mean_b = float(values.mean())
        m2_b = float(((values - mean_b) ** 2).sum())
        total = self.count + n
        delta = mean_b - self.mean
        self.mean += delta * n / total
        self.m2 += m2_b + delta * delta * self.count * n / total
        self.count = total
        assert self.grid is not None
        self.grid.update(values, lo, hi)

    def _top(self, valid: pa.Array) -> None:
        import pyarrow.compute as pc

        assert self.top is not None
        counts = pc.value_counts(valid)
        if not self.top_exact or len(self.top) + len(counts) > TOP_EXACT_LIMIT:
            self.top_exact = False
            if len(counts) > 1000:
                order = pc.select_k_unstable(
                    counts, k=1000, sort_keys=[("counts", "descending")]
                )
                counts = counts.take(order)
        values = counts.field("values").to_pylist()
        freq = counts.field("counts").to_pylist()
        top = self.top
        for v, c in zip(values, freq, strict=True):
            top[v] = top.get(v, 0) + c
        if len(top) > TOP_EXACT_LIMIT:
            keep = sorted(top.items(), key=lambda kv: kv[1], reverse=True)[: TOP_EXACT_LIMIT // 2]
            self.top = dict(keep)

    def result(self, rows: int) -> ColumnProfile:
        distinct, exact = self.kmv.estimate()
        histogram = None
        top = None
        mean = std = None
        if self.numeric and self.count:
            mean = self.mean
            std = math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else 0.0
            assert self.grid is not None
            histogram = self.grid.bins(self.min, self.max, BINS)
            if self.kind == "integer":
                self.min, self.max = int(self.min), int(self.max)
        if self.top:
            ranked = sorted(self.top.items(), key=lambda kv: (-kv[1], str(kv[0])))[:TOP_K]
            top = [(_jsonable(v), c) for v, c in ranked]
        return ColumnProfile(
            name=self.name,
            type=self.kind,
            physical_type=str(self.arrow_type),
            count=self.count,
            missing_count=self.missing,
            missing_share=(self.missing / rows) if rows else 0.0,
            distinct_count=distinct,
            distinct_exact=exact,
            min=_jsonable(self.min),
            max=_jsonable(self.max),
            mean=mean,
            std=std,
            histogram=histogram,
            top_values=top,
        )


def _to_float64(array: pa.Array) -> np.ndarray:
    """A null-free numeric Arrow array as float64 numpy values (no pandas involved)."""
    import numpy as np
    import pyarrow as pa

    if pa.types.is_decimal(array.type):
        array = array.cast(pa.float64())
    return np.asarray(array.to_numpy(zero_copy_only=True), dtype="float64")


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class _Kmv:
    """K-minimum-values distinct-count sketch over 64-bit hashes."""

    def __init__(self, k: int = KMV_SIZE) -> None:
        import numpy as np

        self.k = k
        self.kept = np.empty(0, dtype="uint64")

    def update(self, hashes: pa.Array) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if len(hashes) == 0:
            return
        if len(self.kept) >= self.k:
            hashes = hashes.filter(pc.less(hashes, pa.scalar(int(self.kept[-1]), pa.uint64())))
            if len(hashes) == 0:
                return
        fresh = pc.unique(hashes).to_numpy(zero_copy_only=False).astype("uint64", copy=False)
        if len(fresh) > self.k:
            fresh = np.partition(fresh, self.k - 1)[: self.k]  # unique already: the k smallest
        self.kept = np.unique(np.concatenate([self.kept, fresh]))[: self.k]

    def estimate(self) -> tuple[int, bool]:
        if len(self.kept) < self.k:
            return len(self.kept), True
        kth = float(self.kept[-1]) / 2.0**64
        return round((self.k - 1) / kth), False


class _FineGrid:
    """Counts on cells ``[origin + i*width, origin + (i+1)*width)`` that coarsen by halves."""

    def __init__(self) -> None:
        self.origin: float | None = None
        self.width = 0.0
        self.base = 0  # key of counts[0]
        self.counts: Any = None

    def update(self, values: np.ndarray, lo: float, hi: float) -> None:
        import numpy as np

        if self.origin is None:
            self.origin = lo
            span = hi - lo
            self.width = span / (FINE_CELLS / 4) if span > 0 else max(abs(lo) * 1e-6, 1e-9)
            self.counts = np.zeros(1, dtype="int64")
        assert self.counts is not None
        # coarsen until the batch and the kept cells fit in FINE_CELLS
        while True:
            kmin = math.floor((lo - self.origin) / self.width)
            kmax = math.floor((hi - self.origin) / self.width)
            first = min(kmin, self.base)
            last = max(kmax, self.base + len(self.counts) - 1)
            if last - first + 1 <= FINE_CELLS:
                break
            shift = max(1, math.ceil(math.log2((last - first + 1) / FINE_CELLS)))
            self._coarsen(shift)
        keys = np.floor((values - self.origin) / self.width).astype("int64")
        np.clip(keys, kmin, kmax, out=keys)
        if first < self.base or last >= self.base + len(self.counts):
            grown = np.zeros(last - first + 1, dtype="int64")
            grown[self.base - first : self.base - first + len(self.counts)] = self.counts
            self.counts, self.base = grown, first
        self.counts[kmin - self.base : kmax - self.base + 1] += np.bincount(
            keys - kmin, minlength=kmax - kmin + 1
        )

    def _coarsen(self, shift: int) -> None:
        import numpy as np

        keys = np.arange(self.base, self.base + len(self.counts), dtype="int64") >> shift
        new_base = int(keys[0])
        self.counts = np.bincount(keys - new_base, weights=self.counts).astype("int64")
        self.base = new_base
        self.width *= 2**shift

    def bins(self, lo: float, hi: float, n: int) -> list[tuple[float, float, int]]:
        import numpy as np

        assert self.origin is not None and self.counts is not None
        if hi <= lo:
            return [(lo, hi, int(self.counts.sum()))]
        step = (hi - lo) / n
        keys = np.arange(self.base, self.base + len(self.counts), dtype="float64")
        centers = np.clip(self.origin + (keys + 0.5) * self.width, lo, hi)
        index = np.minimum(((centers - lo) / step).astype("int64"), n - 1)
        totals = np.bincount(index, weights=self.counts, minlength=n).astype("int64")
        return [(lo + i * step, lo + (i + 1) * step if i < n - 1 else hi, int(totals[i])) for i in range(n)]
