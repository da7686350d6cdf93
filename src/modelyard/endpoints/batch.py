"""Batch scoring: split a table into mini-batches, score them (in parallel processes when
the model is slow), retry failed mini-batches, honour an error threshold, write predictions
with row ids.

Runs inside a job (a batch endpoint's invocation is a command job running
``python -m modelyard.endpoints.batch``), never in the server::

    python -m modelyard.endpoints.batch --model-dir DIR --input data.csv --output out/ \
        --mini-batch-size 10000 --workers 4 --retries 2 --error-threshold 0 --format parquet

``--input`` is a CSV/Parquet/JSON-lines file or a folder of them (read in name order);
``--model`` (a model URI) may replace ``--model-dir`` inside a job of the workspace.
``--scoring-script score.py`` scores with a custom script instead of the model's flavor: it
is imported from ``--code`` (default: the job's working directory, where a batch
deployment's code snapshot is extracted), its ``init()`` runs once (the model's folder in
``AZUREML_MODEL_DIR`` / ``MODELYARD_MODEL_DIR``) and ``run(mini_batch)`` gets each
mini-batch as a pandas DataFrame and returns one prediction per row (a list, an array, a
Series, or a DataFrame: one column is the prediction, several are written as lists).
Output: ``predictions.parquet`` (or ``.csv``) with ``row_id`` and ``prediction`` columns,
plus ``summary.json`` (counts, the errors of failed mini-batches, and the time each stage
took). Exit code 1 when more rows than the threshold failed.

Where the time goes, and what keeps it short: the model (and its library's imports, the
longest part of a fresh process) loads in a thread while pyarrow reads the input in others;
mini-batches of a plain numeric model are copied from the Arrow columns into one reused
array (:mod:`~modelyard.endpoints.batch_scorer`); the first mini-batch is scored here, and
only a model slow enough to gain from it gets a pool of processes, forked after the model
and the table are loaded so that each scores its row ranges without copying the table.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from modelyard.endpoints.batch_io import read_input, write_predictions
from modelyard.errors import InvalidArgument, ModelyardError, UserCodeFailed

if TYPE_CHECKING:
    from modelyard.models.packaging import LoadedModel

__all__ = ["BatchResult", "ScriptModel", "main", "read_table", "score_table"]

logger = logging.getLogger(__name__)
_IN_PROCESS_SECONDS = 1.0  # below this estimated scoring time, no process pool
#: the scorer of one pool process, set by the pool's initializer in that process only
_POOL_SCORER: list[Any] = []


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
    """A DataFrame from a CSV/Parquet/JSON-lines file or a folder of them.

    Raises:
        InvalidArgument: no readable input at ``path``.
    """
    rows = read_input(path)
    return rows.to_pandas() if hasattr(rows, "to_pandas") else rows


class _Stages:
    """Wall and CPU seconds per stage, for ``summary.json``."""

    def __init__(self) -> None:
        self.seconds: dict[str, dict[str, float]] = {}
        self._mark = (time.perf_counter(), time.process_time())

    def lap(self, name: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self.seconds[name] = {"wall_s": round(now[0] - self._mark[0], 4), "cpu_s": round(now[1] - self._mark[1], 4)}
        self._mark = now


def score_table(model_dir: str | Path | LoadedModel, frame: Any, output: str | Path, *, mini_batch_size: int = 10_000,
                workers: int = 2, retries: int = 2, error_threshold: int = 0,
                output_format: str = "parquet") -> BatchResult:
    """Score ``frame`` with a model; write predictions under ``output``.

    Args:
        model_dir: the model's folder, or a loaded model (``load_model_folder``).
        frame: a pandas DataFrame or a ``pyarrow.Table``.
        output: the folder for ``predictions.<format>`` and ``summary.json``.
        mini_batch_size: rows per mini-batch (the unit of retries and failures).
        workers: processes that score in parallel when the model is slow enough to gain.
        retries: extra attempts for a failed mini-batch.
        error_threshold: failed rows allowed (``-1``: never fail).
        output_format: ``parquet`` or ``csv``.

    Raises:
        InvalidArgument: bad settings, or the input lacks a column the model requires.
        ModelyardError: more than ``error_threshold`` rows failed; the predictions of the
            other rows are written first.
    """
    return _score_table(model_dir, frame, Path(output), mini_batch_size=mini_batch_size, workers=workers,
                        retries=retries, error_threshold=error_threshold, output_format=output_format,
                        stages=_Stages())


def _score_table(model: str | Path | LoadedModel, rows: Any, out: Path, *, mini_batch_size: int, workers: int, retries: int,
                 error_threshold: int, output_format: str, stages: _Stages) -> BatchResult:
    from modelyard.endpoints.batch_scorer import Scorer

    if mini_batch_size < 1 or workers < 1 or retries < 0:
        raise InvalidArgument("mini_batch_size and workers must be >= 1, retries >= 0")
    if output_format not in ("parquet", "csv"):
        raise InvalidArgument("output format: parquet or csv")
    if isinstance(model, str | Path):
        from modelyard.models.packaging import load_model_folder

        model = load_model_folder(model)
    scorer = Scorer(model, rows)
    n = len(scorer)
    bounds = [(s, min(s + mini_batch_size, n)) for s in range(0, n, mini_batch_size)]
    run = _run(scorer, bounds, workers=workers, retries=retries)
    stages.lap("score")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"predictions.{output_format}"
    write_predictions([(*bounds[i], run.results[i]) for i in range(len(bounds)) if i in run.results], target,
                      output_format)
    stages.lap("write")
    errors = run.errors
    failed_rows = sum(bounds[i][1] - bounds[i][0] for i in errors)
    result = BatchResult(rows=n, mini_batches=len(bounds), failed_mini_batches=len(errors),
                         failed_rows=failed_rows, retries=run.retries, output=target)
    (out / "summary.json").write_text(json.dumps({
        "rows": result.rows, "mini_batches": result.mini_batches, "failed_mini_batches": result.failed_mini_batches,
        "failed_rows": failed_rows, "retried_mini_batches": run.retries, "fast_path": scorer.fast,
        "processes": run.processes, "errors": {str(bounds[i]): msg for i, msg in sorted(errors.items())},
        "stages": stages.seconds}, indent=2))
    if error_threshold >= 0 and failed_rows > error_threshold:
        first = errors[min(errors)]
        raise ModelyardError(f"{failed_rows} rows in {len(errors)} mini-batches failed (threshold "
                             f"{error_threshold}); first error: {first}")
    return result


@dataclass(slots=True)
class _Outcome:
    results: dict[int, Any]  # mini-batch -> predictions
    errors: dict[int, str]  # mini-batch -> the last error
    retries: int = 0  # retried attempts
    processes: int = 1  # 1: scored in this process; else the pool's size


def _run(scorer: Any, bounds: list[tuple[int, int]], *, workers: int, retries: int) -> _Outcome:
    """Score every mini-batch, retrying failed ones."""
    outcome = _Outcome(results={}, errors={})
    if not bounds:
        return outcome
    # score the first mini-batch here: when the whole table would take under a second at
    # that pace, starting worker processes costs more than it saves. The pace is this
    # thread's CPU time, so a busy machine (which stretches wall time) does not tip it.
    started = time.thread_time()
    first = _call(scorer.score, *bounds[0])
    pace = (time.thread_time() - started) / max(1, bounds[0][1] - bounds[0][0])
    pool: Any = _InProcess(scorer)
    if workers > 1 and len(bounds) > 1 and pace * len(scorer) > _IN_PROCESS_SECONDS:
        pool = _ProcessPool(scorer, workers)
        outcome.processes = workers
    with pool:
        pending = list(range(1, len(bounds)))
        for attempt in range(retries + 1):
            futures = {i: pool.submit(*bounds[i]) for i in pending}
            if attempt == 0:
                futures = {0: first, **futures}
            else:
                outcome.retries += len(futures)
            pending = []
            for i, fut in futures.items():
                try:
                    outcome.results[i] = fut.result()
                    outcome.errors.pop(i, None)
                except Exception as e:  # noqa: BLE001 - a failed mini-batch is retried, then counted
                    outcome.errors[i] = f"{type(e).__name__}: {e}"
                    pending.append(i)
            if not pending:
                break
    return outcome


def _call(fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """``fn(*args)`` now, its result or exception kept in a future."""
    future: Future[Any] = Future()
    try:
        future.set_result(fn(*args))
    except Exception as e:  # noqa: BLE001 - kept in the future, counted as a failed mini-batch
        future.set_exception(e)
    return future


class _InProcess:
    """Scores mini-batches in this process (for models too quick to be worth a pool)."""

    def __init__(self, scorer: Any) -> None:
        self.scorer = scorer

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, start: int, end: int) -> Future[Any]:
        return _call(self.scorer.score, start, end)


class _ProcessPool:
    """Scores mini-batches in worker processes that each hold the scorer (model and table).

    Forked where the platform can: the children start with the model loaded and the table
    in memory shared copy-on-write, and only row ranges and predictions cross processes.
    Elsewhere (spawn) each child gets the table once and loads the model itself.
    """

    def __init__(self, scorer: Any, workers: int) -> None:
        self.scorer, self.workers = scorer, workers
        self.pool = self._start()

    def _start(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context(method),
                                   initializer=_adopt, initargs=(self.scorer,))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, start: int, end: int) -> Future[Any]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.pool.submit(_score_in_pool, start, end)
        except BrokenProcessPool:  # a process died (killed, out of memory): retries get new ones
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = self._start()
            return self.pool.submit(_score_in_pool, start, end)


def _adopt(scorer: Any) -> None:
    _POOL_SCORER[:] = [scorer]


def _score_in_pool(start: int, end: int) -> Any:
    return _POOL_SCORER[0].score(start, end)


class _ModelLoader(threading.Thread):
    """Loads the model (importing its library) while the input is read: the imports hold
    the GIL, pyarrow's reader mostly does not, so on two cores they overlap."""

    def __init__(self, model_dir: str) -> None:
        super().__init__(name="batch-model-loader", daemon=True)
        self.model_dir = model_dir
        self.model: Any = None
        self.error: BaseException | None = None
        self.seconds: dict[str, float] = {}

    def run(self) -> None:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            from modelyard.models.packaging import load_model_folder

            self.model = load_model_folder(self.model_dir)
        except BaseException as e:  # noqa: BLE001 - re-raised by result() in the main thread
            self.error = e
        self.seconds = {"wall_s": round(time.perf_counter() - started, 4),
                        "thread_cpu_s": round(time.thread_time() - cpu, 4)}

    def result(self) -> Any:
        """The loaded model.

        Raises:
            ModelyardError: as ``load_model_folder`` raised it.
            UserCodeFailed: unpickling or the flavor's loader failed (a missing library...).
        """
        self.join()
        if isinstance(self.error, ModelyardError) or not isinstance(self.error, Exception | None):
            raise self.error
        if self.error is not None:
            raise UserCodeFailed(f"the model in {self.model_dir} cannot be loaded: "
                                 f"{type(self.error).__name__}: {self.error}") from self.error
        return self.model


class ScriptModel:
    """A custom scoring script in the place of a flavored model (see the module doc).

    Raises:
        InvalidArgument: the script is missing or has no ``run``.
        UserCodeFailed: importing it or its ``init()`` failed.
    """

    signature = None  # the script checks its own input

    def __init__(self, code: str | Path, script: str, model_dir: str | Path) -> None:
        from modelyard.endpoints.worker import import_scoring_script

        self.folder = Path(model_dir)
        self.script = script
        self.module = import_scoring_script(Path(code), script, self.folder)

    def predict(self, frame: Any) -> Any:
        """One prediction per row of ``frame``, from the script's ``run``.

        Raises:
            UserCodeFailed: ``run`` returned a different number of predictions.
        """
        import numpy as np
        import pandas as pd

        out = self.module.run(frame)
        if isinstance(out, pd.DataFrame):
            out = out.iloc[:, 0] if out.shape[1] == 1 else out.to_numpy()
        values = np.asarray(out)
        if values.ndim == 0 or len(values) != len(frame):
            got = "a single value" if values.ndim == 0 else f"{len(values)} predictions"
            raise UserCodeFailed(f"{self.script}: run() returned {got} for a mini-batch of {len(frame)} rows")
        return values


def _numeric_hint(model_dir: str) -> dict[str, str] | None:
    """The model's all-numeric input columns, read from its descriptor (imports nothing)."""
    from modelyard.endpoints.batch_scorer import numeric_columns
    from modelyard.models.descriptor import read_descriptor

    try:
        return numeric_columns(read_descriptor(Path(model_dir)).signature)
    except ModelyardError:
        return None  # loading the model reports it


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
    parser.add_argument("--scoring-script", help="a custom score.py (init(), run(mini_batch)) in --code")
    parser.add_argument("--code", default=".", help="the folder of --scoring-script")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    stages = _Stages()
    # no cyclic GC passes while the model's library imports (~8% of their CPU); then the
    # objects they made are frozen out of later passes (else the first full pass scans them)
    gc_was_on, freeze = gc.isenabled(), gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        model_dir = args.model_dir
        if model_dir is None:
            from modelyard.sdk.fluent import get_workspace

            model_dir = str(get_workspace().models.local_folder(args.model))
            stages.lap("resolve_model")
        if args.scoring_script:
            rows = read_input(args.input, numeric=None)
            stages.lap("read")
            model: Any = ScriptModel(args.code, args.scoring_script, model_dir)
        else:
            loader = _ModelLoader(str(model_dir))
            loader.start()
            try:
                rows = read_input(args.input, numeric=_numeric_hint(str(model_dir)))
            except BaseException:
                loader.join()  # no thread left loading behind a failed run
                raise
            stages.lap("read")
            model = loader.result()
            stages.seconds["load_model"] = loader.seconds
        if freeze:
            gc.freeze()
        if gc_was_on:
            gc.enable()
        stages.lap("wait_for_model")
        result = _score_table(model, rows, Path(args.output), mini_batch_size=args.mini_batch_size,
                              workers=args.workers, retries=args.retries, error_threshold=args.error_threshold,
                              output_format=args.format, stages=stages)
    except ModelyardError as e:
        sys.stderr.write(f"batch scoring failed: {e.message}\n")
        sys.exit(1)
    finally:
        if freeze:
            gc.unfreeze()
        if gc_was_on:
            gc.enable()
    sys.stderr.write(f"scored {result.rows} rows in {result.mini_batches} mini-batches -> {result.output}\n")


def _main_and_exit() -> None:
    """``main()`` as a process: once it is done (and atexit handlers have run, and no
    non-daemon thread is left), end with ``os._exit``, skipping the interpreter's teardown
    of every module the model imported (scikit-learn, SciPy, pandas: ~0.2 s of CPU that
    changes nothing for a finished job)."""
    import atexit
    import os

    try:
        main()
        code = 0
    except SystemExit as e:
        if e.code is not None and not isinstance(e.code, int):
            raise
        code = e.code or 0
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)  # let the interpreter wait for them
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    _main_and_exit()
