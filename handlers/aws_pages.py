"""AWS Lambda behind API Gateway (HTTP API): GET /investigations/{id}?token=… or
/chaos/{id}?token=… -> the page."""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source

from handlers import aws_runtime
from shared.audit.links import PAGE_HEADERS, RETRY_SECONDS

logger = Logger()
metrics = Metrics(namespace="AutoSRE")


# never log the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: its query string has the token
@aws_runtime.lambda_handler
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False
)
@metrics.log_metrics
@event_source(data_class=APIGatewayProxyEventV2)
def handler(event: APIGatewayProxyEventV2, context: Any) -> dict[str, Any]:
    """Serve an investigation's (or an experiment's) page to whoever holds a valid link."""
    del context
    metrics.add_metric(name="PageViews", unit=MetricUnit.Count, value=1)
    record = (event.path_parameters or {}).get("id", "")
    kind = "chaos" if event.raw_path.startswith("/chaos/") else "investigations"
    token = (event.query_string_parameters or {}).get("token", "")
    status, page = aws_runtime.services().serve_page(f"/{kind}/{record}", token, datetime.now(UTC))
    retry = {"Retry-After": str(RETRY_SECONDS)} if status == HTTPStatus.SERVICE_UNAVAILABLE else {}
    return {
        "statusCode": status,
        "headers": {**dict(PAGE_HEADERS), **retry},
        "body": page,
    }
