"""`sre chaos plan`: what a start would do (the fault, where, at which steps), what would stop
it now, and what halts it once it runs. Nothing is injected or recorded."""

from __future__ import annotations

from collections.abc import Sequence

from shared.chaos.models import Experiment, SteadyState
from shared.chaos.notices import steps_said
from shared.chaos.steps import EXTENSIONS, RAMP_UP
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


def plan_reply(
    draft: Experiment, service: Service, refused: Sequence[str], before: SteadyState
) -> Reply:
    """The dry run, as a reply: information when a start would go ahead, else each reason it
    would be `refused` (`guards.refusals`) with its fix."""
    blocked = list(refused)
    if not before.met:
        blocked.append(f"The steady state does not hold now: {'; '.join(before.reasons)}.")
    approval = "a second operator approves it first (production)" if service.production else "none"
    ramp = int(RAMP_UP.total_seconds())
    lines = [
        f"Inject {draft.fault.written} into {', then '.join(f'{p}%' for p in draft.percents)} "
        f"of {service.name}'s invocations ({service.kind.value} `{service.resource}`).",
        f"Each step is judged on its faulted share against the same minutes' unfaulted share "
        f"(ramp-up {ramp}s excluded); a step short of traffic is extended up to {EXTENSIONS} "
        "times; the next percent only after the steady state held.",
        "Halts on: " + "; ".join(HALT_PATHS) + ".",
        "After any end, every injection is removed and verified removed.",
    ]
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
