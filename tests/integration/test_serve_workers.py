"""`sre serve`'s HTTP server: a fixed set of workers, so a client that connects and sends nothing
is cut off rather than holding one for ever, and the others are answered meanwhile."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIServer

import pytest

from bots.serve import WORKERS, listening

SILENT = 0.5
"""The cut-off these tests give the server (10 s when served)."""
WHOLE = 1.5
"""The time these tests give a client to send its whole request (15 s when served)."""


def _hello(_: dict[str, Any], start: Any) -> Iterable[bytes]:
    start("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


@pytest.fixture
def server() -> Iterator[WSGIServer]:
    served = listening("127.0.0.1", 0, silent=SILENT, whole=WHOLE)
    served.set_app(_hello)
    threading.Thread(target=served.serve_forever, daemon=True).start()
    yield served
    served.shutdown()
    served.server_close()


def test_clients_that_send_nothing_are_cut_off_and_others_still_answered(
    server: WSGIServer,
) -> None:
    # GIVEN as many clients as the server has workers, connected and sending nothing
    silent = [socket.create_connection(("127.0.0.1", server.server_port)) for _ in range(WORKERS)]
    # WHEN someone else asks
    asking = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
    asking.request("GET", "/")
    # THEN they are answered
    assert asking.getresponse().read() == b"hello"
    # AND every silent client's connection was closed by the server
    for client in silent:
        client.settimeout(30)
        assert client.recv(1) == b""
        client.close()


def _trickle(port: int, stop: threading.Event) -> socket.socket:
    """A client that sends a request's headers one byte at a time, never silent for SILENT."""
    client = socket.create_connection(("127.0.0.1", port))

    def send() -> None:
        for byte in b"GET / HTTP/1.1\r\nX-Slow: " + b"a" * 10_000:
            if stop.wait(SILENT / 5):
                return
            try:
                client.send(bytes([byte]))
            except OSError:  # cut off
                return

    threading.Thread(target=send, daemon=True).start()
    return client


def _closed_by_server(client: socket.socket) -> bool:
    """Whether the server closes the connection (after any answer) within 30 s."""
    client.settimeout(30)
    try:
        while client.recv(65536):
            pass
    except ConnectionResetError:  # closed while the client was still sending
        return True
    except TimeoutError:
        return False
    return True


def test_clients_that_trickle_their_request_are_cut_off_at_the_deadline(
    server: WSGIServer,
) -> None:
    # GIVEN more clients than the server has workers, each sending its request a byte at a time
    stop = threading.Event()
    slow = [_trickle(server.server_port, stop) for _ in range(WORKERS + 8)]
    try:
        # WHEN someone else asks
        asking = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        asking.request("GET", "/")
        # THEN they are answered (before, the trickling clients held every worker for as long
        # as they kept sending)
        assert asking.getresponse().read() == b"hello"
        # AND the server closed each trickling client's connection while it was still sending
        assert all(_closed_by_server(client) for client in slow)
    finally:
        stop.set()
        for client in slow:
            client.close()
