"""The Studio's own checks, run from pytest so that `make test` covers them: the Vitest
suite, the TypeScript type check and the generated API client's freshness."""

from __future__ import annotations

import subprocess

from tests.studio.conftest import UI


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=UI, capture_output=True, text=True, timeout=600, check=False)


def test_vitest_suite_passes(npm: str) -> None:
    r = _run([npm, "test", "--", "--reporter=dot"])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]


def test_typescript_compiles(npm: str) -> None:
    r = _run([npm, "run", "typecheck"])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]


def test_generated_api_client_matches_the_server(npm: str) -> None:
    r = _run([npm, "run", "check:api"])
    assert r.returncode == 0, (
        "ui/src/api/schema.ts is stale: run `npm run gen:api` in ui/\n" + r.stdout + r.stderr
    )
