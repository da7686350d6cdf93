"""The endpoint store interface. Its docstrings are the specification.

Implementations: :class:`modelyard.endpoints.sql.SqlEndpointStore` (the workspace database)
and :class:`modelyard.endpoints.rest.RestEndpointStore` (a Modelyard server). One contract
suite (``tests/endpoints/test_store_contract.py``) runs against both.

The store holds the *desired* state; the server's
:class:`~modelyard.endpoints.supervisor.EndpointSupervisor` makes processes match it and
writes back each deployment's state. Common rules: thread-safe; names match
``[A-Za-z][A-Za-z0-9-]*`` (at most 32 characters for endpoints, like Azure ML); unknown
names raise NotFound; bad values InvalidArgument; backend failures BackendUnavailable.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any

from modelyard.endpoints.entities import (
    AuthMode,
    Deployment,
    DeploymentState,
    Endpoint,
    EndpointKind,
    RequestLog,
)

__all__ = ["EndpointStore"]


class EndpointStore(abc.ABC):
    """Endpoints and deployments of one workspace."""

    @abc.abstractmethod
    def create_endpoint(
        self, name: str, *, kind: EndpointKind = EndpointKind.ONLINE, auth_mode: AuthMode = AuthMode.KEY,
        description: str | None = None, tags: Mapping[str, str] | None = None,
    ) -> Endpoint:
        """Create an endpoint (with two fresh keys for ``key`` auth). Raises AlreadyExists."""

    @abc.abstractmethod
    def get_endpoint(self, name: str) -> Endpoint:
        """Return an endpoint. Raises NotFound."""

    @abc.abstractmethod
    def list_endpoints(self, *, kind: EndpointKind | None = None) -> list[Endpoint]:
        """All endpoints (of one kind), by name."""

    @abc.abstractmethod
    def update_endpoint(
        self, name: str, *, traffic: Mapping[str, int] | None = None,
        mirror_traffic: Mapping[str, int] | None = None, description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Endpoint:
        """Change traffic, mirror traffic, description or tags.

        Traffic names existing deployments with integer percents 0..100 summing to 100 (or
        is empty); mirror traffic is at most 50 percent per deployment and may not name a
        deployment that takes live traffic.

        Raises:
            NotFound; InvalidArgument for unknown deployments or bad percents.
        """

    @abc.abstractmethod
    def regenerate_key(self, name: str, *, which: str = "primary") -> Endpoint:
        """Replace the ``primary`` or ``secondary`` key. Raises NotFound, InvalidArgument."""

    def issue_token(self, name: str, *, lifetime: int = 3600) -> dict[str, Any]:
        """A new bearer token of an ``aml_token`` endpoint (``accessToken``, ``tokenType``,
        ``expiryTimeUtc``, ``refreshAfterTimeUtc``). Raises NotFound, InvalidState (the
        endpoint does not use tokens), InvalidArgument (``lifetime`` outside 60 s-24 h)."""
        from modelyard.endpoints.tokens import issue_token

        return issue_token(self.get_endpoint(name), lifetime=lifetime)

    @abc.abstractmethod
    def delete_endpoint(self, name: str) -> None:
        """Delete an endpoint and its deployments. Raises NotFound."""

    @abc.abstractmethod
    def create_deployment(
        self, endpoint: str, name: str, *, model: str, instance_count: int = 1,
        code: str | None = None, scoring_script: str | None = None,
        settings: Mapping[str, Any] | None = None, description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Deployment:
        """Add a deployment in state ``Creating``. It takes no traffic until the endpoint's
        traffic names it (the first deployment of an endpoint with no traffic gets 100).

        ``code`` is an uploaded code snapshot, ``snapshot:<digest>`` (see
        :func:`modelyard.endpoints.code.upload_code`), holding ``scoring_script``; a server
        also checks that the snapshot is in its artifact store.

        Raises:
            NotFound: no such endpoint. AlreadyExists. InvalidArgument: bad name, count,
                settings, ``code`` that is not a snapshot reference (or not uploaded), a
                ``scoring_script`` without ``code`` or ``code`` without a ``scoring_script``.
        """

    @abc.abstractmethod
    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        """Return a deployment. Raises NotFound."""

    @abc.abstractmethod
    def list_deployments(self, endpoint: str | None = None) -> list[Deployment]:
        """Deployments of an endpoint (or of all endpoints), by endpoint and name."""

    @abc.abstractmethod
    def update_deployment(
        self, endpoint: str, name: str, *, instance_count: int | None = None,
        settings: Mapping[str, Any] | None = None, state: DeploymentState | None = None,
        error: str | None = None,
    ) -> Deployment:
        """Change the instance count or settings (merged), or record state and error."""

    @abc.abstractmethod
    def delete_deployment(self, endpoint: str, name: str) -> None:
        """Delete a deployment; refused (InvalidState) while it takes live traffic."""

    @abc.abstractmethod
    def log_requests(self, entries: Sequence[RequestLog]) -> None:
        """Append logged requests."""

    @abc.abstractmethod
    def list_requests(self, endpoint: str, *, limit: int = 100) -> list[RequestLog]:
        """The newest logged requests of an endpoint, newest first."""

    def close(self) -> None:
        """Release connections."""
