"""Isolated environments: built once per spec (offline, from a local wheel), reused after."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import zipfile
from pathlib import Path

import pytest

from modelyard.jobs.entities import EnvironmentSpec
from modelyard.jobs.environments import EnvironmentBuildFailed, ensure_environment


def make_wheel(folder: Path, name: str = "tinypkg", version: str = "1.0") -> Path:
    """A minimal pure-Python wheel, written by hand so the test needs no network."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VALUE = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(path, "w") as zf:
        for rel, text in files.items():
            data = text.encode()
            zf.writestr(rel, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{rel},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        zf.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return path


def offline_spec(wheels: Path, requirement: str = "tinypkg") -> EnvironmentSpec:
    return EnvironmentSpec(pip=("--no-index", f"--find-links {wheels}", requirement))


def test_an_environment_is_built_once_and_reused(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    make_wheel(wheels)
    spec = offline_spec(wheels)
    first = ensure_environment(spec, cache_root=tmp_path / "envs")
    assert not first.reused
    out = subprocess.run([first.python, "-c", "import tinypkg, modelyard; print(tinypkg.VALUE)"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "1.0"
    second = ensure_environment(spec, cache_root=tmp_path / "envs")
    assert second.reused and second.python == first.python
    other = ensure_environment(EnvironmentSpec(pip=spec.pip, python=spec.python or "3"), cache_root=tmp_path / "envs")
    assert other.python != first.python


def test_the_current_interpreter_needs_no_build(tmp_path: Path) -> None:
    import sys

    env = ensure_environment(EnvironmentSpec(), cache_root=tmp_path / "envs")
    assert env.python == sys.executable and env.digest is None
    assert not (tmp_path / "envs").exists()


def test_a_failed_build_keeps_its_log(tmp_path: Path) -> None:
    (tmp_path / "nowheels").mkdir()
    spec = offline_spec(tmp_path / "nowheels", "no-such-package-xyz")
    with pytest.raises(EnvironmentBuildFailed) as info:
        ensure_environment(spec, cache_root=tmp_path / "envs")
    log = Path(info.value.details["log"])
    assert log.is_file() and "no-such-package-xyz" in log.read_text()
    assert "no-such-package-xyz" in info.value.message


def test_an_unavailable_python_version_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentBuildFailed, match="python 3.4"):
        ensure_environment(EnvironmentSpec(python="3.4"), cache_root=tmp_path / "envs")
