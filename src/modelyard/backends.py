"""Open stores from a URL or a path: the one place that maps a location to an implementation.

The SDK (embedded mode), the CLI and the server all build their stores here, so a new
backend is added in one function.

Example::

    store = open_tracking_store("sqlite:////home/me/.modelyard/workspace.db")
    remote = open_tracking_store("http://127.0.0.1:8200")
    artifacts = open_artifact_store("/home/me/.modelyard/artifacts")
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore
    from modelyard.settings import Settings
    from modelyard.tracking.store import TrackingStore

__all__ = ["LazyStore", "open_artifact_store", "open_tracking_store", "server_store_url"]

_SQL_SCHEMES = ("sqlite", "postgresql", "postgres")

class _Closable(Protocol):
    def close(self) -> None: ...


S = TypeVar("S", bound=_Closable)


class LazyStore(Generic[S]):
    """A store opened on first use, once per process: a forked child opens its own instead
    of sharing the parent's connections. Thread-safe.

    Example::

        self._data = LazyStore(lambda: open_data_store(workspace))
        self._data.get().get_version("iris", "1")
    """

    def __init__(self, open_store: Callable[[], S]) -> None:
        self._open = open_store
        self._lock = threading.Lock()
        self._store: S | None = None
        self._pid = os.getpid()

    def get(self) -> S:
        if self._pid != os.getpid():
            self._store, self._pid = None, os.getpid()
        with self._lock:
            if self._store is None:
                self._store = self._open()
            return self._store

    def close(self) -> None:
        """Close the store if it was opened (the next ``get`` opens it again)."""
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()


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
