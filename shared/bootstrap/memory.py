"""The deployment for tests and benchmarks: every port in memory."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Unpack

from shared.audit.seal import SigningKey
from shared.bootstrap.adapters import AdapterChoices, Adapters, PromptAdapters
from shared.bootstrap.sample import (
    local_canaries,
    local_metrics,
    metrics_files,
    simulated_chaos,
    simulated_investigators,
)
from shared.bootstrap.wiring import Services, build, quiet
from shared.config import Settings
from shared.doctor.ports import Unchecked
from shared.ports import Clock


def memory_adapters(
    clock: Clock,
    key: SigningKey,
    /,
    *,
    metrics_dir: Path | None = None,
    **chosen: Unpack[AdapterChoices],
) -> Adapters:
    """Every port in memory at `clock`'s time, signing with `key`; metrics files only from
    `metrics_dir`; `chosen` replace any (each name and type checked by mypy)."""
    from shared.adapters.local.simulated_chaos import InMemoryChaosState
    from shared.adapters.memory import (
        InMemoryAlertStore,
        InMemoryAuditLog,
        InMemoryCanaryStore,
        InMemoryChaosStore,
        InMemoryDeliveryGuard,
        InMemoryDirectory,
        InMemoryExperimentStore,
        InMemoryExportStore,
        InMemoryFeedbackStore,
        InMemoryInvestigationStore,
        InMemoryNotifier,
        InMemoryTaskQueue,
        InMemoryVariantStore,
    )
    from shared.adapters.memory_owed import InMemoryOwedEntries
    from shared.adapters.memory_quotas import InMemoryQuotas
    from shared.adapters.memory_usage import InMemoryUsageLedger

    routers, version_metrics = local_canaries()
    files = metrics_files(metrics_dir) if metrics_dir is not None else None
    tasks = InMemoryTaskQueue()
    adapters = Adapters(
        directory=InMemoryDirectory(),
        audit_log=InMemoryAuditLog(),
        tasks=tasks,
        exports=InMemoryExportStore(),
        clock=clock,
        key=lambda: key,
        metrics=local_metrics(clock, files),
        files=files,
        investigations=InMemoryInvestigationStore(),
        notifier=InMemoryNotifier(),
        guard=InMemoryDeliveryGuard(),
        logs={},
        summariser=None,
        alerts=InMemoryAlertStore(),
        canaries=InMemoryCanaryStore(),
        routers=routers,
        version_metrics=version_metrics,
        investigators=simulated_investigators(),
        chaos=simulated_chaos(InMemoryChaosStore(), InMemoryChaosState(), clock),
        model=None,
        storage="memory (lost when the process ends)",
        quotas=InMemoryQuotas(),
        usage=InMemoryUsageLedger(),
        prompts=PromptAdapters(
            variants=InMemoryVariantStore(),
            feedback=InMemoryFeedbackStore(),
            experiments=InMemoryExperimentStore(),
        ),
        owed=InMemoryOwedEntries(),
        queue_gauge=tasks,
        worker_versions=Unchecked("no Lambda worker: deferred work runs in this process"),
    )
    return replace(adapters, **chosen)


def for_memory(settings: Settings | None = None, **chosen: Unpack[AdapterChoices]) -> Services:
    """Everything in memory (posts kept by an `InMemoryNotifier`, metrics from the sample and CSV
    files, the system's clock); `chosen` replace any adapter (`clock=`, `notifier=`, ...)."""
    from shared.adapters.memory import SystemClock

    settings = settings or Settings()
    key = SigningKey(secret=(settings.audit_key or "memory-audit-key").encode())
    clock = chosen.pop("clock", None) or SystemClock()
    adapters = memory_adapters(clock, key, metrics_dir=settings.metrics_folder, **chosen)
    return build(settings.model_copy(update={"backend": "local"}), adapters, progress=quiet)
