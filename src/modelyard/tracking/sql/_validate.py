"""Argument checks of the tracking store: every one raises InvalidArgument and writes nothing."""

from __future__ import annotations

import math
import numbers
from typing import Any

from modelyard.errors import InvalidArgument
from modelyard.tracking.entities import RunStatus
from modelyard.tracking.store import MAX_RESULTS_LIMIT

__all__ = [
    "MAX_KEY_LENGTH",
    "MAX_PARAM_VALUE_LENGTH",
    "MAX_TAG_VALUE_LENGTH",
    "check_int64",
    "check_key",
    "check_kind",
    "check_max_results",
    "check_name",
    "check_status",
    "check_value",
]

MAX_NAME_LENGTH = 256
MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_KIND_LENGTH = 64
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def check_name(name: Any, what: str = "name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgument(f"{what} must be a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidArgument(f"{what} is longer than {MAX_NAME_LENGTH} characters")
    if _has_control(name):
        raise InvalidArgument(f"{what} {name!r} contains control characters")
    return name


def check_key(key: Any, what: str = "key") -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidArgument(f"{what} must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgument(f"{what} {key[:40]!r}... is longer than {MAX_KEY_LENGTH} characters")
    if _has_control(key):
        raise InvalidArgument(f"{what} {key!r} contains control characters")
    return key


def check_value(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{what} must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise InvalidArgument(f"{what} is longer than {limit} characters")
    if "\x00" in value:
        raise InvalidArgument(f"{what} contains a NUL character")
    return value


def check_kind(kind: Any) -> str:
    if not isinstance(kind, str) or not kind or len(kind) > MAX_KIND_LENGTH or _has_control(kind):
        raise InvalidArgument(f"run kind must be a short non-empty string, got {kind!r}")
    return kind


def check_status(status: Any) -> RunStatus:
    try:
        return RunStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in RunStatus)
        raise InvalidArgument(f"unknown run status {status!r} (one of {allowed})") from None


def check_max_results(max_results: Any) -> int:
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_RESULTS_LIMIT
    ):
        raise InvalidArgument(f"max_results must be an integer in 1..{MAX_RESULTS_LIMIT}")
    return max_results


def check_int64(value: Any, what: str) -> int:
    """An integer (or an integral float) that fits in 64 bits."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{what} must be an integer, got a bool")
    if (
        isinstance(value, numbers.Integral)
        or isinstance(value, numbers.Real)
        and math.isfinite(value)
        and float(value).is_integer()
    ):
        result = int(value)
    else:
        raise InvalidArgument(f"{what} must be a finite integer, got {value!r}")
    if not _INT64_MIN <= result <= _INT64_MAX:
        raise InvalidArgument(f"{what} {result} does not fit in 64 bits")
    return result


def check_metric_value(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgument(f"metric {key!r} value must be a number, got {value!r}")
    return float(value)
