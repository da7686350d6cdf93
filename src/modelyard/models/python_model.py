"""``yard.PythonModel``: a custom model written in Python.

Subclass it, implement :meth:`PythonModel.predict` (and optionally
:meth:`PythonModel.load_context` to load files passed as ``artifacts``), and log it with
``yard.log_model(MyModel(), artifacts={"weights": "w.npy"})``.

Example::

    class AddN(yard.PythonModel):
        def load_context(self, context):
            self.n = float(open(context.artifacts["n"]).read())

        def predict(self, context, model_input):
            return model_input["x"] + self.n
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["PythonModel", "PythonModelContext"]


@dataclass(frozen=True, slots=True)
class PythonModelContext:
    """What :meth:`PythonModel.load_context` receives.

    Attributes:
        artifacts: artifact name -> absolute local path of the file or folder.
        model_config: the ``model_config`` mapping given to ``log_model``.
    """

    artifacts: dict[str, str] = field(default_factory=dict)
    model_config: dict[str, Any] = field(default_factory=dict)


class PythonModel:
    """Base class of custom Python models."""

    def load_context(self, context: PythonModelContext) -> None:
        """Load what the model needs (called once when the model is loaded)."""

    def predict(self, context: PythonModelContext, model_input: Any) -> Any:
        """Return predictions for ``model_input`` (a DataFrame checked against the signature)."""
        raise NotImplementedError("a PythonModel must implement predict(context, model_input)")
