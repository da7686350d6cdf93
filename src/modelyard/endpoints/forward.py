"""The gateway's connections to deployment workers: a small HTTP/1.1 client on raw asyncio
streams, kept alive and pooled per worker.

The workers are ours (uvicorn on loopback, always answering with ``content-length``), so
the gateway needs far less than a general client: one ``POST /score`` per connection at a
time, the request head and body in one write, the answer read by ``content-length`` (chunked
answers are read too). This costs a fraction of an httpx round trip, which matters when the
whole scoring call takes a few hundred microseconds.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

__all__ = ["Answer", "WorkerPool", "WorkerUnreachable"]

logger = logging.getLogger(__name__)


class WorkerUnreachable(Exception):
    """The worker could not be reached, or it closed the connection without an answer."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A worker's answer."""

    status_code: int
    content: bytes


class _Conn:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


class WorkerPool:
    """Kept-alive connections to workers, keyed by ``host:port``.

    Args:
        timeout: seconds for one whole request (connect, send, answer).
        connect_timeout: seconds to open a connection.
        max_idle: most idle connections kept per worker.
    """

    def __init__(self, *, timeout: float = 120.0, connect_timeout: float = 5.0, max_idle: int = 256) -> None:
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_idle = max_idle
        self._idle: dict[str, list[_Conn]] = {}
        self._closed = False

    async def post(self, url: str, path: str, body: bytes) -> Answer:
        """``POST url+path`` with a JSON ``body``.

        A kept-alive connection that turns out to be stale is replaced once, transparently.

        Raises:
            WorkerUnreachable: no connection, or no answer on a fresh connection.
            TimeoutError: no answer within ``timeout``.
        """
        hostport = url.split("://", 1)[-1].rstrip("/")
        head = (f"POST {path} HTTP/1.1\r\nhost: {hostport}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\n\r\n").encode("latin-1")
        idle = self._idle.setdefault(hostport, [])
        async with asyncio.timeout(self.timeout):
            while idle:
                conn = idle.pop()
                if not conn.usable():
                    conn.close()
                    continue
                try:
                    return await self._exchange(hostport, conn, head, body)
                except (OSError, asyncio.IncompleteReadError, WorkerUnreachable):
                    conn.close()  # stale kept-alive connection: retry on a fresh one
            conn = await self._connect(hostport)
            try:
                return await self._exchange(hostport, conn, head, body)
            except (OSError, asyncio.IncompleteReadError) as e:
                conn.close()
                raise WorkerUnreachable(f"{hostport}: {type(e).__name__}: {e}") from e

    async def _connect(self, hostport: str) -> _Conn:
        host, _, port = hostport.rpartition(":")
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 20)
        except (OSError, TimeoutError) as e:
            raise WorkerUnreachable(f"cannot connect to {hostport}: {e}") from e
        return _Conn(reader, writer)

    async def _exchange(self, hostport: str, conn: _Conn, head: bytes, body: bytes) -> Answer:
        try:
            return await self._exchange_on(hostport, conn, head, body)
        except BaseException:
            conn.close()  # a half-read answer leaves the connection unusable
            raise

    async def _exchange_on(self, hostport: str, conn: _Conn, head: bytes, body: bytes) -> Answer:
        conn.writer.writelines((head, body) if len(body) > 65536 else (head + body,))
        try:
            raw = await conn.reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError as e:
            conn.close()
            raise WorkerUnreachable(f"{hostport}: the answer's header block is too large") from e
        lines = raw.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError) as e:
            conn.close()
            raise WorkerUnreachable(f"{hostport}: not an HTTP answer: {lines[0][:80]!r}") from e
        length, chunked, keep = None, False, True
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and "close" in value.lower():
                keep = False
        if chunked:
            content = await _read_chunked(conn.reader)
        elif length is not None:
            content = await conn.reader.readexactly(length)
        else:
            content, keep = await conn.reader.read(), False
        if keep and not self._closed and len(self._idle[hostport]) < self.max_idle:
            self._idle[hostport].append(conn)
        else:
            conn.close()
        return Answer(status, content)

    async def aclose(self) -> None:
        """Close every idle connection."""
        self._closed = True
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
