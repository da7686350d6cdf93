"""The one error tree of Modelyard.

Every error the platform raises on purpose is a :class:`ModelyardError`. Each subclass
carries a stable ``code`` (sent over the wire) and the HTTP status the server answers with.
The server maps them to ``{"error": {"code": ..., "message": ...}}`` in one handler and the
REST client rebuilds the same class from ``code`` in one hook, so callers catch the same
exception whether the workspace is embedded or remote.

::

    ModelyardError                      500 INTERNAL
    ├── InvalidArgument                 400 INVALID_ARGUMENT
    │   └── FilterSyntaxError           400 INVALID_FILTER
    ├── Unauthenticated                 401 UNAUTHENTICATED
    ├── PermissionDenied                403 PERMISSION_DENIED
    ├── NotFound                        404 NOT_FOUND
    ├── AlreadyExists                   409 ALREADY_EXISTS
    ├── InvalidState                    409 INVALID_STATE
    ├── PayloadTooLarge                 413 PAYLOAD_TOO_LARGE
    ├── BackendUnavailable              503 BACKEND_UNAVAILABLE
    └── UserCodeFailed                  422 USER_CODE_FAILED

This module imports nothing else of Modelyard.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AlreadyExists",
    "BackendUnavailable",
    "FilterSyntaxError",
    "InvalidArgument",
    "InvalidState",
    "ModelyardError",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "Unauthenticated",
    "UserCodeFailed",
    "error_class_for_code",
]


class ModelyardError(Exception):
    """Root of every error Modelyard raises on purpose.

    Attributes:
        message: a one-line, human-readable explanation.
        details: optional JSON-serialisable context (a field name, a position...).
    """

    code: ClassVar[str] = "INTERNAL"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body

    def __reduce__(self):  # keep pickling (multiprocessing) working with keyword details
        return (_rebuild, (type(self), self.message, self.details))


def _rebuild(cls: type[ModelyardError], message: str, details: dict[str, Any]) -> ModelyardError:
    return cls(message, details=details)


class InvalidArgument(ModelyardError):
    """The caller passed a value that is malformed or out of range."""

    code = "INVALID_ARGUMENT"
    http_status = 400


class FilterSyntaxError(InvalidArgument):
    """A search filter could not be parsed; ``details['position']`` says where."""

    code = "INVALID_FILTER"


class Unauthenticated(ModelyardError):
    code = "UNAUTHENTICATED"
    http_status = 401


class PermissionDenied(ModelyardError):
    code = "PERMISSION_DENIED"
    http_status = 403


class NotFound(ModelyardError):
    """The named object does not exist (or was deleted for good)."""

    code = "NOT_FOUND"
    http_status = 404


class AlreadyExists(ModelyardError):
    """An object with that name or key exists already."""

    code = "ALREADY_EXISTS"
    http_status = 409


class InvalidState(ModelyardError):
    """The object exists but is in a state that forbids the operation."""

    code = "INVALID_STATE"
    http_status = 409


class PayloadTooLarge(ModelyardError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class BackendUnavailable(ModelyardError):
    """The database, artifact store or server could not be reached."""

    code = "BACKEND_UNAVAILABLE"
    http_status = 503


class UserCodeFailed(ModelyardError):
    """Code the user supplied (a job, a step, a score.py) raised or exited non-zero."""

    code = "USER_CODE_FAILED"
    http_status = 422


def _all_subclasses(cls: type[ModelyardError]) -> list[type[ModelyardError]]:
    out = [cls]
    for sub in cls.__subclasses__():
        out.extend(_all_subclasses(sub))
    return out


def error_class_for_code(code: str) -> type[ModelyardError]:
    """Return the error class registered for a wire ``code`` (the root if unknown)."""
    for cls in _all_subclasses(ModelyardError):
        if cls.code == code:
            return cls
    return ModelyardError
