"""The one place adapters are chosen and wired: `for_local`, `for_aws`, `for_memory`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.audit.trail import AuditTrail
from shared.commands.base import Command
from shared.commands.bus import CommandBus, run_now
from shared.commands.context import Handler
from shared.commands.invocation import DeferredCommand
from shared.config import Settings
from shared.doctor import Doctor
from shared.identity.service import TeamService
from shared.ports import AuditLog, Clock, DeliveryGuard, Directory, TaskQueue
from shared.replies import Reply

Deliver = Callable[[DeferredCommand, Reply], None]
"""Posts a deferred command's reply where it was asked for (chosen by the surface)."""


@dataclass(frozen=True)
class Services:
    """Everything a surface needs: the bus, and the adapters behind it for inspection."""

    settings: Settings
    bus: CommandBus
    directory: Directory
    audit_log: AuditLog
    tasks: TaskQueue


def build(
    settings: Settings,
    *,
    directory: Directory,
    audit_log: AuditLog,
    tasks: TaskQueue,
    clock: Clock,
    guard: DeliveryGuard = run_now,
    facts: dict[str, str] | None = None,
) -> Services:
    """Wire the bus and the services over the given adapters."""
    handlers: dict[type[Command], Handler] = {
        **TeamService(directory=directory).handlers(),
        **Doctor(directory=directory, audit_log=audit_log, facts=facts or {}).handlers(),
    }
    bus = CommandBus(
        directory=directory,
        audit=AuditTrail(log=audit_log),
        tasks=tasks,
        clock=clock,
        handlers=handlers,
        configured_admins=settings.org_admins,
        guard=guard,
    )
    return Services(
        settings=settings, bus=bus, directory=directory, audit_log=audit_log, tasks=tasks
    )


def for_memory(settings: Settings | None = None, *, clock: Clock | None = None) -> Services:
    """Everything in memory: for tests and benchmarks."""
    from shared.adapters.memory import (
        InMemoryAuditLog,
        InMemoryDeliveryGuard,
        InMemoryDirectory,
        InMemoryTaskQueue,
        SystemClock,
    )

    return build(
        settings or Settings(),
        directory=InMemoryDirectory(),
        audit_log=InMemoryAuditLog(),
        tasks=InMemoryTaskQueue(),
        clock=clock or SystemClock(),
        guard=InMemoryDeliveryGuard(),
        facts={"Backend": "memory"},
    )


def for_local(settings: Settings, *, deliver: Deliver) -> Services:
    """The embedded default: SQLite and an audit folder under AUTOSRE_HOME, a worker thread."""
    from shared.adapters.local.folder_audit import FolderAuditLog
    from shared.adapters.local.sqlite_directory import SqliteDatabase, SqliteDirectory
    from shared.adapters.local.sqlite_guard import SqliteDeliveryGuard
    from shared.adapters.local.thread_queue import ThreadTaskQueue
    from shared.adapters.memory import SystemClock

    database = SqliteDatabase(settings.home / "autosre.db")
    queue = ThreadTaskQueue()
    services = build(
        settings,
        directory=SqliteDirectory(database),
        audit_log=FolderAuditLog(settings.home / "audit"),
        tasks=queue,
        clock=SystemClock(),
        guard=SqliteDeliveryGuard(database),
        facts={"Backend": f"local ({settings.home})"},
    )
    queue.consumer = lambda task: deliver(task, services.bus.resume(task))
    return services


def for_aws(settings: Settings, *, guard: DeliveryGuard = run_now) -> Services:
    """AWS: DynamoDB, the S3 audit bucket and SQS; each client is made at its first use."""
    from shared.adapters.aws.dynamodb_directory import DynamoDbDirectory
    from shared.adapters.aws.s3_audit import S3AuditLog
    from shared.adapters.aws.sqs_queue import SqsTaskQueue
    from shared.adapters.memory import SystemClock

    return build(
        settings,
        directory=DynamoDbDirectory(table=settings.table_name),
        audit_log=S3AuditLog(bucket=settings.audit_bucket),
        tasks=SqsTaskQueue(queue_url=settings.task_queue_url),
        clock=SystemClock(),
        guard=guard,
        facts={"Backend": f"aws (table {settings.table_name}, bucket {settings.audit_bucket})"},
    )


def resolve_secrets(settings: Settings) -> Settings:
    """Settings with SSM and Secrets Manager references replaced by their values (AWS only)."""
    references = settings.secret_references()
    if not references:
        return settings
    import boto3

    from shared.adapters.aws.secrets import resolve

    ssm, secrets = boto3.client("ssm"), boto3.client("secretsmanager")
    values = {name: resolve(ref, ssm=ssm, secrets=secrets) for name, ref in references.items()}
    return settings.model_copy(update=values)
