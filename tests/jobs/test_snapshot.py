"""Code snapshots: ignore rules, content addressing, the size limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.errors import PayloadTooLarge
from modelyard.jobs.snapshot import collect_files, extract_snapshot, snapshot_key, store_snapshot


def make_code(root: Path) -> Path:
    files = {
        "train.py": "print('train')\n",
        "pkg/util.py": "X = 1\n",
        "data/big.bin": "x" * 100,
        "notes.log": "log\n",
        "keep.log": "keep\n",
        "secret.env": "TOKEN=1\n",
        ".git/HEAD": "ref\n",
        "pkg/__pycache__/util.cpython-311.pyc": "bytecode",
        ".gitignore": "data/\n*.log\n!keep.log\n",
        ".yardignore": "secret.env\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_gitignore_and_yardignore_are_honoured(tmp_path: Path) -> None:
    code = make_code(tmp_path / "code")
    names = [rel for rel, _ in collect_files(code)]
    assert names == [".gitignore", ".yardignore", "keep.log", "pkg/util.py", "train.py"]


def test_identical_content_is_stored_once_and_changes_make_a_new_snapshot(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "artifacts")
    a = store_snapshot(store, make_code(tmp_path / "a"))
    b = store_snapshot(store, make_code(tmp_path / "b"))  # same files elsewhere
    assert a.digest == b.digest
    assert len(store.list("snapshots")) == 1
    (tmp_path / "b" / "train.py").write_text("print('changed')\n")
    c = store_snapshot(store, tmp_path / "b")
    assert c.digest != a.digest
    assert {e.path for e in store.list("snapshots")} == {f"{a.digest}.tar.gz", f"{c.digest}.tar.gz"}
    # an ignored file changing does not change the snapshot
    (tmp_path / "a" / "notes.log").write_text("other\n")
    assert store_snapshot(store, tmp_path / "a").digest == a.digest


def test_a_snapshot_extracts_to_the_same_files(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "artifacts")
    code = make_code(tmp_path / "code")
    (code / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (code / "run.sh").chmod(0o755)
    snap = store_snapshot(store, code)
    out = extract_snapshot(store, snap.digest, tmp_path / "out")
    assert (out / "pkg/util.py").read_text() == "X = 1\n"
    assert not (out / "data").exists() and not (out / "secret.env").exists()
    assert (out / "run.sh").stat().st_mode & 0o100
    assert store.info(snapshot_key(snap.digest)) is not None


def test_a_code_folder_over_the_limit_is_refused(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "weights.bin").write_bytes(b"0" * 5000)
    with pytest.raises(PayloadTooLarge, match="snapshot limit"):
        store_snapshot(LocalArtifactStore(tmp_path / "a"), code, max_bytes=1000)
