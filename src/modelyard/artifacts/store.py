"""The artifact store interface. Its docstrings are the specification.

An artifact store holds files under one root (a local folder now; S3 later). Callers name
files by *keys*: relative POSIX paths such as ``runs/<run_id>/model/model.pkl``. Every key
goes through :func:`modelyard.artifacts.paths.normalize_key` first, so ``..``, absolute
paths, drive letters, NUL bytes, backslashes and over-long names are rejected with
:class:`~modelyard.errors.InvalidArgument`, and nothing is ever read or written outside the
root (a symlink that leads out is rejected too).

Implementations: :class:`modelyard.artifacts.local.LocalArtifactStore`. Over HTTP, the
REST client in :mod:`modelyard.artifacts.rest` implements the same interface against the
server's ``/api/v1/runs/{id}/artifacts`` routes.

Rules:

* Thread-safe.
* Writes are atomic: a reader sees the old file or the whole new one, never a part.
* Reads and writes stream in chunks; memory use does not grow with the file size.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from modelyard.tracking.entities import ArtifactInfo

__all__ = ["ArtifactStore"]


class ArtifactStore(abc.ABC):
    @abc.abstractmethod
    def write(self, key: str, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> int:
        """Write a file from an iterable of byte chunks, atomically; return its size.

        Raises:
            InvalidArgument: the key is unsafe or names an existing folder.
            PayloadTooLarge: more than ``max_bytes`` arrived (nothing is kept).
        """

    def write_file(self, key: str, source: str | Path) -> int:
        """Copy a local file into the store (streamed)."""
        with open(source, "rb") as fh:
            return self.write(key, iter(lambda: fh.read(1024 * 1024), b""))

    def write_folder(self, prefix: str, source: str | Path) -> int:
        """Copy every file under a local folder to ``prefix/<relative path>``; return the count."""
        root = Path(source)
        count = 0
        for path in sorted(root.rglob("*")):
            if path.is_file():
                rel = path.relative_to(root).as_posix()
                self.write_file(f"{prefix}/{rel}" if prefix else rel, path)
                count += 1
        return count

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Open a file for streaming reads. Raises NotFound, InvalidArgument."""

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        with self.open(key) as fh:
            while chunk := fh.read(chunk_size):
                yield chunk

    @abc.abstractmethod
    def list(self, prefix: str, *, recursive: bool = False) -> list[ArtifactInfo]:
        """List the entries under a folder key; paths are relative to ``prefix``.

        A prefix that does not exist lists as empty. Raises InvalidArgument.
        """

    @abc.abstractmethod
    def info(self, key: str) -> ArtifactInfo | None:
        """Return the entry for a key (file or folder), or None if absent."""

    @abc.abstractmethod
    def delete(self, prefix: str) -> int:
        """Remove a file or a whole folder; return the number of bytes freed (0 if absent)."""

    def download(self, prefix: str, dest: str | Path) -> Path:
        """Copy a file or folder to a local destination folder; return the local path."""
        dest = Path(dest)
        info = self.info(prefix)
        if info is None:
            from modelyard.errors import NotFound

            raise NotFound(f"no artifact at {prefix!r}")
        name = prefix.rstrip("/").rsplit("/", 1)[-1]
        if not info.is_dir:
            dest.mkdir(parents=True, exist_ok=True)
            target = dest / name
            with open(target, "wb") as out:
                out.writelines(self.iter_chunks(prefix))
            return target
        target = dest / name
        for entry in self.list(prefix, recursive=True):
            if entry.is_dir:
                continue
            local = target / entry.path
            local.parent.mkdir(parents=True, exist_ok=True)
            with open(local, "wb") as out:
                out.writelines(self.iter_chunks(f"{prefix.rstrip('/')}/{entry.path}"))
        return target

    def close(self) -> None:
        """Release resources."""
