"""The fast path of CSV profiles: pandas' C parser on several byte ranges of the files at once.

DuckDB's CSV reader hands over Arrow batches at about half the speed of pandas' C parser on
plain numeric files, and its conversion does not release a core for the statistics. For a
*plain* CSV (UTF-8, one-character delimiter, double quotes if any, every column a number, a
boolean or text) :func:`profile_plain_csv` instead cuts each large file into byte ranges at
line starts, parses the ranges on parser threads at once (the C parser releases the GIL) in
chunks of :data:`~modelyard.data.profile.BATCH_ROWS` rows, and hands each chunk to the
caller's fold as an Arrow batch. Memory stays at a few chunks per thread.

The column names and types come from DuckDB's sniffer (the same reader that loads the
table), so both paths describe a file alike. Whatever this path cannot vouch for raises
:class:`Unsuitable` and the caller profiles the file with DuckDB instead, which reads it or
says clearly why not:

* a chunk whose values do not fit the sniffed type (a float in an integer column, text in a
  number column, a number-looking chunk of a text column: pandas would have read "007" as 7);
* a row with more fields than the header (pandas' error) or fewer (which pandas pads with
  missing values where DuckDB refuses the file): every range's count of delimiters must be
  exactly ``rows x (columns - 1)``, which also sends files with delimiters inside quoted
  fields to DuckDB;
* a cut inside a quoted field: every range must hold an even number of double quotes;
* dates, timestamps and other types, other encodings, quote or escape characters, comment
  lines, files whose headers differ, single-column files.
"""

from __future__ import annotations

import io
import itertools
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelyard.data.entities import TableSpec

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

__all__ = ["Chunk", "PlainCsv", "Unsuitable", "plain_csv", "plain_csv_batches"]

MIN_RANGE_BYTES = 4 * 1024 * 1024  # a file is cut into ranges of at least this size
SNIFF_ROWS = 2048  # a wrong guess costs time, not correctness: chunks are checked
SNIFF_BUFFER_BYTES = 1024 * 1024
_TYPES = {"BIGINT": "int64", "DOUBLE": "double", "BOOLEAN": "bool", "VARCHAR": "string"}
_QUOTE = ord('"')
_LINE_LIMIT = 1024 * 1024  # bytes read at a time looking for a line's end
_EXACT_INT = float(2**53)  # integers read as floats (a chunk with a gap) are exact below this


class Unsuitable(Exception):
    """This path cannot vouch for the result: profile the file with DuckDB instead."""


@dataclass(frozen=True, slots=True)
class PlainCsv:
    """What the parser threads need: the byte ranges to read, and the columns, which
    DuckDB's sniffer finds while the threads parse their first chunks."""

    delimiter: str
    ranges: list[tuple[str, int, int]]  # (path, first byte, end byte) of data rows
    sniffed: Future[tuple[list[str], list[str]]]  # (names, Arrow type names) or Unsuitable

    def columns(self) -> tuple[list[str], list[str]]:
        """The column names and Arrow type names (waits for the sniffer).

        Raises:
            Unsuitable: the sniffer found columns or a dialect this path does not read.
        """
        return self.sniffed.result()

    def arrow_types(self) -> list[pa.DataType]:
        import pyarrow as pa

        return [pa.type_for_alias(t) for t in self.columns()[1]]


def _sniff(path: str, spec: TableSpec) -> tuple[Any, ...] | None:
    """DuckDB's sniff of ``path``: (quote, escape, comment, columns). A connection of its own
    (~25 ms to open, hidden behind the parser threads' first chunks), closed after, so no
    DuckDB threads outlive the profile."""
    from modelyard.data.profile import duckdb_connection

    con = duckdb_connection(memory_limit="64MB")
    try:
        return con.execute(
            "SELECT Quote, Escape, Comment, Columns FROM sniff_csv(?, delim = ?, header = ?, "
            "sample_size = ?, buffer_size = ?)",  # DuckDB keeps its default 32 MB buffer
            [path, spec.delimiter, spec.header, SNIFF_ROWS, SNIFF_BUFFER_BYTES],
        ).fetchone()
    finally:
        con.close()


def plain_csv(paths: Sequence[str], spec: TableSpec, *, workers: int) -> PlainCsv | None:
    """The plan for reading ``paths`` on the fast path, or None when they are not plain."""
    if (
        not paths
        or spec.encoding.lower().replace("-", "").replace("_", "") != "utf8"
        or len(spec.delimiter) != 1
        or spec.delimiter in "\"\r\n"
        or _quotes_delimiters(paths[0], spec.delimiter)
    ):
        return None
    ranges: list[tuple[str, int, int]] = []
    first_header: bytes | None = None
    for path in paths:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            start = 0
            if spec.header:
                header = fh.readline(_LINE_LIMIT)
                if header.count(b'"') % 2 or not header.endswith(b"\n"):
                    return None  # a header cell with a line break in it, or no data rows
                if first_header is None:
                    first_header = header.rstrip(b"\r\n")
                elif header.rstrip(b"\r\n") != first_header:
                    return None  # DuckDB unites differing files by column name
                start = fh.tell()
            pieces = max(1, min(workers, (size - start) // MIN_RANGE_BYTES))
            cuts = [start]
            for k in range(1, pieces):
                fh.seek(start + (size - start) * k // pieces)
                while (line := fh.readline(_LINE_LIMIT)) and not line.endswith(b"\n"):
                    pass  # to the next line start, however long the line
                cuts.append(max(fh.tell(), cuts[-1]))
            cuts.append(size)
        ranges += [(path, a, b) for a, b in itertools.pairwise(cuts) if b > a]
    sniffed: Future[tuple[list[str], list[str]]] = Future()
    threading.Thread(target=_sniff_columns, args=(paths[0], spec, sniffed),
                     name="modelyard-csv-sniff", daemon=True).start()
    return PlainCsv(delimiter=spec.delimiter, ranges=ranges, sniffed=sniffed)


def _sniff_columns(path: str, spec: TableSpec, out: Future[tuple[list[str], list[str]]]) -> None:
    """Set ``out`` to the file's (names, Arrow type names), or to :class:`Unsuitable`."""
    try:
        sniffed = _sniff(path, spec)
        if sniffed is None:
            raise Unsuitable("the sniffer found no columns")
        quote, escape, comment, columns = sniffed
        if quote not in ('"', "(empty)") or escape not in ('"', "(empty)") or comment != "(empty)":
            raise Unsuitable(f"quote {quote}, escape {escape}, comment {comment}")
        names = [c["name"] for c in columns]
        types = [_TYPES.get(c["type"]) for c in columns]
        if len(names) < 2 or None in types:
            raise Unsuitable("a single column, or columns of other types: "
                             + ", ".join(sorted({c["type"] for c in columns} - set(_TYPES))))
        out.set_result((names, [str(t) for t in types]))
    except Unsuitable as e:
        out.set_exception(e)
    except Exception as e:  # noqa: BLE001 - DuckDB's own read says what is wrong with the file
        out.set_exception(Unsuitable(f"the sniffer: {e}"))


def _quotes_delimiters(path: str, delimiter: str) -> bool:
    """Whether the file's first MB has a quoted field holding the delimiter: such a file
    would fail the delimiter count only after a whole parse, so it goes to DuckDB at once."""
    import csv

    with open(path, "rb") as fh:
        sample = fh.read(_LINE_LIMIT)
    if b'"' not in sample:
        return False
    text = sample[: sample.rfind(b"\n") + 1].decode("utf-8", errors="replace")
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in rows:
            if any(delimiter in field for field in row):
                return True
    except csv.Error:  # the sample ends inside a quoted field
        pass
    return False


class _Range(io.RawIOBase):
    """Bytes [start, end) of a file, counting the delimiters and double quotes read."""

    def __init__(self, path: str, start: int, end: int, delimiter: int) -> None:
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
        self._file.seek(start)
        self._left = end - start
        self._delimiter = delimiter
        self.delimiters = 0
        self.quotes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        import numpy as np

        view = memoryview(buffer).cast("B")
        n = self._file.readinto(view[: min(len(view), self._left)]) or 0
        self._left -= n
        data = np.frombuffer(view, dtype=np.uint8, count=n)  # numpy counts ~15x faster
        self.delimiters += int(np.count_nonzero(data == self._delimiter))
        self.quotes += int(np.count_nonzero(data == _QUOTE))
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


def plain_csv_batches(plan: PlainCsv, *, batch_rows: int, workers: int) -> Iterator[Chunk]:
    """The files' rows in chunks of the plan's types: the table's first rows first (a
    histogram's grid starts from the first chunk folded, as DuckDB's does), then the others
    as the threads parse them.

    Raises:
        Unsuitable: the files are not as plain as the sniffer's sample said.
    """
    ranges: queue.SimpleQueue[tuple[int, tuple[str, int, int]]] = queue.SimpleQueue()
    for i, r in enumerate(plan.ranges):
        ranges.put((i, r))
    threads = min(workers, len(plan.ranges))
    ready: queue.Queue[Any] = queue.Queue(maxsize=threads)
    stop = threading.Event()
    first_out = threading.Event()  # the first range's first chunk is in the queue
    done = object()

    def put(item: Any) -> bool:
        while not first_out.wait(0.1):
            if stop.is_set():
                return False
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def parse() -> None:
        item: Any = done
        try:
            while not stop.is_set():
                try:
                    index, (path, start, end) = ranges.get_nowait()
                except queue.Empty:
                    break
                for batch in _read_range(plan, path, start, end, batch_rows):
                    if index == 0 and not first_out.is_set():
                        ready.put(batch)  # nothing else is queued before it
                        first_out.set()
                    elif not put(batch):
                        return
                first_out.set()
        except BaseException as e:  # noqa: BLE001 - handed to the consuming thread
            item = e
        first_out.set()
        put(item)

    pool = [threading.Thread(target=parse, name=f"modelyard-csv-{i}", daemon=True)
            for i in range(threads)]
    for t in pool:
        t.start()
    try:
        finished = 0
        while finished < threads:
            item = ready.get()
            if item is done:
                finished += 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()
        for t in pool:
            t.join()


def _read_range(plan: PlainCsv, path: str, start: int, end: int,
                batch_rows: int) -> Iterator[Chunk]:
    import pandas as pd

    raw = _Range(path, start, end, plan.delimiter.encode()[0])
    rows = 0
    try:
        with io.BufferedReader(raw, 1 << 20) as stream:
            chunks = pd.read_csv(  # columns by position: the sniffer names them meanwhile
                stream, header=None, sep=plan.delimiter, quotechar='"',
                doublequote=True, keep_default_na=False, na_values=[""], chunksize=batch_rows,
                engine="c", encoding="utf-8",
            )
            for frame in chunks:
                rows += len(frame)
                yield _to_chunk(plan, frame)
    except (ValueError, UnicodeDecodeError) as e:  # pandas' ParserError is a ValueError
        raise Unsuitable(f"pandas: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from e
    if raw.quotes % 2:
        raise Unsuitable("a range ends inside a quoted field")
    if raw.delimiters != rows * (len(plan.columns()[0]) - 1):
        raise Unsuitable("rows with missing fields, or delimiters inside quoted fields")


class Chunk:
    """Rows of the table as the column folds take them: an Arrow array per column, or for a
    float column its float64 values with NaN where a value is missing (no Arrow copy)."""

    __slots__ = ("columns", "num_rows")

    def __init__(self, columns: list[pa.Array | np.ndarray], num_rows: int) -> None:
        self.columns = columns
        self.num_rows = num_rows

    def column(self, i: int) -> pa.Array | np.ndarray:
        return self.columns[i]


def _to_chunk(plan: PlainCsv, frame: pd.DataFrame) -> Chunk:
    names, types = plan.columns()
    if frame.shape[1] != len(names):
        raise Unsuitable(f"rows of {frame.shape[1]} fields, not {len(names)}")
    columns = [
        _to_array(series, kind, name)
        for (_, series), kind, name in zip(frame.items(), types, names, strict=True)
    ]
    return Chunk(columns, len(frame))


def _to_array(series: pd.Series, kind: str, name: str) -> pa.Array | np.ndarray:
    import numpy as np
    import pyarrow as pa

    dtype = series.dtype
    if dtype.kind == "f" and kind != "double":
        values = series.to_numpy()
        gaps = np.isnan(values)
        if gaps.all():  # an all-missing chunk reads as floats whatever the column holds
            return pa.nulls(len(values), pa.type_for_alias(kind))
        if kind == "int64":
            return _gapped_ints(values, gaps, name)
        raise Unsuitable(f"column {name!r} holds numbers in a chunk")
    if kind == "double":
        if dtype.kind not in "fiu":
            raise Unsuitable(f"column {name!r} holds text in a chunk")
        return series.to_numpy(dtype="float64")
    if kind == "int64":
        if dtype.kind != "i":  # uint64: values beyond int64
            raise Unsuitable(f"column {name!r} holds non-integers in a chunk")
        return pa.array(series.to_numpy(dtype="int64"))
    if kind == "bool":
        try:
            return pa.array(series, type=pa.bool_(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise Unsuitable(f"column {name!r} holds non-booleans in a chunk") from e
    # text
    if dtype.kind in "biuf":
        raise Unsuitable(f"column {name!r} reads as numbers in a chunk")
    array = pa.array(series, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        raise Unsuitable(f"column {name!r} holds {array.type} in a chunk")
    return array


def _gapped_ints(values: np.ndarray, gaps: np.ndarray, name: str) -> pa.Array:
    """An integer column's chunk that pandas read as floats because some values are missing."""
    import numpy as np
    import pyarrow as pa

    present = values[~gaps]
    if not (np.abs(present) < _EXACT_INT).all():
        raise Unsuitable(f"column {name!r} holds integers beyond 2**53 or non-finite values")
    ints = np.where(gaps, 0.0, values).astype("int64")
    if (ints[~gaps] != present).any():
        raise Unsuitable(f"column {name!r} holds non-integers in a chunk")
    return pa.array(ints, mask=gaps)
