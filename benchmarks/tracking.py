"""Tracking speed, Modelyard side by side with MLflow, in one invocation.

    benchmarks/setup_peers.sh                 # once: MLflow >= 3 in benchmarks/.venv-peers
    .venv/bin/python benchmarks/tracking.py   # full run (about 20 minutes on 2 busy cores)
    .venv/bin/python benchmarks/tracking.py --quick --only log_metric,search

Each side runs in fresh subprocesses of its own interpreter (``_yard_driver.py`` under our
venv, ``_mlflow_driver.py`` under the peer venv) that print JSON timings; this script starts
both servers, takes medians, prints ratios against the targets of issue 2, and can write the
results as Markdown (``--markdown PATH``) for docs/benchmarks.md. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _infra as infra
import _shapes as sh

BENCHES = ("log_metric", "log_metrics", "server", "search", "import")


@dataclass(frozen=True)
class Sizes:
    n_metric: int = 1_000
    n_points: int = 100_000
    n_metric_server: int = 1_000
    n_points_server: int = 100_000
    search_runs: int = 10_000
    history_steps: int = 100_000
    latency_requests: int = 500
    repeats: int = 5
    server_repeats: int = 2
    import_runs: int = 10


FULL = Sizes()
QUICK = Sizes(
    n_points=20_000,
    n_metric_server=200,
    n_points_server=20_000,
    search_runs=1_000,
    history_steps=20_000,
    latency_requests=200,
    repeats=3,
    server_repeats=1,
    import_runs=5,
)


@dataclass
class Row:
    name: str
    ours: str
    peer: str
    ratio: str
    target: str
    verdict: str  # PASS, MISS or "info"
    note: str = ""


@dataclass
class Ctx:
    sizes: Sizes
    scratch: Path
    quick: bool
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt_s(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.2f} µs"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def speedup_row(
    ctx: Ctx, name: str, ours: float, peer: float, min_ratio: float, peer_label: str = ""
) -> None:
    ratio = peer / ours
    ctx.rows.append(
        Row(
            name,
            fmt_s(ours),
            fmt_s(peer) + peer_label,
            f"{ratio:.1f}x",
            f">= {min_ratio:g}x",
            verdict(ratio >= min_ratio),
        )
    )


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- 1
def bench_log_metric(ctx: Ctx) -> None:
    s = ctx.sizes
    ws = ctx.scratch / "yard-embedded"
    uri = f"sqlite:///{ctx.scratch / 'mlflow-embedded.db'}"
    log(f"log_metric: {s.n_metric} single calls x {s.repeats} repeats, each side")
    y = infra.run_driver(
        "yard",
        "log_metric",
        {"n": s.n_metric, "repeats": s.repeats},
        env={"MODELYARD_WORKSPACE": str(ws)},
    )
    m = infra.run_driver(
        "mlflow", "log_metric", {"uri": uri, "n": s.n_metric, "repeats": s.repeats}
    )
    ma = infra.run_driver(
        "mlflow",
        "log_metric",
        {"uri": uri, "n": s.n_metric, "repeats": s.repeats, "synchronous": False},
    )
    ctx.raw["log_metric"] = {"yard": y, "mlflow": m, "mlflow_async": ma}
    n = f"{s.n_metric:,}"
    speedup_row(
        ctx, f"{n} log_metric + flush, embedded SQLite", med(y["total_s"]), med(m["total_s"]), 20
    )
    per_call = med(y["calls_s"]) / s.n_metric
    ctx.rows.append(
        Row(
            "  caller's cost per log_metric call",
            fmt_s(per_call),
            fmt_s(med(m["calls_s"]) / s.n_metric),
            "",
            "< 10 µs",
            verdict(per_call < 10e-6),
        )
    )
    ctx.rows.append(
        Row(
            f"  (info) vs MLflow async logging, {n} calls + flush",
            fmt_s(med(y["total_s"])),
            fmt_s(med(ma["total_s"])),
            f"{med(ma['total_s']) / med(y['total_s']):.1f}x",
            "",
            "info",
        )
    )


# ----------------------------------------------------------------------------- 2
def bench_log_metrics(ctx: Ctx) -> None:
    s = ctx.sizes
    ws = ctx.scratch / "yard-embedded-batch"
    uri = f"sqlite:///{ctx.scratch / 'mlflow-embedded-batch.db'}"
    log(f"log_metrics: {s.n_points:,} points x {s.repeats} repeats, each side + bare sqlite3")
    y = infra.run_driver(
        "yard",
        "log_metrics",
        {
            "n_points": s.n_points,
            "repeats": s.repeats,
            "baseline_path": str(ctx.scratch / "bare.db"),
        },
        env={"MODELYARD_WORKSPACE": str(ws)},
    )
    m = infra.run_driver(
        "mlflow", "log_batch", {"uri": uri, "n_points": s.n_points, "repeats": s.repeats}
    )
    b = {"total_s": y["sqlite_total_s"]}
    ctx.raw["log_metrics"] = {"yard": y, "mlflow": m}
    n = f"{s.n_points:,}"
    speedup_row(
        ctx,
        f"{n} points log_metrics + flush, embedded",
        med(y["total_s"]),
        med(m["total_s"]),
        10,
        " (log_batch x1000)",
    )
    ratio = med(y["total_s"]) / med(b["total_s"])
    ctx.rows.append(
        Row(
            f"  vs bare sqlite3 executemany of {n} rows",
            fmt_s(med(y["total_s"])),
            fmt_s(med(b["total_s"])) + " (sqlite3)",
            f"{ratio:.1f}x slower",
            "<= 3x slower",
            verdict(ratio <= 3),
        )
    )


# ----------------------------------------------------------------------------- 3
def _yard_server(ctx: Ctx, port: int) -> infra.Server:
    ws = ctx.scratch / "yard-server"
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
    return infra.Server(
        "modelyard server",
        argv,
        f"http://127.0.0.1:{port}/healthz",
        ctx.scratch / "yard-server.log",
    )


def _mlflow_server(ctx: Ctx, port: int) -> infra.Server:
    argv = [
        str(infra.PEER_BIN / "mlflow"),
        "server",
        "--backend-store-uri",
        f"sqlite:///{ctx.scratch / 'mlflow-server.db'}",
        "--artifacts-destination",
        str(ctx.scratch / "mlflow-artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    return infra.Server(
        "mlflow server", argv, f"http://127.0.0.1:{port}/health", ctx.scratch / "mlflow-server.log"
    )


def http_latency(port: int, path: str, n: int, warmup: int = 50) -> dict[str, Any]:
    """GET ``path`` ``n`` times over one kept-alive connection (after ``warmup`` requests)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times: list[float] = []
    sock = None
    reconnects = 0
    for i in range(warmup + n):
        t0 = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        dt = time.perf_counter() - t0
        if resp.status != 200:
            raise infra.DriverFailed(f"GET {path} answered {resp.status}")
        if i == warmup:
            sock = conn.sock
        elif i > warmup and conn.sock is not sock:
            reconnects += 1
            sock = conn.sock
        if i >= warmup:
            times.append(dt)
    conn.close()
    q = statistics.quantiles(times, n=100)
    return {"p50_s": statistics.median(times), "p95_s": q[94], "reconnects": reconnects}


def bench_server(ctx: Ctx) -> None:
    s = ctx.sizes
    yport, mport = infra.free_port(), infra.free_port()
    log(f"server: starting modelyard server on :{yport} and mlflow server on :{mport}")
    with _yard_server(ctx, yport), _mlflow_server(ctx, mport):
        yurl, murl = f"http://127.0.0.1:{yport}", f"http://127.0.0.1:{mport}"
        log(f"server: {s.n_metric_server} log_metric x {s.server_repeats} repeats, each side")
        y1 = infra.run_driver(
            "yard",
            "log_metric",
            {"n": s.n_metric_server, "repeats": s.server_repeats},
            env={"MODELYARD_WORKSPACE": yurl},
        )
        m1 = infra.run_driver(
            "mlflow",
            "log_metric",
            {"uri": murl, "n": s.n_metric_server, "repeats": s.server_repeats},
        )
        log(f"server: {s.n_points_server:,} points x {s.server_repeats} repeats, each side")
        y2 = infra.run_driver(
            "yard",
            "log_metrics",
            {"n_points": s.n_points_server, "repeats": s.server_repeats},
            env={"MODELYARD_WORKSPACE": yurl},
        )
        m2 = infra.run_driver(
            "mlflow",
            "log_batch",
            {"uri": murl, "n_points": s.n_points_server, "repeats": s.server_repeats},
        )
        log(f"server: {s.latency_requests} kept-alive GETs of a run, each side")
        yl = http_latency(yport, f"/api/v1/runs/{y1['run_id']}", s.latency_requests)
        ml = http_latency(
            mport, f"/api/2.0/mlflow/runs/get?run_id={m1['run_id']}", s.latency_requests
        )
    ctx.raw["server"] = {
        "yard_log_metric": y1,
        "mlflow_log_metric": m1,
        "yard_log_metrics": y2,
        "mlflow_log_batch": m2,
        "yard_latency": yl,
        "mlflow_latency": ml,
    }
    speedup_row(
        ctx,
        f"server: {s.n_metric_server:,} log_metric + flush",
        med(y1["total_s"]),
        med(m1["total_s"]),
        3,
    )
    speedup_row(
        ctx,
        f"server: {s.n_points_server:,} points log_metrics + flush",
        med(y2["total_s"]),
        med(m2["total_s"]),
        3,
        " (log_batch x1000)",
    )
    ctx.rows.append(
        Row(
            "server: GET a run, kept-alive, p50",
            fmt_s(yl["p50_s"]),
            fmt_s(ml["p50_s"]),
            f"{ml['p50_s'] / yl['p50_s']:.1f}x",
            "< 2 ms",
            verdict(yl["p50_s"] < 2e-3),
        )
    )
    ctx.rows.append(
        Row(
            "server: GET a run, kept-alive, p95",
            fmt_s(yl["p95_s"]),
            fmt_s(ml["p95_s"]),
            f"{ml['p95_s'] / yl['p95_s']:.1f}x",
            "",
            "info",
        )
    )


# ----------------------------------------------------------------------------- 4
def _seeded(side: str, kind: str, n: int) -> Path:
    shape = f"{n}x{sh.N_PARAMS}x{sh.N_METRICS}-s{sh.SEED}" if kind == "search" else f"{n}"
    if side == "yard":
        key = f"yard-{kind}-{shape}-{infra.yard_schema_key()}"

        def build(tmp: Path) -> None:
            log(f"seeding our {kind} workspace ({n:,}) into {infra.CACHE} (cached)")
            infra.run_driver(
                "yard",
                f"seed_{kind}",
                {"n_runs": n, "n_steps": n},
                env={"MODELYARD_WORKSPACE": str(tmp / "ws")},
            )
    else:
        version = infra.run_driver("mlflow", "versions", {})["mlflow"]
        key = f"mlflow-{kind}-{shape}-{version}"

        def build(tmp: Path) -> None:
            log(
                f"seeding MLflow's {kind} database ({n:,}) into {infra.CACHE} (cached; "
                "slow the first time)"
            )
            infra.run_driver(
                "mlflow",
                f"seed_{kind}",
                {"uri": f"sqlite:///{tmp / 'mlflow.db'}", "n_runs": n, "n_steps": n},
            )

    return infra.cached(key, build)


def bench_search(ctx: Ctx) -> None:
    s = ctx.sizes
    yc = infra.copy_of(_seeded("yard", "search", s.search_runs), ctx.scratch, "yard-search")
    mc = infra.copy_of(_seeded("mlflow", "search", s.search_runs), ctx.scratch, "mlflow-search")
    log(
        f"search: {s.search_runs:,} runs, filter {sh.SEARCH_FILTER!r}, order "
        f"{sh.SEARCH_ORDER!r}, top {sh.SEARCH_TOP}"
    )
    y = infra.run_driver(
        "yard", "search", {"repeats": s.repeats}, env={"MODELYARD_WORKSPACE": str(yc / "ws")}
    )
    m = infra.run_driver(
        "mlflow", "search", {"uri": f"sqlite:///{mc / 'mlflow.db'}", "repeats": s.repeats}
    )
    same = y["names"] == m["names"]
    ours, peer = med(y["total_s"]), med(m["total_s"])
    ratio = peer / ours
    ctx.rows.append(
        Row(
            f"search_runs over {s.search_runs:,} runs, top {sh.SEARCH_TOP}",
            fmt_s(ours),
            fmt_s(peer),
            f"{ratio:.1f}x",
            ">= 10x and < 100 ms",
            verdict(ratio >= 10 and ours < 0.1),
            "" if same else "the two top-100 lists differ",
        )
    )
    if not same:
        log("WARNING: Modelyard and MLflow returned different top-100 lists")

    yh = infra.copy_of(_seeded("yard", "history", s.history_steps), ctx.scratch, "yard-hist")
    mh = infra.copy_of(_seeded("mlflow", "history", s.history_steps), ctx.scratch, "mlflow-hist")
    log(f"history: one metric of {s.history_steps:,} steps")
    yhr = infra.run_driver(
        "yard", "history", {"repeats": s.repeats}, env={"MODELYARD_WORKSPACE": str(yh / "ws")}
    )
    mhr = infra.run_driver(
        "mlflow", "history", {"uri": f"sqlite:///{mh / 'mlflow.db'}", "repeats": s.repeats}
    )
    for side, r in (("ours", yhr), ("MLflow", mhr)):
        if r["points"] != s.history_steps:
            raise infra.DriverFailed(f"{side} history returned {r['points']} points")
    ours, peer = med(yhr["total_s"]), med(mhr["total_s"])
    ctx.rows.append(
        Row(
            f"metric history, {s.history_steps:,} steps",
            fmt_s(ours),
            fmt_s(peer),
            f"{peer / ours:.1f}x",
            "< 100 ms",
            verdict(ours < 0.1),
        )
    )
    ctx.raw["search"] = {
        "yard": y,
        "mlflow": m,
        "same_top": same,
        "yard_history": yhr,
        "mlflow_history": mhr,
    }


# ----------------------------------------------------------------------------- 5
def _import_time(python: Path, module: str, runs: int) -> float:
    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run(
            [str(python), "-c", f"import {module}"],
            check=True,
            env={**infra.os.environ, **infra.QUIET_ENV},
            cwd=str(infra.WORK),
        )
        times.append(time.perf_counter() - t0)
    return med(times[1:])  # the first run warms the OS file cache


def bench_import(ctx: Ctx) -> None:
    n = ctx.sizes.import_runs
    log(f"import: median of {n} fresh interpreters each")
    ours = _import_time(infra.YARD_PY, "modelyard", n)
    peer = _import_time(infra.PEER_PY, "mlflow", n)
    bare = _import_time(infra.YARD_PY, "sys", n)
    ctx.raw["import"] = {"yard_s": ours, "mlflow_s": peer, "bare_python_s": bare}
    ctx.rows.append(
        Row(
            'python -c "import modelyard" (wall)',
            fmt_s(ours),
            fmt_s(peer) + " (import mlflow)",
            f"{peer / ours:.1f}x",
            "< 300 ms",
            verdict(ours < 0.3),
            f"bare interpreter start: {fmt_s(bare)}",
        )
    )


# ----------------------------------------------------------------------------- report
def table(rows: list[Row], markdown: bool) -> str:
    head = ("Measurement", "Modelyard", "MLflow", "Ratio", "Target", "Result")
    body = [
        (r.name, r.ours, r.peer, r.ratio, r.target, r.verdict + (f" ({r.note})" if r.note else ""))
        for r in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in b) + " |" for b in body]
        return "\n".join(lines)
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)) for b in body]
    return "\n".join(out)


def versions() -> dict[str, str]:
    import importlib.metadata as md
    import sqlite3

    peer = infra.run_driver("mlflow", "versions", {})
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            check=False,
            capture_output=True,
            text=True,
            cwd=str(infra.ROOT),
        ).stdout.strip()
    except OSError:
        rev = ""
    return {
        "python": sys.version.split()[0],
        "modelyard": md.version("modelyard") + (f" (git {rev}, working tree)" if rev else ""),
        "sqlalchemy (ours)": md.version("sqlalchemy"),
        "sqlite (ours)": sqlite3.sqlite_version,
        "mlflow": peer["mlflow"],
        "python (peer venv)": peer["python"],
        "sqlalchemy (peer venv)": peer["sqlalchemy"],
        "sqlite (peer venv)": peer["sqlite"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help=f"run only these (comma-separated, repeatable): {', '.join(BENCHES)}",
    )
    parser.add_argument("--markdown", type=Path, help="also write the results as Markdown here")
    parser.add_argument("--json", type=Path, help="also write the raw timings as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    opts = parser.parse_args(argv)
    only = [x for item in opts.only for x in item.split(",") if x]
    unknown = sorted(set(only) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    selected = [b for b in BENCHES if not only or b in only]

    infra.check_peers()
    infra.WORK.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=infra.WORK))
    ctx = Ctx(sizes=QUICK if opts.quick else FULL, scratch=scratch, quick=opts.quick)
    env = {**infra.machine(), **versions()}
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    log(f"scratch folder {scratch}")
    t0 = time.perf_counter()
    try:
        for name in selected:
            globals()[f"bench_{name}"](ctx)
    finally:
        if not opts.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    elapsed = time.perf_counter() - t0

    mode = "quick (reduced sizes: targets are set for the full sizes)" if opts.quick else "full"
    print()
    print(f"Tracking benchmark, {mode}, {started}, {elapsed:.0f} s")
    print("  " + "; ".join(f"{k}: {v}" for k, v in env.items()))
    print()
    print(table(ctx.rows, markdown=False))
    misses = [r.name.strip() for r in ctx.rows if r.verdict == "MISS"]
    print()
    print(f"{len(misses)} target(s) missed" + (": " + "; ".join(misses) if misses else ""))
    if opts.markdown:
        env_lines = "\n".join(f"- {k}: {v}" for k, v in env.items())
        opts.markdown.write_text(
            f"Run {started}, mode {mode}, {elapsed:.0f} s in all.\n\n{env_lines}\n\n"
            f"{table(ctx.rows, markdown=True)}\n"
        )
    if opts.json:
        opts.json.write_text(
            json.dumps(
                {
                    "env": env,
                    "started": started,
                    "mode": mode,
                    "rows": [r.__dict__ for r in ctx.rows],
                    "raw": ctx.raw,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
