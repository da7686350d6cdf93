"""Run the server: ``serve(settings)`` (what ``modelyard server`` calls).

uvicorn with httptools and uvloop when installed, every response sent in one write with
TCP_NODELAY (see :mod:`modelyard.server.transport`). Binding a non-loopback address without
authentication needs ``server.allow_insecure``. With ``server.workers`` above 1, that many
processes share the listening socket (see :mod:`modelyard.server.processes`); one of them
leads (:mod:`modelyard.server.leader`).
"""

from __future__ import annotations

import ipaddress
import logging
import warnings
from typing import TYPE_CHECKING, Any

from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from modelyard.settings import Settings

__all__ = ["build_server", "check_bind", "is_loopback", "serve"]

logger = logging.getLogger(__name__)


class InsecureBindWarning(UserWarning):
    """The server listens beyond this machine without authentication."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings) -> None:
    """Refuse (or warn about) a bind that exposes an unauthenticated server.

    Raises:
        InvalidArgument: a non-loopback host with auth "none" and no ``allow_insecure``.
    """
    server = settings.server
    if is_loopback(server.host) or server.auth != "none":
        return
    if not server.allow_insecure:
        raise InvalidArgument(
            f"refusing to listen on {server.host} without authentication: anyone who can "
            "reach this address could read your workspace and run code. Use --host 127.0.0.1, "
            "or pass --allow-insecure (MODELYARD_SERVER__ALLOW_INSECURE=true) if you mean it"
        )
    message = (
        f"WARNING: Modelyard listens on {server.host} with no authentication; anyone who can "
        "reach it can read the workspace and run code"
    )
    logger.warning(message)
    warnings.warn(message, InsecureBindWarning, stacklevel=2)


def _protocol_class() -> type[Any]:
    from modelyard.server.transport import coalescing_protocol_class

    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return coalescing_protocol_class(HttpToolsProtocol)
    except ImportError:  # httptools not installed: the pure-Python parser
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return coalescing_protocol_class(H11Protocol)


def _loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def build_server(
    settings: Settings, *, app: FastAPI | None = None, port: int | None = None, **config: Any
) -> uvicorn.Server:
    """Make (but do not start) the uvicorn server for ``settings``.

    Args:
        settings: the settings; ``settings.server.host``/``port`` say where to listen.
        app: an app built already (default: ``create_app(settings)``).
        port: override the port (0 picks a free one).
        **config: extra :class:`uvicorn.Config` options.
    """
    import uvicorn

    from modelyard.server.app import create_app

    check_bind(settings)
    options = _options(settings, port)
    options.update(config)
    return uvicorn.Server(uvicorn.Config(app or create_app(settings), **options))


def _options(settings: Settings, port: int | None = None) -> dict[str, Any]:
    return {
        "host": settings.server.host,
        "port": settings.server.port if port is None else port,
        "http": _protocol_class(),
        "loop": _loop_name(),
        "ws": "none",
        "lifespan": "on",
        "access_log": False,
        "log_config": None,
        "timeout_keep_alive": 30,
        "server_header": False,
    }


def _check_stores(settings: Settings) -> None:
    """Open and close the stores once, so that bad settings fail here with one clear error
    (and the schema is migrated) before N processes start."""
    from modelyard.server.app import _open_stores

    tracking, artifacts, _name = _open_stores(settings)
    artifacts.close()
    tracking.close()


def serve(settings: Settings) -> None:
    """Run the server in the foreground until interrupted: one process, or
    ``settings.server.workers`` processes on one socket.

    Raises:
        InvalidArgument: an unsafe bind (see :func:`check_bind`) or bad settings.
    """
    workers = settings.server.workers
    if workers < 1:
        raise InvalidArgument(f"--workers must be at least 1, got {workers}")
    if workers == 1:
        server = build_server(settings)
        logger.info("Modelyard serving on http://%s:%d", settings.server.host, settings.server.port)
        server.run()
        return
    from modelyard.server.processes import serve_processes

    check_bind(settings)
    _check_stores(settings)
    logger.info("Modelyard serving on http://%s:%d with %d processes", settings.server.host,
                settings.server.port, workers)
    serve_processes(settings, _options(settings))
