"""Jobs against a Modelyard server: NOT IMPLEMENTED YET.

The server routes (``/api/v1/jobs``, snapshot upload, a streaming log endpoint) and the REST
job store are still to be written. Until then every entry point raises a clear
:class:`~modelyard.errors.InvalidArgument` instead of failing on a missing module.
"""

from __future__ import annotations

from typing import Any, NoReturn

from modelyard.errors import InvalidArgument

__all__ = ["RestJobStore", "iter_remote_log", "submit_remote"]

_MESSAGE = "jobs on a server workspace are not supported yet; use an embedded workspace folder"


def _unsupported() -> NoReturn:
    raise InvalidArgument(_MESSAGE)


class RestJobStore:
    def __init__(self, url: str, *, token: str | None = None) -> None:
        _unsupported()


def submit_remote(ws: Any, job: Any) -> NoReturn:
    _unsupported()


def iter_remote_log(ws: Any, job_id: str, *, follow: bool) -> NoReturn:
    _unsupported()
