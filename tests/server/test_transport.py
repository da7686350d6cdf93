"""Latency plumbing: TCP_NODELAY on accepted sockets, and each small response in ONE segment.

A response split in two writes meets Nagle + delayed ACK (~40 ms stalls). Rather than
timing, these tests read the kernel's own counters: the option on the server's accepted
socket, and ``tcpi_data_segs_in`` (TCP_INFO) of the client's socket, which counts the
data-bearing segments that arrived.
"""

from __future__ import annotations

import socket
import struct
import sys

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="TCP_INFO layout is Linux's")

_TCPI_DATA_SEGS_IN = 152  # offset of tcpi_data_segs_in in struct tcp_info (Linux >= 4.6)


def _data_segments_in(sock: socket.socket) -> int:
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    return struct.unpack_from("I", info, _TCPI_DATA_SEGS_IN)[0]


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _get(sock: socket.socket, path: str) -> bytes:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return _read_response(sock)


def test_each_small_response_arrives_in_one_tcp_segment(server, run_id) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        _get(sock, "/healthz")  # warm the connection up
        for path in ("/healthz", f"/api/v1/runs/{run_id}", "/api/v1/runs/unknown", "/api/v1/experiments"):
            before = _data_segments_in(sock)
            response = _get(sock, path)
            assert response.startswith(b"HTTP/1.1 ")
            assert len(response) < 16_000
            assert _data_segments_in(sock) - before == 1, path


def test_accepted_sockets_have_tcp_nodelay(server) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        _get(sock, "/healthz")  # the server has accepted the connection now
        protocols = list(server.server.server_state.connections)
        assert protocols
        for protocol in protocols:
            accepted = protocol.transport.get_extra_info("socket")
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
