"""Prometheus metrics of the server, in a registry owned by the app (no global state).

* ``modelyard_http_requests_total{method,route,status}``: requests by route *template*
  (``/api/v1/runs/{run_id}``, so ids do not explode the label space);
* ``modelyard_http_request_duration_seconds{method,route}``: latency histogram;
* ``modelyard_experiments`` and ``modelyard_server_start_time_seconds``: gauges read from
  the store at scrape time.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

if TYPE_CHECKING:
    from modelyard.tracking.store import TrackingStore

__all__ = ["MetricsMiddleware", "ServerMetrics"]

logger = logging.getLogger(__name__)

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class _StoreCollector:
    def __init__(self, store: TrackingStore, started: float) -> None:
        self._store = store
        self._started = started

    def collect(self):  # type: ignore[no-untyped-def]
        start = GaugeMetricFamily("modelyard_server_start_time_seconds", "Server start (unix time)")
        start.add_metric([], self._started)
        yield start
        try:
            page = self._store.list_experiments(max_results=50_000)
        except Exception:  # a scrape must not fail because the store is down
            logger.warning("metrics: could not read the store", exc_info=True)
            return
        gauge = GaugeMetricFamily("modelyard_experiments", "Active experiments")
        gauge.add_metric([], len(page.experiments))
        yield gauge


class ServerMetrics:
    """The app's metric registry and instruments."""

    def __init__(self, store: TrackingStore) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "modelyard_http_requests_total", "HTTP requests served",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "modelyard_http_request_duration_seconds", "HTTP request latency",
            ["method", "route"], buckets=_BUCKETS, registry=self.registry,
        )
        self.registry.register(_StoreCollector(store, time.time()))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Pure ASGI middleware that counts requests and times them by route template."""

    def __init__(self, app, *, metrics: ServerMetrics) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        begin = time.perf_counter()

        async def send_wrapper(message) -> None:  # type: ignore[no-untyped-def]
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - begin)
