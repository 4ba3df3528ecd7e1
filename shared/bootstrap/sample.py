"""What runs without a cloud account: the bundled sample's metrics (and CSV files), its two
simulated releases for canaries, and the simulated investigator versions for `--replay`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shared.ports import Clock
from shared.telemetry.models import ResourceKind
from shared.telemetry.ports import MetricsSource

if TYPE_CHECKING:  # the canary's code loads when a canary command first runs
    from shared.adapters.local.csv_metrics import CsvMetricsSource
    from shared.adapters.local.simulated_chaos import ChaosState
    from shared.bootstrap.adapters import ChaosAdapters
    from shared.canary.ports import InvestigatorVersions, TrafficRouter, VersionMetrics
    from shared.chaos.ports import ChaosStore

SAMPLE_STABLE = "41"
"""The simulated sample's stable version before any canary promoted another."""


def metrics_files(folder: Path) -> CsvMetricsSource:
    """The CSV metrics files of `folder`: read as a metrics source, admitted as `MetricsFiles`."""
    from shared.adapters.local.csv_metrics import CsvMetricsSource

    return CsvMetricsSource(folder)


def local_metrics(
    clock: Clock, files: MetricsSource | None = None
) -> dict[ResourceKind, MetricsSource]:
    """The bundled sample scenario, and the metrics files `files` reads (none without it)."""
    from shared.adapters.local.sample_metrics import SampleMetricsSource

    sample: dict[ResourceKind, MetricsSource] = {
        ResourceKind.SAMPLE: SampleMetricsSource(clock=clock)
    }
    if files is None:
        return sample
    return {**sample, ResourceKind.METRICS_FILE: files}


def local_canaries(
    router: TrafficRouter | None = None,
) -> tuple[dict[ResourceKind, TrafficRouter], dict[ResourceKind, VersionMetrics]]:
    """The simulated two releases of the bundled sample: canaries without a cloud account (their
    alias weights in `router`, in memory without it)."""
    from shared.adapters.local.simulated_canary import SimulatedVersionMetrics
    from shared.adapters.memory import InMemoryTrafficRouter

    return (
        {ResourceKind.SAMPLE: router or InMemoryTrafficRouter(first=SAMPLE_STABLE)},
        {ResourceKind.SAMPLE: SimulatedVersionMetrics()},
    )


def simulated_investigators() -> InvestigatorVersions:
    """The local simulation of the investigator's versions, for `sre canary start --replay`."""
    from shared.adapters.local.simulated_canary import SimulatedInvestigatorVersions

    return SimulatedInvestigatorVersions()


def simulated_chaos(store: ChaosStore, state: ChaosState, clock: Clock) -> ChaosAdapters:
    """Chaos on the bundled sample's simulation: its injections and levers kept in `state`."""
    from shared.adapters.local.simulated_chaos import (
        SimulatedFaultInjector,
        SimulatedFaultMetrics,
        SimulatedSafetyLever,
    )
    from shared.bootstrap.adapters import ChaosAdapters

    return ChaosAdapters(
        store=store,
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=SimulatedSafetyLever(state=state),
        metrics=SimulatedFaultMetrics(state=state),
    )
