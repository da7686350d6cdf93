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
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument, ModelyardError

__all__ = ["BatchResult", "main", "read_table", "score_table"]

logger = logging.getLogger(__name__)
_SUFFIXES = (".csv", ".parquet", ".pq", ".jsonl", ".json")
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
            frames.append(pd.read_csv(f))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _init(model_dir: str) -> None:
    from modelyard.models.packaging import load_model_folder

    _MODEL[:] = [load_model_folder(model_dir)]


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
    with ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(str(model_dir),)) as pool:
        pending = list(range(len(bounds)))
        for attempt in range(retries + 1):
            futures: dict[int, Future[Any]] = {i: pool.submit(_score, frame.iloc[bounds[i][0]:bounds[i][1]])
                                               for i in pending}
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
            values = list(pred) if pred.ndim == 1 else [list(r) for r in pred]
            parts.append(pd.DataFrame({"row_id": np.arange(start, end), "prediction": values}))
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"row_id": [], "prediction": []})
    target = out / f"predictions.{output_format}"
    if output_format == "parquet":
        table.to_parquet(target, index=False)
    else:
        table.to_csv(target, index=False)
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
        result = score_table(model_dir, read_table(args.input), args.output, mini_batch_size=args.mini_batch_size,
                             workers=args.workers, retries=args.retries, error_threshold=args.error_threshold,
                             output_format=args.format)
    except ModelyardError as e:
        sys.stderr.write(f"batch scoring failed: {e.message}\n")
        sys.exit(1)
    sys.stderr.write(f"scored {result.rows} rows in {result.mini_batches} mini-batches -> {result.output}\n")


if __name__ == "__main__":  # pragma: no cover
    main()
