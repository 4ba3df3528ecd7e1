"""What every deployment shares: the command list, one adapter per port (no defaults: each
deployment names every one, so a forgotten adapter fails at start-up), and `build`."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from shared.alerts.commands import ALERT_COMMANDS
from shared.audit.trail import AuditTrail
from shared.auditing.commands import AUDIT_COMMANDS
from shared.canary.commands import CANARY_COMMANDS
from shared.commands.bus import CommandBus
from shared.commands.context import Handlers
from shared.commands.help import HelpDesk, ShowHelp
from shared.commands.registry import CommandSet
from shared.config import Settings
from shared.doctor import RunDoctor
from shared.identity.admins import ConfiguredAdmin, configured_admins
from shared.investigations.commands import INVESTIGATION_COMMANDS
from shared.scheduling.commands import SCHEDULER_COMMANDS
from shared.services.commands import SERVICE_COMMANDS
from shared.teams.commands import TEAM_COMMANDS
from shared.telemetry.models import ResourceKind

if TYPE_CHECKING:  # the features themselves load when first used (see `_Features`)
    from shared.alerts.evaluator import AlertEvaluator
    from shared.alerts.ports import AlertStore
    from shared.alerts.service import AlertService
    from shared.audit.ports import AuditDirectory, AuditLog
    from shared.audit.seal import SigningKey
    from shared.auditing.service import AuditService, Progress
    from shared.canary.ports import (
        CanaryStore,
        InvestigatorVersions,
        TrafficRouter,
        VersionMetrics,
    )
    from shared.canary.service import CanaryService
    from shared.investigations.page import PageServer
    from shared.investigations.ports import InvestigationStore, Summariser
    from shared.invocation import DeferredCommand
    from shared.ports import Clock, DeliveryGuard, ExportStore, Notifier, TaskQueue
    from shared.replies import Reply
    from shared.telemetry.metrics_files import MetricsFiles
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
    page_server: Callable[[], PageServer]
    notifier: Notifier
    handlers: Handlers
    """Every command's handler, each feature built at its first command (`load_all`: now)."""

    @property
    def pages(self) -> PageServer:
        """The investigations' shareable pages (built at first use)."""
        return self.page_server()

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
    files: MetricsFiles | None
    """Admits the metrics files services may be registered with (`--metrics-file`); None: this
    deployment reads none (only a deployment with a local folder of them names one)."""
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


class AdapterChoices(TypedDict, total=False):
    """Some of the adapters, by name, to replace a deployment's own (`dataclasses.replace`):
    mypy checks each name and type at the call; the same fields as `Adapters` (tested)."""

    directory: AuditDirectory
    audit_log: AuditLog
    tasks: TaskQueue
    exports: ExportStore
    clock: Clock
    key: Callable[[], SigningKey]
    metrics: Mapping[ResourceKind, MetricsSource]
    files: MetricsFiles | None
    investigations: InvestigationStore
    notifier: Notifier
    guard: DeliveryGuard
    logs: Mapping[ResourceKind, LogSource]
    summariser: Summariser | None
    alerts: AlertStore
    canaries: CanaryStore
    routers: Mapping[ResourceKind, TrafficRouter]
    version_metrics: Mapping[ResourceKind, VersionMetrics]
    investigators: InvestigatorVersions | None
    storage: str


def quiet(_: str) -> None:
    """Progress nobody watches."""
    return None


def build(settings: Settings, adapters: Adapters, *, progress: Progress = quiet) -> Services:
    """Wire the bus and the services over the given adapters. Each feature is built at the first
    of its commands that runs (a cold start that answers `help` imports none of them)."""
    a = adapters
    admins = configured_admins(settings.org_admins)
    trail = AuditTrail(
        log=a.audit_log,
        key=a.key,
        clock=a.clock,
        every=settings.audit_digest_every,
        heads=a.directory,
    )
    features = _Features(settings, a, trail=trail, admins=admins, progress=progress)
    handlers = features.handlers()
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
    return Services(
        settings=settings,
        bus=bus,
        directory=a.directory,
        audit=trail,
        tasks=a.tasks,
        page_server=features.pages,
        notifier=a.notifier,
        handlers=handlers,
    )


class _Features:
    """Builds each feature over the adapters once, when it is first needed; the imports are
    inside so that a feature's code loads only then."""

    def __init__(
        self,
        settings: Settings,
        adapters: Adapters,
        *,
        trail: AuditTrail,
        admins: Sequence[ConfiguredAdmin],
        progress: Progress,
    ) -> None:
        self._settings = settings
        self._a = adapters
        self._trail = trail
        self._admins = admins
        self._progress = progress

    def handlers(self) -> Handlers:
        """Every feature's commands, registered at the root; their handlers built lazily."""
        return (
            Handlers()
            .include(HelpDesk(COMMANDS).handlers())
            .lazy(TEAM_COMMANDS, self._teams)
            .lazy((RunDoctor,), self._doctor)
            .lazy((*SERVICE_COMMANDS, *INVESTIGATION_COMMANDS), self._investigations)
            .lazy(ALERT_COMMANDS, lambda: self._alerts().handlers())
            .lazy(SCHEDULER_COMMANDS, self._ticks)
            .lazy(CANARY_COMMANDS, lambda: self._canaries().handlers())
            .lazy(AUDIT_COMMANDS, lambda: self._audit().handlers())
        )

    def _teams(self) -> Handlers:
        from shared.teams.service import TeamService

        return TeamService(directory=self._a.directory).handlers()

    def _doctor(self) -> Handlers:
        from shared.doctor import Doctor

        facts = {"Backend": self._settings.backend}
        return Doctor(directory=self._a.directory, audit=self._audit(), facts=facts).handlers()

    def _investigations(self) -> Handlers:
        from shared.investigations.collaboration import Collaboration
        from shared.investigations.service import InvestigationService

        a = self._a
        investigations = InvestigationService(
            directory=a.directory,
            sources=a.metrics,
            audit=self._trail,
            store=a.investigations,
            pages=self.pages(),
            logs=a.logs,
            summariser=a.summariser,
            files=a.files,
        )
        collaboration = Collaboration(
            store=a.investigations,
            directory=a.directory,
            notifier=a.notifier,
            link=self.pages().link,
        )
        return investigations.handlers().include(collaboration.handlers())

    def _ticks(self) -> Handlers:
        from shared.alerts.scheduler import AlertScheduler
        from shared.scheduling.tick import ScheduledWork

        a = self._a
        scheduler = AlertScheduler(
            store=a.alerts,
            evaluator=self._evaluator(),
            directory=a.directory,
            audit=self._trail,
            notifier=a.notifier,
        )
        return ScheduledWork(alerts=scheduler, canaries=self._canaries()).handlers()

    @functools.cache  # noqa: B019 (one per build, kept as long as its services)
    def pages(self) -> PageServer:
        """The investigations' shareable pages."""
        from shared.adapters.charts import render_panels, render_png
        from shared.investigations.page import PageServer

        return PageServer(
            store=self._a.investigations,
            key=self._a.key,
            chart=render_png,
            panels=render_panels,
            public_url=self._settings.public_url,
        )

    @functools.cache  # noqa: B019
    def _audit(self) -> AuditService:
        from shared.auditing.service import AuditService

        a = self._a
        return AuditService(
            trail=self._trail,
            exports=a.exports,
            directory=a.directory,
            progress=self._progress,
            storage=a.storage,
            configured_admins=self._admins,
        )

    @functools.cache  # noqa: B019
    def _evaluator(self) -> AlertEvaluator:
        from shared.alerts.evaluator import AlertEvaluator

        return AlertEvaluator(directory=self._a.directory, sources=self._a.metrics)

    @functools.cache  # noqa: B019
    def _alerts(self) -> AlertService:
        from shared.alerts.service import AlertService

        a = self._a
        return AlertService(
            store=a.alerts, directory=a.directory, evaluator=self._evaluator(), notifier=a.notifier
        )

    @functools.cache  # noqa: B019
    def _canaries(self) -> CanaryService:
        from shared.adapters.charts import render_comparison_png
        from shared.canary.service import CanaryService

        a = self._a
        return CanaryService(
            store=a.canaries,
            directory=a.directory,
            routers=a.routers,
            metrics=a.version_metrics,
            audit=self._trail,
            notifier=a.notifier,
            draw=render_comparison_png,
            investigators=a.investigators,
        )
