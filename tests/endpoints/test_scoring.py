"""Request parsing and the micro-batcher, in-process."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pytest

from modelyard.endpoints.scoring import MicroBatcher, parse_payload, to_predictions
from modelyard.errors import InvalidArgument


def test_every_request_format_gives_the_same_frame() -> None:
    want = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    bodies = [
        b'{"input_data": {"columns": ["a", "b"], "data": [[1.0, "x"], [2.0, "y"]]}}',
        b'{"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, "x"], [2.0, "y"]]}}',
        b'{"dataframe_records": [{"a": 1.0, "b": "x"}, {"a": 2.0, "b": "y"}]}',
        b'{"inputs": {"a": [1.0, 2.0], "b": ["x", "y"]}}',
        b'{"input_data": [{"a": 1.0, "b": "x"}, {"a": 2.0, "b": "y"}]}',
    ]
    for body in bodies:
        pd.testing.assert_frame_equal(parse_payload(body), want)
    assert parse_payload(b'{"inputs": [[1, 2], [3, 4]]}').shape == (2, 2)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"other": 1}', b'{"dataframe_records": [1, 2]}',
                                  b'{"inputs": [[1, 2], [3]]}'])
def test_malformed_requests_are_invalid(body: bytes) -> None:
    with pytest.raises(InvalidArgument):
        parse_payload(body)


def test_predictions_are_json_ready() -> None:
    assert to_predictions(np.array([1, 2])) == [1, 2]
    assert to_predictions(pd.DataFrame({"p": [0.5]})) == [{"p": 0.5}]


def test_micro_batcher_gives_each_request_its_own_rows() -> None:
    calls: list[int] = []

    def predict(frame: pd.DataFrame) -> np.ndarray:
        calls.append(len(frame))
        return frame["x"].to_numpy() * 10

    async def scenario() -> list[list[float]]:
        batcher = MicroBatcher(predict, max_batch_size=64, max_wait_ms=5)
        frames = [pd.DataFrame({"x": [float(i), float(i) + 0.5]}) for i in range(20)]
        results = await asyncio.gather(*(batcher.submit(f) for f in frames))
        return [list(r) for r in results]

    results = asyncio.run(scenario())
    assert results == [[i * 10.0, i * 10.0 + 5.0] for i in range(20)]
    assert sum(calls) == 40 and len(calls) < 20  # concurrent requests were scored together


def test_micro_batcher_respects_the_batch_size_and_reports_errors() -> None:
    sizes: list[int] = []

    def predict(frame: pd.DataFrame) -> np.ndarray:
        sizes.append(len(frame))
        if (frame["x"] < 0).any():
            raise ValueError("negative")
        return frame["x"].to_numpy()

    async def scenario() -> list[object]:
        batcher = MicroBatcher(predict, max_batch_size=4, max_wait_ms=0)
        frames = [pd.DataFrame({"x": [1.0]}) for _ in range(9)]
        return await asyncio.gather(*(batcher.submit(f) for f in frames),
                                    batcher.submit(pd.DataFrame({"x": [-1.0]})), return_exceptions=True)

    results = asyncio.run(scenario())
    assert max(sizes) <= 4
    assert isinstance(results[-1], ValueError)
    assert sum(isinstance(r, np.ndarray) for r in results) >= 8
