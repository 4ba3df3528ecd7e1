"""`sre chaos plan`: what a start would do (the fault, where, at which steps), what would stop
it now, and what halts it once it runs. Nothing is injected or recorded."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from shared.chaos.injecting import BEFORE
from shared.chaos.models import LARGEST_PERCENT, Experiment, SteadyState
from shared.chaos.notices import steps_said
from shared.chaos.steps import EXTENSIONS, RAMP_UP
from shared.judging.stats import needed_samples
from shared.replies import Reply, Tone
from shared.telemetry.models import Service

LONGEST_STEP = timedelta(hours=6)
"""The longest `--duration` a step may have (as `sre chaos start` takes it)."""

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
    judged = max((draft.step_duration - RAMP_UP).total_seconds(), 0.0)
    needed = max(before.needed, needed_samples())
    short = [p for p in draft.percents if rps * judged * p / 100 * (1 + EXTENSIONS) < needed]
    if not short:
        return ""
    first = short[0]
    minutes = int(draft.step_duration.total_seconds() // 60)
    seen = rps * judged * first / 100
    rate = f"{rps:,.0f}" if rps >= 10 else f"{rps:.2g}"
    said = (
        f"At ~{rate} req/s the {first}% step sees ~{seen:,.0f} faulted requests per {minutes}m "
        f"(~{seen * (1 + EXTENSIONS):,.0f} with its {EXTENSIONS} extensions): below the "
        f"{needed:,} needed to judge it, so it would end inconclusive"
    )
    fixes = _fixes(draft, rps, judged, needed, first)
    return f"{said}; {' or '.join(fixes)}." if fixes else f"{said}: this service is too quiet."


def _fixes(draft: Experiment, rps: float, judged: float, needed: int, first: int) -> list[str]:
    """What would let the short step be judged in one step: a larger first percent, or a
    longer step (whole 5 minutes, within the longest allowed)."""
    fixes = []
    percent = math.ceil(needed * 100 / (rps * judged)) if judged else LARGEST_PERCENT + 1
    if percent <= LARGEST_PERCENT:
        kept = [p for p in draft.percents if p > percent]
        fixes.append(f"use --percent {','.join(str(p) for p in [percent, *kept])}")
    seconds = needed * 100 / (rps * first) + RAMP_UP.total_seconds()
    minutes = 5 * math.ceil(seconds / 300)
    if timedelta(minutes=minutes) <= LONGEST_STEP:
        fixes.append(f"--duration {minutes}m")
    return fixes


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
