"""The artifact stores the contract suite runs against, one factory per backend.

To run the contract suite against another backend, add a :class:`StoreFactory` to
``ARTIFACT_STORE_FACTORIES``. A factory yields a :class:`StoreHarness`: the store plus a
``snapshot()`` of everything its backend holds (inside and around the root), which the suite
compares before and after each rejected call to prove nothing was written anywhere.

Capability differences are declared here, never tested with ``isinstance``:

* ``local_root``: the store's root is a local folder that a test can plant symlinks in.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modelyard.artifacts.store import ArtifactStore


@dataclass
class StoreHarness:
    store: ArtifactStore
    snapshot: Callable[[], frozenset[tuple[str, int]]]
    """Every file the backend holds around and under the root, as (path, size)."""
    root_dir: Path | None = None
    """The root as a local folder, for stores with the ``local_root`` capability."""
    outside_dir: Path | None = None
    """A local folder next to the root that no key may reach."""


@dataclass(frozen=True)
class StoreFactory:
    make: Callable[[pytest.FixtureRequest, Path], contextlib.AbstractContextManager[StoreHarness]]
    marks: tuple[Any, ...] = ()
    local_root: bool = False


def snapshot_tree(folder: Path) -> frozenset[tuple[str, int]]:
    """(relative path, size) of every file, folder and link under ``folder``, unfollowed."""
    out: set[tuple[str, int]] = set()
    for base, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(base, name)
            st = path.lstat()
            out.add((path.relative_to(folder).as_posix(), st.st_size if name in files else -1))
    return frozenset(out)


@contextlib.contextmanager
def _local(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreHarness]:
    from modelyard.artifacts.local import LocalArtifactStore

    root = tmp_path / "area" / "root"
    outside = tmp_path / "area" / "outside"
    outside.mkdir(parents=True)
    (outside / "secret.txt").write_bytes(b"do not touch")
    (tmp_path / "cwd").mkdir()
    store = LocalArtifactStore(root)
    with _chdir(tmp_path / "cwd"):
        yield StoreHarness(
            store=store,
            snapshot=lambda: snapshot_tree(tmp_path),
            root_dir=root,
            outside_dir=outside,
        )
    store.close()


@contextlib.contextmanager
def _s3(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreHarness]:
    from modelyard.artifacts.s3 import MIN_PART_SIZE, S3ArtifactStore

    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    fs = request.getfixturevalue("s3_fs")
    fs.pipe(f"{bucket}/outside/secret.txt", b"do not touch")
    fs.pipe(f"{bucket}/rootsibling.txt", b"do not touch")
    local = tmp_path / "cwd"
    local.mkdir()

    def snapshot() -> frozenset[tuple[str, int]]:
        fs.invalidate_cache()
        objects = fs.find(bucket, detail=True)
        in_bucket = {(name, int(meta["size"])) for name, meta in objects.items()}
        return frozenset(in_bucket | {("local:" + p, s) for p, s in snapshot_tree(tmp_path)})

    prefix = f"root-{uuid.uuid4().hex[:6]}"
    store = S3ArtifactStore(
        f"s3://{bucket}/{prefix}", endpoint_url=endpoint, part_size=MIN_PART_SIZE
    )
    with _chdir(local):
        yield StoreHarness(store=store, snapshot=snapshot)
    store.close()


@contextlib.contextmanager
def _chdir(folder: Path) -> Iterator[None]:
    """Run with ``folder`` as the working directory, so a stray relative write shows up."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


ARTIFACT_STORE_FACTORIES: dict[str, StoreFactory] = {
    "local": StoreFactory(make=_local, local_root=True),
    "s3": StoreFactory(make=_s3, marks=(pytest.mark.s3,)),
}

__all__ = ["ARTIFACT_STORE_FACTORIES", "StoreFactory", "StoreHarness", "snapshot_tree"]
