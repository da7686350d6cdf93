"""The model descriptor: the ``MLmodel`` YAML file at the root of every model folder.

It uses MLflow's layout, so folders written by MLflow read here and ours read in MLflow::

    artifact_path: model
    flavors:
      sklearn: {pickled_model: model.pkl, sklearn_version: 1.5.0, serialization_format: cloudpickle}
      python_function: {loader_module: mlflow.sklearn, model_path: model.pkl, python_version: 3.11.9}
    signature: {inputs: '[{"type": "double", "name": "x", "required": true}]', outputs: ...}
    saved_input_example_info: {artifact_path: input_example.json, type: dataframe, pandas_orient: split}
    model_uuid: 3f0c...
    run_id: 9a1b...
    utc_time_created: '2026-01-01 10:00:00.000000'
    modelyard_version: 0.1.0
    requirements: [scikit-learn==1.5.0, numpy==2.0.0]

Reading one never imports or unpickles anything: the server reads descriptors safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument, NotFound
from modelyard.models.signature import Signature

__all__ = ["DESCRIPTOR_FILE", "INPUT_EXAMPLE_FILE", "ModelDescriptor", "parse_descriptor", "read_descriptor"]

DESCRIPTOR_FILE = "MLmodel"
INPUT_EXAMPLE_FILE = "input_example.json"
#: flavor keys that describe how to load, in order of preference (python_function last)
_NATIVE_ORDER = ("modelyard_python", "python_model", "xgboost", "lightgbm", "sklearn", "onnx", "pytorch")


@dataclass(frozen=True, slots=True)
class ModelDescriptor:
    """The parsed ``MLmodel`` file.

    Attributes:
        flavors: flavor name -> its settings (file names, library versions).
        signature: the input/output signature, if any.
        input_example: the file name of the saved input example, if any.
        python_version: the Python that wrote the model.
        requirements: pip requirement lines for serving it.
        run_id: the run it was logged to, if any.
        extra: every other key of the file, kept as read.
    """

    flavors: dict[str, dict[str, Any]]
    signature: Signature | None = None
    input_example: str | None = None
    python_version: str | None = None
    requirements: tuple[str, ...] = ()
    run_id: str | None = None
    artifact_path: str | None = None
    model_uuid: str | None = None
    created: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def flavor(self) -> str:
        """The flavor used to load the model (native flavors first)."""
        for name in _NATIVE_ORDER:
            if name in self.flavors:
                return name
        if "python_function" in self.flavors:
            return "python_function"
        raise InvalidArgument(f"the model has no flavor Modelyard can load (it has {sorted(self.flavors)})")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        if self.artifact_path is not None:
            out["artifact_path"] = self.artifact_path
        out["flavors"] = self.flavors
        if self.model_uuid is not None:
            out["model_uuid"] = self.model_uuid
        if self.run_id is not None:
            out["run_id"] = self.run_id
        if self.signature is not None:
            out["signature"] = self.signature.to_dict()
        if self.input_example is not None:
            out["saved_input_example_info"] = {
                "artifact_path": self.input_example, "type": "dataframe", "pandas_orient": "split"}
        if self.created is not None:
            out["utc_time_created"] = self.created
        if self.python_version is not None:
            out["python_version"] = self.python_version
        out["requirements"] = list(self.requirements)
        return out

    def write(self, folder: Path) -> Path:
        import yaml

        path = Path(folder) / DESCRIPTOR_FILE
        path.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")
        return path


_KNOWN = {"flavors", "signature", "saved_input_example_info", "python_version", "requirements",
          "run_id", "artifact_path", "model_uuid", "utc_time_created"}


def parse_descriptor(text: str | bytes, *, folder: Path | None = None) -> ModelDescriptor:
    """Parse the text of an ``MLmodel`` file.

    Raises:
        InvalidArgument: it is not YAML or has no ``flavors``.
    """
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise InvalidArgument(f"the {DESCRIPTOR_FILE} file is not valid YAML: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("flavors"), dict) or not data["flavors"]:
        raise InvalidArgument(f"the {DESCRIPTOR_FILE} file names no flavors")
    signature = Signature.from_dict(data["signature"]) if isinstance(data.get("signature"), dict) else None
    example = data.get("saved_input_example_info") or {}
    flavors = {str(k): dict(v or {}) for k, v in data["flavors"].items()}
    python_version = data.get("python_version") or flavors.get("python_function", {}).get("python_version")
    requirements = tuple(str(r) for r in data.get("requirements") or ())
    if not requirements and folder is not None and (folder / "requirements.txt").is_file():
        lines = (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()
        requirements = tuple(ln.strip() for ln in lines if ln.strip() and not ln.startswith(("#", "-")))
    return ModelDescriptor(
        flavors=flavors,
        signature=signature,
        input_example=example.get("artifact_path") if isinstance(example, dict) else None,
        python_version=None if python_version is None else str(python_version),
        requirements=requirements,
        run_id=data.get("run_id"),
        artifact_path=data.get("artifact_path"),
        model_uuid=data.get("model_uuid"),
        created=None if data.get("utc_time_created") is None else str(data["utc_time_created"]),
        extra={k: v for k, v in data.items() if k not in _KNOWN},
    )


def read_descriptor(folder: str | Path) -> ModelDescriptor:
    """Read ``folder/MLmodel``.

    Raises:
        NotFound: the folder has no descriptor.
        InvalidArgument: the descriptor is malformed.
    """
    path = Path(folder) / DESCRIPTOR_FILE
    if not path.is_file():
        raise NotFound(f"{folder} is not a model folder: it has no {DESCRIPTOR_FILE} file")
    return parse_descriptor(path.read_bytes(), folder=Path(folder))
