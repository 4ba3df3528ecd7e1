"""The bolt App behind a WSGI server (`sre serve`) or Slack's Socket Mode (no public URL needed)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bots.declared_length import UNREAD, declared_length, read_declared
from bots.slack.admission import MAX_BODY_BYTES, Refusal, refusal

StartResponse = Callable[..., Any]
_REASONS = {400: "Bad Request", 408: "Request Timeout", 413: "Content Too Large"}


def _refuse(start: StartResponse, refused: Refusal) -> list[bytes]:
    payload = refused.body().encode()
    start(
        f"{refused.status} {_REASONS.get(refused.status, 'Refused')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def wsgi_handler(app: App) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI callable that admits a request (size, shape) and lets bolt verify and answer it."""
    bolt = SlackRequestHandler(app)

    def handle(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":  # the OAuth pages: bolt checks the state
            return bolt(environ, start)
        length = declared_length(environ)
        if length is None:
            return _refuse(start, Refusal(400, "Content-Length is not a number of bytes"))
        if length > MAX_BODY_BYTES:  # refused before a byte of it is read
            return _refuse(start, Refusal(413, f"the body is over {MAX_BODY_BYTES // 1024} KiB"))
        body = read_declared(environ, length)
        if body is None:
            return _refuse(start, Refusal(408, UNREAD))
        refused = refusal(
            body,
            timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            content_type=environ.get("CONTENT_TYPE"),
            signature=environ.get("HTTP_X_SLACK_SIGNATURE"),
        )
        if refused:
            return _refuse(start, refused)
        environ["wsgi.input"] = io.BytesIO(body)
        return bolt(environ, start)

    return handle


def run_socket_mode(app: App, app_token: str) -> None:
    """Connect to Slack over a WebSocket and serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).connect()  # type: ignore[no-untyped-call]
