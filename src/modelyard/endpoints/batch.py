"""Batch scoring: split a table into mini-batches, score them in parallel processes, retry
failed mini-batches, honour an error threshold, write predictions with row ids.

Runs inside a job (a batch endpoint's invocation is a command job running
``python -m modelyard.endpoints.batch``), never in the server::

    python -m modelyard.endpoints.batch --model-dir DIR --input data.csv --output out/ \
        --mini-batch-size 10000 --workers 4 --retries 2 --error-threshold 0 --format parquet

``--input`` is a CSV/Parquet/JSON-lines file or a folder of them (read in name order);
``--model`` (a model URI) may replace ``--model-dir`` inside a job of the workspace.
Output: ``predictions.parquet`` (or ``.csv``) with ``row_id`` and ``prediction`` columns,
plus ``summary.json``. Exit code 1 when more rows than the threshold failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from modelyard.errors import InvalidArgument, ModelyardError

__all__ = ["BatchResult", "main", "read_table", "score_table"]

logger = logging.getLogger(__name__)
_SUFFIXES = (".csv", ".parquet", ".pq", ".jsonl", ".json")
_IN_PROCESS_SECONDS = 1.0  # below this estimated scoring time, no process pool
_MODEL: list[Any] = []  # the model of one pool process (set by the pool initializer)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch scoring run did."""

    rows: int
    mini_batches: int
    failed_mini_batches: int
    failed_rows: int
    retries: int
    output: Path


def read_table(path: str | Path) -> Any:
    """A DataFrame from a CSV/Parquet/JSON-lines file or a folder of them."""
    import pandas as pd

    source = Path(path)
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES) \
        if source.is_dir() else [source]
    if not files or not files[0].exists():
        raise InvalidArgument(f"no CSV, Parquet or JSON-lines input at {source}")
    frames = []
    for f in files:
        suffix = f.suffix.lower()
        if suffix in (".parquet", ".pq"):
            frames.append(pd.read_parquet(f))
        elif suffix in (".jsonl", ".json"):
            frames.append(pd.read_json(f, lines=True))
        else:
            frames.append(_read_csv(f))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _read_csv(path: Path) -> Any:
    """pyarrow's multi-threaded CSV reader (several times faster than pandas'), keeping
    dates and times as text the way ``pandas.read_csv`` does; pandas if pyarrow fails."""
    import pandas as pd

    try:
        import pyarrow as pa
        import pyarrow.csv as pc

        table = pc.read_csv(path)
        temporal = [f.name for f in table.schema if pa.types.is_temporal(f.type)]
        if temporal:
            table = pc.read_csv(path, convert_options=pc.ConvertOptions(
                column_types={name: pa.string() for name in temporal}))
        return table.to_pandas()
    except (ImportError, ValueError, TypeError, OSError):
        logger.debug("pyarrow could not read %s; reading it with pandas", path, exc_info=True)
        return pd.read_csv(path)


class _InProcess:
    """An executor that scores in this process (for models too quick to be worth a pool)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        return _run_now(fn, *args)


def _run_now(fn: Any, *args: Any) -> Future[Any]:
    future: Future[Any] = Future()
    try:
        future.set_result(fn(*args))
    except Exception as e:  # noqa: BLE001 - kept in the future, counted as a failed mini-batch
        future.set_exception(e)
    return future


def _init(model_dir: str) -> None:
    from modelyard.models.packaging import load_model_folder

    if len(_MODEL) < 2 or _MODEL[1] != str(model_dir):
        _MODEL[:] = [load_model_folder(model_dir), str(model_dir)]


def _preload(model_dir: str) -> None:
    """Load the model (importing its library) while the input is read; errors surface later."""
    try:
        _init(model_dir)
    except Exception:  # score_table loads it again and reports the error
        logger.debug("preloading the model failed", exc_info=True)


def _score(frame: Any) -> Any:
    import numpy as np

    return np.asarray(_MODEL[0].predict(frame))


def score_table(model_dir: str | Path, frame: Any, output: str | Path, *, mini_batch_size: int = 10_000,
                workers: int = 2, retries: int = 2, error_threshold: int = 0,
                output_format: str = "parquet") -> BatchResult:
    """Score ``frame`` with the model in ``model_dir``; write predictions under ``output``.

    Raises:
        InvalidArgument: bad settings.
        ModelyardError: more than ``error_threshold`` rows failed (``-1``: never fail); the
            predictions of the other rows are written first.
    """
    import numpy as np
    import pandas as pd

    if mini_batch_size < 1 or workers < 1 or retries < 0:
        raise InvalidArgument("mini_batch_size and workers must be >= 1, retries >= 0")
    if output_format not in ("parquet", "csv"):
        raise InvalidArgument("output format: parquet or csv")
    bounds = [(s, min(s + mini_batch_size, len(frame))) for s in range(0, len(frame), mini_batch_size)]
    results: dict[int, Any] = {}
    errors: dict[int, str] = {}
    attempts = 0
    # score the first mini-batch here: when the whole table would take under a second at
    # that pace, starting worker processes (imports, model load) costs more than it saves
    probe: dict[int, Future[Any]] = {}
    pool: Any = _InProcess()
    if bounds:
        _init(str(model_dir))
        started = time.perf_counter()
        probe[0] = _run_now(_score, frame.iloc[bounds[0][0]:bounds[0][1]])
        pace = (time.perf_counter() - started) / max(1, bounds[0][1] - bounds[0][0])
        if workers > 1 and len(bounds) > 1 and pace * len(frame) > _IN_PROCESS_SECONDS:
            pool = ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(str(model_dir),))
    with pool:
        pending = list(range(1, len(bounds)))
        for attempt in range(retries + 1):
            futures: dict[int, Future[Any]] = {i: pool.submit(_score, frame.iloc[bounds[i][0]:bounds[i][1]])
                                               for i in pending}
            if attempt == 0:
                futures = {**probe, **futures}
            attempts += len(futures) if attempt else 0
            pending = []
            for i, fut in futures.items():
                try:
                    results[i] = fut.result()
                    errors.pop(i, None)
                except Exception as e:  # noqa: BLE001 - a failed mini-batch is retried, then counted
                    errors[i] = f"{type(e).__name__}: {e}"
                    pending.append(i)
            if not pending:
                break
    parts = []
    for i, (start, end) in enumerate(bounds):
        if i in results:
            pred = results[i]
            values = pred if pred.ndim == 1 else [list(r) for r in pred]
            parts.append(pd.DataFrame({"row_id": np.arange(start, end), "prediction": values}))
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"row_id": [], "prediction": []})
    target = out / f"predictions.{output_format}"
    if output_format == "parquet":
        table.to_parquet(target, index=False)
    else:
        _write_csv(table, target)
    failed_rows = sum(bounds[i][1] - bounds[i][0] for i in errors)
    result = BatchResult(rows=len(frame), mini_batches=len(bounds), failed_mini_batches=len(errors),
                         failed_rows=failed_rows, retries=attempts, output=target)
    (out / "summary.json").write_text(json.dumps({
        "rows": result.rows, "mini_batches": result.mini_batches, "failed_mini_batches": result.failed_mini_batches,
        "failed_rows": failed_rows, "retried_mini_batches": attempts,
        "errors": {str(bounds[i]): msg for i, msg in errors.items()}}, indent=2))
    if error_threshold >= 0 and failed_rows > error_threshold:
        first = next(iter(errors.values()))
        raise ModelyardError(f"{failed_rows} rows in {len(errors)} mini-batches failed (threshold "
                             f"{error_threshold}); first error: {first}")
    return result


def _write_csv(table: Any, target: Path) -> None:
    """pyarrow's CSV writer for plain columns (much faster); pandas for lists and objects."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pc

        arrow = pa.Table.from_pandas(table, preserve_index=False)
        if all(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_string(t)
               or pa.types.is_large_string(t) for t in arrow.schema.types):
            pc.write_csv(arrow, target, write_options=pc.WriteOptions(quoting_style="needed"))
            return
    except (ImportError, ValueError, TypeError, NotImplementedError):
        logger.debug("pyarrow could not write %s; writing it with pandas", target, exc_info=True)
    table.to_csv(target, index=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="modelyard-batch-score")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--model-dir")
    group.add_argument("--model", help="a model URI, loaded from the job's workspace")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--mini-batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--retries", type=int, default=2)
    parser.add_argument("--error-threshold", type=int, default=0)
    parser.add_argument("--format", default="parquet")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        model_dir = args.model_dir
        if model_dir is None:
            from modelyard.sdk.fluent import get_workspace

            model_dir = str(get_workspace().models.local_folder(args.model))
        import threading

        loader = threading.Thread(target=_preload, args=(str(model_dir),), daemon=True)
        loader.start()  # the model's imports overlap reading the input (pyarrow frees the GIL)
        table = read_table(args.input)
        loader.join()
        result = score_table(model_dir, table, args.output, mini_batch_size=args.mini_batch_size,
                             workers=args.workers, retries=args.retries, error_threshold=args.error_threshold,
                             output_format=args.format)
    except ModelyardError as e:
        sys.stderr.write(f"batch scoring failed: {e.message}\n")
        sys.exit(1)
    sys.stderr.write(f"scored {result.rows} rows in {result.mini_batches} mini-batches -> {result.output}\n")


if __name__ == "__main__":  # pragma: no cover
    main()
