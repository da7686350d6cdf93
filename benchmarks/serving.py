"""Real-time and batch serving: Modelyard endpoints vs ``mlflow models serve`` / ``predict``.

The same scikit-learn LogisticRegression (8 float features, fitted on the same generated
data in each venv) is served by a Modelyard online endpoint (server gateway + one worker)
and by ``mlflow models serve --env-manager local`` (one worker), side by side in one run::

    .venv/bin/python benchmarks/serving.py [--quick] [--markdown out.md] [--json raw.json]
    .venv/bin/python benchmarks/serving.py --only batch [--batch-repeats 5]   # batch part alone

Load comes from ``wrk`` (C, its own process; ``apt-get install wrk``), so the load generator
does not dominate; its Lua ``done`` hook prints exact percentiles. Every figure is the
median of several alternating repeats; the 1-minute load average is recorded at each step.
Needs ``benchmarks/setup_peers.sh`` (MLflow >= 3 in ``benchmarks/.venv-peers``).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _infra as infra

N_FEATURES = 8
COLUMNS = [f"f{i}" for i in range(N_FEATURES)]
LOADS: list[float] = []

PEER_TRAIN = """
import sys, numpy as np, pandas as pd, mlflow.sklearn
from sklearn.linear_model import LogisticRegression
d = np.load(sys.argv[1]); X = pd.DataFrame(d["X"], columns=[f"f{i}" for i in range(d["X"].shape[1])])
m = LogisticRegression(max_iter=500).fit(X, d["y"])
mlflow.sklearn.save_model(m, sys.argv[2], input_example=X.head(5))
"""

WRK_LUA = """
wrk.method = "POST"
local f = io.open("{body}", "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
{auth}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {{"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d}}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
"""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load1() -> float:
    value = float(Path("/proc/loadavg").read_text().split()[0])
    LOADS.append(value)
    return value


def split_body(X: Any) -> bytes:
    return json.dumps({"dataframe_split": {"columns": COLUMNS, "data": X.tolist()}}).encode()


# ----------------------------------------------------------------------- load generation
def wrk(url: str, script: Path, *, connections: int, threads: int, seconds: float) -> dict[str, Any]:
    load1()
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
                          "-s", str(script), url], capture_output=True, text=True, check=False, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK ")), None)
    if line is None:
        raise infra.DriverFailed(f"wrk failed on {url}:\n{out.stdout}\n{out.stderr}")
    r = json.loads(line[4:])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    if r["errors"] or r["non2xx"]:
        log(f"  warning: {url}: {r['errors']} socket errors, {r['non2xx']} non-2xx answers")
    return r


def wrk_script(scratch: Path, name: str, body: bytes, key: str | None) -> Path:
    body_path = scratch / f"{name}.json"
    body_path.write_bytes(body)
    auth = f'wrk.headers["Authorization"] = "Bearer {key}"' if key else ""
    script = scratch / f"{name}.lua"
    script.write_text(WRK_LUA.format(body=body_path, auth=auth))
    return script


def timed_posts(port: int, path: str, body: bytes, headers: dict[str, str], n: int, warmup: int = 2) -> list[float]:
    """Wall time of ``n`` POSTs (each reading the whole answer) over one kept-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times = []
    for i in range(warmup + n):
        t0 = time.perf_counter()
        conn.request("POST", path, body=body, headers={"content-type": "application/json", **headers})
        resp = conn.getresponse()
        resp_body = resp.read()
        dt = time.perf_counter() - t0
        if resp.status != 200:
            raise infra.DriverFailed(f"POST {path} -> {resp.status}: {resp_body[:500]!r}")
        if i >= warmup:
            times.append(dt)
    conn.close()
    return times


def post_status(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


# ----------------------------------------------------------------------- setup
def make_data(scratch: Path, batch_rows: int) -> tuple[Any, Any, Path]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    X = rng.normal(size=(5000, N_FEATURES))
    y = (X @ rng.normal(size=N_FEATURES) > 0).astype(int)
    np.savez(scratch / "train.npz", X=X, y=y)
    big = rng.normal(size=(batch_rows, N_FEATURES)).round(6)
    csv = scratch / "batch.csv"
    pd.DataFrame(big, columns=COLUMNS).to_csv(csv, index=False)
    return X, y, csv


def save_yard_model(scratch: Path, X: Any, y: Any) -> tuple[Any, Any, Path]:
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from modelyard.models.packaging import save_model

    frame = pd.DataFrame(X, columns=COLUMNS)
    model = LogisticRegression(max_iter=500).fit(frame, y)
    model_dir = scratch / "yard-model"
    save_model(model, model_dir, input_example=frame.head(5))
    return model, frame, model_dir


def save_mlflow_model(scratch: Path) -> Path:
    model_dir = scratch / "mlflow-model"
    subprocess.run([str(infra.PEER_PY), "-c", PEER_TRAIN, str(scratch / "train.npz"), str(model_dir)],
                   check=True, capture_output=True, env={**infra.QUIET_ENV, "PATH": "/usr/bin:/bin"})
    return model_dir


def start_yard(scratch: Path, X: Any, y: Any) -> tuple[Any, Any, str, Path]:
    import modelyard as yard
    from modelyard.sdk import fluent

    model, frame, model_dir = save_yard_model(scratch, X, y)
    port = infra.free_port()
    server = infra.Server("modelyard server", [str(infra.YARD_PY.parent / "modelyard"), "-w", str(scratch / "ws"),
                                               "server", "--host", "127.0.0.1", "--port", str(port)],
                          f"http://127.0.0.1:{port}/healthz", scratch / "yard-server.log")
    server.__enter__()
    ws = yard.Workspace(f"http://127.0.0.1:{port}")
    fluent.set_workspace(ws)
    yard.log_model(model, "model", input_example=frame.head(5), registered_model_name="bench-clf")
    ep = ws.endpoints.create(name="bench")
    ws.endpoints.create_deployment("bench", name="blue", model="models:/bench-clf/1",
                                   settings={"max_batch_size": 32, "max_wait_ms": 2})
    ws.endpoints.wait_ready("bench", "blue")
    return server, ws, ep.keys[0], model_dir


def worker_port(ws: Any, deployment: str) -> int:
    found = re.findall(r"worker ready on \('127\.0\.0\.1', (\d+)\)", ws.endpoints.get_logs("bench", deployment))
    if not found:
        raise infra.DriverFailed(f"no worker port in the logs of {deployment}")
    return int(found[-1])


def start_mlflow(scratch: Path) -> tuple[infra.Server, Path, float]:
    model_dir = save_mlflow_model(scratch)
    port = infra.free_port()
    server = infra.Server("mlflow models serve", [str(infra.PEER_BIN / "mlflow"), "models", "serve", "-m",
                                                  str(model_dir), "-h", "127.0.0.1", "-p", str(port),
                                                  "--env-manager", "local"],
                          f"http://127.0.0.1:{port}/ping", scratch / "mlflow-serve.log",
                          env={"PATH": f"{infra.PEER_BIN}:/usr/bin:/bin"})
    t0 = time.perf_counter()
    server.__enter__()  # polls /ping every 0.2 s
    return server, model_dir, time.perf_counter() - t0


# ----------------------------------------------------------------------- measurements
def first_request(ws: Any, gw_port: int, key: str, body: bytes, i: int) -> float:
    """Seconds from the create call until the new deployment's first 200 answer."""
    name = f"fresh{i}"
    url = f"http://127.0.0.1:{gw_port}/endpoints/bench/deployments/{name}/score"
    t0 = time.perf_counter()
    ws.endpoints.create_deployment("bench", name=name, model="models:/bench-clf/1")
    while post_status(url, body, {"authorization": f"Bearer {key}"}) != 200:
        if time.perf_counter() - t0 > 60:
            raise infra.DriverFailed(f"deployment {name} answered nothing in 60 s")
        time.sleep(0.01)  # polling for readiness, not timing a step
    elapsed = time.perf_counter() - t0
    ws.endpoints.delete_deployment("bench", name)
    return elapsed


def mlflow_first_ping(model_dir: Path, scratch: Path) -> float:
    port = infra.free_port()
    argv = [str(infra.PEER_BIN / "mlflow"), "models", "serve", "-m", str(model_dir), "-h", "127.0.0.1",
            "-p", str(port), "--env-manager", "local"]
    t0 = time.perf_counter()
    with open(scratch / "mlflow-cold.log", "wb") as logf:
        proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**infra.QUIET_ENV, "PATH": f"{infra.PEER_BIN}:/usr/bin:/bin"})
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as r:
                        if r.status == 200:
                            return time.perf_counter() - t0
                except OSError:
                    time.sleep(0.01)
                if time.perf_counter() - t0 > 120:
                    raise infra.DriverFailed("mlflow models serve did not answer /ping in 120 s")
        finally:
            import os
            import signal

            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def batch(side: str, model_dir: Path, csv: Path, scratch: Path) -> dict[str, Any]:
    """One fresh-process batch run: wall and CPU (user+sys of the process and its children)
    seconds, the 1-minute load average before it, and (ours) the stages from summary.json."""
    import resource

    out = scratch / f"batch-{side}"
    shutil.rmtree(out, ignore_errors=True)
    if side == "yard":
        argv = [str(infra.YARD_PY), "-m", "modelyard.endpoints.batch", "--model-dir", str(model_dir),
                "--input", str(csv), "--output", str(out), "--format", "csv"]
        env = None
    else:
        out.mkdir()
        argv = [str(infra.PEER_BIN / "mlflow"), "models", "predict", "-m", str(model_dir), "-i", str(csv),
                "-t", "csv", "-o", str(out / "predictions.json"), "--env-manager", "local"]
        env = {**infra.QUIET_ENV, "PATH": f"{infra.PEER_BIN}:/usr/bin:/bin"}
    load = load1()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, timeout=1800)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise infra.DriverFailed(f"{side} batch scoring failed:\n{proc.stderr[-3000:]}")
    run = {"wall": elapsed, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
           "load": load}
    if side == "yard":
        stages = json.loads((out / "summary.json").read_text()).get("stages", {})
        inside = sum(v["wall_s"] for k, v in stages.items() if k != "load_model")
        run["stages"] = {**stages, "start_and_imports": {"wall_s": round(elapsed - inside, 4)}}
    return run


def batch_runs(yard_dir: Path, mlflow_dir: Path, csv: Path, scratch: Path, repeats: int,
               rows: int) -> dict[str, Any]:
    log(f"batch scoring {rows:,} rows from CSV, {repeats} alternating repeats")
    res: dict[str, Any] = {"yard": [], "mlflow": [], "rows": rows}
    for i in range(repeats):
        for side, folder in (("yard", yard_dir), ("mlflow", mlflow_dir)):
            res[side].append(batch(side, folder, csv, scratch))
        y, m = res["yard"][-1], res["mlflow"][-1]
        log(f"  {i + 1}/{repeats}: yard {y['wall']:.2f} s (cpu {y['cpu']:.2f}, load {y['load']:.2f}), "
            f"mlflow {m['wall']:.2f} s (cpu {m['cpu']:.2f}, load {m['load']:.2f})")
    return res


def batch_table(b: dict[str, Any]) -> str:
    """The batch figures: medians, the per-repeat spread and our per-stage breakdown."""
    def stat(side: str, key: str) -> str:
        values = [r[key] for r in b[side]]
        return f"{med(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    ratio = med([r["wall"] for r in b["mlflow"]]) / med([r["wall"] for r in b["yard"]])
    cpu_ratio = med([r["cpu"] for r in b["mlflow"]]) / med([r["cpu"] for r in b["yard"]])
    loads = [r["load"] for side in ("yard", "mlflow") for r in b[side]]
    out = [(f"Batch scoring {b['rows']:,} CSV rows, {len(b['yard'])} alternating fresh-process repeats, "
            f"1-minute load average {min(loads):.2f}-{max(loads):.2f}:"), "",
           "| side | wall s, median (range) | CPU s user+sys, median (range) |", "|---|---|---|",
           f"| Modelyard | {stat('yard', 'wall')} | {stat('yard', 'cpu')} |",
           f"| MLflow | {stat('mlflow', 'wall')} | {stat('mlflow', 'cpu')} |",
           f"| ratio | **{ratio:.2f}x faster** | {cpu_ratio:.2f}x less CPU |", "",
           ("Modelyard stages (median wall s / CPU s; `load_model` runs in a thread during `read`, its CPU "
            "is that thread's; `start_and_imports` is the wall before the first stage plus exit):"), ""]
    names = list(b["yard"][0]["stages"])
    for name in names:
        runs = [r["stages"][name] for r in b["yard"] if name in r["stages"]]
        wall = med([s["wall_s"] for s in runs])
        cpu_key = "cpu_s" if "cpu_s" in runs[0] else "thread_cpu_s" if "thread_cpu_s" in runs[0] else None
        cpu = f"{med([s[cpu_key] for s in runs]):.3f}" if cpu_key else "-"
        out.append(f"* {name}: {wall:.3f} / {cpu}")
    return "\n".join(out)


def med(values: list[float]) -> float:
    return statistics.median(values)


def run_batch_only(args: argparse.Namespace) -> dict[str, Any]:
    infra.check_peers()
    infra.WORK.mkdir(parents=True, exist_ok=True)
    scratch = infra.WORK / f"serving-batch-{time.strftime('%Y%m%d-%H%M%S')}"
    scratch.mkdir(parents=True)
    rows = args.batch_rows
    log(f"scratch {scratch}; data ({rows} batch rows)")
    X, y, csv = make_data(scratch, rows)
    _, _, yard_dir = save_yard_model(scratch, X, y)
    mlflow_dir = save_mlflow_model(scratch)
    res: dict[str, Any] = {"machine": infra.machine(), "only": "batch"}
    res["batch"] = batch_runs(yard_dir, mlflow_dir, csv, scratch, args.batch_repeats or 5, rows)
    res["versions"] = versions()
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return res


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    repeats, seconds = (3, 4) if quick else (5, 10)
    batch_rows, batch_repeats = args.batch_rows, args.batch_repeats or (1 if quick else 3)
    infra.check_peers()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    infra.WORK.mkdir(parents=True, exist_ok=True)
    scratch = infra.WORK / f"serving-{time.strftime('%Y%m%d-%H%M%S')}"
    scratch.mkdir(parents=True)
    res: dict[str, Any] = {"machine": infra.machine(), "quick": quick, "repeats": repeats, "seconds": seconds}
    log(f"scratch {scratch}; data ({batch_rows} batch rows)")
    X, y, csv = make_data(scratch, batch_rows)
    with contextlib.ExitStack() as stack:
        log("starting modelyard server + deployment, and mlflow models serve")
        server, ws, key, yard_dir = start_yard(scratch, X, y)
        stack.callback(server.__exit__, None, None, None)
        stack.callback(ws.close)
        mserver, mlflow_dir, _ = start_mlflow(scratch)
        stack.callback(mserver.__exit__, None, None, None)
        gw_port = int(server.health_url.split(":")[2].split("/")[0])
        wk_port = worker_port(ws, "blue")
        ml_port = int(mserver.health_url.split(":")[2].split("/")[0])
        one = split_body(X[:1])
        s_gw = wrk_script(scratch, "one-gw", one, key)
        s_plain = wrk_script(scratch, "one-plain", one, None)
        urls = {"yard": f"http://127.0.0.1:{gw_port}/endpoints/bench/score",
                "worker": f"http://127.0.0.1:{wk_port}/score",
                "mlflow": f"http://127.0.0.1:{ml_port}/invocations"}
        scripts = {"yard": s_gw, "worker": s_plain, "mlflow": s_plain}
        for side, url in urls.items():  # warm up each server
            wrk(url, scripts[side], connections=1, threads=1, seconds=1)

        log("single-row, one client (wrk -c1)")
        single: dict[str, list[dict[str, Any]]] = {s: [] for s in urls}
        for r in range(repeats):
            for side, url in urls.items():
                single[side].append(wrk(url, scripts[side], connections=1, threads=1, seconds=seconds))
            log(f"  {r + 1}/{repeats}: " + ", ".join(f"{s} {single[s][-1]['rps']:.0f}/s p50 {single[s][-1]['p50_us']}us"
                                                     for s in urls))
        res["single"] = single

        log("single-row, 32 concurrent clients (wrk -c32)")
        conc: dict[str, list[dict[str, Any]]] = {"yard": [], "mlflow": []}
        for r in range(repeats):
            for side, runs in conc.items():
                runs.append(wrk(urls[side], scripts[side], connections=32, threads=2, seconds=seconds))
            log(f"  {r + 1}/{repeats}: " + ", ".join(f"{s} {conc[s][-1]['rps']:.0f}/s" for s in conc))
        res["concurrent"] = conc

        log("10,000-row request")
        big = split_body(X[:5000].repeat(2, axis=0))
        n_big = 5 if quick else 15
        load1()
        res["rows10k"] = {
            "yard": timed_posts(gw_port, "/endpoints/bench/score", big, {"authorization": f"Bearer {key}"}, n_big),
            "mlflow": timed_posts(ml_port, "/invocations", big, {}, n_big),
        }
        log(f"  yard {med(res['rows10k']['yard']) * 1e3:.1f} ms, mlflow {med(res['rows10k']['mlflow']) * 1e3:.1f} ms")

        log("first answer of a new deployment (and mlflow models serve to its first /ping)")
        res["first"] = {"yard": [], "mlflow": []}
        for i in range(repeats):
            time.sleep(3)  # let the supervisor's spare worker warm up again (not a timed step)
            load1()
            res["first"]["yard"].append(first_request(ws, gw_port, key, one, i))
            res["first"]["mlflow"].append(mlflow_first_ping(mlflow_dir, scratch))
            log(f"  {i + 1}/{repeats}: yard {res['first']['yard'][-1]:.2f} s, mlflow {res['first']['mlflow'][-1]:.2f} s")

    log("batch scoring (servers stopped)")
    res["batch"] = batch_runs(yard_dir, mlflow_dir, csv, scratch, batch_repeats, batch_rows)
    res["loadavg_1min"] = {"min": min(LOADS), "median": med(LOADS), "max": max(LOADS)}
    res["versions"] = versions()
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return res


def versions() -> dict[str, str]:
    def ver(py: Path, pkgs: str) -> str:
        code = ("import importlib.metadata as m, platform; print(platform.python_version(), "
                f"*[p + ' ' + m.version(p) for p in {pkgs.split()!r}], sep=', ')")
        return subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=False).stdout.strip()

    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False) if shutil.which("wrk") else None
    wrk_text = (wrk_v.stdout or wrk_v.stderr) if wrk_v else ""
    return {"yard": ver(infra.YARD_PY, "modelyard scikit-learn pandas pyarrow uvicorn httptools orjson"),
            "mlflow": ver(infra.PEER_PY, "mlflow scikit-learn pandas pyarrow uvicorn"),
            "wrk": wrk_text.splitlines()[0] if wrk_text else "wrk not installed"}


def table(res: dict[str, Any]) -> str:
    s, c, f, b = res["single"], res["concurrent"], res["first"], res["batch"]

    def m(side: str, key: str, src: dict[str, Any]) -> float:
        return med([r[key] for r in src[side]])

    gw_added = med([g["p50_us"] - w["p50_us"] for g, w in zip(s["yard"], s["worker"], strict=True)]) / 1000
    rows = [
        ("single-row throughput, 1 client (req/s)", f"{m('yard', 'rps', s):.0f}", f"{m('mlflow', 'rps', s):.0f}",
         f"{m('yard', 'rps', s) / m('mlflow', 'rps', s):.2f}x", ">= 3x"),
        ("single-row p50 latency, 1 client (ms)", f"{m('yard', 'p50_us', s) / 1000:.2f}",
         f"{m('mlflow', 'p50_us', s) / 1000:.2f}", f"{m('yard', 'p50_us', s) / m('mlflow', 'p50_us', s):.2f}x",
         "<= 0.5x"),
        ("throughput, 32 clients, micro-batching (req/s)", f"{m('yard', 'rps', c):.0f}", f"{m('mlflow', 'rps', c):.0f}",
         f"{m('yard', 'rps', c) / m('mlflow', 'rps', c):.2f}x", ">= 5x"),
        ("p50 latency, 32 clients (ms)", f"{m('yard', 'p50_us', c) / 1000:.2f}", f"{m('mlflow', 'p50_us', c) / 1000:.2f}",
         "", ""),
        ("gateway added p50 over the worker direct (ms)", f"{gw_added:.2f}",
         f"(worker direct p50 {m('worker', 'p50_us', s) / 1000:.2f}, {m('worker', 'rps', s):.0f} req/s)", "", "< 1 ms"),
        ("10,000-row request, median (ms)", f"{med(res['rows10k']['yard']) * 1e3:.1f}",
         f"{med(res['rows10k']['mlflow']) * 1e3:.1f}", "", "< 100 ms"),
        (f"batch scoring {b['rows']:,} CSV rows (s)", f"{med([r['wall'] for r in b['yard']]):.2f}",
         f"{med([r['wall'] for r in b['mlflow']]):.2f}",
         f"{med([r['wall'] for r in b['mlflow']]) / med([r['wall'] for r in b['yard']]):.2f}x faster", ">= 3x"),
        ("new deployment: create -> first answer (s) / mlflow: start -> first /ping",
         f"{med(f['yard']):.2f}", f"{med(f['mlflow']):.2f}", "", "< 1.5 s"),
    ]
    out = ["| measure | Modelyard | MLflow | ratio | target |", "|---|---|---|---|---|"]
    out += [f"| {' | '.join(r)} |" for r in rows]
    mach, la = res["machine"], res["loadavg_1min"]
    out.append("")
    out.append(f"Machine: {mach['cpus']} CPUs ({mach['cpu']}), {mach['memory']}, {mach['os']}; 1-minute load "
               f"average during the run: min {la['min']:.2f}, median {la['median']:.2f}, max {la['max']:.2f}. "
               f"Medians of {res['repeats']} alternating repeats ({res['seconds']} s of wrk each).")
    v = res["versions"]
    out.append(f"Versions: Modelyard side: Python {v['yard']}; MLflow side: Python {v['mlflow']}; {v['wrk']}.")
    out += ["", batch_table(b)]
    return "\n".join(out)


def machine_line(res: dict[str, Any]) -> str:
    mach, v = res["machine"], res["versions"]
    return (f"Machine: {mach['cpus']} CPUs ({mach['cpu']}), {mach['memory']}, {mach['os']}. Versions: Modelyard "
            f"side: Python {v['yard']}; MLflow side: Python {v['mlflow']}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter repeats")
    parser.add_argument("--markdown", help="also write the results table here")
    parser.add_argument("--json", help="write the raw figures here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--only", choices=["batch"], help="run only this part (batch: no servers, no wrk)")
    parser.add_argument("--batch-repeats", type=int, help="batch repeats (default 1 quick, 3 full, 5 --only batch)")
    parser.add_argument("--batch-rows", type=int, default=1_000_000, help="rows in the batch CSV")
    args = parser.parse_args()
    if args.only == "batch":
        res = run_batch_only(args)
        md = batch_table(res["batch"]) + "\n\n" + machine_line(res)
    else:
        res = run(args)
        md = table(res)
    print(md)
    if args.markdown:
        Path(args.markdown).write_text(md + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, default=str))


if __name__ == "__main__":
    main()
