"""The embedded default: SQLite and an audit folder under AUTOSRE_HOME, worker threads, the
sample and every cloud's metrics (each SDK loaded at first use)."""

from __future__ import annotations

import functools
from collections.abc import Collection

from shared.audit.seal import SigningKey
from shared.auditing.service import Progress
from shared.bootstrap.adapters import Adapters, PromptAdapters
from shared.bootstrap.sample import (
    SAMPLE_STABLE,
    local_canaries,
    local_metrics,
    metrics_files,
    simulated_chaos,
    simulated_investigators,
)
from shared.bootstrap.wiring import Services, build, language_model, quiet
from shared.config import Settings
from shared.doctor.ports import Unchecked
from shared.identity.models import Platform
from shared.ports import Notifier
from shared.telemetry.models import ResourceKind
from shared.telemetry.ports import LogSource, MetricsSource


def cloud_metrics(settings: Settings) -> dict[ResourceKind, MetricsSource]:
    """CloudWatch, Azure Monitor and Cloud Monitoring; their clients (and SDKs) load at first
    use."""
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


def cloud_logs() -> dict[ResourceKind, LogSource]:
    """Azure Monitor Logs, for services registered with a workspace (SDK loaded at first use)."""
    from shared.adapters.azure.monitor_logs import AzureMonitorLogSource

    return {ResourceKind.AZURE_RESOURCE: AzureMonitorLogSource()}


def for_local(
    settings: Settings,
    *,
    notifier: Notifier,
    progress: Progress = quiet,
    recover: Collection[Platform] = tuple(Platform),
) -> Services:
    """The embedded default: SQLite and an audit folder under AUTOSRE_HOME, worker threads; the
    unfinished tasks of a process that died, answered on `recover`'s surfaces, are run again (or
    reported failed) by this one."""
    from shared.adapters.local.folder_audit import FolderAuditLog
    from shared.adapters.local.folder_exports import FolderExportStore
    from shared.adapters.local.key_file import load_or_create
    from shared.adapters.local.simulated_chaos import SqliteChaosState
    from shared.adapters.local.sqlite_alerts import SqliteAlertStore
    from shared.adapters.local.sqlite_canaries import SqliteCanaryStore
    from shared.adapters.local.sqlite_chaos import SqliteChaosStore
    from shared.adapters.local.sqlite_directory import SqliteDatabase, SqliteDirectory
    from shared.adapters.local.sqlite_guard import SqliteDeliveryGuard
    from shared.adapters.local.sqlite_investigations import SqliteInvestigationStore
    from shared.adapters.local.sqlite_journal import JournaledAuditLog
    from shared.adapters.local.sqlite_lease import ProcessLease
    from shared.adapters.local.sqlite_owed import SqliteOwedEntries
    from shared.adapters.local.sqlite_prompts import (
        SqliteExperimentStore,
        SqliteFeedbackStore,
        SqliteVariantStore,
    )
    from shared.adapters.local.sqlite_queue import SqliteTaskQueue, TaskSignal
    from shared.adapters.local.sqlite_quotas import SqliteQuotas
    from shared.adapters.local.sqlite_routes import SqliteTrafficRouter
    from shared.adapters.local.sqlite_usage import SqliteUsageLedger
    from shared.adapters.local.sqlite_worker import SqliteTaskWorker
    from shared.adapters.memory import SystemClock

    home = settings.home
    if settings.metrics_dir is None:  # the default is made; a folder named is never invented
        settings.metrics_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = metrics_files(settings.metrics_folder)
    database = SqliteDatabase(home / "autosre.db")
    # a promotion outlives the process that made it
    routers, version_metrics = local_canaries(SqliteTrafficRouter(database, first=SAMPLE_STABLE))
    lease = ProcessLease(database)
    signal = TaskSignal()
    queue = SqliteTaskQueue(database, lease=lease, signal=signal)
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
            **local_metrics(SystemClock(), files),
            **cloud_metrics(settings),
        },
        files=files,
        investigations=SqliteInvestigationStore(database),
        notifier=notifier,
        guard=SqliteDeliveryGuard(database, lease=lease),
        logs=cloud_logs(),
        summariser=None,
        alerts=SqliteAlertStore(database),
        canaries=SqliteCanaryStore(database),
        routers=routers,
        version_metrics=version_metrics,
        investigators=simulated_investigators(),
        chaos=simulated_chaos(
            SqliteChaosStore(database), SqliteChaosState(database), SystemClock()
        ),
        model=language_model(settings),
        storage="read-only files (tamper-evident, not tamper-proof)",
        quotas=SqliteQuotas(database),
        usage=SqliteUsageLedger(database),
        prompts=PromptAdapters(
            variants=SqliteVariantStore(database),
            feedback=SqliteFeedbackStore(database),
            experiments=SqliteExperimentStore(database),
        ),
        owed=SqliteOwedEntries(database),
        queue_gauge=queue,
        worker_versions=Unchecked("no Lambda worker: deferred work runs in this process"),
    )
    services = build(settings, adapters, progress=progress)
    SqliteTaskWorker(
        database,
        lease=lease,
        signal=signal,
        run=services.run_task,
        abandon=services.abandon,
        recover=recover,
    ).start()
    journal.settle(services.audit, queued=queue.queued)
    return services
