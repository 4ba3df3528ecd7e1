"""AWS Lambda on an EventBridge schedule: scheduled work, audited as the actor `scheduler`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from handlers import aws_runtime
from shared.scheduling.triggers import run_tick, seal_every_org

logger = Logger()
metrics = Metrics(namespace="AutoSRE")
tracer = Tracer()


@aws_runtime.lambda_handler
@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    """Seal every org's audit trails; the event's id makes a retried delivery run once."""
    del context  # reaches the run-once guard through `lambda_handler`
    services = aws_runtime.services()
    now = datetime.now(UTC)
    replies = seal_every_org(services.bus, services.audit_log, trigger=event.get_id, now=now)
    failed = [reply.title for reply in replies if reply.failed]
    metrics.add_metric(name="ScheduledSeals", unit=MetricUnit.Count, value=len(replies))
    # a sealing that stopped, or that fails for some org, ends well for Lambda: counted, so the
    # stack's alarms tell the operator (an unsealed trail's end could be cut unseen)
    metrics.add_metric(name="SealRuns", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="SealFailures", unit=MetricUnit.Count, value=len(failed))
    if failed:
        logger.error("scheduled sealing failed", extra={"failures": failed})
    return {"orgs": len(replies), "failed": failed}


@aws_runtime.lambda_handler
@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=EventBridgeEvent)
def alerts(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    """Evaluate every alert policy at the event's minute; transitions are told at most once."""
    del context  # reaches the run-once guard through `lambda_handler`
    at = datetime.fromisoformat(event.time.replace("Z", "+00:00")) if event.time else None
    now = at or datetime.now(UTC)
    reply = run_tick(aws_runtime.services().bus, trigger=event.get_id, now=now)
    metrics.add_metric(name="AlertTicks", unit=MetricUnit.Count, value=1)
    problems = dict(reply.fields).get("Problems")
    # a tick with problems (a notice not posted, a policy not judged) still ends well: counted,
    # so an alarm tells the operator (the function's own Errors stay at 0)
    metrics.add_metric(name="AlertTickProblems", unit=MetricUnit.Count, value=1 if problems else 0)
    if problems:
        logger.warning("alert tick had problems", extra={"problems": problems})
    if reply.failed:
        logger.error("alert evaluation failed", extra={"reply": reply.title})
    return {"title": reply.title, "fields": dict(reply.fields), "failed": reply.failed}
