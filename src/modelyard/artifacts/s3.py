"""An artifact store on an S3-compatible bucket, through fsspec/s3fs.

Credentials come from the environment (``AWS_ACCESS_KEY_ID``..., a named profile through
``storage_options={"profile": ...}``); the endpoint from the ``endpoint_url`` argument or
``AWS_ENDPOINT_URL``. Keys go through :mod:`modelyard.artifacts.paths` like every store.

S3 has no folders: a folder is the set of objects that share a ``key/`` prefix, so an empty
folder does not exist. Uploads are multipart and streamed (memory stays near one part,
about three times ``part_size``); an object becomes visible only when the upload completes, which makes writes atomic.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from modelyard.artifacts._chunks import checked_chunks
from modelyard.artifacts.paths import normalize_key, normalize_prefix
from modelyard.artifacts.store import ArtifactStore
from modelyard.errors import (
    BackendUnavailable,
    InvalidArgument,
    ModelyardError,
    NotFound,
    PermissionDenied,
)
from modelyard.tracking.entities import ArtifactInfo

__all__ = ["S3ArtifactStore"]

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
DEFAULT_PART_SIZE = 8 * MiB  # bytes buffered before a part is sent
MIN_PART_SIZE = 5 * MiB  # S3's minimum for every part but the last


def _parse_root(root_uri: str) -> tuple[str, str]:
    if not isinstance(root_uri, str) or not root_uri.startswith("s3://"):
        raise InvalidArgument(f"artifact root {root_uri!r} must look like s3://bucket/prefix")
    bucket, _, prefix = root_uri[len("s3://") :].partition("/")
    if not bucket:
        raise InvalidArgument(f"artifact root {root_uri!r} names no bucket")
    return bucket, normalize_prefix(prefix)


@contextlib.contextmanager
def _s3_errors(what: str) -> Iterator[None]:
    """Map s3fs/botocore failures to the error tree (ours pass through untouched)."""
    try:
        yield
    except ModelyardError:
        raise
    except PermissionError as e:
        raise PermissionDenied(f"artifact store: {what}: access denied ({e})") from e
    except FileNotFoundError as e:
        raise NotFound(f"artifact store: {what}: {e}") from e
    except OSError as e:
        if e.errno == errno.EINVAL:  # s3fs's translation of InvalidBucketName and the like
            raise InvalidArgument(f"artifact store: {what}: {e.strerror or e}") from e
        raise BackendUnavailable(f"artifact store: {what} failed: {e}") from e
    except Exception as e:  # botocore connection errors, OSError, ClientError...
        raise BackendUnavailable(f"artifact store: {what} failed: {e}") from e


class S3ArtifactStore(ArtifactStore):
    """Files under ``s3://bucket/prefix``.

    Example:
        >>> store = S3ArtifactStore("s3://ml/artifacts", endpoint_url="http://127.0.0.1:9000")
        >>> store.write("runs/abc/model.pkl", [b"..."])
        3
    """

    def __init__(
        self,
        root_uri: str,
        *,
        endpoint_url: str | None = None,
        storage_options: dict[str, Any] | None = None,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        """Open a store rooted at ``root_uri``; no request is made until first use.

        Args:
            root_uri: ``s3://bucket`` or ``s3://bucket/prefix``.
            endpoint_url: an S3-compatible endpoint (MinIO, moto...); defaults to
                ``AWS_ENDPOINT_URL``, else AWS itself.
            storage_options: extra :class:`s3fs.S3FileSystem` options (``profile``,
                ``client_kwargs``...). Credentials are best left to the environment.
            part_size: bytes per multipart part (at least 5 MiB); memory use of a write is a
                small multiple of it.

        Raises:
            InvalidArgument: a malformed root URI or part size.
        """
        import s3fs  # heavy: imported only when an S3 store is made

        if part_size < MIN_PART_SIZE:
            raise InvalidArgument(f"part_size must be at least {MIN_PART_SIZE} bytes")
        self._part_size = part_size
        self._bucket, self._prefix = _parse_root(root_uri)
        options: dict[str, Any] = {"use_listings_cache": False, "skip_instance_cache": True}
        options.update(storage_options or {})
        endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        if endpoint:
            options["endpoint_url"] = endpoint
        self._fs = s3fs.S3FileSystem(**options)
        self._uri = f"s3://{self._bucket}/{self._prefix}".rstrip("/")

    def __repr__(self) -> str:
        return f"S3ArtifactStore({self._uri!r})"

    # ------------------------------------------------------------------ resolution
    def _full(self, clean: str) -> str:
        parts = [p for p in (self._bucket, self._prefix, clean.rstrip("/")) if p]
        return "/".join(parts)

    def _file_key(self, key: str) -> str:
        clean = normalize_key(key)
        if clean.endswith("/"):
            raise InvalidArgument(f"invalid artifact path {key!r}: a file path cannot end with '/'")
        return clean

    def _stat(self, full: str) -> dict[str, Any] | None:
        """s3fs's info (``type`` is 'file' or 'directory') for a full path, or None."""
        try:
            return self._fs.info(full)
        except FileNotFoundError:
            return None

    def _kind(self, full: str) -> str | None:
        found = self._stat(full)
        return None if found is None else found["type"]

    # ---------------------------------------------------------------------- writes
    def write(self, key: str, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> int:
        clean = self._file_key(key)
        full = self._full(clean)
        what = f"writing {key!r} in {self._uri}"
        with _s3_errors(what):
            self._check_write_target(key, clean)
            out = self._fs.open(full, "wb", block_size=self._part_size)
        size = 0
        try:
            # Errors of the caller's iterable propagate as they are; only S3 calls are mapped.
            for chunk in checked_chunks(chunks, key=key, max_bytes=max_bytes):
                with _s3_errors(what):
                    out.write(chunk)
                size += len(chunk)
            with _s3_errors(what):
                out.close()
        except BaseException:
            _abandon(out)
            raise
        return size

    def _check_write_target(self, key: str, clean: str) -> None:
        if self._kind(self._full(clean)) == "directory":
            raise InvalidArgument(f"invalid artifact path {key!r}: it names an existing folder")
        parts = clean.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if self._fs.isfile(self._full(parent)):
                raise InvalidArgument(
                    f"invalid artifact path {key!r}: {parent!r} is a file, not a folder"
                )

    # ----------------------------------------------------------------------- reads
    def open(self, key: str) -> BinaryIO:
        """Open a file for streaming reads (forward only: S3 streams are not seekable)."""
        clean = self._file_key(key)
        full = self._full(clean)
        what = f"reading {key!r} in {self._uri}"
        try:
            raw = _Reader(self._fs, full, what)
        except NotFound:
            with _s3_errors(what):
                kind = self._kind(full)
            if kind == "directory":
                raise InvalidArgument(
                    f"artifact {key!r} is a folder; list it or download it"
                ) from None
            raise NotFound(f"no artifact at {key!r}") from None
        return io.BufferedReader(raw, buffer_size=256 * 1024)

    def info(self, key: str) -> ArtifactInfo | None:
        clean = normalize_prefix(key)
        with _s3_errors(f"looking up {key!r} in {self._uri}"):
            if not clean:
                return ArtifactInfo(path="", is_dir=True, size=None)
            found = self._stat(self._full(clean))
        if found is None:
            return None
        if found["type"] == "directory":
            return ArtifactInfo(path=clean, is_dir=True, size=None)
        return ArtifactInfo(path=clean, is_dir=False, size=int(found["size"]))

    def list(self, prefix: str, *, recursive: bool = False) -> list[ArtifactInfo]:
        clean = normalize_prefix(prefix)
        base = self._full(clean)
        with _s3_errors(f"listing {prefix!r} in {self._uri}"):
            try:
                objects = self._fs.find(base + "/", detail=True, withdirs=False)
            except FileNotFoundError:
                return []
        entries: dict[str, ArtifactInfo] = {}
        for name, meta in objects.items():
            rel = name[len(base) + 1 :] if name.startswith(base + "/") else None
            if not rel or rel.endswith("/"):  # the folder itself, or a folder marker
                continue
            if not _is_clean(rel):
                logger.warning("skipping object %r: not a safe artifact path", name)
                continue
            parts = rel.split("/")
            if not recursive:
                if len(parts) > 1:
                    entries[parts[0]] = ArtifactInfo(path=parts[0], is_dir=True, size=None)
                    continue
            else:
                for depth in range(1, len(parts)):
                    folder = "/".join(parts[:depth])
                    entries[folder] = ArtifactInfo(path=folder, is_dir=True, size=None)
            entries[rel] = ArtifactInfo(path=rel, is_dir=False, size=int(meta.get("size") or 0))
        return sorted(entries.values(), key=lambda e: e.path)

    # --------------------------------------------------------------------- deletes
    def delete(self, prefix: str) -> int:
        clean = normalize_prefix(prefix)
        if not clean:
            raise InvalidArgument("refusing to delete the whole artifact root; name a folder")
        full = self._full(clean)
        with _s3_errors(f"deleting {prefix!r} in {self._uri}"):
            found = self._stat(full)
            if found is None:
                return 0
            if found["type"] == "file":
                self._fs.rm_file(full)
                return int(found["size"])
            objects = self._fs.find(full + "/", detail=True, withdirs=False)
            if not objects:
                return 0
            self._fs.rm(sorted(objects))
        return sum(int(meta.get("size") or 0) for meta in objects.values())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._fs.invalidate_cache()


class _Reader(io.RawIOBase):
    """One GET of the whole object, streamed: a reader sees exactly one version, whole,
    however often the object is replaced meanwhile. Errors are mapped to the error tree."""

    def __init__(self, fs: Any, full: str, what: str) -> None:
        from fsspec.asyn import sync

        self._sync = sync
        self._fs = fs
        self._what = what
        bucket, key, _ = fs.split_path(full)
        with _s3_errors(what):
            response = sync(fs.loop, fs._call_s3, "get_object", Bucket=bucket, Key=key)
        self._body = response["Body"]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with _s3_errors(self._what):
            data = self._sync(self._fs.loop, self._body.read, len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(Exception):
                self._body.close()
        super().close()


def _abandon(out: Any) -> None:
    """Abort a multipart upload so that nothing of a failed write becomes visible."""
    with contextlib.suppress(Exception):
        out.discard()
    out.closed = True  # so that garbage collection does not try to commit it


def _is_clean(rel: str) -> bool:
    try:
        return normalize_key(rel) == rel
    except InvalidArgument:
        return False
