"""The SDK's ``ws.endpoints`` operation group.

Serving needs a running server (it supervises the worker processes and hosts the gateway):
on a server URL everything works directly; on an embedded folder the endpoints and
deployments are recorded in the workspace and start serving as soon as ``modelyard server``
runs on it. ``invoke``, ``get_logs`` and ``metrics`` need a server URL.

Example::

    ws = yard.Workspace("http://127.0.0.1:8200")
    ws.endpoints.create(name="churn")
    ws.endpoints.create_deployment("churn", name="blue", model="models:/churn/1")
    ws.endpoints.wait_ready("churn", "blue")
    ws.endpoints.invoke("churn", {"input_data": {"columns": ["a"], "data": [[1.0]]}})
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.backends import LazyStore
from modelyard.endpoints.entities import Deployment, DeploymentState, Endpoint
from modelyard.errors import InvalidArgument, InvalidState

if TYPE_CHECKING:
    from modelyard.endpoints.store import EndpointStore

__all__ = ["EndpointOperations", "open_endpoint_store", "parse_traffic"]


def open_endpoint_store(workspace: Any) -> EndpointStore:
    location = workspace.location
    if location.is_remote:
        from modelyard.endpoints.rest import RestEndpointStore

        return RestEndpointStore(location.url, token=workspace.settings.token)
    from modelyard.endpoints.sql import SqlEndpointStore

    return SqlEndpointStore(location.store_url)


def parse_traffic(text: str) -> dict[str, int]:
    """``"blue=90 green=10"`` (spaces or commas) -> ``{"blue": 90, "green": 10}``."""
    out: dict[str, int] = {}
    for part in text.replace(",", " ").split():
        name, sep, pct = part.partition("=")
        if not sep or not name or not pct.strip().isdigit():
            raise InvalidArgument(f"bad traffic {part!r}: use NAME=PERCENT, e.g. 'blue=90 green=10'")
        out[name] = int(pct)
    return out


class EndpointOperations:
    """Online and batch endpoints of a workspace (``ws.endpoints``)."""

    def __init__(self, workspace: Any) -> None:
        self._ws = workspace
        self._stores: LazyStore[EndpointStore] = LazyStore(lambda: open_endpoint_store(workspace))

    @property
    def store(self) -> EndpointStore:
        return self._stores.get()

    def _close(self) -> None:
        self._stores.close()

    def _remote(self, what: str) -> Any:
        from modelyard.endpoints.rest import RestEndpointStore

        store = self.store
        if not isinstance(store, RestEndpointStore):
            raise InvalidState(f"{what} needs a running server: use the workspace through its http:// URL")
        return store

    # ------------------------------------------------------------------ endpoints
    def create(self, *, name: str, auth_mode: str = "key", kind: str = "online",
               description: str | None = None, tags: Mapping[str, str] | None = None) -> Endpoint:
        return self.store.create_endpoint(name, kind=kind, auth_mode=auth_mode, description=description, tags=tags)

    def get(self, name: str) -> Endpoint:
        return self.store.get_endpoint(name)

    def list(self, *, kind: str | None = None) -> list[Endpoint]:
        return self.store.list_endpoints(kind=kind)

    def update(self, name: str, *, traffic: Mapping[str, int] | str | None = None,
               mirror_traffic: Mapping[str, int] | str | None = None, description: str | None = None,
               tags: Mapping[str, str] | None = None) -> Endpoint:
        """Change traffic (``{"blue": 90, "green": 10}`` or ``"blue=90 green=10"``) and more."""
        if isinstance(traffic, str):
            traffic = parse_traffic(traffic)
        if isinstance(mirror_traffic, str):
            mirror_traffic = parse_traffic(mirror_traffic)
        return self.store.update_endpoint(name, traffic=traffic, mirror_traffic=mirror_traffic,
                                          description=description, tags=tags)

    def get_credentials(self, name: str) -> dict[str, Any]:
        """The keys of a ``key`` endpoint (``primaryKey``, ``secondaryKey``), or a new
        one-hour token of an ``aml_token`` endpoint (``accessToken``, ``tokenType``,
        ``expiryTimeUtc``, ``refreshAfterTimeUtc``). Raises NotFound."""
        ep = self.store.get_endpoint(name)
        if str(ep.auth_mode) == "aml_token":
            return self.store.issue_token(name)
        keys = ep.keys
        return {"primaryKey": keys[0] if keys else None, "secondaryKey": keys[1] if len(keys) > 1 else None}

    def regenerate_key(self, name: str, *, which: str = "primary") -> Endpoint:
        return self.store.regenerate_key(name, which=which)

    def delete(self, name: str) -> None:
        self.store.delete_endpoint(name)

    # ---------------------------------------------------------------- deployments
    def create_deployment(self, endpoint: str, *, name: str, model: str, instance_count: int = 1,
                          code: str | os.PathLike[str] | None = None, scoring_script: str | None = None,
                          settings: Mapping[str, Any] | None = None, description: str | None = None,
                          tags: Mapping[str, str] | None = None) -> Deployment:
        """Add a deployment of ``model`` (``models:/name/3``, ``name:3``...).

        A custom ``score.py`` is named by ``code`` (a local folder) and ``scoring_script``
        (its path inside the folder). The folder is uploaded as a code snapshot (like a
        job's code, ``.gitignore``/``.yardignore`` honoured) and the deployment runs that
        snapshot: editing the folder later does not change it, and the server need not see
        this machine's disk.

        Raises:
            InvalidArgument: a missing folder or scoring script, bad settings or names.
            PayloadTooLarge: the code folder is over the snapshot limit.
        """
        code_ref = None
        if code is not None:
            from modelyard.endpoints.code import upload_code

            code_ref = upload_code(self._ws.artifact_store, code, scoring_script)
        return self.store.create_deployment(endpoint, name, model=model, instance_count=instance_count,
                                            code=code_ref, scoring_script=scoring_script, settings=settings,
                                            description=description, tags=tags)

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        return self.store.get_deployment(endpoint, name)

    def list_deployments(self, endpoint: str | None = None) -> list[Deployment]:
        return self.store.list_deployments(endpoint)

    def update_deployment(self, endpoint: str, name: str, *, instance_count: int | None = None,
                          settings: Mapping[str, Any] | None = None) -> Deployment:
        return self.store.update_deployment(endpoint, name, instance_count=instance_count, settings=settings)

    def delete_deployment(self, endpoint: str, name: str) -> None:
        self.store.delete_deployment(endpoint, name)

    def wait_ready(self, endpoint: str, name: str, *, timeout: float = 120.0) -> Deployment:
        """Block until a deployment is Ready (raise InvalidState if it Failed or timed out)."""
        deadline = time.monotonic() + timeout
        while True:
            dep = self.store.get_deployment(endpoint, name)
            if dep.state == DeploymentState.READY:
                return dep
            if dep.state == DeploymentState.FAILED:
                raise InvalidState(f"deployment {endpoint}/{name} failed: {dep.error}")
            if time.monotonic() > deadline:
                raise InvalidState(f"deployment {endpoint}/{name} is not ready after {timeout:.0f} s")
            time.sleep(0.05)  # polling the deployment state, not timing anything

    # ------------------------------------------------------------------- serving
    def invoke(self, endpoint: str, request: Any, *, deployment: str | None = None,
               key: str | None = None) -> Any:
        """Score a request (a dict in the scoring format, or JSON text/bytes) through the
        gateway with the endpoint's key; return the answer (``{"predictions": [...]}``)."""
        import orjson

        store = self._remote("invoke")
        body = request.encode() if isinstance(request, str) else request
        if not isinstance(body, bytes | bytearray):
            body = orjson.dumps(request, option=orjson.OPT_SERIALIZE_NUMPY)
        if key is None:
            keys = store.get_endpoint(endpoint).keys
            key = keys[0] if keys else None
        return store.invoke(endpoint, bytes(body), key=key, deployment=deployment)[0]

    def get_logs(self, endpoint: str, deployment: str, *, lines: int = 200) -> str:
        return self._remote("get_logs").deployment_logs(endpoint, deployment, lines=lines)["logs"]

    def metrics(self, endpoint: str) -> dict[str, Any]:
        return self._remote("metrics").metrics(endpoint)

    def requests(self, endpoint: str, *, limit: int = 100) -> list[Any]:
        return self.store.list_requests(endpoint, limit=limit)

    # -------------------------------------------------------------------- batch
    def invoke_batch(self, endpoint: str, *, input: str | os.PathLike[str], deployment: str | None = None,
                     output_name: str | None = None, compute: str = "local") -> Any:
        """Score a data asset (``data:NAME:VERSION``) or a file/folder with a batch endpoint.

        Submits a command job that splits the input into mini-batches, scores them in
        parallel processes, retries failed ones, honours the error threshold and writes
        ``predictions.parquet`` (row ids and predictions) as the output data asset
        ``output_name`` (default ``<endpoint>-predictions``). A deployment with a custom
        scoring script runs it in its code snapshot (``init()``, then ``run(mini_batch)``).

        Returns:
            The submitted job (``.wait()``, ``.stream()``).
        """
        from modelyard.jobs.client import command

        ep = self.store.get_endpoint(endpoint)
        if str(ep.kind) != "batch":
            raise InvalidArgument(f"endpoint {endpoint!r} is not a batch endpoint")
        deps = {d.name: d for d in self.store.list_deployments(endpoint)}
        if deployment is None:
            live = sorted(ep.traffic.items(), key=lambda kv: -kv[1])
            deployment = live[0][0] if live else None
        if deployment is None or deployment not in deps:
            raise InvalidArgument(f"batch endpoint {endpoint!r} has no deployment {deployment or '(default)'!r}")
        dep = deps[deployment]
        text = str(input)
        if text.startswith(("data:", "azureml:")):
            source: dict[str, Any] = {"type": "uri_folder", "path": text}
        else:
            path = Path(text).expanduser().resolve()
            source = {"type": "uri_folder" if path.is_dir() else "uri_file", "path": str(path)}
        s = dep.settings
        cmd = (f"python -m modelyard.endpoints.batch --model {dep.model} --input ${{{{inputs.data}}}} "
               f"--output ${{{{outputs.predictions}}}} --mini-batch-size {int(s['mini_batch_size'])} "
               f"--workers {int(s['max_concurrency'])} --retries {int(s['retries'])} "
               f"--error-threshold {int(s['error_threshold'])} --format {s['output_format']}")
        snapshot = None
        if dep.code and dep.scoring_script:  # the job runs in the extracted code snapshot
            from modelyard.endpoints.code import code_digest

            snapshot = code_digest(dep.code)
            cmd += f" --scoring-script {shlex.quote(dep.scoring_script)}"
        job = command(command=cmd, inputs={"data": source},
                      outputs={"predictions": {"type": "uri_folder", "name": output_name or f"{endpoint}-predictions"}},
                      compute=compute, experiment_name=f"batch-{endpoint}",
                      tags={"batch_endpoint": endpoint, "deployment": dep.name})
        return self._ws.jobs.create_or_update(job, snapshot=snapshot)

