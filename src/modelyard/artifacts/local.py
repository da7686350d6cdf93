"""An artifact store on a local folder (the embedded workspace's ``artifacts/``).

Writes go to a hidden temporary file in the target's folder, are fsynced and then moved over
the target with :func:`os.replace`, so a reader sees the old file or the whole new one. Every
key is normalized by :mod:`modelyard.artifacts.paths` and then resolved: a key whose real
path (after following any symlink among its existing parts) leaves the root is refused.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from modelyard.artifacts._chunks import checked_chunks
from modelyard.artifacts.paths import normalize_key, normalize_prefix
from modelyard.artifacts.store import ArtifactStore
from modelyard.errors import BackendUnavailable, InvalidArgument, NotFound
from modelyard.tracking.entities import ArtifactInfo

__all__ = ["LocalArtifactStore"]

logger = logging.getLogger(__name__)

_TMP_PREFIX = ".modelyard-tmp-"


@contextlib.contextmanager
def _backend_errors(what: str) -> Iterator[None]:
    """Map OS errors: a name too long for the file system is the caller's; the rest (disk
    full, permissions...) are BackendUnavailable."""
    try:
        yield
    except OSError as e:
        if e.errno == errno.ENAMETOOLONG:
            raise InvalidArgument(
                f"artifact store: {what}: the path is too long for this file system"
            ) from e
        raise BackendUnavailable(f"artifact store: {what} failed: {e.strerror or e}") from e


class LocalArtifactStore(ArtifactStore):
    """Files under one local folder, created if missing.

    Example:
        >>> store = LocalArtifactStore(tmp_path / "artifacts")
        >>> store.write("model/weights.bin", [b"abc"])
        3
    """

    def __init__(self, root: str | Path) -> None:
        path = Path(root).expanduser()
        with _backend_errors(f"creating {path}"):
            path.mkdir(parents=True, exist_ok=True)
        self._root = Path(os.path.realpath(path))

    @property
    def root(self) -> Path:
        """The real (symlink-free) path of the store's folder."""
        return self._root

    def __repr__(self) -> str:
        return f"LocalArtifactStore({str(self._root)!r})"

    # ------------------------------------------------------------------ resolution
    def _inside(self, real: str) -> bool:
        root = str(self._root)
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    def _resolve(self, clean: str, original: str) -> Path:
        """Map a normalized key ('' for the root) to a path confined to the root."""
        path = self._root.joinpath(*clean.split("/")) if clean else self._root
        if not self._inside(os.path.realpath(path)):
            raise InvalidArgument(
                f"invalid artifact path {original!r}: it leads outside the artifact root "
                "through a symbolic link",
                details={"reason": "symlink escapes the root"},
            )
        return path

    def _file_path(self, key: str) -> Path:
        clean = normalize_key(key)
        if clean.endswith("/"):
            raise InvalidArgument(f"invalid artifact path {key!r}: a file path cannot end with '/'")
        return self._resolve(clean, key)

    def _prefix_path(self, prefix: str) -> Path:
        return self._resolve(normalize_prefix(prefix), prefix)

    # ---------------------------------------------------------------------- writes
    def write(self, key: str, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> int:
        target = self._file_path(key)
        with _backend_errors(f"writing {key!r}"):
            if target.is_dir():
                raise InvalidArgument(f"invalid artifact path {key!r}: it names an existing folder")
            created = self._make_parents(key, target.parent)
        try:
            return self._write_atomic(target, checked_chunks(chunks, key=key, max_bytes=max_bytes))
        except BaseException:
            for folder in created:  # deepest first; only the folders this write made
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise

    def _make_parents(self, key: str, folder: Path) -> list[Path]:
        """Create the missing folders above a file; return those created, deepest first.

        A concurrent delete may prune a folder between two steps, so a failure is only
        reported once a parent is really found to be a file.
        """
        missing: list[Path] = []
        probe = folder
        while probe != self._root and not probe.exists():
            missing.append(probe)
            probe = probe.parent
        for _ in range(5):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                return missing
            except (FileExistsError, NotADirectoryError) as e:
                blocker = self._first_file_above(folder)
                if blocker is not None:
                    raise InvalidArgument(
                        f"invalid artifact path {key!r}: {blocker!r} is a file, not a folder"
                    ) from e
        folder.mkdir(parents=True, exist_ok=True)
        return missing

    def _first_file_above(self, folder: Path) -> str | None:
        """The first existing non-folder on the way from the root down to ``folder``."""
        probe = self._root
        for part in folder.relative_to(self._root).parts:
            probe = probe / part
            if probe.exists() and not probe.is_dir():
                return probe.relative_to(self._root).as_posix()
        return None

    def _write_atomic(self, target: Path, chunks: Iterable[bytes | bytearray | memoryview]) -> int:
        what = f"writing {target.relative_to(self._root).as_posix()!r}"
        with _backend_errors(what):
            fd, tmp = self._mkstemp(target.parent)
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                # Errors of the caller's iterable propagate as they are; only I/O is mapped.
                for chunk in chunks:
                    with _backend_errors(what):
                        out.write(chunk)
                    size += len(chunk)
                with _backend_errors(what):
                    out.flush()
                    os.fsync(out.fileno())
            with _backend_errors(what):
                os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(target.parent)
        return size

    def _mkstemp(self, folder: Path) -> tuple[int, str]:
        # A concurrent delete may prune the folder we just created: make it again and retry.
        for _ in range(5):
            try:
                return tempfile.mkstemp(dir=folder, prefix=_TMP_PREFIX, suffix=".part")
            except FileNotFoundError:
                folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=folder, prefix=_TMP_PREFIX, suffix=".part")

    # ----------------------------------------------------------------------- reads
    def open(self, key: str) -> BinaryIO:
        path = self._file_path(key)
        with _backend_errors(f"reading {key!r}"):
            if path.is_dir():
                raise InvalidArgument(f"artifact {key!r} is a folder; list it or download it")
            try:
                return open(path, "rb")
            except (FileNotFoundError, NotADirectoryError) as e:
                raise NotFound(f"no artifact at {key!r}") from e

    def info(self, key: str) -> ArtifactInfo | None:
        clean = normalize_prefix(key)
        path = self._resolve(clean, key)
        with _backend_errors(f"looking up {key!r}"):
            try:
                st = path.stat()
            except (FileNotFoundError, NotADirectoryError):
                return None
        if stat.S_ISDIR(st.st_mode):
            return ArtifactInfo(path=clean, is_dir=True, size=None)
        return ArtifactInfo(path=clean, is_dir=False, size=st.st_size)

    def list(self, prefix: str, *, recursive: bool = False) -> list[ArtifactInfo]:
        folder = self._prefix_path(prefix)
        out: list[ArtifactInfo] = []
        with _backend_errors(f"listing {prefix!r}"):
            if not folder.is_dir():
                return []
            self._scan(folder, "", recursive, out)
        return sorted(out, key=lambda e: e.path)

    def _scan(self, folder: Path, rel: str, recursive: bool, out: list[ArtifactInfo]) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(_TMP_PREFIX):
                    continue
                if entry.is_symlink() and not self._inside(os.path.realpath(entry.path)):
                    logger.warning("skipping %s: symlink leads outside the root", entry.path)
                    continue
                path = f"{rel}{entry.name}"
                if entry.is_dir():
                    out.append(ArtifactInfo(path=path, is_dir=True, size=None))
                    if recursive and not entry.is_symlink():
                        self._scan(Path(entry.path), path + "/", recursive, out)
                elif entry.is_file():
                    out.append(ArtifactInfo(path=path, is_dir=False, size=entry.stat().st_size))

    # --------------------------------------------------------------------- deletes
    def delete(self, prefix: str) -> int:
        clean = normalize_prefix(prefix)
        if not clean:
            raise InvalidArgument("refusing to delete the whole artifact root; name a folder")
        path = self._resolve(clean, prefix)
        with _backend_errors(f"deleting {prefix!r}"):
            if path.is_symlink() or path.is_file():
                freed = 0 if path.is_symlink() else path.stat().st_size
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
            elif path.is_dir():
                freed = _tree_size(path)
                _rmtree(path)
            else:
                return 0
            self._prune_empty([path.parent])
        return freed

    def _prune_empty(self, folders: Iterable[Path]) -> None:
        """Remove now-empty folders from each given one up to (not including) the root."""
        for folder in folders:
            probe = folder
            while probe != self._root and self._inside(str(probe)):
                try:
                    probe.rmdir()
                except OSError:
                    break
                probe = probe.parent


def _tree_size(folder: Path) -> int:
    """Bytes held by the regular files under a folder (symlinks are not followed)."""
    total = 0
    for base, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                st = os.lstat(os.path.join(base, name))
                if stat.S_ISREG(st.st_mode):
                    total += st.st_size
    return total


def _rmtree(folder: Path) -> None:
    """Remove a tree, tolerating entries that a concurrent delete removed first."""

    def ignore_missing(_func, _path, exc) -> None:  # type: ignore[no-untyped-def]
        err = exc[1] if isinstance(exc, tuple) else exc
        if not isinstance(err, FileNotFoundError):
            raise err

    if sys.version_info >= (3, 12):
        shutil.rmtree(folder, onexc=ignore_missing)
    else:
        shutil.rmtree(folder, onerror=ignore_missing)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
