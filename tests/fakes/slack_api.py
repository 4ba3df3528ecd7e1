"""A loopback Slack Web API for OAuth: `oauth.v2.access` (code exchange and token rotation, a
refresh token invalidated on its first use, as Slack does), `auth.test` per token, and every
other method answered ok; each call recorded with the bot token it carried."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Call:
    """One Web API call: its method, the token it carried, its form or JSON fields."""

    method: str
    token: str
    fields: dict[str, Any]


@dataclass
class SlackApi:
    """What the fake answers and what it was sent."""

    url: str = ""
    installs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """oauth.v2.access answers by the code the redirect carries."""
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    """auth.test answers by token."""
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    """Refresh tokens still valid, each with the bot token (hence the workspace) it renews."""
    refresh_seconds: float = 0.2
    """How long a refresh takes: long enough for concurrent callers to overlap."""
    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def called(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def install(self, code: str, answer: dict[str, Any]) -> None:
        """Answer `code` with this oauth.v2.access response; its bot token passes auth.test."""
        self.installs[code] = answer
        token = answer["access_token"]
        team = answer.get("team") or {}
        enterprise = answer.get("enterprise") or {}
        self.teams[token] = {
            "ok": True,
            "url": f"https://{team.get('name', 'org')}.slack.com/",
            "team": team.get("name"),
            "team_id": team.get("id"),
            "enterprise_id": enterprise.get("id"),
            "user_id": answer["bot_user_id"],
            "bot_id": f"B{answer['bot_user_id']}",
            "is_enterprise_install": answer.get("is_enterprise_install", False),
        }
        if answer.get("refresh_token"):
            self.refresh_tokens[answer["refresh_token"]] = token

    def answer(self, method: str, fields: dict[str, Any], token: str) -> dict[str, Any]:
        """The fake's answer to one call."""
        if method == "oauth.v2.access" and fields.get("grant_type") == "refresh_token":
            return self._refresh(fields.get("refresh_token", ""))
        if method == "oauth.v2.access":
            return self.installs.get(fields.get("code", ""), {"ok": False, "error": "invalid_code"})
        if method == "auth.test":
            return self.teams.get(token, {"ok": False, "error": "invalid_auth"})
        return {"ok": True, "ts": "1700000000.000100", "channel": fields.get("channel", "C1")}

    def _refresh(self, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            old = self.refresh_tokens.pop(refresh_token, None)  # a refresh token works once
            if old is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            n = next(self._numbers)
        time.sleep(self.refresh_seconds)
        new_refresh, token = f"xoxe-1-refresh-{n}", f"xoxe.xoxb-rotated-{n}"
        self.teams[token] = self.teams[old]
        self.refresh_tokens[new_refresh] = token
        return {
            "ok": True,
            "access_token": token,
            "refresh_token": new_refresh,
            "expires_in": 43200,
            "token_type": "bot",
        }


@contextmanager
def slack_api() -> Iterator[SlackApi]:
    """Serve on 127.0.0.1 (a free port) until the block ends."""
    state = SlackApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            json_body = "json" in self.headers.get("Content-Type", "")
            fields = json.loads(raw) if json_body and raw else dict(parse_qsl(raw))
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            method = self.path.split("?")[0].strip("/").rsplit("/", 1)[-1]
            state.calls.append(Call(method, token, fields))
            reply = json.dumps(state.answer(method, fields, token)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:  # quiet tests
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
