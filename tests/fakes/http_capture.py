"""A loopback HTTP server that records what it is sent: stands in for Slack's Web API and Teams."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

MONTHLY_SUMMARY = b"Monthly summary: "
"""How every monthly usage summary's title starts in the JSON sent to Slack and Teams."""


@dataclass
class Captured:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes = b""


@dataclass
class CaptureServer:
    """The server's address and what it has received."""

    url: str
    requests: list[Captured] = field(default_factory=list)

    def calls(self, path_end: str) -> list[Captured]:
        """Requests whose path ends with `path_end` (e.g. `chat.postMessage`)."""
        return [r for r in self.requests if r.path.rstrip("/").endswith(path_end)]

    def told(self, path_end: str = "") -> list[Captured]:
        """`calls(path_end)` without the monthly usage summaries: the first tick of a month tells
        them (`shared/quotas/usage_summary.py`), so a test whose ticks run past midnight UTC at a
        month's end sees them beside what it checks."""
        return [r for r in self.calls(path_end) if MONTHLY_SUMMARY not in r.raw]


def _decode(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        raw.decode()
    except UnicodeDecodeError:
        return {}  # a file's bytes: see Captured.raw
    if "json" in content_type:
        decoded: dict[str, Any] = json.loads(raw)
        return decoded
    return dict(parse_qsl(raw.decode()))


@contextmanager
def capture_server(
    answer: dict[str, Any] | None = None,
    *,
    by_path: Mapping[str, dict[str, Any] | list[dict[str, Any]]] | None = None,
) -> Iterator[CaptureServer]:
    """Serve on 127.0.0.1 (a free port) until the block ends, answering JSON: `by_path` for paths
    ending so (`{url}` in an answer is the server's address; a list is answered in turn), `answer`
    for the rest."""
    default = answer or {"ok": True, "ts": "1700000000.000100", "channel": "C1"}
    server_state = CaptureServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self._answer("POST")

        def do_PUT(self) -> None:
            self._answer("PUT")

        def do_GET(self) -> None:
            self._answer("GET")

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = _decode(raw, self.headers.get("Content-Type", ""))
            server_state.requests.append(
                Captured(method, self.path, dict(self.headers.items()), body, raw)
            )
            path = self.path.split("?")[0].rstrip("/")
            chosen = next(
                ((end, a) for end, a in (by_path or {}).items() if path.endswith(end)), None
            )
            if chosen is None:
                answer_now = default
            elif isinstance(chosen[1], list):  # answered in turn, the last one from then on
                turn = len(server_state.calls(chosen[0])) - 1
                answer_now = chosen[1][min(turn, len(chosen[1]) - 1)]
            else:
                answer_now = chosen[1]
            reply = json.dumps(answer_now).replace("{url}", server_state.url).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
