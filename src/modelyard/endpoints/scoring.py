"""Scoring requests and responses: the accepted request formats, the JSON answer, and the
micro-batcher. Pure functions plus one asyncio class; used by deployment workers.

Accepted bodies (PRODUCT.md's scoring contract)::

    {"input_data": {"columns": [...], "data": [[...], ...]}}   # also input_data: [[...]] or {col: [...]}
    {"dataframe_split": {"columns": [...], "data": [[...]]}}   # MLflow
    {"dataframe_records": [{"a": 1, "b": 2}, ...]}              # MLflow
    {"inputs": [[...]] | {"col": [...]}}                        # MLflow tensors / columns
    {"instances": [...]}                                        # TF-serving style

The answer is ``{"predictions": [...]}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson

from modelyard.errors import InvalidArgument

__all__ = ["MicroBatcher", "numeric_rows", "parse_payload", "to_predictions"]

_KEYS = ("input_data", "dataframe_split", "dataframe_records", "inputs", "instances")


def parse_payload(body: bytes) -> Any:
    """The model input a request body carries (a DataFrame, or an array for tensors).

    Raises:
        InvalidArgument: not JSON, not one of the accepted forms, or not a table.
    """
    import numpy as np
    import pandas as pd

    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        import json

        try:  # the standard library also reads NaN and Infinity, as pandas and MLflow write them
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InvalidArgument(f"the request body is not valid JSON: {e}") from e
    if not isinstance(doc, dict) or not any(k in doc for k in _KEYS):
        raise InvalidArgument("the request body must be a JSON object with one of: " + ", ".join(_KEYS))
    key = next(k for k in _KEYS if k in doc)
    value = doc[key]
    try:
        if key in ("input_data", "dataframe_split") and isinstance(value, dict) and "data" in value:
            columns = value.get("columns")
            data = value["data"]
            if not isinstance(data, list):
                raise InvalidArgument(f"'{key}.data' must be a list of rows")
            if columns is None:
                return np.asarray(data)
            return pd.DataFrame(data, columns=columns)
        if key == "dataframe_records":
            if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
                raise InvalidArgument("'dataframe_records' must be a list of objects")
            return pd.DataFrame.from_records(value)
        if isinstance(value, dict):
            return pd.DataFrame({k: v if isinstance(v, list) else [v] for k, v in value.items()})
        if isinstance(value, list):
            if value and all(isinstance(r, dict) for r in value):
                return pd.DataFrame.from_records(value)
            array = np.asarray(value)
            if array.dtype == object:
                raise InvalidArgument(f"'{key}' rows must all have the same length and hold plain values")
            return array
    except ValueError as e:
        raise InvalidArgument(f"'{key}' is not a table: {e}") from e
    raise InvalidArgument(f"'{key}' must be a list of rows or an object of columns")


def numeric_rows(body: bytes, columns: list[str], dtype: str) -> Any | None:
    """The rows of a plain numeric request as one array, or None to take the full path.

    The fast path of a worker whose signature is all ``double`` (or all ``float``) columns:
    ``{"input_data"|"dataframe_split": {"columns": <exactly the signature's>, "data": [[...]]}}``
    with only numbers in it. Anything else (another form, other columns, booleans, nulls,
    strings, ragged rows, an empty batch) returns None, and :func:`parse_payload` plus the
    signature check give the answer or the error that names the problem.
    """
    import numpy as np

    if b"true" in body or b"false" in body or b"null" in body:
        return None
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or len(doc) != 1:
        return None
    value = doc.get("input_data", doc.get("dataframe_split"))
    if not isinstance(value, dict) or value.get("columns") != columns:
        return None
    data = value.get("data")
    if not isinstance(data, list) or not data:
        return None
    try:
        array = np.asarray(data)
    except ValueError:  # ragged rows
        return None
    if array.dtype.kind not in "fi" or array.ndim != 2 or array.shape[1] != len(columns):
        return None
    return array.astype(dtype, copy=False)


def to_predictions(result: Any) -> Any:
    """JSON-ready predictions: arrays to lists, frames to records."""
    import numpy as np
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        return result.to_dict(orient="records")
    if isinstance(result, pd.Series):
        return result.tolist()
    if isinstance(result, np.ndarray):
        return result.tolist()
    if isinstance(result, list | tuple):
        return list(result)
    return result


def _split(result: Any, sizes: list[int]) -> list[Any]:
    import numpy as np
    import pandas as pd

    out, start = [], 0
    for n in sizes:
        if isinstance(result, pd.DataFrame | pd.Series):
            out.append(result.iloc[start:start + n])
        else:
            out.append(np.asarray(result)[start:start + n])
        start += n
    return out


class MicroBatcher:
    """Groups concurrent requests into one ``predict`` call.

    Adaptive: a request that arrives while the model is idle is scored at once; requests
    that arrive while a batch is being scored are gathered (up to ``max_batch_size`` rows,
    waiting at most ``max_wait_ms`` for more once the queue is busy) and scored together.
    Each request gets back exactly its own rows' predictions, or the error of its batch.

    Args:
        predict: scores one DataFrame/array (runs in a worker thread).
        max_batch_size: most rows per call.
        max_wait_ms: longest extra wait for a batch to fill.
        inline_rows: a batch of at most this many rows is scored on the event loop itself
            (a thread hand-off costs more than scoring a few rows); bigger ones in a thread.
    """

    def __init__(self, predict: Callable[[Any], Any], *, max_batch_size: int, max_wait_ms: float,
                 inline_rows: int = 0) -> None:
        self._predict = predict
        self._inline_rows = inline_rows
        self._max_rows = max(1, int(max_batch_size))
        self._max_wait = max(0.0, float(max_wait_ms)) / 1000.0
        self._pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self._task: asyncio.Task[None] | None = None
        self._busy = False

    async def submit(self, frame: Any) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((frame, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return await future

    def _take(self) -> list[tuple[Any, asyncio.Future[Any]]]:
        batch, rows = [], 0
        while self._pending:
            n = len(self._pending[0][0])
            if batch and rows + n > self._max_rows:
                break
            batch.append(self._pending.pop(0))
            rows += n
        return batch

    async def _drain(self) -> None:
        import numpy as np
        import pandas as pd

        busy = False
        while self._pending:
            if busy and self._max_wait and sum(len(f) for f, _ in self._pending) < self._max_rows:
                await asyncio.sleep(self._max_wait)
            batch = self._take()
            frames = [f for f, _ in batch]
            sizes = [len(f) for f in frames]
            try:
                if len(frames) == 1:
                    merged = frames[0]
                elif any(isinstance(f, pd.DataFrame) for f in frames):  # arrays join by the frame's columns
                    columns = next(f.columns for f in frames if isinstance(f, pd.DataFrame))
                    merged = pd.concat([f if isinstance(f, pd.DataFrame) else pd.DataFrame(f, columns=columns)
                                        for f in frames], ignore_index=True)
                else:
                    merged = np.concatenate(frames)
                if sum(sizes) <= self._inline_rows:
                    result = self._predict(merged)
                else:
                    result = await asyncio.to_thread(self._predict, merged)
                parts = [result] if len(frames) == 1 else _split(result, sizes)
                for (_, fut), part in zip(batch, parts, strict=True):
                    if not fut.done():
                        fut.set_result(part)
            except Exception as e:  # noqa: BLE001 - handed to every request of the batch
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(e)
            busy = len(batch) > 1 or bool(self._pending)
