"""Chaos experiments' steady-state judgement on the sample's simulation, against a Chaos
Toolkit-style point-tolerance check, with known truth.

1,000 experiments on the bundled sample (`shared/adapters/local/simulated_chaos.py`) with the
default steps (1 -> 5 -> 25% for 11 minutes each, FIS's 60 s ramp-up not judged): 500 whose
fault breaks the steady state (the faulted share's errors or latency at 2x the healthy 0.2% and
380 ms p99), 500 harmless (the same faults at 1x: nothing changes), at 1, 10 and 100 requests
a second. Steady state: `error_rate < 0.3%` and `p99_latency < 570ms` (1.5x the healthy ones).

Ours: the product's judgement (`shared.chaos.hypothesis.assess`, against the same minutes'
unfaulted share and the 10 minutes before the start) on every minute's guard and at each
step's end, stepped by the engine's own rules (`shared.chaos.steps`), for all 1,000; the
engine itself (`sre chaos start`, then the scheduler's tick every minute on the memory
deployment) for a subset, timed from the first minute the judgement saw a breach to the minute
the fault was removed. Chaos Toolkit-style: the same tolerance checked on one sample a minute
(the safeguards control's probe, `frequency: 60`), of the faulted share only (Chaos Toolkit
cannot separate it: its best case); a minute with no faulted request has no sample; one
sample out of tolerance interrupts the run; one probe of the last unfaulted minute before the
method, which bails out if it is out of tolerance.

Then the same cases on the plan the product suggests before each starts (`sre chaos plan`'s
traffic warning, its first fix: a larger first percent, else longer steps, as a user would type
it; where only both together would do, its shortest steps), where it suggests one: the default
plan cannot be judged at any of the three rates, so its table measures detection only on the
runs that deviated. The plan counts the faulted requests a held needs at each step's last look:
at 10 req/s it suggests 50% for about 95 minutes a step, at 1 req/s it says the service is too
quiet (not run). Minutes that cannot end a run (not a step's end, the faulted share within every
bound, so never deviated) count their look without the full judgement: the same runs as judging
every minute (tested), at a fraction of the CPU."""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    minute,
)
from shared.adapters.memory import FixedClock, InMemoryChaosStore, InMemoryDirectory
from shared.chaos.hypothesis import HypothesisVerdict, assess, expectation, faulted_value
from shared.chaos.injecting import BEFORE, Injecting
from shared.chaos.models import Experiment, ExperimentState, Fault, SteadyState
from shared.chaos.planning import traffic_warning
from shared.chaos.steps import (
    EXTENSIONS,
    RAMP_UP,
    after_judgement,
    checked,
    injection_for,
    looks,
    step_due,
)
from shared.judging.condition import Condition
from shared.judging.judge import MetricData
from shared.judging.stats import detectable_samples, needed_samples
from shared.telemetry.models import ResourceKind, Service
from shared.telemetry.queries import queries_for

if TYPE_CHECKING:
    from benchmarks.chaos_engine import EngineFigures

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


def _past_a_bound(conditions: list[Condition], data: dict[str, MetricData]) -> bool:
    """Whether the faulted share's value is past one of the bounds: without that no judgement
    says deviated (`hypothesis._side` needs it on top of a significant rise)."""
    for condition in conditions:
        value = faulted_value(condition, data.get(condition.signal.value, MetricData((), ())))
        if value is not None and not condition.crosses(value):
            return True
    return False


def ours(case: Case, plan: Plan = DEFAULT, *, every_minute: bool = False) -> Run:
    """The product's judgement on every minute, stepped as the engine steps (no I/O). A minute
    that is not a step's end and whose faulted share is within every bound cannot end the run
    (it cannot be deviated): only its look is counted, unless `every_minute` (the same verdicts,
    each judged: what the cheaper path is tested against)."""
    injector, metrics, clock = simulation(case)
    record = experiment(case, plan)
    injecting = Injecting(
        store=InMemoryChaosStore(),
        directory=InMemoryDirectory(),
        injector=injector,
        metrics=metrics,
    )
    before = injecting.before(record, SAMPLE, case.start)
    if not before.met:
        return Run("refused", 0, plan=plan)
    judgeable = not traffic_warning(record, before)
    # the minutes before the start, as the engine judges them (`Injecting.baseline`)
    signals = ["error_rate", "p99_latency"]
    baseline = metrics.compare(SAMPLE, signals, start=case.start - BEFORE, end=case.start)
    conditions = [expectation(text) for text in EXPECT]
    handle = injector.inject(
        SAMPLE, case.fault, injection_for(record, case.start), minutes=plan.lasting
    )
    for elapsed in range(1, plan.longest + 1):
        now = clock.current = case.start + timedelta(minutes=elapsed)
        begin = record.step_started_at + RAMP_UP
        if now - begin < timedelta(minutes=1):
            continue
        data = metrics.compare(SAMPLE, signals, start=begin, end=now)
        due = step_due(record, now)
        if not (due or every_minute or _past_a_bound(conditions, data)):
            record = record.model_copy(update={"looks": looks(record)})
            continue
        found = assess(conditions, data, looks=looks(record), before=baseline)
        served = data["error_rate"].experiment_total
        if found.verdict is HypothesisVerdict.DEVIATED:
            return Run("deviated", elapsed, served, elapsed, judgeable, plan)
        if not due:
            record = checked(record, found, now, kept=False)
            continue
        after = after_judgement(checked(record, found, now, kept=True), found, now)
        if after.state is ExperimentState.ROLLING_BACK:
            outcome = after.outcome.value if after.outcome else "failed"
            return Run(outcome, elapsed, served, judgeable=judgeable, plan=plan)
        if after.step != record.step:
            injector.remove(handle)
            handle = injector.inject(
                SAMPLE, case.fault, injection_for(after, now), minutes=plan.lasting
            )
        record = after
    raise AssertionError(f"{case} did not end in {plan.longest} minutes")


def toolkit(case: Case, plan: Plan = DEFAULT) -> Run:
    """Chaos Toolkit-style: the tolerance on one sample a minute of the faulted share, through
    `plan`'s steps (no extension: the toolkit has none)."""
    last = minute(SAMPLE.resource, case.start - timedelta(minutes=1), 1.0, None, case.rps)
    if not _within(last.errors, last.requests, last.p99):
        return Run("refused", 0, plan=plan)
    served = 0
    for step, percent in enumerate(plan.percents):
        for at in range(2, plan.minutes + 1):  # the ramp-up's minute not sampled
            elapsed = step * plan.minutes + at
            sampled = case.start + timedelta(minutes=elapsed - 1)
            got = minute(
                SAMPLE.resource, sampled, percent / 100, case.fault, case.rps, scale=case.scale
            )
            served += got.requests
            if got.requests and not _within(got.errors, got.requests, got.p99):
                return Run("deviated", elapsed, served, breach=elapsed, plan=plan)
    return Run("held", len(plan.percents) * plan.minutes, served, plan=plan)


def _within(errors: int, requests: int, p99: float) -> bool:
    """Whether one minute's sample is within every tolerance."""
    return 100.0 * errors / max(requests, 1) < BOUNDS[0] and p99 < BOUNDS[1]


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


def _share(count: int, total: int) -> str:
    return f"{count / total:6.1%}" if total else "     -"


def _row(rps: float, name: str, runs: list[tuple[Case, Run]], ticks: str) -> str:
    """One table line: a check's figures at one traffic level."""
    started = [(c, r) for c, r in runs if r.outcome != "refused"]
    harmless = [r for c, r in started if c.scale == 1.0]
    breaking = [(c, r) for c, r in started if c.scale != 1.0]
    met = [r for c, r in breaking if gated(c, r)]
    caught = [r for r in met if r.outcome == "deviated"]
    halts = [r.minutes for _, r in breaking if r.outcome == "deviated"]
    false = sum(r.outcome == "deviated" for r in harmless)
    inconclusive = sum(r.outcome == "inconclusive" for _, r in started)
    unjudgeable = sum(r.judgeable is False for _, r in started)
    warned = (
        _share(unjudgeable, len(started)) if any(r.judgeable is not None for _, r in runs) else "-"
    )
    refused = len(runs) - len(started)
    detected = f"{_share(len(caught), len(met))} of {len(met):3}"
    median = f"{statistics.median(halts):g}" if halts else "-"
    return (
        f"  {rps:5g}  {name:8} {_share(false, len(harmless)):>14}  {detected:>19}  "
        f"{_share(inconclusive, len(started)):>12}  {warned:>13}  "
        f"{_share(refused, len(runs)):>7}  "
        f"{median:>13}  {ticks:>17}"
    )


def _ticks(found: list[int]) -> str:
    """The judgement's deviated to the fault's removal on the engine's runs: how many within
    one tick, and the most."""
    if not found:
        return "- (none deviated)"
    within = sum(0 <= t <= 1 for t in found)
    return f"<=1 in {within}/{len(found)}, max {max(found)}"


def table(results: dict[str, list[tuple[Case, Run]]], ticks: dict[float, list[int]]) -> None:
    """Per traffic level and check: false deviations, detections, inconclusive, refused, the
    median minutes from the fault's start to its halt and the ticks from breach to halt."""
    print(
        "    rps  check    false deviated  2x caught, gate met  inconclusive  not judgeable"
        "  refused"
        "  min. to halt  deviated->removed ticks"
    )
    for rps in RATES:
        for name, runs in results.items():
            said = _ticks(ticks[rps]) if name == "ours" else "0 (by construction)"
            print(_row(rps, name, [(c, r) for c, r in runs if c.rps == rps], said))


def summary(name: str, runs: list[tuple[Case, Run]]) -> None:
    """A check's figures over every traffic level, against the goals."""
    started = [(c, r) for c, r in runs if r.outcome != "refused"]
    harmless = [r for c, r in started if c.scale == 1.0]
    false = sum(r.outcome == "deviated" for r in harmless)
    met = [r for c, r in started if c.scale != 1.0 and gated(c, r)]
    caught = sum(r.outcome == "deviated" for r in met)
    print(
        f"  {name}: false deviated {false}/{len(harmless)} = {_share(false, len(harmless)).strip()}"
        f" of harmless runs (goal <= 1%); 2x faults caught once the gate is met {caught}/"
        f"{len(met)} = {_share(caught, len(met)).strip()} (goal >= 95%); "
        f"{len(runs) - len(started)} of {len(runs)} refused (steady state not met before)"
        + (
            f"; {sum(r.judgeable is False for _, r in started)} of {len(started)} started runs "
            "not judgeable at their rate (the plan warned: a step short of the faulted requests a "
            "verdict needs)"
            if any(r.judgeable is not None for _, r in started)
            else ""
        )
    )


def judgeable_row(rps: float, name: str, runs: list[tuple[Case, Run]], ticks: str) -> str:
    """One line of the judgeable plans' table: a check's figures at one traffic level on the
    plans the product suggested there, or that it suggested none (too quiet, it says)."""
    if not runs:
        return (
            f"  {rps:5g}  {name:8} no plan suggested (`sre chaos plan` says: too quiet, even "
            "50% for the longest step)"
        )
    started = [(c, r) for c, r in runs if r.outcome != "refused"]
    harmless = [r for c, r in started if c.scale == 1.0]
    met = [r for c, r in started if c.scale != 1.0 and gated(c, r)]
    caught = sum(r.outcome == "deviated" for r in met)
    inconclusive = sum(r.outcome == "inconclusive" for _, r in started)
    verdicts = [r.minutes for _, r in started]
    plan = _plans([r.plan for _, r in runs])
    false = sum(r.outcome == "deviated" for r in harmless)
    detected = f"{_share(caught, len(met))} of {len(met):3}"
    median = f"{statistics.median(verdicts):g}" if verdicts else "-"
    return (
        f"  {rps:5g}  {name:8} {plan:28} {_share(false, len(harmless)):>14}  {detected:>19}  "
        f"{_share(inconclusive, len(started)):>12}  {median:>16}  {ticks:>17}"
    )


def _plans(plans: list[Plan]) -> str:
    """The plans suggested at one rate, in a line: `21,25% x 10m`, with the range of first
    percents or minutes the suggestion took over its cases (`21-26[,25]% x 10m`: the later
    percents in brackets where only some plans keep them, above a larger first one)."""
    firsts = sorted({p.percents[0] for p in plans})
    minutes = sorted({p.minutes for p in plans})
    later = sorted({x for p in plans for x in p.percents[1:]})
    everywhere = [x for x in later if all(x in p.percents[1:] for p in plans)]
    first = f"{firsts[0]}" if len(firsts) == 1 else f"{firsts[0]}-{firsts[-1]}"
    after = "".join(f",{x}" if x in everywhere else f"[,{x}]" for x in later)
    length = f"{minutes[0]}" if len(minutes) == 1 else f"{minutes[0]}-{minutes[-1]}"
    return f"{first}{after}% x {length}m"


def judgeable(every: list[Case], engine: int, breaking: int) -> None:
    """The same cases on the plan the product suggests before each starts (`suggested`), where
    one exists: both checks' figures, the engine's halts on a subset of them."""
    from benchmarks.chaos_engine import halts

    planned = [(case, plan) for case in every if (plan := suggested(case)) is not None]
    mine = [(case, ours(case, plan)) for case, plan in planned]
    theirs = [(case, toolkit(case, plan)) for case, plan in planned]
    ran = halts(mine, per_cell=engine, breaking=breaking)
    print(
        f"  the plan the product suggests (`sre chaos plan`'s traffic warning, its first fix) on "
        f"the same cases: {len(planned)} of {len(every)} have one"
    )
    print(
        "    rps  check    plan                         false deviated  2x caught, gate met"
        "  inconclusive  min. to a verdict  deviated->removed ticks"
    )
    for rps in RATES:
        for name, runs in (("ours", mine), ("toolkit", theirs)):
            said = _ticks(ran.guard[rps]) if name == "ours" else "0 (by construction)"
            print(judgeable_row(rps, name, [(c, r) for c, r in runs if c.rps == rps], said))
    summary("ours, judgeable plans", mine)
    summary("toolkit, judgeable plans", theirs)
    print(f"  engine on {ran.runs} of the judgeable runs: {engine_said(ran)}")


def engine_said(ran: EngineFigures) -> str:
    """What the engine's runs showed: agreement with the judgement, and on its deviated runs
    the ticks from the true breach (the simulation's fault past a bound) to the judgement's
    deviated, and from that to the fault's removal (the guard path)."""
    guard = [t for found in ran.guard.values() for t in found]
    judged = {rps: found for rps, found in ran.judged.items() if found}
    medians = ", ".join(
        f"{statistics.median(found):g} (max {max(found)}) at {rps:g} req/s"
        for rps, found in judged.items()
    )
    return (
        f"ends as the judgement did in {ran.agree}/{ran.runs} ({ran.breaking} breaking runs); "
        f"from the true breach (the fault's first minute past a bound) to the judgement's "
        f"deviated, median ticks {medians or '- (none deviated)'}; from that to the fault "
        f"removed (the guard path) <= 1 tick in {_ticks(guard).removeprefix('<=1 in ')} "
        "(goal 100%)"
    )


def main(count: int = 1000, engine: int = 2, breaking: int = 10_000) -> None:
    """Print both checks' figures per traffic level, the engine's halts timed on every breaking
    run (or `breaking` of them, a uniform random sample) and `engine` harmless ones a cell."""
    from benchmarks.chaos_engine import halts

    began = time.process_time()
    every = cases(count)
    mine = [(case, ours(case)) for case in every]
    theirs = [(case, toolkit(case)) for case in every]
    judged = time.process_time() - began
    ran = halts(mine, per_cell=engine, breaking=breaking)
    print(
        f"Chaos experiments: {len(every):,} on the sample's simulation (half at 2x errors or "
        "latency on the faulted share, half harmless), steps 1/5/25%, 11 min each"
    )
    print(
        f"  steady state: {' and '.join(EXPECT)}; gate: {GATE['errors']:,} faulted requests "
        f"(errors), {GATE['latency']} (latency); toolkit: one sample a minute of the faulted share"
    )
    table({"ours": mine, "toolkit": theirs}, ran.guard)
    summary("ours", mine)
    summary("toolkit", theirs)
    print(
        f"  engine (sre chaos start, then the scheduler's tick every minute, memory deployment) "
        f"on {ran.runs} of them: {engine_said(ran)}"
    )
    print(f"  judged in {judged:.1f} s of CPU, {time.process_time() - began:.1f} s with the engine")
    judgeable(every, engine, breaking)
    print(f"  {time.process_time() - began:.1f} s of CPU in all")


if __name__ == "__main__":
    main()
