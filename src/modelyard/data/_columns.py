"""Fixed-size running statistics of one column, folded one Arrow batch at a time.

Used by :mod:`modelyard.data.profile`. Every update is a handful of vectorised passes
(pyarrow compute kernels and numpy, which both release the GIL), so the Python thread that
folds batches keeps pace with DuckDB parsing the next ones:

* numeric columns: min/max (one Arrow pass), the batch as float64 with missing values
  filled by the batch minimum (a real value, so it adds no distinct value; the fill is
  subtracted from the sums and the histogram afterwards), sum, centred sum of squares
  (Chan's parallel update), a fine grid of at most :data:`FINE_CELLS` cells for the
  histogram, and a K-minimum-values sketch over a multiplicative hash of the float bits;
* other columns (strings, booleans, dates, timestamps): ``value_counts`` per batch, merged
  exactly while a column has at most :data:`TOP_EXACT_LIMIT` distinct values (then the
  per-batch leaders), min/max over the batch's distinct values, and the same sketch over
  hashes of those distinct values.

NaN and infinite floats count as missing.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from modelyard.data._sketches import (
    FINE_CELLS,
    KMV_SIZE,
    FineGrid,
    Kmv,
    Scratch,
    hash_floats,
    mix,
    numpy_view,
)
from modelyard.data.entities import ColumnProfile

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["BINS", "FINE_CELLS", "KMV_SIZE", "TOP_EXACT_LIMIT", "TOP_K", "new_column"]

BINS = 20
TOP_K = 10
TOP_EXACT_LIMIT = 20_000
_LEADERS = 1000


def kind_of(arrow_type: pa.DataType) -> str:
    """The profile's type name of an Arrow type."""
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


def new_column(name: str, arrow_type: pa.DataType) -> _Numeric | _Categorical:
    """The accumulator that fits a column of ``arrow_type``."""
    kind = kind_of(arrow_type)
    if kind in ("integer", "float"):
        return _Numeric(name, arrow_type, kind)
    return _Categorical(name, arrow_type, kind)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class _Numeric:
    """Count, missing, min, max, mean, std, histogram and distinct count of a number column."""

    def __init__(self, name: str, arrow_type: pa.DataType, kind: str) -> None:
        self.name = name
        self.arrow_type = arrow_type
        self.kind = kind
        self.missing = 0
        self.count = 0
        self.min: float | None = None
        self.max: float | None = None
        self.mean = 0.0
        self.m2 = 0.0
        self.grid = FineGrid()
        self.kmv = Kmv()
        self.scratch = Scratch()

    def update(self, column: pa.Array) -> None:
        import numpy as np
        import pyarrow as pa

        if pa.types.is_decimal(column.type):
            column = column.cast(pa.float64())
        prepared = self._prepare(column)
        if prepared is None:
            return
        values, fill, lo, hi, total_b = prepared
        valid = len(values) - fill
        mean_b = (total_b - fill * lo) / valid
        scratch = self.scratch.take(len(values))
        centred = np.subtract(values, mean_b, out=scratch.floats)
        # einsum, not ``centred @ centred``: BLAS threads spin on a busy machine
        m2_b = max(float(np.einsum("i,i->", centred, centred)) - fill * (lo - mean_b) ** 2, 0.0)
        self.min = lo if self.min is None else min(self.min, lo)
        self.max = hi if self.max is None else max(self.max, hi)
        total = self.count + valid
        delta = mean_b - self.mean
        self.mean += delta * valid / total
        self.m2 += m2_b + delta * delta * self.count * valid / total
        self.count = total
        self.grid.update(values, lo, hi, lo_fill=fill, scratch=scratch)
        self.kmv.update(hash_floats(values, scratch))

    def _prepare(self, column: pa.Array) -> tuple[np.ndarray, int, float, float, float] | None:
        """(values as float64 with missing ones set to the minimum, how many were set, min,
        max, sum) of a batch, counting missing and non-finite values; None if none is valid."""
        import pyarrow as pa
        import pyarrow.compute as pc

        is_float = pa.types.is_floating(column.type)
        for attempt in range(2):
            if column.null_count * 2 > len(column):  # mostly missing: drop rather than fill
                self.missing += column.null_count
                column = column.drop_null()
            if len(column) == 0:
                return None
            bounds = pc.min_max(column)  # skips NaN
            lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
            finite = lo is not None and (not is_float or (math.isfinite(lo) and math.isfinite(hi)))
            if finite:
                fill = column.null_count
                values = _as_float64(pc.fill_null(column, bounds["min"]) if fill else column)
                total = float(values.sum())
                if math.isfinite(total) or not is_float or attempt:
                    self.missing += fill
                    return values, fill, float(lo), float(hi), total
            keep = pc.fill_null(pc.is_finite(column), False)  # NaN, inf, nulls: missing
            self.missing += len(column) - pc.sum(keep).as_py()
            column = column.filter(keep)
        return None

    def result(self, rows: int) -> ColumnProfile:
        distinct, exact = self.kmv.estimate()
        mean = std = histogram = None
        lo: Any = self.min
        hi: Any = self.max
        if self.count:
            mean = self.mean
            std = math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else 0.0
            histogram = self.grid.bins(self.min, self.max, BINS)
            if self.kind == "integer":
                lo, hi = int(lo), int(hi)
        return ColumnProfile(
            name=self.name,
            type=self.kind,
            physical_type=str(self.arrow_type),
            count=self.count,
            missing_count=self.missing,
            missing_share=(self.missing / rows) if rows else 0.0,
            distinct_count=distinct,
            distinct_exact=exact,
            min=lo,
            max=hi,
            mean=mean,
            std=std,
            histogram=histogram,
        )


class _Categorical:
    """Count, missing, min, max, top values and distinct count of any other column."""

    def __init__(self, name: str, arrow_type: pa.DataType, kind: str) -> None:
        self.name = name
        self.arrow_type = arrow_type
        self.kind = kind
        self.missing = 0
        self.count = 0
        self.min: Any = None
        self.max: Any = None
        self.top: dict[Any, int] = {}
        self.exact = True
        self.kmv = Kmv()

    def update(self, column: pa.Array) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        nulls = column.null_count
        self.missing += nulls
        self.count += len(column) - nulls
        if len(column) == nulls:
            return
        try:
            counts = pc.value_counts(column.drop_null() if nulls else column)
            values = counts.field("values")
            bounds = pc.min_max(values)
            distinct = values.to_pylist()
            hashes = np.fromiter(map(_hash, distinct), dtype="int64", count=len(distinct))
        except (pa.ArrowNotImplementedError, TypeError):  # lists, structs...: counts only
            self.exact = False
            return
        lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
        if lo is not None:
            self.min = lo if self.min is None else min(self.min, lo)
            self.max = hi if self.max is None else max(self.max, hi)
        self.kmv.update(mix(hashes.view("uint64")))
        freq = counts.field("counts").to_pylist()
        if self.exact and len(self.top) + len(distinct) > TOP_EXACT_LIMIT:
            self.exact = False
        if not self.exact and len(distinct) > _LEADERS:
            order = np.argpartition(np.asarray(freq), -_LEADERS)[-_LEADERS:]
            distinct = [distinct[i] for i in order]
            freq = [freq[i] for i in order]
        top = self.top
        for v, c in zip(distinct, freq, strict=True):
            top[v] = top.get(v, 0) + c
        if len(top) > TOP_EXACT_LIMIT:
            keep = sorted(top.items(), key=lambda kv: kv[1], reverse=True)[: TOP_EXACT_LIMIT // 2]
            self.top = dict(keep)

    def result(self, rows: int) -> ColumnProfile:
        if self.exact:
            distinct, exact = len(self.top), True
        else:
            distinct, exact = self.kmv.estimate()
        ranked = sorted(self.top.items(), key=lambda kv: (-kv[1], str(kv[0])))[:TOP_K]
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
            top_values=[(_jsonable(v), c) for v, c in ranked] or None,
        )


def _as_float64(array: pa.Array) -> np.ndarray:
    import numpy as np

    return np.asarray(numpy_view(array), dtype="float64")


def _hash(value: Any) -> int:
    """Python's 64-bit hash of a value (stable within one process, which is all a sketch needs)."""
    return hash(value)
