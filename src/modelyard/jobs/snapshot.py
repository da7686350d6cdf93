"""Content-addressed code snapshots.

At submit time the job's ``code`` folder is walked (skipping ``.git/`` and whatever the
folder's ``.gitignore`` and ``.yardignore`` exclude, with Git's matching rules), hashed,
and stored once per distinct content as ``snapshots/<digest>.tar.gz`` in the workspace's
artifact store. A job runs on an extracted copy of its snapshot, never on the live folder,
so editing the code after submitting does not change a queued job.

The digest is a SHA-256 over the sorted (relative path, executable bit, content hash)
entries: the same files give the same digest wherever the folder lives.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import stat
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from modelyard.artifacts.store import ArtifactStore
from modelyard.errors import InvalidArgument, NotFound, PayloadTooLarge

__all__ = [
    "DEFAULT_MAX_SNAPSHOT_BYTES",
    "Snapshot",
    "collect_files",
    "compute_snapshot",
    "extract_snapshot",
    "snapshot_key",
    "store_snapshot",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_SNAPSHOT_BYTES = 100 * 1024 * 1024
IGNORE_FILES = (".gitignore", ".yardignore")
_ALWAYS_SKIPPED = {".git", ".modelyard", "__pycache__"}


@dataclass(frozen=True, slots=True)
class Snapshot:
    digest: str
    file_count: int
    size_bytes: int


def snapshot_key(digest: str) -> str:
    return f"snapshots/{digest}.tar.gz"


def _ignore_spec(root: Path):  # -> pathspec.GitIgnoreSpec
    import pathspec

    lines: list[str] = []
    for name in IGNORE_FILES:
        f = root / name
        if f.is_file():
            lines.extend(f.read_text(encoding="utf-8", errors="replace").splitlines())
    return pathspec.GitIgnoreSpec.from_lines(lines)


def collect_files(code_dir: str | Path, *, max_bytes: int = DEFAULT_MAX_SNAPSHOT_BYTES) -> list[tuple[str, Path]]:
    """The files a snapshot of ``code_dir`` holds, as sorted (relative POSIX path, path).

    Symbolic links to files are followed; links to folders are not.

    Raises:
        InvalidArgument: the folder does not exist.
        PayloadTooLarge: the files add up to more than ``max_bytes``.
    """
    root = Path(code_dir)
    if not root.is_dir():
        raise InvalidArgument(f"code folder not found: {root}")
    spec = _ignore_spec(root)
    out: list[tuple[str, Path]] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for d in dirnames:
            if d in _ALWAYS_SKIPPED or os.path.islink(os.path.join(dirpath, d)):
                continue
            if spec.match_file(f"{rel_dir}{d}/"):
                continue
            keep.append(d)
        dirnames[:] = sorted(keep)
        for f in filenames:
            rel = f"{rel_dir}{f}"
            path = Path(dirpath) / f
            if spec.match_file(rel) or not path.is_file():
                continue
            total += path.stat().st_size
            if total > max_bytes:
                raise PayloadTooLarge(
                    f"the code folder {root} holds more than {max_bytes / 1e6:.1f} MB "
                    f"(the snapshot limit); exclude large files with .yardignore or "
                    "move data to an input",
                    details={"limit_bytes": max_bytes},
                )
            out.append((rel, path))
    out.sort()
    return out


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def compute_snapshot(
    code_dir: str | Path, *, max_bytes: int = DEFAULT_MAX_SNAPSHOT_BYTES
) -> tuple[Snapshot, list[tuple[str, Path]]]:
    """Hash a code folder; return the snapshot's identity and its files."""
    files = collect_files(code_dir, max_bytes=max_bytes)
    h = hashlib.sha256()
    size = 0
    for rel, path in files:
        st = path.stat()
        size += st.st_size
        exe = "x" if st.st_mode & stat.S_IXUSR else "-"
        h.update(f"{rel}\0{exe}\0{_file_hash(path)}\n".encode())
    return Snapshot(digest=h.hexdigest()[:40], file_count=len(files), size_bytes=size), files


def store_snapshot(
    artifacts: ArtifactStore,
    code_dir: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_SNAPSHOT_BYTES,
) -> Snapshot:
    """Snapshot a folder into the artifact store; identical content is stored once."""
    snap, files = compute_snapshot(code_dir, max_bytes=max_bytes)
    key = snapshot_key(snap.digest)
    if artifacts.info(key) is not None:
        logger.debug("snapshot %s already stored", snap.digest)
        return snap
    with tempfile.TemporaryDirectory(prefix="modelyard-snap-") as tmp:
        archive = Path(tmp) / "snapshot.tar.gz"
        write_archive(files, archive)
        artifacts.write_file(key, archive)
    return snap


def write_archive(files: list[tuple[str, Path]], dest: Path) -> None:
    """Write the files into a gzip'd tar with normalized owners and times."""
    with tarfile.open(dest, "w:gz", compresslevel=1) as tar:
        for rel, path in files:
            st = path.stat()
            info = tarfile.TarInfo(rel)
            info.size = st.st_size
            info.mode = 0o755 if st.st_mode & stat.S_IXUSR else 0o644
            info.mtime = int(st.st_mtime)
            with open(path, "rb") as fh:
                tar.addfile(info, fh)


def extract_snapshot(artifacts: ArtifactStore, digest: str, dest: str | Path) -> Path:
    """Extract a stored snapshot into ``dest`` (created); return it.

    Raises:
        NotFound: no snapshot with that digest is stored.
    """
    key = snapshot_key(digest)
    if artifacts.info(key) is None:
        raise NotFound(f"code snapshot {digest} not found")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO(b"".join(artifacts.iter_chunks(key)))
    with tarfile.open(fileobj=buf, mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
    return dest
