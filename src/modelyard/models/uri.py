"""Model URIs: ``runs:/RUN_ID/path``, ``models:/name/3``, ``models:/name@alias``,
``models:/name/latest``; also ``name:version`` / ``azureml:name:version`` in YAML specs, and
a local folder path.

Example::

    parse_model_uri("models:/churn@production")
    # ModelUri(kind='models', name='churn', alias='production')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelyard.errors import InvalidArgument

__all__ = ["ModelUri", "parse_model_uri"]

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}"
_MODELS = re.compile(rf"^models:/(?P<name>{_NAME})(?:/(?P<version>[0-9]+|latest)|@(?P<alias>[A-Za-z][A-Za-z0-9_-]*))/?$")
_RUNS = re.compile(r"^runs:/(?P<run>[A-Za-z0-9_-]+)(?:/(?P<path>.*))?$")
_SHORT = re.compile(rf"^(?:azureml:)?(?P<name>{_NAME}):(?P<version>[0-9]+|latest)$")


@dataclass(frozen=True, slots=True)
class ModelUri:
    """A parsed model URI.

    Attributes:
        kind: ``runs``, ``models`` or ``path``.
        run_id / path: for ``runs:/`` (path inside the run's artifacts) and local paths.
        name / version / alias: for ``models:/`` (version ``None`` with an alias).
    """

    kind: str
    run_id: str | None = None
    path: str | None = None
    name: str | None = None
    version: str | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.kind == "runs":
            return f"runs:/{self.run_id}/{self.path or ''}".rstrip("/")
        if self.kind == "models":
            return f"models:/{self.name}@{self.alias}" if self.alias else f"models:/{self.name}/{self.version}"
        return str(self.path)


def parse_model_uri(uri: str) -> ModelUri:
    """Parse a model URI.

    Raises:
        InvalidArgument: a ``runs:``/``models:`` URI that is malformed, or a path with ``..``
            inside a ``runs:`` URI.
    """
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidArgument("a model URI must be a non-empty string")
    uri = uri.strip()
    if uri.startswith("models:"):
        m = _MODELS.match(uri)
        if m is None:
            raise InvalidArgument(f"bad model URI {uri!r}: use models:/NAME/VERSION, models:/NAME/latest "
                                  "or models:/NAME@ALIAS")
        return ModelUri(kind="models", name=m["name"], version=m["version"], alias=m["alias"])
    if uri.startswith("runs:"):
        m = _RUNS.match(uri)
        if m is None:
            raise InvalidArgument(f"bad run model URI {uri!r}: use runs:/RUN_ID/PATH")
        path = (m["path"] or "").strip("/")
        if any(part in ("..", ".") for part in path.split("/")):
            raise InvalidArgument(f"bad run model URI {uri!r}: the path may not contain '..'")
        return ModelUri(kind="runs", run_id=m["run"], path=path)
    if uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return ModelUri(kind="path", path=unquote(urlparse(uri).path))
    m = _SHORT.match(uri)
    if m is not None and "/" not in uri:
        return ModelUri(kind="models", name=m["name"], version=m["version"])
    return ModelUri(kind="path", path=uri)
