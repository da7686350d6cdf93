"""A deployment's custom scoring code (``code_configuration``) as an uploaded snapshot.

The SDK snapshots the ``code`` folder with the same content-addressed snapshots jobs use
(:mod:`modelyard.jobs.snapshot`: ``.gitignore``/``.yardignore`` honoured, stored once per
content as ``snapshots/<digest>.tar.gz`` in the workspace's artifact store, uploaded
through the server's artifact API when the workspace is a server). The deployment records
``code: "snapshot:<digest>"``; the server extracts that snapshot before the worker runs
``init()``. Nothing is read from the client's folder after the upload, so editing it does
not change a deployment, and client and server need not share a disk.

Example::

    ref = upload_code(ws.artifact_store, "./src", "score.py")   # "snapshot:3f2a..."
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore

__all__ = ["CODE_PREFIX", "check_code", "check_uploaded", "code_digest", "materialize_code", "upload_code"]

CODE_PREFIX = "snapshot:"
_REF = re.compile(r"snapshot:([0-9a-f]{40})")


def code_digest(code: str) -> str:
    """The snapshot digest of a deployment's ``code`` (``snapshot:<40 hex digits>``).

    Raises:
        InvalidArgument: anything else (a folder path is not accepted: upload it).
    """
    match = _REF.fullmatch(code.strip())
    if match is None:
        raise InvalidArgument(
            f"a deployment's code must be an uploaded code snapshot ('snapshot:<digest>'), not {code[:200]!r}: "
            "the SDK and CLI upload the code folder for you (ws.endpoints.create_deployment(code=...))")
    return match.group(1)


def check_code(code: str | None, scoring_script: str | None) -> str | None:
    """A deployment's ``code`` and ``scoring_script`` checked together; the normalized reference.

    Raises:
        InvalidArgument: a script without code, code without a script, or code that is not
            a snapshot reference.
    """
    if scoring_script and not code:
        raise InvalidArgument("a scoring_script needs the code folder it lives in")
    if code is None:
        return None
    if not scoring_script:
        raise InvalidArgument("a deployment's code needs its scoring_script (e.g. score.py)")
    return CODE_PREFIX + code_digest(code)


def upload_code(artifacts: ArtifactStore, folder: str | os.PathLike[str], scoring_script: str | None) -> str:
    """Snapshot ``folder`` into the artifact store (once per content); return its reference.

    Raises:
        InvalidArgument: the folder, or the scoring script inside it, does not exist.
        PayloadTooLarge: the folder is over the snapshot limit.
    """
    from modelyard.jobs.snapshot import store_snapshot

    root = Path(folder).expanduser()
    if not root.is_dir():
        raise InvalidArgument(f"code folder not found: {root}")
    if scoring_script and not (root / scoring_script).is_file():
        raise InvalidArgument(f"scoring script {scoring_script!r} not found in {root}")
    return CODE_PREFIX + store_snapshot(artifacts, root).digest


def check_uploaded(artifacts: ArtifactStore, code: str | None) -> None:
    """Refuse a deployment whose code snapshot is malformed or was never uploaded.

    Raises:
        InvalidArgument.
    """
    if code is None:
        return
    from modelyard.jobs.snapshot import snapshot_key

    digest = code_digest(code)
    if artifacts.info(snapshot_key(digest)) is None:
        raise InvalidArgument(f"code snapshot {digest} is not uploaded: upload the code folder first")


def materialize_code(artifacts: ArtifactStore | None, code: str, root: Path) -> Path:
    """The extracted snapshot ``code`` under ``root/<digest>`` (extracted once, atomically).

    Raises:
        InvalidArgument: a malformed reference. NotFound: the snapshot is not stored.
    """
    from modelyard.jobs.snapshot import extract_snapshot

    digest = code_digest(code)
    dest = Path(root) / digest
    if dest.is_dir():
        return dest
    if artifacts is None:
        raise InvalidArgument("this server has no artifact store to read code snapshots from")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{digest}-", dir=dest.parent))
    try:
        extract_snapshot(artifacts, digest, tmp)
        try:
            tmp.rename(dest)
        except OSError:
            if not dest.is_dir():  # not "another process extracted it meanwhile"
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest
