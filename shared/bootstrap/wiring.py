"""What every deployment shares: the command list, one adapter per port (no defaults: each
deployment names every one, so a forgotten adapter fails at start-up), and `build`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shared.adapters.charts import render_comparison_png, render_panels, render_png
from shared.alerts.commands import ALERT_COMMANDS
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.ports import AlertStore
from shared.alerts.scheduler import AlertScheduler
from shared.alerts.service import AlertService
from shared.audit.ports import AuditDirectory, AuditLog
from shared.audit.seal import SigningKey
from shared.audit.trail import AuditTrail
from shared.auditing.commands import AUDIT_COMMANDS
from shared.auditing.service import AuditService, Progress
from shared.canary.commands import CANARY_COMMANDS
from shared.canary.ports import CanaryStore, InvestigatorVersions, TrafficRouter, VersionMetrics
from shared.canary.service import CanaryService
from shared.commands.bus import CommandBus
from shared.commands.context import Handlers
from shared.commands.help import HelpDesk, ShowHelp
from shared.commands.registry import CommandSet
from shared.config import Settings
from shared.doctor import Doctor, RunDoctor
from shared.identity.admins import configured_admins
from shared.investigations.collaboration import Collaboration
from shared.investigations.commands import INVESTIGATION_COMMANDS
from shared.investigations.page import PageServer
from shared.investigations.ports import InvestigationStore, Summariser
from shared.investigations.service import InvestigationService
from shared.invocation import DeferredCommand
from shared.ports import Clock, DeliveryGuard, ExportStore, Notifier, TaskQueue
from shared.replies import Reply
from shared.scheduling.commands import SCHEDULER_COMMANDS
from shared.scheduling.tick import ScheduledWork
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

    def run_task(self, task: DeferredCommand) -> Reply:
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


@dataclass(frozen=True)
class Adapters:
    """One implementation of each port, every one named by the deployment (no defaults)."""

    directory: AuditDirectory
    audit_log: AuditLog
    tasks: TaskQueue
    exports: ExportStore
    clock: Clock
    key: Callable[[], SigningKey]
    metrics: Mapping[ResourceKind, MetricsSource]
    investigations: InvestigationStore
    notifier: Notifier
    guard: DeliveryGuard
    """Runs a platform's delivery once however often it is retried (`run_now`: nothing retries)."""
    logs: Mapping[ResourceKind, LogSource]
    summariser: Summariser | None
    """Tells each investigation in a few sentences (None: the rule-based narrative)."""
    alerts: AlertStore
    canaries: CanaryStore
    routers: Mapping[ResourceKind, TrafficRouter]
    """How each kind of service's traffic is split (Lambda aliases; the simulated sample)."""
    version_metrics: Mapping[ResourceKind, VersionMetrics]
    investigators: InvestigatorVersions | None
    """The investigator's versions for `sre canary start --replay` (the deployed Lambda versions
    on AWS, the local simulation's elsewhere; None: `--replay` is refused)."""
    storage: str
    """How the audit storage protects entries, as `sre audit verify` reports it."""


def _metrics_files(metrics: Mapping[ResourceKind, MetricsSource]) -> MetricsFiles | None:
    """The source of metrics files, which also admits them into the catalog (if there is one)."""
    source: object = metrics.get(ResourceKind.METRICS_FILE)
    return source if isinstance(source, MetricsFiles) else None


def quiet(_: str) -> None:
    """Progress nobody watches."""
    return None


def build(settings: Settings, adapters: Adapters, *, progress: Progress = quiet) -> Services:
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
    pages = PageServer(
        store=a.investigations,
        key=a.key,
        chart=render_png,
        panels=render_panels,
        public_url=settings.public_url,
    )
    bus = CommandBus(
        directory=a.directory,
        audit=trail,
        tasks=a.tasks,
        clock=a.clock,
        commands=COMMANDS,
        handlers=_handlers(settings, a, audit=audit, trail=trail, pages=pages),
        configured_admins=admins,
        guard=a.guard,
    )
    return Services(
        settings=settings,
        bus=bus,
        directory=a.directory,
        audit=trail,
        tasks=a.tasks,
        pages=pages,
        notifier=a.notifier,
    )


def _handlers(
    settings: Settings, a: Adapters, *, audit: AuditService, trail: AuditTrail, pages: PageServer
) -> Handlers:
    """Every feature's handlers over the adapters, registered at the root."""
    doctor = Doctor(directory=a.directory, audit=audit, facts={"Backend": settings.backend})
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
    collaboration = Collaboration(
        store=a.investigations, directory=a.directory, notifier=a.notifier, link=pages.link
    )
    evaluator = AlertEvaluator(directory=a.directory, sources=a.metrics)
    scheduler = AlertScheduler(
        store=a.alerts,
        evaluator=evaluator,
        directory=a.directory,
        audit=trail,
        notifier=a.notifier,
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
        store=a.alerts, directory=a.directory, evaluator=evaluator, notifier=a.notifier
    )
    return (
        Handlers()
        .include(HelpDesk(COMMANDS).handlers())
        .include(TeamService(directory=a.directory).handlers())
        .include(doctor.handlers())
        .include(audit.handlers())
        .include(investigations.handlers())
        .include(collaboration.handlers())
        .include(alerts.handlers())
        .include(canaries.handlers())
        .include(ScheduledWork(alerts=scheduler, canaries=canaries).handlers())
    )
