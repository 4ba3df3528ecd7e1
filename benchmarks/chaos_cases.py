"""The chaos benchmark's cases: the sample service, its steady state, the plans (default and
the one `sre chaos plan` suggests), each case's experiment record and simulation (see
`benchmarks.chaos`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
)
from shared.adapters.memory import FixedClock, InMemoryChaosStore, InMemoryDirectory
from shared.chaos.injecting import Injecting
from shared.chaos.models import Experiment, ExperimentState, Fault, SteadyState
from shared.chaos.planning import traffic_warning
from shared.chaos.steps import EXTENSIONS
from shared.judging.stats import detectable_samples, needed_samples
from shared.telemetry.models import ResourceKind, Service
from shared.telemetry.queries import queries_for

RATES = (1.0, 10.0, 100.0)
FAULTS = {"errors": "error", "latency": "delay:380ms"}
EXPECT = ("error_rate < 0.3%", "p99_latency < 570ms")
BOUNDS = (0.3, 570.0)
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
SAMPLE = Service(
    name="checkout-api",
    kind=ResourceKind.SAMPLE,
    resource="checkout",
    queries=queries_for(ResourceKind.SAMPLE, "checkout"),
    registered_by="bench",
    registered_at=START,
)
GATE = {"errors": detectable_samples(0.002), "latency": needed_samples()}
"""Faulted requests a run needs before a 2x fault can be shown (errors: 95% power)."""


@dataclass(frozen=True)
class Plan:
    """An experiment's steps: the percents and each step's minutes (`--percent`, `--duration`)."""

    percents: tuple[int, ...] = (1, 5, 25)
    minutes: int = 11

    @property
    def longest(self) -> int:
        """Minutes after which a run has ended whatever happens (every step extended 3 times)."""
        return len(self.percents) * self.minutes * (1 + EXTENSIONS) + 10

    @property
    def lasting(self) -> int:
        """Minutes an injection lasts unless removed, as the engine sizes it (`Injecting`)."""
        return self.minutes * (1 + EXTENSIONS) + 5

    @property
    def flags(self) -> str:
        """The plan as `sre chaos start` takes it."""
        return f"--percent {','.join(map(str, self.percents))} --duration {self.minutes}m"


DEFAULT = Plan()
"""What a user gets without `--percent` or `--duration`."""


@dataclass(frozen=True)
class Case:
    """One simulated experiment: its traffic, what its fault degrades, by how much."""

    rps: float
    metric: str  # "errors" or "latency"
    scale: float  # 2.0 breaks the steady state, 1.0 is harmless
    seed: int

    @property
    def start(self) -> datetime:
        """When it starts: every case at its own hours, so their minutes differ."""
        return START + timedelta(hours=6 * self.seed)

    @property
    def fault(self) -> Fault:
        """The fault injected (its strength is the simulation's `scale`)."""
        return Fault.parse(FAULTS[self.metric])


@dataclass(frozen=True)
class Run:
    """How one check ended: `deviated`, `held`, `inconclusive` or `refused` (the steady state
    did not hold before), the minute it ended, its faulted requests, and the minute the breach
    was first seen (ours: when the judgement first said deviated)."""

    outcome: str
    minutes: int
    requests: int = 0
    breach: int | None = None
    judgeable: bool | None = None
    """Ours: whether the plan's traffic check found every step judgeable at the service's rate
    (a run it warned about is counted not judgeable, whatever it ended); None for the toolkit."""
    plan: Plan = DEFAULT


def experiment(case: Case, plan: Plan = DEFAULT) -> Experiment:
    """The experiment record of `case` with `plan`'s steps, running at its first from its start."""
    return Experiment(
        percents=list(plan.percents),
        step_duration=timedelta(minutes=plan.minutes),
        id=f"chx-{case.seed:06x}",
        org="slack:T1",
        team="payments",
        service=SAMPLE.name,
        kind=ResourceKind.SAMPLE,
        fault=case.fault,
        expectations=list(EXPECT),
        state=ExperimentState.RUNNING,
        step_started_at=case.start,
        started_by="bench",
        started_at=case.start,
    )


def simulation(case: Case) -> tuple[SimulatedFaultInjector, SimulatedFaultMetrics, FixedClock]:
    """The sample's simulation for `case`: its injector, its metrics and their clock."""
    state, clock = InMemoryChaosState(), FixedClock(case.start)
    injector = SimulatedFaultInjector(state=state, clock=clock)
    return injector, SimulatedFaultMetrics(state=state, rps=case.rps, scale=case.scale), clock


def checked_before(case: Case, record: Experiment) -> SteadyState:
    """The product's check of the last unfaulted minutes before `case` starts (`sre chaos
    start`'s), on a fresh simulation of it."""
    injector, metrics, _ = simulation(case)
    injecting = Injecting(
        store=InMemoryChaosStore(),
        directory=InMemoryDirectory(),
        injector=injector,
        metrics=metrics,
    )
    return injecting.before(record, SAMPLE, case.start)


SUGGESTED = re.compile(r"use --percent (?P<percents>[\d,]+)|--duration (?P<minutes>\d+)m")
TOGETHER_FIX = re.compile(
    r"use --percent (?P<percents>[\d,]+) --duration (?P<minutes>\d+)m \(the shortest steps\)"
)
"""How the warning says a fix of both options at once (a quiet service's): its shortest steps."""


def suggested(case: Case) -> Plan | None:
    """The plan the product suggests before `case` starts: the default, or, while the plan's
    traffic warning flags a step, the first fix it offers (`--percent ...`, else `--duration
    ...`), as a user would type it, or its shortest steps where only both options together do;
    None when it offers none (too quiet to be judged)."""
    plan = DEFAULT
    before = checked_before(case, experiment(case, plan))
    for _ in range(len(plan.percents) + 1):
        warning = traffic_warning(experiment(case, plan), before)
        if not warning:
            return plan
        together = TOGETHER_FIX.search(warning)
        if together is not None:
            minutes = int(together["minutes"])
            percents = tuple(int(p) for p in together["percents"].split(","))
            return Plan(percents, minutes)
        fix = SUGGESTED.search(warning)
        if fix is None:
            return None
        if fix["percents"]:
            plan = replace(plan, percents=tuple(int(p) for p in fix["percents"].split(",")))
        else:
            plan = replace(plan, minutes=int(fix["minutes"]))
    return None


def cases(count: int = 1000) -> list[Case]:
    """Half breaking (2x errors or latency), half harmless, cycled over the rates."""
    cells = [(rps, metric) for rps in RATES for metric in FAULTS]
    half = count // 2
    bad = [Case(*cells[i % len(cells)], scale=2.0, seed=i) for i in range(half)]
    good = [Case(*cells[i % len(cells)], scale=1.0, seed=10_000 + i) for i in range(half)]
    return bad + good


def gated(case: Case, run: Run) -> bool:
    """Whether a run saw enough faulted requests to show a 2x fault (or showed it)."""
    return run.outcome == "deviated" or run.requests >= GATE[case.metric]
