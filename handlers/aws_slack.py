"""AWS Lambda behind API Gateway (HTTP API): POST /slack/events -> the bolt App."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.adapter.aws_lambda.handler import not_found

from bots.slack.admission import NOT_SLACK, Refusal
from bots.slack.app import build_app
from bots.slack.lambda_request import admitted, dispatch, method_of
from handlers import aws_runtime

# No Powertools Tracer here: importing the X-Ray SDK costs about 140 ms of the 3 s Slack allows
# (see `make bench`), so this function relies on Lambda's active tracing for its segments. Nor a
# metric on every request: Lambda's own `Invocations` counts them (one request, one invocation),
# and flushing one cost about 25 µs of a warm request's ~140 (`make bench`); refusals are counted,
# by status, which nothing else tells apart (a forged or stale signature is bolt's 401).
logger = Logger()
metrics = Metrics(namespace="AutoSRE")
aws_runtime.settings.serves_slack = True  # a signing secret stored after the deploy is found


@functools.cache
def slack() -> SlackRequestHandler:
    """The bolt app, built at the first request (secrets may need resolving first)."""
    return SlackRequestHandler(
        build_app(
            aws_runtime.settings(),
            lambda: aws_runtime.services().bus,
            installs=lambda: aws_runtime.services().org_installs(),
        )
    )


@aws_runtime.lambda_handler
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Verify, route and answer one Slack request; a refused one is counted."""
    logger.set_correlation_id(_request_id(event))
    response = _answer(event, context)
    status = response["statusCode"]
    if status >= 400:
        metrics.add_dimension(name="status", value=str(status))
        metrics.add_metric(name="SlackRefused", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
    return response


def _request_id(event: dict[str, Any]) -> Any:
    """API Gateway's request id, what `correlation_paths.API_GATEWAY_HTTP` names, read without
    Powertools' JMESPath query on every request (about 6 us of a warm one: `make bench`)."""
    request = event.get("requestContext")
    return request.get("requestId") if isinstance(request, dict) else None


def _answer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = aws_runtime.settings()
    if not settings.slack_signing_secret:  # nothing to verify a request with
        logger.warning("Slack request refused: SLACK_SIGNING_SECRET is not set")
        return {"statusCode": 401, "body": "unauthorized"}
    method = method_of(event)
    if method is None:
        return not_found()  # as bolt answers an event with no method
    if method not in ("POST", "NONE"):  # bolt answers the rest: 404, or its install pages
        if not settings.slack_oauth:  # (bolt would build an install flow of its own from
            return not_found()  # SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, even empty)
        if event.get("body"):  # a browser's GET has none; bolt would parse it
            return _refused(NOT_SLACK)
        answer: dict[str, Any] = slack().handle(event, context)  # type: ignore[no-untyped-call]
        return answer
    request = admitted(event)
    if isinstance(request, Refusal):
        return _refused(request)
    return dispatch(slack().app, request, event, context)


def _refused(refusal: Refusal) -> dict[str, Any]:
    return {"statusCode": refusal.status, "body": refusal.body()}
