"""A loopback OpenAI-compatible chat endpoint: records each request, answers what the test says
(a status, a body, or nothing for a while)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ChatServer:
    """Where the endpoint listens, what it answers, and what it was sent."""

    url: str
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    requests: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)

    def answer(self, text: str, *, finish: str = "stop") -> None:
        """Answer a real-shaped chat completion."""
        self.status = 200
        self.body = json.dumps(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": "llama3.1",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": finish,
                    }
                ],
                "usage": {"prompt_tokens": 640, "completion_tokens": 48, "total_tokens": 688},
            }
        ).encode()


@contextmanager
def chat_server() -> Iterator[ChatServer]:
    """Serve on 127.0.0.1 (a free port) until the block ends."""
    state = ChatServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append((self.path, dict(self.headers), json.loads(raw)))
            time.sleep(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            try:
                self.wfile.write(state.body)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up waiting: what a slow server test wants

        def log_message(self, format: str, *args: Any) -> None:  # quiet tests
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
