"""The command list, in help order (each feature declares its own), and each feature's handlers
over the adapters, built (and their code imported) at the first of its commands that runs."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from shared.alerts.commands import ALERT_COMMANDS
from shared.auditing.commands import AUDIT_COMMANDS
from shared.canary.commands import CANARY_COMMANDS
from shared.chaos.commands import CHAOS_COMMANDS
from shared.commands.context import Handlers
from shared.commands.help import HelpDesk, ShowHelp
from shared.commands.registry import CommandSet
from shared.doctor.commands import RunDoctor
from shared.doctor.facts import model_fact, slack_fact
from shared.investigations.commands import INVESTIGATION_COMMANDS
from shared.prompts.commands import EXPERIMENT_COMMANDS, FEEDBACK_COMMANDS, PROMPT_COMMANDS
from shared.quotas.commands import QUOTA_COMMANDS
from shared.quotas.usage_commands import USAGE_COMMANDS
from shared.scheduling.commands import SCHEDULER_COMMANDS
from shared.services.commands import SERVICE_COMMANDS
from shared.teams.commands import TEAM_COMMANDS
from shared.teams.model_consent import MODEL_CONSENT_COMMANDS
from shared.teams.org_channel import ORG_CHANNEL_COMMANDS

if TYPE_CHECKING:  # the features themselves load when first used
    from shared.alerts.evaluator import AlertEvaluator
    from shared.alerts.ports import AlertStore
    from shared.alerts.service import AlertService
    from shared.audit.trail import AuditTrail
    from shared.auditing.service import AuditService, Progress
    from shared.bootstrap.adapters import Adapters
    from shared.canary.ports import CanaryStore
    from shared.canary.service import CanaryService
    from shared.chaos.page import ChaosPages
    from shared.chaos.ports import ChaosStore
    from shared.chaos.service import ChaosService
    from shared.config import Settings
    from shared.identity.admins import ConfiguredAdmin
    from shared.identity.models import OrgId
    from shared.investigations.page import PageServer
    from shared.investigations.ports import Summariser
    from shared.prompts.experiment_notices import ExperimentNotices
    from shared.prompts.model_arm import ModelArms
    from shared.prompts.service import PromptVariants
    from shared.quotas.service import QuotaService
    from shared.quotas.usage_summary import MonthlySummary
    from shared.services.ports import ServiceUse
    from shared.telemetry.ports import MetricsSource

COMMANDS = CommandSet(
    (
        ShowHelp,
        *TEAM_COMMANDS,
        *MODEL_CONSENT_COMMANDS,
        *ORG_CHANNEL_COMMANDS,
        RunDoctor,
        *SERVICE_COMMANDS,
        *INVESTIGATION_COMMANDS,
        *FEEDBACK_COMMANDS,
        *ALERT_COMMANDS,
        *SCHEDULER_COMMANDS,
        *CANARY_COMMANDS,
        *CHAOS_COMMANDS,
        *PROMPT_COMMANDS,
        *EXPERIMENT_COMMANDS,
        *AUDIT_COMMANDS,
        *QUOTA_COMMANDS,
        *USAGE_COMMANDS,
    )
)
"""Every command this deployment understands, in help order: each feature declares its own."""


class Features:
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
            .include(HelpDesk(COMMANDS, terminal=self._terminal_notes()).handlers())
            .lazy(TEAM_COMMANDS, self._teams)
            .lazy(MODEL_CONSENT_COMMANDS, self._model_consent)
            .lazy(ORG_CHANNEL_COMMANDS, self._org_channel)
            .lazy((RunDoctor,), self._doctor)
            .lazy(SERVICE_COMMANDS, self._services)
            .lazy(INVESTIGATION_COMMANDS, self._investigations)
            .lazy(ALERT_COMMANDS, lambda: self._alerts().handlers())
            .lazy(SCHEDULER_COMMANDS, self._ticks)
            .lazy(CANARY_COMMANDS, lambda: self._canaries().handlers())
            .lazy(CHAOS_COMMANDS, self._chaos_handlers)
            .lazy(AUDIT_COMMANDS, lambda: self._audit().handlers())
            .lazy(QUOTA_COMMANDS, lambda: self._quotas().handlers())
            .lazy(USAGE_COMMANDS, self._usage)
            .lazy(PROMPT_COMMANDS, self._prompts)
            .lazy(EXPERIMENT_COMMANDS, self._experiments)
            .lazy(FEEDBACK_COMMANDS, self._feedback)
        )

    def _prompts(self) -> Handlers:
        return self._variants().handlers()

    @functools.cache  # noqa: B019
    def _variants(self) -> PromptVariants:
        from shared.prompts.service import PromptVariants

        a = self._a
        model = a.model.name if a.model else None
        return PromptVariants(
            store=a.prompts.variants, model_name=model, experiments=a.prompts.experiments
        )

    def _experiments(self) -> Handlers:
        from shared.prompts.experiment_service import PromptExperiments

        a = self._a
        return PromptExperiments(
            store=a.prompts.experiments,
            variants=self._variants(),
            directory=a.directory,
            investigations=a.investigations,
            feedback=a.prompts.feedback,
            notices=self._notices(),
            models=self._model_arms(),
            clock=a.clock,
            sample=self._gate_sample(),
        ).handlers()

    def _gate_sample(self) -> MetricsSource | None:
        """The bundled sample as the offline gate reads it (its incident at the replay's end,
        not anchored to the clock), where the deployment has the sample."""
        from shared.adapters.local.sample_metrics import SampleMetricsSource
        from shared.telemetry.models import ResourceKind

        return SampleMetricsSource() if ResourceKind.SAMPLE in self._a.metrics else None

    @functools.cache  # noqa: B019
    def _notices(self) -> ExperimentNotices:
        from shared.prompts.experiment_notices import ExperimentNotices

        a = self._a
        return ExperimentNotices(trail=self._trail, directory=a.directory, notifier=a.notifier)

    def _routed(self) -> Summariser:
        """The narrative of the org's running experiment's arm, or of its promoted variant,
        or of the control (where the deployment names no summariser of its own)."""
        from shared.prompts.routing import ExperimentSummariser

        a = self._a
        return ExperimentSummariser(
            store=a.prompts.experiments,
            variants=a.prompts.variants,
            feedback=a.prompts.feedback,
            investigations=a.investigations,
            models=self._model_arms(),
            notices=self._notices(),
        )

    @functools.cache  # noqa: B019
    def _model_arms(self) -> ModelArms:
        """What a model arm needs: the model, the org's consent, the team's quota, its past."""
        from shared.prompts.model_arm import ModelArms, team_past

        a = self._a
        return ModelArms(
            model=a.model,
            budget_tokens=self._settings.model_budget_tokens,
            directory=a.directory,
            quotas=self._quotas(),
            similar=team_past(a.investigations),
            clock=a.clock,
        )

    def _feedback(self) -> Handlers:
        from shared.prompts.feedback import NarrativeFeedback

        store, investigations = self._a.prompts.feedback, self._a.investigations
        return NarrativeFeedback(store=store, investigations=investigations).handlers()

    def _teams(self) -> Handlers:
        from shared.teams.service import TeamService

        alerts = self._a.alerts

        def posting(org: OrgId, team: str) -> list[str]:
            return [p.name for p in alerts.list_for(org, team)]

        return TeamService(
            directory=self._a.directory, configured_admins=self._admins, posting=posting
        ).handlers()

    def _org_channel(self) -> Handlers:
        from shared.teams.org_channel import OrgChannels

        return OrgChannels(directory=self._a.directory).handlers()

    def _model_consent(self) -> Handlers:
        from shared.teams.model_consent import ModelConsent

        model = self._a.model.name if self._a.model else None
        budget = self._settings.model_budget_tokens
        return ModelConsent(
            directory=self._a.directory, model=model, budget_tokens=budget
        ).handlers()

    def _terminal_notes(self) -> dict[str, str]:
        """What the terminal's help adds about this machine, by topic: the metrics folder in
        force (AUTOSRE_HOME and AUTOSRE_METRICS_DIR move it)."""
        if self._a.files is None:
            return {}
        folder = self._settings.metrics_folder
        note = f"Metrics files (--metrics-file) are read from {folder} here."
        return {"service": note, "service register": note}

    def _doctor(self) -> Handlers:
        from shared.doctor.service import Doctor

        facts = {"Backend": self._settings.backend, "Language model": model_fact(self._a.model)}
        facts["Slack"] = slack_fact(self._settings)
        return Doctor(
            directory=self._a.directory,
            audit=self._audit(),
            facts=facts,
            queue=self._a.queue_gauge,
            worker=self._a.worker_versions,
            settings=self._settings,
        ).handlers()

    def _services(self) -> Handlers:
        from shared.services.catalog import ServiceCatalog
        from shared.services.signals import SignalOverrides

        a = self._a
        users = ServiceUses(
            alerts=a.alerts, canaries=a.canaries, chaos=a.chaos.store if a.chaos else None
        )
        catalog = ServiceCatalog(
            directory=a.directory, readable=a.metrics, files=a.files, users=users
        )
        signals = SignalOverrides(catalog=catalog, directory=a.directory, files=a.files)
        return catalog.handlers().include(signals.handlers())

    def _investigations(self) -> Handlers:
        from shared.bootstrap.chaos_activity import ChaosActivity
        from shared.investigations.collaboration import Collaboration
        from shared.investigations.resolution import Resolution
        from shared.investigations.service import InvestigationService

        a = self._a
        investigations = InvestigationService(
            directory=a.directory,
            sources=a.metrics,
            audit=self._trail,
            store=a.investigations,
            pages=self.pages(),
            logs=a.logs,
            summariser=a.summariser or self._routed(),
            files=a.files,
            notifier=a.notifier,
            activity=ChaosActivity(store=a.chaos.store) if a.chaos else None,
            quotas=self._quotas(),
        )
        collaboration, resolution = (
            kind(
                store=a.investigations,
                directory=a.directory,
                notifier=a.notifier,
                link=self.pages().link,
            )
            for kind in (Collaboration, Resolution)
        )
        return (
            investigations.handlers()
            .include(collaboration.handlers())
            .include(resolution.handlers())
        )

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
        return ScheduledWork(
            alerts=scheduler,
            canaries=self._canaries(),
            chaos=self._chaos(),
            directory=a.directory,
            audit=self._trail,
            summary=self._summary(),
        ).handlers()

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
    def _quotas(self) -> QuotaService:
        from shared.quotas.service import QuotaService

        return QuotaService(quotas=self._a.quotas, usage=self._a.usage)

    def _summary(self) -> MonthlySummary:
        from shared.quotas.usage_summary import MonthlySummary

        a = self._a
        return MonthlySummary(
            usage=a.usage,
            quotas=a.quotas,
            directory=a.directory,
            notifier=a.notifier,
            trail=self._trail,
            orgs=a.audit_log.orgs,
        )

    def _usage(self) -> Handlers:
        from shared.quotas.usage_report import UsageReport

        a = self._a
        return UsageReport(usage=a.usage, quotas=a.quotas, exports=a.exports).handlers()

    @functools.cache  # noqa: B019
    def _evaluator(self) -> AlertEvaluator:
        from shared.alerts.evaluator import AlertEvaluator

        return AlertEvaluator(
            directory=self._a.directory, sources=self._a.metrics, meter=self._quotas().meter
        )

    @functools.cache  # noqa: B019
    def _alerts(self) -> AlertService:
        from shared.adapters.alert_charts import render_evaluation_png
        from shared.alerts.service import AlertService

        a = self._a
        return AlertService(
            store=a.alerts,
            directory=a.directory,
            evaluator=self._evaluator(),
            notifier=a.notifier,
            chart=render_evaluation_png,
            quotas=self._quotas(),
            files=a.files,
        )

    @functools.cache  # noqa: B019
    def _canaries(self) -> CanaryService:
        from shared.adapters.canary_charts import render_comparison_png
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
            quotas=self._quotas(),
            org_seconds=self._settings.tick_org_seconds,
        )

    def _chaos_handlers(self) -> Handlers:
        from shared.chaos.absent import absent_chaos

        chaos = self._chaos()
        return chaos.handlers() if chaos is not None else absent_chaos()

    @functools.cache  # noqa: B019
    def _chaos(self) -> ChaosService | None:
        """The chaos feature, or None where the deployment has no fault injector."""
        from shared.adapters.chaos_charts import render_chaos_png
        from shared.bootstrap.outages import StoredOutages
        from shared.chaos.service import ChaosService

        a = self._a
        if a.chaos is None:
            return None
        return ChaosService(
            store=a.chaos.store,
            directory=a.directory,
            injector=a.chaos.injector,
            lever=a.chaos.lever,
            metrics=a.chaos.metrics,
            outages=StoredOutages(alerts=a.alerts, investigations=a.investigations, clock=a.clock),
            audit=self._trail,
            notifier=a.notifier,
            quotas=self._quotas(),
            draw=render_chaos_png,
            key=a.key,
            public_url=self._settings.public_url,
            org_seconds=self._settings.tick_org_seconds,
        )

    def chaos_pages(self) -> ChaosPages | None:
        """The experiments' shareable pages, where the deployment runs chaos."""
        chaos = self._chaos()
        return chaos.pages if chaos is not None else None


class ServiceUses:
    """What uses a service, from the features that do: its team's alert policies on it, its
    canaries and chaos experiments not yet over, and its game days."""

    def __init__(
        self, *, alerts: AlertStore, canaries: CanaryStore, chaos: ChaosStore | None = None
    ) -> None:
        self._alerts = alerts
        self._canaries = canaries
        self._chaos = chaos

    def uses(self, org: OrgId, team: str, service: str) -> list[ServiceUse]:
        """The team's policies on `service`, then its canaries, experiments and game days."""
        from shared.services.ports import ServiceUse

        policies = [p for p in self._alerts.list_for(org, team) if p.service == service]
        canaries = [
            c
            for c in self._canaries.list_for(org, team)
            if c.service == service and not c.state.over
        ]
        experiments = [
            x.id
            for x in (self._chaos.list_for(org, team) if self._chaos else ())
            if x.service == service and not x.over
        ]
        game_days = [
            g.id
            for g in (self._chaos.game_days(org, team) if self._chaos else ())
            if g.service == service
        ]
        return (
            [ServiceUse(kind="alert policy", name=p.name) for p in policies]
            + [ServiceUse(kind="canary", name=c.id) for c in canaries]
            + [ServiceUse(kind="chaos experiment", name=x) for x in experiments]
            + [ServiceUse(kind="game day", name=g) for g in game_days]
        )
