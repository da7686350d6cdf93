"""Write a model folder (:func:`save_model`) and load one (:func:`load_model_folder`).

Loading runs the flavor's loader, which may unpickle: call it only in a client, a
deployment worker or a job, never in the server process.

Example::

    save_model(pipeline, "out/model", input_example=X.head())
    model = load_model_folder("out/model")
    model.predict(X)
"""

from __future__ import annotations

import json
import platform
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelyard.errors import AlreadyExists, InvalidArgument, UserCodeFailed
from modelyard.models.descriptor import INPUT_EXAMPLE_FILE, ModelDescriptor, read_descriptor
from modelyard.models.signature import Signature, enforce, infer_signature

__all__ = ["LoadedModel", "load_model_folder", "save_model"]


class LoadedModel:
    """A loaded model: ``predict`` checks the input against the signature, then scores.

    Attributes:
        descriptor: the parsed ``MLmodel`` file.
        folder: where the model's files are.
        flavor: the flavor name used to load it.
    """

    def __init__(self, folder: Path, descriptor: ModelDescriptor) -> None:
        from modelyard.models.flavors import get_flavor

        self.folder = folder
        self.descriptor = descriptor
        self.flavor = descriptor.flavor
        self._flavor = get_flavor(self.flavor)
        self._native = self._flavor.load(folder, descriptor.flavors[self.flavor])

    @property
    def signature(self) -> Signature | None:
        return self.descriptor.signature

    def __repr__(self) -> str:
        return f"LoadedModel(flavor={self.flavor!r}, folder={str(self.folder)!r})"

    def unwrap(self) -> Any:
        """The native model object (a scikit-learn estimator, a Booster...)."""
        native = self._native
        return getattr(native, "model", native) if self.flavor == "modelyard_python" else native

    def prepare(self, data: Any) -> Any:
        """Check and cast ``data`` against the signature (InvalidArgument naming the column)."""
        return enforce(self.signature, data)

    def predict(self, data: Any, *, checked: bool = False) -> Any:
        """Predictions for ``data`` (a DataFrame, a dict of columns, records or an array).

        Raises:
            InvalidArgument: the data does not match the signature.
            UserCodeFailed: a custom model's ``predict`` raised.
        """
        frame = data if checked else self.prepare(data)
        try:
            return self._flavor.predict(self._native, frame)
        except Exception as e:
            if self.flavor == "modelyard_python":
                raise UserCodeFailed(f"the model's predict failed: {type(e).__name__}: {e}") from e
            raise


def _example_frame(example: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(example, pd.DataFrame | np.ndarray):
        return example
    if isinstance(example, dict | list):
        return pd.DataFrame(example)
    return np.asarray(example)


def _write_example(folder: Path, example: Any) -> str:
    import numpy as np
    import pandas as pd

    if isinstance(example, np.ndarray):
        body: Any = {"inputs": example.tolist()}
    else:
        frame = example if isinstance(example, pd.DataFrame) else pd.DataFrame(example)
        body = json.loads(frame.to_json(orient="split", index=False, date_format="iso"))
    (folder / INPUT_EXAMPLE_FILE).write_text(json.dumps(body), encoding="utf-8")
    return INPUT_EXAMPLE_FILE


def save_model(
    model: Any,
    path: str | Path,
    *,
    signature: Signature | None = None,
    input_example: Any = None,
    artifacts: dict[str, str] | None = None,
    model_config: dict[str, Any] | None = None,
    requirements: list[str] | None = None,
    run_id: str | None = None,
    artifact_path: str | None = None,
) -> ModelDescriptor:
    """Write ``model`` into a new folder ``path`` with its ``MLmodel`` descriptor.

    The signature is inferred from ``input_example`` (and the model's predictions on it)
    when not given.

    Raises:
        AlreadyExists: ``path`` exists and is not empty.
        InvalidArgument: no flavor accepts the model, or a bad example/artifact.
    """
    from modelyard.models.flavors import flavor_for
    from modelyard.models.flavors.base import library_version
    from modelyard.models.flavors.python_model import PythonModelFlavor

    folder = Path(path)
    if folder.exists() and any(folder.iterdir()):
        raise AlreadyExists(f"{folder} exists and is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    flavor = flavor_for(model)
    if isinstance(flavor, PythonModelFlavor):
        saved = flavor.save(model, folder, artifacts=artifacts, model_config=model_config)
    elif artifacts:
        raise InvalidArgument("artifacts apply to yard.PythonModel models only")
    else:
        saved = flavor.save(model, folder)
    example_file = None
    if input_example is not None:
        example = _example_frame(input_example)
        example_file = _write_example(folder, example)
        if signature is None:
            output = None
            try:
                output = LoadedModel(folder, _descriptor(flavor.name, saved, None, None, [], run_id,
                                                         artifact_path)).predict(example, checked=True)
            except (UserCodeFailed, InvalidArgument):
                raise
            except Exception:  # noqa: BLE001 - the output side of the signature is optional
                output = None
            signature = infer_signature(example, output)
    python = platform.python_version()
    reqs = [f"modelyard=={_modelyard_version()}", *saved.requirements, *(requirements or [])]
    if (numpy := library_version("numpy")) and not any(r.startswith("numpy") for r in reqs):
        reqs.append(f"numpy=={numpy}")
    if (pandas := library_version("pandas")) and not any(r.startswith("pandas") for r in reqs):
        reqs.append(f"pandas=={pandas}")
    descriptor = _descriptor(flavor.name, saved, signature, example_file, reqs, run_id, artifact_path)
    descriptor.write(folder)
    (folder / "requirements.txt").write_text("\n".join(reqs) + "\n", encoding="utf-8")
    (folder / "python_env.yaml").write_text(
        f"python: {python}\nbuild_dependencies: [pip]\ndependencies: [-r requirements.txt]\n", encoding="utf-8")
    return descriptor


def _descriptor(name: str, saved: Any, signature: Signature | None, example: str | None,
                reqs: list[str], run_id: str | None, artifact_path: str | None) -> ModelDescriptor:
    python = platform.python_version()
    flavors: dict[str, dict[str, Any]] = {name: saved.conf}
    if saved.pyfunc is not None:
        flavors["python_function"] = {**saved.pyfunc, "python_version": python,
                                      "env": {"virtualenv": "python_env.yaml"}}
    return ModelDescriptor(
        flavors=flavors, signature=signature, input_example=example, python_version=python,
        requirements=tuple(reqs), run_id=run_id, artifact_path=artifact_path,
        model_uuid=uuid.uuid4().hex,
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
        extra={"modelyard_version": _modelyard_version()},
    )


def _modelyard_version() -> str:
    from modelyard.models.flavors.base import library_version

    return library_version("modelyard") or "0.0.0"


def load_model_folder(path: str | Path) -> LoadedModel:
    """Load the model in a local folder (ours or MLflow's sklearn/xgboost/lightgbm/onnx).

    Raises:
        NotFound: the folder has no ``MLmodel`` file.
        InvalidArgument: no flavor of it can be loaded here.
    """
    folder = Path(path)
    return LoadedModel(folder, read_descriptor(folder))
