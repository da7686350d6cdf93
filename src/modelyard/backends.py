"""Open stores from a URL or a path: the one place that maps a location to an implementation.

The SDK (embedded mode), the CLI and the server all build their stores here, so a new
backend is added in one function.

Example::

    store = open_tracking_store("sqlite:////home/me/.modelyard/workspace.db")
    remote = open_tracking_store("http://127.0.0.1:8200")
    artifacts = open_artifact_store("/home/me/.modelyard/artifacts")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore
    from modelyard.settings import Settings
    from modelyard.tracking.store import TrackingStore

__all__ = ["open_artifact_store", "open_tracking_store", "server_store_url"]

_SQL_SCHEMES = ("sqlite", "postgresql", "postgres")


def open_tracking_store(url: str, *, token: str | None = None) -> TrackingStore:
    """Open the tracking store named by ``url``.

    Args:
        url: ``sqlite:///path/workspace.db`` or ``postgresql[+psycopg]://...`` for the SQL
            store; ``http(s)://host:port`` for a Modelyard server.
        token: a bearer token for a server (ignored by SQL stores).

    Raises:
        InvalidArgument: the scheme is not supported.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("http", "https"):
        from modelyard.tracking.rest import RestTrackingStore

        return RestTrackingStore(url, token=token)
    if scheme.split("+", 1)[0] in _SQL_SCHEMES:
        from modelyard.tracking.sql import SqlTrackingStore

        return SqlTrackingStore(url)
    raise InvalidArgument(
        f"unsupported tracking store URL {url!r}: use sqlite:///..., postgresql://... "
        "or http(s)://host:port"
    )


def open_artifact_store(root: str | Path, *, token: str | None = None) -> ArtifactStore:
    """Open the artifact store rooted at ``root``.

    Args:
        root: a local folder path or ``file://`` URI (a local store), ``http(s)://`` (a
            Modelyard server's artifact routes) or ``s3://bucket/prefix``.
        token: a bearer token for a server.

    Raises:
        InvalidArgument: the scheme is not supported.
    """
    text = str(root)
    if isinstance(root, Path) or "://" not in text:
        from modelyard.artifacts.local import LocalArtifactStore

        return LocalArtifactStore(Path(text).expanduser())
    scheme = text.split("://", 1)[0].lower()
    if scheme == "file":
        from urllib.parse import unquote, urlparse

        from modelyard.artifacts.local import LocalArtifactStore

        parsed = urlparse(text)
        if parsed.netloc not in ("", "localhost"):
            raise InvalidArgument(f"file:// artifact roots must be local, got host {parsed.netloc!r}")
        return LocalArtifactStore(Path(unquote(parsed.path)))
    if scheme in ("http", "https"):
        from modelyard.artifacts.rest import RestArtifactStore

        return RestArtifactStore(text, token=token)
    if scheme == "s3":
        from modelyard.artifacts.s3 import S3ArtifactStore

        return S3ArtifactStore(text)
    raise InvalidArgument(
        f"unsupported artifact root {text!r}: use a local folder, file://, s3:// or http(s)://"
    )


def server_store_url(settings: Settings) -> str:
    """The database URL a server keeps its state in: ``--store-url``, else the workspace
    folder's SQLite file."""
    if settings.store_url is not None:
        return settings.store_url
    from modelyard.location import resolve_location

    return resolve_location(settings.workspace).store_url
