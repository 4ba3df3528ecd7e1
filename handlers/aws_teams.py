"""AWS Lambda behind API Gateway (HTTP API): POST /api/messages -> the Teams bot."""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source

from bots.msteams.http import TeamsEndpoint
from handlers import aws_runtime

logger = Logger()
metrics = Metrics(namespace="AutoSRE")
tracer = Tracer()


@functools.cache
def teams() -> TeamsEndpoint:
    """The Teams endpoint, built at the first request."""
    return TeamsEndpoint(aws_runtime.settings(), lambda: aws_runtime.services().bus)


@aws_runtime.lambda_handler
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=APIGatewayProxyEventV2)
def handler(event: APIGatewayProxyEventV2, context: Any) -> dict[str, Any]:
    """Authenticate and answer one Bot Framework activity."""
    del context  # reaches the run-once guard through `lambda_handler`
    metrics.add_metric(name="TeamsRequests", unit=MetricUnit.Count, value=1)
    body = event.body or ""
    answer: dict[str, Any] | None
    try:
        raw = base64.b64decode(body, validate=True) if event.is_base64_encoded else body
    except ValueError:  # binascii.Error: only a direct invocation can send one
        status, answer = 400, {"error": "the body is marked base64 but is not"}
    else:
        status, answer = teams().process(raw, event.headers.get("authorization", ""))
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(answer) if answer is not None else "",
    }
