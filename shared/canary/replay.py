"""Judging the investigator itself: a replay set of telemetry scenarios with a known cause, run
against the stable and the canary version; a scenario passes when the findings name its cause
(the signal that moved first), or name nothing when nothing happened.

The scenarios are generated, the same every time: six hours at one minute of the five golden
signals, with noise and a daily swing; at 01:00 before the end the cause moves and, two minutes
later, what it drags along."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from shared.judging.judge import MetricData
from shared.records import Frozen
from shared.telemetry.analysis import findings, first_to_move
from shared.telemetry.models import Finding, ResourceKind, Signal
from shared.telemetry.ports import Points
from shared.telemetry.queries import units_for

REPLAY_METRIC = "investigation_quality"
END = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=2)
_BASE = {
    Signal.P50_LATENCY: 120.0,
    Signal.P99_LATENCY: 380.0,
    Signal.ERROR_RATE: 0.3,
    Signal.TRAFFIC: 1200.0,
    Signal.SATURATION: 35.0,
}
_EFFECT = {
    Signal.P50_LATENCY: 1.6,
    Signal.P99_LATENCY: 4.0,
    Signal.ERROR_RATE: 12.0,
    Signal.TRAFFIC: 0.3,
    Signal.SATURATION: 2.7,
}
_DRAGGED = {
    Signal.SATURATION: (Signal.P99_LATENCY, Signal.ERROR_RATE),
    Signal.P99_LATENCY: (Signal.ERROR_RATE,),
    Signal.ERROR_RATE: (),
    Signal.TRAFFIC: (),
    Signal.P50_LATENCY: (Signal.P99_LATENCY,),
}
CAUSES: tuple[Signal | None, ...] = (
    Signal.SATURATION,
    Signal.P99_LATENCY,
    Signal.ERROR_RATE,
    Signal.TRAFFIC,
    None,
)


@dataclass(frozen=True)
class Scenario:
    """Recorded-like telemetry whose cause is known."""

    name: str
    cause: Signal | None
    series: dict[Signal, Points]
    window_start: datetime


def _scenario(cause: Signal | None, seed: int) -> Scenario:
    rng = random.Random(f"replay:{seed}")  # noqa: S311 (a simulation)
    start = END - timedelta(hours=6)
    incident = END - timedelta(hours=1)
    moved = {cause: incident} if cause else {}
    for dragged in _DRAGGED.get(cause, ()) if cause else ():
        moved[dragged] = incident + timedelta(minutes=2)
    series: dict[Signal, Points] = {}
    for signal, base in _BASE.items():
        points: Points = []
        for minute in range(6 * 60 + 1):
            at = start + timedelta(minutes=minute)
            swing = 1 + 0.1 * math.sin(2 * math.pi * (at.hour * 60 + at.minute) / 1440)
            value = base * swing * (1 + rng.gauss(0, 0.04))
            if signal in moved and at >= moved[signal]:
                value *= _EFFECT[signal]
            points.append((at, value))
        series[signal] = points
    label = cause.value if cause else "quiet"
    return Scenario(f"{label}-{seed}", cause, series, END - WINDOW)


def scenarios(per_cause: int = 8) -> list[Scenario]:
    """The replay set: `per_cause` scenarios for each cause, and as many quiet ones."""
    return [_scenario(cause, seed) for cause in CAUSES for seed in range(per_cause)]


def investigate(scenario: Scenario, *, ignore: frozenset[Signal] = frozenset()) -> list[Finding]:
    """This code's investigator on a scenario (`ignore`: signals it does not read): the same
    `findings` an investigation reports for the same series."""
    series = {s: p for s, p in scenario.series.items() if s not in ignore and p}
    if not series:
        return []
    end = max(points[-1][0] for points in series.values())
    # a scenario is the sample service's series: said in its units
    units = units_for(ResourceKind.SAMPLE)
    return findings(series, start=scenario.window_start, end=end, units=units).ranked


def names_the_cause(findings: list[Finding], scenario: Scenario) -> bool:
    """Whether the findings name the scenario's cause first (or nothing, for a quiet one)."""
    if scenario.cause is None:
        return not findings
    first = first_to_move(findings)
    return first is not None and first.signal is scenario.cause


ScenarioFindings = list[list[Finding]]
"""One version's findings on each scenario of the replay set, in order."""


class VersionFailedError(Exception):
    """The version's own code failed on the replay set (it named no cause at all)."""


def replay(
    stable: ScenarioFindings, canary: ScenarioFindings | None, cases: Sequence[Scenario]
) -> MetricData:
    """Each version's misses on the replay set, as counts the judge's count test compares
    (`canary` None: it failed, so it missed every scenario, quiet ones included)."""
    missed_stable = sum(not names_the_cause(f, s) for f, s in zip(stable, cases, strict=True))
    missed_canary = (
        sum(not names_the_cause(f, s) for f, s in zip(canary, cases, strict=True))
        if canary is not None
        else len(cases)
    )
    return MetricData(
        control=[float(missed_stable)],
        experiment=[float(missed_canary)],
        control_total=len(cases),
        experiment_total=len(cases),
    )


# -- the replay set on the wire: a deployed version of the investigator is sent the scenarios
# (never their causes) and answers its findings -------------------------------------------------


class ReplayCase(Frozen):
    """A scenario as sent to a version, nameless (its name tells its cause): per signal, one
    value a minute from `start`."""

    start: datetime
    window_start: datetime
    values: dict[Signal, list[float]]

    @classmethod
    def of(cls, scenario: Scenario) -> ReplayCase:
        """The scenario without its cause (minutes are regular: only the first is sent)."""
        first = next(iter(scenario.series.values()))[0][0]
        return cls(
            start=first,
            window_start=scenario.window_start,
            values={
                signal: [round(v, 4) for _, v in points]
                for signal, points in scenario.series.items()
            },
        )

    def scenario(self) -> Scenario:
        """The scenario to investigate (its cause unknown to the version)."""
        series: dict[Signal, Points] = {
            signal: [(self.start + timedelta(minutes=i), v) for i, v in enumerate(values)]
            for signal, values in self.values.items()
        }
        return Scenario("replayed", None, series, self.window_start)


class ReplayRequest(Frozen):
    """What a canary's judge sends a deployed version of the investigator (its event)."""

    autosre: Literal["replay"] = "replay"
    cases: list[ReplayCase]


class ReplayResponse(Frozen):
    """The version's findings on each case, in order."""

    findings: list[list[Finding]]


def investigate_cases(request: ReplayRequest) -> ReplayResponse:
    """This code's investigator on each case of the request."""
    return ReplayResponse(findings=[investigate(case.scenario()) for case in request.cases])
