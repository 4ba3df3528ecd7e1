"""The Bot Framework's signing side on loopback: OpenID metadata and a JWKS that serve one real RSA
key, and tokens signed with it as the Bot Connector signs the activities it sends to a bot."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

PUBLIC_ISSUER = "https://api.botframework.com"
APP_ID = "00000000-1111-2222-3333-444444444444"
KEY_ID = "loopback-key"


@dataclass
class BotFrameworkKeys:
    """Where the metadata is served, and the private key its JWKS publishes."""

    metadata_url: str
    key: rsa.RSAPrivateKey
    fetched: list[str] = field(default_factory=list)

    def token(
        self,
        service_url: str,
        *,
        issuer: str = PUBLIC_ISSUER,
        audience: str = APP_ID,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        """An `Authorization` header value as the channel sends it with an activity bound for
        `service_url` (signed with the served key unless `key` says otherwise)."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "exp": now + 600,
            "nbf": now - 60,
        }
        signed = jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": KEY_ID})
        return f"Bearer {signed}"


def _jwks(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    public: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public.update({"kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]})
    return {"keys": [public]}


@contextmanager
def bot_framework_keys() -> Iterator[BotFrameworkKeys]:
    """Serve `/.well-known/openidconfiguration` and `/keys` on 127.0.0.1 until the block ends."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    state = BotFrameworkKeys(metadata_url="", key=key)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetched.append(self.path)
            base = state.metadata_url.rsplit("/.well-known", 1)[0]
            documents = {
                "/.well-known/openidconfiguration": {
                    "issuer": PUBLIC_ISSUER,
                    "jwks_uri": f"{base}/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                },
                "/keys": _jwks(key),
            }
            document = documents.get(self.path)
            payload = json.dumps(document or {"error": "not found"}).encode()
            self.send_response(200 if document else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    state.metadata_url = f"http://127.0.0.1:{port}/.well-known/openidconfiguration"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


RECORDED_TENANT = "REDACTED"
"""The tenant of the recorded Teams activity (shared/fixtures/teams/message_activity.json)."""
BOT_TOKEN = "bot-token-from-aad"
"""What the bot's own credentials are stubbed to return: Azure AD is not on loopback."""


def _bot_token(_credentials: object, _force_refresh: bool = False) -> str:
    return BOT_TOKEN


def configure_teams(monkeypatch: Any, keys: BotFrameworkKeys) -> None:
    """The environment of a Teams deployment whose channel signs with `keys`, serving the recorded
    activity's tenant. The bot's own
    token for its replies (an MSAL call to login.microsoftonline.com) is botframework's
    `get_access_token` answering BOT_TOKEN: replies still go through botbuilder's connector."""
    from botframework.connector.auth import MicrosoftAppCredentials

    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "not-a-real-password")
    monkeypatch.setenv("TEAMS_OPENID_METADATA_URL", keys.metadata_url)
    monkeypatch.setenv("TEAMS_ALLOWED_TENANTS", RECORDED_TENANT)
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", _bot_token)
