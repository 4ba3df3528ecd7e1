"""The two checks the chaos benchmark compares on each case: the product's judgement, stepped
as the engine steps, and a Chaos Toolkit-style point tolerance (see `benchmarks.chaos`)."""

from __future__ import annotations

from datetime import timedelta

from benchmarks.chaos_cases import (
    BOUNDS,
    DEFAULT,
    EXPECT,
    SAMPLE,
    Case,
    Plan,
    Run,
    experiment,
    simulation,
)
from shared.adapters.local.simulated_chaos import minute
from shared.adapters.memory import InMemoryChaosStore, InMemoryDirectory
from shared.chaos.expectations import expectation
from shared.chaos.hypothesis import HypothesisVerdict, assess, faulted_value
from shared.chaos.injecting import BEFORE, Injecting
from shared.chaos.models import ExperimentState
from shared.chaos.planning import traffic_warning
from shared.chaos.steps import RAMP_UP, after_judgement, checked, injection_for, looks, step_due
from shared.judging.condition import Condition
from shared.judging.judge import MetricData


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
        found = assess(conditions, data, looks=looks(record), before=baseline, written=EXPECT)
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
