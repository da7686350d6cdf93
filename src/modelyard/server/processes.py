"""``modelyard server --workers N``: N server processes on one listening socket.

uvicorn's process supervisor (:class:`uvicorn.supervisors.Multiprocess`) binds the socket,
starts N spawned processes and replaces any that dies. Each process builds its own app from
the settings (:func:`make_app`, pickled into the child with the config) and serves every
route; one of them leads (see :mod:`modelyard.server.leader`).
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from fastapi import FastAPI

    from modelyard.settings import Settings

__all__ = ["ProcessConfig", "make_app", "serve_processes"]

logger = logging.getLogger(__name__)


def make_app(settings: Settings) -> FastAPI:
    """The app of one server process (the factory each process calls)."""
    from modelyard.server.app import create_app

    return create_app(settings)


class ProcessConfig(uvicorn.Config):
    """A config that crosses into spawned processes: it holds the app factory and the name
    of the HTTP protocol, and builds our write-coalescing protocol class in the child."""

    def load(self) -> None:
        from modelyard.server.run import _protocol_class

        self.http = _protocol_class()
        super().load()


def serve_processes(settings: Settings, options: dict[str, Any]) -> None:
    """Serve with ``settings.server.workers`` processes until interrupted.

    Args:
        settings: the settings (pickled into each process).
        options: :class:`uvicorn.Config` options; ``http`` is replaced in each process.
    """
    from uvicorn.supervisors import Multiprocess

    options = {**options, "http": "auto"}
    root = logging.getLogger()
    if root.handlers:  # the command line set logging up: the same in every process, with its pid
        options["log_config"] = {
            "version": 1, "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"}},
            "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
            "root": {"level": root.getEffectiveLevel(), "handlers": ["stderr"]},
            "loggers": {"alembic": {"level": "WARNING"}}}
    config = ProcessConfig(functools.partial(make_app, settings), factory=True,
                           workers=settings.server.workers, **options)
    sock = config.bind_socket()
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
