"""Scoring one mini-batch of a batch job: rows ``start:end`` of an Arrow table or a pandas
DataFrame, checked against the model's signature.

The fast path (the batch twin of the online worker's): when the signature is all ``double``
(or all ``float``) columns and the table holds each of them as integers or floats, a
mini-batch is copied straight from the Arrow columns into one NumPy array (a buffer reused
across mini-batches) instead of a DataFrame checked column by column; a plain scikit-learn
estimator whose fitted feature names are the signature's columns scores that array itself.
A mini-batch with a missing value (null or NaN) in a required column goes through the full
check, which raises the error naming the column and row. Everything else (other types,
other flavors' tables, a DataFrame input, no signature) takes the full path: the rows as a
DataFrame, :meth:`LoadedModel.predict` checking and casting them.
"""

from __future__ import annotations

import warnings
from typing import Any

from modelyard.errors import InvalidArgument

__all__ = ["Scorer", "native_estimator", "numeric_columns"]

#: scikit-learn estimators that select columns by name, so they need a DataFrame
_SKLEARN_NEEDS_FRAME = ("Pipeline", "ColumnTransformer", "FeatureUnion")
_DTYPES = {"double": "float64", "float": "float32"}


def numeric_columns(signature: Any) -> dict[str, str] | None:
    """Column -> NumPy dtype when the signature is all ``double`` or all ``float`` columns."""
    if signature is None or not signature.inputs or signature.is_tensor \
            or any(spec.name is None for spec in signature.inputs):
        return None
    types = {spec.type for spec in signature.inputs}
    if len(types) != 1 or next(iter(types)) not in _DTYPES:
        return None
    dtype = _DTYPES[next(iter(types))]
    return {str(name): dtype for name in signature.column_names}


def native_estimator(model: Any, columns: list[str]) -> Any | None:
    """The scikit-learn estimator when it can score a plain array of ``columns``."""
    if model.flavor != "sklearn":
        return None
    est = model.unwrap()
    names = {cls.__name__ for cls in type(est).__mro__}
    fitted = getattr(est, "feature_names_in_", None)
    if (type(est).__module__.startswith("sklearn.") and not names & set(_SKLEARN_NEEDS_FRAME)
            and (fitted is None or [str(n) for n in fitted] == columns)):
        return est
    return None


class Scorer:
    """Scores row ranges of one input table with one loaded model (one thread at a time:
    the fast path reuses one buffer; a pool process has its own copy).

    Args:
        model: a :class:`~modelyard.models.packaging.LoadedModel`.
        rows: a ``pyarrow.Table`` or a pandas DataFrame.

    Raises:
        InvalidArgument: the table lacks a column the signature requires.
    """

    def __init__(self, model: Any, rows: Any) -> None:
        self.model = model
        self.rows = rows
        self.arrow = not hasattr(rows, "iloc")
        signature = model.signature
        present = set(map(str, rows.column_names if self.arrow else rows.columns))
        if signature is not None and not signature.is_tensor:
            missing = [str(s.name) for s in signature.inputs if s.required and s.name is not None
                       and str(s.name) not in present]
            if missing:
                raise InvalidArgument(f"the input has no column {missing[0]!r}, which the model requires "
                                      f"(expected columns: {', '.join(signature.column_names)})",
                                      details={"column": missing[0]})
        numeric = numeric_columns(signature) if self.arrow else None
        self.columns: list[str] = []
        self.dtype = "float64"
        self.native: Any = None
        self.required: list[int] = []
        if numeric and all(_is_number(rows.schema, c) for c in numeric):
            self.columns = list(numeric)
            self.dtype = next(iter(numeric.values()))
            self.native = native_estimator(model, self.columns)
            self.required = [i for i, s in enumerate(signature.inputs) if s.required]
        self._buffer: Any = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (for a spawned pool process) as the model's folder and the rows."""
        return _rebuild, (str(self.model.folder), self.rows)

    @property
    def fast(self) -> bool:
        """True when mini-batches skip the per-column DataFrame checks."""
        return bool(self.columns)

    def __len__(self) -> int:
        return len(self.rows)

    def score(self, start: int, end: int) -> Any:
        """Predictions (a NumPy array) for rows ``start:end``.

        Raises:
            InvalidArgument: the rows do not match the signature (the message names the column).
            Exception: whatever the model raised.
        """
        import numpy as np

        if self.columns:
            array = self._numeric(start, end)
            if not (self.required and np.isnan(array[:, self.required]).any()):
                if self.native is not None:
                    with warnings.catch_warnings():
                        # the array's columns are the signature's, which are the fitted feature names
                        warnings.filterwarnings("ignore", message="X does not have valid feature names")
                        return np.asarray(self.native.predict(array))
                import pandas as pd

                return np.asarray(self.model.predict(pd.DataFrame(array.copy(), columns=self.columns), checked=True))
        return np.asarray(self.model.predict(self._frame(start, end)))

    def _frame(self, start: int, end: int) -> Any:
        if self.arrow:
            return self.rows.slice(start, end - start).to_pandas()
        return self.rows.iloc[start:end]

    def _numeric(self, start: int, end: int) -> Any:
        """Rows ``start:end`` of the signature's columns as one array (the reused buffer)."""
        import numpy as np

        n = end - start
        if self._buffer is None or len(self._buffer) < n:
            self._buffer = np.empty((n, len(self.columns)), dtype=self.dtype)
        array = self._buffer[:n]
        part = self.rows.slice(start, n)
        for j, name in enumerate(self.columns):
            offset = 0
            for chunk in part.column(name).chunks:
                size = len(chunk)
                array[offset:offset + size, j] = chunk.to_numpy(zero_copy_only=False)
                offset += size
        return array


def _rebuild(model_dir: str, rows: Any) -> Scorer:
    from modelyard.models.packaging import load_model_folder

    return Scorer(load_model_folder(model_dir), rows)


def _is_number(schema: Any, name: str) -> bool:
    """True when the Arrow schema has exactly one column ``name``, of integers or floats."""
    import pyarrow as pa

    index = schema.get_field_index(name)  # -1 when missing or not unique
    return index >= 0 and (pa.types.is_integer(schema.types[index]) or pa.types.is_floating(schema.types[index]))
