"""What a canary's chart shows: which release against which, where the canary stands, and each
metric's two series per minute since the start, with its unit."""

from __future__ import annotations

from collections.abc import Mapping

from shared.canary.models import Canary
from shared.canary.steps import UNITS, said, specs
from shared.judging.judge import MetricData
from shared.records import Frozen


class ChartPanel(Frozen):
    """One metric: the stable and the canary release, one value a minute."""

    metric: str
    unit: str
    stable: list[float]
    canary: list[float]


class ComparisonChart(Frozen):
    """A canary's chart: a title naming both releases, the verdict so far, one panel a metric;
    the time axis is minutes since the canary started."""

    title: str
    verdict: str
    stable: str
    canary: str
    panels: list[ChartPanel]


def comparison(canary: Canary, data: Mapping[str, MetricData]) -> ComparisonChart:
    """The chart of `canary` with the metrics read so far (error counts scaled to the stable
    release's traffic; a single count, the replay set's misses, is in the reasons instead)."""
    last = canary.history[-1] if canary.history else None
    verdict = canary.standing + (f" · last step: {last.what}" if last else "")
    return ComparisonChart(
        title=f"{canary.service}: canary {canary.release} vs stable {canary.stable}",
        verdict=verdict,
        stable=canary.stable,
        canary=canary.release,
        panels=_panels(data, {spec.name for spec in specs(canary) if spec.counts}),
    )


def _panels(data: Mapping[str, MetricData], counts: set[str]) -> list[ChartPanel]:
    """A panel a metric read; the canary's `counts` (errors) scaled to the stable release's
    traffic, its other metrics (a percentile of latency) as they are."""
    panels = []
    for name, found in data.items():
        if not found.control and not found.experiment:
            continue
        scale = (
            found.control_total / found.experiment_total
            if name in counts and found.control_total and found.experiment_total
            else 1.0
        )
        unit = UNITS.get(name, "")
        if round(scale) != 1:
            unit = f"{unit}, canary ×{scale:.0f} to stable's traffic".lstrip(", ")
        panels.append(
            ChartPanel(
                metric=said(name),
                unit=unit,
                stable=list(found.control),
                canary=[v * scale for v in found.experiment],
            )
        )
    return panels
