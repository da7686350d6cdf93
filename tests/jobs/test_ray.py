"""Jobs on a real Ray head node on 127.0.0.1, through the Ray Jobs API.

Marked ``ray``. Without Ray (or when the head cannot start) the tests skip, except with
``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.errors import BackendUnavailable
from modelyard.tracking.entities import RunStatus

pytestmark = pytest.mark.ray


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Ray is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def ray_address(tmp_path_factory) -> Iterator[str]:
    ray_bin = Path(sys.executable).parent / "ray"
    if not ray_bin.exists():
        _unavailable("ray is not installed (pip install 'modelyard[ray]')")
    # the cluster runs with this virtualenv active, as a user's would: `python` is this one
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "RAY_USAGE_STATS_ENABLED": "0"}
    # Ray's dashboard modules occasionally die while starting on a loaded 2-core machine
    # ("Module MetricsHead failed to start"): a head that fails to start is stopped and
    # started afresh, up to three times, before the fixture gives up.
    failures: list[str] = []
    for _attempt in range(3):
        port, dash = _free_port(), _free_port()
        tmp = tmp_path_factory.mktemp("ray")
        cmd = [str(ray_bin), "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
               "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash), "--include-dashboard", "true",
               "--num-cpus", "2", "--temp-dir", str(tmp), "--disable-usage-stats"]  # fmt: skip
        started = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180, check=False)
        if started.returncode == 0:
            break
        _stop_head(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        failures.append(started.stderr[-1500:])
    else:
        _unavailable(f"ray start failed 3 times; last: {failures[-1]}")
    address = f"http://127.0.0.1:{dash}"
    try:
        from ray.job_submission import JobSubmissionClient

        deadline = time.monotonic() + 120
        while True:
            try:
                JobSubmissionClient(address)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        _stop_head(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


def _stop_head(temp_dir: Path) -> None:
    """Stop only the Ray processes of our head node (``ray stop`` would stop every one on
    the machine): those whose command line names our temp dir; their workers follow."""
    import signal

    def ours() -> list[int]:
        pids = []
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    if str(temp_dir) in (proc / "cmdline").read_bytes().decode(errors="replace"):
                        pids.append(int(proc.name))
                except OSError:
                    continue
        return pids

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in ours():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while ours() and time.monotonic() < deadline:
            time.sleep(0.2)


def test_jobs_run_on_ray_end_to_end(ws, dispatcher, submit, ray_address: str, tmp_path: Path) -> None:
    ws.computes.create(name="cluster", type="ray", address=ray_address)
    code = tmp_path / "src"
    code.mkdir()
    (code / "train.py").write_text(
        "import sys, os, modelyard as yard\n"
        "with yard.start_run():\n"
        "    yard.log_metric('acc', 0.9)\n"
        "open(os.path.join(sys.argv[2], 'm.txt'), 'w').write(sys.argv[1])\n"
        "print('ray says hi')\n"
    )
    ok = submit(command="python train.py ${{inputs.lr}} ${{outputs.model}}", code=code,
                inputs={"lr": 0.3}, outputs={"model": {}}, compute="cluster")  # fmt: skip
    failing = submit(command="python -c \"import sys; sys.stderr.write('ray boom\\n'); sys.exit(4)\"",
                     compute="cluster")  # fmt: skip
    slow = submit(command="sleep 300", compute="cluster", timeout=2)
    done = ok.wait(timeout=180)
    assert done.status is RunStatus.FINISHED, ws.jobs.logs(ok.id)
    assert "ray says hi" in ws.jobs.logs(ok.id)
    assert ws.runs.get(ok.id).metrics["acc"].latest == 0.9
    out = ws.jobs.download(ok.id, tmp_path / "dl", what="outputs")
    assert (out / "outputs" / "model" / "m.txt").read_text() == "0.3"
    bad = failing.wait(timeout=180)
    assert bad.status is RunStatus.FAILED and bad.exit_code == 4 and "ray boom" in bad.stderr_tail
    assert slow.wait(timeout=180).error == "timed out"


def test_an_unreachable_ray_address_is_refused_before_anything_runs(ws) -> None:
    with pytest.raises(BackendUnavailable, match="unreachable"):
        ws.computes.create(name="nowhere", type="ray", address=f"http://127.0.0.1:{_free_port()}")


def test_a_batch_endpoint_scores_on_ray(ws, dispatcher, ray_address: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch endpoint's invocation with compute=<a ray compute> runs its scoring job on the
    cluster and registers the predictions as a data asset."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from modelyard.models.packaging import save_model

    monkeypatch.delenv("MODELYARD_RUN_ID", raising=False)
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(500, 3)), columns=["a", "b", "c"])
    model = LogisticRegression().fit(X, (X["a"] > X["b"]).astype(int))
    save_model(model, tmp_path / "m", input_example=X.head())
    X.to_csv(tmp_path / "score.csv", index=False)
    ws.computes.create(name="cluster", type="ray", address=ray_address)
    ws.models.create(name="clf", path=tmp_path / "m")
    ws.endpoints.create(name="nightly", kind="batch", auth_mode="none")
    ws.endpoints.create_deployment("nightly", name="main", model="clf:1", settings={"mini_batch_size": 100})
    job = ws.endpoints.invoke_batch("nightly", input=tmp_path / "score.csv", output_name="ray-preds",
                                    compute="cluster")
    done = job.wait(timeout=300)
    assert done.status is RunStatus.FINISHED, ws.jobs.logs(job.id)
    assert ws.jobs.get(job.id).compute == "cluster"
    version = ws.data.store.get_version("ray-preds").version
    preds = pd.read_parquet(Path(ws.data.store.local_path("ray-preds", version)) / "predictions.parquet")
    assert preds["row_id"].tolist() == list(range(len(X)))
    assert preds["prediction"].tolist() == model.predict(X).tolist()
