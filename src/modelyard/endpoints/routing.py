"""What the scoring gateway needs to route a request, in every server process.

One server process (the leader, see :mod:`modelyard.server.leader`) runs the
:class:`~modelyard.endpoints.supervisor.EndpointSupervisor`, which starts the deployment
workers and routes from what it knows in memory. It also publishes the workers' addresses
to a small *route file* (``<runtime dir>/routes.json``, replaced atomically) so that the
other processes of the server, :class:`RouteTable`, can route too::

    {"leader": 4242, "deployments": {"churn/blue": {"urls": ["http://127.0.0.1:40123"],
        "workers": 1, "ready": 1, "restarts": 0, "failed": null, "settings": {...}}}}

Endpoints themselves (keys, traffic, mirror traffic) come from the endpoint store in every
process, so the same rules apply wherever a request lands. Both routers share the traffic,
key, mirror and request-log logic in :class:`Router`.
"""

from __future__ import annotations

import abc
import hmac
import itertools
import logging
import os
import random
import threading
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from modelyard.endpoints.entities import AuthMode, Endpoint, RequestLog
from modelyard.errors import ModelyardError
from modelyard.jobs.runner import pid_alive

if TYPE_CHECKING:
    from modelyard.endpoints.store import EndpointStore

__all__ = ["ROUTE_FILE", "RouteTable", "Router", "publish_routes", "read_routes"]

logger = logging.getLogger(__name__)

ROUTE_FILE = "routes.json"
STATS_DIR = "stats"  # each serving process's request statistics, <pid>.json


def publish_routes(runtime_dir: Path, routes: dict[str, Any]) -> None:
    """Replace the route file atomically (readers see the old or the new one, never half)."""
    path = Path(runtime_dir) / ROUTE_FILE
    tmp = path.with_name(f".{ROUTE_FILE}.{os.getpid()}.tmp")
    tmp.write_bytes(orjson.dumps(routes))
    os.replace(tmp, path)


def read_routes(runtime_dir: Path) -> dict[str, Any] | None:
    """The published routes, or None when there is no (readable) route file."""
    try:
        return orjson.loads((Path(runtime_dir) / ROUTE_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


class Router(abc.ABC):
    """Routing for the gateway: endpoint lookup, key check, traffic choice, worker addresses,
    and the per-process request statistics and sampled request log.

    Args:
        store: the endpoint store.
        runtime_dir: the server's endpoint runtime folder (worker logs, the route file).
    """

    def __init__(self, store: EndpointStore, runtime_dir: Path) -> None:
        self.store = store
        self.runtime_dir = Path(runtime_dir)
        self.stats: dict[str, dict[str, Any]] = {}
        self._stats_changed = False
        self._endpoints: dict[str, Endpoint] = {}
        self._logs: deque[RequestLog] = deque(maxlen=10_000)

    # ------------------------------------------------------------ what differs
    @abc.abstractmethod
    def start(self) -> None:
        """Start the background work (refreshes; for the supervisor, the workers)."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop it, and write the request logs still held."""

    @abc.abstractmethod
    def refresh(self) -> None:
        """Catch up with the store now (after a change made through this process's API)."""

    @abc.abstractmethod
    def reload_routes(self) -> bool:
        """Look again for worker addresses after routing failed; True if anything changed."""

    @abc.abstractmethod
    def worker_urls(self, endpoint: str, deployment: str) -> list[str]:
        """Ready workers of a deployment, rotated round-robin (the first is this request's)."""

    @abc.abstractmethod
    def has_deployment(self, endpoint: str, deployment: str) -> bool:
        """True if the deployment is known to the serving side (ready or not)."""

    @abc.abstractmethod
    def deployment_state(self, endpoint: str, deployment: str) -> dict[str, Any]:
        """Worker counts: ``workers``, ``ready``, ``restarts`` and ``failed`` (a reason or None)."""

    @abc.abstractmethod
    def deployment_settings(self, endpoint: str, deployment: str) -> dict[str, Any]:
        """The settings of a served deployment ({} if unknown)."""

    # ------------------------------------------------------------- shared rules
    def endpoint(self, name: str) -> Endpoint:
        """The cached endpoint (refreshed in the background). Raises NotFound."""
        ep = self._endpoints.get(name)
        if ep is None:
            ep = self.store.get_endpoint(name)
            self._endpoints[name] = ep
        return ep

    @staticmethod
    def check_key(ep: Endpoint, authorization: str | None) -> bool:
        if ep.auth_mode == AuthMode.NONE:
            return True
        if not authorization or not authorization.lower().startswith("bearer "):
            return False
        given = authorization[7:].strip()
        if ep.auth_mode == AuthMode.AML_TOKEN:
            from modelyard.endpoints.tokens import verify_token

            return verify_token(ep, given)
        return any(hmac.compare_digest(given, k) for k in ep.keys)

    @staticmethod
    def choose(ep: Endpoint, pinned: str | None) -> str | None:
        """The deployment to serve a request: the pinned one, else by traffic weights."""
        if pinned:
            return pinned
        live = [(n, p) for n, p in ep.traffic.items() if p > 0]
        if not live:
            return None
        pick = random.uniform(0, sum(p for _, p in live))
        for name, pct in live:
            pick -= pct
            if pick < 0:
                return name
        return live[-1][0]

    @staticmethod
    def mirrors(ep: Endpoint) -> list[str]:
        return [n for n, p in ep.mirror_traffic.items() if random.uniform(0, 100) < p]

    def logs(self, endpoint: str, deployment: str, *, lines: int = 200) -> str:
        """The last lines of each worker's log (the log files are shared by all processes)."""
        folder = self.runtime_dir / "logs" / endpoint / deployment
        return "\n".join(f"==> {path.name} <==\n{tail(path, lines)}" for path in sorted(folder.glob("worker-*.log")))

    def record(self, endpoint: str, deployment: str, status: int, seconds: float,
               request: bytes | None, response: bytes | None) -> None:
        """Count a request; keep a sampled, size-capped copy for the request log."""
        stat = self.stats.setdefault(endpoint, {"requests": 0, "errors": 0, "latencies": deque(maxlen=2048)})
        stat["requests"] += 1
        stat["errors"] += status >= 400
        stat["latencies"].append(seconds)
        self._stats_changed = True
        settings = self.deployment_settings(endpoint, deployment)
        rate = float(settings.get("request_logging_rate", 0.0))
        if rate > 0 and random.random() < rate:
            cap = int(settings.get("request_logging_max_bytes", 4096))
            self._logs.append(RequestLog(
                endpoint=endpoint, deployment=deployment, status_code=status, latency_ms=seconds * 1000,
                created_at=datetime.now(UTC),
                request=None if request is None else request[:cap].decode("utf-8", errors="replace"),
                response=None if response is None else response[:cap].decode("utf-8", errors="replace")))

    def count_mirrored(self, endpoint: str) -> None:
        """Count a request copied to a mirror deployment (its answer is dropped)."""
        stat = self.stats.setdefault(endpoint, {"requests": 0, "errors": 0, "latencies": deque(maxlen=2048)})
        stat["mirrored"] = stat.get("mirrored", 0) + 1
        self._stats_changed = True

    # ------------------------------------------------- statistics of every process
    def _stats_dir(self) -> Path:
        return self.runtime_dir / STATS_DIR

    def share_stats(self) -> None:
        """Publish this process's request statistics (``<runtime dir>/stats/<pid>.json``,
        replaced atomically, only when they changed) for the other processes' metrics."""
        if not self._stats_changed:
            return
        self._stats_changed = False
        snapshot = {name: {**stat, "latencies": list(stat["latencies"])} for name, stat in list(self.stats.items())}
        folder = self._stats_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{os.getpid()}.json.tmp"
            tmp.write_bytes(orjson.dumps(snapshot))
            os.replace(tmp, folder / f"{os.getpid()}.json")
        except OSError as e:
            logger.warning("could not share the request statistics: %s", e)

    def merged_stats(self, endpoint: str) -> dict[str, Any]:
        """``requests``, ``errors``, ``mirrored`` and recent ``latencies`` (seconds) of an
        endpoint over every live process serving this workspace (``--workers N``, or several
        servers): this process's own figures now, the others' as last published."""
        own = self.stats.get(endpoint, {})
        merged: dict[str, Any] = {"requests": own.get("requests", 0), "errors": own.get("errors", 0),
                                  "mirrored": own.get("mirrored", 0), "latencies": list(own.get("latencies", ()))}
        for path in self._stats_dir().glob("*.json"):
            pid = int(path.stem) if path.stem.isdigit() else None
            if pid is None or pid == os.getpid():
                continue
            if not pid_alive(pid):
                path.unlink(missing_ok=True)  # a process gone: its figures went with it
                continue
            try:
                other = orjson.loads(path.read_bytes()).get(endpoint)
            except (OSError, orjson.JSONDecodeError):
                continue
            if other:
                for key in ("requests", "errors", "mirrored"):
                    merged[key] += int(other.get(key, 0))
                merged["latencies"].extend(other.get("latencies", ()))
        return merged

    def flush_logs(self) -> None:
        """Write the sampled request logs to the store (and share the statistics)."""
        self.share_stats()
        batch = []
        while self._logs:
            batch.append(self._logs.popleft())
        if batch:
            try:
                self.store.log_requests(batch)
            except ModelyardError as e:
                logger.warning("could not save %d request logs: %s", len(batch), e.message)


class RouteTable(Router):
    """The router of a server process that is not the leader: worker addresses from the
    route file the leader publishes, endpoints from the store; both refreshed every
    ``interval`` seconds by a thread, and the route file again whenever routing fails.

    Args:
        store: the endpoint store.
        runtime_dir: the server's endpoint runtime folder (holds the route file).
        interval: seconds between background refreshes.
    """

    def __init__(self, store: EndpointStore, runtime_dir: Path, *, interval: float = 0.25) -> None:
        super().__init__(store, runtime_dir)
        self.interval = interval
        self._routes: dict[str, Any] = {}
        self._file_id: tuple[int, int, int] | None = None
        self._counters: dict[str, itertools.count] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ticks = 0

    def start(self) -> None:
        self.reload_routes()
        self._thread = threading.Thread(target=self._loop, name="modelyard-routes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush_logs()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.reload_routes()
                self._ticks += 1
                if self._ticks % 2 == 0:  # endpoints (keys, traffic) every other tick
                    self._endpoints = {e.name: e for e in self.store.list_endpoints()}
                self.flush_logs()
            except ModelyardError as e:
                logger.warning("route refresh failed: %s", e.message)
            except Exception:
                logger.exception("route refresh failed")

    def refresh(self) -> None:
        self._endpoints = {e.name: e for e in self.store.list_endpoints()}
        self.reload_routes()

    def reload_routes(self) -> bool:
        path = self.runtime_dir / ROUTE_FILE
        try:
            st = path.stat()
        except OSError:
            file_id = None
        else:
            file_id = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if file_id == self._file_id:
                return False
            routes = read_routes(self.runtime_dir) if file_id is not None else None
            self._routes = (routes or {}).get("deployments", {})
            self._file_id = file_id
        return True

    def worker_urls(self, endpoint: str, deployment: str) -> list[str]:
        key = f"{endpoint}/{deployment}"
        route = self._routes.get(key)
        urls = route["urls"] if route else None
        if not urls:
            return []
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters.setdefault(key, itertools.count())
        start = next(counter) % len(urls)
        return urls[start:] + urls[:start]

    def has_deployment(self, endpoint: str, deployment: str) -> bool:
        return f"{endpoint}/{deployment}" in self._routes

    def deployment_state(self, endpoint: str, deployment: str) -> dict[str, Any]:
        route = self._routes.get(f"{endpoint}/{deployment}")
        if route is None:
            return {"workers": 0, "ready": 0, "restarts": 0}
        return {k: route.get(k) for k in ("workers", "ready", "restarts", "failed")}

    def deployment_settings(self, endpoint: str, deployment: str) -> dict[str, Any]:
        route = self._routes.get(f"{endpoint}/{deployment}")
        return route.get("settings", {}) if route else {}


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a text file ('' if it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
