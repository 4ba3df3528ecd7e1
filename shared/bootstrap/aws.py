"""The AWS deployment (the Lambda functions, and the terminal acting on it): DynamoDB, the S3
audit bucket, SQS, CloudWatch and Lambda aliases; each client is made at its first use."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from shared.audit.seal import SigningKey
from shared.bootstrap.adapters import Adapters, ChaosAdapters, PromptAdapters
from shared.bootstrap.sample import local_metrics
from shared.bootstrap.wiring import Services, build, language_model, quiet
from shared.config import ENVIRONMENT, Settings
from shared.doctor.ports import QueueGauge, Unchecked, WorkerVersions
from shared.ports import DeliveryGuard, ExportStore, Notifier, TaskQueue
from shared.telemetry.models import ResourceKind
from shared.telemetry.ports import MetricsSource

if TYPE_CHECKING:
    from shared.auditing.service import Progress
    from shared.canary.ports import TrafficRouter, VersionMetrics

K = TypeVar("K")
V = TypeVar("V")


class BuiltWhenRead(Mapping[K, V]):
    """A mapping made the first time it is read: the adapters in it (and their modules) load
    when a feature first uses them, not on a Slack acknowledgement's cold start."""

    def __init__(self, build: Callable[[], Mapping[K, V]]) -> None:
        self._built = functools.cache(build)

    def __getitem__(self, key: K) -> V:
        return self._built()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


def aws_metrics() -> dict[ResourceKind, MetricsSource]:
    """The sample and CloudWatch: the AWS deployment's Lambda bundles carry no Azure or Google
    SDK, and its deferred work runs there, so Azure and Cloud Run services are refused at
    registration (README)."""
    from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
    from shared.adapters.memory import SystemClock

    cloudwatch = CloudWatchMetricsSource()
    return {
        **local_metrics(SystemClock()),
        ResourceKind.AWS_LAMBDA: cloudwatch,
        ResourceKind.AWS_ALB: cloudwatch,
    }


def aws_adapters(settings: Settings, *, notifier: Notifier, guard: DeliveryGuard) -> Adapters:
    """The deployment's state and clouds, posting through `notifier`, run-once by `guard`."""
    from shared.adapters.aws.dynamodb_alerts import DynamoDbAlertStore
    from shared.adapters.aws.dynamodb_canaries import DynamoDbCanaryStore
    from shared.adapters.aws.dynamodb_directory import DynamoDbDirectory
    from shared.adapters.aws.dynamodb_investigations import DynamoDbInvestigationStore
    from shared.adapters.aws.dynamodb_owed import DynamoDbOwedEntries
    from shared.adapters.aws.dynamodb_prompts import (
        DynamoDbExperimentStore,
        DynamoDbFeedbackStore,
        DynamoDbVariantStore,
    )
    from shared.adapters.aws.dynamodb_quotas import DynamoDbQuotas
    from shared.adapters.aws.dynamodb_usage import DynamoDbUsageLedger
    from shared.adapters.aws.lambda_investigators import LambdaInvestigatorVersions
    from shared.adapters.aws.s3_audit import S3AuditLog
    from shared.adapters.aws.s3_exports import S3ExportStore
    from shared.adapters.aws.sqs_queue import SqsTaskQueue
    from shared.adapters.memory import SystemClock

    return Adapters(
        directory=DynamoDbDirectory(table=settings.table_name),
        audit_log=S3AuditLog(bucket=settings.audit_bucket),
        tasks=SqsTaskQueue(queue_url=settings.task_queue_url),
        exports=S3ExportStore(bucket=settings.export_bucket),
        clock=SystemClock(),
        key=functools.cache(lambda: SigningKey(secret=resolve_secret(settings.audit_key).encode())),
        metrics=BuiltWhenRead(aws_metrics),
        files=None,  # a Lambda function has no folder of metrics files
        investigations=DynamoDbInvestigationStore(table=settings.table_name),
        notifier=notifier,
        guard=guard,
        logs={},
        summariser=None,
        alerts=DynamoDbAlertStore(table=settings.table_name),
        canaries=DynamoDbCanaryStore(table=settings.table_name),
        routers=BuiltWhenRead(_routers),
        version_metrics=BuiltWhenRead(_version_metrics),
        investigators=LambdaInvestigatorVersions(),
        chaos=aws_chaos(settings),
        model=language_model(settings),
        storage="S3 Object Lock, COMPLIANCE retention checked on every entry",
        quotas=DynamoDbQuotas(table=settings.table_name),
        usage=DynamoDbUsageLedger(table=settings.table_name),
        prompts=PromptAdapters(
            variants=DynamoDbVariantStore(table=settings.table_name),
            feedback=DynamoDbFeedbackStore(table=settings.table_name),
            experiments=DynamoDbExperimentStore(table=settings.table_name),
        ),
        owed=DynamoDbOwedEntries(table=settings.table_name),
        queue_gauge=queue_gauge(settings),
        worker_versions=worker_versions(settings),
    )


def queue_gauge(settings: Settings) -> QueueGauge | Unchecked:
    """The deployment's SQS task queue, read by `sre doctor` (also from the terminal, whose
    own deferred work goes through no queue)."""
    if not settings.task_queue_url:
        return Unchecked(f"{ENVIRONMENT['task_queue_url']} is not set (the stack's TaskQueueUrl)")
    from shared.adapters.aws.sqs_depth import SqsQueueGauge

    return SqsQueueGauge(queue_url=settings.task_queue_url)


def worker_versions(settings: Settings) -> WorkerVersions | Unchecked:
    """The worker function's live alias against its last deploy, read by `sre doctor`."""
    if not settings.worker_function:
        name = ENVIRONMENT["worker_function"]
        return Unchecked(f"{name} is not set (the worker function's name, autosre-STAGE-worker)")
    from shared.adapters.aws.lambda_worker import LambdaWorkerVersions

    return LambdaWorkerVersions(function=settings.worker_function)


def _routers() -> dict[ResourceKind, TrafficRouter]:
    from shared.adapters.aws.lambda_routing import LambdaTrafficRouter

    return {ResourceKind.AWS_LAMBDA: LambdaTrafficRouter()}


def _version_metrics() -> dict[ResourceKind, VersionMetrics]:
    from shared.adapters.aws.cloudwatch_versions import CloudWatchVersionMetrics

    return {ResourceKind.AWS_LAMBDA: CloudWatchVersionMetrics()}


def aws_chaos(settings: Settings) -> ChaosAdapters | None:
    """Chaos on AWS FIS, kept in the app's table; None (every `sre chaos` command refused,
    naming the setting) when no FIS experiment role is configured."""
    if not settings.fis_role_arn:
        return None
    from shared.adapters.aws.cloudwatch_chaos import CloudWatchFaultMetrics
    from shared.adapters.aws.dynamodb_chaos import DynamoDbChaosStore
    from shared.adapters.aws.fis_injector import FisFaultInjector
    from shared.adapters.aws.fis_safety_lever import FisSafetyLever

    return ChaosAdapters(
        store=DynamoDbChaosStore(table=settings.table_name),
        injector=FisFaultInjector.configured(settings),
        lever=FisSafetyLever(lever_id=settings.fis_lever_id),
        metrics=CloudWatchFaultMetrics(),
    )


def for_aws(settings: Settings, *, notifier: Notifier, guard: DeliveryGuard) -> Services:
    """The Lambda functions: DynamoDB, the S3 audit bucket and SQS, run-once by `guard`
    (Powertools idempotency); nobody watches an export's progress."""
    return build(settings, aws_adapters(settings, notifier=notifier, guard=guard), progress=quiet)


def for_aws_terminal(
    settings: Settings,
    *,
    notifier: Notifier,
    guard: DeliveryGuard,
    tasks: TaskQueue,
    exports: ExportStore,
    progress: Progress,
) -> Services:
    """The terminal acting on the AWS deployment: its state and trail, but deferred work queued
    on `tasks` (the terminal runs it itself), exports written to `exports`, progress shown."""
    adapters = replace(
        aws_adapters(settings, notifier=notifier, guard=guard), tasks=tasks, exports=exports
    )
    return build(settings, adapters, progress=progress)


def deployment_unreadable(settings: Settings) -> str | None:
    """Why the terminal cannot read the deployment's table (credentials, region, table name,
    permissions), as what to fix; None when it can."""
    from shared.adapters.aws.dynamodb_reach import table_unreadable

    return table_unreadable(settings.table_name, settings.org)


def resolve_secret(value: str) -> str:
    """A setting's value, fetched from SSM or Secrets Manager if it is a reference to one."""
    if not value.startswith(("ssm:", "secretsmanager:")):
        return value
    from shared.adapters.aws.secrets import resolve_here

    return resolve_here(value)


def resolve_secrets(settings: Settings) -> Settings:
    """Settings with SSM and Secrets Manager references replaced by their values (AWS only).

    A surface whose secret was never stored is off (its setting stays empty, a warning says so),
    so a Slack-only deployment runs without the Teams parameters and the other way round."""
    references = settings.secret_references()
    if not references:
        return settings
    return settings.with_secrets(
        {name: _surface_secret(settings, name, ref) for name, ref in references.items()}
    )


def _surface_secret(settings: Settings, name: str, reference: str) -> str:
    if name == "teams_app_password" and not settings.teams_app_id:
        return ""  # Teams is off without its app id: its password is not even fetched
    if name == "slack_client_secret" and not settings.slack_client_id:
        return ""  # OAuth mode is off without the client id: its secret is not even fetched
    if name == "model_api_key" and not settings.model.startswith("openai:"):
        return ""  # only an OpenAI-compatible endpoint takes a key (Bedrock signs with the role)
    from shared.adapters.aws.secrets import GRANTED, MissingSecretError

    try:
        return resolve_secret(reference)
    except LookupError as error:  # nothing stored there, or this function may not read it
        logging.getLogger("autosre.config").warning(
            "%s refers to %s, which %s: that surface is off",
            ENVIRONMENT[name],  # the secret's environment variable (SLACK_BOT_TOKEN, ...)
            reference,
            "does not exist" if isinstance(error, MissingSecretError) else f"is refused: {GRANTED}",
        )
        return ""
