"""Fixed-size running statistics of one column, folded one Arrow batch at a time.

Used by :mod:`modelyard.data.profile`. Every update is a handful of whole-array numpy
passes over the batch's value buffer (which release the GIL), so the Python thread that
folds batches keeps pace with DuckDB parsing the next ones:

* numeric columns: the valid values packed by the validity bitmap, min and max (numpy;
  a NaN or infinity sends the batch through a slower pass that counts them as missing),
  sum and centred sum of squares (Chan's parallel update), a fine grid of at most
  :data:`FINE_CELLS` cells for the histogram, and a K-minimum-values sketch over a
  bijective hash of the float64 bits;
* integer columns whose values span at most :data:`INT_CELLS` values: exact counts per
  value instead (two passes a batch), which give the exact distinct count, histogram,
  mean and standard deviation; a column that spreads wider moves to the sketches above;
* other columns (strings, booleans, dates, timestamps): ``value_counts`` per batch, merged
  exactly while a column has at most :data:`TOP_EXACT_LIMIT` distinct values (then the
  per-batch leaders), min/max over the batch's distinct values, and the same sketch over
  hashes of those distinct values.

NaN and infinite floats count as missing.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import TYPE_CHECKING, Any

from modelyard.data._sketches import (
    FINE_CELLS,
    INT_CELLS,
    KMV_SIZE,
    FineGrid,
    IntCounts,
    Kmv,
    Scratch,
    hash_floats,
    mix,
    numpy_view,
    valid_mask,
)
from modelyard.data.entities import ColumnProfile

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = [
    "BINS",
    "FINE_CELLS",
    "INT_CELLS",
    "KMV_SIZE",
    "TOP_EXACT_LIMIT",
    "TOP_K",
    "new_column",
]

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


def new_column(
    name: str, arrow_type: pa.DataType, scratch: Scratch | None = None
) -> _Numeric | _Categorical:
    """The accumulator that fits a column of ``arrow_type``. Columns folded one after the
    other (never at once) may share ``scratch``, their work buffers."""
    kind = kind_of(arrow_type)
    if kind in ("integer", "float"):
        return _Numeric(name, arrow_type, kind, scratch)
    return _Categorical(name, arrow_type, kind)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class _Numeric:
    """Count, missing, min, max, mean, std, histogram and distinct count of a number column."""

    def __init__(
        self, name: str, arrow_type: pa.DataType, kind: str, scratch: Scratch | None = None
    ) -> None:
        self.name = name
        self.arrow_type = arrow_type
        self.kind = kind
        self.missing = 0
        self.count = 0
        self.min: Any = None  # exact: Python ints for integer columns
        self.max: Any = None
        self.mean = 0.0
        self.m2 = 0.0
        self.lo: float | None = None  # min and max as float64 (the histogram's range)
        self.hi: float | None = None
        self.grid = FineGrid()
        self.kmv = Kmv()
        self.ints: IntCounts | None = IntCounts() if kind == "integer" else None
        self.scratch = scratch or Scratch()

    def update(self, column: pa.Array | np.ndarray) -> None:
        """Fold an Arrow array, or a float64 numpy array whose NaNs are the missing values."""
        import numpy as np
        import pyarrow as pa

        if isinstance(column, np.ndarray):  # float64, NaN where missing
            finite = np.isfinite(column)
            raw = column[finite]
            self.missing += len(column) - len(raw)
        else:
            if pa.types.is_decimal(column.type):
                column = column.cast(pa.float64())
            nulls = column.null_count
            self.missing += nulls
            if nulls == len(column):
                return
            raw = numpy_view(column)
            if nulls:
                raw = raw[valid_mask(column)]  # the valid values, packed
        size = len(raw)
        if size == 0:
            return
        scratch = self.scratch.reserve(size)
        if raw.dtype == np.float64:
            values = raw
        else:  # integers (exact bounds first) and narrower floats
            if raw.dtype.kind in "iu":
                if raw.dtype.itemsize < 8:  # no overflow when subtracting the minimum
                    raw = raw.astype("int64")
                lo_i, hi_i = raw.min().item(), raw.max().item()
                self._bounds(lo_i, hi_i)
                self.lo = float(self.min)
                self.hi = float(self.max)
                if self.ints is not None:
                    if self.ints.add(raw, lo_i, hi_i, scratch):
                        return
                    self._spill()
                    scratch = self.scratch.reserve(size)
            values = scratch.values[:size]
            np.copyto(values, raw, casting="unsafe")
        lo, hi = float(values.min()), float(values.max())  # NaN if there is one
        if not (math.isfinite(lo) and math.isfinite(hi)):  # NaN and +-inf count as missing
            values = values[np.isfinite(values)]
            self.missing += size - len(values)
            if len(values) == 0:
                return
            size, lo, hi = len(values), float(values.min()), float(values.max())
        if raw.dtype.kind not in "iu":
            self._bounds(lo, hi)
        mean_b = float(values.sum()) / size
        centred = np.subtract(values, mean_b, out=scratch.work[:size])
        # einsum, not ``centred @ centred``: BLAS threads spin on a busy machine
        self._merge(size, mean_b, float(np.einsum("i,i->", centred, centred)))
        self.grid.update(values, lo, hi, scratch)
        self.kmv.update(hash_floats(values, scratch, has_zero=lo <= 0.0 <= hi))
        if raw.dtype.kind not in "iu":
            self.lo = lo if self.lo is None else min(self.lo, lo)
            self.hi = hi if self.hi is None else max(self.hi, hi)

    def _merge(self, size: int, mean_b: float, m2_b: float) -> None:
        """Chan's parallel update of count, mean and centred sum of squares."""
        total = self.count + size
        delta = mean_b - self.mean
        self.mean += delta * size / total
        self.m2 += m2_b + delta * delta * self.count * size / total
        self.count = total

    def _spill(self) -> None:
        """Fold the exact integer counts into the sketches (the values spread too far)."""
        ints, self.ints = self.ints, None
        if ints is None or ints.counts is None:
            return
        values, weights = ints.distinct()
        scratch = self.scratch.reserve(len(values))
        size = int(weights.sum())
        mean_b = float(weights @ values) / size
        self._merge(size, mean_b, float(weights @ (values - mean_b) ** 2))
        lo, hi = float(values[0]), float(values[-1])
        self.grid.update(values, lo, hi, scratch, weights=weights)
        self.kmv.update(hash_floats(values, scratch, has_zero=lo <= 0.0 <= hi))

    def _bounds(self, lo: Any, hi: Any) -> None:
        self.min = lo if self.min is None else min(self.min, lo)
        self.max = hi if self.max is None else max(self.max, hi)

    def result(self, rows: int) -> ColumnProfile:
        histogram = None
        if self.ints is not None and self.ints.counts is not None:  # still counted exactly
            values, weights = self.ints.distinct()
            distinct, exact = len(values), True
            histogram = _exact_bins(values, weights, self.lo, self.hi)
            self._spill()  # count, mean and sum of squares from the counts
        else:
            distinct, exact = self.kmv.estimate()
            if self.count:
                histogram = self.grid.bins(self.lo, self.hi, BINS)
        mean = std = None
        if self.count:
            mean = self.mean
            std = math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else 0.0
        lo: Any = self.min
        hi: Any = self.max
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
        valid = column.drop_null() if nulls else column
        try:
            counts = pc.value_counts(valid)
            values = counts.field("values")
            bounds = pc.min_max(values)
            distinct = values.to_pylist()
            freq = counts.field("counts").to_pylist()
            hashes = np.fromiter(map(_hash, distinct), dtype="int64", count=len(distinct))
        except (pa.ArrowNotImplementedError, TypeError):  # lists, structs...: counted as JSON text
            tally = Counter(json.dumps(v, sort_keys=True, default=str) for v in valid.to_pylist())
            distinct, freq, bounds = list(tally), list(tally.values()), None
            hashes = np.fromiter(map(_hash, distinct), dtype="int64", count=len(distinct))
        if bounds is not None and bounds["min"].as_py() is not None:
            lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
            self.min = lo if self.min is None else min(self.min, lo)
            self.max = hi if self.max is None else max(self.max, hi)
        self.kmv.update(mix(hashes.view("uint64")))
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


def _exact_bins(
    values: np.ndarray, weights: np.ndarray, lo: Any, hi: Any
) -> list[tuple[float, float, int]]:
    """Equal-width bins over [lo, hi] of exactly counted values (the last bin is closed)."""
    import numpy as np

    if hi <= lo:
        return [(lo, hi, int(weights.sum()))]
    step = (hi - lo) / BINS
    index = np.minimum(((values - lo) / step).astype("int64"), BINS - 1)
    totals = np.bincount(index, weights=weights, minlength=BINS)
    return [
        (lo + i * step, lo + (i + 1) * step if i < BINS - 1 else hi, round(float(totals[i])))
        for i in range(BINS)
    ]


def _hash(value: Any) -> int:
    """Python's 64-bit hash of a value (stable within one process, which is all a sketch needs)."""
    return hash(value)
