"""The chaos engine itself on the memory deployment, for the chaos benchmark: `sre chaos start`
by an operator through the bus, then the scheduler's tick (`sre scheduler run-once`) every
minute until the experiment has ended, on the sample's simulation at the case's traffic and
fault strength."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from benchmarks.chaos import EXPECT, RATES, Case, Plan, Run
from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
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
    """How the engine ended one case, and the minute its last fault was removed."""

    outcome: str
    removed: int | None = None


class Engine:
    """One memory deployment at one traffic level and fault strength, running cases in turn."""

    def __init__(self, rps: float, scale: float, start: Case) -> None:
        self._clock = FixedClock(start.start - timedelta(hours=1))
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
                return EngineRun(outcome, self._removed(case, experiment_id))
        raise AssertionError(f"{experiment_id} did not end in {plan.longest} minutes")

    def _removed(self, case: Case, experiment_id: str) -> int | None:
        """The minute (from its start) the simulation's last injection of the experiment was
        removed."""
        made = self._state.injections("checkout")
        mine = [i for i in made if i.handle.startswith(f"{experiment_id}-")]
        ends = [i.removed_at for i in mine if i.removed_at]
        return int((max(ends) - case.start) / timedelta(minutes=1)) if ends else None


def subset(runs: list[tuple[Case, Run]], per_cell: int) -> list[tuple[Case, Run]]:
    """`per_cell` cases of each traffic level, fault and strength, and five times as many of
    the breaking ones at the top rate (where the judgement halts)."""
    chosen: list[tuple[Case, Run]] = []
    for rps in RATES:
        for metric in ("errors", "latency"):
            for scale in (2.0, 1.0):
                many = per_cell * (5 if rps == RATES[-1] and scale != 1.0 else 1)
                cell = [
                    (c, r) for c, r in runs if (c.rps, c.metric, c.scale) == (rps, metric, scale)
                ]
                chosen += cell[:many]
    return sorted(chosen, key=lambda pair: pair[0].start)  # each deployment's clock moves on


@dataclass(frozen=True)
class EngineFigures:
    """What the engine did on the subset: how many ended as the judgement did, and per traffic
    level the ticks from the first minute the judgement saw a breach to the fault's removal."""

    runs: int
    agree: int
    ticks: dict[float, list[int]]


def halts(runs: list[tuple[Case, Run]], *, per_cell: int) -> EngineFigures:
    """Run a subset through the engine with each run's plan, each deployment's cases in time
    order."""
    chosen = subset(runs, per_cell)
    engines: dict[tuple[float, float], Engine] = {}
    agree, ticks = 0, {rps: list[int]() for rps in RATES}
    for case, judged in chosen:
        key = (case.rps, case.scale)
        engine = engines.setdefault(key, Engine(case.rps, case.scale, case))
        ran = engine.run(case, judged.plan)
        agree += ran.outcome == judged.outcome
        if judged.breach is not None and ran.removed is not None:
            ticks[case.rps].append(ran.removed - judged.breach)
    return EngineFigures(len(chosen), agree, ticks)
