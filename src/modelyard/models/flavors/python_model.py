"""The custom Python flavor: a :class:`~modelyard.models.python_model.PythonModel` pickled
with cloudpickle (its class by value unless it lives in an installed package) plus its
artifacts copied under ``artifacts/``."""

from __future__ import annotations

import inspect
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument
from modelyard.models.flavors.base import Flavor, SavedFlavor, library_version
from modelyard.models.python_model import PythonModel, PythonModelContext

__all__ = ["LoadedPythonModel", "PythonModelFlavor"]

_FILE = "python_model.pkl"


@dataclass
class LoadedPythonModel:
    """A loaded custom model and its context."""

    model: PythonModel
    context: PythonModelContext

    def predict(self, data: Any) -> Any:
        params = [p for p in inspect.signature(self.model.predict).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
        if len(params) == 1:
            return self.model.predict(data)
        return self.model.predict(self.context, data)


def _installed(module_name: str) -> bool:
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    if not path:
        return False
    roots = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    return any(str(Path(path).resolve()).startswith(str(Path(r).resolve())) for r in roots)


class PythonModelFlavor(Flavor):
    name = "modelyard_python"

    def accepts(self, model: Any) -> bool:
        return isinstance(model, PythonModel)

    def save(self, model: Any, folder: Path, *, artifacts: dict[str, str] | None = None,
             model_config: dict[str, Any] | None = None) -> SavedFlavor:
        import cloudpickle

        saved: dict[str, str] = {}
        for name, source in (artifacts or {}).items():
            src = Path(source)
            if not src.exists():
                raise InvalidArgument(f"artifact {name!r}: no such file or folder {src}")
            target = Path("artifacts") / name / src.name
            (folder / target).parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, folder / target)
            else:
                shutil.copy2(src, folder / target)
            saved[name] = target.as_posix()
        module_name = type(model).__module__
        by_value = module_name not in ("__main__", "builtins") and not _installed(module_name)
        if by_value:
            cloudpickle.register_pickle_by_value(sys.modules[module_name])
        try:
            with open(folder / _FILE, "wb") as fh:
                cloudpickle.dump(model, fh)
        finally:
            if by_value:
                cloudpickle.unregister_pickle_by_value(sys.modules[module_name])
        return SavedFlavor(
            conf={"python_model": _FILE, "artifacts": saved, "model_config": dict(model_config or {})},
            requirements=[f"cloudpickle=={library_version('cloudpickle')}"],
        )

    def load(self, folder: Path, conf: dict[str, Any]) -> Any:
        import pickle

        with open(folder / str(conf.get("python_model", _FILE)), "rb") as fh:
            model = pickle.load(fh)
        artifacts = {k: str((folder / v).resolve()) for k, v in (conf.get("artifacts") or {}).items()}
        context = PythonModelContext(artifacts=artifacts, model_config=dict(conf.get("model_config") or {}))
        try:
            model.load_context(context)
        except Exception as e:
            from modelyard.errors import UserCodeFailed

            raise UserCodeFailed(f"the model's load_context failed: {type(e).__name__}: {e}") from e
        return LoadedPythonModel(model=model, context=context)

    def predict(self, native: Any, data: Any) -> Any:
        return native.predict(data)
