"""Per-endpoint Prometheus metrics on the server's ``/metrics``: request count by status,
latency histogram, errors."""

from __future__ import annotations

from typing import Any

__all__ = ["EndpointMetrics"]


class EndpointMetrics:
    """Counters and a latency histogram per endpoint and deployment.

    Args:
        registry: the server's ``prometheus_client.CollectorRegistry``.
    """

    def __init__(self, registry: Any) -> None:
        from prometheus_client import Counter, Histogram

        self.requests = Counter("modelyard_endpoint_requests", "Scoring requests through the gateway",
                                ["endpoint", "deployment", "status"], registry=registry)
        self.errors = Counter("modelyard_endpoint_errors", "Scoring requests answered with 4xx/5xx",
                              ["endpoint", "deployment"], registry=registry)
        self.latency = Histogram("modelyard_endpoint_request_seconds", "Gateway scoring latency",
                                 ["endpoint", "deployment"], registry=registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

    def observe(self, endpoint: str, deployment: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, deployment, str(status)).inc()
        if status >= 400:
            self.errors.labels(endpoint, deployment).inc()
        self.latency.labels(endpoint, deployment).observe(seconds)
