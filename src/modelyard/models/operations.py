"""The SDK's ``ws.models`` operation group, and the work behind ``yard.log_model`` and
``yard.load_model``.

Example::

    import modelyard as yard

    ws = yard.Workspace()
    v = ws.models.create(name="churn", path="runs:/9a1b.../model")
    ws.models.set_alias("churn", "production", v.version)
    model = ws.models.load("models:/churn@production")
    model.predict(frame)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.backends import LazyStore
from modelyard.models.entities import ModelVersion, RegisteredModel

if TYPE_CHECKING:
    from modelyard.models.packaging import LoadedModel
    from modelyard.models.signature import Signature
    from modelyard.models.store import ModelStore

__all__ = ["ModelInfo", "ModelOperations", "log_model_to_run", "open_model_store"]


def open_model_store(workspace: Any) -> ModelStore:
    """The model store of a workspace: REST for a server URL, SQL for a folder."""
    location = workspace.location
    if location.is_remote:
        from modelyard.models.rest import RestModelStore

        return RestModelStore(location.url, token=workspace.settings.token)
    from modelyard.models.sql import SqlModelStore

    return SqlModelStore(location.store_url, workspace.artifact_store, tracking=workspace.tracking_store)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What ``yard.log_model`` logged.

    Attributes:
        model_uri: ``runs:/RUN_ID/NAME``, loadable with ``yard.load_model``.
        run_id / artifact_path: where it was logged.
        flavor: the flavor it was saved with.
        signature: the (given or inferred) signature.
        registered_version: the registry version, when ``registered_model_name`` was given.
    """

    model_uri: str
    run_id: str
    artifact_path: str
    flavor: str
    signature: Signature | None
    registered_version: ModelVersion | None = None


def log_model_to_run(
    run: Any,
    model: Any,
    *,
    name: str = "model",
    signature: Signature | None = None,
    input_example: Any = None,
    artifacts: Mapping[str, str] | None = None,
    model_config: Mapping[str, Any] | None = None,
    requirements: list[str] | None = None,
    registered_model_name: str | None = None,
) -> ModelInfo:
    """Save ``model`` into run ``run``'s artifacts under ``name`` (see ``yard.log_model``)."""
    from modelyard.models.packaging import save_model

    with tempfile.TemporaryDirectory(prefix="modelyard-model-") as tmp:
        folder = Path(tmp) / name.strip("/").rsplit("/", 1)[-1]
        descriptor = save_model(
            model, folder, signature=signature, input_example=input_example,
            artifacts=dict(artifacts) if artifacts else None,
            model_config=dict(model_config) if model_config else None,
            requirements=requirements, run_id=run.id, artifact_path=name,
        )
        run.log_artifacts(folder, name)
    uri = f"runs:/{run.id}/{name.strip('/')}"
    registered = None
    if registered_model_name:
        registered = run._ws.models.create(name=registered_model_name, path=uri)
    return ModelInfo(model_uri=uri, run_id=run.id, artifact_path=name, flavor=descriptor.flavor,
                     signature=descriptor.signature, registered_version=registered)


class ModelOperations:
    """Registered models of a workspace (``ws.models``)."""

    def __init__(self, workspace: Any) -> None:
        self._ws = workspace
        self._stores: LazyStore[ModelStore] = LazyStore(lambda: open_model_store(workspace))

    @property
    def store(self) -> ModelStore:
        """The underlying :class:`~modelyard.models.store.ModelStore`, opened on first use."""
        return self._stores.get()

    def _close(self) -> None:
        self._stores.close()

    def create(self, *, name: str, path: str | os.PathLike[str], description: str | None = None,
               tags: Mapping[str, str] | None = None) -> ModelVersion:
        """Register the next version of ``name`` from a local model folder or ``runs:/ID/PATH``.

        Example:
            >>> ws.models.create(name="churn", path="runs:/9a1b/model").version
            1
        """
        from modelyard.models.registry import register

        return register(self.store, name=name, path=str(path), description=description,
                        tags=dict(tags) if tags else None)

    def get(self, name: str, *, version: int | str | None = None, alias: str | None = None) -> ModelVersion:
        """A version by number, alias, or (neither) the latest. Raises NotFound."""
        if alias is not None:
            return self.store.get_version_by_alias(name, alias)
        return self.store.get_version(name, "latest" if version is None else version)

    def get_model(self, name: str) -> RegisteredModel:
        """The registered model (aliases, tags, latest version). Raises NotFound."""
        return self.store.get_model(name)

    def list(self, name: str | None = None, *, include_archived: bool = False) -> list[Any]:
        """All registered models, or the versions of ``name`` (newest first)."""
        if name is None:
            return self.store.list_models()
        return self.store.list_versions(name, include_archived=include_archived)

    def update(self, name: str, version: int | None = None, *, description: str | None = None,
               tags: Mapping[str, str] | None = None) -> Any:
        """Update a version's (or, without ``version``, the model's) description and tags."""
        if version is None:
            return self.store.update_model(name, description=description, tags=tags)
        return self.store.update_version(name, version, description=description, tags=tags)

    def archive(self, name: str, version: int, *, restore: bool = False) -> ModelVersion:
        """Archive (or restore) a version."""
        return self.store.set_archived(name, version, not restore)

    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` (e.g. ``production``) at a version."""
        self.store.set_alias(name, alias, version)

    def delete_alias(self, name: str, alias: str) -> None:
        self.store.delete_alias(name, alias)

    def delete(self, name: str) -> None:
        """Delete a model with all its versions."""
        self.store.delete_model(name)

    def download(self, name: str, version: int | str | None = None, *, dest: str | os.PathLike[str]) -> Path:
        """Copy a version's files into ``dest``; return the folder."""
        from modelyard.models.registry import fetch_version

        return fetch_version(self.store, self.get(name, version=version), Path(dest))

    def lineage(self, name: str, version: int | str) -> dict[str, Any]:
        """Where a version came from: its run, the run's job (if it was one) and the data
        versions the run read."""
        v = self.get(name, version=version)
        out: dict[str, Any] = {"model": v.uri, "source": v.source, "run": None, "data_inputs": []}
        if v.run_id:
            run = self._ws.tracking_store.get_run(v.run_id)
            out["run"] = {"id": run.id, "name": run.name, "kind": run.kind, "experiment_id": run.experiment_id}
            entries = self._ws.data.store.list_lineage(run_id=v.run_id)
            out["data_inputs"] = [f"{e.name}:{e.version}" for e in entries if str(e.direction) == "input"]
        return out

    def local_folder(self, uri: str, *, dest: str | os.PathLike[str] | None = None) -> Path:
        """A local folder holding the model a URI names (downloaded if needed)."""
        from modelyard.models.registry import fetch_model_folder

        needs_registry = uri.startswith("models:") or (":" in uri and not uri.startswith(("runs:", "file:", "/")))
        return fetch_model_folder(
            uri, models=self.store if needs_registry else None,
            tracking=self._ws.tracking_store if uri.startswith("runs:") else None,
            artifacts=self._ws.artifact_store if uri.startswith("runs:") else None, dest=dest)

    def load(self, uri: str) -> LoadedModel:
        """Load a model from ``runs:/ID/path``, ``models:/name/3``, ``models:/name@alias``,
        ``models:/name/latest`` or a local folder; the result has ``.predict(df)``."""
        from modelyard.models.packaging import load_model_folder

        return load_model_folder(self.local_folder(uri))
