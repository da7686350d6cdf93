"""Signature inference and enforcement: errors name the bad column and type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.errors import InvalidArgument
from modelyard.models.signature import ColSpec, Signature, enforce, infer_signature


def _sig() -> Signature:
    return infer_signature(pd.DataFrame({"age": [30, 40], "income": [1.5, 2.5], "city": ["a", "b"]}))


def test_inference_types_and_required() -> None:
    sig = infer_signature(pd.DataFrame({"n": [1, 2], "x": [1.0, np.nan], "s": ["a", None], "f": [True, False]}))
    assert sig.inputs == (ColSpec("long", "n", True), ColSpec("double", "x", False),
                          ColSpec("string", "s", False), ColSpec("boolean", "f", True))
    assert Signature.from_dict(sig.to_dict()) == sig


def test_enforce_reorders_casts_and_drops_extra() -> None:
    out = enforce(_sig(), {"columns": ["city", "income", "age", "extra"], "data": [["x", 3, 50, 0]]})
    assert list(out.columns) == ["age", "income", "city"]
    assert out["income"].dtype == np.float64 and out["age"].dtype == np.int64


@pytest.mark.parametrize(
    ("payload", "column", "words"),
    [
        ({"age": [1], "income": [1.0]}, "city", "missing required column"),
        ({"age": ["old"], "income": [1.0], "city": ["a"]}, "age", "expects type long"),
        ({"age": [1], "income": [float("nan")], "city": ["a"]}, "income", "missing value"),
        ({"age": [1], "income": [1.0], "city": [3]}, "city", "expects type string"),
        ({"age": [1.5], "income": [1.0], "city": ["a"]}, "age", "fractional"),
    ],
)
def test_bad_input_names_the_column(payload, column: str, words: str) -> None:
    with pytest.raises(InvalidArgument, match=words) as info:
        enforce(_sig(), payload)
    assert info.value.details["column"] == column and column in info.value.message


def test_empty_batch_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="empty"):
        enforce(_sig(), {"columns": ["age", "income", "city"], "data": []})


def test_tensor_signature_checks_shape() -> None:
    sig = infer_signature(np.zeros((2, 4)))
    assert enforce(sig, [[1, 2, 3, 4]]).shape == (1, 4)
    with pytest.raises(InvalidArgument, match="shape"):
        enforce(sig, [[1, 2, 3]])


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_valid_doubles_always_pass_unchanged(values: list[float]) -> None:
    sig = Signature(inputs=(ColSpec("double", "x"),))
    out = enforce(sig, {"x": values})
    assert out["x"].tolist() == values


def test_string_predictions_are_a_string_column() -> None:
    inputs = pd.DataFrame({"petal_length": [1.4, 5.1]})
    for labels in (np.array(["setosa", "virginica"], dtype=object), np.array(["setosa", "virginica"])):
        sig = infer_signature(inputs, labels)
        assert [(c.type, c.name) for c in sig.outputs] == [("string", None)]
