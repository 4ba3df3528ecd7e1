"""AWS Lambda on the SQS task queue: run deferred commands, post their results, report failures.

Invoked directly with a replay request (by the judge of a canary of this very function), it
answers this version's findings on the replay set instead."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from handlers import aws_runtime
from shared.canary.replay import ReplayRequest, investigate_cases
from shared.invocation import DeferredCommand

logger = Logger()
metrics = Metrics(namespace="AutoSRE")
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def run_task(record: SQSRecord) -> None:
    """Run one deferred command and post its reply; raising marks the record failed."""
    task = DeferredCommand.model_validate_json(record.body)
    logger.append_keys(correlation_id=task.invocation.correlation_id)
    aws_runtime.services().run_task(task)
    metrics.add_metric(name="DeferredCommands", unit=MetricUnit.Count, value=1)


@aws_runtime.lambda_handler
@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Process a batch; only the records that failed go back to the queue. (A replay request
    from a canary's judge is answered with this version's findings.)"""
    if event.get("autosre") == "replay":
        replayed = investigate_cases(ReplayRequest.model_validate(event))
        metrics.add_metric(
            name="ReplayedScenarios", unit=MetricUnit.Count, value=len(replayed.findings)
        )
        return replayed.model_dump(mode="json")
    response: dict[str, Any] = dict(
        process_partial_response(
            event=event, record_handler=run_task, processor=processor, context=context
        )
    )
    return response
