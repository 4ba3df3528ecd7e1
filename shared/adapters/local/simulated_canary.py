"""Two releases of the bundled sample, simulated minute by minute, so a canary runs locally.

The target takes 100 requests a second. A healthy release errs on 1% of requests with a p99 near
380 ms; release 42 (the sample's bad deploy) errs on 3.5% with a p99 four times higher. Every
minute is a pure function of the target, release and minute: a re-run sees the same numbers."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.canary.models import Canary
from shared.canary.replay import Scenario, ScenarioFindings, investigate
from shared.judging.judge import MetricData
from shared.telemetry.models import Signal

RPS = 100.0
BAD_RELEASES = frozenset({"42"})


def _minute(target: str, release: str, at: datetime, share: float) -> tuple[int, int, float]:
    rng = random.Random(f"{target}:{release}:{int(at.timestamp()) // 60}")  # noqa: S311
    bad = release in BAD_RELEASES
    requests = max(0, round(rng.gauss(RPS * 60 * share, math.sqrt(RPS * 60 * share))))
    rate = 0.035 if bad else 0.01
    errors = max(0, round(rng.gauss(requests * rate, math.sqrt(requests * rate * (1 - rate)))))
    p99 = (1560.0 if bad else 380.0) * math.exp(rng.gauss(0, 0.05 + 0.3 / math.sqrt(requests or 1)))
    return requests, errors, p99


class SimulatedVersionMetrics:
    """The VersionMetrics port over the simulation (`sre canary start` on the sample service)."""

    def compare(self, canary: Canary, *, start: datetime, end: datetime) -> dict[str, MetricData]:
        """Each minute of the window at the weight the canary had then (its history)."""
        minutes = int((end - start).total_seconds() // 60)
        stable: list[tuple[int, int, float]] = []
        fresh: list[tuple[int, int, float]] = []
        for i in range(minutes):
            at = start + timedelta(minutes=i)
            weight = _weight_at(canary, at)
            stable.append(_minute(canary.target, canary.stable, at, 1 - weight))
            fresh.append(_minute(canary.target, canary.release, at, weight))
        data = {
            "errors": MetricData(
                control=[float(m[1]) for m in stable],
                experiment=[float(m[1]) for m in fresh],
                control_total=sum(m[0] for m in stable),
                experiment_total=sum(m[0] for m in fresh),
            ),
            "p99_latency": MetricData(
                control=[m[2] for m in stable if m[0]], experiment=[m[2] for m in fresh if m[0]]
            ),
        }
        return {name: data[name] for name in canary.metrics if name in data}


def _weight_at(canary: Canary, at: datetime) -> float:
    """The canary's weight at `at`, from its history of steps."""
    weight = canary.steps[0]
    for record in canary.history:
        if record.at <= at and record.what in {"advanced", "started"}:
            weight = record.weight
    return weight


class SimulatedInvestigatorVersions:
    """Versions of the investigator for the local simulation: this code's investigator, except
    release 42, which does not read saturation (and so misses what saturation starts)."""

    def findings(
        self,
        target: str,  # noqa: ARG002 (one simulated investigator, whatever the target)
        version: str,
        cases: Sequence[Scenario],
    ) -> ScenarioFindings:
        """What that version finds in each scenario (the target does not matter here)."""
        ignore = frozenset({Signal.SATURATION}) if version in BAD_RELEASES else frozenset()
        return [investigate(case, ignore=ignore) for case in cases]
