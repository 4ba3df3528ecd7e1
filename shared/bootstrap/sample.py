"""What runs without a cloud account: the bundled sample's metrics (and CSV files), its two
simulated releases for canaries, and the simulated investigator versions for `--replay`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shared.ports import Clock
from shared.telemetry.models import ResourceKind
from shared.telemetry.ports import MetricsSource

if TYPE_CHECKING:  # the canary's code loads when a canary command first runs
    from shared.canary.ports import InvestigatorVersions, TrafficRouter, VersionMetrics


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


def simulated_investigators() -> InvestigatorVersions:
    """The local simulation of the investigator's versions, for `sre canary start --replay`."""
    from shared.adapters.local.simulated_canary import SimulatedInvestigatorVersions

    return SimulatedInvestigatorVersions()
