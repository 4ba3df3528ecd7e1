"""`sre chaos plan`: what a start would do (the fault, where, at which steps), what would stop
it now, and what halts it once it runs. Nothing is injected or recorded."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from shared.chaos.injecting import BEFORE
from shared.chaos.models import LARGEST_PERCENT, Experiment, SteadyState
from shared.chaos.notices import steps_said
from shared.chaos.steps import EXTENSIONS, LONGEST_STEP, RAMP_UP, shortest_step
from shared.judging.stats import needed_samples
from shared.replies import Reply, Tone
from shared.telemetry.models import Service

HALT_PATHS = (
    "a deviation of the steady state, judged every minute (the first minute after each "
    "injection, its ramp-up, is not judged)",
    "the injection's own stop conditions (FIS alarms)",
    "a page-severity alert firing or an investigation opened for the team",
    "`sre chaos halt ID` (responder and above), `sre chaos halt --all` (org admin: the safety "
    "lever)",
)


WHOLE_SERVICE = (
    "On AWS the faulted share cannot be told apart: judged on the whole service against the "
    "minutes before each step; a fault on 1% may not show: use larger steps."
)
"""Said by the plan and the start where the metrics cannot split the shares."""


def plan_reply(
    draft: Experiment,
    service: Service,
    refused: Sequence[str],
    before: SteadyState,
    *,
    splits: bool = True,
    stops: bool = True,
) -> Reply:
    """The dry run, as a reply: information when a start would go ahead, else each reason it
    would be `refused` (`guards.refusals`) with its fix; `splits`: whether the metrics read the
    faulted share apart (else that is said); `stops`: whether the injector's own stop conditions
    halt it too (FIS's alarms)."""
    blocked = list(refused)
    if not before.met:
        blocked.append(f"The steady state does not hold now: {'; '.join(before.reasons)}.")
    approval = "a second operator approves it first (production)" if service.production else "none"
    ramp = int(RAMP_UP.total_seconds())
    lines = [
        f"Inject {draft.fault.written} into {', then '.join(f'{p}%' for p in draft.percents)} "
        f"of {service.name}'s invocations ({service.kind.value} `{service.resource}`).",
        "Each step is judged"
        + (" on its faulted share against the same minutes' unfaulted share" if splits else "")
        + f" (ramp-up {ramp}s excluded); a step short of traffic is extended up to "
        f"{EXTENSIONS} times; the next percent only after the steady state held.",
        "Halts on: " + "; ".join(p for p in HALT_PATHS if stops or "FIS" not in p) + ".",
        "After any end, every injection is removed and verified removed.",
    ]
    if not splits:
        lines.insert(2, WHOLE_SERVICE)
    thin = traffic_warning(draft, before)
    if thin:
        lines += ["", thin]
    if blocked:
        lines += ["", "It would not start now:", *(f"• {reason}" for reason in blocked)]
    return Reply(
        tone=Tone.INFO if not blocked else Tone.USAGE,
        title=f"Plan: {draft.fault.written} on {service.name} "
        + ("(would start)" if not blocked else "(would not start)"),
        text="\n".join(lines),
        fields=[
            ("Steady state", "; ".join(draft.expectations)),
            ("Now", "; ".join(before.reasons) or "no data"),
            ("Steps", steps_said(draft)),
            ("Approval", approval),
        ],
    )


def traffic_warning(draft: Experiment, before: SteadyState) -> str:
    """From the service's traffic before the start: the first step whose faulted share cannot
    reach the requests a judgement needs, even extended to its limit, and what would (`at ~10
    req/s the 1% step sees ~54 faulted requests per 10m: ...`); empty when every step can be
    judged, or when there was no traffic to tell."""
    if before.requests <= 0:
        return ""
    rps = before.requests / BEFORE.total_seconds()
    needed = max(before.needed, needed_samples())
    windows = 1 + EXTENSIONS
    short = [p for p in draft.percents if _serves(rps, p, draft.step_duration, windows) < needed]
    if not short:
        return ""
    first = short[0]
    minutes = int(draft.step_duration.total_seconds() // 60)
    seen = _serves(rps, first, draft.step_duration, 1)
    rate = f"{rps:,.0f}" if rps >= 10 else f"{rps:.2g}"
    said = (
        f"At ~{rate} req/s the {first}% step sees ~{seen:,.0f} faulted requests per {minutes}m "
        f"(~{seen * windows:,.0f} with its {EXTENSIONS} extensions): below the "
        f"{needed:,} needed to judge it, so it would end inconclusive"
    )
    fixes = _fixes(draft, rps, needed, first) or _combined(draft, rps, needed)
    if fixes:
        return f"{said}; {' or '.join(fixes)}."
    longest = int(LONGEST_STEP.total_seconds() // 3600)
    return (
        f"{said}: this service is too quiet (even {LARGEST_PERCENT}% for {longest}h a step, "
        "extended to its limit, would not serve them)."
    )


def _serves(rps: float, percent: int, step: timedelta, windows: int) -> float:
    """The faulted requests `percent` of `rps` serves in the judged part of `step`, over
    `windows` windows (1: the step alone; with its extensions: 1 + EXTENSIONS)."""
    return rps * max((step - RAMP_UP).total_seconds(), 0.0) * percent / 100 * windows


def _step_for(rps: float, percent: int, needed: int, windows: int) -> timedelta:
    """The shortest whole-5-minute step whose `percent` serves `needed` over `windows`."""
    seconds = needed * 100 / (rps * percent * windows) + RAMP_UP.total_seconds()
    return timedelta(minutes=5 * math.ceil(seconds / 300))


def _percent_for(rps: float, step: timedelta, needed: int, windows: int) -> int:
    """The smallest percent whose share of a `step` serves `needed` over `windows`."""
    judged = (step - RAMP_UP).total_seconds()
    return math.ceil(needed * 100 / (rps * judged * windows)) if judged > 0 else LARGEST_PERCENT + 1


def _long_enough(step: timedelta, percents: Sequence[int], draft: Experiment) -> timedelta:
    """`step`, or the shortest whole-5-minute step the steady state is judged in at `percents`
    (a latency needs minutes: `steps.shortest_step`), if longer."""
    shortest = shortest_step(len(percents), draft.expectations)
    return max(step, timedelta(minutes=5 * math.ceil(shortest.total_seconds() / 300)))


def _minutes(step: timedelta) -> str:
    """A step as `--duration` takes it, in minutes (`35m`)."""
    return f"{int(step.total_seconds() // 60)}m"


def _from(percent: int, draft: Experiment) -> list[int]:
    """The steps starting at `percent`: it, then the draft's larger ones."""
    return [percent, *(p for p in draft.percents if p > percent)]


def _fixes(draft: Experiment, rps: float, needed: int, first: int) -> list[str]:
    """What would let the short step be judged in one window, one option changed: a larger
    first percent, or a longer step (whole 5 minutes, within the longest allowed)."""
    fixes = []
    percent = _percent_for(rps, draft.step_duration, needed, 1)
    if percent <= LARGEST_PERCENT:
        fixes.append(f"use --percent {','.join(map(str, _from(percent, draft)))}")
    step = _long_enough(_step_for(rps, first, needed, 1), draft.percents, draft)
    if step <= LONGEST_STEP:
        fixes.append(f"--duration {_minutes(step)}")
    return fixes


def _combined(draft: Experiment, rps: float, needed: int) -> list[str]:
    """When no one option is enough: both, judged in one window if that can be, else counting
    the extensions: the shortest steps (at the smallest percent they need), and the smallest
    first percent (with the shortest steps it needs), each one a start accepts."""
    for windows in (1, 1 + EXTENSIONS):
        shortest = _step_for(rps, LARGEST_PERCENT, needed, windows)
        smallest = _percent_for(rps, LONGEST_STEP, needed, windows)
        if shortest > LONGEST_STEP or smallest > LARGEST_PERCENT:
            continue
        said: list[str] = []
        labels = ("the shortest steps", "the smallest first share")
        extended = "" if windows == 1 else ", extended to its limit"
        for percent, label in zip(
            (_percent_for(rps, shortest, needed, windows), smallest), labels, strict=True
        ):
            percents = _from(percent, draft)
            step = _long_enough(_step_for(rps, percent, needed, windows), percents, draft)
            pair = f"--percent {','.join(map(str, percents))} --duration {_minutes(step)}"
            if step <= LONGEST_STEP and not any(pair in s for s in said):
                said.append(f"use {pair} ({label}{extended})")
        return said
    return []


def start_notes(experiment: Experiment, *, splits: bool = True) -> list[str]:
    """What a start says besides starting: that the faulted share is not read apart (`splits`
    False), a thin baseline before it (too little traffic to be sure of the steady state, so it
    was not refused), and a step too quiet to be judged."""
    notes = [] if splits else [WHOLE_SERVICE]
    before = experiment.before
    if before is None:
        return notes
    thin = [r for r in before.reasons if "thin baseline" in r]
    if thin:
        notes.append(f"The baseline before it is thin ({'; '.join(thin)}): started anyway.")
    warning = traffic_warning(experiment, before)
    if warning:
        notes.append(warning)
    return notes
