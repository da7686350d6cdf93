"""One write per response, and TCP_NODELAY on every accepted socket.

uvicorn writes a response's status line and headers in one ``transport.write`` and the body
in another. On a kept-alive connection the two writes leave as two TCP segments; with
Nagle's algorithm on, the second waits for the client's ACK of the first, and the client
delays that ACK by up to 40 ms: the stall that makes ``mlflow server`` take ~58 ms a call.

:class:`CoalescingTransport` holds a header block back until the first body write (or the
end of the current event-loop turn, or a close) and sends both in a single write, so a small
response leaves in one segment. The protocol subclasses also set ``TCP_NODELAY`` on the
accepted socket, so nothing is ever held back by Nagle.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

__all__ = ["CoalescingTransport", "coalescing_protocol_class", "set_nodelay"]

logger = logging.getLogger(__name__)


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Set TCP_NODELAY on the transport's socket (no-op for non-TCP sockets)."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # pragma: no cover - a socket already closed by the peer
        logger.debug("could not set TCP_NODELAY", exc_info=True)


class CoalescingTransport(asyncio.Transport):
    """Wraps a transport; a response header block waits to be sent with the first body chunk."""

    def __init__(self, inner: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._inner = inner
        self._loop = loop
        self._held: bytes | None = None
        self._flush_scheduled = False

    # --------------------------------------------------------------------- writing
    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._inner.writelines((held, data))
            return
        if (
            bytes(data[:5]) == b"HTTP/"
            and bytes(data[-4:]) == b"\r\n\r\n"
            and not self._inner.is_closing()
        ):
            self._held = bytes(data)
            if not self._flush_scheduled:
                self._flush_scheduled = True
                self._loop.call_soon(self._flush_soon)
            return
        self._inner.write(data)

    def writelines(self, list_of_data: Any) -> None:
        self.write(b"".join(list_of_data))

    def flush(self) -> None:
        """Send a held header block now."""
        if self._held is not None:
            held, self._held = self._held, None
            self._inner.write(held)

    def _flush_soon(self) -> None:
        self._flush_scheduled = False
        if not self._inner.is_closing():
            self.flush()

    def close(self) -> None:
        self.flush()
        self._inner.close()

    def write_eof(self) -> None:
        self.flush()
        self._inner.write_eof()

    def abort(self) -> None:
        self._held = None
        self._inner.abort()

    # ------------------------------------------------------------------- delegation
    def can_write_eof(self) -> bool:
        return self._inner.can_write_eof()

    def is_closing(self) -> bool:
        return self._inner.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._inner.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._inner.pause_reading()

    def resume_reading(self) -> None:
        self._inner.resume_reading()

    def is_reading(self) -> bool:
        return self._inner.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._inner.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._inner.get_protocol()

    def get_write_buffer_size(self) -> int:
        return self._inner.get_write_buffer_size() + len(self._held or b"")

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._inner.set_write_buffer_limits(high, low)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._inner.get_write_buffer_limits()


def coalescing_protocol_class(base: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """Return a subclass of a uvicorn HTTP protocol that coalesces writes and sets NODELAY."""

    class CoalescingProtocol(base):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            set_nodelay(transport)
            super().connection_made(CoalescingTransport(transport, asyncio.get_running_loop()))

    CoalescingProtocol.__name__ = CoalescingProtocol.__qualname__ = f"Coalescing{base.__name__}"
    return CoalescingProtocol
