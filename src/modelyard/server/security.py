"""Request guards for a server that will run jobs (a code-execution surface).

A pure ASGI middleware (no per-request task or stream, unlike ``BaseHTTPMiddleware``):

* **DNS rebinding**: a request whose ``Host`` is not the bound address, ``localhost``,
  ``127.0.0.1``, ``[::1]`` or a configured allowed host is refused with 403. A page on
  ``evil.example`` whose name is re-pointed at 127.0.0.1 still sends ``Host: evil.example``.
  When the server is bound to a wildcard address (``0.0.0.0``/``::``, only with
  ``allow_insecure``), IP-literal hosts and this machine's names are accepted too: a
  rebinding attack always comes with a DNS name.
* **CSRF**: a state-changing request (POST, PUT, PATCH, DELETE) carrying an ``Origin`` that
  is not the server's own origin (nor a configured allowed origin), or marked
  ``Sec-Fetch-Site: cross-site``, is refused with 403. Requests without ``Origin`` (the SDK,
  curl) pass.
* **Authentication**: bearer tokens come with the team-server issue; :meth:`authenticate`
  is where they will be checked.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable

import orjson

from modelyard.errors import PermissionDenied

__all__ = ["SecurityMiddleware", "allowed_host_names"]

logger = logging.getLogger(__name__)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_WILDCARDS = ("0.0.0.0", "::", "")


def allowed_host_names(bound_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The lower-cased host names (without port or brackets) a request may name."""
    names = {bound_host.strip("[]").lower(), *_LOOPBACK_NAMES}
    names.update(h.strip().strip("[]").lower() for h in extra if h.strip())
    if bound_host in _WILDCARDS:
        host = socket.gethostname().lower()
        names.update({host, socket.getfqdn().lower()})
    return frozenset(names)


def _split_host(value: str) -> str:
    """``"[::1]:8200"`` -> ``"::1"``; ``"example.com:80"`` -> ``"example.com"``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class SecurityMiddleware:
    """Host (DNS rebinding) and Origin (CSRF) checks in front of the whole app.

    Args:
        app: the ASGI app to protect.
        bound_host: the address the server listens on.
        allowed_hosts: extra accepted ``Host`` names (``"*"`` accepts any).
        allowed_origins: extra origins (``"https://ui.example:443"``) that may send
            state-changing requests.
    """

    def __init__(
        self,
        app,  # type: ignore[no-untyped-def]
        *,
        bound_host: str,
        allowed_hosts: Iterable[str] = (),
        allowed_origins: Iterable[str] = (),
    ) -> None:
        self.app = app
        extra = list(allowed_hosts)
        self._any_host = "*" in extra
        self._hosts = allowed_host_names(bound_host, [h for h in extra if h != "*"])
        self._any_ip = bound_host in _WILDCARDS
        self._origins = frozenset(o.rstrip("/").lower() for o in allowed_origins)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = origin = fetch_site = ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1")
            elif name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"sec-fetch-site":
                fetch_site = value.decode("latin-1")
        problem = self._check_host(host) or self._check_origin(scope, host, origin, fetch_site)
        if problem is not None:
            logger.warning("refused %s %s: %s", scope["method"], scope["path"], problem)
            await _refuse(send, problem)
            return
        await self.app(scope, receive, send)

    def _check_host(self, host: str) -> str | None:
        if self._any_host:
            return None
        name = _split_host(host)
        if name in self._hosts or (self._any_ip and _is_ip(name)):
            return None
        return (
            f"the Host header {host!r} is not an address of this server; add it to "
            "server.allowed_hosts (MODELYARD_SERVER__ALLOWED_HOSTS) if it is"
        )

    def _check_origin(self, scope, host: str, origin: str, fetch_site: str) -> str | None:  # type: ignore[no-untyped-def]
        if scope["method"] in _SAFE_METHODS:
            return None
        if origin:
            own = f"{scope.get('scheme', 'http')}://{host}".lower()
            if origin.rstrip("/").lower() in (own, *self._origins):
                return None
            return f"cross-origin request from {origin!r} refused (CSRF protection)"
        if fetch_site.lower() == "cross-site":
            return "cross-site request refused (CSRF protection)"
        return None

    def authenticate(self, scope) -> None:  # type: ignore[no-untyped-def]
        """Bearer-token authentication (server.auth = "token") lands here in a later issue."""


async def _refuse(send, message: str) -> None:  # type: ignore[no-untyped-def]
    body = orjson.dumps({"error": {"code": PermissionDenied.code, "message": message}})
    await send(
        {
            "type": "http.response.start",
            "status": PermissionDenied.http_status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
