"""What identifies the content of data left in an S3 datastore, and checking it.

At registration, the version's content hash is computed from every byte; beside it, a
manifest records each object's size, ETag and (on a versioned bucket) version id, in the
workspace artifact store under ``data/<name>/.manifests/<hash>.json`` (keyed by the content
hash, so it is written before the version row exists and never names another content).
Every later read (file listing, file download, profile, job input) compares the objects'
current size and ETag with the manifest, a cheap listing or HEAD request, and raises
:class:`~modelyard.data.errors.DataChanged` naming the file when one differs. A version
registered before manifests existed is checked once by hashing its bytes again; when they
still match, its manifest is written then.

A changed object is detected, not prevented: S3 objects stay the owner's to rewrite.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from modelyard.artifacts.store import ArtifactStore
from modelyard.data.entities import DataVersion
from modelyard.data.errors import DataChanged

__all__ = [
    "FileIdentity",
    "check_file",
    "check_listing",
    "content_changed",
    "identity",
    "manifest_key",
    "read",
    "write",
]

FileIdentity = dict[str, Any]  # {"size": int, "etag": str | None, "version_id": str | None}


def identity(info: Mapping[str, Any]) -> FileIdentity:
    """The identity of one object from an s3fs listing or ``info`` entry."""
    etag = info.get("ETag") or info.get("etag")
    return {
        "size": int(info.get("size") or info.get("Size") or 0),
        "etag": str(etag).strip('"') if etag else None,
        "version_id": info.get("VersionId") or info.get("version_id") or None,
    }


def manifest_key(name: str, content_hash: str) -> str:
    return f"data/{name}/.manifests/{content_hash.removeprefix('sha256:')}.json"


def write(artifacts: ArtifactStore, name: str, content_hash: str, files: Mapping[str, FileIdentity]) -> None:
    body = json.dumps({"content_hash": content_hash, "files": dict(files)}, sort_keys=True)
    artifacts.write(manifest_key(name, content_hash), [body.encode()])


def read(artifacts: ArtifactStore, version: DataVersion) -> dict[str, FileIdentity] | None:
    """The recorded identities of a version's files, or None if none was recorded."""
    key = manifest_key(version.name, version.content_hash)
    if artifacts.info(key) is None:
        return None
    with artifacts.open(key) as fh:
        doc = json.loads(fh.read())
    return dict(doc["files"])


def _changed(version: DataVersion, path: str, how: str) -> DataChanged:
    when = version.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return DataChanged(
        f"{path!r} of {version.ref} {how} since the version was registered ({when}): "
        "a version is immutable; register the current content as a new version",
        details={"ref": version.ref, "path": path, "registered_at": version.created_at.isoformat()},
    )


def content_changed(version: DataVersion) -> DataChanged:
    """The error for a version whose bytes no longer hash to its content hash."""
    return _changed(version, "its content", "changed")


def _differs(recorded: FileIdentity, current: FileIdentity) -> bool:
    if recorded["size"] != current["size"]:
        return True
    if recorded.get("etag") and current.get("etag") and recorded["etag"] != current["etag"]:
        return True
    return bool(
        recorded.get("version_id") and current.get("version_id")
        and recorded["version_id"] != current["version_id"]
    )


def check_listing(
    version: DataVersion, recorded: Mapping[str, FileIdentity], current: Mapping[str, FileIdentity]
) -> None:
    """Raise DataChanged when the current objects differ from the recorded ones."""
    for path in sorted(set(recorded) | set(current)):
        if path not in current:
            raise _changed(version, path, "was deleted")
        if path not in recorded:
            raise _changed(version, path, "was added")
        if _differs(recorded[path], current[path]):
            raise _changed(version, path, "changed")


def check_file(
    version: DataVersion, recorded: Mapping[str, FileIdentity], path: str, current: FileIdentity
) -> None:
    """Raise DataChanged when one object differs from its record."""
    if path not in recorded:
        raise _changed(version, path, "was added")
    if _differs(recorded[path], current):
        raise _changed(version, path, "changed")
