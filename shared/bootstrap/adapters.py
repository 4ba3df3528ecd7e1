"""One adapter per port, every one named by the deployment (no defaults: a forgotten adapter
fails at start-up), and the typed choice of some of them that tests and the terminal make."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from shared.telemetry.models import ResourceKind

if TYPE_CHECKING:
    from shared.alerts.ports import AlertStore
    from shared.audit.owed import OwedEntries
    from shared.audit.ports import AuditDirectory, AuditLog
    from shared.audit.seal import SigningKey
    from shared.canary.ports import (
        CanaryStore,
        InvestigatorVersions,
        TrafficRouter,
        VersionMetrics,
    )
    from shared.chaos.ports import ChaosStore, FaultInjector, FaultMetrics, SafetyLever
    from shared.doctor.ports import QueueGauge, Unchecked, WorkerVersions
    from shared.investigations.ports import InvestigationStore, Summariser
    from shared.ports import Clock, DeliveryGuard, ExportStore, Notifier, TaskQueue
    from shared.prompts.language import LanguageModel
    from shared.prompts.ports import ExperimentStore, FeedbackStore, VariantStore
    from shared.quotas.ports import Quotas, UsageLedger
    from shared.telemetry.metrics_files import MetricsFiles
    from shared.telemetry.ports import LogSource, MetricsSource


@dataclass(frozen=True)
class ChaosAdapters:
    """What chaos experiments need: their store, the fault injector, the org's safety lever and
    each share's metrics (AWS FIS on AWS; the sample's simulation on the embedded default)."""

    store: ChaosStore
    injector: FaultInjector
    lever: SafetyLever
    metrics: FaultMetrics


@dataclass(frozen=True)
class PromptAdapters:
    """What prompt variants need: their store and the feedback on narratives (the language
    model is `Adapters.model`)."""

    variants: VariantStore
    feedback: FeedbackStore
    experiments: ExperimentStore


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
    chaos: ChaosAdapters | None
    """Chaos experiments' ports (None: every `sre chaos` command says chaos is not configured)."""
    model: LanguageModel | None
    """The investigator's language model (AUTOSRE_MODEL; None: the rule-based narrative only)."""
    storage: str
    """How the audit storage protects entries, as `sre audit verify` reports it."""
    quotas: Quotas
    """Each team's quota counters and the org's limits (conditional atomic counters)."""
    usage: UsageLedger
    """Each team's monthly usage, counted where the quotas count (`sre usage`)."""
    prompts: PromptAdapters
    owed: OwedEntries
    """Where the audit entries of halts made while the trail was down wait for it (state)."""
    queue_gauge: QueueGauge | Unchecked
    """Reads the deployment's task queue for `sre doctor` (or says why it cannot)."""
    worker_versions: WorkerVersions | Unchecked
    """Reads the worker's live version against the last deploy for `sre doctor` (AWS)."""


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
    chaos: ChaosAdapters | None
    model: LanguageModel | None
    storage: str
    quotas: Quotas
    usage: UsageLedger
    prompts: PromptAdapters
    owed: OwedEntries
    queue_gauge: QueueGauge | Unchecked
    worker_versions: WorkerVersions | Unchecked
