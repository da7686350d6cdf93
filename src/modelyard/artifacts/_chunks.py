"""Checks shared by every store's streaming write: chunk types and the size limit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from modelyard.errors import InvalidArgument, PayloadTooLarge

__all__ = ["checked_chunks"]


def checked_chunks(
    chunks: Iterable[bytes], *, key: str, max_bytes: int | None
) -> Iterator[bytes | bytearray | memoryview]:
    """Pass chunks through, refusing non-bytes and stopping once ``max_bytes`` is crossed.

    Errors raised by the caller's iterable itself propagate unchanged.

    Raises:
        InvalidArgument: a chunk is not bytes-like.
        PayloadTooLarge: more than ``max_bytes`` arrived; the chunk that crossed the limit is
            not yielded and the iterable is not read further.
    """
    size = 0
    for chunk in chunks:
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise InvalidArgument(
                f"artifact {key!r}: chunks must be bytes, got {type(chunk).__name__}"
            )
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise PayloadTooLarge(
                f"artifact {key!r} is larger than the limit of {max_bytes} bytes",
                details={"max_bytes": max_bytes},
            )
        yield chunk
