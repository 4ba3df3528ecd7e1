"""The bolt App behind a WSGI server (`sre serve`) or Slack's Socket Mode (no public URL needed)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler


def wsgi_handler(app: App) -> Any:
    """A WSGI callable that verifies and answers Slack requests."""
    return SlackRequestHandler(app)


def run_socket_mode(app: App, app_token: str) -> None:
    """Connect to Slack over a WebSocket and serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).connect()  # type: ignore[no-untyped-call]
