"""The pure step logic of an experiment: what it becomes after a guard check or a judgement,
when it halts, and which window of minutes each judgement reads. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.chaos.expectations import expectation
from shared.chaos.hypothesis import CONTROLS, Hypothesis, HypothesisVerdict
from shared.chaos.models import (
    ChaosStep,
    Experiment,
    ExperimentOutcome,
    ExperimentState,
    Injection,
    SteadyState,
)
from shared.judging.judge import CONFIDENCE
from shared.judging.stats import minutes_to_show_shift
from shared.telemetry.models import Signal

RAMP_UP = timedelta(seconds=60)
"""FIS's documented ramp-up of Lambda faults: the minutes after an injection are not judged."""
EXTENSIONS = 3
"""How many times a step short of traffic is extended before the experiment ends inconclusive."""
STARTING_LIMIT = timedelta(minutes=3)
"""How long a start may stay under way before the scheduler rolls it back."""
SHORTEST_STEP = timedelta(minutes=2)
"""The shortest `--duration` a step may have: its ramp-up and one judged minute."""
LONGEST_ACTION = timedelta(hours=12)
"""The longest an AWS FIS action runs: a step's injection, extended to its limit, must fit."""
LONGEST_STEP = timedelta(hours=2, minutes=50)
"""The longest `--duration` a step may have: extended `EXTENSIONS` times, with the injection's
5-minute margin (`injecting.LATE`), it still fits in one FIS action (`LONGEST_ACTION`)."""
_MINUTE = timedelta(minutes=1)


def latency_minutes(looks: int) -> int:
    """The judged minutes a latency shift needs to show at the `looks`-th look of an experiment
    (the judge's `minutes_to_show_shift` at that look's confidence, shared among its controls)."""
    return minutes_to_show_shift(confidence=1 - (1 - CONFIDENCE) / (looks * CONTROLS))


def timed(expectations: Sequence[str]) -> bool:
    """Whether a steady state bounds a latency (judged on minutes, not on requests)."""
    return any(expectation(text).signal is not Signal.ERROR_RATE for text in expectations)


def shortest_step(steps: int, expectations: Sequence[str]) -> timedelta:
    """The shortest step of `steps` percents the steady state can be judged in without an
    extension: one look a judged minute after the ramp-up, so the last step's end is look
    `steps` x its judged minutes; a latency needs `latency_minutes` of that look by then."""
    if not timed(expectations):
        return SHORTEST_STEP
    judged = 1
    while judged < latency_minutes(steps * judged):
        judged += 1
    return max(RAMP_UP + judged * _MINUTE, SHORTEST_STEP)


def too_short(steps: int, expectations: Sequence[str], duration: timedelta) -> str:
    """Why a step of `duration` cannot be judged (`a latency steady state needs steps of at
    least 11m: ...`); empty when it can."""
    shortest = shortest_step(steps, expectations)
    if duration >= shortest:
        return ""
    judged = (shortest - RAMP_UP) // _MINUTE
    ramp = int(RAMP_UP.total_seconds() // 60)
    return (
        f"a latency steady state needs steps of at least {judged + ramp}m: {ramp}m of ramp-up "
        f"and {judged} judged minutes at the last look of {steps} step{'s' if steps > 1 else ''}"
        f" (fewer cannot show a latency shift at its confidence): use --duration "
        f"{judged + ramp}m or longer"
    )


def with_step(
    experiment: Experiment,
    now: datetime,
    what: str,
    said: str = "",
    *,
    by: str = "scheduler",
    **changes: object,
) -> Experiment:
    """The experiment with `changes` and one more line of history."""
    moved = experiment.model_copy(update=changes)
    record = ChaosStep(at=now, percent=moved.percents[moved.step], what=what, reason=said, by=by)
    return moved.model_copy(update={"history": [*experiment.history, record]})


def injection_for(experiment: Experiment, now: datetime) -> Injection:
    """The injection of the current step, keyed so a retry is the same call."""
    return Injection(
        key=f"{experiment.id}-{experiment.step}",
        percent=experiment.percents[experiment.step],
        at=now,
    )


def current(experiment: Experiment) -> Injection | None:
    """The injection of the current step, if it was recorded."""
    key = f"{experiment.id}-{experiment.step}"
    return next((i for i in experiment.injections if i.key == key), None)


def window(experiment: Experiment, now: datetime, ramp_up: timedelta) -> tuple[datetime, datetime]:
    """The minutes the current step is judged on: from the end of its ramp-up to now."""
    return experiment.step_started_at + ramp_up, now


def looks(experiment: Experiment) -> int:
    """How many times its steady state has been judged, this time included."""
    return experiment.looks + 1


def checked(experiment: Experiment, found: Hypothesis, now: datetime, *, kept: bool) -> Experiment:
    """The experiment with one more look counted; the judgement itself kept (the journal's
    `during`) when `kept`: a step's end or a deviation, not every minute's guard."""
    state = SteadyState(
        at=now,
        percent=experiment.percent,
        met=found.verdict is not HypothesisVerdict.DEVIATED,
        verdict=found.verdict.value,
        reasons=[found.said][:1]
        if found.verdict is HypothesisVerdict.INCONCLUSIVE
        else found.reasons,
    )
    counted = experiment.model_copy(update={"looks": experiment.looks + 1, "latest": state})
    if not kept:
        return counted
    return counted.model_copy(update={"steady_states": [*experiment.steady_states, state]})


def ending(
    experiment: Experiment,
    now: datetime,
    outcome: ExperimentOutcome,
    reason: str,
    *,
    what: str,
    by: str = "scheduler",
) -> Experiment:
    """Recorded as ending with `outcome` (its injections still to be removed and verified)."""
    return with_step(
        experiment,
        now,
        what,
        reason,
        by=by,
        state=ExperimentState.ROLLING_BACK,
        outcome=outcome,
        reason=reason,
    )


def step_due(experiment: Experiment, now: datetime) -> bool:
    """Whether the current step (with its extensions) has run its duration."""
    length = experiment.step_duration * (1 + experiment.extensions)
    return (
        experiment.state is ExperimentState.RUNNING and now - experiment.step_started_at >= length
    )


def after_judgement(experiment: Experiment, found: Hypothesis, now: datetime) -> Experiment:
    """At the end of a step: ending deviated, extended, ending inconclusive, advanced to the
    next percent (only when the steady state held), or ending held after the last."""
    if found.verdict is HypothesisVerdict.DEVIATED:
        return ending(experiment, now, ExperimentOutcome.DEVIATED, found.said, what="deviated")
    if found.verdict is HypothesisVerdict.INCONCLUSIVE:
        if experiment.extensions < EXTENSIONS:
            extended = experiment.extensions + 1
            return with_step(experiment, now, "extended", found.said, extensions=extended)
        return ending(
            experiment, now, ExperimentOutcome.INCONCLUSIVE, found.said, what="inconclusive"
        )
    if experiment.step + 1 >= len(experiment.percents):
        return ending(experiment, now, ExperimentOutcome.HELD, found.said, what="held")
    advanced = experiment.model_copy(
        update={"step": experiment.step + 1, "extensions": 0, "step_started_at": now}
    )
    return with_step(advanced, now, "advanced", found.said)


def left_starting(experiment: Experiment, now: datetime) -> bool:
    """Whether a start was left under way (its worker stopped before the injection was made):
    counted from when it began starting (an approved one may have waited an hour before)."""
    began = experiment.step_started_at  # the start's moment (set when it began starting)
    return experiment.state is ExperimentState.STARTING and now - began >= STARTING_LIMIT
