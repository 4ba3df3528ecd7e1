"""Azure's HTTP answered in process: a requests adapter that azure-core's RequestsTransport uses."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any

import requests
import urllib3
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport


class FakeCredential:
    """A token credential whose token is always valid."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("fake-token", int(time.time()) + 3600)


class JsonAdapter(requests.adapters.BaseAdapter):
    """Answers each request with the JSON `answer` makes of it, and remembers the requests."""

    def __init__(
        self, answer: Callable[[requests.PreparedRequest], Any], status: int = 200
    ) -> None:
        super().__init__()
        self.answer = answer
        self.status = status
        """The status of every answer (an error's body is Azure's `{"error": {"code": …}}`)."""
        self.seen: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []
        """The (connect, read) timeouts each request was sent with."""

    def send(  # type: ignore[override]  # requests' own signature lists each keyword
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.seen.append(request)
        self.timeouts.append(kwargs.get("timeout"))
        data = json.dumps(self.answer(request)).encode()
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(data),
            status=self.status,
            preload_content=False,
            headers={"Content-Type": "application/json", "Content-Length": str(len(data))},
        )
        return requests.adapters.HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        return None


def transport(adapter: JsonAdapter) -> RequestsTransport:
    """An azure-core transport whose HTTPS goes to `adapter`."""
    session = requests.Session()
    session.mount("https://", adapter)
    return RequestsTransport(session=session, session_owner=False)
