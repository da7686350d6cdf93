"""Jobs: submit-to-Running and submit-to-Finished of a trivial job, a cached environment
reused, and the same trivial script through ``ray job submit`` and the bare Ray Jobs API
against the same local Ray head, in one run.

    .venv/bin/python benchmarks/jobs.py                 # everything (starts a Ray head)
    .venv/bin/python benchmarks/jobs.py --no-ray --n 20
    .venv/bin/python benchmarks/jobs.py --markdown /tmp/jobs.md

Targets (issue 3): submit to Running < 300 ms median; a trivial current-interpreter local
job submitted to Finished < 1 s; a cached environment reused < 100 ms; ours on ``local`` at
least 3x faster to Finished than ``ray job submit``; ours on ``ray`` within 1.2x of the bare
Ray Jobs API.

Method: each "ours" figure is measured from the SDK call (``ws.jobs.create_or_update``) in
this process to the moment the job's status, read from the workspace database every 2 ms,
changes. The first job of a fresh process on a fresh workspace is reported apart ("cold":
imports in this process, the on-demand agent's start); the medians are of the following
jobs (the agent is warm). The bare Ray Jobs API figure is ``JobSubmissionClient.submit_job``
to ``SUCCEEDED``, polled every 2 ms; the ``ray job submit`` figure is the CLI's wall time
(it waits for the job and prints its log).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRIVIAL = 'print("hello from a trivial job")\n'


def _wait_status(store, job_id: str, *, until_running: bool = False) -> tuple[float | None, float, object]:
    from modelyard.tracking.entities import RunStatus

    t_running = None
    while True:
        job = store.get_job(job_id)
        now = time.perf_counter()
        if t_running is None and job.status is not RunStatus.QUEUED:
            t_running = now
            if until_running:
                return t_running, now, job
        if job.status.is_terminal:
            return t_running, now, job
        time.sleep(0.002)


def bench_local(work: Path, code: Path, n: int) -> dict:
    import modelyard as yard

    ws = yard.Workspace(work / "ws-local")
    _ = ws.jobs.store, ws.tracking_store  # the workspace exists (created, migrated) before any timing
    spec = yard.command(command="python trivial.py", code=code)
    out: dict = {"running": [], "finished": []}
    for i in range(n + 1):
        t0 = time.perf_counter()
        job = ws.jobs.create_or_update(spec)
        t_submit = time.perf_counter()
        t_run, t_end, ended = _wait_status(ws.jobs.store, job.id)
        assert ended.status.value == "Finished", (ended.status, ended.error)
        row = {"submit": t_submit - t0, "running": t_run - t0, "finished": t_end - t0}
        if i == 0:
            out["cold"] = row
        else:
            out["running"].append(row["running"])
            out["finished"].append(row["finished"])
            out.setdefault("submit", []).append(row["submit"])
    ws.close()
    return out


def bench_environment(work: Path, code: Path, n: int) -> dict:
    import modelyard as yard
    from modelyard.jobs.entities import EnvironmentSpec
    from modelyard.jobs.environments import ensure_environment

    ws = yard.Workspace(work / "ws-env")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    cache = ws.location.folder / "environments"
    t0 = time.perf_counter()
    ensure_environment(EnvironmentSpec(python=version), cache_root=cache)
    build = time.perf_counter() - t0
    reuse = []
    for _ in range(max(n, 5)):
        t0 = time.perf_counter()
        ensure_environment(EnvironmentSpec(python=version), cache_root=cache)
        reuse.append(time.perf_counter() - t0)
    spec = yard.command(command="python trivial.py", code=code, environment={"python": version})
    finished = []
    for _ in range(max(3, n // 2)):
        t0 = time.perf_counter()
        job = ws.jobs.create_or_update(spec)
        _, t_end, ended = _wait_status(ws.jobs.store, job.id)
        assert ended.status.value == "Finished", ended.error
        finished.append(t_end - t0)
    ws.close()
    return {"build": build, "reuse": reuse, "finished": finished}


# ------------------------------------------------------------------------------- Ray
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_ray(tmp: Path) -> str:
    ray_bin = Path(sys.executable).parent / "ray"
    port, dash = _free_port(), _free_port()
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "RAY_USAGE_STATS_ENABLED": "0"}
    cmd = [str(ray_bin), "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
           "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash), "--include-dashboard", "true",
           "--num-cpus", "2", "--temp-dir", str(tmp), "--disable-usage-stats"]  # fmt: skip
    subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=True)
    address = f"http://127.0.0.1:{dash}"
    from ray.job_submission import JobSubmissionClient

    deadline = time.monotonic() + 180
    while True:
        try:
            JobSubmissionClient(address)
            return address
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def stop_ray(temp_dir: Path) -> None:
    """Stop only our head's processes (those naming our temp dir)."""
    import signal

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if str(temp_dir) in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    os.kill(int(proc.name), sig)
            except (OSError, ProcessLookupError):
                continue
        time.sleep(2)


def bench_ray(work: Path, code: Path, n: int, address: str) -> dict:
    """The three ways, interleaved round by round so a change of machine load hits all alike."""
    from ray.job_submission import JobStatus, JobSubmissionClient

    import modelyard as yard

    client = JobSubmissionClient(address)
    ray_bin = str(Path(sys.executable).parent / "ray")
    ws = yard.Workspace(work / "ws-ray")
    ws.computes.create(name="cluster", type="ray", address=address)
    spec = yard.command(command="python trivial.py", code=code, compute="cluster")

    def bare() -> float:
        t0 = time.perf_counter()
        sid = client.submit_job(entrypoint="python trivial.py", runtime_env={"working_dir": str(code)})
        while (status := client.get_job_status(sid)) not in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.STOPPED):
            time.sleep(0.002)
        assert status is JobStatus.SUCCEEDED, client.get_job_logs(sid)
        return time.perf_counter() - t0

    def cli() -> float:
        t0 = time.perf_counter()
        subprocess.run([ray_bin, "job", "submit", "--address", address, "--working-dir", str(code), "--",
                        "python", "trivial.py"], check=True, capture_output=True, timeout=600)  # fmt: skip
        return time.perf_counter() - t0

    def ours() -> float:
        t0 = time.perf_counter()
        job = ws.jobs.create_or_update(spec)
        _, t_end, ended = _wait_status(ws.jobs.store, job.id)
        assert ended.status.value == "Finished", (ended.error, ws.jobs.logs(job.id))
        return t_end - t0

    bare(), ours()  # warm-up: the working_dir package upload, our agent; not counted
    out: dict = {"bare_api": [], "cli": [], "ours_ray": []}
    for _ in range(n):
        out["bare_api"].append(bare())
        out["ours_ray"].append(ours())
        out["cli"].append(cli())
    ws.close()
    return out


# ---------------------------------------------------------------------------- report
def ms(v: float) -> str:
    return f"{v * 1000:.1f} ms" if v < 0.01 else f"{v * 1000:.0f} ms"


def med(values: list[float]) -> float:
    return statistics.median(values)


def report(res: dict) -> str:
    loc, env = res["local"], res["env"]
    lines = [
        "| measure | median | target | met |", "| --- | ---: | ---: | --- |",
        f"| submit call returns (local, warm agent) | {ms(med(loc['submit']))} | | |",
        f"| submit to Running (local, warm agent) | {ms(med(loc['running']))} | < 300 ms | {'yes' if med(loc['running']) < 0.3 else 'no'} |",
        f"| submit to Finished (local, current interpreter, warm agent) | {ms(med(loc['finished']))} | < 1 s | {'yes' if med(loc['finished']) < 1 else 'no'} |",
        f"| first job, fresh process and cold agent: to Running / Finished | {ms(loc['cold']['running'])} / {ms(loc['cold']['finished'])} | | |",
        f"| cached environment reused (`ensure_environment`) | {ms(med(env['reuse']))} | < 100 ms | {'yes' if med(env['reuse']) < 0.1 else 'no'} |",
        f"| first build of that environment (no packages) | {ms(env['build'])} | | |",
        f"| submit to Finished in that cached environment | {ms(med(env['finished']))} | | |",
    ]  # fmt: skip
    if "ray" in res:
        r = res["ray"]
        local_vs_cli = med(r["cli"]) / med(loc["finished"])
        ray_vs_bare = med(r["ours_ray"]) / med(r["bare_api"])
        lines += [
            f"| `ray job submit` CLI, to Finished | {ms(med(r['cli']))} | | |",
            f"| bare Ray Jobs API (`submit_job` to SUCCEEDED) | {ms(med(r['bare_api']))} | | |",
            f"| ours on `ray`, submit to Finished | {ms(med(r['ours_ray']))} | | |",
            f"| ours on `local` vs `ray job submit` | **{local_vs_cli:.1f}x faster** | >= 3x | {'yes' if local_vs_cli >= 3 else 'no'} |",
            f"| ours on `ray` vs bare Ray Jobs API | **{ray_vs_bare:.2f}x** | <= 1.2x | {'yes' if ray_vs_bare <= 1.2 else 'no'} |",
        ]  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="jobs per measure (default 10)")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray comparison")
    parser.add_argument("--ray-n", type=int, default=5, help="rounds of the Ray comparison (default 5)")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    parser.add_argument("--json", type=Path, help="write the raw timings here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jobs-bench-", dir=os.environ.get("TMPDIR")))
    code = work / "code"
    code.mkdir()
    (code / "trivial.py").write_text(TRIVIAL)
    os.environ.pop("MODELYARD_RUN_ID", None)
    res: dict = {"local": bench_local(work, code, args.n)}
    res["env"] = bench_environment(work, code, args.n)
    ray_tmp = None
    try:
        if not args.no_ray:
            ray_tmp = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
            address = start_ray(ray_tmp)
            res["ray"] = bench_ray(work, code, args.ray_n, address)
    finally:
        if ray_tmp is not None:
            stop_ray(ray_tmp)
            shutil.rmtree(ray_tmp, ignore_errors=True)
    import modelyard

    try:
        import ray

        ray_version = ray.__version__
    except ImportError:
        ray_version = "not installed"
    header = (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"Modelyard {modelyard.__version__}, Ray {ray_version}, load average "
              f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    table = report(res)
    print(header)
    print(table)
    if args.markdown:
        args.markdown.write_text(header + "\n\n" + table + "\n")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
