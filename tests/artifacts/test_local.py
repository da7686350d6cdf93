"""What only the local folder store does: symlinked roots, hidden temp files, folder pruning."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.errors import InvalidArgument, NotFound


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


_KEYS = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(["a", "b", ".", "..", "", "C:", "\\", "é", "\x00", "link", "f.txt"]),
        max_size=8,
    ).map("/".join),
    # keys within the limits whose UTF-8 path outgrows what the OS accepts under a deep root
    st.text(alphabet="🙂🚀𝔘", min_size=63, max_size=63).map(lambda s: "/".join([s] * 16)),
)


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(_KEYS, min_size=1, max_size=4))
def test_any_key_stays_inside_the_root_or_is_refused(keys: list[str]) -> None:
    """Whatever the keys, every call either works inside the root or raises InvalidArgument
    (NotFound for reading what is absent); nothing appears outside the root."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        outside = base / "outside"
        outside.mkdir()
        root = base / "root" / ("deep" * 60)
        store = LocalArtifactStore(root)
        os.symlink(outside, root / "link")
        for key in keys:
            for call in (
                lambda k=key: store.write(k, [b"data"]),
                lambda k=key: store.info(k),
                lambda k=key: store.list(k, recursive=True),
                lambda k=key: store.open(k).close(),
                lambda k=key: store.delete(k),
            ):
                try:
                    call()
                except (InvalidArgument, NotFound):
                    pass
        assert list(outside.iterdir()) == []
        assert sorted(p.name for p in base.iterdir()) == ["outside", "root"]


def test_writes_survive_a_sibling_delete_emptying_the_folder(tmp_path: Path) -> None:
    """Deleting the last file of a folder prunes it; a concurrent write there still lands."""
    store = LocalArtifactStore(tmp_path / "root")
    errors: list[BaseException] = []

    def churn() -> None:
        try:
            for _ in range(200):
                store.write("d/x.txt", [b"x"])
                store.delete("d/x.txt")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def writer() -> None:
        try:
            for i in range(200):
                store.write(f"d/y{i % 3}.txt", [b"y"])
                store.delete(f"d/y{i % 3}.txt")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=churn), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.list("", recursive=True) == []
