"""What only the local folder store does: symlinked roots, hidden temp files, folder pruning."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.errors import InvalidArgument


def test_root_is_created_and_reached_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real" / "artifacts"
    LocalArtifactStore(real)
    assert real.is_dir()
    link = tmp_path / "link-to-root"
    os.symlink(real, link)
    store = LocalArtifactStore(link)
    assert store.write("a/b.txt", [b"via link"]) == 8
    assert (real / "a" / "b.txt").read_bytes() == b"via link"
    os.symlink(real / "a", real / "a" / "inner-link")  # a link that stays inside is fine
    assert b"".join(store.iter_chunks("a/inner-link/b.txt")) == b"via link"


def test_files_land_at_the_normalized_path(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    store.write("x//y/./z.txt", [b"1", b"23"])
    assert (tmp_path / "root" / "x" / "y" / "z.txt").read_bytes() == b"123"
    assert sorted(p.name for p in (tmp_path / "root" / "x" / "y").iterdir()) == ["z.txt"]


def test_symlinked_parent_folder_leading_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    store = LocalArtifactStore(root)
    (root / "runs").mkdir()
    os.symlink(outside, root / "runs" / "abc")
    with pytest.raises(InvalidArgument, match="outside the artifact root"):
        store.write("runs/abc/deep/new/file.txt", [b"x"])
    assert list(outside.iterdir()) == []


def test_a_symlink_out_is_hidden_from_listings(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"s")
    store = LocalArtifactStore(tmp_path / "root")
    store.write("run/a.txt", [b"a"])
    os.symlink(outside, tmp_path / "root" / "run" / "out")
    assert [e.path for e in store.list("run", recursive=True)] == ["a.txt"]
    assert store.delete("run") == 1  # the link is removed, not followed
    assert (outside / "secret.txt").read_bytes() == b"s"


def test_a_folder_is_kept_when_other_files_remain(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    store.write("run/a.txt", [b"a"])
    store.write("run/b.txt", [b"b"])
    store.delete("run/a.txt")
    assert (tmp_path / "root" / "run" / "b.txt").exists()
    assert (tmp_path / "root").is_dir()  # the root itself is never pruned
    store.delete("run/b.txt")
    assert (tmp_path / "root").is_dir() and not (tmp_path / "root" / "run").exists()
