"""Bound the Bot Framework's OpenID metadata fetches with a timeout.

botframework-connector fetches the signing keys with `requests.get(url)` and no timeout, so a
forged token in a network without egress hangs the request until the Lambda times out. Its
extractor looks metadata up in the public class attribute `metadataCache`; we put a cache there
that creates metadata objects whose fetches time out, so an unreachable key service becomes a
prompt 401.
"""

from __future__ import annotations

from typing import Any

import requests
from botframework.connector.auth import jwt_token_extractor

FETCH_TIMEOUT = (0.7, 0.7)
"""Seconds to connect and to read: both fetches together stay under two seconds."""


class _BoundedOpenIdMetadata(jwt_token_extractor._OpenIdMetadata):  # type: ignore[misc]
    async def _refresh(self) -> None:
        response = requests.get(self.url, timeout=FETCH_TIMEOUT)
        response.raise_for_status()
        keys = requests.get(response.json()["jwks_uri"], timeout=FETCH_TIMEOUT)
        keys.raise_for_status()
        self.keys = keys.json()["keys"]
        self.last_updated = jwt_token_extractor.datetime.now()


class _BoundedCache(dict[str, Any]):
    def get(self, url: str, default: Any = None) -> Any:  # noqa: ARG002 (dict.get's shape)
        if url not in self:
            self[url] = _BoundedOpenIdMetadata(url)
        return self[url]


def bound_openid_fetches() -> None:
    """Make every OpenID metadata fetch of the Bot Framework time out (idempotent)."""
    extractor = jwt_token_extractor.JwtTokenExtractor
    if not isinstance(extractor.metadataCache, _BoundedCache):
        extractor.metadataCache = _BoundedCache()
