"""The chaos engine itself on the memory deployment, for the chaos benchmark: `sre chaos start`
by an operator through the bus, then the scheduler's tick (`sre scheduler run-once`) every
minute until the experiment has ended, on the sample's simulation at the case's traffic and
fault strength."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from benchmarks.chaos_cases import BOUNDS, EXPECT, RATES, Case, Plan, Run
from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
    expected,
)
from shared.adapters.memory import FixedClock, InMemoryChaosStore, InMemoryTaskQueue
from shared.audit.seal import SigningKey
from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.memory import memory_adapters
from shared.bootstrap.wiring import build
from shared.chaos.models import ExperimentState
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply, Tone
from shared.scheduling.triggers import run_tick

ORG = OrgId("slack:T1")


@dataclass(frozen=True)
class EngineRun:
    """How the engine ended one case: the minute its fault first truly broke the steady state
    (the simulation's means, not a judgement), the minute the judgement said deviated, and the
    minute its last fault was removed."""

    outcome: str
    removed: int | None = None
    breach: int | None = None
    deviated: int | None = None


class Engine:
    """One memory deployment at one traffic level and fault strength, running cases in turn."""

    def __init__(self, rps: float, scale: float, start: Case) -> None:
        self._clock = FixedClock(start.start - timedelta(hours=1))
        self._scale = scale
        self._state = InMemoryChaosState()
        self._store = InMemoryChaosStore()
        chaos = ChaosAdapters(
            store=self._store,
            injector=SimulatedFaultInjector(state=self._state, clock=self._clock),
            lever=SimulatedSafetyLever(state=self._state),
            metrics=SimulatedFaultMetrics(state=self._state, rps=rps, scale=scale),
        )
        adapters = memory_adapters(self._clock, SigningKey(secret=b"bench"), chaos=chaos)
        self.services = build(Settings(org_admins=("slack:T1:root",)), adapters)
        for text, user in (
            ("team create payments", "root"),
            ("team member add oli --role operator --team payments", "root"),
            ("team bind C-pay --team payments", "root"),
            ("service register checkout-api --sample checkout --team payments", "oli"),
        ):
            assert not self._run(text, user=user).failed, text

    def _run(self, text: str, *, user: str = "root") -> Reply:
        """One command through the bus, and its deferred task as the worker runs it."""
        invocation = Invocation(
            actor=Actor(platform=Platform.SLACK, org=ORG, user=UserId(user)),
            channel="C-pay",
            text=text,
            correlation_id=f"bench-{self._clock.current.isoformat()}-{hash(text)}",
            received_at=self._clock.current,
            reply_to=ReplyTarget(platform=Platform.SLACK, channel="C-pay"),
        )
        reply = self.services.bus.handle(invocation)
        tasks = self.services.tasks
        assert isinstance(tasks, InMemoryTaskQueue)
        for task in tasks.drain():
            reply = self.services.run_task(task)
        return reply

    def run(self, case: Case, plan: Plan) -> EngineRun:
        """Start `case`'s experiment with `plan`'s steps at its start, then tick every minute
        until it has ended."""
        self._clock.current = case.start
        expect = " ".join(f'--expect "{text}"' for text in EXPECT)
        started = self._run(
            f"chaos start checkout-api --fault {case.fault.written} {plan.flags} {expect}",
            user="oli",
        )
        if started.tone is not Tone.OK:
            assert "does not hold before" in started.text, started
            return EngineRun("refused")
        experiment_id = started.title.split()[1]
        for elapsed in range(1, plan.longest + 1):
            self._clock.current = case.start + timedelta(minutes=elapsed)
            now = self._clock.current
            run_tick(self.services.bus, trigger=f"bench-{case.seed}-{elapsed}", now=now)
            found = self._store.get(ORG, experiment_id)
            assert found is not None
            if found.state is ExperimentState.ENDED:
                outcome = found.outcome.value if found.outcome else ""
                said = [s.at for s in found.history if s.what == "deviated"]
                return EngineRun(
                    outcome,
                    self._removed(case, experiment_id),
                    self._breach(case, experiment_id),
                    _minute(case, said[0]) if said else None,
                )
        raise AssertionError(f"{experiment_id} did not end in {plan.longest} minutes")

    def _breach(self, case: Case, experiment_id: str) -> int | None:
        """The first minute one of the experiment's injections truly broke a bound: active,
        and its fault's expected error rate or p99 past it (None: never, a harmless run)."""
        made = self._state.injections("checkout")
        mine = sorted(
            (i for i in made if i.handle.startswith(f"{experiment_id}-")), key=lambda i: i.at
        )
        for injection in mine:
            errors, p99 = expected(injection.fault, scale=self._scale)
            if errors >= BOUNDS[0] or p99 >= BOUNDS[1]:
                return _minute(case, injection.at)
        return None

    def _removed(self, case: Case, experiment_id: str) -> int | None:
        """The minute (from its start) the simulation's last injection of the experiment was
        removed."""
        made = self._state.injections("checkout")
        mine = [i for i in made if i.handle.startswith(f"{experiment_id}-")]
        ends = [i.removed_at for i in mine if i.removed_at]
        return _minute(case, max(ends)) if ends else None


def _minute(case: Case, at: datetime) -> int:
    """Whole minutes from `case`'s start to `at`."""
    return int((at - case.start) / timedelta(minutes=1))


def subset(runs: list[tuple[Case, Run]], per_cell: int, breaking: int) -> list[tuple[Case, Run]]:
    """`per_cell` harmless cases of each traffic level and fault, and every breaking one (or,
    with `breaking` below their number, a uniformly random sample of that many, seeded)."""
    harmless: list[tuple[Case, Run]] = []
    for rps in RATES:
        for metric in ("errors", "latency"):
            cell = [(c, r) for c, r in runs if (c.rps, c.metric, c.scale) == (rps, metric, 1.0)]
            harmless += cell[:per_cell]
    broken = [(c, r) for c, r in runs if c.scale != 1.0]
    if breaking < len(broken):
        broken = random.Random(15).sample(broken, breaking)  # noqa: S311 (a sample, not a secret)
    return sorted(harmless + broken, key=lambda pair: pair[0].start)  # each clock moves on


@dataclass(frozen=True)
class EngineFigures:
    """What the engine did: how many runs ended as the judgement did, of how many breaking ones
    it ran, and per traffic level, on its deviated runs, the ticks from the true breach to the
    judgement's deviated (statistical) and from that to the fault's removal (the guard)."""

    runs: int
    agree: int
    breaking: int
    judged: dict[float, list[int]]
    guard: dict[float, list[int]]


def halts(runs: list[tuple[Case, Run]], *, per_cell: int, breaking: int) -> EngineFigures:
    """Run the harmless subset and the breaking runs (all, or `breaking` of them) through the
    engine with each run's plan, each deployment's cases in time order."""
    chosen = subset(runs, per_cell, breaking)
    engines: dict[tuple[float, float], Engine] = {}
    agree = 0
    judged: dict[float, list[int]] = {rps: [] for rps in RATES}
    guard: dict[float, list[int]] = {rps: [] for rps in RATES}
    for case, expected_run in chosen:
        key = (case.rps, case.scale)
        engine = engines.setdefault(key, Engine(case.rps, case.scale, case))
        ran = engine.run(case, expected_run.plan)
        agree += ran.outcome == expected_run.outcome
        if ran.breach is not None and ran.deviated is not None and ran.removed is not None:
            judged[case.rps].append(ran.deviated - ran.breach)
            guard[case.rps].append(ran.removed - ran.deviated)
    count = sum(c.scale != 1.0 for c, _ in chosen)
    return EngineFigures(len(chosen), agree, count, judged, guard)
