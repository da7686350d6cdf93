"""End to end: the built Studio in Debian's Chromium against a real server on loopback,
over a workspace seeded with the SDK. Saves a screenshot of every page under
docs/screenshots/."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.studio.conftest import REPO, UI
from tests.studio.seed import seed_jobs, seed_workspace, wait_endpoint
from tests.support.server import live_server

pytestmark = pytest.mark.browser

STATIC_INDEX = REPO / "src/modelyard/server/static/index.html"
SCREENSHOTS = REPO / "docs/screenshots"


def test_studio_end_to_end(tmp_path: Path, node: str, chromium: str) -> None:
    assert STATIC_INDEX.is_file(), "the Studio is not built: run `make ui`"
    seeded = seed_workspace(tmp_path / "ws")
    seed_file = tmp_path / "seed.json"
    with live_server(tmp_path / "ws") as srv:
        jobs = seed_jobs(srv.url, tmp_path / "release-live-job")
        wait_endpoint(srv.url, seeded)
        seed_file.write_text(json.dumps({**asdict(seeded), **asdict(jobs)}))
        proc = subprocess.run(
            [node, str(UI / "e2e/run.mjs"), srv.url, str(SCREENSHOTS), str(seed_file)],
            capture_output=True, text=True, timeout=420, check=False,
            env={"PATH": "/usr/bin:/bin", "CHROMIUM_PATH": chromium},
        )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result from the e2e script:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    result = json.loads(lines[-1])
    assert result["ok"], json.dumps(result, indent=2)
    steps = " | ".join(result["steps"])
    # The key flows a new user follows, each checked inside the browser.
    assert f"best run {seeded.best_run_name} is first" in steps
    assert "compared 3 runs" in steps
    assert "artifact previews: CSV table, JSON, YAML, image, text" in steps
    assert "inline error" in steps
    assert "finished job: its whole log and exit code" in steps
    assert "followed a running job's log live until the job finished" in steps
    assert "data asset: preview table and profile" in steps
    assert f"model version {seeded.model_name} v1: signature, input example, lineage to its run and data" in steps
    assert f"endpoint console: prediction from deployment {seeded.deployment_name}, status 200" in steps
    for name in ["home", "experiments", "runs-table", "compare", "run-overview", "run-metrics",
                 "run-artifacts-csv", "run-children", "jobs", "job-logs", "job-logs-live",
                 "data", "data-preview", "data-profile", "compute", "models", "model-version", "endpoints",
                 "endpoint", "endpoint-console", "endpoint-monitoring", "runs-table-dark"]:
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000, name
