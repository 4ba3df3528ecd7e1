"""What `sre prompt experiment status` shows: each arm's share now and its results, the gate's
and the sequential test's say in words, and the experiment's history with dates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from shared.prompts.decisions import Tally, counts, say
from shared.prompts.experiments import LOOK_EVERY, Arm, Experiment, ExperimentState
from shared.prompts.models import CONTROL_NAME
from shared.prompts.sequential import MIN_TRIALS, Decision
from shared.replies import Reply, Tone, counted
from shared.times import moment


def verdict(decision: Decision, arm: Arm, result: Tally, control: Tally, ctl: Arm) -> str:
    """The sequential test's say in words."""
    if decision is Decision.BETTER:
        return "better than the control"
    if decision is Decision.WORSE:
        return "worse than the control"
    have = min(counts(arm, result).trials, counts(ctl, control).trials)
    if have < MIN_TRIALS:
        return f"undecided ({have} of the {MIN_TRIALS} results each side needs)"
    return "undecided (no clear difference yet)"


def arm_line(arm: Arm, result: Tally, said: str, *, stopped: bool = False) -> str:
    """One arm's share (`stopped`: the share it had, the scope's default writing all since)
    and results."""
    latency = f"{arm.median_latency_ms} ms median" if arm.median_latency_ms is not None else "-"
    share = f"share {arm.weight:.0%}" + (" until it stopped" if stopped else "")
    line = (
        f"{share} · {counted(result.narrated, 'investigation')} · "
        f"helpful {result.helpful} / wrong {result.wrong} · "
        f"agreed {result.agreed} of {result.agreed + result.disagreed} · "
        f"{arm.ungrounded} ungrounded · {arm.errors} errors · {latency} · {arm.tokens:,} tokens"
    )
    line += f"\ngate: {arm.gate or 'not run'} · test: {said}"
    return line + (f"\n{arm.halted}" if arm.halted else "")


def status(experiment: Experiment, results: Mapping[str, Tally], *, now: datetime) -> Reply:
    """The experiment's status reply."""
    said = say(experiment, results) if experiment.running else {}
    control, ctl = results[CONTROL_NAME], experiment.control()
    fields: list[tuple[str, str]] = []
    for arm in experiment.arms:
        decision = said.get(arm.name)
        words = (
            "none (the control: the others are tested against it)"
            if arm.name == CONTROL_NAME
            else verdict(decision, arm, results[arm.name], control, ctl)
            if decision is not None
            else "-"
        )
        stopped = experiment.state is ExperimentState.STOPPED
        fields.append((arm.variant.label, arm_line(arm, results[arm.name], words, stopped=stopped)))
    history = [f"{moment(s.at, today=now)} {s.what}: {s.text}" for s in experiment.history]
    fields.append(("History", "\n".join(history[-12:]) or "nothing yet"))
    state = experiment.state.value + (f" ({experiment.winner})" if experiment.winner else "")
    following = experiment.looked_at + LOOK_EVERY
    looks = (
        ""
        if not experiment.running
        else f"; equal shares until {experiment.burn_in} investigations are judged, then "
        f"recomputed every {LOOK_EVERY}"
        if following <= experiment.burn_in  # a look in the burn-in keeps the shares equal
        else f"; shares recomputed every {LOOK_EVERY} judged investigations (next at {following})"
    )
    return Reply(
        tone=Tone.INFO,
        title=f"Prompt experiment {experiment.id} ({experiment.scope}): {state}",
        text=f"Started by @{experiment.started_by} {moment(experiment.started_at, today=now)}, "
        f"floor {experiment.floor:.0%}, burn-in {experiment.burn_in} investigations{looks}.",
        fields=fields,
    )
