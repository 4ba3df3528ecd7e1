"""The one place adapters are chosen and wired: `for_local`, `for_aws`, `for_memory`."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from shared.adapters.charts import render_comparison_png, render_panels, render_png
from shared.alerts.commands import ALERT_COMMANDS
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.models import AlertPolicy
from shared.alerts.ports import AlertStore
from shared.alerts.scheduler import AlertScheduler, Investigate
from shared.alerts.service import AlertService
from shared.audit.ports import AuditDirectory, AuditLog
from shared.audit.seal import SigningKey
from shared.audit.trail import AuditTrail
from shared.auditing.commands import AUDIT_COMMANDS
from shared.auditing.service import AuditService, Progress
from shared.canary.commands import CANARY_COMMANDS
from shared.canary.ports import CanaryStore, InvestigatorVersions, TrafficRouter, VersionMetrics
from shared.canary.service import CanaryService
from shared.commands.bus import CommandBus, run_now
from shared.commands.context import Handlers
from shared.commands.help import HelpDesk, ShowHelp
from shared.commands.registry import CommandSet
from shared.config import Settings
from shared.doctor import Doctor, RunDoctor
from shared.identity.admins import configured_admins
from shared.identity.models import OrgId, Platform
from shared.investigations.collaboration import Collaboration
from shared.investigations.commands import INVESTIGATION_COMMANDS
from shared.investigations.page import PageServer
from shared.investigations.ports import InvestigationStore, Summariser
from shared.investigations.service import InvestigationService
from shared.invocation import DeferredCommand, ReplyTarget
from shared.ports import Clock, DeliveryGuard, ExportStore, Notifier, TaskQueue
from shared.replies import Reply
from shared.scheduling.commands import SCHEDULER_COMMANDS
from shared.scheduling.tick import ScheduledWork
from shared.scheduling.triggers import scheduled
from shared.services.commands import SERVICE_COMMANDS
from shared.teams.commands import TEAM_COMMANDS
from shared.teams.service import TeamService
from shared.telemetry.metrics_files import MetricsFiles
from shared.telemetry.models import ResourceKind
from shared.telemetry.ports import LogSource, MetricsSource

COMMANDS = CommandSet(
    (
        ShowHelp,
        *TEAM_COMMANDS,
        RunDoctor,
        *SERVICE_COMMANDS,
        *INVESTIGATION_COMMANDS,
        *ALERT_COMMANDS,
        *SCHEDULER_COMMANDS,
        *CANARY_COMMANDS,
        *AUDIT_COMMANDS,
    )
)
"""Every command this deployment understands, in help order: each feature declares its own."""


@dataclass(frozen=True)
class Services:
    """Everything a surface needs: the bus, and the adapters behind it for inspection."""

    settings: Settings
    bus: CommandBus
    directory: AuditDirectory
    audit: AuditTrail
    tasks: TaskQueue
    pages: PageServer
    notifier: Notifier

    def answer(self, task: DeferredCommand) -> Reply:
        """Run a deferred command and post its reply, each once however often the task is
        delivered (a post that failed is tried again by the next delivery)."""
        reply = self.bus.resume(task)
        target = task.invocation.reply_to
        where = hashlib.sha256(target.model_dump_json().encode()).hexdigest()[:16]
        key = f"post:{task.invocation.actor.org}:{task.invocation.correlation_id}:{where}"

        def post() -> Reply:
            self.notifier.post(target, reply, user=task.invocation.actor.user)
            return reply

        if self.bus.guard(key=key, run=post) is None:
            raise RuntimeError(f"the reply of {key} is being posted elsewhere")  # retried later
        return reply

    def abandon(self, task: DeferredCommand, reason: str) -> Reply:
        """Report a deferred command that will not run (audited as failed) to its user."""
        reply = self.bus.abandon(task, reason)
        self.notifier.post(task.invocation.reply_to, reply, user=task.invocation.actor.user)
        return reply

    @property
    def audit_log(self) -> AuditLog:
        """The audit trail's storage."""
        return self.audit.log


def _memory_alerts() -> AlertStore:
    from shared.adapters.memory import InMemoryAlertStore

    return InMemoryAlertStore()


def _memory_canaries() -> CanaryStore:
    from shared.adapters.memory import InMemoryCanaryStore

    return InMemoryCanaryStore()


def local_canaries() -> tuple[
    dict[ResourceKind, TrafficRouter], dict[ResourceKind, VersionMetrics]
]:
    """The simulated two releases of the bundled sample: canaries without a cloud account."""
    from shared.adapters.local.simulated_canary import SimulatedVersionMetrics
    from shared.adapters.memory import InMemoryTrafficRouter

    return (
        {ResourceKind.SAMPLE: InMemoryTrafficRouter(first="41")},
        {ResourceKind.SAMPLE: SimulatedVersionMetrics()},
    )


def _simulated_investigators() -> InvestigatorVersions:
    from shared.adapters.local.simulated_canary import SimulatedInvestigatorVersions

    return SimulatedInvestigatorVersions()


@dataclass(frozen=True)
class Adapters:
    """One implementation of each port."""

    directory: AuditDirectory
    audit_log: AuditLog
    tasks: TaskQueue
    exports: ExportStore
    clock: Clock
    key: Callable[[], SigningKey]
    metrics: Mapping[ResourceKind, MetricsSource]
    investigations: InvestigationStore
    notifier: Notifier
    guard: DeliveryGuard = run_now
    logs: Mapping[ResourceKind, LogSource] = field(default_factory=dict)
    summariser: Summariser | None = None
    """Tells each investigation in a few sentences (None: the rule-based narrative)."""
    alerts: AlertStore = field(default_factory=_memory_alerts)
    canaries: CanaryStore = field(default_factory=_memory_canaries)
    routers: Mapping[ResourceKind, TrafficRouter] = field(default_factory=dict)
    """How each kind of service's traffic is split (Lambda aliases; the simulated sample)."""
    version_metrics: Mapping[ResourceKind, VersionMetrics] = field(default_factory=dict)
    investigators: InvestigatorVersions | None = None
    """The investigator's versions for `sre canary start --replay` (the deployed Lambda versions
    on AWS, the local simulation's elsewhere; None: `--replay` is refused)."""
    storage: str = ""
    """How the audit storage protects entries, as `sre audit verify` reports it."""


def _investigator(bus: list[CommandBus], clock: Clock) -> Investigate:
    """How the alert scheduler opens an investigation: `sre investigate` as the scheduler, its
    report posted in the alert's thread by the worker."""

    def investigate(policy: AlertPolicy, where: ReplyTarget, key: str) -> bool:
        text = f"sre investigate {policy.service} --team {policy.team}"
        invocation = scheduled(OrgId(policy.org), text, trigger=key, now=clock.now())
        reply = bus[0].handle(invocation.model_copy(update={"reply_to": where}))
        return not reply.failed

    return investigate


def _metrics_files(metrics: Mapping[ResourceKind, MetricsSource]) -> MetricsFiles | None:
    """The source of metrics files, which also admits them into the catalog (if there is one)."""
    source: object = metrics.get(ResourceKind.METRICS_FILE)
    return source if isinstance(source, MetricsFiles) else None


def _quiet(_: str) -> None:
    return None


def build(settings: Settings, adapters: Adapters, *, progress: Progress = _quiet) -> Services:
    """Wire the bus and the services over the given adapters."""
    a = adapters
    admins = configured_admins(settings.org_admins)
    trail = AuditTrail(
        log=a.audit_log,
        key=a.key,
        clock=a.clock,
        every=settings.audit_digest_every,
        heads=a.directory,
    )
    audit = AuditService(
        trail=trail,
        exports=a.exports,
        directory=a.directory,
        progress=progress,
        storage=a.storage,
        configured_admins=admins,
    )
    doctor = Doctor(directory=a.directory, audit=audit, facts={"Backend": settings.backend})
    pages = PageServer(
        store=a.investigations,
        key=a.key,
        chart=render_png,
        panels=render_panels,
        public_url=settings.public_url,
    )
    investigations = InvestigationService(
        directory=a.directory,
        sources=a.metrics,
        audit=trail,
        store=a.investigations,
        pages=pages,
        logs=a.logs,
        summariser=a.summariser,
        files=_metrics_files(a.metrics),
    )
    bus_ref: list[CommandBus] = []
    evaluator = AlertEvaluator(directory=a.directory, sources=a.metrics)
    scheduler = AlertScheduler(
        store=a.alerts,
        evaluator=evaluator,
        directory=a.directory,
        audit=trail,
        notifier=a.notifier,
        investigate=_investigator(bus_ref, a.clock),
    )
    canaries = CanaryService(
        store=a.canaries,
        directory=a.directory,
        routers=a.routers,
        metrics=a.version_metrics,
        audit=trail,
        notifier=a.notifier,
        draw=render_comparison_png,
        investigators=a.investigators,
    )
    alerts = AlertService(
        store=a.alerts,
        directory=a.directory,
        evaluator=evaluator,
        notifier=a.notifier,
    )
    handlers = (
        Handlers()
        .include(HelpDesk(COMMANDS).handlers())
        .include(TeamService(directory=a.directory).handlers())
        .include(doctor.handlers())
        .include(audit.handlers())
        .include(investigations.handlers())
        .include(
            Collaboration(
                store=a.investigations, directory=a.directory, notifier=a.notifier, link=pages.link
            ).handlers()
        )
        .include(alerts.handlers())
        .include(canaries.handlers())
        .include(ScheduledWork(alerts=scheduler, canaries=canaries).handlers())
    )
    bus = CommandBus(
        directory=a.directory,
        audit=trail,
        tasks=a.tasks,
        clock=a.clock,
        commands=COMMANDS,
        handlers=handlers,
        configured_admins=admins,
        guard=a.guard,
    )
    bus_ref.append(bus)
    return Services(
        settings=settings,
        bus=bus,
        directory=a.directory,
        audit=trail,
        tasks=a.tasks,
        pages=pages,
        notifier=a.notifier,
    )


def local_metrics(clock: Clock, folder: Path | None = None) -> dict[ResourceKind, MetricsSource]:
    """The bundled sample scenario, and CSV files from `folder` (none without one)."""
    from shared.adapters.local.csv_metrics import CsvMetricsSource
    from shared.adapters.local.sample_metrics import SampleMetricsSource

    sample: dict[ResourceKind, MetricsSource] = {
        ResourceKind.SAMPLE: SampleMetricsSource(clock=clock)
    }
    if folder is None:
        return sample
    return {**sample, ResourceKind.METRICS_FILE: CsvMetricsSource(folder)}


def cloud_metrics(settings: Settings) -> dict[ResourceKind, MetricsSource]:
    """CloudWatch and Azure Monitor; their clients (and SDKs) load at first use."""
    from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
    from shared.adapters.azure.monitor_metrics import AzureMonitorMetricsSource
    from shared.adapters.gcp.monitoring_metrics import CloudMonitoringMetricsSource

    cloudwatch = CloudWatchMetricsSource()
    return {
        ResourceKind.AWS_LAMBDA: cloudwatch,
        ResourceKind.AWS_ALB: cloudwatch,
        ResourceKind.AZURE_RESOURCE: AzureMonitorMetricsSource(region=settings.azure_region),
        ResourceKind.GCP_CLOUD_RUN: CloudMonitoringMetricsSource(),
    }


AWS_DEPLOYMENT_READS = frozenset({ResourceKind.AWS_LAMBDA, ResourceKind.AWS_ALB})
"""The clouds the AWS deployment reads: its Lambda bundles carry no Azure or Google SDK, and its
deferred work runs there, so Azure and Cloud Run services are refused at registration (README)."""


def cloud_logs() -> dict[ResourceKind, LogSource]:
    """Azure Monitor Logs, for services registered with a workspace (SDK loaded at first use)."""
    from shared.adapters.azure.monitor_logs import AzureMonitorLogSource

    return {ResourceKind.AZURE_RESOURCE: AzureMonitorLogSource()}


def memory_adapters(
    clock: Clock, key: SigningKey, *, metrics_dir: Path | None = None, **overrides: Any
) -> Adapters:
    """Every port in memory at `clock`'s time, signing with `key`; metrics files only from
    `metrics_dir`; `overrides` replace any."""
    from shared.adapters.memory import (
        InMemoryAuditLog,
        InMemoryDeliveryGuard,
        InMemoryDirectory,
        InMemoryExportStore,
        InMemoryInvestigationStore,
        InMemoryNotifier,
        InMemoryTaskQueue,
    )

    routers, version_metrics = local_canaries()
    defaults: dict[str, Any] = {
        "directory": InMemoryDirectory(),
        "audit_log": InMemoryAuditLog(),
        "tasks": InMemoryTaskQueue(),
        "exports": InMemoryExportStore(),
        "clock": clock,
        "key": lambda: key,
        "metrics": local_metrics(clock, metrics_dir),
        "investigations": InMemoryInvestigationStore(),
        "notifier": InMemoryNotifier(),
        "guard": InMemoryDeliveryGuard(),
        "routers": routers,
        "version_metrics": version_metrics,
        "investigators": _simulated_investigators(),
    }
    return Adapters(**{**defaults, **overrides})


def for_memory(
    settings: Settings | None = None, *, clock: Clock | None = None, **overrides: Any
) -> Services:
    """Everything in memory (posts kept by an `InMemoryNotifier`, metrics from the sample and CSV
    files); `overrides` replace any adapter (`notifier=`, `metrics=`, ...)."""
    from shared.adapters.memory import SystemClock

    settings = settings or Settings()
    key = SigningKey(secret=(settings.audit_key or "memory-audit-key").encode())
    adapters = memory_adapters(
        clock or SystemClock(), key, metrics_dir=settings.metrics_folder, **overrides
    )
    return build(settings.model_copy(update={"backend": "local"}), adapters)


def for_local(
    settings: Settings,
    *,
    notifier: Notifier,
    progress: Progress = _quiet,
    recover: Collection[Platform] = tuple(Platform),
) -> Services:
    """The embedded default: SQLite and an audit folder under AUTOSRE_HOME, worker threads; the
    unfinished tasks of a process that died, answered on `recover`'s surfaces, are run again (or
    reported failed) by this one."""
    from shared.adapters.local.folder_audit import FolderAuditLog
    from shared.adapters.local.folder_exports import FolderExportStore
    from shared.adapters.local.key_file import load_or_create
    from shared.adapters.local.sqlite_alerts import SqliteAlertStore
    from shared.adapters.local.sqlite_canaries import SqliteCanaryStore
    from shared.adapters.local.sqlite_directory import SqliteDatabase, SqliteDirectory
    from shared.adapters.local.sqlite_guard import SqliteDeliveryGuard
    from shared.adapters.local.sqlite_investigations import SqliteInvestigationStore
    from shared.adapters.local.sqlite_journal import JournaledAuditLog
    from shared.adapters.local.sqlite_lease import ProcessLease
    from shared.adapters.local.sqlite_queue import SqliteTaskQueue
    from shared.adapters.memory import SystemClock

    home = settings.home
    settings.metrics_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    routers, version_metrics = local_canaries()
    database = SqliteDatabase(home / "autosre.db")
    lease = ProcessLease(database)
    queue = SqliteTaskQueue(database, lease=lease, recover=recover)
    journal = JournaledAuditLog(FolderAuditLog(home / "audit"), database, lease=lease)
    key = SigningKey(secret=settings.audit_key.encode()) if settings.audit_key else None
    adapters = Adapters(
        directory=SqliteDirectory(database),
        audit_log=journal,
        tasks=queue,
        exports=FolderExportStore(home / "exports"),
        clock=SystemClock(),
        key=functools.cache(lambda: key or load_or_create(home / "audit.key")),
        metrics={
            **local_metrics(SystemClock(), settings.metrics_folder),
            **cloud_metrics(settings),
        },
        logs=cloud_logs(),
        investigations=SqliteInvestigationStore(database),
        alerts=SqliteAlertStore(database),
        canaries=SqliteCanaryStore(database),
        routers=routers,
        version_metrics=version_metrics,
        investigators=_simulated_investigators(),
        notifier=notifier,
        guard=SqliteDeliveryGuard(database, lease=lease),
        storage="read-only files (tamper-evident, not tamper-proof)",
    )
    services = build(settings, adapters, progress=progress)
    queue.consumer = services.answer
    queue.abandon = services.abandon
    queue.start()
    journal.settle(services.audit, queued=queue.queued)
    return services


def for_aws(
    settings: Settings,
    *,
    notifier: Notifier,
    guard: DeliveryGuard = run_now,
    progress: Progress = _quiet,
    **overrides: Any,
) -> Services:
    """AWS: DynamoDB, the S3 audit bucket and SQS; each client is made at its first use.
    `overrides` replace adapters (the terminal runs deferred work itself and exports to files)."""
    from shared.adapters.aws.cloudwatch_versions import CloudWatchVersionMetrics
    from shared.adapters.aws.dynamodb_alerts import DynamoDbAlertStore
    from shared.adapters.aws.dynamodb_canaries import DynamoDbCanaryStore
    from shared.adapters.aws.dynamodb_directory import DynamoDbDirectory
    from shared.adapters.aws.dynamodb_investigations import DynamoDbInvestigationStore
    from shared.adapters.aws.lambda_investigators import LambdaInvestigatorVersions
    from shared.adapters.aws.lambda_routing import LambdaTrafficRouter
    from shared.adapters.aws.s3_audit import S3AuditLog
    from shared.adapters.aws.s3_exports import S3ExportStore
    from shared.adapters.aws.sqs_queue import SqsTaskQueue
    from shared.adapters.memory import SystemClock

    adapters = Adapters(
        directory=DynamoDbDirectory(table=settings.table_name),
        audit_log=S3AuditLog(bucket=settings.audit_bucket),
        tasks=SqsTaskQueue(queue_url=settings.task_queue_url),
        exports=S3ExportStore(bucket=settings.export_bucket),
        clock=SystemClock(),
        key=functools.cache(lambda: SigningKey(secret=resolve_secret(settings.audit_key).encode())),
        metrics={
            **local_metrics(SystemClock()),
            **{k: v for k, v in cloud_metrics(settings).items() if k in AWS_DEPLOYMENT_READS},
        },
        investigations=DynamoDbInvestigationStore(table=settings.table_name),
        alerts=DynamoDbAlertStore(table=settings.table_name),
        canaries=DynamoDbCanaryStore(table=settings.table_name),
        routers={ResourceKind.AWS_LAMBDA: LambdaTrafficRouter()},
        version_metrics={ResourceKind.AWS_LAMBDA: CloudWatchVersionMetrics()},
        investigators=LambdaInvestigatorVersions(),
        notifier=notifier,
        guard=guard,
        storage="S3 Object Lock, COMPLIANCE retention checked on every entry",
    )
    return build(settings, replace(adapters, **overrides), progress=progress)


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
    return settings.model_copy(
        update={name: _surface_secret(settings, name, ref) for name, ref in references.items()}
    )


def _surface_secret(settings: Settings, name: str, reference: str) -> str:
    if name == "teams_app_password" and not settings.teams_app_id:
        return ""  # Teams is off without its app id: its password is not even fetched
    try:
        return resolve_secret(reference)
    except LookupError:  # the adapter's MissingSecretError: nothing stored there
        logging.getLogger("autosre.config").warning(
            "%s refers to %s, which does not exist: that surface is off",
            name.upper(),  # each secret's environment variable (SLACK_BOT_TOKEN, ...)
            reference,
        )
        return ""
