"""The flavor plug-in point: how one kind of model object is saved, loaded and called.

A flavor is a small class registered by name in :mod:`modelyard.models.flavors`. Adding one
touches one file (plus its line in the registry). Flavors import their library lazily, inside
the methods, so listing flavors stays cheap.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

__all__ = ["Flavor", "SavedFlavor", "library_version", "type_module"]


@dataclass(frozen=True, slots=True)
class SavedFlavor:
    """What :meth:`Flavor.save` wrote.

    Attributes:
        conf: the flavor's section of the descriptor.
        requirements: pip requirement lines for loading it.
        pyfunc: MLflow's ``python_function`` section, so MLflow can load the folder too
            (None when MLflow has no loader for it).
    """

    conf: dict[str, Any]
    requirements: list[str] = field(default_factory=list)
    pyfunc: dict[str, Any] | None = None


def library_version(module: str) -> str | None:
    """The installed version of a distribution or module, or None."""
    from importlib import metadata

    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        return None


def type_module(model: Any) -> str:
    """The module that defines the model's class (e.g. ``sklearn.pipeline``)."""
    return type(model).__module__ or ""


class Flavor(abc.ABC):
    """One model flavor. Subclasses set ``name`` and implement the four methods."""

    name: ClassVar[str]

    @abc.abstractmethod
    def accepts(self, model: Any) -> bool:
        """True if this flavor can save ``model`` (checked without importing its library)."""

    @abc.abstractmethod
    def save(self, model: Any, folder: Path) -> SavedFlavor:
        """Write the model's files into ``folder`` (which exists and is empty of them)."""

    @abc.abstractmethod
    def load(self, folder: Path, conf: dict[str, Any]) -> Any:
        """Return the native model object saved in ``folder`` with ``conf``."""

    def predict(self, native: Any, data: Any) -> Any:
        """Score ``data`` (a DataFrame or array already checked against the signature)."""
        return native.predict(data)
