"""Batch scoring input and output: read a CSV/Parquet/JSON-lines file (or a folder of them)
into an Arrow table, and write ``row_id``/``prediction`` parts as Parquet or CSV.

pyarrow does the work (its CSV reader is multi-threaded and releases the GIL, so a model
can load in another thread meanwhile); pandas is only a fallback for what pyarrow cannot
read or write (JSON lines, list or object predictions).

Example::

    table = read_input("data/", numeric={"x": "float64"})
    write_predictions([(0, 3, np.array([1, 0, 1]))], out / "predictions.csv", "csv")
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument

__all__ = ["SUFFIXES", "input_files", "read_input", "write_predictions"]

logger = logging.getLogger(__name__)
SUFFIXES = (".csv", ".parquet", ".pq", ".jsonl", ".json")


def input_files(path: str | Path) -> list[Path]:
    """The input files at ``path`` (a file, or a folder's matching files in name order).

    Raises:
        InvalidArgument: nothing readable there.
    """
    source = Path(path)
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES) \
        if source.is_dir() else [source]
    if not files or not files[0].is_file():
        raise InvalidArgument(f"no CSV, Parquet or JSON-lines input at {source}")
    return files


def read_input(path: str | Path, *, numeric: dict[str, str] | None = None) -> Any:
    """An Arrow table from a CSV/Parquet/JSON-lines file or a folder of them (a pandas
    DataFrame when the files do not combine into one Arrow table).

    Args:
        path: a file or a folder.
        numeric: column -> ``float64``/``float32`` when the model takes only those numeric
            columns: a CSV is then read as just those columns with those types (faster, no
            type guessing); a file that does not fit is read in full as usual, and the
            signature check later names the problem.
    """
    import pyarrow as pa

    tables = [_read_file(f, numeric) for f in input_files(path)]
    if len(tables) == 1:
        return tables[0]
    if all(isinstance(t, pa.Table) for t in tables):
        try:
            return pa.concat_tables(tables, promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            logger.debug("the input files do not combine as Arrow tables; using pandas", exc_info=True)
    import pandas as pd

    return pd.concat([t.to_pandas() if isinstance(t, pa.Table) else t for t in tables], ignore_index=True)


def _read_file(path: Path, numeric: dict[str, str] | None) -> Any:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.read_table(path)
        except (pa.ArrowException, OSError) as e:
            raise InvalidArgument(f"{path} cannot be read as Parquet: {e}") from e
    if suffix in (".jsonl", ".json"):
        import pandas as pd

        try:
            return pd.read_json(path, lines=True)
        except (ValueError, OSError) as e:
            raise InvalidArgument(f"{path} cannot be read as JSON lines: {e}") from e
    return _read_csv(path, numeric)


def _read_csv(path: Path, numeric: dict[str, str] | None) -> Any:
    """pyarrow's multi-threaded CSV reader, keeping dates and times as text the way
    ``pandas.read_csv`` does; pandas if pyarrow fails."""
    import pyarrow as pa
    import pyarrow.csv as pc

    if numeric:
        try:
            return pc.read_csv(path, convert_options=pc.ConvertOptions(
                include_columns=list(numeric), column_types={c: pa.type_for_alias(t) for c, t in numeric.items()}))
        except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError):
            logger.debug("%s is not all numeric in the model's columns; reading every column", path)
    try:
        table = pc.read_csv(path)
        temporal = [f.name for f in table.schema if pa.types.is_temporal(f.type)]
        if temporal:
            table = pc.read_csv(path, convert_options=pc.ConvertOptions(
                column_types={name: pa.string() for name in temporal}))
        return table
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError):
        logger.debug("pyarrow could not read %s; reading it with pandas", path, exc_info=True)
        import pandas as pd

        try:
            return pd.read_csv(path)
        except (ValueError, OSError) as e:
            raise InvalidArgument(f"{path} cannot be read as CSV: {e}") from e


def write_predictions(parts: list[tuple[int, int, Any]], target: Path, output_format: str) -> None:
    """Write ``(start, end, predictions)`` parts (in row order) as ``row_id``/``prediction``
    columns: pyarrow for plain columns (numbers, text), pandas for lists and objects."""
    import numpy as np
    import pyarrow as pa

    if parts and all(p.ndim == 1 for _, _, p in parts):
        try:
            prediction = pa.array(np.concatenate([p for _, _, p in parts]))
            kind = prediction.type
            if output_format == "parquet":
                import pyarrow.parquet as pq

                pq.write_table(pa.table({"row_id": _row_ids(parts), "prediction": prediction}), target)
                return
            if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_string(kind) \
                    or pa.types.is_large_string(kind):
                import pyarrow.csv as pc

                pc.write_csv(pa.table({"row_id": _row_ids(parts), "prediction": prediction}), target,
                             write_options=pc.WriteOptions(quoting_style="needed"))
                return
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            logger.debug("pyarrow could not write %s; writing it with pandas", target, exc_info=True)
    import pandas as pd

    frames = [pd.DataFrame({"row_id": np.arange(s, e), "prediction": p if p.ndim == 1 else [list(r) for r in p]})
              for s, e, p in parts]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"row_id": [], "prediction": []})
    if output_format == "parquet":
        table.to_parquet(target, index=False)
    else:
        table.to_csv(target, index=False)


def _row_ids(parts: list[tuple[int, int, Any]]) -> Any:
    import numpy as np

    return np.concatenate([np.arange(s, e) for s, e, _ in parts])
