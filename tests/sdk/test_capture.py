"""Git and environment capture, in a real temporary Git repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelyard.sdk._capture import capture_git, package_versions, strip_credentials
from modelyard.sdk.workspace import Workspace

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, env={**os.environ, **GIT_ENV}
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    (root / "src" / "train.py").write_text("print('hi')\n")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    _git(root, "remote", "add", "origin", "https://alice:s3cret-token@git.example.com/team/project.git")
    return root


def test_git_state_and_dirty_flag(repo: Path) -> None:
    info = capture_git(repo / "src")
    assert info is not None
    assert info.commit == _git(repo, "rev-parse", "HEAD")
    assert info.branch == "main"
    assert info.remote == "https://git.example.com/team/project.git"  # no credentials
    assert info.dirty is False
    (repo / "src" / "train.py").write_text("print('changed')\n")
    assert capture_git(repo).dirty is True
    _git(repo, "commit", "-q", "-am", "second")
    after = capture_git(repo)
    assert after.dirty is False and after.commit == _git(repo, "rev-parse", "HEAD")


def test_untracked_files_do_not_make_the_tree_dirty(repo: Path) -> None:
    (repo / "scratch.txt").write_text("x")
    assert capture_git(repo).dirty is False


def test_nothing_outside_a_repository(tmp_path: Path) -> None:
    assert capture_git(tmp_path) is None


def test_credentials_are_stripped_from_remotes() -> None:
    assert strip_credentials("https://user:pw@host/x.git") == "https://host/x.git"
    assert strip_credentials("https://token@host:8443/x") == "https://host:8443/x"
    assert strip_credentials("git@github.com:org/repo.git") == "git@github.com:org/repo.git"
    assert strip_credentials("https://host/x") == "https://host/x"


def test_installed_key_packages_are_recorded() -> None:
    versions = package_versions()
    import numpy

    assert versions["numpy"] == numpy.__version__
    assert "definitely-not-installed" not in versions


def test_a_script_run_records_its_source(repo: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    script = repo / "src" / "train.py"
    script.write_text(
        "import modelyard as yard\n"
        "with yard.start_run(experiment='capture') as run:\n"
        "    yard.log_metric('acc', 1.0)\n"
        "print(run.id)\n"
    )  # the script itself is now modified: the tree is dirty
    env = {**os.environ, "MODELYARD_WORKSPACE": str(workspace)}
    env.pop("MODELYARD_RUN_ID", None)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    run_id = done.stdout.strip()
    with Workspace(workspace) as ws:
        source = ws.runs.get(run_id).source
    assert source.git_commit == _git(repo, "rev-parse", "HEAD")
    assert source.git_branch == "main"
    assert source.git_dirty is True
    assert source.git_remote == "https://git.example.com/team/project.git"
    assert source.entry_point == "src/train.py"
    assert source.python_version == ".".join(map(str, sys.version_info[:3]))
    assert source.host and source.packages.get("modelyard")
    assert json.dumps(source.packages)  # plain strings
