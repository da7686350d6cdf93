"""The artifact store contract: every backend in ``stores.ARTIFACT_STORE_FACTORIES`` passes it.

Backends differ only by declared capabilities (see ``stores.py``), never by ``isinstance``.
"""

from __future__ import annotations

import hashlib
import os
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.errors import InvalidArgument, NotFound, PayloadTooLarge
from modelyard.tracking.entities import ArtifactInfo

from .stores import StoreHarness
from .test_paths import UNSAFE_KEYS

MiB = 1024 * 1024


def _read(harness: StoreHarness, key: str) -> bytes:
    return b"".join(harness.store.iter_chunks(key))


def _pattern(size: int, chunk: int = MiB) -> Iterator[bytes]:
    """Deterministic, non-repeating-looking bytes made on the fly (never held whole)."""
    sent = 0
    counter = 0
    while sent < size:
        block = hashlib.sha256(counter.to_bytes(8, "big")).digest() * (chunk // 32)
        block = block[: min(chunk, size - sent)]
        sent += len(block)
        counter += 1
        yield block


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("payload", [b"", b"x", b"hello artifact\n" * 1000, bytes(range(256))])
def test_write_then_read_round_trips(artifact_store: StoreHarness, payload: bytes) -> None:
    store = artifact_store.store
    assert store.write("dir/file.bin", [payload[:7], payload[7:]]) == len(payload)
    assert _read(artifact_store, "dir/file.bin") == payload
    with store.open("dir/file.bin") as fh:
        assert fh.read() == payload
    assert store.info("dir/file.bin") == ArtifactInfo(
        "dir/file.bin", is_dir=False, size=len(payload)
    )


def test_equivalent_spellings_name_the_same_file(artifact_store: StoreHarness) -> None:
    store = artifact_store.store
    store.write("./a//b/./c.txt", [b"same"])
    assert _read(artifact_store, "a/b/c.txt") == b"same"
    assert store.info("a/b/c.txt").size == 4


def test_large_file_streams_in_bounded_memory(artifact_store: StoreHarness) -> None:
    size = 64 * MiB
    expected = hashlib.sha256()
    for block in _pattern(size):
        expected.update(block)
    store = artifact_store.store
    store.write("big/warm-up.bin", [b"x"])  # one-time client setup is not what is measured
    b"".join(store.iter_chunks("big/warm-up.bin"))
    tracemalloc.start()
    try:
        assert store.write("big/blob.bin", _pattern(size)) == size
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        got = hashlib.sha256()
        for chunk in store.iter_chunks("big/blob.bin"):
            got.update(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got.hexdigest() == expected.hexdigest()
    assert store.info("big/blob.bin").size == size
    assert write_peak < size / 3, f"writing 64 MiB peaked at {write_peak / MiB:.1f} MiB"
    assert read_peak < size / 3, f"reading 64 MiB peaked at {read_peak / MiB:.1f} MiB"


def test_write_file_and_write_folder(artifact_store: StoreHarness, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(b"A")
    (src / "sub" / "b.txt").write_bytes(b"BB")
    store = artifact_store.store
    assert store.write_file("single/a.txt", src / "a.txt") == 1
    assert store.write_folder("tree", src) == 2
    assert _read(artifact_store, "tree/sub/b.txt") == b"BB"
    assert _read(artifact_store, "single/a.txt") == b"A"


# ------------------------------------------------------------------------------ listings
@pytest.fixture
def tree(artifact_store: StoreHarness) -> StoreHarness:
    store = artifact_store.store
    store.write("run/model/model.pkl", [b"m" * 10])
    store.write("run/model/conda.yaml", [b"c" * 3])
    store.write("run/plots/deep/loss.png", [b"p" * 5])
    store.write("run/notes.txt", [b"n"])
    store.write("runner.txt", [b"not inside run/"])
    return artifact_store


def test_list_is_sorted_and_relative(tree: StoreHarness) -> None:
    assert tree.store.list("run") == [
        ArtifactInfo("model", is_dir=True, size=None),
        ArtifactInfo("notes.txt", is_dir=False, size=1),
        ArtifactInfo("plots", is_dir=True, size=None),
    ]
    assert tree.store.list("run/") == tree.store.list("run")
    assert tree.store.list("run/model") == [
        ArtifactInfo("conda.yaml", is_dir=False, size=3),
        ArtifactInfo("model.pkl", is_dir=False, size=10),
    ]


def test_list_recursive_includes_folders_and_files(tree: StoreHarness) -> None:
    assert tree.store.list("run", recursive=True) == [
        ArtifactInfo("model", is_dir=True, size=None),
        ArtifactInfo("model/conda.yaml", is_dir=False, size=3),
        ArtifactInfo("model/model.pkl", is_dir=False, size=10),
        ArtifactInfo("notes.txt", is_dir=False, size=1),
        ArtifactInfo("plots", is_dir=True, size=None),
        ArtifactInfo("plots/deep", is_dir=True, size=None),
        ArtifactInfo("plots/deep/loss.png", is_dir=False, size=5),
    ]


def test_list_of_root_missing_prefix_and_file(tree: StoreHarness) -> None:
    assert [e.path for e in tree.store.list("")] == ["run", "runner.txt"]
    assert tree.store.list("nothing/here") == []
    assert tree.store.list("run/notes.txt") == []


def test_info_of_files_folders_and_missing(tree: StoreHarness) -> None:
    store = tree.store
    assert store.info("run/model") == ArtifactInfo("run/model", is_dir=True, size=None)
    assert store.info("run/model/") == ArtifactInfo("run/model", is_dir=True, size=None)
    assert store.info("run/notes.txt") == ArtifactInfo("run/notes.txt", is_dir=False, size=1)
    assert store.info("run/missing") is None
    assert store.info("").is_dir


def test_open_missing_or_folder(tree: StoreHarness) -> None:
    with pytest.raises(NotFound):
        tree.store.open("run/missing.txt")
    with pytest.raises(NotFound):
        list(tree.store.iter_chunks("nope/nope"))
    with pytest.raises(InvalidArgument, match="folder"):
        tree.store.open("run/model")


def test_writing_over_a_folder_or_under_a_file_is_refused(tree: StoreHarness) -> None:
    before = tree.snapshot()
    with pytest.raises(InvalidArgument, match="folder"):
        tree.store.write("run/model", [b"x"])
    with pytest.raises(InvalidArgument, match="file"):
        tree.store.write("run/notes.txt/inner", [b"x"])
    with pytest.raises(InvalidArgument):
        tree.store.write("run/newdir/", [b"x"])
    assert tree.snapshot() == before


# ------------------------------------------------------------------------------- deletes
def test_delete_file_and_folder_return_bytes_freed(tree: StoreHarness) -> None:
    store = tree.store
    assert store.delete("run/notes.txt") == 1
    assert store.info("run/notes.txt") is None
    assert store.delete("run/model") == 13
    assert store.info("run/model") is None
    assert store.delete("run/model") == 0
    assert store.delete("never/was") == 0
    assert [e.path for e in store.list("run", recursive=True)] == [
        "plots",
        "plots/deep",
        "plots/deep/loss.png",
    ]
    assert store.delete("run/plots/deep/loss.png") == 5
    assert store.info("run") is None  # emptied folders do not linger
    assert _read(tree, "runner.txt") == b"not inside run/"


def test_delete_of_the_whole_root_is_refused(tree: StoreHarness) -> None:
    before = tree.snapshot()
    for root in ("", ".", "./"):
        with pytest.raises(InvalidArgument):
            tree.store.delete(root)
    assert tree.snapshot() == before


# ----------------------------------------------------------------------------- downloads
def test_download_file_and_folder(tree: StoreHarness, tmp_path: Path) -> None:
    dest = tmp_path / "downloads"
    got = tree.store.download("run/notes.txt", dest)
    assert got == dest / "notes.txt" and got.read_bytes() == b"n"
    folder = tree.store.download("run", dest / "all")
    assert folder == dest / "all" / "run"
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["model/conda.yaml", "model/model.pkl", "notes.txt", "plots/deep/loss.png"]
    assert (folder / "model" / "model.pkl").read_bytes() == b"m" * 10
    with pytest.raises(NotFound):
        tree.store.download("run/absent", dest)


# ------------------------------------------------------------------------------ atomicity
def test_overwrite_is_atomic_for_readers(artifact_store: StoreHarness) -> None:
    store = artifact_store.store
    old = b"old version " * 100_000
    store.write("m/weights.bin", [old])
    seen_during_write: list[bytes] = []
    listed_during_write: list[list[ArtifactInfo]] = []

    def new_version() -> Iterator[bytes]:
        for i in range(12):
            if i == 6:  # half of the new file has been sent
                seen_during_write.append(_read(artifact_store, "m/weights.bin"))
                listed_during_write.append(store.list("m", recursive=True))
            yield bytes([i]) * MiB

    assert store.write("m/weights.bin", new_version()) == 12 * MiB
    assert seen_during_write == [old]
    assert listed_during_write == [[ArtifactInfo("weights.bin", is_dir=False, size=len(old))]]
    assert _read(artifact_store, "m/weights.bin") == b"".join(bytes([i]) * MiB for i in range(12))


def test_failed_write_keeps_the_old_file_and_leaves_nothing(artifact_store: StoreHarness) -> None:
    store = artifact_store.store
    store.write("m/weights.bin", [b"old"])
    before = artifact_store.snapshot()

    def broken() -> Iterator[bytes]:
        yield b"partial" * 1000
        raise RuntimeError("the producer died")

    with pytest.raises(RuntimeError, match="producer died"):
        store.write("m/weights.bin", broken())
    with pytest.raises(RuntimeError):
        store.write("brand/new/folder/file.bin", broken())
    assert _read(artifact_store, "m/weights.bin") == b"old"
    assert store.info("brand") is None
    assert artifact_store.snapshot() == before


def test_max_bytes_is_enforced_while_streaming(artifact_store: StoreHarness) -> None:
    store = artifact_store.store
    store.write("limited/ok.bin", [b"old"])
    before = artifact_store.snapshot()
    produced: list[int] = []

    def endless() -> Iterator[bytes]:
        for i in range(10_000):
            produced.append(i)
            yield b"z" * 64 * 1024

    with pytest.raises(PayloadTooLarge):
        store.write("limited/ok.bin", endless(), max_bytes=MiB)
    with pytest.raises(PayloadTooLarge):
        store.write("limited/new/too-big.bin", [b"a" * 10, b"b" * 10], max_bytes=15)
    assert len(produced) <= 17  # stopped as soon as the limit was crossed
    assert artifact_store.snapshot() == before
    assert _read(artifact_store, "limited/ok.bin") == b"old"
    assert store.write("limited/exact.bin", [b"a" * 15], max_bytes=15) == 15


def test_non_bytes_chunks_are_rejected(artifact_store: StoreHarness) -> None:
    before = artifact_store.snapshot()
    with pytest.raises(InvalidArgument, match="bytes"):
        artifact_store.store.write("t/x.txt", ["text, not bytes"])  # type: ignore[list-item]
    assert artifact_store.snapshot() == before


# ---------------------------------------------------------------------------- unsafe keys
@pytest.mark.parametrize(("key", "why"), [k for k in UNSAFE_KEYS if k[0] not in ("", ".", "./")])
def test_unsafe_keys_are_refused_everywhere(
    artifact_store: StoreHarness, key: str, why: str
) -> None:
    store = artifact_store.store
    store.write("inside/keep.txt", [b"keep"])
    before = artifact_store.snapshot()
    calls = {
        "write": lambda: store.write(key, [b"evil"]),
        "open": lambda: store.open(key),
        "info": lambda: store.info(key),
        "list": lambda: store.list(key, recursive=True),
        "delete": lambda: store.delete(key),
        "download": lambda: store.download(key, Path.cwd()),
    }
    if not key.startswith("/") and "://" not in key:  # "inside//etc" is a fine relative key
        calls["nested write"] = lambda: store.write(f"inside/{key}", [b"evil"])
    for name, call in calls.items():
        with pytest.raises(InvalidArgument):
            call()
        assert artifact_store.snapshot() == before, f"{name}({key!r}) changed the backend"


def test_empty_key_is_refused_for_files(artifact_store: StoreHarness) -> None:
    before = artifact_store.snapshot()
    for key in ("", ".", "./"):
        with pytest.raises(InvalidArgument, match="empty"):
            artifact_store.store.write(key, [b"x"])
        with pytest.raises(InvalidArgument, match="empty"):
            artifact_store.store.open(key)
    assert artifact_store.snapshot() == before


# ----------------------------------------------------------------- symlinks (local roots)
def test_symlink_inside_root_leading_outside_is_refused(local_root_store: StoreHarness) -> None:
    store, root, outside = (
        local_root_store.store,
        local_root_store.root_dir,
        local_root_store.outside_dir,
    )
    assert root is not None and outside is not None
    store.write("ok/file.txt", [b"fine"])
    os.symlink(outside, root / "escape")
    os.symlink(outside / "secret.txt", root / "ok" / "secret-link")
    os.symlink(outside / "not-yet", root / "dangling")
    before = local_root_store.snapshot()
    for key in ("escape/secret.txt", "escape/new.txt", "ok/secret-link", "dangling", "escape"):
        with pytest.raises(InvalidArgument, match="outside"):
            store.write(key, [b"evil"])
        with pytest.raises(InvalidArgument, match="outside"):
            store.open(key)
        with pytest.raises(InvalidArgument, match="outside"):
            store.info(key)
        with pytest.raises(InvalidArgument, match="outside"):
            store.delete(key)
        with pytest.raises(InvalidArgument, match="outside"):
            store.list(key)
    assert local_root_store.snapshot() == before
    assert (outside / "secret.txt").read_bytes() == b"do not touch"
    assert not (outside / "not-yet").exists()
    assert [e.path for e in store.list("", recursive=True)] == ["ok", "ok/file.txt"]


# ----------------------------------------------------------------------------- threads
def test_concurrent_writers_and_readers_see_whole_versions(artifact_store: StoreHarness) -> None:
    store = artifact_store.store
    versions = [bytes([65 + i]) * (50_000 + i) for i in range(4)]
    store.write("shared/file.bin", [versions[0]])
    seen: list[bytes] = []
    errors: list[BaseException] = []

    def writer(version: bytes) -> None:
        try:
            for _ in range(5):
                store.write("shared/file.bin", [version[:1000], version[1000:]])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def reader() -> None:
        try:
            for _ in range(10):
                seen.append(_read(artifact_store, "shared/file.bin"))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(v,)) for v in versions]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(seen) == 20 and all(s in versions for s in seen)
    assert _read(artifact_store, "shared/file.bin") in versions
