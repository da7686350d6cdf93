"""Model signatures: what columns (or tensor) a model takes and returns.

A signature is inferred from an input example (a DataFrame, a dict of columns, a list of
records or a NumPy array) and stored in the model descriptor in MLflow's JSON form, so
MLflow-written signatures read too. :func:`enforce` checks a request against it and raises
:class:`~modelyard.errors.InvalidArgument` whose message names the bad column and type
(``details`` carries ``column`` and ``expected``).

Example::

    sig = infer_signature(train_df.head(), model.predict(train_df.head()))
    frame = enforce(sig, request_frame)       # cast, or InvalidArgument naming the column
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from modelyard.errors import InvalidArgument

__all__ = ["ColSpec", "Signature", "TensorSpec", "enforce", "infer_signature", "to_frame"]

#: signature type -> NumPy dtype used when casting
_NUMERIC = {"double": "float64", "float": "float32", "long": "int64", "integer": "int32"}
_TYPES = (*_NUMERIC, "boolean", "string", "binary", "datetime")


@dataclass(frozen=True, slots=True)
class ColSpec:
    """One named input or output column.

    Attributes:
        name: the column name (None for an unnamed single output).
        type: ``double``, ``float``, ``long``, ``integer``, ``boolean``, ``string``,
            ``binary`` or ``datetime``.
        required: False when the column may be missing or hold nulls/NaN.
    """

    type: str
    name: str | None = None
    required: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.name is not None:
            out["name"] = self.name
        out["required"] = self.required
        return out


@dataclass(frozen=True, slots=True)
class TensorSpec:
    """An unnamed array input: a dtype and a shape (-1 for any size)."""

    dtype: str
    shape: tuple[int, ...]
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "tensor", "tensor-spec": {"dtype": self.dtype, "shape": list(self.shape)}}
        if self.name is not None:
            out["name"] = self.name
        return out


Spec = ColSpec | TensorSpec


@dataclass(frozen=True, slots=True)
class Signature:
    """Inputs and (optionally) outputs of a model."""

    inputs: tuple[Spec, ...]
    outputs: tuple[Spec, ...] | None = None

    @property
    def is_tensor(self) -> bool:
        return bool(self.inputs) and isinstance(self.inputs[0], TensorSpec)

    @property
    def column_names(self) -> list[str]:
        return [s.name for s in self.inputs if isinstance(s, ColSpec) and s.name is not None]

    def to_dict(self) -> dict[str, str]:
        """MLflow's form: each side a JSON string."""
        out = {"inputs": json.dumps([s.to_dict() for s in self.inputs])}
        if self.outputs is not None:
            out["outputs"] = json.dumps([s.to_dict() for s in self.outputs])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Signature:
        """Read the descriptor form (sides as JSON strings or as lists)."""
        try:
            inputs = _specs(data.get("inputs"))
            outputs = _specs(data["outputs"]) if data.get("outputs") else None
        except (ValueError, KeyError, TypeError) as e:
            raise InvalidArgument(f"the model signature cannot be read: {e}") from e
        return cls(inputs=inputs or (), outputs=outputs)


def _specs(side: Any) -> tuple[Spec, ...]:
    if side is None:
        return ()
    items = json.loads(side) if isinstance(side, str) else side
    out: list[Spec] = []
    for item in items:
        if item.get("type") == "tensor":
            spec = item["tensor-spec"]
            out.append(TensorSpec(dtype=str(spec["dtype"]), shape=tuple(int(d) for d in spec["shape"]),
                                  name=item.get("name")))
        else:
            kind = str(item["type"])
            if kind not in _TYPES:
                raise ValueError(f"unknown column type {kind!r}")
            out.append(ColSpec(type=kind, name=item.get("name"), required=bool(item.get("required", True))))
    return tuple(out)


# ----------------------------------------------------------------------- inference
def _col_type(series: Any) -> str:
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "long" if dtype.itemsize >= 8 else "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "double" if dtype.itemsize >= 8 else "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    values = series.dropna()
    if len(values) and all(isinstance(v, bytes | bytearray) for v in values):
        return "binary"
    return "string"


def _frame_specs(frame: Any) -> tuple[ColSpec, ...]:
    return tuple(
        ColSpec(type=_col_type(frame[c]), name=str(c), required=not bool(frame[c].isna().any()))
        for c in frame.columns
    )


def _side(value: Any) -> tuple[Spec, ...]:
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return _frame_specs(value)
    if isinstance(value, pd.Series):
        return (ColSpec(type=_col_type(value), name=None if value.name is None else str(value.name)),)
    if isinstance(value, dict | list):
        return _frame_specs(pd.DataFrame(value))
    array = np.asarray(value)
    if array.dtype == object or array.dtype.kind in "US":
        # labels such as a classifier's string predictions: a column, or a table of them
        if array.ndim == 1:
            return (ColSpec(type=_col_type(pd.Series(array, dtype=object)), name=None),)
        if array.ndim == 2:
            return _frame_specs(pd.DataFrame(array, dtype=object))
        raise InvalidArgument("an input example must be a DataFrame, a dict, records or a numeric array")
    return (TensorSpec(dtype=str(array.dtype), shape=(-1, *array.shape[1:])),)


def infer_signature(model_input: Any, model_output: Any = None) -> Signature:
    """Infer a signature from an input example and, optionally, the model's output on it.

    A column with a missing value in the example is marked not required.
    """
    outputs = _side(model_output) if model_output is not None else None
    return Signature(inputs=_side(model_input), outputs=outputs)


# ---------------------------------------------------------------------- enforcement
def to_frame(data: Any) -> Any:
    """A DataFrame (or, for a plain array, the array) from the accepted request forms."""
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame | np.ndarray):
        return data
    if isinstance(data, dict) and "columns" in data and "data" in data:
        return pd.DataFrame(data["data"], columns=data["columns"])
    if isinstance(data, dict | list):
        try:
            return pd.DataFrame(data)
        except ValueError as e:
            raise InvalidArgument(f"the input is not a table: {e}") from e
    return data


def _bad(column: str, message: str, expected: str) -> InvalidArgument:
    return InvalidArgument(message, details={"column": column, "expected": expected})


def _cast_column(series: Any, spec: ColSpec) -> Any:
    import numpy as np
    import pandas as pd

    name, kind = str(spec.name), spec.type
    missing = series.isna()
    if spec.required and bool(missing.any()):
        row = int(np.flatnonzero(missing.to_numpy())[0])
        raise _bad(name, f"column {name!r} is required but has a missing value (null or NaN) at row {row}", kind)
    if kind in _NUMERIC:
        if pd.api.types.is_bool_dtype(series.dtype) or not (
            pd.api.types.is_numeric_dtype(series.dtype) or bool(missing.all())
        ):
            converted = pd.to_numeric(series, errors="coerce")
            bad = converted.isna() & ~missing
            if bool(bad.any()) or pd.api.types.is_bool_dtype(series.dtype):
                row = int(np.flatnonzero(bad.to_numpy())[0]) if bool(bad.any()) else 0
                raise _bad(name, f"column {name!r} expects type {kind} but row {row} holds "
                           f"{series.iloc[row]!r}", kind)
            series = converted
        target = _NUMERIC[kind]
        if kind in ("long", "integer"):
            if bool(missing.any()):
                return series.astype("float64")
            values = series.to_numpy()
            if values.dtype.kind == "f" and not np.all(np.mod(values, 1) == 0):
                raise _bad(name, f"column {name!r} expects type {kind} but holds fractional values", kind)
        return series.astype(target)
    if kind == "boolean":
        if not pd.api.types.is_bool_dtype(series.dtype) and not all(
            isinstance(v, bool | np.bool_) for v in series.dropna()
        ):
            raise _bad(name, f"column {name!r} expects type boolean", kind)
        return series
    if kind == "string":
        if not all(isinstance(v, str) for v in series.dropna()):
            raise _bad(name, f"column {name!r} expects type string", kind)
        return series
    if kind == "datetime":
        try:
            return pd.to_datetime(series)
        except (ValueError, TypeError) as e:
            raise _bad(name, f"column {name!r} expects type datetime: {e}", kind) from e
    return series


def enforce(signature: Signature | None, data: Any) -> Any:
    """Check ``data`` against the signature's inputs and return it in the expected form.

    Columns are reordered to the signature's order and cast to its types; extra columns
    are dropped. Without a signature the data passes through (as a DataFrame when it is
    table-shaped).

    Raises:
        InvalidArgument: an empty batch, a missing required column, a value of the wrong
            type or a null in a required column; the message names the column.
    """
    import numpy as np
    import pandas as pd

    frame = to_frame(data)
    if signature is None or not signature.inputs:
        if hasattr(frame, "__len__") and len(frame) == 0:
            raise InvalidArgument("the input batch is empty")
        return frame
    if signature.is_tensor:
        spec = signature.inputs[0]
        assert isinstance(spec, TensorSpec)
        try:
            array = np.asarray(frame.to_numpy() if isinstance(frame, pd.DataFrame) else frame, dtype=spec.dtype)
        except (ValueError, TypeError) as e:
            raise _bad("tensor", f"the input cannot be read as {spec.dtype}: {e}", spec.dtype) from e
        if array.ndim != len(spec.shape) or any(
            want not in (-1, got) for want, got in zip(spec.shape[1:], array.shape[1:], strict=False)
        ):
            raise _bad("tensor", f"the input has shape {list(array.shape)}, expected {list(spec.shape)}",
                       str(list(spec.shape)))
        if array.shape[0] == 0:
            raise InvalidArgument("the input batch is empty")
        return array
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(np.asarray(frame), columns=signature.column_names[: np.asarray(frame).shape[-1]])
    if len(frame) == 0:
        raise InvalidArgument("the input batch is empty")
    columns: dict[str, Any] = {}
    for spec in signature.inputs:
        assert isinstance(spec, ColSpec)
        name = str(spec.name)
        if name not in frame.columns:
            if spec.required:
                raise _bad(name, f"missing required column {name!r} (expected columns: "
                           f"{', '.join(signature.column_names)})", spec.type)
            continue
        columns[name] = _cast_column(frame[name], spec)
    return pd.DataFrame(columns, index=frame.index)
