"""Google Cloud Functions serving Slack and Teams over the AWS deployment's state (DynamoDB, S3,
SQS; deferred work runs on its Lambda worker), with the run-once guard the entry point names."""

from __future__ import annotations

from shared.bootstrap.aws import aws_adapters
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.ports import DeliveryGuard, Notifier


def for_gcp(settings: Settings, *, notifier: Notifier, guard: DeliveryGuard) -> Services:
    """The functions' services: the AWS deployment's adapters, retried deliveries run once by
    `guard` (Powertools idempotency in the deployment's table)."""
    return build(settings, aws_adapters(settings, notifier=notifier, guard=guard))
