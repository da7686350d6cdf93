"""An :class:`~modelyard.endpoints.store.EndpointStore` that talks to a Modelyard server,
plus :meth:`RestEndpointStore.invoke` (the scoring gateway) and deployment logs.

Example::

    store = RestEndpointStore("http://127.0.0.1:8200")
    store.update_endpoint("churn", traffic={"blue": 90, "green": 10})
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from modelyard._http import HttpClient
from modelyard.endpoints import schemas as w
from modelyard.endpoints.entities import Deployment, Endpoint, RequestLog
from modelyard.endpoints.store import EndpointStore

__all__ = ["RestEndpointStore"]

_API = "/api/v1"


def _q(part: Any) -> str:
    return quote(str(part), safe="")


class RestEndpointStore(EndpointStore):
    """Endpoints over HTTP.

    Args:
        base_url: the server URL.
        token: a bearer token for the REST API.
        client: share an existing :class:`HttpClient`.
    """

    def __init__(self, base_url: str, *, token: str | None = None, client: HttpClient | None = None) -> None:
        self._owns_client = client is None
        self._http = client or HttpClient(base_url, token=token)

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._http.request_json(method, _API + path, **kwargs)

    def create_endpoint(self, name, *, kind="online", auth_mode="key", description=None, tags=None) -> Endpoint:
        body = {"name": name, "kind": str(kind), "auth_mode": str(auth_mode), "description": description,
                "tags": dict(tags or {})}
        return w.endpoint_from_wire(self._json("POST", "/endpoints", json=body))

    def get_endpoint(self, name: str) -> Endpoint:
        return w.endpoint_from_wire(self._json("GET", f"/endpoints/{_q(name)}"))

    def list_endpoints(self, *, kind=None) -> list[Endpoint]:
        body = self._json("GET", "/endpoints", params={"kind": None if kind is None else str(kind)})
        return [w.endpoint_from_wire(e) for e in body["endpoints"]]

    def update_endpoint(self, name, *, traffic=None, mirror_traffic=None, description=None, tags=None) -> Endpoint:
        body = {"traffic": None if traffic is None else dict(traffic),
                "mirror_traffic": None if mirror_traffic is None else dict(mirror_traffic),
                "description": description, "tags": None if tags is None else dict(tags)}
        return w.endpoint_from_wire(self._json("PATCH", f"/endpoints/{_q(name)}", json=body))

    def regenerate_key(self, name: str, *, which: str = "primary") -> Endpoint:
        return w.endpoint_from_wire(self._json("POST", f"/endpoints/{_q(name)}/keys/regenerate",
                                               params={"which": which}))

    def issue_token(self, name: str, *, lifetime: int = 3600) -> dict[str, Any]:
        return self._json("POST", f"/endpoints/{_q(name)}/token", params={"lifetime": lifetime})

    def delete_endpoint(self, name: str) -> None:
        self._http.request("DELETE", f"{_API}/endpoints/{_q(name)}")

    def create_deployment(self, endpoint, name, *, model, instance_count=1, code=None, scoring_script=None,
                          settings=None, description=None, tags=None) -> Deployment:
        body = {"name": name, "model": model, "instance_count": instance_count, "code": code,
                "scoring_script": scoring_script, "settings": dict(settings or {}), "description": description,
                "tags": dict(tags or {})}
        return w.deployment_from_wire(self._json("POST", f"/endpoints/{_q(endpoint)}/deployments", json=body))

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        return w.deployment_from_wire(self._json("GET", f"/endpoints/{_q(endpoint)}/deployments/{_q(name)}"))

    def list_deployments(self, endpoint: str | None = None) -> list[Deployment]:
        path = "/deployments" if endpoint is None else f"/endpoints/{_q(endpoint)}/deployments"
        return [w.deployment_from_wire(d) for d in self._json("GET", path)["deployments"]]

    def update_deployment(self, endpoint, name, *, instance_count=None, settings=None, state=None,
                          error=None) -> Deployment:
        body = {"instance_count": instance_count, "settings": None if settings is None else dict(settings),
                "state": None if state is None else str(state), "error": error}
        return w.deployment_from_wire(self._json("PATCH", f"/endpoints/{_q(endpoint)}/deployments/{_q(name)}",
                                                 json=body))

    def delete_deployment(self, endpoint: str, name: str) -> None:
        self._http.request("DELETE", f"{_API}/endpoints/{_q(endpoint)}/deployments/{_q(name)}")

    def log_requests(self, entries) -> None:
        if entries:
            self._http.request("POST", f"{_API}/endpoint-requests",
                               json={"entries": [w.request_to_wire(e) for e in entries]})

    def list_requests(self, endpoint: str, *, limit: int = 100) -> list[RequestLog]:
        body = self._json("GET", f"/endpoints/{_q(endpoint)}/requests", params={"limit": limit})
        return [w.request_from_wire(r) for r in body["requests"]]

    # ------------------------------------------------------------ server-only
    def deployment_logs(self, endpoint: str, name: str, *, lines: int = 200) -> dict[str, Any]:
        return self._json("GET", f"/endpoints/{_q(endpoint)}/deployments/{_q(name)}/logs", params={"lines": lines})

    def metrics(self, endpoint: str) -> dict[str, Any]:
        return self._json("GET", f"/endpoints/{_q(endpoint)}/metrics")

    def invoke(self, endpoint: str, body: bytes, *, key: str | None = None,
               deployment: str | None = None) -> tuple[Any, str | None]:
        """Score through the gateway; return (the JSON answer, the deployment that served)."""
        import orjson

        headers = {"content-type": "application/json"}
        if key:
            headers["authorization"] = f"Bearer {key}"
        if deployment:
            headers["x-modelyard-deployment"] = deployment
        response = self._http.request("POST", f"/endpoints/{_q(endpoint)}/score", content=body, headers=headers)
        return orjson.loads(response.content), response.headers.get("x-modelyard-deployment")
