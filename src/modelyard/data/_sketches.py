"""The fixed-size sketches behind column profiles: a K-minimum-values distinct counter, a
fine histogram grid that coarsens by halves, 64-bit hashing of numpy arrays, and reusable
work buffers. Used by :mod:`modelyard.data._columns`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = [
    "FINE_CELLS",
    "KMV_SIZE",
    "FineGrid",
    "Kmv",
    "Scratch",
    "hash_floats",
    "mix",
    "numpy_view",
]

KMV_SIZE = 2048
FINE_CELLS = 4096
_C1 = 0x9E3779B97F4A7C15  # odd multipliers of splitmix64
_C2 = 0xBF58476D1CE4E5B9


_FLOATS = {"double": "float64", "float": "float32", "halffloat": "float16"}


def numpy_view(array: pa.Array) -> np.ndarray:
    """The values of a null-free, fixed-width numeric Arrow array, without a copy.

    (``Array.to_numpy`` would import pandas, which costs seconds and 50 MB.)
    """
    import numpy as np

    dtype = np.dtype(_FLOATS.get(str(array.type), str(array.type)))
    return np.frombuffer(
        array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize
    )


def hash_floats(values: np.ndarray, scratch: Scratch) -> np.ndarray:
    """A 64-bit hash of each float's bits (0.0 and -0.0 hash alike), in ``scratch``."""
    import numpy as np

    bits = np.add(values, 0.0, out=scratch.floats).view("uint64")  # -0.0 + 0.0 is 0.0
    return mix(bits, scratch.keys.view("uint64"))


def mix(bits: np.ndarray, spare: np.ndarray | None = None) -> np.ndarray:
    """Scramble 64-bit keys in place (splitmix64's finaliser, shortened)."""
    import numpy as np

    spare = np.empty_like(bits) if spare is None else spare[: len(bits)]
    np.multiply(bits, np.uint64(_C1), out=bits)
    np.right_shift(bits, np.uint64(31), out=spare)
    np.bitwise_xor(bits, spare, out=bits)
    np.multiply(bits, np.uint64(_C2), out=bits)
    return bits


class Scratch:
    """Work buffers reused from batch to batch (fewer allocations and page faults)."""

    def __init__(self) -> None:
        self.size = -1
        self.floats: Any = None
        self.keys: Any = None

    def take(self, size: int) -> Scratch:
        import numpy as np

        if size != self.size:
            self.size = size
            self.floats = np.empty(size, dtype="float64")
            self.keys = np.empty(size, dtype="int64")
        return self


class Kmv:
    """K-minimum-values distinct-count sketch over 64-bit hashes (exact below ``k``)."""

    def __init__(self, k: int = KMV_SIZE) -> None:
        import numpy as np

        self.k = k
        self.kept = np.empty(0, dtype="uint64")

    def update(self, hashes: np.ndarray) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if len(self.kept) >= self.k:
            hashes = hashes[hashes < self.kept[-1]]
        if len(hashes) == 0:
            return
        if len(hashes) > self.k:  # distinct ones by hashing (no sort), then the k smallest
            hashes = numpy_view(
                pc.unique(
                    pa.Array.from_buffers(pa.uint64(), len(hashes), [None, pa.py_buffer(hashes)])
                )
            )
            if len(hashes) > self.k:
                hashes = np.partition(hashes, self.k - 1)[: self.k]
        self.kept = np.unique(np.concatenate([self.kept, hashes]))[: self.k]

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
        *,
        lo_fill: int = 0,
        scratch: Scratch | None = None,
    ) -> None:
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
        scaled = np.multiply(values, self.inv, out=scratch.floats) if scratch else values * self.inv
        scaled -= shift  # >= 0 up to rounding; truncation is floor from here
        keys = scratch.keys if scratch else np.empty(len(values), dtype="int64")
        np.copyto(keys, scaled, casting="unsafe")
        cells = np.bincount(keys, minlength=size)
        if len(cells) > size:  # rounding pushed the maximum one cell up
            cells[size - 1] += cells[size:].sum()
            cells = cells[:size]
        if lo_fill:  # the filled-in missing values all sit in the minimum's cell
            cells[min(max(int(lo * self.inv - shift), 0), size - 1)] -= lo_fill
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
