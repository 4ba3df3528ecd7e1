"""Deployed versions of a Lambda function behind a real boto3 Lambda client: each `Invoke` is
answered by running that version's handler in this process (moto cannot invoke without Docker).
The request and the answer go through botocore's own serialisation and parsing."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders

Version = Callable[[dict[str, Any]], Any]
"""One deployed version: its handler, given the invocation's event."""


class _Raw(BytesIO):
    def stream(self, **_: Any) -> Any:
        yield self.read()


class DeployedVersions:
    """Answers `Invoke` of `FUNCTION:VERSION` for the versions given; records each invocation."""

    def __init__(self, versions: Mapping[str, Version]) -> None:
        self._versions = dict(versions)
        self.invoked: list[tuple[str, str]] = []
        self.events: list[dict[str, Any]] = []

    def attach(self, client: Any) -> Any:
        """Answer the client's invocations (before anything else would, moto included)."""
        client.meta.events.register_first("before-send.lambda.Invoke", self._answer)
        return client

    def _answer(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        url = urlsplit(request.url)
        function = unquote(url.path.split("/functions/")[1].split("/")[0])
        version = parse_qs(url.query).get("Qualifier", ["$LATEST"])[0]
        self.invoked.append((function, version))
        handler = self._versions.get(version)
        if handler is None:
            missing = {"Type": "User", "Message": f"Function not found: {function}:{version}"}
            headers = {"x-amzn-ErrorType": "ResourceNotFoundException"}
            return AWSResponse(
                request.url, 404, HTTPHeaders.from_dict(headers), _Raw(json.dumps(missing).encode())
            )
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        event = json.loads(body)
        self.events.append(event)
        headers = {"X-Amz-Executed-Version": version, "Content-Type": "application/json"}
        try:
            payload = json.dumps(handler(event))
        except Exception as error:  # noqa: BLE001 (the version's code failing, as Lambda says it)
            payload = json.dumps({"errorMessage": str(error), "errorType": type(error).__name__})
            headers["X-Amz-Function-Error"] = "Unhandled"
        return AWSResponse(request.url, 200, HTTPHeaders.from_dict(headers), _Raw(payload.encode()))
