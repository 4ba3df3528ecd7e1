"""An API Gateway event as bolt's request, its body parsed once.

bolt's Lambda adapter parses the body in building its request; admission (bots/slack/admission.py)
needs the same parse to check the payload's shape. Parsing it twice cost about 12 µs of a warm
request (`make bench`). Here bolt's own `to_bolt_request` parses it, admission checks what bolt
parsed, and the app dispatches that request, with the context the adapter would have given it.
"""

from __future__ import annotations

import base64
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.aws_lambda.handler import to_aws_response, to_bolt_request
from slack_bolt.request import BoltRequest

from bots.slack.admission import (
    NOT_SLACK,
    UNREADABLE,
    Refusal,
    payload_refusal,
    unread_refusal,
    unreadable,
)


def method_of(event: dict[str, Any]) -> str | None:
    """The event's HTTP method, where bolt's adapter reads it (HTTP API, then REST API); None
    for an event with neither (only a direct invocation can send one)."""
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return None
    http = context.get("http")
    method = http.get("method") if isinstance(http, dict) else None
    return method if method is not None else context.get("httpMethod")


def _header(headers: dict[str, Any], name: str) -> Any:
    """A header however its name is cased (HTTP API lower-cases them, REST API does not)."""
    return next((value for key, value in headers.items() if key.lower() == name), None)


def admitted(event: dict[str, Any]) -> BoltRequest | Refusal:
    """bolt's request for a POST event, or why it is refused (too large, a bad timestamp, a body
    bolt cannot read or of a shape Slack does not send), signed or not."""
    headers = event.get("headers") or {}
    body = event.get("body") or ""
    if not isinstance(body, str) or not isinstance(headers, dict):
        return NOT_SLACK  # a direct invocation's event: API Gateway sends text
    try:
        raw = base64.b64decode(body) if event.get("isBase64Encoded") else body
    except ValueError:  # binascii.Error
        return NOT_SLACK
    refused = unread_refusal(
        raw,
        timestamp=_header(headers, "x-slack-request-timestamp"),
        signature=_header(headers, "x-slack-signature"),
    )
    if refused:
        return refused
    try:
        request = to_bolt_request(event)
    except UNREADABLE as error:
        return unreadable(error)
    return payload_refusal(request.body) or request


def dispatch(app: App, request: BoltRequest, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The app's answer to an admitted POST (or a direct invocation, method NONE), as bolt's
    Lambda adapter dispatches one."""
    request.context["aws_lambda_function_name"] = context.function_name
    request.context["aws_lambda_invoked_function_arn"] = context.invoked_function_arn
    request.context["lambda_request"] = event
    response: dict[str, Any] = to_aws_response(app.dispatch(request))
    return response
