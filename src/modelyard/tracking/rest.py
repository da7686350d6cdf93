"""A :class:`~modelyard.tracking.store.TrackingStore` that talks to a Modelyard server.

Every method is one HTTP call over a kept-alive connection; the server's errors come back as
the same :class:`~modelyard.errors.ModelyardError` subclasses (see :mod:`modelyard._http`).

Example::

    store = RestTrackingStore("http://127.0.0.1:8200")
    run = store.create_run(store.create_experiment("demo").id)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from modelyard._http import HttpClient
from modelyard.errors import NotFound
from modelyard.tracking import schemas as s
from modelyard.tracking.entities import (
    Experiment,
    ExperimentPage,
    Metric,
    Run,
    RunPage,
    RunSource,
    RunStatus,
)
from modelyard.tracking.store import TrackingStore

__all__ = ["RestTrackingStore"]

_API = "/api/v1"


def _q(part: str) -> str:
    return quote(part, safe="")


def _dt(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


class RestTrackingStore(TrackingStore):
    """Tracking over HTTP.

    Args:
        base_url: the server URL, e.g. ``http://127.0.0.1:8200``.
        token: a bearer token.
        client: share an existing :class:`HttpClient` (``base_url``/``token`` then unused).
    """

    def __init__(
        self, base_url: str, *, token: str | None = None, client: HttpClient | None = None
    ) -> None:
        self._owns_client = client is None
        self._http = client or HttpClient(base_url, token=token)

    def __repr__(self) -> str:
        return f"RestTrackingStore({self._http.base_url!r})"

    @property
    def http(self) -> HttpClient:
        return self._http

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._http.request_json(method, _API + path, **kwargs)

    # ----------------------------------------------------------------- experiments
    def create_experiment(
        self, name: str, *, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> Experiment:
        body = {"name": name, "description": description, "tags": dict(tags) if tags else None}
        return s.experiment_from_wire(self._call("POST", "/experiments", json=body))

    def get_experiment(self, experiment_id: str) -> Experiment:
        return s.experiment_from_wire(self._call("GET", f"/experiments/{_q(experiment_id)}"))

    def find_experiment(self, name: str) -> Experiment | None:
        try:
            return s.experiment_from_wire(self._call("GET", f"/experiments/by-name/{_q(name)}"))
        except NotFound:
            return None

    def list_experiments(
        self,
        *,
        include_deleted: bool = False,
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> ExperimentPage:
        params = {
            "include_deleted": include_deleted,
            "max_results": max_results,
            "page_token": page_token,
        }
        return s.experiment_page_from_wire(self._call("GET", "/experiments", params=params))

    def update_experiment(
        self, experiment_id: str, *, name: str | None = None, description: str | None = None
    ) -> Experiment:
        body = {"name": name, "description": description}
        return s.experiment_from_wire(
            self._call("PATCH", f"/experiments/{_q(experiment_id)}", json=body)
        )

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        self._call("PUT", f"/experiments/{_q(experiment_id)}/tags/{_q(key)}", json={"value": value})

    def delete_experiment(self, experiment_id: str) -> None:
        self._call("DELETE", f"/experiments/{_q(experiment_id)}")

    def restore_experiment(self, experiment_id: str) -> None:
        self._call("POST", f"/experiments/{_q(experiment_id)}/restore")

    # ------------------------------------------------------------------------ runs
    def create_run(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        parent_id: str | None = None,
        kind: str = "run",
        status: RunStatus = RunStatus.RUNNING,
        tags: Mapping[str, str] | None = None,
        source: RunSource | None = None,
        start_time: datetime | None = None,
    ) -> Run:
        body = {
            "experiment_id": experiment_id,
            "name": name,
            "parent_id": parent_id,
            "kind": kind,
            "status": str(status),
            "tags": dict(tags) if tags else None,
            "source": s.source_to_wire(source) if source else None,
            "start_time": _dt(start_time),
        }
        return s.run_from_wire(self._call("POST", "/runs", json=body))

    def get_run(self, run_id: str) -> Run:
        return s.run_from_wire(self._call("GET", f"/runs/{_q(run_id)}"))

    def update_run(
        self,
        run_id: str,
        *,
        status: RunStatus | None = None,
        name: str | None = None,
        end_time: datetime | None = None,
        error: str | None = None,
    ) -> Run:
        body = {
            "status": None if status is None else str(status),
            "name": name,
            "end_time": _dt(end_time),
            "error": error,
        }
        return s.run_from_wire(self._call("PATCH", f"/runs/{_q(run_id)}", json=body))

    def delete_run(self, run_id: str) -> None:
        self._call("DELETE", f"/runs/{_q(run_id)}")

    def restore_run(self, run_id: str) -> None:
        self._call("POST", f"/runs/{_q(run_id)}/restore")

    def list_deleted_runs(self) -> list[Run]:
        return [s.run_from_wire(r) for r in self._call("GET", "/runs/deleted")["runs"]]

    def purge_run(self, run_id: str) -> None:
        self._call("POST", f"/runs/{_q(run_id)}/purge")

    def log_batch(
        self,
        run_id: str,
        *,
        metrics: Sequence[Metric] = (),
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        body = {
            "metrics": s.metrics_to_wire(metrics),
            "params": dict(params) if params is not None else None,
            "tags": dict(tags) if tags is not None else None,
        }
        self._call("POST", f"/runs/{_q(run_id)}/batch", json=body)

    def log_metric_batches(self, batches: Mapping[str, Sequence[Metric]]) -> None:
        body = {"batches": {rid: s.metrics_to_wire(points) for rid, points in batches.items()}}
        self._call("POST", "/metrics/batches", json=body)

    def delete_tag(self, run_id: str, key: str) -> None:
        self._call("DELETE", f"/runs/{_q(run_id)}/tags/{_q(key)}")

    def get_metric_history(
        self,
        run_id: str,
        key: str,
        *,
        max_points: int | None = None,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> list[Metric]:
        given = {"max_points": max_points, "min_step": min_step, "max_step": max_step}
        params = {name: value for name, value in given.items() if value is not None} or None
        path = f"/runs/{_q(run_id)}/metrics/{_q(key)}/history"
        return s.history_from_wire(self._call("GET", path, params=params))

    def search_runs(
        self,
        *,
        experiment_ids: Iterable[str] | None = None,
        filter: str | None = None,
        order_by: Sequence[str] | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
        include_deleted: bool = False,
    ) -> RunPage:
        body = {
            "experiment_ids": None if experiment_ids is None else list(experiment_ids),
            "filter": filter,
            "order_by": None if order_by is None else list(order_by),
            "max_results": max_results,
            "page_token": page_token,
            "include_deleted": include_deleted,
        }
        return s.run_page_from_wire(self._call("POST", "/runs/search", json=body))

    def close(self) -> None:
        if self._owns_client:
            self._http.close()
