"""The model registry interface. Its docstrings are the specification.

Implementations: :class:`modelyard.models.sql.SqlModelStore` (the workspace database plus its
artifact store) and :class:`modelyard.models.rest.RestModelStore` (a Modelyard server). One
contract suite (``tests/models/test_registry_contract.py``) runs against both.

Common rules:

* Every method is thread-safe.
* Model names match ``[A-Za-z0-9][A-Za-z0-9_.-]*`` (at most 255 characters); aliases match
  ``[A-Za-z][A-Za-z0-9_-]*`` and may not be ``latest``; versions are integers from 1, counted
  per model. Anything else raises :class:`~modelyard.errors.InvalidArgument`.
* A version's files are immutable; only its description, tags, aliases and archived flag
  change. Registering never unpickles or imports the model: only the ``MLmodel`` YAML is read.
* A failed create leaves nothing behind.
* Unknown names raise :class:`~modelyard.errors.NotFound`; backend failures
  :class:`~modelyard.errors.BackendUnavailable`.

Registering local files takes two steps (done by :func:`modelyard.models.registry.register`):
stage the files with :meth:`ModelStore.stage_file` under an upload id, then
:meth:`ModelStore.create_version` with that upload id.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

from modelyard.models.entities import ModelVersion, RegisteredModel
from modelyard.tracking.entities import ArtifactInfo

__all__ = ["ModelStore"]


class ModelStore(abc.ABC):
    """The registered models of one workspace."""

    # -------------------------------------------------------------------- models
    @abc.abstractmethod
    def create_model(
        self, name: str, *, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> RegisteredModel:
        """Create an empty registered model. Raises AlreadyExists, InvalidArgument."""

    @abc.abstractmethod
    def get_model(self, name: str) -> RegisteredModel:
        """Return a registered model. Raises NotFound."""

    @abc.abstractmethod
    def list_models(self) -> list[RegisteredModel]:
        """All registered models, by name."""

    @abc.abstractmethod
    def update_model(
        self, name: str, *, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> RegisteredModel:
        """Change the description and/or replace the tags. Raises NotFound."""

    @abc.abstractmethod
    def delete_model(self, name: str) -> None:
        """Delete a model, its versions, aliases and files. Raises NotFound."""

    # ------------------------------------------------------------------- uploads
    @abc.abstractmethod
    def stage_file(self, name: str, upload_id: str, path: str, chunks: Iterable[bytes]) -> int:
        """Store one file of a future version of model ``name``; return its size.

        ``upload_id`` is 32 hex characters the caller chose; ``path`` is relative to the
        model folder. Raises InvalidArgument for a bad name, id or path.
        """

    @abc.abstractmethod
    def discard_upload(self, name: str, upload_id: str) -> None:
        """Drop the files staged under an upload id (nothing happens if there are none)."""

    # ------------------------------------------------------------------ versions
    @abc.abstractmethod
    def create_version(
        self,
        name: str,
        *,
        source: str,
        upload_id: str | None = None,
        run_id: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Register the next version of ``name`` (creating the model if needed).

        The files are the staged upload ``upload_id``, or, without one, ``source`` must be
        ``runs:/RUN_ID/PATH``: the run's artifacts under PATH are copied in and ``run_id``
        is set from it. The folder must hold an ``MLmodel`` descriptor; its flavors and
        signature are recorded.

        Raises:
            NotFound: the run, its artifact path or the upload does not exist.
            InvalidArgument: bad name, no ``MLmodel`` file, a malformed one, or a source
                that is neither an upload nor a ``runs:/`` URI.
        """

    @abc.abstractmethod
    def get_version(self, name: str, version: int | str) -> ModelVersion:
        """Return version ``version`` (a number, or ``"latest"`` for the newest non-archived).

        Archived versions are returned when asked for by number. Raises NotFound.
        """

    @abc.abstractmethod
    def get_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """Return the version an alias points at. Raises NotFound."""

    @abc.abstractmethod
    def list_versions(self, name: str, *, include_archived: bool = False) -> list[ModelVersion]:
        """Versions of a model, newest first. Raises NotFound for an unknown model."""

    @abc.abstractmethod
    def list_versions_of_run(self, run_id: str) -> list[ModelVersion]:
        """Every version registered from run ``run_id`` (lineage), oldest first."""

    @abc.abstractmethod
    def update_version(
        self, name: str, version: int, *, description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Change a version's description and/or replace its tags. Raises NotFound."""

    @abc.abstractmethod
    def set_archived(self, name: str, version: int, archived: bool) -> ModelVersion:
        """Archive (or restore) a version. Raises NotFound."""

    @abc.abstractmethod
    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` at ``version`` (moving it if it pointed elsewhere).

        Raises NotFound (model or version), InvalidArgument (bad alias).
        """

    @abc.abstractmethod
    def delete_alias(self, name: str, alias: str) -> None:
        """Remove an alias. Raises NotFound."""

    # ------------------------------------------------------------------- content
    @abc.abstractmethod
    def list_files(self, name: str, version: int) -> list[ArtifactInfo]:
        """The files of a version, recursively, relative to the model folder. Raises NotFound."""

    @abc.abstractmethod
    def open_file(self, name: str, version: int, path: str) -> BinaryIO:
        """Open one file of a version for reading. Raises NotFound, InvalidArgument."""

    @abc.abstractmethod
    def local_path(self, name: str, version: int) -> Path | None:
        """The version's folder when this process can read it in place, else None."""

    def close(self) -> None:
        """Release connections."""
