"""The deployment for tests and benchmarks: every port in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.audit.seal import SigningKey
from shared.bootstrap.sample import local_canaries, local_metrics, simulated_investigators
from shared.bootstrap.wiring import Adapters, Services, build
from shared.config import Settings
from shared.ports import Clock


def memory_adapters(
    clock: Clock, key: SigningKey, *, metrics_dir: Path | None = None, **overrides: Any
) -> Adapters:
    """Every port in memory at `clock`'s time, signing with `key`; metrics files only from
    `metrics_dir`; `overrides` replace any."""
    from shared.adapters.memory import (
        InMemoryAlertStore,
        InMemoryAuditLog,
        InMemoryCanaryStore,
        InMemoryDeliveryGuard,
        InMemoryDirectory,
        InMemoryExportStore,
        InMemoryInvestigationStore,
        InMemoryNotifier,
        InMemoryTaskQueue,
    )

    routers, version_metrics = local_canaries()
    named: dict[str, Any] = {
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
        "logs": {},
        "summariser": None,
        "alerts": InMemoryAlertStore(),
        "canaries": InMemoryCanaryStore(),
        "routers": routers,
        "version_metrics": version_metrics,
        "investigators": simulated_investigators(),
        "storage": "memory (lost when the process ends)",
    }
    return Adapters(**{**named, **overrides})


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
