"""The one place where errors become exit codes and one line on stderr.

* :class:`~modelyard.errors.ModelyardError` (bad input, unknown id, unreachable server):
  ``Error: <message>`` and exit code 1.
* Usage errors (unknown option, bad ``-o`` value, missing argument): ``Error: <message>``
  and exit code 2.
* Anything else is a bug: one line too, exit code 1; ``MODELYARD_DEBUG=1`` shows the
  traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["error_line", "handle_errors", "report_unexpected"]

F = TypeVar("F", bound=Callable[..., Any])


def error_line(message: str) -> None:
    """Write ``Error: message`` as one line on stderr."""
    text = " ".join(str(message).split()) or "unknown error"
    sys.stderr.write(f"Error: {text}\n")
    sys.stderr.flush()


def report_unexpected(error: BaseException) -> None:
    if os.environ.get("MODELYARD_DEBUG"):
        import traceback

        traceback.print_exception(error, file=sys.stderr)
    error_line(f"unexpected {type(error).__name__}: {error} (set MODELYARD_DEBUG=1 to see the traceback)")


def handle_errors(fn: F) -> F:
    """Decorate a command: ModelyardError -> ``Error: ...`` on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import typer

        from modelyard.errors import ModelyardError

        try:
            return fn(*args, **kwargs)
        except ModelyardError as e:
            error_line(e.message)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]
