"""Studio speed in a real browser, Modelyard side by side with ``mlflow ui``, in one invocation.

    benchmarks/setup_peers.sh                   # once: MLflow in benchmarks/.venv-peers
    make ui                                     # once: the built Studio
    .venv/bin/python benchmarks/studio.py       # about 5-10 minutes on 2 busy cores
    .venv/bin/python benchmarks/studio.py --repeats 3 --markdown /tmp/studio.md
    .venv/bin/python benchmarks/studio.py --chart-only    # the chart alone; no MLflow needed

What it measures, in Debian's Chromium driven by playwright-core (``ui/e2e/bench.mjs``,
launched as the Studio e2e launches it), each in a fresh browser context (cold cache):

- the time from navigation to a usable runs table (the first page of rows rendered, the
  newest run first) on the same 10,000 runs (20 params, 10 metrics each): our Studio on
  ``modelyard server`` against MLflow's runs page on ``mlflow ui``;
- the time from navigation to a drawn 1,000,000-point metric chart in our run page;
- the initial JavaScript of each UI, gzipped (level 9), as the browser received it.

The seeded workspaces come from the tracking benchmark's cache (``tracking._seeded``:
``_yard_driver.py`` / ``_mlflow_driver.py`` ``seed_search`` and ``seed_history``), so both
sides hold exactly the same runs. See benchmarks/README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Self

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _infra as infra
import _shapes as sh
import tracking

N_RUNS = 10_000
CHART_POINTS = 1_000_000
UI = infra.ROOT / "ui"
STATIC = infra.ROOT / "src" / "modelyard" / "server" / "static" / "index.html"
TARGET_TABLE_S = 1.0
TARGET_RATIO = 5.0
TARGET_CHART_S = 1.5
TARGET_JS_KB = 500


def log(msg: str) -> None:
    print(f"[studio] {msg}", file=sys.stderr, flush=True)


class _SlowServer(infra.Server):
    """``infra.Server`` with a longer start-up allowance: ``mlflow ui`` can take minutes to
    answer on a loaded 2-core machine."""

    def __enter__(self) -> Self:
        import subprocess as sp
        import urllib.request

        self._logf = open(self.log, "wb")
        self.proc = sp.Popen(
            self.argv,
            stdout=self._logf,
            stderr=sp.STDOUT,
            env=self.env,
            cwd=str(infra.WORK),
            start_new_session=True,
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise infra.DriverFailed(
                    f"{self.name} exited early:\n{self.log.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(self.health_url, timeout=5) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise infra.DriverFailed(f"{self.name} did not answer {self.health_url} within 600 s")


def _yard(ws: Path, port: int, scratch: Path, name: str) -> _SlowServer:
    argv = [
        str(infra.YARD_PY.parent / "modelyard"),
        "-w",
        str(ws),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return _SlowServer(name, argv, f"http://127.0.0.1:{port}/healthz", scratch / f"{name}.log")


def _mlflow_ui(db: Path, port: int, scratch: Path) -> _SlowServer:
    # One worker: uvicorn's supervisor kills MLflow's default 4 workers when a busy 2-core
    # machine delays their health checks; one process is also what our server runs.
    argv = [
        str(infra.PEER_BIN / "mlflow"),
        "ui",
        "--backend-store-uri",
        f"sqlite:///{db}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    return _SlowServer(
        "mlflow ui", argv, f"http://127.0.0.1:{port}/health", scratch / "mlflow-ui.log"
    )


def _get(url: str) -> Any:
    import urllib.request

    with urllib.request.urlopen(url, timeout=60) as resp:
        return json.loads(resp.read())


def _post(url: str, body: dict[str, Any]) -> Any:
    import urllib.request

    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


def _experiment_id(base: str, name: str) -> str:
    for exp in _get(f"{base}/api/v1/experiments").get("experiments", []):
        if exp["name"] == name:
            return exp["id"]
    raise infra.DriverFailed(f"no experiment {name!r} at {base}")


def _browser(config: dict[str, Any], scratch: Path) -> dict[str, Any]:
    path = scratch / "bench-config.json"
    path.write_text(json.dumps(config))
    proc = subprocess.run(
        ["node", str(UI / "e2e" / "bench.mjs"), str(path)],
        cwd=str(UI),
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise infra.DriverFailed(
            f"bench.mjs printed nothing (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    out = json.loads(lines[-1])
    if not out.get("ok"):
        raise infra.DriverFailed(f"bench.mjs failed: {out.get('error')}")
    return out


def _initial_js(scripts: list[dict[str, Any]], origin: str) -> dict[str, Any]:
    own = [s for s in scripts if s["url"].startswith(origin)]
    return {
        "files": len(own),
        "raw_kb": sum(s["raw"] for s in own) / 1024,
        "gzip_kb": sum(s["gzip"] for s in own) / 1024,
    }


def versions(*, peers: bool = True) -> dict[str, str]:
    out = tracking.versions() if peers else {}
    out["chromium"] = subprocess.run(
        ["/usr/bin/chromium", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    out["node"] = subprocess.run(
        ["node", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    pkg = json.loads((UI / "node_modules" / "playwright-core" / "package.json").read_text())
    out["playwright-core"] = pkg["version"]
    return out


def run(repeats: int, scratch: Path) -> tuple[list[tracking.Row], dict[str, Any]]:
    log(
        f"seeded workspaces: {N_RUNS:,} runs each side, a {CHART_POINTS:,}-point metric "
        "(cached under benchmarks/.work/cache)"
    )
    yard_runs = infra.copy_of(tracking._seeded("yard", "search", N_RUNS), scratch, "yard-runs")
    yard_chart = infra.copy_of(
        tracking._seeded("yard", "history", CHART_POINTS), scratch, "yard-chart"
    )
    ml = infra.copy_of(tracking._seeded("mlflow", "search", N_RUNS), scratch, "mlflow")
    p1, p2, p3 = infra.free_port(), infra.free_port(), infra.free_port()
    log(f"servers: modelyard :{p1} (runs), :{p2} (chart), mlflow ui :{p3}")
    with (
        _yard(yard_runs / "ws", p1, scratch, "yard-runs"),
        _yard(yard_chart / "ws", p2, scratch, "yard-chart"),
        _mlflow_ui(ml / "mlflow.db", p3, scratch),
    ):
        ours, chart, peer = (f"http://127.0.0.1:{p}" for p in (p1, p2, p3))
        chart_run = _post(
            f"{chart}/api/v1/runs/search",
            {"experiment_ids": [_experiment_id(chart, "history")], "max_results": 1},
        )["runs"][0]["id"]
        ml_exp = _get(f"{peer}/api/2.0/mlflow/experiments/get-by-name?experiment_name=search")
        config = {
            "repeats": repeats,
            "newest_run_name": sh.search_run(N_RUNS - 1)[0],
            "min_rows": 10,
            "ours": {
                "url": ours,
                "experiment_id": _experiment_id(ours, "search"),
                "chart_url": chart,
                "chart_run_id": chart_run,
                "chart_key": "curve",
            },
            "mlflow": {"url": peer, "experiment_id": ml_exp["experiment"]["experiment_id"]},
        }
        log(
            f"browser: {repeats} cold loads of each runs table (alternating), "
            f"{repeats} of the chart"
        )
        res = _browser(config, scratch)
    rows = _rows(res, ours, peer)
    return rows, res


def run_chart(repeats: int, scratch: Path) -> tuple[list[tracking.Row], dict[str, Any]]:
    """The chart measurement alone (``--chart-only``): our server on the seeded history."""
    log(f"seeded workspace: a {CHART_POINTS:,}-point metric (cached under benchmarks/.work/cache)")
    yard_chart = infra.copy_of(
        tracking._seeded("yard", "history", CHART_POINTS), scratch, "yard-chart"
    )
    port = infra.free_port()
    with _yard(yard_chart / "ws", port, scratch, "yard-chart"):
        chart = f"http://127.0.0.1:{port}"
        exp = _experiment_id(chart, "history")
        body = {"experiment_ids": [exp], "max_results": 1}
        chart_run = _post(f"{chart}/api/v1/runs/search", body)
        # bench.mjs also times a runs table: here the chart workspace's one-run table
        config = {
            "repeats": repeats,
            "newest_run_name": "history",
            "min_rows": 1,
            "ours": {
                "url": chart,
                "experiment_id": exp,
                "chart_url": chart,
                "chart_run_id": chart_run["runs"][0]["id"],
                "chart_key": "curve",
            },
        }
        log(f"browser: {repeats} cold loads of the chart")
        res = _browser(config, scratch)
    return [_chart_row(res)], res


def _chart_row(res: dict[str, Any]) -> tracking.Row:
    med = statistics.median
    ch = med(res["ours_chart_ms"]) / 1000
    apis = [v for v in res.get("ours_chart_api_ms", []) if v is not None]
    api = tracking.fmt_s(med(apis) / 1000) if apis else "?"
    return tracking.Row(
        f"metric chart, {CHART_POINTS:,} points: navigation -> drawn",
        tracking.fmt_s(ch), "-", "-", f"< {TARGET_CHART_S} s", tracking.verdict(ch < TARGET_CHART_S),
        f"median of {len(res['ours_chart_ms'])}; history request (max_points=2000): {api}",
    )  # fmt: skip


def _rows(res: dict[str, Any], ours: str, peer: str) -> list[tracking.Row]:
    med = statistics.median
    fmt = tracking.fmt_s
    yt, mt = med(res["ours_table_ms"]) / 1000, med(res["mlflow_table_ms"]) / 1000
    yjs, mjs = _initial_js(res["js"]["ours"], ours), _initial_js(res["js"]["mlflow"], peer)
    res["js_summary"] = {"ours": yjs, "mlflow": mjs}

    def api(key: str) -> str:
        vals = [v for v in res.get(key, []) if v is not None]
        return fmt(med(vals) / 1000) if vals else "?"

    n = len(res["ours_table_ms"])
    return [
        tracking.Row(
            f"runs table, {N_RUNS:,} runs: navigation -> first page rendered",
            fmt(yt), fmt(mt), f"{mt / yt:.1f}x", f"< 1 s and >= {TARGET_RATIO:.0f}x",
            tracking.verdict(yt < TARGET_TABLE_S and mt / yt >= TARGET_RATIO),
            f"median of {n} cold loads; runs/search request: ours "
            f"{api('ours_table_api_ms')}, MLflow {api('mlflow_table_api_ms')}",
        ),
        _chart_row(res),
        tracking.Row(
            "initial JavaScript, gzipped (as loaded by the runs page)",
            f"{yjs['gzip_kb']:.0f} KB ({yjs['files']} files)",
            f"{mjs['gzip_kb']:.0f} KB ({mjs['files']} files)",
            f"{mjs['gzip_kb'] / yjs['gzip_kb']:.1f}x", f"< {TARGET_JS_KB} KB",
            tracking.verdict(yjs["gzip_kb"] < TARGET_JS_KB),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="cold loads per measurement")
    parser.add_argument("--markdown", type=Path, help="also write the results as Markdown here")
    parser.add_argument("--json", type=Path, help="also write the raw timings as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--chart-only", action="store_true", help="measure the metric chart alone (no MLflow)"
    )
    opts = parser.parse_args(argv)
    if not opts.chart_only:
        infra.check_peers()
    if not STATIC.exists():
        sys.exit(f"the Studio is not built ({STATIC} missing): run `make ui` first")
    if not (UI / "node_modules" / "playwright-core").exists():
        sys.exit("ui/node_modules is missing: run `cd ui && npm ci` first")
    infra.WORK.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="studio-", dir=infra.WORK))
    env = {**infra.machine(), **versions(peers=not opts.chart_only)}
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    t0 = time.perf_counter()
    try:
        rows, raw = (run_chart if opts.chart_only else run)(opts.repeats, scratch)
    finally:
        if not opts.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    elapsed = time.perf_counter() - t0
    env["loadavg_at_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print()
    print(f"Studio benchmark, {started}, {elapsed:.0f} s")
    print("  " + "; ".join(f"{k}: {v}" for k, v in env.items()))
    print()
    print(tracking.table(rows, markdown=False))
    misses = [r.name for r in rows if r.verdict == "MISS"]
    print(f"\n{len(misses)} target(s) missed" + (": " + "; ".join(misses) if misses else ""))
    if opts.markdown:
        env_lines = "\n".join(f"- {k}: {v}" for k, v in env.items())
        opts.markdown.write_text(
            f"Run {started}, {elapsed:.0f} s in all.\n\n{env_lines}\n\n"
            f"{tracking.table(rows, markdown=True)}\n"
        )
    if opts.json:
        opts.json.write_text(
            json.dumps(
                {"env": env, "started": started, "raw": raw, "rows": [r.__dict__ for r in rows]},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
