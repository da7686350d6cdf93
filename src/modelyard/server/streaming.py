"""Request bodies streamed into synchronous stores.

Stores are synchronous and take an iterator of byte chunks; a request body is an async
stream. :func:`consume_body` runs the store call in a worker thread and feeds it the body
chunk by chunk from the event loop, so an upload of any size is never held whole in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

import anyio.from_thread
import anyio.to_thread
from starlette.requests import ClientDisconnect, Request

from modelyard.errors import InvalidArgument

__all__ = ["coalesce", "consume_body"]

T = TypeVar("T")

#: chunks smaller than this are joined before they reach the store (fewer thread hops)
MIN_CHUNK = 1024 * 1024


async def coalesce(stream: AsyncIterator[bytes], size: int = MIN_CHUNK) -> AsyncIterator[bytes]:
    """Join small body chunks into pieces of about ``size`` bytes."""
    parts: list[bytes] = []
    held = 0
    async for chunk in stream:
        if not chunk:
            continue
        parts.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(parts)
            parts, held = [], 0
    if parts:
        yield b"".join(parts)


async def consume_body(request: Request, consume: Callable[[Iterator[bytes]], T]) -> T:
    """Call ``consume(chunks)`` in a worker thread with the request body as byte chunks.

    Raises:
        InvalidArgument: the client went away before the body was complete.
    """
    chunks = coalesce(request.stream())

    def pull() -> Iterator[bytes]:
        while True:
            try:
                yield anyio.from_thread.run(chunks.__anext__)
            except StopAsyncIteration:
                return

    try:
        return await anyio.to_thread.run_sync(lambda: consume(pull()))
    except ClientDisconnect as e:
        raise InvalidArgument("the upload was interrupted before it completed") from e
    finally:
        await chunks.aclose()
