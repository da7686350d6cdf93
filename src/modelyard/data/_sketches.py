"""The fixed-size sketches behind column profiles: a K-minimum-values distinct counter, a
fine histogram grid that coarsens by halves, 64-bit hashing of numpy arrays, and reusable
work buffers. Used by :mod:`modelyard.data._columns`.

Everything here is a handful of whole-array numpy passes (which release the GIL): no
per-value Python, no pyarrow kernel where numpy is faster (``pc.min_max`` on doubles and
``np.unique`` on a few thousand keys each cost several times a plain numpy pass)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = [
    "FINE_CELLS",
    "INT_CELLS",
    "KMV_SIZE",
    "FineGrid",
    "IntCounts",
    "Kmv",
    "Scratch",
    "hash_floats",
    "mix",
    "numpy_view",
    "valid_mask",
]

KMV_SIZE = 2048
FINE_CELLS = 4096
INT_CELLS = 1 << 16
_C1 = 0x9E3779B97F4A7C15  # odd multipliers of splitmix64
_C2 = 0xBF58476D1CE4E5B9


_FLOATS = {"double": "float64", "float": "float32", "halffloat": "float16"}


def numpy_view(array: pa.Array) -> np.ndarray:
    """The value buffer of a fixed-width numeric Arrow array, without a copy.

    Slots of missing values hold whatever the producer left there: select the valid ones
    with :func:`valid_mask`. (``Array.to_numpy`` would import pandas, which costs seconds
    and 50 MB.)
    """
    import numpy as np

    dtype = np.dtype(_FLOATS.get(str(array.type), str(array.type)))
    return np.frombuffer(
        array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize
    )


def valid_mask(array: pa.Array) -> np.ndarray:
    """A boolean array, True where ``array`` has a value (its validity bitmap, unpacked)."""
    import numpy as np

    bits = np.frombuffer(array.buffers()[0], dtype="uint8")
    unpacked = np.unpackbits(bits, count=array.offset + len(array), bitorder="little")
    return unpacked[array.offset :].view(bool)


def hash_floats(values: np.ndarray, scratch: Scratch, *, has_zero: bool = True) -> np.ndarray:
    """A 64-bit hash of each float64's bits, in ``scratch.keys``; 0.0 and -0.0 hash alike
    when ``has_zero`` (a caller that knows that zero is out of range saves a pass)."""
    import numpy as np

    size = len(values)
    if has_zero:
        values = np.add(values, 0.0, out=scratch.work[:size])  # -0.0 + 0.0 is 0.0
    out = scratch.keys[:size].view("uint64")
    np.multiply(values.view("uint64"), np.uint64(_C1), out=out)
    return _finish(out, scratch.work[:size].view("uint64"))


def mix(bits: np.ndarray) -> np.ndarray:
    """Scramble 64-bit keys in place (splitmix64's finaliser, shortened)."""
    import numpy as np

    np.multiply(bits, np.uint64(_C1), out=bits)
    return _finish(bits, np.empty_like(bits))


def _finish(bits: np.ndarray, spare: np.ndarray) -> np.ndarray:
    import numpy as np

    np.right_shift(bits, np.uint64(31), out=spare)
    np.bitwise_xor(bits, spare, out=bits)
    np.multiply(bits, np.uint64(_C2), out=bits)
    return bits


class Scratch:
    """Work buffers reused from batch to batch (fewer allocations and page faults); callers
    take prefixes of the size they need."""

    def __init__(self) -> None:
        self.capacity = -1
        self.values: Any = None  # a batch converted to float64
        self.work: Any = None  # float64 intermediate results
        self.keys: Any = None  # int64 cell keys, then hashes

    def reserve(self, size: int) -> Scratch:
        import numpy as np

        if size > self.capacity:
            self.capacity = size
            self.values = np.empty(size, dtype="float64")
            self.work = np.empty(size, dtype="float64")
            self.keys = np.empty(size, dtype="int64")
        return self


class Kmv:
    """K-minimum-values distinct-count sketch over 64-bit hashes.

    Exact below ``k`` distinct values as long as distinct values hash apart: the hashes
    used here are bijections of the 64-bit keys, so they do.
    """

    def __init__(self, k: int = KMV_SIZE) -> None:
        import numpy as np

        self.k = k
        self.kept = np.empty(0, dtype="uint64")

    def update(self, hashes: np.ndarray) -> None:
        import numpy as np

        if len(self.kept) >= self.k:
            hashes = hashes[hashes < self.kept[-1]]
        if len(hashes) == 0:
            return
        merged = np.sort(np.concatenate([self.kept, hashes]))  # a few thousand keys, mostly
        first = np.empty(len(merged), dtype=bool)
        first[0] = True
        np.not_equal(merged[1:], merged[:-1], out=first[1:])
        self.kept = merged[first][: self.k]

    def estimate(self) -> tuple[int, bool]:
        if len(self.kept) < self.k:
            return len(self.kept), True
        kth = float(self.kept[-1]) / 2.0**64
        return round((self.k - 1) / kth), False


class FineGrid:
    """Counts on cells ``floor(x * inv - offset)`` that coarsen by halves as values spread.

    Cells nest (a coarser cell is the union of ``2**shift`` finer ones), so coarsening is
    exact; at the end, cells are regrouped into equal-width bins over [min, max] by their
    centres.
    """

    def __init__(self) -> None:
        self.inv = 0.0  # cells per unit
        self.offset = 0.0  # cell key of 0.0 is -offset
        self.base = 0  # key of counts[0]
        self.counts: Any = None

    def _key(self, x: float) -> int:
        return math.floor(x * self.inv - self.offset)

    def update(
        self,
        values: np.ndarray,
        lo: float,
        hi: float,
        scratch: Scratch,
        weights: np.ndarray | None = None,
    ) -> None:
        """Count float64 ``values`` (all finite, ``lo`` and ``hi`` their min and max), each
        once or ``weights`` times."""
        import numpy as np

        if self.counts is None:
            span = hi - lo
            width = span / (FINE_CELLS / 4) if span > 0 else max(abs(lo) * 1e-6, 1e-9)
            self.inv = 1.0 / width
            self.offset = lo * self.inv
            self.counts = np.zeros(1, dtype="int64")
        while True:  # coarsen until the batch and the kept cells fit in FINE_CELLS
            kmin, kmax = self._key(lo), self._key(hi)
            first = min(kmin, self.base)
            last = max(kmax, self.base + len(self.counts) - 1)
            if last - first + 1 <= FINE_CELLS:
                break
            self._coarsen(max(1, math.ceil(math.log2((last - first + 1) / FINE_CELLS))))
        if first < self.base or last >= self.base + len(self.counts):
            grown = np.zeros(last - first + 1, dtype="int64")
            grown[self.base - first : self.base - first + len(self.counts)] = self.counts
            self.counts, self.base = grown, first
        shift = self.offset + kmin
        size = kmax - kmin + 1
        scaled = np.multiply(values, self.inv, out=scratch.work[: len(values)])
        # >= 0 up to rounding, so truncating into int64 is floor
        keys = np.subtract(scaled, shift, out=scratch.keys[: len(values)], casting="unsafe")
        cells = np.bincount(keys, weights=weights, minlength=size)
        if weights is not None:
            cells = np.rint(cells).astype("int64")
        if len(cells) > size:  # rounding pushed the maximum one cell up
            cells[size - 1] += cells[size:].sum()
            cells = cells[:size]
        self.counts[kmin - self.base : kmax - self.base + 1] += cells

    def _coarsen(self, shift: int) -> None:
        import numpy as np

        factor = 2**shift
        keys = np.arange(self.base, self.base + len(self.counts), dtype="int64") >> shift
        new_base = int(keys[0])
        self.counts = np.bincount(keys - new_base, weights=self.counts).astype("int64")
        self.base = new_base
        self.inv /= factor
        self.offset /= factor

    def bins(self, lo: float, hi: float, n: int) -> list[tuple[float, float, int]]:
        import numpy as np

        assert self.counts is not None
        if hi <= lo:
            return [(lo, hi, int(self.counts.sum()))]
        step = (hi - lo) / n
        keys = np.arange(self.base, self.base + len(self.counts), dtype="float64")
        centers = np.clip((keys + 0.5 + self.offset) / self.inv, lo, hi)
        index = np.minimum(((centers - lo) / step).astype("int64"), n - 1)
        totals = np.bincount(index, weights=self.counts, minlength=n).astype("int64")
        return [
            (lo + i * step, lo + (i + 1) * step if i < n - 1 else hi, int(totals[i]))
            for i in range(n)
        ]


class IntCounts:
    """Exact counts of integer values while they span at most :data:`INT_CELLS` values.

    Two passes a batch (subtract the batch minimum, ``bincount``) give the exact distinct
    count, histogram, mean and standard deviation of columns of codes, counts, years...
    """

    def __init__(self, cells: int = INT_CELLS) -> None:
        self.cells = cells
        self.base = 0  # the value counted by counts[0]
        self.counts: Any = None

    def add(self, values: np.ndarray, lo: int, hi: int, scratch: Scratch) -> bool:
        """Count integer ``values`` (``lo`` and ``hi`` their min and max); False, counting
        nothing, when the values seen would then span more than ``cells`` values."""
        import numpy as np

        if self.counts is None:
            first, last = lo, hi
        else:
            first, last = min(lo, self.base), max(hi, self.base + len(self.counts) - 1)
        if last - first + 1 > self.cells:
            return False
        if self.counts is None or first < self.base or last >= self.base + len(self.counts):
            grown = np.zeros(last - first + 1, dtype="int64")
            if self.counts is not None:
                grown[self.base - first : self.base - first + len(self.counts)] = self.counts
            self.counts, self.base = grown, first
        keys = scratch.keys[: len(values)]
        np.subtract(values, values.dtype.type(lo), out=keys, casting="unsafe")
        self.counts[lo - self.base : hi - self.base + 1] += np.bincount(keys, minlength=hi - lo + 1)
        return True

    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """(the values seen as float64, how often each was seen)."""
        import numpy as np

        where = np.flatnonzero(self.counts)
        return where.astype("float64") + float(self.base), self.counts[where]
