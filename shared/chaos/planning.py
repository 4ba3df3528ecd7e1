"""`sre chaos plan`: what a start would do (the fault, where, at which steps), what would stop
it now, and what halts it once it runs. Nothing is injected or recorded."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta

from shared.chaos.expectations import expectation
from shared.chaos.guards import needed_at
from shared.chaos.injecting import BEFORE
from shared.chaos.models import LARGEST_PERCENT, Experiment, SteadyState
from shared.chaos.notices import steps_said
from shared.chaos.steps import EXTENSIONS, LONGEST_STEP, RAMP_UP, shortest_step
from shared.commands.duration import written
from shared.replies import Reply, Tone
from shared.telemetry.models import Service, Signal

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
    before: SteadyState | str,
    *,
    splits: bool = True,
    stops: bool = True,
    broken: Sequence[str] = (),
) -> Reply:
    """The dry run, as a reply: information when a start would go ahead, else each reason it
    would be `refused` (`guards.refusals`) with its fix; `before`: the steady state on the
    service's last minutes, or why they cannot be read (said so, as what refuses a start);
    `splits`: whether the metrics read the faulted share apart (else that is said); `stops`:
    whether the injector's own stop conditions halt it too (FIS's alarms); `broken`: each bound
    its fault breaks by itself (`expectations.broken`), said instead of how much traffic a step
    needs, which no traffic would change."""
    blocked = list(refused)
    if isinstance(before, str):
        blocked.append(f"The steady state cannot be judged now: {before}.")
    elif not before.met:
        blocked.append(f"The steady state does not hold now: {'; '.join(before.reasons)}.")
    approval = "a second operator approves it first (production)" if draft.production else "none"
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
    thin = traffic_warning(draft, before) if isinstance(before, SteadyState) else ""
    if broken or thin:
        lines += ["", *(broken or [thin])]
    if blocked:
        lines += ["", "It would not start now:", *(f"• {reason}" for reason in blocked)]
    return Reply(
        tone=Tone.INFO if not blocked else Tone.ERROR,  # a dry run that worked: no usage error
        title=f"Plan: {draft.fault.written} on {service.name} "
        + ("(would start)" if not blocked else "(would not start)"),
        text="\n".join(lines),
        fields=[
            ("Steady state", "; ".join(draft.expectations)),
            ("Now", _now(before)),
            ("Steps", steps_said(draft)),
            ("Approval", approval),
        ],
    )


def _now(before: SteadyState | str) -> str:
    """The plan's `Now`: the steady state on the last minutes, or that they cannot be read."""
    if isinstance(before, str):
        return f"cannot be read: {before}"
    return "; ".join(before.reasons) or "no data"


def traffic_warning(draft: Experiment, before: SteadyState) -> str:
    """From the service's traffic before the start: the first step whose faulted share cannot
    reach the requests a judgement needs at its last look, even extended to its limit, and what
    would (`at ~10 req/s the 1% step sees ~54 faulted requests per 10m: ...`); empty when every
    step can be judged, or when there was no traffic to tell."""
    if before.requests <= 0:
        return ""
    rps = before.requests / BEFORE.total_seconds()
    need = _need(draft, before)
    windows = 1 + EXTENSIONS
    short = _first_short(rps, draft.percents, draft.step_duration, windows, need)
    if short is None:
        return ""
    first, needed = short
    minutes = int(draft.step_duration.total_seconds() // 60)
    seen = _serves(rps, first, draft.step_duration, 1)
    rate = f"{rps:,.0f}" if rps >= 10 else f"{rps:.2g}"
    margin = round((MARGIN - 1) * 100)
    said = (  # the number compared, margin included: the sentence is true as it reads
        f"At ~{rate} req/s the {first}% step sees ~{seen:,.0f} faulted requests per {minutes}m "
        f"(~{seen * windows:,.0f} with its {EXTENSIONS} extensions): below the "
        f"{math.ceil(needed * MARGIN):,} needed to judge it at its last look with a {margin}% "
        "margin, so it would end inconclusive"
    )
    fixes = _fixes(draft, rps, need) or _combined(draft, rps, need)
    if fixes:
        return f"{said}; {' or '.join(fixes)}."
    return (
        f"{said}: this service is too quiet (even {LARGEST_PERCENT}% for {written(LONGEST_STEP)} "
        "a step, extended to its limit, would not serve them)."
    )


MARGIN = 1.1
"""How much more than a held needs a suggested step is sized to serve: the traffic before a
start is an estimate of ten minutes, and a step sized to it exactly falls short half the time."""
Need = Callable[[int], int]
"""The faulted requests a held needs at a given look of the experiment (`guards.needed_at`)."""


LOW = 1.645
"""Standard deviations below the errors seen before a start the unfaulted rate may plausibly
be (one-sided 95%): ten minutes of a quiet service see a handful of errors."""


def _need(draft: Experiment, before: SteadyState) -> Need:
    """What a held of `draft`'s steady state needs at each look, at the most demanding unfaulted
    error rate the minutes before it make plausible: a held needs most requests where the rate
    is half an error bound (below, the bound shows sooner; above, its doubling does), so the
    rate in that range nearest half of each bound."""
    conditions = [expectation(text) for text in draft.expectations]
    seen = before.errors / before.requests
    low = max(before.errors - LOW * math.sqrt(before.errors), 0.0) / before.requests
    halves = [(c.threshold or 0.0) / 200 for c in conditions if c.signal is Signal.ERROR_RATE]
    bases = {min(max(half, low), seen) for half in halves} or {seen}
    return lambda looks: max(before.needed, *(needed_at(conditions, base, looks) for base in bases))


def _serves(rps: float, percent: int, step: timedelta, windows: int) -> float:
    """The faulted requests `percent` of `rps` serves in the judged part of `step`, over
    `windows` windows (1: the step alone; with its extensions: 1 + EXTENSIONS)."""
    return rps * max((step - RAMP_UP).total_seconds(), 0.0) * percent / 100 * windows


def _first_short(
    rps: float, percents: Sequence[int], step: timedelta, windows: int, need: Need
) -> tuple[int, int] | None:
    """The first of `percents` (and what it needs) whose step cannot serve the requests a held
    needs at its last look: the experiment is judged every minute, so the `k`-th step ends at
    about look `k` x its minutes (every step taken to `windows`), and a step serving less than
    `MARGIN` times that is counted short; None when none is short."""
    minutes = max(int(step.total_seconds() // 60), 1)
    for k, percent in enumerate(percents, start=1):
        needed = need(k * windows * minutes)
        if _serves(rps, percent, step, windows) < needed * MARGIN:
            return percent, needed
    return None


def _step_for(
    rps: float, percents: Sequence[int], need: Need, windows: int, draft: Experiment
) -> timedelta | None:
    """The shortest whole-5-minute step (at least the steady state's shortest) in which every
    one of `percents` is judged over `windows`; None when not even the longest step is."""
    shortest = shortest_step(len(percents), draft.expectations)
    step = timedelta(minutes=5 * max(math.ceil(shortest.total_seconds() / 300), 1))
    while step <= LONGEST_STEP:
        if _first_short(rps, percents, step, windows, need) is None:
            return step
        step += timedelta(minutes=5)
    return None


def _percent_for(
    rps: float, step: timedelta, need: Need, windows: int, draft: Experiment
) -> int | None:
    """The smallest first percent whose steps (it, then the draft's larger ones) are each judged
    in a `step` over `windows`; None when not even the largest is."""
    for percent in range(1, LARGEST_PERCENT + 1):
        if _first_short(rps, _from(percent, draft), step, windows, need) is None:
            return percent
    return None


def _minutes(step: timedelta) -> str:
    """A step as `--duration` takes it, in minutes (`35m`)."""
    return f"{int(step.total_seconds() // 60)}m"


def _from(percent: int, draft: Experiment) -> list[int]:
    """The steps starting at `percent`: it, then the draft's larger ones."""
    return [percent, *(p for p in draft.percents if p > percent)]


def _fixes(draft: Experiment, rps: float, need: Need) -> list[str]:
    """What would let every step be judged in one window, one option changed: a larger first
    percent, or a longer step (whole 5 minutes, within the longest allowed)."""
    fixes = []
    percent = _percent_for(rps, draft.step_duration, need, 1, draft)
    if percent is not None:
        fixes.append(f"use --percent {','.join(map(str, _from(percent, draft)))}")
    step = _step_for(rps, draft.percents, need, 1, draft)
    if step is not None:
        fixes.append(f"--duration {_minutes(step)}")
    return fixes


def _combined(draft: Experiment, rps: float, need: Need) -> list[str]:
    """When no one option is enough: both, judged in one window if that can be, else counting
    the extensions: the shortest steps (at the smallest percent they need), and the smallest
    first percent (with the shortest steps it needs), each one a start accepts."""
    for windows in (1, 1 + EXTENSIONS):
        shortest = _step_for(rps, [LARGEST_PERCENT], need, windows, draft)
        smallest = _percent_for(rps, LONGEST_STEP, need, windows, draft)
        if shortest is None or smallest is None:
            continue
        said: list[str] = []
        labels = ("the shortest steps", "the smallest first share")
        extended = "" if windows == 1 else ", extended to its limit"
        first = _percent_for(rps, shortest, need, windows, draft) or LARGEST_PERCENT
        for percent, label in zip((first, smallest), labels, strict=True):
            percents = _from(percent, draft)
            step = _step_for(rps, percents, need, windows, draft)
            if step is None:
                continue
            pair = f"--percent {','.join(map(str, percents))} --duration {_minutes(step)}"
            if not any(pair in s for s in said):
                said.append(f"use {pair} ({label}{extended})")
        return said
    return []


def start_notes(
    experiment: Experiment, *, splits: bool = True, broken: Sequence[str] = ()
) -> list[str]:
    """What a start says besides starting: that the faulted share is not read apart (`splits`
    False), each bound its fault breaks by itself (`broken`), a thin baseline before it (too
    little traffic to be sure of the steady state, so it was not refused), and a step too quiet
    to be judged (not said when a bound is broken: no traffic would change that)."""
    notes = [*([] if splits else [WHOLE_SERVICE]), *broken]
    before = experiment.before
    if before is None:
        return notes
    thin = [r for r in before.reasons if "thin baseline" in r]
    if thin:
        notes.append(f"The baseline before it is thin ({'; '.join(thin)}): started anyway.")
    warning = traffic_warning(experiment, before)
    if warning and not broken:
        notes.append(warning)
    return notes
