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


def _hello(_: dict[str, Any], start: Any) -> Iterable[bytes]:
    start("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


@pytest.fixture
def server() -> Iterator[WSGIServer]:
    served = listening("127.0.0.1", 0, silent=SILENT)
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
