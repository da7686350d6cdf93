"""The endpoint supervisor: runs in the server process and makes worker processes match the
deployments in the store.

It never loads a model: it resolves a deployment's model URI to a folder of files (in place
in a local artifact store, else downloaded into the runtime folder), binds a listening
socket per worker, and starts ``python -m modelyard.endpoints.worker`` with that socket.
A monitor thread (every ``interval`` seconds) restarts crashed workers, starts deployments
that appeared in the store (so endpoints come back after a server restart, and deployments
created through an embedded workspace are picked up), stops deleted ones, marks deployments
``Ready`` once every worker answers ``/ready``, and writes sampled request logs.

A custom ``score.py`` comes as a code snapshot (see :mod:`modelyard.endpoints.code`), which is
extracted from the artifact store into the runtime folder before the worker starts.

Only the leader among a server's processes runs a supervisor; it publishes the workers'
addresses to the route file so the other processes route too (see
:mod:`modelyard.endpoints.routing`).
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from modelyard.endpoints.entities import Deployment, DeploymentState
from modelyard.endpoints.routing import Router, publish_routes, tail
from modelyard.endpoints.spare import SpareWorker
from modelyard.errors import ModelyardError, NotFound

if TYPE_CHECKING:
    from modelyard.artifacts.store import ArtifactStore
    from modelyard.endpoints.store import EndpointStore
    from modelyard.models.store import ModelStore

__all__ = ["EndpointSupervisor", "WorkerHandle"]

logger = logging.getLogger(__name__)
_READY_TIMEOUT_S = 120.0


@dataclass
class WorkerHandle:
    """One worker process."""

    index: int
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    ready: bool = False
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class _Runtime:
    deployment: Deployment
    spec: tuple[Any, ...]
    model_dir: Path
    code_dir: Path | None = None
    workers: list[WorkerHandle] = field(default_factory=list)
    counter: itertools.count = field(default_factory=itertools.count)
    failed: str | None = None

    def ready_workers(self) -> list[WorkerHandle]:
        return [w for w in self.workers if w.ready and w.proc.poll() is None]


def _spec(d: Deployment) -> tuple[Any, ...]:
    return (d.model, d.code, d.scoring_script, d.instance_count, tuple(sorted(d.settings.items())))


class EndpointSupervisor(Router):
    """Worker processes of every online deployment of one workspace.

    Args:
        store: the endpoint store (desired state; deployment states are written back).
        models: the model registry (to resolve model URIs to files).
        runtime_dir: where worker logs, downloaded models, extracted code and the route
            file go.
        artifacts: the artifact store holding code snapshots (None: deployments with
            custom code fail).
        max_body_bytes: passed to workers (bigger bodies get 413).
        interval: seconds between monitor passes.
    """

    def __init__(self, store: EndpointStore, models: ModelStore, runtime_dir: Path, *,
                 artifacts: ArtifactStore | None = None, max_body_bytes: int = 64 * 1024 * 1024,
                 interval: float = 0.5) -> None:
        super().__init__(store, runtime_dir)
        self.models = models
        self.artifacts = artifacts
        self.max_body_bytes = max_body_bytes
        self.interval = interval
        self._lock = threading.RLock()
        self._runtimes: dict[tuple[str, str], _Runtime] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._spare = SpareWorker(self.runtime_dir / "logs")
        self._published: bytes | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        self._publish()  # replace what a previous leader published: its workers died with it
        self._thread = threading.Thread(target=self._loop, name="modelyard-endpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        with self._lock:
            runtimes = list(self._runtimes.values())
            self._runtimes.clear()
        for rt in runtimes:
            self._stop_workers(rt.workers)
        with self._lock:
            self._spare.stop()
            self._publish()  # no workers: other processes stop trying the old addresses
        self.flush_logs()

    def refresh(self) -> None:
        """Reconcile now (after a change made through the API) and wait for the pass."""
        self.reconcile()

    def reload_routes(self) -> bool:
        return False  # the routes are this process's own

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.reconcile()
                self.flush_logs()
            except ModelyardError as e:
                logger.warning("endpoint supervisor pass failed: %s", e.message)
            except Exception:
                logger.exception("endpoint supervisor pass failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    # ------------------------------------------------------------------ reconcile
    def reconcile(self) -> None:
        """One pass: match processes to the store, restart crashed workers, mark readiness."""
        with self._lock:
            endpoints = {e.name: e for e in self.store.list_endpoints()}
            wanted = {(d.endpoint, d.name): d for d in self.store.list_deployments()}
            self._endpoints = endpoints
            for key in [k for k in self._runtimes if k not in wanted]:
                self._stop_workers(self._runtimes.pop(key).workers)
            for key, dep in wanted.items():
                if endpoints.get(dep.endpoint) is None or str(endpoints[dep.endpoint].kind) != "online":
                    continue
                rt = self._runtimes.get(key)
                if rt is None or rt.spec != _spec(dep):
                    self._start(dep, rt)
                else:
                    rt.deployment = dep
                    self._check(rt)
            # a spare, pre-started worker while the workspace has online endpoints
            if any(str(e.kind) == "online" for e in endpoints.values()) and not self._stop.is_set():
                self._spare.ensure()
            else:
                self._spare.stop()
            self._publish()

    def _publish(self) -> None:
        """Write the route file if the ready workers (or the deployments' states) changed."""
        with self._lock:
            deployments = {}
            for (endpoint, name), rt in self._runtimes.items():
                ready = rt.ready_workers()
                deployments[f"{endpoint}/{name}"] = {
                    "urls": [w.url for w in ready], "workers": len(rt.workers), "ready": len(ready),
                    "restarts": sum(w.restarts for w in rt.workers), "failed": rt.failed,
                    "settings": rt.deployment.settings}
            routes = {"leader": os.getpid(), "deployments": deployments}
            encoded = orjson.dumps(routes, option=orjson.OPT_SORT_KEYS)
            if encoded == self._published:
                return
            try:
                publish_routes(self.runtime_dir, routes)
                self._published = encoded
            except OSError as e:
                logger.warning("could not publish the endpoint routes: %s", e)

    def _model_dir(self, dep: Deployment) -> Path:
        from modelyard.models.registry import fetch_model_folder

        uri = dep.model
        dest = self.runtime_dir / "models" / dep.endpoint / dep.name
        if uri.startswith(("models:", "azureml:")) or (":" in uri and not uri.startswith(("/", "file:", "runs:"))):
            from modelyard.models.registry import fetch_version, resolve_version

            version = resolve_version(self.models, uri)
            return fetch_version(self.models, version, None if self.models.local_path(
                version.name, version.version) else dest)
        return fetch_model_folder(uri)

    def _code_dir(self, dep: Deployment) -> Path | None:
        if not dep.code:
            return None
        from modelyard.endpoints.code import materialize_code

        return materialize_code(self.artifacts, dep.code, self.runtime_dir / "code")

    def _start(self, dep: Deployment, old: _Runtime | None) -> None:
        key = (dep.endpoint, dep.name)
        try:
            model_dir = self._model_dir(dep)
            code_dir = self._code_dir(dep)
        except ModelyardError as e:
            if old is None or old.failed != e.message:
                self.store.update_deployment(dep.endpoint, dep.name, state=DeploymentState.FAILED, error=e.message)
            self._runtimes[key] = _Runtime(dep, _spec(dep), Path("."), failed=e.message)
            if old is not None:
                self._stop_workers(old.workers)
            return
        rt = _Runtime(dep, _spec(dep), model_dir, code_dir)
        rt.workers = [self._spawn(rt, i) for i in range(dep.instance_count)]
        self._runtimes[key] = rt
        if dep.state != DeploymentState.CREATING:
            self.store.update_deployment(dep.endpoint, dep.name, state=DeploymentState.CREATING)
        if old is not None:
            # the new workers take over once ready; the old ones drain meanwhile
            threading.Thread(target=self._retire, args=(rt, old.workers), daemon=True).start()
        threading.Thread(target=self._await_ready, args=(rt,), daemon=True).start()

    def _retire(self, rt: _Runtime, workers: list[WorkerHandle]) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not rt.ready_workers() and time.monotonic() < deadline and not self._stop.is_set():
            time.sleep(0.05)
        time.sleep(1.0)  # let requests already forwarded to the old workers finish
        self._stop_workers(workers)

    def _spawn(self, rt: _Runtime, index: int, restarts: int = 0) -> WorkerHandle:
        dep = rt.deployment
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        port = sock.getsockname()[1]
        log_dir = self.runtime_dir / "logs" / dep.endpoint / dep.name
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"worker-{index}.log"
        argv = ["--model-dir", str(rt.model_dir),
               "--max-batch-size", str(int(dep.settings.get("max_batch_size", 32))),
               "--max-wait-ms", str(float(dep.settings.get("max_wait_ms", 2.0))),
               "--max-body-bytes", str(self.max_body_bytes), "--parent-pid", str(os.getpid())]
        if dep.scoring_script:
            argv += ["--code", str(rt.code_dir or rt.model_dir), "--scoring-script", dep.scoring_script]
        proc = self._spare.hand_over(argv, log_path, sock, keep_spare=not self._stop.is_set())
        if proc is None:
            cmd = [sys.executable, "-m", "modelyard.endpoints.worker", "--fd", str(sock.fileno()), *argv]
            with open(log_path, "ab") as log:
                proc = subprocess.Popen(cmd, pass_fds=(sock.fileno(),), stdout=log, stderr=subprocess.STDOUT,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        sock.close()
        return WorkerHandle(index=index, proc=proc, port=port, log_path=log_path, restarts=restarts)

    def _probe(self, worker: WorkerHandle, timeout: float) -> bool:
        import httpx

        try:
            return httpx.get(f"{worker.url}/ready", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def _await_ready(self, rt: _Runtime) -> None:
        dep = rt.deployment
        deadline = time.monotonic() + _READY_TIMEOUT_S
        for worker in list(rt.workers):
            while not worker.ready and time.monotonic() < deadline and not self._stop.is_set():
                if worker.proc.poll() is not None:
                    break
                worker.ready = self._probe(worker, timeout=max(0.1, deadline - time.monotonic()))
        if self._stop.is_set():
            return
        with self._lock:
            if self._runtimes.get((dep.endpoint, dep.name)) is not rt:
                return
            self._publish()
            try:
                if rt.ready_workers():
                    self.store.update_deployment(dep.endpoint, dep.name, state=DeploymentState.READY)
                else:
                    last = tail(rt.workers[0].log_path) if rt.workers else ""
                    rt.failed = last or "the workers did not become ready"
                    self.store.update_deployment(dep.endpoint, dep.name, state=DeploymentState.FAILED,
                                                 error=rt.failed)
            except NotFound:
                pass

    def _check(self, rt: _Runtime) -> None:
        """Restart crashed workers of a deployment that had become ready."""
        if rt.failed is not None:
            return
        for i, worker in enumerate(rt.workers):
            if worker.proc.poll() is None or not worker.ready:
                continue
            logger.warning("worker %d of %s/%s exited (%s); restarting", worker.index,
                           rt.deployment.endpoint, rt.deployment.name, worker.proc.returncode)
            fresh = self._spawn(rt, worker.index, worker.restarts + 1)
            rt.workers[i] = fresh
            threading.Thread(target=self._await_worker, args=(fresh,), daemon=True).start()

    def _await_worker(self, worker: WorkerHandle) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not worker.ready and worker.proc.poll() is None and time.monotonic() < deadline:
            worker.ready = self._probe(worker, timeout=max(0.1, deadline - time.monotonic()))
        if worker.ready and not self._stop.is_set():
            self._publish()

    @staticmethod
    def _stop_workers(workers: list[WorkerHandle]) -> None:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.terminate()
        for w in workers:
            try:
                w.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                w.proc.kill()
                w.proc.wait(timeout=10)

    # ---------------------------------------------------------------- routing
    def worker_urls(self, endpoint: str, deployment: str) -> list[str]:
        """Ready workers of a deployment, rotated round-robin (the first is this request's)."""
        rt = self._runtimes.get((endpoint, deployment))
        if rt is None:
            return []
        ready = rt.ready_workers()
        if not ready:
            return []
        start = next(rt.counter) % len(ready)
        return [w.url for w in ready[start:] + ready[:start]]

    def deployment_state(self, endpoint: str, deployment: str) -> dict[str, Any]:
        rt = self._runtimes.get((endpoint, deployment))
        if rt is None:
            return {"workers": 0, "ready": 0, "restarts": 0}
        return {"workers": len(rt.workers), "ready": len(rt.ready_workers()),
                "restarts": sum(w.restarts for w in rt.workers), "failed": rt.failed}

    def has_deployment(self, endpoint: str, deployment: str) -> bool:
        return (endpoint, deployment) in self._runtimes

    def deployment_settings(self, endpoint: str, deployment: str) -> dict[str, Any]:
        rt = self._runtimes.get((endpoint, deployment))
        return rt.deployment.settings if rt else {}
