"""Column values shared by every SQL store: times as integer microseconds since the epoch
(UTC), and tags as a string-to-string mapping stored as JSON.

Example::

    created_at = now_us()
    from_us(created_at).tzinfo  # UTC
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime

from modelyard.errors import InvalidArgument

__all__ = ["check_tags", "from_us", "now_us", "to_us"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now_us() -> int:
    return time.time_ns() // 1000


def to_us(value: datetime) -> int:
    """An aware or naive (taken as UTC) datetime as microseconds since the epoch."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int | None) -> datetime | None:
    """Microseconds since the epoch as an aware UTC datetime (None stays None)."""
    if value is None:
        return None
    return datetime.fromtimestamp(value // 1_000_000, tz=UTC).replace(microsecond=value % 1_000_000)


def check_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    """``tags`` as a plain dict. Raises InvalidArgument unless it maps strings to strings."""
    if tags is None:
        return {}
    if not isinstance(tags, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise InvalidArgument("tags must map strings to strings")
    return dict(tags)
